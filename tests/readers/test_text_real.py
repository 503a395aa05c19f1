"""The plain-text reader on real files: hard-wrapped text, bylines, sources, nested
structure, code, figures; and the one takeaways rule both readers share."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from pathlib import Path

import pytest

from briefing.model import (
    CodeBlock,
    Document,
    Figure,
    LineBreak,
    Link,
    ListBlock,
    Paragraph,
    Quote,
    Takeaways,
    Text,
    plain,
)
from briefing.readers import explain_article, read_article
from briefing.readers.takeaways import is_marker_heading, split_label
from briefing.readers.text import parse_date_text
from briefing.report import collecting
from briefing.serialize import document_to_dict
from tests.conftest import FIXTURES, SEED

WRAPPED = FIXTURES / "alaska-talks-wrapped.txt"


def read(path: Path, **kwargs: object) -> Document:
    with collecting():
        return read_article(path, **kwargs)  # type: ignore[arg-type]


def write(tmp_path: Path, text: str, name: str = "a.txt") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def wrap_seed(text: str) -> str:
    """The seed hard-wrapped as people send it: 72 columns, blank lines between blocks."""
    out: list[str] = []
    previous = None
    for line in text.rstrip("\n").split("\n"):
        kind = "table" if line.startswith("|") else "item" if line.startswith("- ") else "text"
        if kind == "text" or kind != previous:
            out.append("")
        if kind == "table":
            out.append(line)
        else:
            out.extend(textwrap.wrap(line, 72, subsequent_indent="  " if kind == "item" else ""))
        previous = kind
    return "\n".join(out).lstrip("\n") + "\n"


def paragraphs(document: Document) -> list[str]:
    return [plain(b.content) for b in document.all_blocks() if isinstance(b, Paragraph)]


# -- the seed, as shipped and hard-wrapped ---------------------------------------------


def test_seed_still_matches_the_golden_model() -> None:
    data = document_to_dict(read(SEED))
    data["meta"]["source"] = None
    assert data == json.loads((FIXTURES / "alaska-talks.model.json").read_text("utf-8"))


def test_wrapped_fixture_is_the_seed_wrapped_at_72_columns() -> None:
    assert WRAPPED.read_text("utf-8") == wrap_seed(SEED.read_text("utf-8"))
    assert max(len(line) for line in WRAPPED.read_text("utf-8").splitlines()) <= 72 + 40


def test_hard_wrapped_seed_reads_to_the_same_headings_and_paragraphs() -> None:
    seed, wrapped = read(SEED), read(WRAPPED)
    assert [s.heading for s in wrapped.sections] == [s.heading for s in seed.sections]
    assert paragraphs(wrapped) == paragraphs(seed)
    assert wrapped.takeaways == seed.takeaways
    assert wrapped.sections == seed.sections  # lists and tables too


def test_hyphen_at_a_line_end_is_kept_as_written(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        A hard-wrapped paragraph describes a multi-
        faceted approach to the U.S.-
        Russia talks, with a dash - and
        more words to make the lines long enough.

        Body.
        """,
    )
    assert paragraphs(read(path)) == [
        "A hard-wrapped paragraph describes a multi-faceted approach to the U.S.-Russia "
        "talks, with a dash - and more words to make the lines long enough.",
        "Body.",
    ]


def test_long_lines_stay_paragraphs_and_short_blocks_keep_breaks(tmp_path: Path) -> None:
    long_line = "This paragraph is one long line as the seed writes them, " * 3
    path = write(
        tmp_path,
        f"""
        {long_line.strip()}
        {long_line.strip()}

        Jane Smith
        Polar Institute
        Tromsø
        """,
    )
    document = read(path)
    first, second, address = [b for b in document.blocks() if isinstance(b, Paragraph)]
    assert plain(first.content) == plain(second.content) == long_line.strip()
    assert address.content == (
        Text("Jane Smith"),
        LineBreak(),
        Text("Polar Institute"),
        LineBreak(),
        Text("Tromsø"),
    )


# -- headings ----------------------------------------------------------------------------


def test_question_standing_alone_is_a_heading(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        Opening paragraph of the note.

        What changed in 2025?

        Three things changed at once, and all of them matter here.
        """,
    )
    document = read(path)
    assert [s.heading for s in document.sections] == [None, "What changed in 2025?"]
    role = {r.line: r for r in explain_article(path)}[3]
    assert role.role == "heading" and "question" in role.reason


def test_question_inside_the_seed_layout_stays_a_paragraph(tmp_path: Path) -> None:
    path = write(tmp_path, "Lede.\nSection\nBody.\nWhat now?\nMore text.\n")
    assert [s.heading for s in read(path).sections] == [None, "Section"]


def test_short_line_opening_a_block_of_longer_lines_is_a_heading(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        Lede paragraph here.

        Background
        The pipeline project began in 2019 and has since been delayed twice
        by disputes over the route and its financing.
        """,
    )
    document = read(path)
    assert document.sections[1].heading == "Background"
    assert paragraphs(document)[1].startswith("The pipeline project began")


# -- byline and date ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("byline", "authors", "organisation"),
    [
        ("By Jane Smith", ("Jane Smith",), None),
        ("By Jane Smith and Li Wei", ("Jane Smith", "Li Wei"), None),
        ("By J. Smith, Institute", ("J. Smith",), "Institute"),
        ("BY Anna van der Berg & Tom Ode", ("Anna van der Berg", "Tom Ode"), None),
    ],
)
def test_byline_gives_the_authors(
    tmp_path: Path, byline: str, authors: tuple[str, ...], organisation: str | None
) -> None:
    path = write(tmp_path, f"{byline}\nDate: 20 August 2025\n\nThe lede paragraph.\n")
    document = read(path)
    assert document.meta.authors == authors
    assert document.meta.organisation == organisation
    assert document.meta.date == dt.date(2025, 8, 20)
    assert paragraphs(document) == ["The lede paragraph."]
    roles = {r.line: r.role for r in explain_article(path)}
    assert roles[1] == "byline" and roles[2] == "date"


@pytest.mark.parametrize(
    "line",
    [
        "By the way, this is a sentence and a paragraph.",
        "By 2030 the route will be open.",
        "By Monday the talks had stalled",
    ],
)
def test_by_in_a_sentence_is_not_a_byline(tmp_path: Path, line: str) -> None:
    path = write(tmp_path, f"{line}\n\nThe lede paragraph.\n")
    assert read(path).meta.authors == ()


def test_title_above_the_byline_and_front_matter_wins(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        Arctic Shipping After the Thaw

        By Jane Smith
        Date: 20 August 2025

        The lede paragraph.
        """,
    )
    document = read(path)
    assert document.meta.title == "Arctic Shipping After the Thaw"
    assert document.sections[0].heading is None and len(document.sections) == 1
    fronted = write(
        tmp_path,
        "---\ntitle: Given\nauthor: Front Author\n---\nBy Jane Smith\nDate: 2025-08-20\n\nLede.\n",
        "b.txt",
    )
    document = read(fronted)
    assert document.meta.authors == ("Front Author",)  # front matter wins
    assert document.meta.date == dt.date(2025, 8, 20)  # the body fills what it lacks
    assert read(fronted, meta={"date": "2024-01-02"}).meta.date == dt.date(2024, 1, 2)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2025-08-20", dt.date(2025, 8, 20)),
        ("20 August 2025", dt.date(2025, 8, 20)),
        ("20th Aug. 2025", dt.date(2025, 8, 20)),
        ("August 20, 2025", dt.date(2025, 8, 20)),
        ("Wednesday, 20 August 2025", dt.date(2025, 8, 20)),
        ("Sept 3 2024", dt.date(2024, 9, 3)),
        ("Wed, 20 Aug 2025 10:14:00 +0200", dt.date(2025, 8, 20)),
        ("20 August 2025 at 10.14", dt.date(2025, 8, 20)),
        ("2025-08-20T10:14:00Z", dt.date(2025, 8, 20)),
        ("August 2025", None),
        ("08/07/2025", None),
        ("31 February 2025", None),
        ("Smarch 3, 2025", None),
    ],
)
def test_date_forms(text: str, day: dt.date | None) -> None:
    assert parse_date_text(text) == day


def test_unreadable_date_line_warns_and_stays_text(tmp_path: Path) -> None:
    path = write(tmp_path, "Date: sometime soon\n\nThe lede paragraph.\n")
    with collecting() as warnings:
        document = read_article(path)
    assert document.meta.date is None
    assert paragraphs(document)[0] == "Date: sometime soon"
    assert any("cannot read the date" in w.message and w.line == 1 for w in warnings)


# -- sources and links ---------------------------------------------------------------------


def test_sources_become_a_numbered_list_at_the_end(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        The lede, see https://example.org/data. More text follows here.

        Findings

        Traffic rose by a third, as the bulletin
        https://example.org/wrapped-url
        shows.
        Source: Rosatom monthly bulletin, August 2025
        https://example.org/bulletin

        https://example.org/standalone

        Sources:
        - Reuters, 21 August 2025, https://example.org/reuters
        - Ministry statement
        """,
    )
    document = read(path)
    *_, last = document.sections
    assert last.heading == "Sources"
    (block,) = last.blocks
    assert isinstance(block, ListBlock) and block.ordered
    assert [plain(item.content) for item in block.items] == [
        "Rosatom monthly bulletin, August 2025 https://example.org/bulletin",
        "https://example.org/standalone",
        "Reuters, 21 August 2025, https://example.org/reuters",
        "Ministry statement",
    ]
    assert isinstance(block.items[0].content[-1], Link)
    lede, body = paragraphs(document)[:2]
    assert lede.startswith("The lede, see https://example.org/data.")
    assert body == "Traffic rose by a third, as the bulletin https://example.org/wrapped-url shows."
    links = [
        node
        for b in document.blocks()
        if isinstance(b, Paragraph)
        for node in b.content
        if isinstance(node, Link)
    ]
    assert [link.target for link in links] == [
        "https://example.org/data",  # the full stop is not part of the URL
        "https://example.org/wrapped-url",
    ]
    assert [s.heading for s in document.sections] == [None, "Findings", "Sources"]


def test_sources_heading_follows_the_language(tmp_path: Path) -> None:
    path = write(tmp_path, "---\nlang: fr\n---\nLede.\nSource: AFP\n")
    assert read(path).sections[-1].heading == "Sources"  # the message id when no catalogue


def test_references_word_without_a_list_stays_text(tmp_path: Path) -> None:
    path = write(tmp_path, "Lede.\nReferences\nSmith wrote about this in 2020.\n")
    assert [s.heading for s in read(path).sections] == [None, "References"]


# -- lists, quotes, code -------------------------------------------------------------------


def test_nested_lists_keep_start_numbers_and_continuations(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        Lede.

        3. Third point, written
           over two lines.
        4. Fourth point:
           a) first part
           b) second part
             - a detail
        5. Fifth point.
        \t- tab-indented bullet
        """,
    )
    (block,) = [b for b in read(path).blocks() if isinstance(b, ListBlock)]
    assert block.ordered and block.start == 3
    assert [plain(i.content) for i in block.items] == [
        "Third point, written over two lines.",
        "Fourth point:",
        "Fifth point.",
    ]
    (letters,) = block.items[1].blocks
    assert isinstance(letters, ListBlock) and letters.ordered and letters.start == 1
    assert [plain(i.content) for i in letters.items] == ["first part", "second part"]
    (detail,) = letters.items[1].blocks
    assert isinstance(detail, ListBlock) and not detail.ordered
    (tabbed,) = block.items[2].blocks
    assert isinstance(tabbed, ListBlock) and plain(tabbed.items[0].content) == (
        "tab-indented bullet"
    )


def test_quote_with_paragraphs_and_a_list(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        Lede.

        > The route is open, but it is not
        > yet reliable.
        >
        > Insurers will price that in:
        > - ice charts arrive late
        > - salvage is days away
        """,
    )
    (quote,) = [b for b in read(path).blocks() if isinstance(b, Quote)]
    first, second, items = quote.blocks
    assert isinstance(first, Paragraph) and isinstance(second, Paragraph)
    assert plain(first.content) == "The route is open, but it is not yet reliable."
    assert isinstance(items, ListBlock) and len(items.items) == 2


def test_fenced_and_indented_code_keep_line_breaks(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        Lede.

        ```python
        route = load("nsr.csv")
            print(route)
        ```

        Then:

            $ briefing build
            $ briefing check
        """,
    )
    fenced, indented = [b for b in read(path).blocks() if isinstance(b, CodeBlock)]
    assert fenced.text == 'route = load("nsr.csv")\n    print(route)'
    assert fenced.language == "python"
    assert indented.text == "$ briefing build\n$ briefing check"


def test_unclosed_fence_warns(tmp_path: Path) -> None:
    path = write(tmp_path, "Lede.\n\n```\ncode\n")
    with collecting() as warnings:
        document = read_article(path)
    assert any(isinstance(b, CodeBlock) for b in document.blocks())
    assert any("never closed" in w.message and w.line == 3 for w in warnings)


# -- figures and table captions -----------------------------------------------------------


def test_figure_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        Lede.

        Figure: Oil exports by month [charts/oil.png] {#fig-oil alt="Bar chart of exports"}
        Figure: [map.svg]
        """,
    )
    with collecting():
        first, second = [b for b in read_article(path).all_blocks() if isinstance(b, Figure)]
    assert first.image.source == "charts/oil.png" and first.image.data is None
    assert first.alt == "Bar chart of exports" and first.id == "fig-oil"
    assert plain(first.caption) == "Oil exports by month"
    assert second.image.source == "map.svg" and second.caption == () and second.alt == ""


def test_malformed_figure_line_warns_and_stays_text(tmp_path: Path) -> None:
    path = write(tmp_path, "Lede.\n\nFigure: no image here\n")
    with collecting() as warnings:
        document = read_article(path)
    assert paragraphs(document)[-1] == "Figure: no image here"
    assert any("not a figure" in w.message and w.line == 3 for w in warnings)


def test_table_caption_line_with_an_id(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        Lede.

        Table: Transits by year {#tbl-transits}
        | Year | Transits |
        |---|--:|
        | 2025 | 121 |
        """,
    )
    (table,) = read(path).tables
    assert table.caption_text == "Transits by year" and table.id == "tbl-transits"


# -- takeaways ------------------------------------------------------------------------------

CONTACTS = "- Phone: +47 555 0100\n- Email: desk@example.org\n- Hours: 9-17\n"
FINDINGS = "- Growth: Traffic rose by a third.\n- Risk: Insurance costs rose too.\n"


def test_contact_list_is_not_a_takeaway_list(tmp_path: Path) -> None:
    path = write(tmp_path, f"Lede.\n\nContacts\n\n{CONTACTS}\nFindings\n\n{FINDINGS}")
    document = read(path)
    assert [t.label for t in document.takeaways] == ["Growth", "Risk"]
    roles = {r.line: r for r in explain_article(path)}
    assert roles[5].role == "list item" and "contact or field list" in roles[5].reason
    assert roles[11].role == "takeaway"


def test_long_label_list_is_not_a_takeaway_list(tmp_path: Path) -> None:
    items = "".join(f"- Item {n}: text {n}.\n" for n in range(13))
    assert read(write(tmp_path, f"Lede.\n\nList\n\n{items}")).takeaways == ()


def test_marker_heading_wins(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Lede.\n\nKey Findings\n\n- Traffic rose by a third.\n- Ports are the bottleneck.\n\n"
        f"Details\n\n{FINDINGS}",
    )
    document = read(path)
    assert [(t.label, plain(t.content)) for t in document.takeaways] == [
        ("", "Traffic rose by a third."),
        ("", "Ports are the bottleneck."),
    ]
    details = document.sections[2].blocks[0]
    assert isinstance(details, ListBlock)  # a labelled list, but the marker is elsewhere
    assert is_marker_heading("2. Key takeaways:") and not is_marker_heading("Key ideas")


def test_front_matter_takeaways_win(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "---\ntitle: T\ntakeaways:\n"
        '  - "Growth: Traffic rose by a third."\n  - Ports are the bottleneck.\n---\n'
        f"Lede.\n\nFindings\n\n{FINDINGS}",
    )
    document = read(path)
    assert [(t.label, plain(t.content)) for t in document.takeaways] == [
        ("Growth", "Traffic rose by a third."),
        ("", "Ports are the bottleneck."),
    ]
    assert isinstance(document.sections[0].blocks[0], Takeaways)
    assert isinstance(document.sections[1].blocks[0], ListBlock)


def test_front_matter_takeaways_must_be_text(tmp_path: Path) -> None:
    from briefing.errors import InputError

    path = write(tmp_path, "---\ntitle: T\ntakeaways:\n  a: 1\n---\nLede.\n")
    with pytest.raises(InputError, match="takeaways") as caught, collecting():
        read_article(path)
    assert caught.value.diagnostic.line == 3


@pytest.mark.parametrize(
    ("text_body", "markdown_body"),
    [
        (
            f"Lede.\n\nContacts\n\n{CONTACTS}\nFindings\n\n{FINDINGS}",
            f"Lede.\n\n# Contacts\n\n{CONTACTS}\n# Findings\n\n{FINDINGS}",
        ),
        (
            "Lede.\n\nKey takeaways\n\n- One thing.\n- Another: thing.\n",
            "Lede.\n\n# Key takeaways\n\n- One thing.\n- Another: thing.\n",
        ),
    ],
)
def test_both_readers_agree_on_takeaways(
    tmp_path: Path, text_body: str, markdown_body: str
) -> None:
    text = read(write(tmp_path, "---\ntitle: T\n---\n" + text_body))
    markdown = read(write(tmp_path, "---\ntitle: T\n---\n" + markdown_body, "a.md"))
    assert text.takeaways == markdown.takeaways
    assert text.sections == markdown.sections


def test_split_label_reads_bold_labels() -> None:
    from briefing.model import Strong

    assert split_label((Strong((Text("Risk:"),)), Text(" high"))) == ("Risk", (Text("high"),))
    assert split_label((Strong((Text("Risk"),)), Text(": high"))) == ("Risk", (Text("high"),))
    assert split_label((Text("In short, yes: it is"),)) is None


# -- both outputs ---------------------------------------------------------------------------

ARCTIC = FIXTURES / "arctic-shipping.txt"


@pytest.mark.slow
def test_real_text_brief_builds_valid_pdf_and_epub(tmp_path: Path) -> None:
    import subprocess
    import zipfile

    from briefing import BuildOptions, build
    from tests.validators import epub_problems, epubcheck, pdf_failures

    result = build([ARCTIC], out_dir=tmp_path, options=BuildOptions(formats=("pdf", "epub")))
    assert result.ok, result.failures
    pdf = next(o.path for o in result.outputs if o.format == "pdf")
    epub = next(o.path for o in result.outputs if o.format == "epub")
    assert pdf_failures(pdf, "ua1") == []
    assert epub_problems(epubcheck(epub)) == []
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    with zipfile.ZipFile(epub) as archive:
        xhtml = "".join(
            archive.read(name).decode() for name in archive.namelist() if name.endswith("xhtml")
        )
    sources = [
        "Rosatom monthly bulletin, August 2025",
        "https://example.org/nsr-bulletin",
        "https://example.org/nsra-transits",
        "circular 2025/4",
    ]
    for needle in [*sources, "Jane Smith", "Port capacity is the bottleneck.", "Sabetta"]:
        assert needle in " ".join(text.split()), needle
        assert needle in xhtml, needle
    assert 'href="https://example.org/nsr-bulletin"' in xhtml
    assert "<ol" in xhtml and "<blockquote" in xhtml and "<pre" in xhtml
    assert "By Jane Smith" not in text and "Date: 20 August" not in text


@pytest.mark.parametrize(
    "body",
    [
        "".join("  " * depth + "- item\n" for depth in range(200)),
        ">" * 2000 + " deep\n",
        "".join("> " + "  " * depth + "- item\n" for depth in range(40)),
    ],
)
def test_deep_nesting_is_an_input_error_not_a_crash(tmp_path: Path, body: str) -> None:
    from briefing.errors import InputError

    path = write(tmp_path, "Lede.\n\n" + body)
    with pytest.raises(InputError, match="nested more than 32 deep"), collecting():
        read_article(path)


def test_separator_and_underline_lines_are_ignored(tmp_path: Path) -> None:
    path = write(tmp_path, "Lede.\n\nBackground\n==========\n\nText under it.\n\n* * *\n\nMore.\n")
    document = read(path)
    assert [s.heading for s in document.sections] == [None, "Background"]
    assert paragraphs(document) == ["Lede.", "Text under it.", "More."]


def test_series_line_title_and_a_date_alone(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        Policy Brief No. 14

        Rethinking Grid Resilience in Small Island States

        August 20, 2025

        Island grids fail often. This brief says why.

        Contact: Dr. Mele Tupou, +679 555 0199

        References
        IRENA (2023). Roadmap for islands. https://example.org/irena-2023
        """,
    )
    document = read(path)
    assert document.meta.title == "Rethinking Grid Resilience in Small Island States"
    assert document.meta.date == dt.date(2025, 8, 20)
    assert paragraphs(document)[:2] == [
        "Policy Brief No. 14",
        "Island grids fail often. This brief says why.",
    ]
    # A line followed only by sources is not a heading.
    assert [s.heading for s in document.sections] == [None, "Sources"]
    assert "Contact: Dr. Mele Tupou, +679 555 0199" in paragraphs(document)


def test_exported_email(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        From: Jane Smith <jane.smith@example.org>
        Sent: Wednesday, August 20, 2025 10:14 AM
        To: Briefing desk <desk@example.org>
        Subject: RE: Arctic shipping update

        Colleagues, the summer season closed with record traffic on the route.

        --
        Jane Smith
        Polar Institute
        """,
    )
    document = read(path)
    assert document.meta.title == "Arctic shipping update"
    assert document.meta.authors == ("Jane Smith",)
    assert document.meta.date == dt.date(2025, 8, 20)
    assert paragraphs(document) == [
        "Colleagues, the summer season closed with record traffic on the route.",
        "Jane Smith Polar Institute",
    ]
    assert "desk@example.org" not in json.dumps(document_to_dict(document))
