"""The Markdown reader: the seed as Markdown reads to the same model; front matter; inlines."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from briefing.model import Emph, Link, ListBlock, Quote, Strong, Text
from briefing.readers import read_article
from briefing.report import collecting
from tests.conftest import FIXTURES, MARKDOWN, SEED


def read(path: Path, **kwargs: object):  # type: ignore[no-untyped-def]
    with collecting():
        return read_article(path, **kwargs)  # type: ignore[arg-type]


def test_seed_as_markdown_is_the_same_model() -> None:
    text = read(SEED)
    markdown = read(FIXTURES / "alaska-talks.md")
    assert markdown.sections == text.sections
    assert markdown.meta == text.meta  # the source path is provenance, not compared


def test_front_matter_and_structure() -> None:
    document = read(MARKDOWN)
    meta = document.meta
    assert meta.title == "Winter Gas Security in the Baltic Region"
    assert meta.date == dt.date(2025, 11, 3)
    assert meta.authors == ("Maria Kask", "Jonas Berg")
    assert meta.marking == "TLP:GREEN" and meta.keywords == ("energy", "gas", "Baltic")
    assert [(s.heading, s.level, s.number) for s in document.sections] == [
        (None, 1, None),
        ("Where the risk lies", 1, "1"),
        ("Supply by source", 2, "1.1"),
        ("What ministers can do", 1, "2"),
    ]
    assert [t.label for t in document.takeaways] == [
        "Storage drawdown",
        "Interconnector limits",
        "Price spikes",
    ]
    (table,) = document.tables
    assert table.caption_text == "Winter supply by source, in TWh"
    assert table.align == ("left", "right", "center")
    blocks = document.sections[3].blocks
    assert isinstance(blocks[0], ListBlock) and blocks[0].ordered
    assert isinstance(blocks[1], Quote)


def test_inline_markup_survives() -> None:
    lede = read(MARKDOWN).sections[0].blocks[0]
    kinds = {type(node) for node in lede.content}  # type: ignore[union-attr]
    assert {Text, Strong, Emph, Link} <= kinds
    (link,) = [n for n in lede.content if isinstance(n, Link)]  # type: ignore[union-attr]
    assert link.target == "https://example.org/gas"


def test_single_h1_is_the_title(tmp_path: Path) -> None:
    path = tmp_path / "note.md"
    path.write_text("# The Title\n\nLede.\n\n## First\n\nBody.\n")
    document = read(path)
    assert document.meta.title == "The Title"
    assert [s.heading for s in document.sections] == [None, "First"]
    assert document.sections[1].level == 1


def test_h1_stays_a_section_when_front_matter_has_a_title(tmp_path: Path) -> None:
    path = tmp_path / "note.md"
    path.write_text("---\ntitle: Given\n---\n# Intro\n\nText.\n")
    document = read(path)
    assert document.meta.title == "Given"
    assert [s.heading for s in document.sections] == ["Intro"]


def test_raw_html_is_text(tmp_path: Path) -> None:
    path = tmp_path / "note.md"
    path.write_text("<script>alert(1)</script>\n\nA [bad](javascript:alert(1)) link.\n")
    document = read(path, meta={"title": "T"})
    text = [b.content for b in document.blocks()]  # type: ignore[union-attr]
    assert text[0] == (Text("<script>alert(1)</script>"),)
    assert not any(isinstance(n, Link) for n in text[1])
