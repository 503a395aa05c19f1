"""Real briefs in Markdown (issue 11): every construct at model level, and the fixture brief."""

from __future__ import annotations

import http.server
import os
import struct
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from briefing.errors import Diagnostic, InputError
from briefing.model import (
    Callout,
    Code,
    CodeBlock,
    CrossRef,
    Document,
    Emph,
    Figure,
    Image,
    LineBreak,
    Link,
    ListBlock,
    Note,
    Paragraph,
    Quote,
    Table,
    Takeaways,
    Text,
    block_inlines,
    plain,
    walk_inlines,
)
from briefing.readers import explain_article, read_article
from briefing.readers.assembly import Draft, assemble
from briefing.readers.images import ImagePolicy, resolve_image, sanitise_svg
from briefing.report import collecting
from tests.conftest import FIXTURES

REAL = FIXTURES / "real-brief.md"


def png(width: int = 3, height: int = 2) -> bytes:
    """A tiny valid PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def read(tmp_path: Path, text: str, **kwargs: object) -> tuple[Document, list[Diagnostic]]:
    path = tmp_path / "brief.md"
    path.write_text(text, "utf-8")
    with collecting() as warnings:
        document = read_article(path, meta={"title": "T"}, **kwargs)  # type: ignore[arg-type]
    return document, warnings


def messages(warnings: list[Diagnostic]) -> str:
    return "\n".join(str(w) for w in warnings)


def body(document: Document) -> list[object]:
    return list(document.blocks())


# -- structure ------------------------------------------------------------------------


def test_nested_lists_keep_their_structure_and_start(tmp_path: Path) -> None:
    document, _ = read(
        tmp_path,
        "- one\n  - one.a\n    1. deep\n    2. deeper\n\n  More about one.\n- two\n\n"
        "Then:\n\n3. third\n4. fourth\n",
    )
    bullets, _, ordered = body(document)
    assert isinstance(bullets, ListBlock) and not bullets.ordered
    first = bullets.items[0]
    assert first.content == (Text("one"),)
    inner, more = first.blocks
    assert isinstance(inner, ListBlock) and inner.items[0].content == (Text("one.a"),)
    (deep,) = inner.items[0].blocks
    assert isinstance(deep, ListBlock) and deep.ordered and len(deep.items) == 2
    assert more == Paragraph((Text("More about one."),))
    assert isinstance(ordered, ListBlock) and ordered.ordered and ordered.start == 3


def test_hard_breaks_are_kept_soft_breaks_are_spaces(tmp_path: Path) -> None:
    document, _ = read(tmp_path, "Line one\\\nline two  \nline three\nsame line\n")
    (paragraph,) = body(document)
    assert paragraph == Paragraph(
        (
            Text("Line one"),
            LineBreak(),
            Text("line two"),
            LineBreak(),
            Text("line three same line"),
        )
    )


def test_quote_keeps_paragraphs_and_lists(tmp_path: Path) -> None:
    document, _ = read(tmp_path, "> First.\n>\n> Second:\n>\n> - a\n> - b\n>\n> Last.\n")
    (quote,) = body(document)
    assert isinstance(quote, Quote)
    assert [type(b).__name__ for b in quote.blocks] == [
        "Paragraph",
        "Paragraph",
        "ListBlock",
        "Paragraph",
    ]


def test_fenced_and_indented_code(tmp_path: Path) -> None:
    document, _ = read(tmp_path, "Text.\n\n```python\nx = 1\n  y = 2\n```\n\n    a\n      b\n")
    _, fenced, indented = body(document)
    assert fenced == CodeBlock("x = 1\n  y = 2", language="python")
    assert indented == CodeBlock("a\n  b")


# -- callouts -------------------------------------------------------------------------


def test_github_alerts(tmp_path: Path) -> None:
    document, warnings = read(
        tmp_path,
        "> [!WARNING] Mind the gap\n> Body *here*.\n>\n> More.\n\n"
        "> [!TIP]\n> Just a tip.\n\n> [!SHOUT]\n> Loud.\n",
    )
    warning, tip, unknown = body(document)
    assert isinstance(warning, Callout) and warning.kind == "warning"
    assert warning.title == (Text("Mind the gap"),)
    assert warning.blocks == (
        Paragraph((Text("Body "), Emph((Text("here"),)), Text("."))),
        Paragraph((Text("More."),)),
    )
    assert isinstance(tip, Callout) and tip.kind == "tip" and tip.title is None
    assert tip.blocks == (Paragraph((Text("Just a tip."),)),)
    assert isinstance(unknown, Callout) and unknown.kind == "note"
    assert "brief.md:9: '[!SHOUT]' is not a known alert" in messages(warnings)


def test_quarto_callouts(tmp_path: Path) -> None:
    document, warnings = read(
        tmp_path,
        '::: {.callout-note title="Read me"}\nOne.\n\nTwo.\n:::\n\n'
        "::: {.callout-caution}\n## Careful\n\nBody.\n:::\n\n"
        "::: {.columns}\nKept text.\n:::\n",
    )
    note, caution, kept = body(document)
    assert note == Callout("note", (Paragraph((Text("One."),)), Paragraph((Text("Two."),))),
                           (Text("Read me"),))  # fmt: skip
    assert caution == Callout("caution", (Paragraph((Text("Body."),)),), (Text("Careful"),))
    assert kept == Paragraph((Text("Kept text."),))
    assert "':::' block '{.columns}' is not a callout" in messages(warnings)


# -- footnotes ------------------------------------------------------------------------


def test_footnotes_become_notes_at_the_call_everywhere(tmp_path: Path) -> None:
    document, warnings = read(
        tmp_path,
        "Text.[^a] More.[^b]\n\n"
        "Table: Costs[^c]\n\n| A | B |\n|---|---|\n| 1[^d] | 2 |\n\n"
        "[^a]: First note.\n\n    Its second paragraph.\n"
        "[^b]: Second *note*.\n[^c]: In the caption.\n[^d]: In a cell.\n",
    )
    assert warnings == []
    paragraph, table = body(document)
    notes = [n for n in paragraph.content if isinstance(n, Note)]  # type: ignore[attr-defined]
    assert notes == [
        Note((Text("First note."), LineBreak(), Text("Its second paragraph.")), number=1),
        Note((Text("Second "), Emph((Text("note"),)), Text(".")), number=2),
    ]
    assert isinstance(table, Table) and table.caption is not None
    assert table.caption[-1] == Note((Text("In the caption."),), number=3)
    assert table.rows[0][0] == (Text("1"), Note((Text("In a cell."),), number=4))


def test_missing_and_unused_footnotes_warn_and_drop_nothing(tmp_path: Path) -> None:
    document, warnings = read(
        tmp_path,
        "Intro.\n\nCalls [^nope] here.\n\n[^unused]: Never *called*.\n\n    Second.\n\n"
        "## Next\n\nText.\n",
    )
    _, calls, unused, second = document.sections[0].blocks
    assert "Calls [^nope] here." in plain(calls.content)  # type: ignore[union-attr]
    assert unused == Paragraph((Text("Never "), Emph((Text("called"),)), Text(".")))
    assert second == Paragraph((Text("Second."),))
    text = messages(warnings)
    assert "brief.md:3: the footnote [^nope] has no definition" in text
    assert "brief.md:5: the footnote [^unused] is defined but never called" in text


# -- figures and images ---------------------------------------------------------------


def test_local_png_figure(tmp_path: Path) -> None:
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "chart.png").write_bytes(png(3, 2))
    document, warnings = read(
        tmp_path, 'Text.\n\n![Oil *exports*](img/chart.png){#fig-oil fig-alt="Bars rising"}\n'
    )
    assert warnings == []
    (figure,) = document.figures
    assert figure.caption == (Text("Oil "), Emph((Text("exports"),)))
    assert figure.alt == "Bars rising" and figure.id == "fig-oil" and figure.number == 1
    image = figure.image
    assert image.media_type == "image/png" and image.name == "fig-1.png"
    assert (image.width, image.height) == (3, 2) and image.data == png(3, 2)


def test_alt_text_order_and_missing_alt(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(png())
    document, warnings = read(
        tmp_path, 'Text.\n\n![Caption](a.png "Title")\n\n![Caption](a.png)\n\n![](a.png)\n'
    )
    titled, captioned, bare = document.figures
    assert titled.alt == "Title" and captioned.alt == "Caption" and bare.alt == ""
    assert [f.image.name for f in document.figures] == ["fig-1.png", "fig-2.png", "fig-3.png"]
    assert "brief.md:7: this figure has neither alt text nor a caption" in messages(warnings)


def test_image_in_running_text_is_its_alt_text(tmp_path: Path) -> None:
    document, warnings = read(tmp_path, "See ![the chart](x.png) here.\n")
    assert body(document) == [Paragraph((Text("See the chart here."),))]
    assert "inside running text" in messages(warnings)


def test_remote_image_is_linked_not_fetched(tmp_path: Path) -> None:
    document, warnings = read(tmp_path, "Text.\n\n![Load](https://example.org/load.png)\n")
    (figure,) = document.figures
    assert figure.image == Image("https://example.org/load.png", url="https://example.org/load.png")
    assert 'allow_hosts = ["example.org"]' in messages(warnings)
    _, warnings = read(tmp_path, "Text.\n\n![Load](http://example.org/load.png)\n")
    assert 'allow_hosts = ["http://example.org"]' in messages(warnings)


@pytest.mark.parametrize(
    "image",
    [
        "![Caption](data:image/png;base64,iVBORw0KGgo=)",
        "![Caption](file:///etc/passwd)",
        "![Caption](file:///etc/passwd){#fig-x}",
        "![Caption](/etc/passwd)",
        "![Caption](../outside.png)",
    ],
)
def test_refused_sources_keep_the_figure(tmp_path: Path, image: str) -> None:
    (tmp_path / "outside.png").write_bytes(png())
    folder = tmp_path / "article"
    folder.mkdir()
    document, warnings = read(folder, f"Text.\n\n{image}\n")
    (figure,) = document.figures
    assert figure.image.data is None and figure.image.url is None
    assert figure.caption == (Text("Caption"),) and figure.alt == "Caption"
    assert "brief.md:3:" in messages(warnings)


def test_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.png").write_bytes(png())
    folder = tmp_path / "article"
    folder.mkdir()
    os.symlink(tmp_path / "secret.png", folder / "link.png")
    document, warnings = read(folder, "Text.\n\n![Caption](link.png)\n")
    assert document.figures[0].image.data is None
    assert "outside the article's folder" in messages(warnings)


def test_not_an_image_is_an_error_a_missing_file_a_warning(tmp_path: Path) -> None:
    (tmp_path / "notes.png").write_text("hello")
    with pytest.raises(InputError) as error:
        read(tmp_path, "Text.\n\n![Caption](notes.png)\n")
    assert error.value.diagnostic.line == 3 and "not a PNG, JPEG, GIF or SVG" in str(error.value)
    document, warnings = read(tmp_path, "Text.\n\n![Caption](missing.png)\n")
    assert document.figures[0].image.data is None
    assert "brief.md:3: the image 'missing.png' is not found" in messages(warnings)


def test_svg_is_sanitised(tmp_path: Path) -> None:
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        b'width="40" height="20" onload="alert(1)"><script>alert(2)</script>'
        b'<defs><linearGradient id="g"/></defs>'
        b'<foreignObject><p xmlns="http://www.w3.org/1999/xhtml">x</p></foreignObject>'
        b'<image xlink:href="file:///etc/passwd"/><use href="#g"/>'
        b'<rect fill="url(#g)" width="1" height="1"/>'
        b'<rect style="fill: url(http://evil/x)" width="1" height="1"/>'
        b'<a href="https://evil"><text>t</text></a>'
        b'<a href="#g"><set attributeName="href" to="javascript:alert(3)"/></a></svg>'
    )
    clean, removed, size = sanitise_svg(svg)
    text = clean.decode()
    assert size == (40, 20) and len(removed) == 7
    for bad in ("script", "alert", "foreignObject", "passwd", "evil", "<set"):
        assert bad not in text
    assert 'href="#g"' in text and 'fill="url(#g)"' in text


def test_svg_with_entities_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bomb.svg").write_text(
        '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]>'
        '<svg xmlns="http://www.w3.org/2000/svg">&a;</svg>'
    )
    with pytest.raises(InputError, match="DOCTYPE"):
        read(tmp_path, "Text.\n\n![Bomb](bomb.svg)\n")


def test_assembly_resolves_figures_from_any_reader(tmp_path: Path) -> None:
    (tmp_path / "c.png").write_bytes(png())
    figure = Figure(Image("c.png"), alt="A chart", line=4)
    draft = Draft(heading=None, level=1, line=1, blocks=[figure])
    (section,) = assemble([draft], path=tmp_path / "a.txt")
    (resolved,) = section.blocks
    assert isinstance(resolved, Figure) and resolved.number == 1
    assert resolved.image.name == "fig-1.png" and resolved.image.data == png()


@pytest.fixture
def image_server() -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            kind, data = ("image/png", png()) if self.path.endswith(".png") else ("text/html", b"x")
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_allowed_host_is_fetched_and_cached(tmp_path: Path, image_server: str) -> None:
    policy = ImagePolicy(allow_hosts=("http://127.0.0.1",), cache=tmp_path / "cache")
    article = tmp_path / "a.md"
    image = resolve_image(
        Image(f"{image_server}/c.png"), path=article, line=3, number=2, policy=policy
    )
    assert image.data == png() and image.name == "fig-2.png"
    (cached,) = (tmp_path / "cache").iterdir()
    assert cached.read_bytes() == png()
    assert (tmp_path / "cache").stat().st_mode & 0o777 == 0o700
    with collecting() as warnings:
        page = resolve_image(
            Image(f"{image_server}/page"), path=article, line=3, number=3, policy=policy
        )
    assert page.data is None and page.url == f"{image_server}/page"
    assert "served as 'text/html', not an image; linked instead" in messages(warnings)
    # https only unless the host is listed with http://
    https_only = ImagePolicy(allow_hosts=("127.0.0.1",), cache=tmp_path / "cache2")
    with collecting() as warnings:
        image = resolve_image(
            Image(f"{image_server}/c.png"), path=article, line=3, number=2, policy=https_only
        )
    assert image.data is None and "allow_hosts" in messages(warnings)


# -- ids, references and links --------------------------------------------------------


def test_ids_and_cross_references(tmp_path: Path) -> None:
    (tmp_path / "c.png").write_bytes(png())
    document, warnings = read(
        tmp_path,
        "See @sec-costs, @tbl-costs, [@tbl-costs] and @fig-chart; mail a@b.org; @tbl-nope.\n\n"
        "## Costs {#sec-costs}\n\nText.\n\n"
        "| A | B |\n|---|---|\n| 1 | 2 |\n\nTable: The costs {#tbl-costs}\n\n"
        "![Chart](c.png){#fig-chart}\n",
    )
    (lede, *_), costs = document.sections[0].blocks, document.sections[1]
    assert costs.id == "sec-costs" and costs.heading == "Costs"
    refs = [n for n in lede.content if isinstance(n, CrossRef)]  # type: ignore[attr-defined]
    assert refs == [
        CrossRef("sec", "sec-costs", "1"),
        CrossRef("tbl", "tbl-costs", "1"),
        CrossRef("tbl", "tbl-costs", "1"),
        CrossRef("fig", "fig-chart", "1"),
    ]
    text = plain(lede.content)  # type: ignore[attr-defined]
    assert "mail a@b.org" in text and "@tbl-nope." in text
    assert "brief.md:1: '@tbl-nope' refers to no table" in messages(warnings)
    (table,) = document.tables
    assert table.id == "tbl-costs" and table.caption == (Text("The costs"),)
    assert not any(isinstance(b, Paragraph) and "Table:" in plain(b.content) for b in costs.blocks)


def test_bold_table_caption_is_used_once(tmp_path: Path) -> None:
    document, warnings = read(
        tmp_path,
        "Intro.\n\n**Table 1: Imports by year** {#tbl-imports}\n\n"
        "| A | B |\n|---|---|\n| 1 | 2 |\n\n| C | D |\n|---|---|\n| 3 | 4 |\n\n"
        "Table 5: Below the table\n",
    )
    first, second = document.tables
    assert first.caption == (Text("Imports by year"),) and first.id == "tbl-imports"
    assert second.caption == (Text("Below the table"),)
    assert [type(b).__name__ for b in body(document)] == ["Paragraph", "Table", "Table"]
    assert "the caption says 'Table 5' but this is table 2" in messages(warnings)
    assert len(warnings) == 1


def test_link_to_a_missing_anchor_becomes_text(tmp_path: Path) -> None:
    document, warnings = read(
        tmp_path, "See [the *method*](#methodology) and [costs](#costs).\n\n## Costs\n\nText.\n"
    )
    content = body(document)[0].content  # type: ignore[attr-defined]
    assert content[:3] == (Text("See the "), Emph((Text("method"),)), Text(" and "))
    assert Link((Text("costs"),), "#costs") in content
    assert "brief.md:1: the link to '#methodology' has no target" in messages(warnings)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("## A {#dup}\n\nx\n\n## B {#dup}\n\ny\n", "already used on line 1"),
        ("## A {#contents}\n\nx\n", "reserved"),
        ("## A {#Bad_Id}\n\nx\n", "not usable"),
    ],
)
def test_bad_explicit_ids_are_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as error:
        read(tmp_path, text)
    assert error.value.diagnostic.line is not None


# -- headings -------------------------------------------------------------------------


def test_title_and_appendix_h1(tmp_path: Path) -> None:
    path = tmp_path / "b.md"
    path.write_text("# The Title\n\nLede.\n\n## Body\n\nText.\n\n# Appendix\n\nMore.\n")
    with collecting():
        document = read_article(path)
    assert document.meta.title == "The Title"
    assert [(s.heading, s.level, s.number) for s in document.sections] == [
        (None, 1, None),
        ("Body", 1, "1"),
        ("Appendix", 1, "2"),
    ]


def test_author_numbering_is_kept_once(tmp_path: Path) -> None:
    document, _ = read(
        tmp_path,
        "## 3. Context\n\nx\n\n### 3.1 Scope\n\nx\n\n## III. Findings\n\nx\n\n"
        "## Other\n\nx\n\n## A. Annex\n\nx\n",
    )
    assert [(s.number, s.heading, s.id) for s in document.sections] == [
        ("3", "Context", "context"),
        ("3.1", "Scope", "scope"),
        ("III", "Findings", "findings"),
        (None, "Other", "other"),
        ("A", "Annex", "annex"),
    ]


def test_skipped_levels_are_normalised(tmp_path: Path) -> None:
    document, _ = read(tmp_path, "## A\n\nx\n\n#### B\n\nx\n\n##### C\n\nx\n\n## D\n\nx\n")
    assert [(s.level, s.number) for s in document.sections] == [
        (1, "1"),
        (2, "1.1"),
        (3, "1.1.1"),
        (1, "2"),
    ]


# -- the fixture brief ----------------------------------------------------------------


def test_real_brief_model() -> None:
    with collecting() as warnings:
        document = read_article(REAL)
    assert document.meta.title == "Arctic Energy Security After the Pipeline Era"
    assert [(s.number, s.heading) for s in document.toc] == [
        ("1", "Context"),
        ("1.1", "Scope"),
        (None, "What counts as the winter margin"),
        ("2", "Supply"),
        ("2.1", "Gas"),
        ("2.2", "Electricity"),
        ("3", "Demand and risk"),
        ("4", "Options"),
        (None, "Key takeaways"),
        ("A", "Data annex"),
    ]
    # '#####' under '###' (a skipped level) reads one level deeper, no more
    assert [s.level for s in document.toc][:4] == [1, 2, 3, 1]
    supply, nodes = document.tables
    assert (supply.id, len(supply.header), len(supply.rows)) == ("tbl-supply", 6, 5)
    assert (nodes.id, len(nodes.header), len(nodes.rows)) == ("tbl-nodes", 8, 32)
    assert plain(nodes.caption or ()).startswith("Grid nodes")
    png_figure, svg_figure, remote = document.figures
    assert png_figure.image.media_type == "image/png" and png_figure.id == "fig-lng"
    assert svg_figure.image.media_type == "image/svg+xml" and svg_figure.image.name == "fig-2.svg"
    assert remote.image.data is None and remote.image.url
    blocks = list(document.all_blocks())
    kinds = {type(b).__name__ for b in blocks}
    assert {"Callout", "Quote", "CodeBlock", "ListBlock", "Takeaways", "Figure", "Table"} <= kinds
    assert {b.kind for b in blocks if isinstance(b, Callout)} == {
        "warning",
        "note",
        "tip",
        "important",
    }
    assert any(isinstance(b, ListBlock) and b.start == 3 for b in blocks)
    quote = next(b for b in blocks if isinstance(b, Quote))
    assert any(isinstance(b, ListBlock) for b in quote.blocks)
    inlines = [n for b in blocks for content in block_inlines(b) for n in walk_inlines(content)]
    notes = [n for n in inlines if isinstance(n, Note)]
    assert [n.number for n in notes] == [1, 2, 3, 4]
    refs = {(n.target, n.number) for n in inlines if isinstance(n, CrossRef)}
    assert {("sec-demand", "3"), ("tbl-nodes", "2"), ("fig-grid", "2")} <= refs
    assert any(isinstance(n, LineBreak) for n in inlines)
    assert any(
        isinstance(n, Link) and len(n.children) == 1 and isinstance(n.children[0], Emph)
        for n in inlines
    )
    assert isinstance(document.sections[9].blocks[0], Takeaways)
    text = " ".join(plain(c) for b in blocks for c in block_inlines(b))
    for markup in ("[^", "{#", "![", "](", "::: ", "[!"):
        assert markup not in text
    assert not any(isinstance(n, Code) for n in inlines)
    found = messages(warnings)
    assert "real-brief.md:96: the link to '#methodology'" in found
    assert "is not fetched" in found and len(warnings) == 2


def test_explain_gives_a_reason_for_each_construct() -> None:
    with collecting():
        roles = explain_article(REAL)
    by_role = {role.role for role in roles}
    assert {"title", "callout", "figure", "footnote", "code", "caption", "quote"} <= by_role
    reasons = {role.reason for role in roles}
    assert "'> [!WARNING]' alert" in reasons and "paragraph with hard line breaks" in reasons


def test_unnumbered_headings_and_notes_in_headings(tmp_path: Path) -> None:
    document, warnings = read(
        tmp_path, "## A\n\nx\n\n## Annex {-}\n\nx\n\n## B[^n] {.unnumbered}\n\nx\n\n[^n]: Note.\n"
    )
    assert [(s.heading, s.number) for s in document.sections] == [
        ("A", "1"),
        ("Annex", None),
        ("B", None),
    ]
    assert "brief.md:9: headings are plain text" in messages(warnings)


def test_slugs_never_take_a_table_id(tmp_path: Path) -> None:
    document, _ = read(
        tmp_path, "## Tbl costs\n\nx\n\nTable: Costs {#tbl-costs}\n\n| A |\n|---|\n| 1 |\n"
    )
    assert document.sections[0].id == "tbl-costs-2" and document.tables[0].id == "tbl-costs"


def test_reference_to_an_unnumbered_section_links_its_heading(tmp_path: Path) -> None:
    document, warnings = read(tmp_path, "See @sec-annex.\n\n## Annex {#sec-annex -}\n\nText.\n")
    assert warnings == []
    assert document.sections[0].blocks[0] == Paragraph(
        (Text("See "), Link((Text("Annex"),), "#sec-annex"), Text("."))
    )


def test_caption_line_right_below_the_rows(tmp_path: Path) -> None:
    document, warnings = read(
        tmp_path, "See @tbl-x.\n\n| A | B |\n|---|---|\n| 1 | 2 |\nTable: Right *below* {#tbl-x}\n"
    )
    assert warnings == []
    (table,) = document.tables
    assert table.rows == (((Text("1"),), (Text("2"),)),) and table.id == "tbl-x"
    assert table.caption == (Text("Right "), Emph((Text("below"),)))
    assert [type(b).__name__ for b in body(document)] == ["Paragraph", "Table"]


def test_quarto_figure_and_table_divs(tmp_path: Path) -> None:
    (tmp_path / "c.png").write_bytes(png())
    document, warnings = read(
        tmp_path,
        "See @fig-c and @tbl-d.\n\n::: {#fig-c}\n![](c.png)\n\nThe *chart*\n:::\n\n"
        "::: {#tbl-d}\n| A |\n|---|\n| 1 |\n\nTable: Data\n:::\n",
    )
    assert warnings == []
    (figure,) = document.figures
    assert figure.id == "fig-c" and figure.caption == (Text("The "), Emph((Text("chart"),)))
    assert figure.alt == "The chart"
    (table,) = document.tables
    assert table.id == "tbl-d" and table.caption == (Text("Data"),)


def test_a_quote_of_only_a_list_is_kept(tmp_path: Path) -> None:
    document, warnings = read(tmp_path, "Text.\n\n> - a\n> - b\n\n>\n")
    assert warnings[0].message == "a quote with no text is ignored" and len(warnings) == 1
    _, quote = body(document)
    assert isinstance(quote, Quote) and isinstance(quote.blocks[0], ListBlock)


def test_with_numbering_off_author_numbers_stay_in_the_heading(tmp_path: Path) -> None:
    document, _ = read(tmp_path, "## 1. One\n\nx\n\n## 2. Two\n\nx\n", numbered=False)
    assert [(s.number, s.heading) for s in document.sections] == [
        (None, "1. One"),
        (None, "2. Two"),
    ]


def test_an_empty_callout_is_dropped_with_a_warning(tmp_path: Path) -> None:
    document, warnings = read(tmp_path, "Text.\n\n> [!NOTE]\n\n> [!TIP] Titled\n")
    assert "brief.md:3: a callout with no text is ignored" in messages(warnings)
    assert [type(b).__name__ for b in body(document)] == ["Paragraph", "Callout"]


def test_images_table_in_briefing_toml(tmp_path: Path) -> None:
    from briefing.config import load_project

    config = tmp_path / "briefing.toml"
    editions = '[[editions]]\nname = "e"\nsources = ["a.md"]\n'
    config.write_text('[images]\nallow_hosts = ["example.org", "http://intranet"]\n' + editions)
    assert load_project(config).images.allow_hosts == ("example.org", "http://intranet")
    config.write_text('[images]\nallow_hosts = ["a b"]\n' + editions)
    with pytest.raises(InputError, match="'a b' is not a host name") as error:
        load_project(config)
    assert error.value.diagnostic.line == 2
    config.write_text("[images]\nallow_host = []\n" + editions)
    with pytest.raises(InputError, match="allow_host"):
        load_project(config)


def test_takeaways_marked_in_markdown(tmp_path: Path) -> None:
    document, _ = read(
        tmp_path,
        "Lede.\n\n::: {.takeaways}\n- First point\n- Second point\n:::\n\n"
        "## Summary {.takeaways}\n\n- Third point\n\n## Contacts\n\n- Phone: 123\n",
    )
    assert [plain(t.content) for t in document.takeaways] == [
        "First point",
        "Second point",
        "Third point",
    ]
