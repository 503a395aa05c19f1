"""Metadata rules (briefing.metadata): impossible dates, unprintable text and huge numbers
are input errors naming the line, in front matter and in values given outside an article."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from briefing.errors import InputError
from briefing.metadata import check_meta
from briefing.readers import read_article
from briefing.report import collecting


def read(tmp_path: Path, front: str, body: str = "Body text.\n") -> object:
    path = tmp_path / "a.md"
    path.write_text(f"---\ntitle: T\n{front}\n---\n\n{body}", encoding="utf-8")
    with collecting():
        return read_article(path)


def error_for(tmp_path: Path, front: str) -> InputError:
    with pytest.raises(InputError) as caught:
        read(tmp_path, front)
    return caught.value


@pytest.mark.parametrize(
    ("front", "words"),
    [
        ("date: 2025-02-30", "2025-02-30 is not a day of the calendar"),
        ("date: 2025-13-45", "2025-13-45 is not a day of the calendar"),
        ("date: 0000-00-00", "0000-00-00 is not a day of the calendar"),
        ("date: 0999-01-01", "before the year 1000"),
        ("date: 999-01-01", "before the year 1000"),
        ("date: next Tuesday", "must be a day: YYYY-MM-DD"),
        ("date: 03/04/2025", "must be a day: YYYY-MM-DD"),  # March or April?
        ("date: today", "would change the file every day"),
        ('subtitle: "\\ud800"', "lone surrogate"),
        ('subtitle: "a\\uFFFEb"', "U+FFFE"),
        ('subtitle: "a\\x07b"', "U+0007"),
        ("subtitle: " + "1" * 5000, "too many digits"),
        ("subtitle: !!int " + "9" * 4400, "too many digits"),
    ],
)
def test_bad_front_matter_values_are_input_errors_at_their_line(
    tmp_path: Path, front: str, words: str
) -> None:
    error = error_for(tmp_path, front)
    assert words in error.diagnostic.message
    assert error.diagnostic.line == 3
    assert error.exit_code == 3


def test_deeply_nested_front_matter_is_an_input_error(tmp_path: Path) -> None:
    error = error_for(tmp_path, "subtitle: " + "[" * 3000)
    assert "nested too deeply" in error.diagnostic.message
    assert error.diagnostic.line == 2  # the front matter's first line: no mark to give


def test_dates_arrive_as_text_so_other_keys_keep_them(tmp_path: Path) -> None:
    document = read(
        tmp_path, "edition: 0000-00-00\ndate: 2025-08-20T10:30:00\nsubtitle: 2025-02-30"
    )
    meta = document.meta  # type: ignore[attr-defined]
    assert meta.edition == "0000-00-00"
    assert meta.subtitle == "2025-02-30"
    assert meta.date == dt.date(2025, 8, 20)


def test_unicode_line_ends_in_metadata_collapse_to_spaces(tmp_path: Path) -> None:
    document = read(tmp_path, 'subtitle: "one\\u2028two\\u2029three\\x85four"')
    assert document.meta.subtitle == "one two three four"  # type: ignore[attr-defined]


def test_check_meta_returns_fields_that_read_article_accepts(tmp_path: Path) -> None:
    checked = check_meta(
        {"date": "2025-08-20", "author": "A; B", "lang": "en-GB", "classification": "TLP:AMBER"}
    )
    assert checked == {
        "date": dt.date(2025, 8, 20),
        "authors": ("A", "B"),
        "language": "en-GB",
        "marking": "TLP:AMBER",
    }
    assert check_meta(checked) == checked  # idempotent
    path = tmp_path / "a.txt"
    path.write_text("Lede text.\n")
    with collecting():
        document = read_article(path, meta={"title": "T", **checked})
    assert document.meta.authors == ("A", "B")
    assert document.meta.date == dt.date(2025, 8, 20)


def test_check_meta_from_the_command_line_has_no_location() -> None:
    with pytest.raises(InputError) as caught:
        check_meta({"date": "x"})
    assert caught.value.diagnostic.path is None
    assert caught.value.diagnostic.message.startswith("metadata 'date' must be a day")
    with pytest.raises(InputError, match=r"unknown metadata key 'autor'.*did you mean 'author'"):
        check_meta({"autor": "A"})


def test_check_meta_blames_the_config_line(tmp_path: Path) -> None:
    config = tmp_path / "briefing.toml"
    with pytest.raises(InputError) as caught:
        check_meta({"title": "T", "date": "2025-02-30"}, path=config, lines={"date": 7})
    assert str(caught.value).startswith(f"{config}:7: metadata 'date' 2025-02-30 is not a day")
    assert check_meta({"date": dt.date(2025, 1, 2), "marking": None}) == {
        "date": dt.date(2025, 1, 2)
    }
    with pytest.raises(InputError, match="before the year 1000"):
        check_meta({"date": dt.date(999, 1, 1)}, path=config, lines={"date": 2})


def test_quarto_authors_and_dates_in_words_are_read(tmp_path: Path) -> None:
    front = (
        'date: "March 4, 2025"\nauthor:\n  - name: Ann Lee\n    affiliation: Institute X\n'
        "  - name:\n      given: Bo\n      family: Chen\n  - name:\n      literal: UN Desk"
    )
    document = read(tmp_path, front)
    assert document.meta.authors == ("Ann Lee", "Bo Chen", "UN Desk")  # type: ignore[attr-defined]
    assert document.meta.date == dt.date(2025, 3, 4)  # type: ignore[attr-defined]
    one = read(tmp_path, "date: 4 March 2025\nauthor:\n  name: Ann Lee")
    assert one.meta.authors == ("Ann Lee",)  # type: ignore[attr-defined]
    assert one.meta.date == dt.date(2025, 3, 4)  # type: ignore[attr-defined]
