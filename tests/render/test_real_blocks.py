"""Real briefs' blocks in both outputs: a hand-built document holding every model node
(nested lists and quotes, line breaks, footnotes, cross-references, code, callouts,
figures, a wide table) rendered to PDF and EPUB with the project's own functions."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pypdf
import pytest
from lxml import etree

from briefing.model import (
    Callout,
    Code,
    CodeBlock,
    CrossRef,
    Document,
    Emph,
    Figure,
    Image,
    Inlines,
    LineBreak,
    Link,
    ListBlock,
    ListItem,
    Meta,
    Note,
    Paragraph,
    Quote,
    Section,
    Strong,
    Table,
    Takeaway,
    Takeaways,
    Text,
)
from briefing.render.epub import render_epub
from briefing.render.html import (
    InlineFormat,
    heading_tags,
    inline_markup,
    render_compendium_html,
    render_html,
    table_layout,
)
from briefing.render.pdf import PdfEngine, RenderedPdf
from briefing.report import collecting
from briefing.themes import load_theme
from tests.validators import epub_problems, epubcheck, pdf_failures

XHTML = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}
CODE = "def total(rows):\n    # keep every line\n    return sum(r.value for r in rows)\n\n"
CODE += "print(total(load('a-very-long-file-name-" + "x" * 90 + ".csv')))"


def t(text: str) -> Text:
    return Text(text)


def png(width: int = 480, height: int = 240) -> bytes:
    """A small chart-like PNG made with Pillow (a WeasyPrint dependency)."""
    from PIL import Image as Pil
    from PIL import ImageDraw

    picture = Pil.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(picture)
    for index, value in enumerate((60, 120, 90, 180, 150)):
        x = 40 + index * 85
        draw.rectangle((x, height - 20 - value, x + 50, height - 20), fill=(29, 79, 145))
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="400" height="160" viewBox="0 0 400 160">'
    b'<rect x="10" y="60" width="80" height="90" fill="#b8860b"/>'
    b'<rect x="110" y="20" width="80" height="130" fill="#14365c"/></svg>'
)

WIDE_HEADER = ("Region", "Budget", "Spent", "Share", "Change", "Range", "Staff", "Status")


def wide_row(index: int) -> tuple[Inlines, ...]:
    return (
        (t(f"District number {index} of the northern region"),),
        (t(f"${16 + index},480"),),
        (t(f"€{index * 3}.5m"),),
        (t(f"{index % 90 + 5}%"),),
        (t(f"−{index % 7}.2"),),
        (t(f"{index}–{index + 10}"),),
        (t(f"{1000 + index * 37:,}"),),
        (t("on track" if index % 3 else "delayed, awaiting a revised plan"),),
    )


def real_document() -> Document:
    """One document holding every block and inline node of the model."""
    note1 = Note((t("Figures are in nominal dollars; "), Link((t("source"),), "https://e.org")), 1)
    note2 = Note((t("A note from a caption."),), 2)
    note3 = Note((t("A note from a table cell."),), 3)
    note4 = Note((t("A note in the methods section, "), Emph((t("italic"),)), t(".")), 4)
    note5 = Note((t("A note on a takeaway."),), 5)
    lede = Section(
        None,
        0,
        (
            Paragraph(
                (
                    t("A lede with a note"),
                    note1,
                    t(" and a hard break"),
                    LineBreak(),
                    t("on a new line; see "),
                    CrossRef("tbl", "tbl-budget", "1"),
                    t(", "),
                    CrossRef("fig", "fig-chart", "1"),
                    t(" and "),
                    CrossRef("sec", "sec-methods", "2"),
                    t("."),
                )
            ),
        ),
        "lede",
    )
    links = Paragraph(
        (
            t("Links: "),
            Link((Emph((t("whole italic"),)),), "https://e.org/a"),
            t(", "),
            Link((Strong((t("whole bold"),)),), "https://e.org/b"),
            t(", "),
            Link((t("part "), Emph((t("italic"),)), t(" text")), "https://e.org/c"),
            t(", "),
            Link((Code("code()"),), "https://e.org/d"),
            t(", "),
            Link((Strong((Emph((t("bold italic"),)),)),), "https://e.org/e"),
            t(", "),
            Link((t("broken"), LineBreak(), t("line")), "https://e.org/f"),
            t(", "),
            Link((t("to methods"),), "#sec-methods"),
            t(", "),
            Link((t("to a missing anchor"),), "#nowhere"),
            t("."),
        )
    )
    nested = ListBlock(
        (
            ListItem(
                (t("First, with a nested list"),),
                (
                    ListBlock(
                        (ListItem((t("nested one"),)), ListItem((t("nested two"),))), ordered=True
                    ),
                ),
            ),
            ListItem((t("Second, with a paragraph"),), (Paragraph((t("A second paragraph."),)),)),
        ),
        ordered=True,
        start=3,
    )
    quote = Quote(
        (
            Paragraph((t("First quoted paragraph."),)),
            Paragraph((t("Second quoted paragraph."),)),
            ListBlock((ListItem((t("quoted item"),)),)),
        )
    )
    budget = Table(
        header=((t("Item"),), (t("Cost"),), (t("Share"),)),
        rows=(
            ((t("Staff"),), (t("$16,480"),), (t("42%"),)),
            ((t("Travel"), note3), (t("$2,100"),), (t("5%"),)),
        ),
        align=(None, None, None),
        caption=(t("Budget lines"), note2),
        number=1,
        id="tbl-budget",
    )
    figure = Figure(
        Image("chart.png", png(), "image/png", name="chart.png", width=480, height=240),
        alt="Bar chart: spending rose in four of five years",
        caption=(t("Spending by year"),),
        number=1,
        id="fig-chart",
    )
    svg_figure = Figure(
        Image("bars.svg", SVG, "image/svg+xml", name="bars.svg"),
        alt="Two bars, the second taller",
        caption=(t("An SVG chart"),),
        number=2,
    )
    remote = Figure(
        Image("https://e.org/map.png", url="https://e.org/map.png", name="map.png"),
        alt="Map of the region",
        caption=(t("A remote map"),),
        number=3,
    )
    wide = Table(
        header=tuple((t(h),) for h in WIDE_HEADER),
        rows=tuple(wide_row(i) for i in range(1, 61)),
        align=(None,) * 8,
        caption=(t("Districts"),),
        number=2,
        id="tbl-districts",
    )
    callouts = tuple(
        Callout(kind, (Paragraph((t(f"A {kind} callout."),)),))  # type: ignore[arg-type]
        for kind in ("note", "tip", "important", "warning", "caution")
    )
    note6 = Note((t("A note on a callout title."),), 6)
    titled = Callout("warning", (Paragraph((t("Body."),)),), title=(t("Mind the gap"), note6))
    body = Section(
        "Findings",
        1,
        (links, nested, quote, budget, figure, CodeBlock(CODE, "python"), *callouts, titled),
        "sec-findings",
        "1",
    )
    methods = Section(
        "Methods",
        1,
        (
            Paragraph((t("Methods text"), note4, t("."))),
            svg_figure,
            remote,
            Takeaways((Takeaway("Costs", (t("Costs rise"), note5, t("."))),)),
        ),
        "sec-methods",
        "2",
    )
    deep = Section(
        "A skipped level", 3, (Paragraph((t("Under a skipped level."),)),), "deep", "2.0.1"
    )
    annex = Section("Annex", 1, (wide,), "sec-annex", "3")
    meta = Meta(title="Real blocks", language="en", authors=("A. Author",))
    return Document(meta, (lede, body, methods, deep, annex))


@dataclass(frozen=True)
class Built:
    pdf: Path
    rendered: RenderedPdf
    epub: Path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    folder = tmp_path_factory.mktemp("real")
    document = real_document()
    theme = load_theme()
    rendered = PdfEngine().render(render_html(document, theme=theme))
    pdf = folder / "real.pdf"
    pdf.write_bytes(rendered.data)
    epub = folder / "real.epub"
    epub.write_bytes(
        render_epub(
            document,
            theme=theme,
            anchor_pages=rendered.anchor_pages,
            page_labels=rendered.page_labels,
        )
    )
    return Built(pdf, rendered, epub)


def page_texts(path: Path) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in pypdf.PdfReader(path).pages]


def layout_text(path: Path) -> str:
    """The text as laid out (poppler), where a floated list marker is on its item's line."""
    import subprocess

    result = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True)
    return " ".join(result.stdout.decode().split())


def chapters(path: Path) -> dict[str, etree._Element]:
    with zipfile.ZipFile(path) as archive:
        return {
            name: etree.fromstring(archive.read(name))
            for name in archive.namelist()
            if name.endswith(".xhtml")
        }


# -- quick: markup decisions -----------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        (Emph((t("x"),)),),
        (Strong((t("x"),)),),
        (Code("x"),),
        (t("a "), Emph((t("b"),)), t(" c")),
        (Strong((Emph((t("x"),)),)),),
        (t("a"), LineBreak(), t("b")),
        (t("a"), Note((t("n"),), 1)),
    ],
)
def test_nothing_but_text_inside_a_printed_link(content: Inlines) -> None:
    markup = str(inline_markup((Link(content, "https://e.org"),)))
    inside = re.findall(r"<a href=[^>]*>(.*?)</a>", markup)
    assert inside and all("<" not in text for text in inside), markup


def test_links_to_unknown_anchors_are_text() -> None:
    assert str(inline_markup((Link((t("x"),), "#nowhere"),))) == "x"
    fmt = InlineFormat("epub", {"sec-a": "sec-a.xhtml", "tbl-b": "sec-a.xhtml#tbl-b"})
    assert 'href="sec-a.xhtml#tbl-b"' in inline_markup((CrossRef("tbl", "tbl-b", "3"),), fmt)
    assert ">Table 3<" in inline_markup((CrossRef("tbl", "tbl-b", "3"),), fmt)
    assert 'href="sec-a.xhtml"' in inline_markup((Link((t("x"),), "#sec-a"),), fmt)


def test_epub_notes_and_cross_references_never_nest_in_links() -> None:
    fmt = InlineFormat("epub", {"tbl-b": "s.xhtml#tbl-b"})
    markup = str(
        inline_markup(
            (Link((t("a"), CrossRef("tbl", "tbl-b", "1"), Note((t("n"),), 1)), "#tbl-b"),), fmt
        )
    )
    assert markup.count("<a ") == 2 and markup.index("</a>") < markup.index("noteref"), markup


def test_numeric_columns_and_width_classes() -> None:
    wide = real_document().sections[4].blocks[0]
    assert isinstance(wide, Table)
    layout = table_layout(wide)
    assert layout.numeric == (False, True, True, True, True, True, True, False)
    assert (layout.wide, layout.landscape) == (True, True)
    small = Table(((t("a"),), (t("b"),)), (((t("x"),), (t("n/a"),)),), (None, None))
    assert table_layout(small) == table_layout(small).__class__((False, False), False, False)


def test_a_figure_without_alt_text_uses_its_caption() -> None:
    figure = Figure(Image("a.png", png(), "image/png", name="a.png"), "", (t("Caption"),), 1)
    document = Document(Meta(title="T"), (Section("S", 1, (figure,), "s", "1"),))
    html = render_html(document, theme=load_theme()).html
    assert 'alt="Caption"' in html and 'src="data:image/png;base64,' in html


def contrast(one: str, two: str) -> float:
    """The WCAG 2 contrast ratio of two ``#rrggbb`` colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(one), luminance(two)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("stylesheet", ["blocks.css", "epub-blocks.css"])
def test_callout_colours_meet_wcag_aa(stylesheet: str) -> None:
    css = load_theme().style(stylesheet).read_text()
    if stylesheet == "blocks.css":
        pairs = re.findall(
            r"--callout-edge: var\(--callout-\w+, (#\w{6})\); --callout-tint: (#\w{6})", css
        )
    else:
        pairs = re.findall(
            r"border-(?:left: 4px solid|color:) (#\w{6});\s+background: (#\w{6})", css
        )
    assert len(pairs) == 5
    for ink, tint in pairs:
        assert contrast(ink, tint) >= 4.5, (ink, tint)
        assert contrast("#1b2430", tint) >= 4.5


def test_a_theme_importing_the_blocks_without_context_still_renders(tmp_path: Path) -> None:
    builtin = load_theme().builtin_template_dir / "briefing.html"
    text = builtin.read_text().replace("as parts with context", "as parts")
    assert "as parts %}" in text
    (tmp_path / "briefing.html").write_text(text)
    html = render_html(real_document(), theme=load_theme(tmp_path)).html
    assert "Table 1" in html and "Figure 1" in html


def test_an_unsafe_image_url_is_never_a_link() -> None:
    image = Image("x", url="javascript:alert(1)", name="x.png")
    document = Document(
        Meta(title="T"), (Section("S", 1, (Figure(image, "Alt", (), 1),), "s", "1"),)
    )
    html = render_html(document, theme=load_theme()).html
    assert "javascript:alert(1)" in html and 'href="javascript' not in html


def test_heading_levels_never_skip() -> None:
    assert list(heading_tags(real_document()).values()) == [2, 2, 3, 2]


# -- slow: the rendered files ---------------------------------------------------------


@pytest.mark.slow
def test_pdf_is_pdf_ua1(built: Built) -> None:
    assert pdf_failures(built.pdf, "ua1") == []


@pytest.mark.slow
def test_epub_is_strictly_valid(built: Built) -> None:
    assert epub_problems(epubcheck(built.epub)) == []


@pytest.mark.slow
def test_figures_carry_alt_text_in_the_structure_tree(built: Built) -> None:
    reader = pypdf.PdfReader(built.pdf)
    alts: list[str] = []

    def walk(node: object) -> None:
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, pypdf.generic.ArrayObject):
            for kid in node:
                walk(kid)
        elif isinstance(node, pypdf.generic.DictionaryObject):
            if node.get("/S") == "/Figure" and "/Alt" in node:
                alts.append(str(node["/Alt"]))
            if "/K" in node:
                walk(node["/K"])

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    assert "Bar chart: spending rose in four of five years" in alts
    assert "Two bars, the second taller" in alts


@pytest.mark.slow
def test_each_footnote_is_on_the_page_of_its_call(built: Built) -> None:
    texts = page_texts(built.pdf)
    for call, note in [
        ("A lede with a note", "Figures are in nominal dollars"),
        ("Travel", "A note from a table cell."),
        ("Budget lines", "A note from a caption."),
        ("Methods text", "A note in the methods section"),
        ("Costs rise", "A note on a takeaway."),
        ("MIND THE GAP", "A note on a callout title."),
    ]:
        pages = [i for i, text in enumerate(texts) if note in text]
        assert len(pages) == 1, note
        assert call in texts[pages[0]], (call, note)


@pytest.mark.slow
def test_cross_references_read_with_their_pages(built: Built) -> None:
    text = " ".join(page_texts(built.pdf))
    pages = built.rendered.anchor_pages
    assert f"Table 1 (page {pages['tbl-budget']})" in text
    assert f"Figure 1 (page {pages['fig-chart']})" in text
    assert f"Section 2 (page {pages['sec-methods']})" in text
    assert "to a missing anchor" in text


@pytest.mark.slow
def test_only_theme_fonts_are_embedded(built: Built) -> None:
    import subprocess

    fonts = subprocess.run(["pdffonts", str(built.pdf)], capture_output=True, text=True).stdout
    names = {line.split()[0].split("+")[-1].replace("-", "") for line in fonts.splitlines()[2:]}
    assert names and all(
        name.startswith(("Inter", "NotoSerif", "DejaVuSansMono")) for name in names
    ), names


@pytest.mark.slow
def test_wide_table_fits_few_landscape_pages(built: Built) -> None:
    reader = pypdf.PdfReader(built.pdf)
    texts = page_texts(built.pdf)
    pages = [i for i, text in enumerate(texts) if "District number" in text]
    assert 1 <= len(pages) <= 4, len(pages)
    for index in pages:
        box = reader.pages[index].mediabox
        assert box.width > box.height
    # header rows repeat on each page, numbers never break
    assert all("Region Budget Spent" in texts[i] for i in pages)
    assert "$76,480" in texts[pages[-1]]


@pytest.mark.slow
def test_epub_structure(built: Built) -> None:
    docs = chapters(built.epub)
    findings = docs["EPUB/sec-findings.xhtml"]
    lede = docs["EPUB/lede.xhtml"]
    pre = findings.find(".//x:pre/x:code", XHTML)
    # very long runs carry <wbr/> break opportunities; the text is unchanged
    assert pre is not None and "".join(pre.itertext()) == CODE
    ol = findings.find(".//x:ol[@start='3']", XHTML)
    assert ol is not None and ol.find("x:li/x:ol/x:li", XHTML) is not None
    assert len(findings.findall(".//x:blockquote/x:p", XHTML)) == 2
    assert findings.find(".//x:blockquote/x:ul", XHTML) is not None
    assert lede.find(".//x:p/x:br", XHTML) is not None
    # note references and footnotes in pairs, each in the chapter of its call
    for doc in docs.values():
        refs = doc.findall(".//x:a[@epub:type='noteref']", XHTML)
        notes = doc.findall(".//x:aside[@epub:type='footnote']", XHTML)
        assert [r.get("href") for r in refs] == [f"#{n.get('id')}" for n in notes]
        for note in notes:
            back = note.find(".//x:a[@role='doc-backlink']", XHTML)
            assert back is not None and doc.find(f".//*[@id='{back.get('href')[1:]}']") is not None
    assert len(findings.findall(".//x:aside[@epub:type='footnote']", XHTML)) == 3
    # cross-references point at the chapter holding the target
    xrefs = {a.text: a.get("href") for a in lede.iterfind(".//x:a[@class='xref']", XHTML)}
    assert xrefs == {
        "Table 1": "sec-findings.xhtml#tbl-budget",
        "Figure 1": "sec-findings.xhtml#fig-chart",
        "Section 2": "sec-methods.xhtml",
    }
    figure = findings.find(".//x:figure[@id='fig-chart']", XHTML)
    assert figure is not None
    img = figure.find("x:img", XHTML)
    assert img is not None and img.get("src") == "images/chart.png" and img.get("alt")
    methods = docs["EPUB/sec-methods.xhtml"]
    missing = methods.find(".//x:p[@class='figure-missing']/x:a", XHTML)
    assert missing is not None and missing.get("href") == "https://e.org/map.png"
    # the page-list holds page markers only, never notes
    nav = docs["EPUB/nav.xhtml"]
    pages = nav.findall(".//x:nav[@epub:type='page-list']//x:a", XHTML)
    assert pages and all("#page_" in (a.get("href") or "") for a in pages)
    with zipfile.ZipFile(built.epub) as archive:
        assert {"EPUB/images/chart.png", "EPUB/images/bars.svg"} <= set(archive.namelist())


@pytest.mark.slow
def test_pdf_a3u_with_a_figure(tmp_path: Path) -> None:
    figure = real_document().sections[1].blocks[4]
    document = Document(
        Meta(title="Archive", language="en"),
        (Section("Chart", 1, (figure,), "chart", "1"),),
    )
    rendered = PdfEngine().render(render_html(document, theme=load_theme()), variant="pdf/a-3u")
    path = tmp_path / "archive.pdf"
    path.write_bytes(rendered.data)
    assert pdf_failures(path, "3u") == []


@pytest.mark.slow
def test_compendium_keeps_every_id_unique(tmp_path: Path) -> None:
    document = real_document()
    meta = Meta(title="Edition", language="en")
    with collecting() as warnings:
        html = render_compendium_html([("a", document), ("b", document)], meta, theme=load_theme())
        rendered = PdfEngine().render(html)
    assert warnings == []
    assert 'href="#b--fn-1"' in html.html and 'href="#b--tbl-budget"' in html.html
    path = tmp_path / "edition.pdf"
    path.write_bytes(rendered.data)
    assert pdf_failures(path, "ua1") == []


@pytest.mark.slow
def test_long_code_in_a_list_item_splits_across_pages(tmp_path: Path) -> None:
    """Blocks inside list items stay ordinary blocks: a code block longer than a page is
    split, not cut off (and still tagged inside the item's body)."""
    code = "\n".join(f"line {i}" for i in range(1, 121))
    items = (ListItem((t("Step one"),), (CodeBlock(code),)), ListItem((t("Step two"),)))
    document = Document(
        Meta(title="Steps", language="en"),
        (Section("Steps", 1, (ListBlock(items, ordered=True, start=7),), "steps", "1"),),
    )
    rendered = PdfEngine().render(render_html(document, theme=load_theme()))
    path = tmp_path / "steps.pdf"
    path.write_bytes(rendered.data)
    texts = page_texts(path)
    assert rendered.pages == 3
    assert all(f"line {i} " in " ".join(texts) + " " for i in range(1, 121))
    assert "7. Step one" in layout_text(path) and "8. Step two" in layout_text(path)
    assert pdf_failures(path, "ua1") == []


@pytest.mark.slow
def test_ordered_lists_start_at_their_number(built: Built) -> None:
    text = layout_text(built.pdf)
    assert "3. First, with a nested list" in text and "a. nested one" in text
    assert "4. Second, with a paragraph" in text


@pytest.mark.slow
def test_epub_without_a_pdf_has_no_page_list_and_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "alone.epub"
    path.write_bytes(render_epub(real_document(), theme=load_theme()))
    assert epub_problems(epubcheck(path)) == []
    nav = chapters(path)["EPUB/nav.xhtml"]
    assert nav.find(".//x:nav[@epub:type='page-list']", XHTML) is None
