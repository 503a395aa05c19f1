"""Independent validators the tests run on built outputs (EPUBCheck, PDF/UA, PDF/A).

Both are cached by the SHA-256 of the file's bytes for the test run: identical bytes are
validated once. EPUBCheck runs in one JVM for the whole run (tests/epubcheck_batch.py).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import page

from tests import epubcheck_batch

# The validator itself, taken before conftest.py routes briefing check's calls to it
# through validate_pdf below.
_validate_pdf = page.validate_pdf


def epubcheck(path: Path) -> dict[str, Any]:
    """The W3C EPUBCheck bundled in the PyPI ``epubcheck`` package, run strictly, as
    ``java -jar epubcheck.jar --failonwarnings --json - PATH`` (in the run's one JVM).

    Returns its JSON report; ``checker`` holds the fatal/error/warning counts.
    """
    result = epubcheck_batch.batch().check(path)
    # --failonwarnings: the exit code fails on any fatal, error or warning, and only then.
    assert (result.exit_code == 0) == (not epub_problems(result.report)), result
    return result.report


def epub_problems(report: dict[str, Any]) -> list[str]:
    """Every fatal, error and warning message of an EPUBCheck report, for assertions."""
    return [
        f"{m['severity']} {m['ID']}: {m['message']} @ {[loc.get('path') for loc in m['locations']]}"
        for m in report["messages"]
        if m["severity"] in ("FATAL", "ERROR", "WARNING")
    ]


_pdf_reports: dict[tuple[str, str], Any] = {}


def validate_pdf(path: Path | str, *, profile: str | None = None, **options: Any) -> Any:
    """``page.validate_pdf``, cached by (content hash, profile) when no other option is
    given. conftest.py also routes ``briefing check``'s calls through it."""
    if options:
        return _validate_pdf(str(path), profile=profile, **options)
    key = (hashlib.sha256(Path(path).read_bytes()).hexdigest(), str(profile))
    if key not in _pdf_reports:
        _pdf_reports[key] = _validate_pdf(str(path), profile=profile)
    return _pdf_reports[key]


def pdf_failures(path: Path, profile: str) -> list[str]:
    """Rule failures of the ``page-validation`` validator for ``profile`` (``ua1``, ``3u``)."""
    report = validate_pdf(path, profile=profile)
    failures = [f"{f.rule_id}: {f.message}" for f in report.failures]
    assert report.is_compliant == (not failures)
    return failures
