"""Slugs: unique against every id already used and the tool's own, ASCII from any script."""

from __future__ import annotations

from briefing.slug import RESERVED_IDS, slugify, unique_slugs


def test_unique_slugs_check_every_id_already_used() -> None:
    assert unique_slugs(["Results", "Results", "Results 2", "Results"]) == [
        "results",
        "results-2",
        "results-2-2",
        "results-3",
    ]


def test_unique_slugs_avoid_reserved_ids() -> None:
    assert {"title", "cover", "nav", "takeaways", "lede", "contents"} <= RESERVED_IDS
    assert unique_slugs(["Title", "Cover", "Cover"], reserved=RESERVED_IDS) == [
        "title-2",
        "cover-2",
        "cover-3",
    ]


def test_many_equal_names_stay_fast() -> None:
    slugs = unique_slugs(["Section"] * 20_000)
    assert len(set(slugs)) == 20_000 and slugs[-1] == "section-20000"


def test_ascii_slugs_are_stable() -> None:
    assert slugify("Key agreements and their implications for U.S.") == (
        "key-agreements-and-their-implications-for-u-s"
    )
    assert slugify("Outcomes of the Alaska Summit Analyzed") == (
        "outcomes-of-the-alaska-summit-analyzed"
    )
    assert slugify("!!!", fallback="x") == "x"


def test_names_in_any_script_are_transliterated() -> None:
    assert slugify("李伟") == "li-wei"
    assert slugify("王芳") == "wang-fang"
    assert slugify("Анна Петрова") == "anna-petrova"
    assert slugify("Straße Café") == "strasse-cafe"
    assert slugify("محمد") == "mhmd"
    assert len({slugify(name) for name in ("李伟", "王芳", "Анна Петрова")}) == 3
    assert slugify("…", fallback="untitled") == "untitled"  # nothing left: the fallback
