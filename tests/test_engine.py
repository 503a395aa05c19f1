"""The one build engine: the same behaviour for articles, sources/ and editions, outputs
that are never silently wrong, and errors that say what the user did (issue 10)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefing import BuildOptions, build
from briefing.cli import main
from tests.conftest import MARKDOWN, ROOT, SEED

EPUB = BuildOptions(formats=("epub",), jobs=1)


@pytest.fixture
def here(tmp_path: Path) -> Iterator[Path]:
    """Run in ``tmp_path`` (the CLI's project is the current folder)."""
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(cwd)


def project(folder: Path, config: str, **articles: str) -> Path:
    (folder / "sources").mkdir(parents=True, exist_ok=True)
    for name, text in articles.items():
        (folder / "sources" / name.replace("_", ".")).write_text(text)
    (folder / "briefing.toml").write_text(config)
    return folder


def listing(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


NOTE = "---\ntitle: {title}\n---\nLede of {title}.\n\n# One\n\nText.\n"


def test_readme_python_example_runs(here: Path) -> None:
    """The README's Python code blocks run as written (in a copy of the project)."""
    shutil.copytree(ROOT / "sources", here / "sources")
    text = (ROOT / "README.md").read_text()
    blocks = [b.split("```", 1)[0] for b in text.split("```python\n")[1:]]
    assert blocks, "the README has no Python example"
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
    assert (here / "dist" / "alaska-talks.pdf").is_file()


def test_build_is_the_function_after_any_submodule_import() -> None:
    import briefing
    import briefing.engine
    import briefing.produce
    from briefing import build as imported

    assert callable(briefing.build) and callable(imported)


def test_recipients_in_any_script_get_their_own_copy(tmp_path: Path) -> None:
    config = (
        '[[editions]]\nname = "e"\nsources = ["sources/*"]\nformats = ["pdf"]\n'
        'recipients = ["李伟", "王芳", "Анна Петрова"]\n'
    )
    folder = project(tmp_path, config, note_md=NOTE.format(title="Note"))
    result = build(project=folder, options=BuildOptions(jobs=1))
    assert result.ok, result.failures
    copies = [p for p in listing(folder / "dist") if p.startswith("e/copies/")]
    assert copies == [
        "e/copies/note--anna-petrova.pdf",
        "e/copies/note--li-wei.pdf",
        "e/copies/note--wang-fang.pdf",
    ]


@pytest.mark.parametrize("names", ['["A", "a"]', '["Li Wei", "li-wei"]'])
def test_recipients_that_would_share_a_file_are_an_error(tmp_path: Path, names: str) -> None:
    config = f'[[editions]]\nname = "e"\nsources = ["sources/*"]\n\nrecipients = {names}\n'
    folder = project(tmp_path, config, note_md=NOTE.format(title="Note"))
    result = CliRunner().invoke(main, ["build", "--config", str(folder / "briefing.toml")])
    assert result.exit_code == 3
    assert f"{folder / 'briefing.toml'}:5: the recipients" in result.stderr
    assert not (folder / "dist").exists()


def test_renamed_article_and_removed_recipient_leave_nothing_stale(tmp_path: Path) -> None:
    config = (
        '[[editions]]\nname = "e"\nsources = ["sources/*"]\nformats = ["pdf", "epub"]\n'
        'recipients = ["Ada", "Bob"]\n'
    )
    folder = project(tmp_path, config, a_md=NOTE.format(title="A"))
    assert build(project=folder, options=BuildOptions(jobs=1)).ok
    (folder / "sources" / "a.md").rename(folder / "sources" / "b.md")
    (folder / "briefing.toml").write_text(config.replace('"Ada", "Bob"', '"Ada"'))
    result = build(project=folder, options=BuildOptions(jobs=1))
    assert result.ok
    assert listing(folder / "dist") == [
        "e/b.epub",
        "e/b.pdf",
        "e/copies/b--ada.pdf",
        "e/manifest.json",
    ]
    assert {p.name for p in result.removed} == {"a.pdf", "a.epub", "a--ada.pdf", "a--bob.pdf"}
    manifest = json.loads((folder / "dist" / "e" / "manifest.json").read_text())
    assert sorted(e["path"] for e in manifest["outputs"]) == [
        "b.epub",
        "b.pdf",
        "copies/b--ada.pdf",
    ]


def test_removed_edition_is_removed_and_unrecorded_files_are_kept(tmp_path: Path) -> None:
    two = '[[editions]]\nname = "a"\nsources = ["sources/*"]\nformats = ["epub"]\n'
    two += two.replace('"a"', '"b"')
    folder = project(tmp_path, two, n_md=NOTE.format(title="N"))
    assert build(project=folder).ok
    (folder / "dist" / "b" / "mine.txt").write_text("not the tool's")
    (folder / "briefing.toml").write_text(two.split('[[editions]]\nname = "b"')[0])
    result = build(project=folder)
    assert result.ok
    assert listing(folder / "dist") == ["a/manifest.json", "a/n.epub", "b/mine.txt"]


def test_a_link_changed_inside_a_list_item_rebuilds(tmp_path: Path) -> None:
    text = "---\ntitle: T\n---\nLede.\n\n# One\n\n- item with [a link]({url}) inside\n- two\n"
    folder = project(
        tmp_path,
        '[[editions]]\nname = "e"\nsources = ["sources/*"]\nformats = ["epub"]\n',
        t_md=text.format(url="https://example.org/old"),
    )
    assert len(build(project=folder).built) == 1
    (folder / "sources" / "t.md").write_text(text.format(url="https://example.org/new"))
    again = build(project=folder)
    assert len(again.built) == 1, "the link changed: the output must be rebuilt"
    import zipfile

    with zipfile.ZipFile(folder / "dist" / "e" / "t.epub") as book:
        pages = "".join(book.read(n).decode() for n in book.namelist() if n.endswith(".xhtml"))
    assert "https://example.org/new" in pages and "example.org/old" not in pages


def test_a_no_op_build_writes_nothing(tmp_path: Path) -> None:
    folder = project(
        tmp_path,
        '[[editions]]\nname = "e"\nsources = ["sources/*"]\nformats = ["epub"]\n',
        n_md=NOTE.format(title="N"),
    )
    assert build(project=folder).ok
    before = {p: p.stat().st_mtime_ns for p in (folder / "dist").rglob("*")}
    time.sleep(0.01)
    again = build(project=folder)
    assert not again.built and len(again.up_to_date) == 1
    assert {p: p.stat().st_mtime_ns for p in (folder / "dist").rglob("*")} == before


def test_an_article_given_in_a_project_uses_its_metadata_and_options(here: Path) -> None:
    shutil.copytree(ROOT / "sources", here / "sources")
    shutil.copy(ROOT / "briefing.toml", here / "briefing.toml")
    runner = CliRunner()
    first = runner.invoke(main, ["build", "sources/alaska-talks.txt", "-f", "epub", "--json"])
    assert first.exit_code == 0, first.output
    data = json.loads(first.stdout)
    assert [o["path"] for o in data["outputs"]] == ["dist/alaska-talks.epub"]
    assert data["warnings"] == [] and data["outputs"][0]["warnings"] == []  # title from toml
    again = runner.invoke(main, ["build", "sources/alaska-talks.txt", "-f", "epub", "--json"])
    assert json.loads(again.stdout)["up_to_date"] == 1  # incremental with articles too
    forced = runner.invoke(
        main, ["build", "sources/alaska-talks.txt", "-f", "epub", "--force", "--json"]
    )
    assert json.loads(forced.stdout)["built"] == 1
    # One JSON shape for every mode.
    editions = runner.invoke(main, ["build", "-f", "epub", "-e", "public", "--json"])
    assert set(json.loads(editions.stdout)) == set(data)


def test_from_applies_to_editions(tmp_path: Path) -> None:
    folder = project(
        tmp_path,
        '[[editions]]\nname = "e"\nsources = ["sources/*"]\nformats = ["epub"]\n',
        n_txt="# Heading\n\nText with *stars* that Markdown reads as emphasis.\n",
    )
    as_text = build(project=folder, out_dir=tmp_path / "a")
    as_markdown = build(
        project=folder,
        out_dir=tmp_path / "b",
        options=BuildOptions(formats=("epub",), input_format="markdown"),
    )
    assert as_text.ok and as_markdown.ok
    assert as_text.outputs[0].sha256 != as_markdown.outputs[0].sha256


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["-M", "date=x"], "--meta"),
        (["-M", "status=maybe"], "--meta"),
        (["--timeout", "inf"], "--timeout"),
        (["--timeout", "nan"], "--timeout"),
        (["--timeout", "1e-6"], "--timeout"),
    ],
)
def test_bad_command_line_values_are_usage_errors(args: list[str], words: str) -> None:
    result = CliRunner().invoke(main, ["build", str(MARKDOWN), *args])
    assert result.exit_code == 2, result.output
    assert words in result.stderr and "Traceback" not in result.output
    assert result.stderr.count("Error") == 1  # said once, not once per article


def test_unused_article_metadata_is_a_warning_with_a_suggestion(tmp_path: Path) -> None:
    folder = project(
        tmp_path,
        '[articles.notes]\ntitle = "X"\n\n[[editions]]\nname = "e"\nsources = ["sources/*"]\n'
        'formats = ["epub"]\n',
        note_md=NOTE.format(title="N"),
    )
    result = build(project=folder)
    (warning,) = result.warnings
    assert warning.line == 1 and warning.hint == "did you mean 'note'?"


def test_verbose_and_debug_after_the_subcommand(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["inspect", str(MARKDOWN), "-v", "--debug"])
    assert result.exit_code == 0, result.output


def test_a_closed_pipe_is_quiet(tmp_path: Path) -> None:
    big = tmp_path / "big.md"
    big.write_text("---\ntitle: Big\n---\nLede.\n\n" + "# Part\n\nText.\n\n" * 3000)
    run = subprocess.run(
        f"{sys.executable} -m briefing inspect {big} | head -1",
        shell=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.stdout.startswith("title: Big") and run.stderr == ""


def test_two_html_builds_in_one_process_each_get_their_stylesheet(tmp_path: Path) -> None:
    options = BuildOptions(formats=("html",), jobs=1)
    for name in ("one", "two"):
        assert build(MARKDOWN, out_dir=tmp_path / name, options=options).ok
        assert (tmp_path / name / "assets" / "briefing.css").is_file()


def test_library_arguments_are_checked(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="options must be a BuildOptions"):
        build(MARKDOWN, options={"formats": ("pdf",)})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="sources must be paths"):
        build([1])  # type: ignore[list-item]
    from briefing import InputError

    with pytest.raises(InputError, match="theme is empty"):
        build(MARKDOWN, options=BuildOptions(theme=""))
    # One path, not its characters.
    result = build(str(MARKDOWN), out_dir=tmp_path, options=EPUB)
    assert [o.path.name for o in result.outputs] == ["energy-note.epub"]


@pytest.mark.slow
def test_ctrl_c_stops_workers_at_once_and_exits_130(tmp_path: Path) -> None:
    folder = project(
        tmp_path,
        '[[editions]]\nname = "e"\nsources = ["sources/*"]\nformats = ["pdf"]\n',
    )
    for n in range(12):
        shutil.copy(SEED, folder / "sources" / f"a{n}.txt")
    process = subprocess.Popen(
        [sys.executable, "-m", "briefing", "build", "-j", "2"],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list((folder / "dist").rglob("*.pdf")):
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    started = time.monotonic()
    _, stderr = process.communicate(timeout=30)
    assert time.monotonic() - started < 5
    assert process.returncode == 130
    assert "interrupted" in stderr and "Traceback" not in stderr
    manifest = json.loads((folder / "dist" / "e" / "manifest.json").read_text())
    recorded = {e["path"] for e in manifest["outputs"]}
    assert recorded == {p.name for p in (folder / "dist" / "e").glob("*.pdf")}
    children = subprocess.run(
        ["pgrep", "-P", str(process.pid)], capture_output=True, text=True, check=False
    )
    assert children.stdout == ""


def test_sources_stay_inside_the_project(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.md").write_text(NOTE.format(title="X"))
    folder = project(
        tmp_path / "p",
        '[[editions]]\nname = "e"\nsources = ["../outside/*.md"]\nformats = ["epub"]\n',
    )
    escaped = CliRunner().invoke(main, ["build", "--config", str(folder / "briefing.toml")])
    assert escaped.exit_code == 3 and "briefing.toml:3: the sources pattern" in escaped.stderr
    (folder / "briefing.toml").write_text(
        '[[editions]]\nname = "e"\nsources = ["sources/*"]\nformats = ["epub"]\n'
    )
    (folder / "sources" / "x.md").symlink_to(outside / "x.md")
    linked = CliRunner().invoke(main, ["build", "--config", str(folder / "briefing.toml")])
    assert linked.exit_code == 3 and "is a link or not a regular file" in linked.stderr
    assert not (folder / "dist").exists()


def test_a_failed_rebuild_leaves_neither_its_old_file_nor_a_manifest_listing_it(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    assert build(MARKDOWN, out_dir=out, options=EPUB).ok
    assert listing(out) == ["energy-note.epub", "manifest.json"]
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "epub-section.xhtml").write_text("{{ no_such_value }}\n")
    result = build(
        MARKDOWN, out_dir=out, options=BuildOptions(formats=("epub",), theme=str(broken))
    )
    assert not result.ok and result.exit_code == 4
    assert listing(out) == []  # the stale EPUB is gone, and so is the manifest that listed it
    assert result.discarded == (out / "energy-note.epub",)  # and the result says why
