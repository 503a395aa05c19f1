"""The plain-text reader on the seed article, exactly as shipped, and its line rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from briefing.errors import InputError
from briefing.model import Paragraph, Table, Takeaways
from briefing.readers import explain_article, read_article
from briefing.report import collecting
from briefing.serialize import document_to_dict
from tests.conftest import FIXTURES, SEED

HEADINGS = [
    "Outcomes of the Alaska Summit Analyzed",
    "Key Agreements and their Implications for U.S.-Russia Relations",
    "Expert Recommendations for Future Diplomatic Engagements",
    "Insights and Conclusions",
]


def read(path: Path = SEED, **kwargs: object):  # type: ignore[no-untyped-def]
    with collecting() as warnings:
        document = read_article(path, **kwargs)  # type: ignore[arg-type]
    return document, warnings


def test_seed_matches_golden_model() -> None:
    document, _ = read()
    data = document_to_dict(document)
    data["meta"]["source"] = None
    golden = json.loads((FIXTURES / "alaska-talks.model.json").read_text("utf-8"))
    assert data == golden


def test_seed_structure() -> None:
    document, _ = read()
    lede, *sections = document.sections
    assert lede.heading is None and lede.id == "lede"
    assert [s.heading for s in sections] == HEADINGS
    assert [s.number for s in sections] == ["1", "2", "3", "4"]
    lists = [b for b in document.blocks() if isinstance(b, Takeaways)]
    assert [len(b.items) for b in lists] == [3, 3, 3]
    assert document.takeaways[0].label == "Commitment to Dialogue"
    assert len({t.label for t in document.takeaways}) == 9
    tables = document.tables
    assert [(len(t.header), len(t.rows), t.number) for t in tables] == [
        (2, 3, 1),
        (2, 3, 2),
        (2, 3, 3),
    ]
    assert [t.caption_text for t in tables] == [
        "Outcome and impact",  # follows a takeaway list: derived from the header row
        "Key implications",  # "... Key implications include:"
        "A potential roadmap for this engagement",  # "... could be summarized as follows:"
    ]


def test_missing_title_is_derived_with_a_warning() -> None:
    document, warnings = read()
    assert document.meta.title == "Alaska Talks"
    assert len(warnings) == 1
    assert "no title given" in warnings[0].message and "--title" in (warnings[0].hint or "")
    titled, warnings = read(meta={"title": "The Alaska Talks"})
    assert titled.meta.title == "The Alaska Talks" and warnings == []


def test_explain_gives_every_line_a_role() -> None:
    roles = explain_article(SEED)
    by_line = {role.line: role for role in roles}
    assert by_line[1].role == "lede"
    assert by_line[2].role == "heading" and "no closing punctuation" in by_line[2].reason
    assert by_line[5].role == "takeaway"
    assert by_line[8].role == "table header"
    assert by_line[9].role == "table separator"
    assert {r.role for r in roles if r.line > 40} == {"ignored"}  # trailing blank lines
    assert sorted(by_line) == list(range(1, len(roles) + 1))


@pytest.mark.parametrize(
    ("line", "role"),
    [
        ("A short heading\nBody text follows.\n", "heading"),
        ("A sentence that ends with a full stop.\nMore.\n", "paragraph"),
        ("Looks like a heading\n", "paragraph"),  # nothing follows it
        ("Question without mark?\nBody.\n", "paragraph"),
    ],
)
def test_heading_rule(tmp_path: Path, line: str, role: str) -> None:
    path = tmp_path / "a.txt"
    path.write_text("Lede text here.\nFirst section\nBody.\n" + line)
    assert explain_article(path)[3].role == role


def test_lists_and_quotes(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(
        "Lede.\nSection\n- one item without a label\n- Label: text\n1. first\n2. second\n> quoted\n"
    )
    document, _ = read(path)
    types = [b.type for b in document.sections[1].blocks]
    assert types == ["list", "list", "quote"]
    assert document.sections[1].blocks[1].ordered  # type: ignore[union-attr]


def test_crlf_and_bom_just_work(tmp_path: Path) -> None:
    path = tmp_path / "alaska-talks.txt"
    path.write_bytes(b"\xef\xbb\xbf" + SEED.read_bytes().replace(b"\n", b"\r\n"))
    assert read(path)[0] == read()[0]


def test_explicit_table_caption(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(
        "Lede.\nData\nTable: Budget by year\n| Year | EUR |\n|---|--:|\n| 2025 | 10 |\n"
    )
    document, _ = read(path)
    (table,) = document.tables
    assert table.caption_text == "Budget by year" and table.align == (None, "right")
    assert not any(isinstance(b, Paragraph) for b in document.sections[1].blocks)


def test_ragged_table_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("Lede.\nData\n| A | B |\n|---|---|\n| 1 | 2 |\n| 3 | 4 | 5 |\n")
    with pytest.raises(InputError) as caught:
        read(path)
    assert caught.value.diagnostic.line == 6
    assert "3 cells but the header (line 3) has 2" in str(caught.value)
    assert isinstance(caught.value, InputError)


def test_table_block_type() -> None:
    document, _ = read()
    assert all(isinstance(t, Table) for t in document.tables)
