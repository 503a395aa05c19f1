"""The test suite's own validators: EPUBCheck in one JVM and the per-content caches.

Negative controls: a checker that cannot fail would make every "valid" assertion empty.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from briefing import BuildResult
from briefing.check import check_file
from tests import epubcheck_batch
from tests.conftest import output
from tests.validators import epub_problems, epubcheck, pdf_failures

pytestmark = pytest.mark.slow  # runs EPUBCheck


def test_control_epub_passes(tmp_path: Path) -> None:
    report = epubcheck(epubcheck_batch.control_epub(tmp_path / "ok.epub"))
    assert epub_problems(report) == []
    checker = report["checker"]
    assert (checker["nFatal"], checker["nError"], checker["nWarning"]) == (0, 0, 0)


@pytest.mark.parametrize(
    ("defect", "message"), [("error", "ERROR RSC-005"), ("warning", "WARNING OPF-053")]
)
def test_a_broken_epub_fails(tmp_path: Path, defect: str, message: str) -> None:
    """An error fails, and so does a lone warning (--failonwarnings)."""
    path = epubcheck_batch.control_epub(tmp_path / f"{defect}.epub", defect=defect)
    result = epubcheck_batch.batch().check(path)
    assert result.exit_code == 1
    (problem,) = epub_problems(epubcheck(path))
    assert problem.startswith(message), problem
    counts = result.report["checker"]
    assert (counts["nError"], counts["nWarning"]) == ((1, 0) if defect == "error" else (0, 1))


def test_identical_bytes_are_checked_once(tmp_path: Path) -> None:
    first = epubcheck_batch.control_epub(tmp_path / "first.epub", defect="error")
    epubcheck_batch.batch().check(first)
    runs = epubcheck_batch.checked_total()
    second = tmp_path / "other-name.epub"
    shutil.copy(first, second)
    assert epub_problems(epubcheck(second)) == epub_problems(epubcheck(first)) != []
    assert epubcheck_batch.checked_total() == runs
    changed = epubcheck_batch.control_epub(tmp_path / "changed.epub", defect="error", text="B")
    assert epub_problems(epubcheck(changed)) != []
    assert epubcheck_batch.checked_total() == runs + 1


def test_briefing_check_gets_the_same_verdicts(tmp_path: Path) -> None:
    """``briefing check`` is answered by the same JVM and cache, and can still fail."""
    good = check_file(epubcheck_batch.control_epub(tmp_path / "good.epub"))
    assert good.ok and [c.name for c in good.checks] == ["container", "EPUBCheck"]
    for defect, message in (("error", "ERROR RSC-005"), ("warning", "WARNING OPF-053")):
        runs = epubcheck_batch.checked_total()
        report = check_file(epubcheck_batch.control_epub(tmp_path / "bad.epub", defect=defect))
        (epub,) = [c for c in report.checks if c.name == "EPUBCheck"]
        assert not epub.ok and epub.detail.startswith(message), epub
        assert epubcheck_batch.checked_total() in (runs, runs + 1)  # routed, not a new JVM


def test_pdf_validator_is_cached_by_content(seed_build: BuildResult, tmp_path: Path) -> None:
    path = output(seed_build, "pdf")
    copy = tmp_path / "copy.pdf"
    shutil.copy(path, copy)
    assert pdf_failures(path, "ua1") == pdf_failures(copy, "ua1") == []
    # A PDF that is not PDF/UA (no tags) fails: the cache is keyed by content and profile.
    import weasyprint

    plain = tmp_path / "plain.pdf"
    weasyprint.HTML(string="<p>Hello</p>").write_pdf(plain)
    assert pdf_failures(plain, "ua1") != []
