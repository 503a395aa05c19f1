"""briefing check and build --check: validation as the tests do it, per file, with --json."""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefing import BuildResult
from briefing.check import check_file, check_paths
from briefing.cli import main
from tests.conftest import MARKDOWN, output

pytestmark = pytest.mark.slow  # renders and runs EPUBCheck and PDF/UA


def test_built_outputs_pass(seed_build: BuildResult) -> None:
    pdf = check_file(output(seed_build, "pdf"))
    assert pdf.ok, pdf.to_dict()
    names = [c.name for c in pdf.checks]
    assert names == [
        "opens",
        "tagged",
        "title",
        "language",
        "fonts embedded",
        "theme fonts",
        "text",
        "PDF/UA-1",
    ]
    fonts = {c.name: c.detail for c in pdf.checks}["theme fonts"]
    assert fonts == "all from the theme"
    epub = check_file(output(seed_build, "epub"))
    assert epub.ok and [c.name for c in epub.checks] == ["container", "EPUBCheck"]


def test_untagged_and_broken_files_fail(tmp_path: Path) -> None:
    import weasyprint

    plain = tmp_path / "plain.pdf"
    weasyprint.HTML(string="<p>Hello</p>").write_pdf(plain)  # no tags, no title, no lang
    report = check_file(plain)
    failed = {c.name for c in report.checks if not c.ok}
    assert {"tagged", "title", "language", "PDF/UA-1"} <= failed
    broken = tmp_path / "broken.epub"
    broken.write_bytes(b"PK not really a zip")
    assert not check_file(broken).ok


def test_check_command(seed_build: BuildResult, tmp_path: Path) -> None:
    runner = CliRunner()
    folder = output(seed_build, "pdf").parent
    result = runner.invoke(main, ["check", str(folder), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["ok"] and {f["format"] for f in data["files"]} == {"pdf", "epub"}
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.7 truncated")
    result = runner.invoke(main, ["check", str(bad)])
    assert result.exit_code == 6
    assert "FAIL" in result.output and "opens" in result.output


def test_build_check_records_validation_in_the_manifest(tmp_path: Path) -> None:
    (tmp_path / "sources").mkdir()
    shutil.copy(MARKDOWN, tmp_path / "sources")
    (tmp_path / "briefing.toml").write_text(
        '[[editions]]\nname = "one"\nsources = ["sources/*"]\nformats = ["pdf"]\n'
    )
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(main, ["build", "--check", "-j", "1"])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "dist" / "one" / "manifest.json").read_text())
    (entry,) = manifest["outputs"]
    assert entry["validation"]["status"] == "passed"
    assert {c["name"] for c in entry["validation"]["checks"]} >= {"tagged", "PDF/UA-1"}


def test_a_folder_without_outputs_fails(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not an output")
    (report,) = check_paths([tmp_path])
    assert not report.ok and report.path == tmp_path
    assert report.checks[0].detail == "no PDF or EPUB in this folder"
    result = CliRunner().invoke(main, ["check", str(tmp_path)])
    assert result.exit_code == 6, result.output
    assert f"FAIL {tmp_path}" in result.output


def test_malformed_files_fail_without_crashing(seed_build: BuildResult, tmp_path: Path) -> None:
    data = output(seed_build, "pdf").read_bytes()
    epub = output(seed_build, "epub").read_bytes()
    flipped = bytearray(data)
    rng = random.Random(1)
    for _ in range(50):  # this seed breaks the trailer: pypdf raised past the checks
        flipped[rng.randrange(len(flipped))] = rng.randrange(256)
    cases = {
        "flipped.pdf": bytes(flipped),
        "truncated.pdf": data[: len(data) // 2],
        "head-only.pdf": data[:2000],
        "random.pdf": random.Random(3).randbytes(5000),
        "empty.pdf": b"",
        "header.pdf": b"%PDF-1.7\n%%EOF\n",
        "truncated.epub": epub[: len(epub) // 2],
        "random.epub": b"PK\x03\x04" + random.Random(4).randbytes(3000),
    }
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
    reports = check_paths([tmp_path])
    assert sorted(r.path.name for r in reports) == sorted(cases)
    assert [r.path.name for r in reports if r.ok] == []
    result = CliRunner().invoke(main, ["check", str(tmp_path), "--json"])
    assert result.exit_code == 6 and "Traceback" not in result.output
    assert not json.loads(result.stdout)["ok"]


def test_a_pdf_with_a_long_reference_chain_is_validated(tmp_path: Path) -> None:
    """page-validation refuses reference chains over 256 by default (a briefing with ~256+
    sections has one): the check allows one as long as the file."""
    import pypdf

    writer = pypdf.PdfWriter()
    writer.add_blank_page(200, 200)
    for number in range(400):
        writer.add_outline_item(title=f"Section {number}", page_number=0)
    path = tmp_path / "long-outline.pdf"
    writer.write(path)
    report = check_file(path)
    (validation,) = [c for c in report.checks if c.name == "PDF/UA-1"]
    assert "could not read" not in validation.detail
    assert not validation.ok  # an untagged blank page: validated, and it fails
