"""Real briefs end to end (issue 11): the fixture that uses every construct a policy brief
carries, the plain-text brief, the seed and its hard-wrapped copy, each built to PDF and
EPUB: both valid (PDF/UA-1, strict EPUBCheck), every heading, paragraph, list item, cell,
note and figure caption findable in both, and each construct where a reader looks for it."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader

from briefing import BuildOptions, BuildResult, build
from briefing.model import Document, Figure, Note, block_inlines, walk_inlines
from briefing.readers import read_article
from briefing.report import collecting
from tests.validators import (
    epub_problems,
    epub_text,
    epubcheck,
    missing_pieces,
    pdf_failures,
    pdf_text,
    squeeze,
)

pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).parent.parent
BRIEFS = {
    "real-brief": FIXTURES / "real-brief.md",
    "glossary-brief": FIXTURES / "glossary-brief.md",
    "arctic-shipping": FIXTURES / "arctic-shipping.txt",
    "word-paste": FIXTURES / "word-paste.txt",
    "alaska-talks": ROOT / "sources" / "alaska-talks.txt",
    "alaska-talks-wrapped": FIXTURES / "alaska-talks-wrapped.txt",
}
XHTML = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    out = tmp_path_factory.mktemp("real-briefs")
    with collecting():
        result: BuildResult = build(list(BRIEFS.values()), out_dir=out, options=BuildOptions())
    assert result.ok, result.failures
    return {name: (out / f"{name}.pdf", out / f"{name}.epub") for name in BRIEFS}


def _document(name: str) -> Document:
    with collecting():
        return read_article(BRIEFS[name])


@pytest.mark.parametrize("name", sorted(BRIEFS))
def test_outputs_are_valid(built: dict[str, tuple[Path, Path]], name: str) -> None:
    pdf, epub = built[name]
    assert pdf_failures(pdf, "ua1") == []
    assert epub_problems(epubcheck(epub)) == []


@pytest.mark.parametrize("name", sorted(BRIEFS))
def test_every_piece_of_the_source_is_findable(
    built: dict[str, tuple[Path, Path]], name: str
) -> None:
    document = _document(name)
    pdf, epub = built[name]
    assert missing_pieces(document, pdf_text(pdf)) == []
    assert missing_pieces(document, epub_text(epub)) == []


#: Markdown and plain-text syntax that must never reach a reader.
SYNTAX = [
    "](",
    "[^",
    "{#",
    "{.",
    "@sec-",
    "@tbl-",
    "@fig-",
    ":::",
    "[!NOTE",
    "[!TIP",
    "**",
    "```",
    "![",
]


@pytest.mark.parametrize("name", ["real-brief", "glossary-brief", "arctic-shipping"])
def test_no_syntax_is_left_in_the_text(built: dict[str, tuple[Path, Path]], name: str) -> None:
    pdf, epub = built[name]
    for text in (pdf_text(pdf), epub_text(epub)):
        assert [mark for mark in SYNTAX if mark in text] == []


def _struct_figures(pdf: Path) -> list[str]:
    """The /Alt of every Figure element of the PDF's structure tree."""
    reader = PdfReader(pdf)
    alts: list[str] = []
    stack = [reader.trailer["/Root"]["/StructTreeRoot"]]
    while stack:
        node = stack.pop()
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not hasattr(node, "get"):
            continue
        if node.get("/S") == "/Figure":
            alts.append(str(node.get("/Alt", "")))
        kids = node.get("/K")
        if kids is not None:
            stack.append(kids)
    return alts


def test_figures_are_tagged_with_their_alternate_text(
    built: dict[str, tuple[Path, Path]],
) -> None:
    document = _document("real-brief")
    embedded = [f for f in document.figures if f.image.data is not None]
    assert len(embedded) >= 2  # a PNG and an SVG chart
    alts = _struct_figures(built["real-brief"][0])
    for figure in embedded:
        assert figure.alt in alts, (figure.alt, alts)


def _notes(document: Document) -> list[tuple[str, str]]:
    """``(text just before the call, note text)`` of every note of the document."""
    from briefing.model import nested_blocks, plain

    found: list[tuple[str, str]] = []
    for section in document.sections:
        for block in nested_blocks(section.blocks):
            for content in block_inlines(block):
                before = ""
                for node in content:
                    if isinstance(node, Note):
                        found.append((before, plain(node.content)))
                    before = (before + plain((node,)))[-40:]
    return found


def test_each_footnote_is_on_the_page_of_its_call(built: dict[str, tuple[Path, Path]]) -> None:
    document = _document("real-brief")
    pages = [squeeze(page.extract_text()) for page in PdfReader(built["real-brief"][0]).pages]
    notes = _notes(document)
    assert len(notes) >= 3
    for before, text in notes:
        call = squeeze(" ".join(before.split()[-3:]))
        note = squeeze(" ".join(text.split()[:6]))
        call_pages = [i for i, page in enumerate(pages) if call and call in page]
        note_pages = [i for i, page in enumerate(pages) if note in page]
        assert note_pages, f"note {text[:40]!r} not in the PDF"
        if call_pages:  # a call inside a cell or caption may be set apart from its words
            assert set(call_pages) & set(note_pages), (before, text, call_pages, note_pages)


def _chapters(epub: Path) -> dict[str, etree._Element]:
    with zipfile.ZipFile(epub) as archive:
        return {
            name: etree.fromstring(archive.read(name))
            for name in archive.namelist()
            if name.endswith(".xhtml")
        }


def test_epub_keeps_structure_notes_and_references(built: dict[str, tuple[Path, Path]]) -> None:
    document = _document("real-brief")
    chapters = _chapters(built["real-brief"][1])
    code = [
        "".join(pre.itertext())
        for root in chapters.values()
        for pre in root.iterfind(".//x:pre", XHTML)
    ]
    assert code and all("\n" in text for text in code)
    nested = [
        inner
        for root in chapters.values()
        for inner in root.findall(".//x:li//x:ul", XHTML) + root.findall(".//x:li//x:ol", XHTML)
    ]
    assert nested, "nested lists were flattened"
    noterefs = [
        a
        for root in chapters.values()
        for a in root.iterfind(".//x:a", XHTML)
        if a.get(f"{{{XHTML['epub']}}}type") == "noteref"
    ]
    asides = [
        a
        for root in chapters.values()
        for a in root.iterfind(".//x:aside", XHTML)
        if a.get(f"{{{XHTML['epub']}}}type") == "footnote"
    ]
    notes = [
        n
        for s in document.sections
        for b in s.blocks
        for c in block_inlines(b)
        for n in walk_inlines(c)
        if isinstance(n, Note)
    ]
    assert len(noterefs) >= len(notes) > 0 and len(asides) >= len(notes)
    figures = [f for root in chapters.values() for f in root.iterfind(".//x:figure", XHTML)]
    assert len(figures) == len([b for b in document.all_blocks() if isinstance(b, Figure)])
    refs = [a for root in chapters.values() for a in root.iterfind(".//x:a[@class='xref']", XHTML)]
    assert refs and all(re.fullmatch(r"[\w-]+\.xhtml(#[\w-]+)?", a.get("href", "")) for a in refs)


def test_cross_references_read_as_words_and_pages(built: dict[str, tuple[Path, Path]]) -> None:
    text = squeeze(pdf_text(built["real-brief"][0]))
    assert re.search(r"table1\(page\d+\)", text)
    assert re.search(r"figure2\(page\d+\)", text)


def test_strict_makes_a_warning_fail_its_article(tmp_path: Path) -> None:
    article = tmp_path / "brief.md"
    article.write_text("---\ntitle: Strict\n---\n\nLede text.\n\nSee [the method](#nowhere).\n")
    lenient = build([article], out_dir=tmp_path / "out")
    strict = build([article], out_dir=tmp_path / "out", options=BuildOptions(strict=True))
    warned = {w.line for output in lenient.outputs for w in output.warnings}
    assert lenient.ok and warned == {7}
    (failure,) = strict.failures
    assert failure.line == 7 and "--strict makes warnings errors" in failure.message
    assert strict.exit_code == 3
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == []


def test_a_footnote_in_a_takeaway_is_not_lost(tmp_path: Path) -> None:
    article = tmp_path / "brief.md"
    article.write_text(
        "---\ntitle: Costs\n---\n\nLede text.\n\n## Key findings\n\n"
        "- **Costs:** The link cost EUR 1.6 bn.[^cef]\n- **Time:** Seven years.\n\n"
        "[^cef]: Connecting Europe Facility figures, 2024.\n"
    )
    result = build([article], out_dir=tmp_path / "out")
    assert result.ok, result.failures
    text = squeeze(pdf_text(tmp_path / "out" / "brief.pdf"))
    assert squeeze("Connecting Europe Facility figures, 2024.") in text
    assert squeeze("The link cost EUR 1.6 bn.") in text


def test_lettered_lists_print_their_letters(tmp_path: Path) -> None:
    article = tmp_path / "al.txt"
    article.write_text(
        "Options for the ministry are listed below:\n\n"
        "a) Extend the charters of the floating units.\nb) Pay large consumers to wait.\n\n"
        "Nothing else was proposed.\n"
    )
    result = build([article], out_dir=tmp_path / "out")
    assert result.ok, result.failures
    text = pdf_text(tmp_path / "out" / "al.pdf")
    # pypdf gives the markers apart from their items: both must be there
    assert "a. " in text and "b. " in text and "1. " not in text
    assert "Extend the charters" in text and "Pay large consumers" in text
    assert epub_problems(epubcheck(tmp_path / "out" / "al.epub")) == []
