"""briefing check and build --check: validation as the tests do it, per file, with --json."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefing.build import BuildResult
from briefing.check import check_file
from briefing.cli import main
from tests.conftest import MARKDOWN, output

pytestmark = pytest.mark.slow  # renders and runs EPUBCheck and PDF/UA


def test_built_outputs_pass(seed_build: BuildResult) -> None:
    pdf = check_file(output(seed_build, "pdf"))
    assert pdf.ok, pdf.to_dict()
    names = [c.name for c in pdf.checks]
    assert names == ["opens", "tagged", "title", "language", "fonts embedded", "text", "PDF/UA-1"]
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
