"""Editions: the example config, compendiums, recipient copies, manifests, incremental and
parallel builds, failures (up front, --keep-going) and a build killed mid-way."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pypdf
import pytest
from click.testing import CliRunner

from briefing import BuildOptions, BuildResult, build
from briefing.cli import main
from tests.conftest import MARKDOWN, ROOT, SEED
from tests.validators import pdf_failures

pytestmark = pytest.mark.slow  # every test builds editions

CONFIG = """\
[defaults]
organisation = "Test Unit"
formats = ["pdf"]

[[editions]]
name = "desk"
title = "Desk Edition"
sources = ["sources/*"]
marking = "TLP:AMBER"
recipients = ["Ada Lovelace", "Émile Zola"]
compendium = true
"""


def make_project(folder: Path) -> Path:
    (folder / "sources").mkdir(parents=True)
    shutil.copy(SEED, folder / "sources" / "alaska-talks.txt")
    shutil.copy(MARKDOWN, folder / "sources" / "energy-note.md")
    (folder / "briefing.toml").write_text(CONFIG)
    return folder


def files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildResult]:
    folder = make_project(tmp_path_factory.mktemp("project"))
    result = build(project=folder, options=BuildOptions(jobs=2))
    assert result.ok, result.failures
    return folder, result


def test_example_config_builds_every_edition(tmp_path: Path) -> None:
    result = build(project=ROOT, out_dir=tmp_path, options=BuildOptions(jobs=2))
    assert result.ok and len(result.built) == 12 and not result.up_to_date
    assert files(tmp_path) == [
        "internal/alaska-talks.epub",
        "internal/alaska-talks.pdf",
        "internal/copies/alaska-talks--dr-amira-haddad.pdf",
        "internal/copies/alaska-talks--james-o-connor.pdf",
        "internal/copies/alaska-talks--li-wei.pdf",
        "internal/internal-compendium.pdf",
        "internal/manifest.json",
        "public-ru/alaska-talks.epub",
        "public-ru/alaska-talks.pdf",
        "public-ru/manifest.json",
        "public-ru/public-ru-compendium.pdf",
        "public/alaska-talks.epub",
        "public/alaska-talks.pdf",
        "public/manifest.json",
        "public/public-compendium.pdf",
    ]
    public = pypdf.PdfReader(tmp_path / "public" / "alaska-talks.pdf")
    assert public.metadata.title == "The Alaska Talks: Outcomes and Implications"
    assert "TLP:CLEAR" in public.pages[0].extract_text()


def test_manifest_hashes_match_the_files(project: tuple[Path, BuildResult]) -> None:
    folder, _ = project
    manifest = json.loads((folder / "dist" / "desk" / "manifest.json").read_text())
    assert manifest["edition"] == "desk" and manifest["tool"].startswith("briefing ")
    paths = []
    for entry in manifest["outputs"]:
        path = folder / "dist" / "desk" / entry["path"]
        assert entry["sha256"] == __import__("hashlib").sha256(path.read_bytes()).hexdigest()
        assert entry["bytes"] == path.stat().st_size
        assert entry["pages"] == len(pypdf.PdfReader(path).pages)
        assert len(entry["key"]) == 64 and entry["sources"]
        assert entry["validation"] is None
        paths.append(entry["path"])
    assert sorted(paths) == [p for p in files(folder / "dist" / "desk") if p != "manifest.json"]


def test_compendium_outline_has_a_briefing_per_entry(project: tuple[Path, BuildResult]) -> None:
    folder, _ = project
    reader = pypdf.PdfReader(folder / "dist" / "desk" / "desk-compendium.pdf")
    top = [item.title for item in reader.outline if not isinstance(item, list)]
    assert top == ["Alaska Talks", "Winter Gas Security in the Baltic Region"]

    def titles(items: list) -> list:  # type: ignore[type-arg]
        return [titles(i) if isinstance(i, list) else i.title for i in items]

    assert titles(reader.outline)[1] == [  # the first briefing's sections, nested under it
        "1 Outcomes of the Alaska Summit Analyzed",
        "2 Key Agreements and their Implications for U.S.-Russia Relations",
        "3 Expert Recommendations for Future Diplomatic Engagements",
        "4 Insights and Conclusions",
    ]
    assert titles(reader.outline)[3] == [
        "1 Where the risk lies",
        ["1.1 Supply by source"],
        "2 What ministers can do",
    ]
    single = len(pypdf.PdfReader(folder / "dist" / "desk" / "alaska-talks.pdf").pages)
    assert len(reader.pages) > single  # continuous: one numbering across briefings
    assert reader.page_labels[-1] == str(len(reader.pages))


def test_every_page_of_a_recipient_copy_is_stamped(project: tuple[Path, BuildResult]) -> None:
    folder, _ = project
    copy = folder / "dist" / "desk" / "copies" / "energy-note--emile-zola.pdf"
    reader = pypdf.PdfReader(copy)
    for page in reader.pages:
        assert "Prepared for Émile Zola — copy 2 of 2" in page.extract_text()
    assert reader.metadata["/Recipient"] == "Émile Zola"
    assert reader.metadata["/Copy"] == "2 of 2"
    assert reader.trailer["/Root"]["/MarkInfo"]["/Marked"]


def test_compendium_and_copy_pass_pdf_ua1(project: tuple[Path, BuildResult]) -> None:
    folder, _ = project
    desk = folder / "dist" / "desk"
    assert pdf_failures(desk / "desk-compendium.pdf", "ua1") == []
    assert pdf_failures(desk / "copies" / "alaska-talks--ada-lovelace.pdf", "ua1") == []


def test_incremental(tmp_path: Path) -> None:
    folder = make_project(tmp_path)
    options = BuildOptions(jobs=1)
    first = build(project=folder, options=options)
    assert (len(first.built), len(first.up_to_date)) == (7, 0)
    again = build(project=folder, options=options)
    assert (len(again.built), len(again.up_to_date)) == (0, 7)  # nothing to do
    energy = folder / "dist" / "desk" / "energy-note.pdf"
    before = energy.stat().st_mtime_ns
    source = folder / "sources" / "alaska-talks.txt"
    source.write_text(source.read_text() + "One more closing line for the record.\n")
    touched = build(project=folder, options=options)
    # the article (PDF and two copies) and the compendium
    assert (len(touched.built), len(touched.up_to_date)) == (4, 3)
    assert {o.path.name for o in touched.built} >= {"alaska-talks.pdf", "desk-compendium.pdf"}
    assert energy.stat().st_mtime_ns == before
    forced = build(project=folder, options=BuildOptions(jobs=1, force=True))
    assert len(forced.built) == 7
    # Same inputs, same bytes: copies and compendium included.
    assert {o.path: o.sha256 for o in forced.built} == {o.path: o.sha256 for o in touched.outputs}


def test_bad_source_stops_before_any_output(tmp_path: Path) -> None:
    folder = make_project(tmp_path)
    broken = b"Lede.\nTable\n| a | b |\n|---|---|\n| 1 | 2 | 3 |\n"
    (folder / "sources" / "broken.txt").write_bytes(broken)
    runner = CliRunner()
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        result = runner.invoke(main, ["build"])
        assert result.exit_code == 3
        assert "broken.txt:5: this table row has 3 cells" in result.stderr
        assert not (folder / "dist").exists()
        result = runner.invoke(main, ["build", "--keep-going", "-j", "1"])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 3
    assert "broken.txt:5" in result.stderr
    built = files(folder / "dist")
    assert "desk/alaska-talks.pdf" in built and "desk/energy-note.pdf" in built
    assert not any("broken" in name for name in built)


def test_killed_build_leaves_no_partial_file_and_a_rerun_completes(tmp_path: Path) -> None:
    folder = make_project(tmp_path)
    for n in range(6):
        shutil.copy(MARKDOWN, folder / "sources" / f"note-{n}.md")
    command = [sys.executable, "-m", "briefing", "build", "-j", "2"]
    process = subprocess.Popen(
        command,
        cwd=folder,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list((folder / "dist").rglob("*.pdf")):
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    produced = files(folder / "dist")
    assert produced, "the build was killed before writing anything; the test proves nothing"
    for name in produced:
        assert name.endswith((".pdf", ".json")), name  # no temporary files in dist/
        if name.endswith(".pdf"):
            pypdf.PdfReader(folder / "dist" / name).pages[0]  # every PDF there is whole
    assert "desk/manifest.json" not in produced  # the killed run finished nothing
    rerun = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    manifest = json.loads((folder / "dist" / "desk" / "manifest.json").read_text())
    assert len(manifest["outputs"]) == 8 * 3 + 1  # 8 articles x (pdf + 2 copies) + compendium


def test_json_output_is_the_manifest_view(tmp_path: Path) -> None:
    folder = make_project(tmp_path)
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        result = CliRunner().invoke(main, ["build", "--json", "-j", "1", "-e", "desk"])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["ok"] and data["built"] == 7 and data["up_to_date"] == 0
    assert len(data["outputs"]) == 7 and data["errors"] == []
    assert {o["status"] for o in data["outputs"]} == {"built"}
    assert result.stderr == ""  # quiet: no progress bar, no chatter


def test_init_then_build(tmp_path: Path) -> None:
    runner = CliRunner()
    target = tmp_path / "x"
    assert runner.invoke(main, ["init", str(target)]).exit_code == 0
    assert sorted(files(target)) == [
        "briefing.toml",
        "sources/example.md",
        "styles/README.txt",
        "templates/README.txt",
    ]
    cwd = os.getcwd()
    os.chdir(target)
    try:
        result = runner.invoke(main, ["build", "-j", "1"])
        again = runner.invoke(main, ["init", "."])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    assert (target / "dist" / "public" / "example.pdf").is_file()
    assert (target / "dist" / "internal" / "copies" / "example--first-reader.pdf").is_file()
    assert again.exit_code == 3 and "already exists" in again.stderr


def test_render_warnings_reach_the_result(tmp_path: Path) -> None:
    """What the render finds (here: a glyph no font has) is reported in the result, as in a
    single-article build. The character is U+10FFFD, the last private-use
    code point of plane 16: no theme font and no system font has a glyph for it (unlike CJK,
    which a machine's fallback font may cover), so the warning does not depend on the
    machine's fonts."""
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "note.md").write_text(
        "---\ntitle: Note\n---\nLede naming \U0010fffd.\n\n# One\n\nText.\n"
    )
    (tmp_path / "briefing.toml").write_text(
        '[[editions]]\nname = "e"\nsources = ["sources/*"]\nformats = ["pdf"]\n'
    )
    result = build(project=tmp_path, options=BuildOptions(jobs=1))
    # An empty box cannot be in a tagged PDF: the render's finding fails the article, and
    # reaches the result as in a single-article build.
    (failure,) = result.failures
    assert "U+10FFFD" in failure.message and failure.line == 4, failure


def test_defaults_sit_under_the_front_matter_and_editions_over_it(tmp_path: Path) -> None:
    from briefing.config import load_project
    from briefing.readers import read_article
    from briefing.report import collecting
    from briefing.tasks import plan

    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "fr.md").write_text(
        "---\ntitle: Note\nlanguage: fr\norganisation: Partner Centre\nmarking: OFFICIAL\n"
        "---\n\nUn texte.\n"
    )
    (tmp_path / "briefing.toml").write_text(
        '[defaults]\norganisation = "Institute"\nlanguage = "en"\nsubtitle = "For all"\n\n'
        '[[editions]]\nname = "e"\nsources = ["sources/*"]\nmarking = "TLP:AMBER"\n'
    )
    project = load_project(tmp_path / "briefing.toml")
    ((job,), _) = plan(project, list(project.editions), {})
    with collecting():
        meta = read_article(job.source, meta=job.meta, defaults=job.defaults).meta
    assert (meta.language, meta.organisation) == ("fr", "Partner Centre")  # the article's own
    assert meta.subtitle == "For all"  # a default the article does not set
    assert meta.marking == "TLP:AMBER"  # the edition's, over the article's
