"""The command line, through Click's CliRunner: output shapes, errors and exit codes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefing import __version__
from briefing.cli import main
from tests.conftest import MARKDOWN, SEED


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_help_lists_commands_and_exit_codes(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    for word in ("build", "inspect", "explain", "Exit codes", "3  input error"):
        assert word in result.output
    assert runner.invoke(main, ["--version"]).output.strip() == f"briefing, version {__version__}"


def test_inspect_json_shape(runner: CliRunner) -> None:
    result = runner.invoke(main, ["inspect", str(SEED), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["meta"]["title"] == "Alaska Talks"
    lede, first, *_ = data["sections"]
    assert lede["heading"] is None and first["level"] == 1
    kinds = [b["type"] for b in first["blocks"]]
    assert kinds == ["paragraph", "paragraph", "takeaways", "table"]
    takeaways, table = first["blocks"][2], first["blocks"][3]
    assert takeaways["items"][0] == {
        "label": "Commitment to Dialogue",
        "text": "Both parties expressed a desire for increased dialogue on military strategies "
        "and arms control.",
        "inlines": takeaways["items"][0]["inlines"],
    }
    assert table["header"] == ["Outcome", "Impact"] and len(table["rows"]) == 3
    assert table["caption"] == "Outcome and impact"
    assert data["warnings"][0]["line"] == 1


def test_inspect_human(runner: CliRunner) -> None:
    result = runner.invoke(main, ["inspect", str(MARKDOWN)])
    assert result.exit_code == 0
    assert "1.1 Supply by source" in result.output
    assert "Table 1 — Winter supply by source, in TWh (3 columns, 3 rows)" in result.output


@pytest.mark.parametrize(
    "article",
    sorted(
        p.name
        for p in (Path(__file__).parent / "fixtures").glob("*")
        if p.suffix in (".md", ".txt")
    ),
)
def test_inspect_describes_every_kind_of_block(runner: CliRunner, article: str) -> None:
    result = runner.invoke(main, ["inspect", str(Path(__file__).parent / "fixtures" / article)])
    assert result.exit_code == 0, result.output


def test_explain(runner: CliRunner) -> None:
    result = runner.invoke(main, ["explain", str(SEED)])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[1].split()[:2] == ["2", "heading"]
    assert "table separator" in result.output and "trailing blank line" in result.output


@pytest.mark.parametrize(
    ("content", "code", "words"),
    [
        (b"", 3, ":1: the article is empty"),
        (b"ok\n\x00\x00", 3, ":2: this is not a text file"),
        (b"Caf\xe9\n", 3, ":1: not valid UTF-8"),
        (b"Lede.\nData\n| A | B |\n|---|---|\n| 1 | 2 | 3 |\n", 3, ":5: this table row has 3"),
        (b"---\n- a list\n---\nText.\n", 3, ":2: the front matter must be a mapping"),
    ],
)
def test_input_errors_are_one_line_with_file_and_line(
    runner: CliRunner, tmp_path: Path, content: bytes, code: int, words: str
) -> None:
    article = tmp_path / "bad.txt"
    article.write_bytes(content)
    for command in (
        ["inspect", str(article)],
        ["build", str(article), "-o", str(tmp_path / "out")],
    ):
        result = runner.invoke(main, command)
        assert result.exit_code == code, result.output
        assert "Traceback" not in result.output
        (line,) = [x for x in result.stderr.splitlines() if x.startswith("error:")]
        assert words in line and str(article) in line
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_unknown_theme_and_suffix(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["build", str(SEED), "--theme", "breif", "-o", str(tmp_path)])
    assert result.exit_code == 4 and "did you mean 'brief'?" in result.stderr
    other = tmp_path / "a.docx"
    other.write_text("x")
    result = runner.invoke(main, ["inspect", str(other)])
    assert result.exit_code == 3 and "--from" in result.stderr


@pytest.mark.slow
def test_build_json_records(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        main, ["build", str(MARKDOWN), "-o", str(tmp_path), "-f", "pdf", "-f", "html", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["ok"] is True
    formats = {r["format"]: r for r in data["outputs"]}
    assert set(formats) == {"pdf", "html", "asset"}
    assets = sorted(r["path"] for r in data["outputs"] if r["format"] == "asset")
    assert [Path(a).relative_to(tmp_path / "assets").as_posix() for a in assets][:4] == [
        "blocks.css",
        "briefing.css",
        "fonts.css",
        "fonts/DejaVuSansMono-Bold.ttf",
    ]  # only what the stylesheet references: no licence files, no other stylesheets
    pdf = formats["pdf"]
    assert pdf["pages"] >= 2 and pdf["bytes"] == Path(pdf["path"]).stat().st_size
    assert len(pdf["sha256"]) == 64 and pdf["warnings"] == []
    assert (tmp_path / "assets" / "briefing.css").is_file()
    assert (tmp_path / "assets" / "fonts" / "Inter-Regular.otf").is_file()
    assert (
        '<link rel="stylesheet" href="assets/briefing.css">'
        in Path(formats["html"]["path"]).read_text()
    )


@pytest.mark.slow
def test_build_defaults_to_sources_folder(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "note.md").write_text(
        "---\ntitle: Note\n---\nLede.\n\n# One\n\nText.\n"
    )
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = runner.invoke(main, ["build", "--format", "epub"])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "dist" / "note.epub").is_file()
    # no staging left; the build lock (as Hugo's .hugo_build.lock) stays beside dist/
    assert sorted(p.name for p in tmp_path.iterdir()) == [".dist.lock", "dist", "sources"]
