"""Metadata rules: which keys a briefing's metadata has, and what each value must be.

One set of rules for every place metadata comes from: an article's front matter, the
command line (``--title``, ``-M key=value``), ``briefing.toml`` and an edition. Readers call
:func:`build_meta`; the CLI and the config loader call :func:`check_meta` to validate
values given outside an article once, where they were given.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from briefing.errors import Diagnostic, InputError
from briefing.model import Meta
from briefing.report import warn

__all__ = [
    "META_KEYS",
    "build_meta",
    "check_meta",
    "coerce_value",
    "parse_date",
    "title_from_path",
]

#: Metadata keys and the :class:`Meta` field each sets (aliases as Pandoc/Quarto use).
#: Every field name is itself a key, so a checked mapping (see :func:`check_meta`) can be
#: given again wherever metadata is accepted.
META_KEYS: dict[str, str] = {
    "title": "title",
    "subtitle": "subtitle",
    "date": "date",
    "author": "authors",
    "authors": "authors",
    "organisation": "organisation",
    "organization": "organisation",
    "publisher": "organisation",
    "lang": "language",
    "language": "language",
    "edition": "edition",
    "marking": "marking",
    "classification": "marking",
    "status": "status",
    "audience": "audience",
    "summary": "summary",
    "abstract": "summary",
    "description": "summary",
    "keywords": "keywords",
    "tags": "keywords",
    "identifier": "identifier",
    "max_pages": "max_pages",
    "max-pages": "max_pages",
    "fit": "fit",
}
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_ISO_DAY = re.compile(r"^(?P<year>\d{1,4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})(?:[T ].*)?$")
#: Dates before this year are refused: an EPUB's ``dcterms:modified`` and a PDF's dates need
#: a four-digit year, and no briefing is dated earlier.
_FIRST_YEAR = 1000


def parse_date(value: Any) -> dt.date:
    """A metadata date from a date, a datetime or ``YYYY-MM-DD`` text (a time after it is
    ignored).

    :raises ValueError: saying what is wrong (an impossible day, a year before 1000, not a
        date), to follow the key's name in an error message.
    """
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, str):
        text = value.strip()
        match = _ISO_DAY.match(text)
        if not match:
            from briefing.readers.text import parse_date_text

            written = parse_date_text(text)  # "4 March 2025", "March 4, 2025", ...
            if written is not None:
                return written
            if text.lower() in ("today", "now", "last-modified"):
                raise ValueError(
                    f"'{text}' would change the file every day: write the date as YYYY-MM-DD"
                )
            raise ValueError(
                "must be a day: YYYY-MM-DD (2025-08-20) or written out (20 August 2025)"
            )
        year, month, number = (int(match.group(k)) for k in ("year", "month", "day"))
        try:
            day = dt.date(year, month, number)
        except ValueError:
            raise ValueError(
                f"{text[:10]} is not a day of the calendar (write it as YYYY-MM-DD)"
            ) from None
    else:
        raise ValueError("must be a day: YYYY-MM-DD (2025-08-20) or written out (20 August 2025)")
    if day.year < _FIRST_YEAR:
        raise ValueError(f"{day.isoformat()} is before the year {_FIRST_YEAR}")
    return day


def _author_name(item: Any) -> Any:
    """An author's name from Quarto's form, ``{name: ..., affiliations: ...}`` (the name
    itself text or ``{given: ..., family: ...}`` / ``{literal: ...}``); anything else as
    it is. Affiliations and other details are not printed."""
    if not isinstance(item, dict) or "name" not in item:
        return item
    name = item["name"]
    if isinstance(name, dict):
        if isinstance(name.get("literal"), str):
            return name["literal"]
        parts = [name.get(key) for key in ("given", "family")]
        return " ".join(part for part in parts if isinstance(part, str)) or name
    return name


def _clean(text: str) -> str:
    """Collapse white space (including U+2028, U+2029, U+0085) and refuse characters no
    output can hold: lone surrogates, controls and noncharacters."""
    for char in text:
        code = ord(char)
        if (
            0xD800 <= code <= 0xDFFF
            or (unicodedata.category(char) == "Cc" and not char.isspace())
            or 0xFDD0 <= code <= 0xFDEF
            or code & 0xFFFE == 0xFFFE
        ):
            raise ValueError(f"holds the character U+{code:04X}, which cannot be printed")
    return " ".join(text.split())


def coerce_value(name: str, value: Any) -> object:
    """Coerce one value to the type of the :class:`Meta` field ``name``.

    Idempotent: a coerced value coerces to itself.

    :raises ValueError: saying what is wanted, to follow the key's name in a message.
    """
    if name == "date":
        return parse_date(value)
    if name in ("authors", "keywords"):
        if name == "authors" and isinstance(value, dict):
            value = [value]  # Quarto: one author as {name: ..., affiliation: ...}
        if name == "authors" and isinstance(value, list | tuple):
            value = [_author_name(item) for item in value]
        if isinstance(value, str):
            items = value.split("," if name == "keywords" else ";")
        elif isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
            items = list(value)
        else:
            raise ValueError("must be text or a list of text")
        return tuple(cleaned for item in items if (cleaned := _clean(item)))
    if name == "max_pages":
        return _count(value)
    if name == "fit":
        return _flag(value)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("must be text")
    text = _clean(value if isinstance(value, str) else str(value))
    if name == "status":
        if text.lower() not in ("final", "draft"):
            raise ValueError("must be 'final' or 'draft'")
        return text.lower()
    if name == "language" and not _LANGUAGE.match(text):
        raise ValueError("must be a language tag such as 'en' or 'en-GB'")
    if not text:
        raise ValueError("must not be empty")
    return text


def _count(value: Any) -> int:
    """A page count: a whole number from 1 (``-M max_pages=2`` gives text)."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10000:
        raise ValueError("must be a whole number of pages, at least 1")
    return value


def _flag(value: Any) -> bool:
    """True or false (``-M fit=true`` gives text)."""
    text = value.strip().lower() if isinstance(value, str) else value
    if text in (True, "true", "yes", "on"):
        return True
    if text in (False, "false", "no", "off"):
        return False
    raise ValueError("must be true or false")


def title_from_path(path: Path) -> str:
    """A readable default title from a file name: ``alaska-talks.txt`` -> ``Alaska Talks``."""
    words = re.split(r"[\s_\-]+", path.stem.strip())
    return " ".join(word[:1].upper() + word[1:] for word in words if word) or "Untitled"


def _did_you_mean(key: str) -> str:
    close = difflib.get_close_matches(key.lower(), META_KEYS, n=1)
    return f"did you mean '{close[0]}'?" if close else "see the README for the keys"


def check_meta(
    mapping: Mapping[str, Any],
    *,
    path: Path | None = None,
    lines: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """Validate metadata given outside an article (``-M``, ``briefing.toml``, an edition).

    :param mapping: keys as in front matter (aliases allowed) -> values.
    :param path: the file the values come from (``briefing.toml``), or ``None`` for the
        command line.
    :param lines: the 1-based line of each key in ``path``.
    :returns: field name -> coerced value (``None`` values left out), which
        :func:`build_meta` and ``read_article(meta=...)`` accept as they are.
    :raises InputError: for an unknown key or a bad value, naming ``path:line`` when given.
        With ``path=None`` the error carries no location: the CLI shows its
        ``diagnostic.message`` (and ``hint``) as a usage error (exit 2).
    """
    lines = lines or {}
    checked: dict[str, Any] = {}
    for key, value in mapping.items():
        line = lines.get(key)
        name = META_KEYS.get(str(key).lower())
        if name is None:
            raise InputError(
                f"unknown metadata key '{key}'", path=path, line=line, hint=_did_you_mean(key)
            )
        if value is None:
            continue
        checked[name] = _checked(key, name, value, path, line)
    return checked


def _checked(key: str, name: str, value: Any, path: Path | None, line: int | None) -> object:
    """``value`` coerced to field ``name``'s type, or an InputError naming ``key``'s line."""
    try:
        return coerce_value(name, value)
    except ValueError as exc:
        raise InputError(
            f"metadata '{key}' {exc}", path=path, line=line, hint=f"fix the '{key}' value"
        ) from None


def build_meta(
    front: Mapping[str, Any],
    *,
    path: Path,
    key_lines: Mapping[str, int] | None = None,
    overrides: Mapping[str, Any] | None = None,
    body_title: str | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> Meta:
    """Merge defaults (a project's ``[defaults]``), then front matter, then overrides (the
    command line, an edition, the project's table for this article) into :class:`Meta`.

    Unknown front-matter keys are warned about with a did-you-mean; a wrong type is an error
    naming the key's line. Without any title, one is derived from the file name, with a
    warning.
    """
    key_lines = key_lines or {}
    fields: dict[str, object] = {}
    layers = (("default", defaults or {}), ("front matter", front), ("override", overrides or {}))
    for origin, mapping in layers:
        for key, value in mapping.items():
            line = key_lines.get(key) if origin == "front matter" else None
            name = META_KEYS.get(key.lower())
            if name is None:
                warn(
                    Diagnostic(
                        f"unknown metadata key '{key}' ignored", path, line, _did_you_mean(key)
                    )
                )
                continue
            if value is None:
                continue
            fields[name] = _checked(key, name, value, path, line)
    if "title" not in fields:
        if body_title:
            fields["title"] = body_title
        else:
            fields["title"] = title_from_path(path)
            warn(
                Diagnostic(
                    f"no title given; using '{fields['title']}' from the file name",
                    path,
                    1,
                    "set one with a 'title:' front matter line or --title",
                )
            )
    return Meta(source=path, **fields)  # type: ignore[arg-type]
