"""A footnote called more than once is one note (the same number at each call, its text
printed once), and Markdown definition lists (``Term`` / ``: Definition``) are glossaries
in the model and in both outputs, not one flattened paragraph."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader

from briefing import BuildOptions, build
from briefing.model import (
    DefinitionList,
    Document,
    Emph,
    ListBlock,
    Note,
    Paragraph,
    Table,
    Text,
    block_inlines,
    nested_blocks,
    plain,
    walk_inlines,
)
from briefing.readers import explain_article, read_article
from briefing.render.html import InlineFormat, inline_markup, render_html, section_notes
from briefing.report import collecting
from briefing.serialize import document_to_dict
from briefing.themes import load_theme
from tests.conftest import FIXTURES
from tests.validators import (
    epub_problems,
    epub_text,
    epubcheck,
    missing_pieces,
    pdf_failures,
    pdf_text,
    squeeze,
)

GLOSSARY = FIXTURES / "glossary-brief.md"
XHTML = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}
EPUB_TYPE = f"{{{XHTML['epub']}}}type"


def _read(tmp_path: Path, body: str) -> Document:
    article = tmp_path / "brief.md"
    article.write_text("---\ntitle: Notes\n---\n\n" + body)
    with collecting() as warnings:
        document = read_article(article)
    assert warnings == []
    return document


def _notes(document: Document) -> list[Note]:
    """Every note call of the document, in reading order."""
    return [
        node
        for block in document.all_blocks()
        for content in block_inlines(block)
        for node in walk_inlines(content)
        if isinstance(node, Note)
    ]


# -- a footnote called twice --------------------------------------------------------------


def test_a_second_call_repeats_the_first_note_and_later_notes_stay_consecutive(
    tmp_path: Path,
) -> None:
    document = _read(
        tmp_path,
        "Text[^a] and again[^a]. Then[^b].\n\n[^a]: The note A.\n[^b]: The note B.\n",
    )
    first, again, other = _notes(document)
    assert (first.number, first.repeat, plain(first.content)) == (1, False, "The note A.")
    assert (again.number, again.repeat, again.content) == (1, True, ())
    assert (other.number, other.repeat, plain(other.content)) == (2, False, "The note B.")


def test_repeats_from_a_table_cell_a_caption_and_a_list_item(tmp_path: Path) -> None:
    document = _read(
        tmp_path,
        "Lede[^s].\n\n"
        "| Source | Share |\n|---|---|\n| LNG[^s] | 55 |\n\n"
        "Table: Winter supply[^s]\n\n"
        "- first item[^t]\n- second item[^s]\n\n"
        "[^s]: The source.\n[^t]: Another note.\n",
    )
    notes = _notes(document)
    assert [(n.number, n.repeat) for n in notes] == [
        (1, False),  # the lede
        (1, True),  # the caption (read before the cells)
        (1, True),  # the cell
        (2, False),  # the list item's own note
        (1, True),  # the list item repeating the first
    ]
    assert [plain(n.content) for n in notes if not n.repeat] == ["The source.", "Another note."]
    (table,) = document.tables
    assert isinstance(table, Table) and plain(table.caption or ()) == "Winter supply"


def test_a_repeated_note_is_rendered_once_with_a_call_at_each_place(tmp_path: Path) -> None:
    document = _read(
        tmp_path,
        "One[^a], two[^a], three[^b].\n\n"
        "| A | B |\n|---|---|\n| x[^a] | y |\n\n[^a]: Said once.\n[^b]: Other.\n",
    )
    html = render_html(document, theme=load_theme()).html
    assert html.count('<span class="footnote"') == 2
    assert html.count("Said once.") == 1
    assert len(re.findall(r'<a class="footnote-call" href="#fn-1"[^>]*>1</a>', html)) == 3
    assert len(re.findall(r'<a class="footnote-call" href="#fn-2"[^>]*>2</a>', html)) == 1
    assert html.count('id="fnref-1"') == 1  # ids stay unique
    # the EPUB lists the note once, and a repeat links to the chapter of the first call
    (section,) = document.sections
    assert [n.number for n in section_notes(section)] == [1, 2]
    again = next(n for n in _notes(document) if n.repeat)
    fmt = InlineFormat("epub", {"fn-1": "s-intro.xhtml#fn-1"})
    markup = inline_markup((again,), fmt)
    assert 'href="s-intro.xhtml#fn-1"' in markup and 'epub:type="noteref"' in markup
    assert "id=" not in markup


def test_a_repeated_note_serialises_as_a_repeat(tmp_path: Path) -> None:
    document = _read(tmp_path, "A[^a] and B[^a].\n\n[^a]: Text.\n")
    (paragraph,) = document_to_dict(document)["sections"][0]["blocks"]
    notes = [node for node in paragraph["inlines"] if node["type"] == "note"]
    assert notes == [
        {"type": "note", "number": 1, "inlines": [{"type": "text", "text": "Text."}]},
        {"type": "note", "number": 1, "repeat": True},
    ]


# -- definition lists ---------------------------------------------------------------------

GLOSSARY_BODY = """\
Intro.

Firm capacity
: The output a plant can be *counted on*.[^m]

  Wind counts for only part.
: In the Nordic codes, the coldest hour.

Strategic reserve
: Plants kept out of the market. Three kinds:

  - mothballed plants
  - demand response

After the list[^m].

[^m]: The method note.
"""


def test_a_definition_list_reads_to_terms_and_definitions(tmp_path: Path) -> None:
    document = _read(tmp_path, GLOSSARY_BODY)
    (lede,) = document.sections
    intro, glossary, after = lede.blocks
    assert isinstance(intro, Paragraph) and isinstance(after, Paragraph)
    assert isinstance(glossary, DefinitionList)
    firm, reserve = glossary.items
    assert firm.term == (Text("Firm capacity"),) and firm.line == 7
    first, second = firm.definitions
    assert [type(b) for b in first] == [Paragraph, Paragraph]
    assert first[0].content[1] == Emph((Text("counted on"),))  # type: ignore[union-attr]
    assert plain(second[0].content) == "In the Nordic codes, the coldest hour."  # type: ignore[union-attr]
    ((definition, kinds),) = [(d, [type(b) for b in d]) for d in reserve.definitions]
    assert kinds == [Paragraph, ListBlock]
    assert [plain(i.content) for i in definition[1].items] == [  # type: ignore[union-attr]
        "mothballed plants",
        "demand response",
    ]
    # the note inside a definition is numbered, and repeated after the list
    assert [(n.number, n.repeat) for n in _notes(document)] == [(1, False), (1, True)]


def test_model_walkers_see_terms_and_definitions(tmp_path: Path) -> None:
    document = _read(tmp_path, GLOSSARY_BODY)
    (glossary,) = [b for b in document.all_blocks() if isinstance(b, DefinitionList)]
    assert [plain(c) for c in block_inlines(glossary)] == ["Firm capacity", "Strategic reserve"]
    words = [
        plain(c)
        for b in nested_blocks((glossary,))
        for c in block_inlines(b)
        if not isinstance(b, DefinitionList)
    ]
    assert "Wind counts for only part." in words and "demand response" in words
    dumped = document_to_dict(document)["sections"][0]["blocks"][1]
    assert dumped["type"] == "definitions"
    assert [item["term"] for item in dumped["items"]] == ["Firm capacity", "Strategic reserve"]
    assert [len(item["definitions"]) for item in dumped["items"]] == [2, 1]


def test_a_definition_list_is_not_flattened_into_a_paragraph(tmp_path: Path) -> None:
    document = _read(tmp_path, "Term\n: Definition\n")
    assert not any(":" in plain(c) for b in document.all_blocks() for c in block_inlines(b)), (
        "the term and definition were run together"
    )
    html = render_html(document, theme=load_theme()).html
    dl = r'<dl class="definitions"[^>]*>\s*<dt>Term</dt>\s*<dd><p>Definition</p>\s*</dd>\s*</dl>'
    assert re.search(dl, html)


def test_explain_names_terms_and_definitions(tmp_path: Path) -> None:
    article = tmp_path / "brief.md"
    article.write_text("---\ntitle: Notes\n---\n\n" + GLOSSARY_BODY)
    with collecting():
        roles = {role.line: role.role for role in explain_article(article)}
    assert [roles[line] for line in (7, 8, 10, 11, 13, 14, 16)] == [
        "definition",  # Firm capacity
        "definition",  # : The output...
        "paragraph",  # its second paragraph
        "definition",  # : In the Nordic codes...
        "definition",  # Strategic reserve
        "definition",  # : Plants kept out...
        "list item",
    ]


# -- the fixture brief, end to end --------------------------------------------------------


def _calls(document: Document, key: str) -> list[str]:
    """The words just before each call of the note with ``key``, squeezed."""
    found = []
    for block in document.all_blocks():
        for content in block_inlines(block):
            before = ""
            for node in content:
                if isinstance(node, Note) and node.key == key:
                    found.append(squeeze(before)[-12:])
                before += plain((node,))
    return found


@pytest.mark.slow
def test_the_glossary_brief_builds_valid_findable_outputs(tmp_path: Path) -> None:
    with collecting() as warnings:
        document = read_article(GLOSSARY)
        result = build([GLOSSARY], out_dir=tmp_path, options=BuildOptions())
    assert result.ok, result.failures
    assert warnings == []
    pdf, epub = tmp_path / "glossary-brief.pdf", tmp_path / "glossary-brief.epub"
    assert pdf_failures(pdf, "ua1") == []
    assert epub_problems(epubcheck(epub)) == []

    (glossary,) = [b for b in document.all_blocks() if isinstance(b, DefinitionList)]
    assert len(glossary.items) == 5
    assert any(
        isinstance(b, ListBlock) for item in glossary.items for d in item.definitions for b in d
    )
    texts = {"PDF": pdf_text(pdf), "EPUB": epub_text(epub)}
    for name, text in texts.items():
        assert missing_pieces(document, text) == [], name

    # [^sources] is called three times (the lede, a paragraph, a table cell): one note
    sources = next(n for n in _notes(document) if n.key == "sources" and not n.repeat)
    calls = _calls(document, "sources")
    assert sources.number == 1 and len(calls) == 3
    note = squeeze(plain(sources.content))
    for name, text in texts.items():
        assert squeeze(text).count(note) == 1, name
    pages = [squeeze(page.extract_text()) for page in PdfReader(pdf).pages]
    for before in calls:
        assert any(before + "1" in page for page in pages), before
    first_page = next(i for i, page in enumerate(pages) if calls[0] + "1" in page)
    assert note in pages[first_page]  # at the foot of the page of its first call

    with zipfile.ZipFile(epub) as archive:
        chapters = {
            name: etree.fromstring(archive.read(name))
            for name in archive.namelist()
            if name.endswith(".xhtml")
        }
    refs = [
        (name, a)
        for name, root in chapters.items()
        for a in root.iterfind(".//x:a", XHTML)
        if a.get(EPUB_TYPE) == "noteref"
    ]
    asides = {
        f"{name}#{aside.get('id')}"
        for name, root in chapters.items()
        for aside in root.iterfind(".//x:aside", XHTML)
        if aside.get(EPUB_TYPE) == "footnote"
    }
    assert len(asides) == 2  # two distinct notes, five calls
    assert sorted("".join(a.itertext()) for _, a in refs) == ["1", "1", "1", "2", "2"]
    for name, a in refs:
        href = a.get("href", "")
        target = href if "#" in href and not href.startswith("#") else name.split("/")[-1] + href
        assert any(aside.endswith(target) for aside in asides), href
    # the glossary is a <dl>: each term in a <dt>, its definitions in <dd>
    terms = [
        "".join(dt.itertext())
        for root in chapters.values()
        for dt in root.iterfind(".//x:dt", XHTML)
    ]
    assert terms == [plain(item.term) for item in glossary.items]


def test_a_definition_line_inside_a_paragraph_is_a_warning(tmp_path: Path) -> None:
    article = tmp_path / "brief.md"
    article.write_text(
        "---\ntitle: Notes\n---\n\nLede.\n\n"
        "> [!NOTE]\n> Term in a callout\n> : Its definition.\n\n"
        "Two lines\nof a term\n: A definition.\n\n"
        "Term\n\n: A definition after a blank line.\n"
    )
    with collecting() as warnings:
        document = read_article(article)
    assert [(w.line, w.message) for w in warnings] == [
        (9, "this ': ' line is read as part of the paragraph above, not as a definition"),
        (13, "this ': ' line is read as part of the paragraph above, not as a definition"),
    ]
    (glossary,) = [b for b in document.all_blocks() if isinstance(b, DefinitionList)]
    assert [plain(item.term) for item in glossary.items] == ["Term"]
