"""Reader bugs a red-team pass found (issue 11 follow-up), one regression test each."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import pytest
from PIL import Image as PILImage

from briefing.errors import Diagnostic, InputError
from briefing.model import CrossRef, Document, plain
from briefing.readers import explain_article, read_article
from briefing.readers.images import normalise_raster
from briefing.readers.text import WRAP_MAX
from briefing.report import collecting


def read(tmp_path: Path, text: str, name: str = "brief.md") -> tuple[Document, list[Diagnostic]]:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), "utf-8")
    meta = {"title": "T"} if name.endswith(".md") else None
    with collecting() as warnings:
        document = read_article(path, meta=meta)
    return document, warnings


def messages(warnings: list[Diagnostic]) -> str:
    return "\n".join(str(w) for w in warnings)


def encoded(picture: PILImage.Image, kind: str) -> bytes:
    out = io.BytesIO()
    picture.save(out, format=kind)
    return out.getvalue()


def opened(data: bytes) -> PILImage.Image:
    picture = PILImage.open(io.BytesIO(data))
    picture.load()
    return picture


# -- 1. raster images are normalised ----------------------------------------------------


def test_cmyk_jpeg_becomes_rgb_jpeg(tmp_path: Path) -> None:
    cmyk = encoded(PILImage.new("CMYK", (8, 4), (0, 200, 200, 0)), "JPEG")
    (tmp_path / "photo.jpg").write_bytes(cmyk)
    document, warnings = read(tmp_path, "Text.\n\n![Photo](photo.jpg){fig-alt='Red'}\n")
    image = document.figures[0].image
    assert image.media_type == "image/jpeg" and image.name == "fig-1.jpg"
    assert image.data is not None and image.data != cmyk
    assert opened(image.data).mode == "RGB" and (image.width, image.height) == (8, 4)
    assert normalise_raster(cmyk, "image/jpeg") == normalise_raster(cmyk, "image/jpeg")
    assert not warnings


def test_sixteen_bit_png_becomes_eight_bit_grey_not_black(tmp_path: Path) -> None:
    grey = PILImage.new("I;16", (4, 4), 30000)
    data = encoded(grey, "PNG")
    assert data[24] == 16
    (tmp_path / "g.png").write_bytes(data)
    document, _ = read(tmp_path, "Text.\n\n![Grey](g.png)\n")
    image = document.figures[0].image
    assert image.media_type == "image/png" and image.data is not None
    assert image.data[24] == 8
    picture = opened(image.data)
    assert picture.mode == "L" and picture.getextrema() == (116, 116)
    assert b"tIME" not in image.data


def test_plain_images_are_kept_byte_for_byte(tmp_path: Path) -> None:
    for mode in ("RGB", "RGBA", "L", "P"):
        data = encoded(PILImage.new(mode, (3, 3)), "PNG")
        assert normalise_raster(data, "image/png") == (data, "image/png")


def test_undecodable_image_is_a_warning_and_caption_only(tmp_path: Path) -> None:
    good = encoded(PILImage.new("RGB", (30, 30), (1, 2, 3)), "PNG")
    (tmp_path / "broken.png").write_bytes(good[:60])
    document, warnings = read(tmp_path, "Text.\n\n![Broken](broken.png){fig-alt='A chart'}\n")
    figure = document.figures[0]
    assert figure.image.data is None and figure.alt == "A chart"
    assert "brief.md:3: the image 'broken.png' cannot be decoded" in messages(warnings)


# -- 2. SVG: embedded data: images, matplotlib's DOCTYPE ------------------------------

_MPL_DOCTYPE = (
    '<?xml version="1.0" encoding="utf-8" standalone="no"?>\n'
    '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"\n'
    '  "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
)


def svg(body: str, head: str = "") -> str:
    return (
        f'{head}<svg xmlns="http://www.w3.org/2000/svg" '
        f'xmlns:xlink="http://www.w3.org/1999/xlink" width="40" height="20">{body}</svg>'
    )


def test_svg_keeps_embedded_data_images_and_drops_other_images_whole(tmp_path: Path) -> None:
    import base64

    inner = base64.b64encode(encoded(PILImage.new("RGB", (2, 2)), "PNG")).decode()
    fake = base64.b64encode(b"not a png").decode()
    (tmp_path / "chart.svg").write_text(
        svg(
            f'<image width="4" height="4" xlink:href="data:image/png;base64,{inner}"/>'
            f'<image href="data:image/png;base64,{fake}"/>'
            '<image href="data:text/html;base64,PGI+"/>'
            '<image xlink:href="https://evil.example/track.png"/><image/>'
            '<rect width="1" height="1"/>'
        )
    )
    document, warnings = read(tmp_path, "Text.\n\n![Chart](chart.svg){fig-alt='Bars'}\n")
    data = document.figures[0].image.data
    assert data is not None
    text = data.decode()
    assert text.count("<image") == 1 and f"data:image/png;base64,{inner}" in text
    assert "evil" not in text and "text/html" not in text and "<rect" in text
    message = messages(warnings)
    assert "brief.md:3: removed 4 unsafe part(s) from the SVG image 'chart.svg'" in message
    assert "an <image> linking to 'https://evil.example/track.png'" in message
    assert "an <image> linking to nothing" in message


def test_svg_with_the_svg_dtd_is_read_but_no_subset_or_entity(tmp_path: Path) -> None:
    (tmp_path / "mpl.svg").write_text(svg("<rect width='1' height='1'/>", _MPL_DOCTYPE))
    document, warnings = read(tmp_path, "Text.\n\n![Chart](mpl.svg){fig-alt='Line'}\n")
    data = document.figures[0].image.data
    assert data is not None and b"<rect" in data and b"DOCTYPE" not in data and not warnings
    for head in (
        '<!DOCTYPE svg [<!ATTLIST svg x CDATA "1">]>',
        '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd" [ ]>',
        '<!-- <!ENTITY a "b"> -->',
    ):
        (tmp_path / "bad.svg").write_text(svg("", head))
        with pytest.raises(InputError, match="entities or a DOCTYPE with an internal subset"):
            read(tmp_path, "Text.\n\n![Chart](bad.svg){fig-alt='Line'}\n")


# -- 3. pipe tables inside quotes and callouts ------------------------------------------


def test_table_inside_a_quote_or_callout_is_not_ragged(tmp_path: Path) -> None:
    document, warnings = read(
        tmp_path,
        """
        Text.

        > | Year | Exports |
        > |------|--------:|
        > | 2023 | 1,200   |
        > | 2024 | 1,350   |

        > [!NOTE] Figures
        > | A | B |
        > |---|---|
        > | 1 | 2 |

        > > | A | B |
        > > |---|---|
        > > | 1 | 2 |

        - item

          | A | B |
          |---|---|
          | 1 | 2 |
        """,
    )
    assert len(document.tables) == 4 and not warnings
    rows = [[plain(cell) for cell in row] for row in document.tables[0].rows]
    assert rows == [["2023", "1,200"], ["2024", "1,350"]]
    with pytest.raises(InputError, match="this table row has 3 cells but the header"):
        read(tmp_path, "Text.\n\n> | A | B |\n> |---|---|\n> | 1 | 2 | 3 |\n")


# -- 4. file names with spaces ----------------------------------------------------------


def test_image_names_with_spaces(tmp_path: Path) -> None:
    (tmp_path / "charts").mkdir()
    data = encoded(PILImage.new("RGB", (2, 2)), "PNG")
    (tmp_path / "charts" / "Fig 2 - exports.png").write_bytes(data)
    document, warnings = read(
        tmp_path,
        """
        Text.

        ![Exports](charts/Fig%202%20-%20exports.png){fig-alt="Bars"}

        ![Exports again](<charts/Fig 2 - exports.png>){fig-alt="Bars"}
        """,
    )
    assert [f.image.data for f in document.figures] == [data, data] and not warnings
    document, warnings = read(
        tmp_path,
        """
        Spaces in names

        By Jo Bloggs

        Lede text for the spaces in file names brief, which is long.

        Charts

        Figure: Exports [see note] [charts/Fig 2 - exports.png] {alt="Bars"}

        More text.
        """,
        name="brief.txt",
    )
    (figure,) = document.figures
    assert figure.image.data == data and figure.alt == "Bars" and not warnings
    assert plain(figure.caption) == "Exports [see note]"


# -- 5. cross-references glued to words --------------------------------------------------


def test_cross_references_glued_to_words_and_in_brackets(tmp_path: Path) -> None:
    document, warnings = read(
        tmp_path,
        """
        详见@tbl-gas和@sec-risk。表@tbl-gasを参照. انظر جدول 1 و@sec-risk.
        Mail a@b.org, x.@sec-risk, 9@sec-risk; see @sec-risk: and [see @sec-risk] or [@tbl-gas].
        Keep [brackets] and [a @ b].

        ## Risk {#sec-risk}

        | A | B |
        |---|---|
        | 1 | 2 |

        Table: Gas {#tbl-gas}
        """,
    )
    (lede,) = document.sections[0].blocks
    refs = [n.target for n in lede.content if isinstance(n, CrossRef)]  # type: ignore[attr-defined]
    assert refs == ["tbl-gas", "sec-risk", "tbl-gas", "sec-risk", "sec-risk", "sec-risk", "tbl-gas"]
    text = plain(lede.content)  # type: ignore[attr-defined]
    assert "a@b.org" in text and "x.@sec-risk" in text and "9@sec-risk" in text
    assert "see Section 1: and see Section 1 or Table 1." in text
    assert "[brackets] and [a @ b]" in text and not warnings


# -- 6. numbered headings in plain text -------------------------------------------------

NUMBERED = """
    Ports and Power

    By Ravi Menon
    Date: 8 May 2025

    Chinese-built ports now ring the Indian Ocean. This paper asks whether
    they add up to a military network.

    1. Introduction

    Between 2013 and 2024 Chinese firms took stakes in 17 ports.

    1.1 Scope

    We consider commercial ports with Chinese equity above 20 percent.

    2. Findings

    Only Djibouti hosts a declared base.

    The steps are:

    1. Fund alternative ports

    Text after the one-item list.

    1. First item

    2. Second item

    More text.
    """


def test_numbered_lines_alone_are_headings_with_the_authors_numbers(tmp_path: Path) -> None:
    document, warnings = read(tmp_path, NUMBERED, name="brief.txt")
    headed = [(s.level, s.number, s.heading) for s in document.sections if s.heading]
    assert headed == [(1, "1", "Introduction"), (2, "1.1", "Scope"), (1, "2", "Findings")]
    lists = [b for s in document.sections for b in s.blocks if type(b).__name__ == "ListBlock"]
    assert [len(b.items) for b in lists] == [1, 2]  # type: ignore[attr-defined]
    assert not warnings
    path = tmp_path / "brief.txt"
    roles = {role.line: role for role in explain_article(path)}
    assert roles[9].role == "heading" and "author's number" in roles[9].reason


# -- 11. a heading with only sub-headings under it ---------------------------------------


def test_heading_with_only_sub_headings_is_not_empty(tmp_path: Path) -> None:
    _, warnings = read(tmp_path, "Text.\n\n## Options\n\n### First\n\nOne.\n\n## Empty\n")
    assert [w.line for w in warnings] == [9]
    assert "the heading 'Empty' has no text under it" in messages(warnings)
    text = "Title\n\nBy Jo Bloggs\n\nLede text.\n\n2. Findings\n\n2.1 Dual use\n\nBody.\n"
    document, warnings = read(tmp_path, text, name="brief.txt")
    assert [s.level for s in document.sections] == [1, 1, 2] and not warnings


# -- 7. hard-wrapped URLs and continued short lines ------------------------------------

WRAPPED_URL = """
    Wrap Hazards

    By Jo Bloggs

    This note tests lines that a hard-wrapping mail client produces.

    Background

    The full dataset is available at
    https://data.example.org/datasets/2025/05/regional-employment-statistics-full-extract-with-all-districts-v2.csv
    and is updated every month by the statistics office of the region.

    In total
    the region lost 14,000 jobs between January and March, most of them in
    car-parts suppliers around the regional capital and the river port.

    Outlook
    Employment is expected to recover slowly over the second half of the year.
    """


def test_wrapped_url_stays_in_its_paragraph_and_continued_lines_are_not_headings(
    tmp_path: Path,
) -> None:
    document, warnings = read(tmp_path, WRAPPED_URL, name="brief.txt")
    assert [s.heading for s in document.sections] == [None, "Background", "Outlook"]
    first, second = document.sections[1].blocks
    url_line = next(line for line in WRAPPED_URL.splitlines() if "https://" in line)
    assert len(url_line.strip()) > WRAP_MAX
    text = plain(first.content)  # type: ignore[attr-defined]
    assert text.startswith("The full dataset is available at https://")
    assert text.endswith("statistics office of the region.")
    links = [n for n in first.content if type(n).__name__ == "Link"]  # type: ignore[attr-defined]
    assert len(links) == 1 and links[0].target.endswith("-v2.csv")
    assert plain(second.content).startswith("In total the region lost")  # type: ignore[attr-defined]
    assert not warnings


# -- 8. several Source: lines, each with its URL ----------------------------------------


def test_each_source_keeps_its_own_url(tmp_path: Path) -> None:
    text = """
        Title Here

        By Jo Bloggs

        Lede text that is long enough to be a lede for the brief.

        Background

        Body text of the background section.

        Source: Agency report one
        https://a.example/one
        Source: Agency report two
        https://a.example/two
        Source: Agency report three
        https://a.example/three
        """
    for layout in (text, text.replace("\n\n", "\n")):
        document, warnings = read(tmp_path, layout, name="brief.txt")
        background, sources = document.sections[-2:]
        assert [plain(b.content) for b in background.blocks] == [  # type: ignore[attr-defined]
            "Body text of the background section."
        ]
        (listed,) = sources.blocks
        assert [plain(item.content) for item in listed.items] == [  # type: ignore[attr-defined]
            f"Agency report {n} https://a.example/{n}" for n in ("one", "two", "three")
        ]
        assert not warnings


# -- 9. keywords in other languages ------------------------------------------------------

LABELLED = {
    "ru": (
        "Автор: Анна Петрова",
        "Дата: 20 августа 2025",
        "Источник",
        "Таблица",
        "Основные выводы",
    ),
    "uk": (
        "Автор: Анна Петренко",
        "Дата: 20 серпня 2025",
        "Джерело",
        "Таблиця",
        "Основні висновки",
    ),
    "fr": ("Par Anne Martin", "Date : 20 août 2025", "Source", "Tableau", "Points clés"),
    "de": ("Von Anna Weber", "Datum: 20. August 2025", "Quelle", "Tabelle", "Kernaussagen"),
    "es": ("Por Ana García", "Fecha: 20 de agosto de 2025", "Fuente", "Tabla", "Puntos clave"),
}


@pytest.mark.parametrize("lang", sorted(LABELLED))
def test_labelled_lines_in_other_languages(tmp_path: Path, lang: str) -> None:
    byline, date, source, table, marker = LABELLED[lang]
    text = f"""
        Arctic Shipping After 2025

        {byline}
        {date}

        The Northern Sea Route remains a key project for the economy of the region.

        {marker}

        - Cargo: growth slowed because of sanctions.
        - Fleet: too few ice-class ships.

        Background

        {table} : Cargo by year

        | Year | Cargo |
        |---|---|
        | 2024 | 37.9 |

        {source} : Rosatom monthly bulletin
        """
    document, warnings = read(tmp_path, text, name="brief.txt")
    meta = document.meta
    assert meta.title == "Arctic Shipping After 2025" and len(meta.authors) == 1
    assert meta.date is not None and meta.date.isoformat() == "2025-08-20"
    assert [t.label for t in document.takeaways] == ["Cargo", "Fleet"]
    (captioned,) = document.tables
    assert plain(captioned.caption or ()) == "Cargo by year"
    assert [s.heading for s in document.sections][-1] != "Background"  # the Sources section
    assert "Rosatom monthly bulletin" in plain(document.sections[-1].blocks[0].items[0].content)  # type: ignore[attr-defined]
    assert not warnings


@pytest.mark.parametrize("marker", ["主要结论", "要点", "الاستنتاجات الرئيسية", "Key findings"])
def test_takeaway_markers_and_full_width_colons(tmp_path: Path, marker: str) -> None:
    items = "- **管道：** 预计于2027年建成。\n- 投资：增长12%。\n"
    text = f"---\ntitle: T\n---\n\n导言。\n\n## {marker}\n\n{items}"
    document, _ = read(tmp_path, text)
    assert [(t.label, plain(t.content)) for t in document.takeaways] == [
        ("管道", "预计于2027年建成。"),
        ("投资", "增长12%。"),
    ]


# -- 10. numbered table captions in any language ---------------------------------------

CAPTIONED = """
    Energy After Gas

    By Jonas Weber

    Germany stopped importing Russian gas in 2022. This paper weighs the costs.

    Supply

    | Terminal | Capacity |
    |---|--:|
    | Mukran | 13.5 |

    Table 2: LNG terminals in Germany

    Storage filled up faster than expected in the autumn of the year.

    Таблица 3. Запасы газа

    | Month | Level |
    |---|--:|
    | May | 40 |

    Storage levels stayed high through the winter and into the spring.
    """


def test_numbered_table_caption_is_the_tables_caption_not_a_heading(tmp_path: Path) -> None:
    document, warnings = read(tmp_path, CAPTIONED, name="brief.txt")
    assert [s.heading for s in document.sections] == [None, "Supply"]
    assert [plain(t.caption or ()) for t in document.tables] == [
        "LNG terminals in Germany",
        "Запасы газа",
    ]
    # the authors' numbers are not the printed ones: said, with the table's line
    assert [(w.line, w.message.split(" but ")[0]) for w in warnings] == [
        (9, "the caption says 'Table 2'"),
        (19, "the caption says 'Table 3'"),
    ]
    document, warnings = read(
        tmp_path,
        "Text.\n\n| A | B |\n|---|---|\n| 1 | 2 |\n\nTabelle 1: Importe nach Jahr\n\nMore text.\n",
    )
    assert [plain(t.caption or ()) for t in document.tables] == ["Importe nach Jahr"]
    assert not warnings


def test_undecodable_whatever_was_imported_before() -> None:
    from PIL import ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = True  # what importing WeasyPrint does
    try:
        good = encoded(PILImage.new("RGB", (30, 30), (1, 2, 3)), "PNG")
        assert normalise_raster(good[:60], "image/png") is None
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = False


def test_lettered_lists_keep_their_letters(tmp_path: Path) -> None:
    from briefing.model import ListBlock

    article = tmp_path / "al.txt"
    article.write_text(
        "Options for the ministry are listed below:\n\n"
        "c) Extend the charters of the floating units.\nd) Pay large consumers to wait.\n\n"
        "1. First numbered item here.\n2. Second numbered item here.\n\nThe end of it.\n"
    )
    with collecting():
        document = read_article(article)
    lists = [b for b in document.blocks() if isinstance(b, ListBlock)]
    assert [(b.style, b.start) for b in lists] == [("lower-alpha", 3), ("decimal", 1)]


def test_a_numbered_heading_keeps_its_text_on_the_next_line(tmp_path: Path) -> None:
    """Pasted text loses the blank line under '1. Background': it is still a heading."""
    text = (
        "Title Here\nBy Ann Lee\n\n1. Background\nGrid synchronisation was completed.\n\n"
        "2. Outlook\nMore text here.\n\nSteps:\n\n1. Sign the treaty\n2. Build the line\n\n"
        "Then:\n\n1. The first point is that the grid was synchronised\n"
        "with the EU in February.\n2. Second.\n"
    )
    document, _warnings = read(tmp_path, text, name="brief.txt")
    assert [(s.number, s.heading) for s in document.sections] == [
        ("1", "Background"),
        ("2", "Outlook"),
    ]
    blocks = document.sections[1].blocks
    assert [b.type for b in blocks] == ["paragraph", "paragraph", "list", "paragraph", "list"]
    assert [plain(i.content) for i in blocks[4].items] == [
        "The first point is that the grid was synchronised with the EU in February.",
        "Second.",
    ]


def test_text_pasted_from_word_keeps_its_tables_bullets_and_numerals() -> None:
    """Tab-separated rows are a table; Word's bullets (•, o, ▪) nest by glyph; (i), (ii)
    is a roman list whose (v) is a numeral, not a letter; 1. Background over its text is
    a heading."""
    from briefing.model import ListBlock, Table

    with collecting() as warnings:
        document = read_article(
            Path(__file__).resolve().parent.parent / "fixtures" / "word-paste.txt"
        )
    assert [(s.number, s.heading) for s in document.sections[1:]] == [
        ("1", "Background"),
        ("2", "Recommendations"),
        ("3", "Outlook"),
    ]
    (table,) = [b for b in document.sections[1].blocks if isinstance(b, Table)]
    assert [plain(c) for c in table.header] == ["Country", "Share 2014", "Share 2024"]
    assert [plain(row[0]) for row in table.rows] == ["Estonia", "Latvia", "Lithuania"]
    bullets, roman = [b for b in document.sections[2].blocks if isinstance(b, ListBlock)]
    assert [plain(i.content) for i in bullets.items] == [
        "Diversify liquefied natural gas supply.",
        "Invest in seasonal storage.",
        "Keep the reserve capacity market open.",
    ]
    (sub,) = bullets.items[1].blocks
    assert isinstance(sub, ListBlock) and plain(sub.items[0].content).startswith("Prioritise")
    (subsub,) = sub.items[0].blocks
    assert isinstance(subsub, ListBlock) and plain(subsub.items[0].content).startswith("Secure")
    assert roman.ordered and roman.style == "lower-roman" and len(roman.items) == 3
    assert not warnings


def test_a_roman_list_counts_past_v_and_a_letter_list_past_i(tmp_path: Path) -> None:
    items = "".join(f"({n}) item {n}\n" for n in ("i", "ii", "iii", "iv", "v", "vi"))
    letters = "".join(f"{c}) thing {c}\n" for c in "abcdefghij")
    text = f"Title\n\nBy A. Writer\n\nSteps:\n\n{items}\nAnd:\n\n{letters}\nEnd of the text here.\n"
    document, _warnings = read(tmp_path, text, name="steps.txt")
    lists = [b for s in document.sections for b in s.blocks if b.type == "list"]
    assert [(b.style, len(b.items)) for b in lists] == [("lower-roman", 6), ("lower-alpha", 10)]


def test_word_pastes_are_lists_and_tables_where_they_should_be(tmp_path: Path) -> None:
    from briefing.model import ListBlock, Table

    text = (
        "Title\n\nBy A. Writer\n\nThe table:\n\n\t2023\t2024\nGDP\t1.2\t1.4\nDebt\t80\t82\n"
        "\u2022\tFirst bullet after the table.\n\u2022\tSecond.\n\xa7\tThird level.\n\n"
        "Options:\n\na.\tKeep it.\nb.\tCut it.\n\nCriteria:\n\nI.\tCost.\nII.\tSpeed.\n\n"
        "Symbols:\n\n\uf0b7\tOne.\n\uf0b7\tTwo.\n\n"
        "Steps.\n1. Register online\nUse the portal for this.\n2. Pay the fee\nBy card.\n\n"
        "Then:\n\n1. Ask the Treasury and the\nBank of England to review it.\n2. Publish.\n\n"
        "End of the text here.\n"
    )
    document, _warnings = read(tmp_path, text, name="paste.txt")
    blocks = [b for s in document.sections for b in s.blocks]
    (table,) = [b for b in blocks if isinstance(b, Table)]
    assert [plain(c) for c in table.header] == ["", "2023", "2024"]
    assert [plain(row[0]) for row in table.rows] == ["GDP", "Debt"]
    lists = [b for b in blocks if isinstance(b, ListBlock)]
    assert [(b.style, len(b.items)) for b in lists] == [
        ("decimal", 2),  # the bullets (their style is not used)
        ("lower-alpha", 2),
        ("lower-roman", 2),
        ("decimal", 2),
        ("decimal", 2),
        ("decimal", 2),
    ]
    assert [b.ordered for b in lists] == [False, True, True, False, True, True]
    assert [s.heading for s in document.sections if s.heading] == []  # no item became one
    assert plain(lists[5].items[0].content) == (
        "Ask the Treasury and the Bank of England to review it."
    )


def test_a_flat_legal_list_nests_its_roman_points_under_their_letter(tmp_path: Path) -> None:
    text = (
        "T\n\nBy A. Writer\n\nThe Act says:\n\n(a) the first duty;\n(i) a sub-point;\n"
        "(ii) another;\n(b) the second duty;\n(c) the third.\n\nEnd of the text here.\n"
    )
    document, _warnings = read(tmp_path, text, name="legal.txt")
    (letters,) = [b for s in document.sections for b in s.blocks if b.type == "list"]
    assert letters.style == "lower-alpha" and len(letters.items) == 3
    (romans,) = letters.items[0].blocks
    assert romans.style == "lower-roman"  # type: ignore[union-attr]
    assert [plain(i.content) for i in romans.items] == ["a sub-point;", "another;"]  # type: ignore[union-attr]


@pytest.mark.parametrize("name", ["short.md", "short.txt"])
def test_a_short_table_row_is_filled_with_empty_cells_and_said(tmp_path: Path, name: str) -> None:
    table = "| A | B | C |\n|---|---|---|\n| 1 | 2 |\n| 4 | 5 | 6 |\n"
    text = f"Title\n\nBy A. Writer\n\nThe data:\n\n{table}\nEnd of the text here.\n"
    document, warnings = read(tmp_path, text, name=name)
    (table,) = [b for s in document.sections for b in s.blocks if b.type == "table"]
    assert [[plain(c) for c in row] for row in table.rows] == [["1", "2", ""], ["4", "5", "6"]]
    assert [(w.line, w.message.split(": ")[-1]) for w in warnings if "row" in w.message] == [
        (9, "its last cell is left empty")
    ]
