"""Markdown of other tools: HTML comments are dropped (never published), and syntax this
reader does not read is said once per kind with its first line, never printed silently."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from briefing.errors import Diagnostic
from briefing.model import (
    Block,
    Document,
    Inline,
    LineBreak,
    ListBlock,
    Note,
    Paragraph,
    nested_blocks,
    plain,
    walk_inlines,
)
from briefing.readers import read_article
from briefing.report import collecting

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def read(tmp_path: Path, text: str) -> tuple[Document, list[Diagnostic]]:
    path = tmp_path / "brief.md"
    path.write_text(textwrap.dedent(text).lstrip("\n"), "utf-8")
    with collecting() as warnings:
        document = read_article(path, meta={"title": "T"})
    return document, warnings


def words(document: Document) -> str:
    parts = []
    for section in document.sections:
        parts.append(section.heading or "")
        for block in section.blocks:
            parts.append(plain(getattr(block, "content", ())))
            if isinstance(block, ListBlock):
                parts += [plain(item.content) for item in block.items]
    return " ".join(parts)


def test_html_comments_are_dropped_wherever_they_are(tmp_path: Path) -> None:
    document, warnings = read(
        tmp_path,
        """
        ## Context

        Public text.

        <!-- internal: minister not yet briefed -->

        Costs rise <!-- check with treasury --> every year.

        | Item | Cost <!-- estimate --> |
        |---|---|
        | Fuel | 10 |

        Before
        <!-- a note
        over three
        lines -->
        after.
        """,
    )
    text = words(document)
    assert "minister" not in text and "treasury" not in text and "three" not in text
    assert "<!--" not in text and "-->" not in text
    assert "Costs rise every year." in text and "Public text." in text
    table = next(b for s in document.sections for b in s.blocks if b.type == "table")
    assert plain(table.header[1]) == "Cost"
    assert not warnings


def test_comments_in_code_are_code(tmp_path: Path) -> None:
    document, warnings = read(
        tmp_path,
        """
        ## Code

        Write `<!-- x -->` to hide a line.

        ```html
        <!-- kept -->
        ```
        """,
    )
    blocks = document.sections[0].blocks
    assert "<!-- x -->" in plain(blocks[0].content)
    assert blocks[1].text == "<!-- kept -->"
    assert not warnings


def test_a_comment_never_closed_is_shown_and_said(tmp_path: Path) -> None:
    document, warnings = read(tmp_path, "## S\n\nText.\n\n<!-- open\n\nMore text.\n")
    assert "More text." in words(document)
    assert [(w.line, w.message[:33]) for w in warnings] == [
        (5, "an HTML comment is never closed: ")
    ]


@pytest.mark.parametrize(
    ("source", "line", "start"),
    [
        ("+---+---+\n| a | b |\n+===+===+\n| 1 | 2 |\n+---+---+", 3, "a Pandoc grid table"),
        ("  A     B\n-----  -----\n  1     2", 4, "a Pandoc simple or multiline"),
        ("$$\nx^2\n$$", 3, "display maths"),
        ("Energy is $E = mc^2$ here.", 3, "inline maths"),
        ("As shown [@smith2020, p. 4].", 3, "citations"),
        ("A claim.^[An inline note.]", 3, "inline footnotes"),
        ("The ~~old~~ new plan.", 3, "strikethrough"),
        ("H~2~O and 10^6^ tonnes.", 3, "subscript"),
        ("- [ ] to do\n- [x] done", 3, "task list boxes"),
        ("| 12 Main St\n| Ottawa ON", 3, "line blocks"),
        ("{{< pagebreak >}}", 3, "Quarto and Hugo shortcodes"),
        ("*[EU]: European Union", 3, "abbreviation definitions"),
        ('!!! note "Heads up"\n    Text.', 3, "MkDocs admonitions"),
        ("i. first\nii. second", 3, "roman-numbered"),
        ("Line one<br>line two, 10<sup>6</sup>.", 3, "raw HTML"),
    ],
)
def test_syntax_of_other_tools_is_said_with_its_line(
    tmp_path: Path, source: str, line: int, start: str
) -> None:
    _document, warnings = read(tmp_path, "## S\n\n" + source + "\n")
    assert [(w.line, w.message[: len(start)]) for w in warnings] == [(line, start)], warnings


def test_each_kind_is_said_once_with_a_count(tmp_path: Path) -> None:
    _document, warnings = read(tmp_path, "## S\n\nH~2~O.\n\nCO~2~ and CH~4~.\n")
    assert [(w.line, w.message.endswith("(2 places, the first here)")) for w in warnings] == [
        (3, True)
    ]


def test_prices_approximations_addresses_and_references_are_not_syntax(tmp_path: Path) -> None:
    _document, warnings = read(
        tmp_path,
        """
        ## S {#sec-s}

        It costs $5bn to $10bn, or ~5% to ~10% of the budget; write to a@b.org.

        See @sec-s and [@sec-s], and `$x$` in code.

        I. M. Pei designed it.
        c. 1990 the price of Brent was low.
        """,
    )
    assert not warnings, warnings


@pytest.mark.parametrize(
    "name", ["real-brief.md", "energy-note.md", "glossary-brief.md", "alaska-talks.md"]
)
def test_the_fixture_briefs_hold_no_leftovers(name: str) -> None:
    with collecting() as warnings:
        read_article(FIXTURES / name)
    assert not [w for w in warnings if "printed as" in w.message or "run together" in w.message]


def test_a_list_in_a_footnote_keeps_a_line_per_item(tmp_path: Path) -> None:
    document, warnings = read(
        tmp_path,
        """
        ## S

        Claim.[^1]

        [^1]: Sources:

            - Report A
            - Report *B*
                1. part one
        """,
    )
    (paragraph,) = document.sections[0].blocks
    (note,) = [n for n in walk_inlines(paragraph.content) if isinstance(n, Note)]
    lines: list[list[Inline]] = [[]]
    for node in note.content:
        if isinstance(node, LineBreak):
            lines.append([])
        else:
            lines[-1].append(node)
    assert [plain(line).replace("\u2003", " ") for line in lines] == [
        "Sources:",
        "• Report A",
        "• Report B",
        " 1. part one",
    ]
    assert not warnings


def test_pandocs_colon_caption_captions_the_table(tmp_path: Path) -> None:
    document, warnings = read(
        tmp_path,
        "## S\n\n| A | B |\n|---|---|\n| 1 | 2 |\n\n: Costs by year {#tbl-a}\n\nSee @tbl-a.\n",
    )
    blocks = document.sections[0].blocks
    assert plain(blocks[0].caption) == "Costs by year" and blocks[0].id == "tbl-a"
    assert isinstance(blocks[1], Paragraph) and "Table 1" in plain(blocks[1].content)
    assert not warnings


def test_emphasis_in_a_markdown_title_is_not_printed_as_asterisks(tmp_path: Path) -> None:
    path = tmp_path / "brief.md"
    path.write_text(
        '---\ntitle: "The *Alaska* Talks"\nsubtitle: "**What** changed in `2025`"\n---\n\n'
        "## S\n\nText with snake_case_names and 2*3*4.\n",
        "utf-8",
    )
    with collecting():
        document = read_article(path)
    assert document.meta.title == "The Alaska Talks"
    assert document.meta.subtitle == "What changed in 2025"


def test_code_in_lists_and_quotes_keeps_its_comments_and_raises_nothing(tmp_path: Path) -> None:
    document, warnings = read(
        tmp_path,
        """
        ## S

        Text.

            <!-- indented code --> H~2~O <b>x</b>

        - item

          ```html
          <!-- in a list -->
          ```

        > ```
        > <!-- in a quote -->
        > ```
        """,
    )
    code = [b.text for b in walk_blocks(document) if b.type == "code"]
    assert [c.count("<!--") for c in code] == [1, 1, 1]
    assert not warnings


def test_an_unclosed_comment_keeps_the_closed_ones_out(tmp_path: Path) -> None:
    document, warnings = read(
        tmp_path, "## S\n\n<!-- minister not briefed -->\n\nText <!--> kept.\n\n<!-- TODO\n"
    )
    text = words(document)
    assert "minister" not in text and "Text kept." in text and "<!-- TODO" in text
    assert [w.line for w in warnings] == [7]


def test_links_addresses_and_paths_are_not_other_syntax(tmp_path: Path) -> None:
    _document, warnings = read(
        tmp_path,
        """
        ## S

        Write to <a.smith@example.org>; see [@IMFNews](https://x.com/IMFNews) and
        https://example.org/~smith/papers/~draft.pdf; if a<b and c>d then
        (v) of the Act applies.
        """,
    )
    assert not warnings, warnings


def walk_blocks(document: Document) -> list[Block]:
    return [b for section in document.sections for b in nested_blocks(tuple(section.blocks))]


@pytest.mark.parametrize(
    ("layout", "captions"),
    [
        # a numbered caption between two tables goes with the table it numbers
        ("{t}\n\nTable 2: Costs\n\n{t}\n\nText.\n", ["A and b", "Costs"]),
        # captions above their tables
        ("Table: One\n\n{t}\n\nTable: Two\n\n{t}\n\nText.\n", ["One", "Two"]),
        # captions below their tables
        ("{t}\n\nTable: One\n\n{t}\n\nTable: Two\n\nText.\n", ["One", "Two"]),
        # one caption between two tables, none under the second: it is the second's
        ("{t}\n\nTable: Two\n\n{t}\n\nText.\n", ["A and b", "Two"]),
    ],
)
def test_a_caption_between_two_tables_goes_with_the_right_one(
    tmp_path: Path, layout: str, captions: list[str]
) -> None:
    table = "| A | B |\n|---|---|\n| 1 | 2 |"
    document, _warnings = read(tmp_path, "## S\n\n" + layout.format(t=table))
    tables = [b for b in document.sections[0].blocks if b.type == "table"]
    assert [plain(t.caption) for t in tables] == captions


def test_a_comment_line_inside_a_table_is_said(tmp_path: Path) -> None:
    table = "| A | B |\n|---|---|\n| 1 | 2 |\n<!-- | 3 | 4 | -->\n| 5 | 6 |\n"
    _document, warnings = read(tmp_path, "## S\n\n" + table)
    assert [(w.line, w.message[:40]) for w in warnings] == [
        (6, "an HTML comment on a line of its own end")
    ]


def test_escapes_in_a_markdown_title_are_their_characters(tmp_path: Path) -> None:
    path = tmp_path / "brief.md"
    path.write_text('---\ntitle: "A \\\\*literal\\\\* star"\n---\n\n## S\n\nText.\n', "utf-8")
    with collecting():
        document = read_article(path)
    assert document.meta.title == "A *literal* star"


def test_explain_says_a_comment_is_dropped(tmp_path: Path) -> None:
    from briefing.readers import explain_article

    path = tmp_path / "brief.md"
    path.write_text("## S\n\nText.\n\n<!-- a note\nover two lines -->\n\nMore.\n", "utf-8")
    roles = {r.line: (r.role, r.reason) for r in explain_article(path)}
    assert roles[5] == roles[6] == ("ignored", "an HTML comment: dropped, never printed")


def test_a_horizontal_rule_is_said_once(tmp_path: Path) -> None:
    _document, warnings = read(tmp_path, "## S\n\nText.\n\n---\n\nMore.\n\n* * *\n\nEnd.\n")
    assert [(w.line, w.message[:31]) for w in warnings] == [(5, "a horizontal rule (---, ***) is")]
