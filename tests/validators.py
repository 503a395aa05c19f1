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


# -- findability: every piece of the source is in the output -----------------------------

_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)


def squeeze(text: str) -> str:
    """Text reduced for finding: case folded, without white space, hyphens, soft hyphens,
    zero-width characters or bidi isolates, so line breaks, hyphenation and reflow in an
    output do not hide a phrase of the source."""
    text = text.translate(_INVISIBLE).casefold()
    return "".join(
        ch for ch in text if not ch.isspace() and ch not in "-‐‑\u2066\u2067\u2068\u2069"
    )


def source_pieces(document: Any) -> list[tuple[str, str]]:
    """``(kind, text)`` of every heading, paragraph, list item, cell, note, figure caption
    and defined term of a document model, as plain text (a definition's blocks are
    paragraphs and lists of their own)."""
    from briefing.model import (
        DefinitionList,
        Figure,
        ListBlock,
        Note,
        Paragraph,
        Table,
        Takeaways,
        block_inlines,
        nested_blocks,
        walk_inlines,
    )

    pieces: list[tuple[str, str]] = []
    for section in document.sections:
        if section.heading:
            pieces.append(("heading", section.heading))
        for block in nested_blocks(section.blocks):
            kind = {
                Paragraph: "paragraph",
                ListBlock: "list item",
                Takeaways: "takeaway",
                Table: "cell",
                Figure: "figure caption",
                DefinitionList: "term",
            }.get(type(block))
            for content in block_inlines(block):
                if kind:
                    pieces.extend((kind, run) for run in _runs(content) if run.strip())
                for node in walk_inlines(content):
                    if isinstance(node, Note):
                        pieces.extend(("note", run) for run in _runs(node.content) if run.strip())
    return pieces


def _runs(content: Any) -> list[str]:
    """The plain text of inline content, cut where a note call or a cross-reference stands
    (outputs put a number, or a page, there)."""
    from briefing.model import CrossRef, Emph, Link, Note, Strong, plain

    runs = [""]

    def walk(nodes: Any) -> None:
        for node in nodes:
            if isinstance(node, Note):
                runs.append("")
            elif isinstance(node, CrossRef):
                runs.extend([plain((node,)), ""])
            elif isinstance(node, Emph | Strong | Link):
                walk(node.children)
            else:
                runs[-1] += plain((node,))

    walk(content)
    return runs


def missing_pieces(document: Any, output_text: str) -> list[str]:
    """The pieces of ``document`` (see :func:`source_pieces`) not found in ``output_text``."""
    found = squeeze(output_text)
    return [
        f"{kind}: {text[:60]!r}"
        for kind, text in source_pieces(document)
        if squeeze(text) not in found
    ]


def pdf_text(path: Path) -> str:
    """All text of a PDF, page after page (pypdf)."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def epub_text(path: Path) -> str:
    """All text of an EPUB's XHTML documents (each element's text, tags dropped)."""
    import zipfile

    from lxml import etree

    texts = []
    with zipfile.ZipFile(path) as archive:
        for name in sorted(archive.namelist()):
            if name.endswith(".xhtml"):
                root = etree.fromstring(archive.read(name))
                texts.append(" ".join(root.itertext()))
    return "\n".join(texts)
