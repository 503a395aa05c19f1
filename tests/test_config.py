"""briefing.toml: loading, defaults, overrides, and errors that name file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefing.config import load_project
from briefing.errors import InputError
from tests.conftest import ROOT


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "briefing.toml"
    path.write_text(text)
    return path


def test_shipped_config() -> None:
    config = load_project(ROOT / "briefing.toml")
    assert [e.name for e in config.editions] == ["public", "internal", "public-ru"]
    public, internal, russian = config.editions
    assert russian.meta["language"] == "ru" and russian.sources == ("sources/ru/*",)
    assert public.meta["marking"] == "TLP:CLEAR" and public.compendium
    assert internal.meta["marking"] == "TLP:AMBER" and len(internal.recipients) == 3
    assert config.meta["organisation"] == "Institute for Strategic Policy"  # from [defaults]
    assert config.articles["alaska-talks"]["title"].startswith("The Alaska Talks")
    assert config.output == ROOT / "dist"


def test_options_merge_only_given_values() -> None:
    config = load_project(ROOT / "briefing.toml")
    edition = config.editions[0]
    changed = edition.options.merged({"paper": "letter", "formats": None})
    assert changed.paper == "letter" and changed.formats == ("pdf", "epub")


@pytest.mark.parametrize(
    ("text", "line", "words", "hint"),
    [
        (
            '[defaults]\npaper = "a4"\nthem = "brief"\n',
            3,
            "unknown key 'them'",
            "did you mean 'theme'?",
        ),
        (
            '[[editions]]\nname = "a"\nsources = ["s/*"]\nrecipents = ["x"]\n',
            4,
            "'recipents'",
            "did you mean 'recipients'?",
        ),
        (
            '[[editions]]\nname = "a"\nsources = "s/*"\nformats = ["pdf", "docx"]\n',
            4,
            "unknown format 'docx'",
            None,
        ),
        (
            '[[editions]]\nname = "a"\nsources = ["s/*"]\ncompendium = "yes"\n',
            4,
            "true or false",
            None,
        ),
        (
            '[[editions]]\nname = "a"\nsources = ["x"]\n[[editions]]\nname = "a"\n',
            5,
            "two editions",
            None,
        ),
        ('[[editions]]\nname = "a"\n', 1, "has no 'sources'", None),
        ("[defaults]\npaper = \n", 2, "invalid TOML", None),
        (
            '[defaults]\npaper = "a3"\n[[editions]]\nname="a"\nsources=["x"]\n',
            2,
            "unknown paper",
            None,
        ),
    ],
)
def test_errors_name_the_line(
    tmp_path: Path, text: str, line: int, words: str, hint: str | None
) -> None:
    with pytest.raises(InputError) as caught:
        load_project(write(tmp_path, text))
    diagnostic = caught.value.diagnostic
    assert words in diagnostic.message
    assert diagnostic.line == line
    if hint:
        assert diagnostic.hint == hint


def test_unknown_edition_suggests() -> None:
    config = load_project(ROOT / "briefing.toml")
    with pytest.raises(InputError, match="no edition 'interal'") as caught:
        config.edition("interal")
    assert caught.value.diagnostic.hint == "did you mean 'internal'?"


def test_a_project_without_editions_builds_named_articles_only(tmp_path: Path) -> None:
    from briefing import BuildOptions, build
    from briefing.errors import InputError

    (tmp_path / "briefing.toml").write_text('[defaults]\norganisation = "X"\n')
    (tmp_path / "a.txt").write_text("A lede line here.\n")
    result = build(
        tmp_path / "a.txt",
        project=tmp_path,
        out_dir=tmp_path / "out",
        options=BuildOptions(formats=("epub",)),
    )
    assert result.ok
    with pytest.raises(InputError, match="no editions to build"):
        build(project=tmp_path)
