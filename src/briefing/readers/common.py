"""What every reader shares: decoding, front matter, metadata, and assembling sections.

A reader turns lines into :class:`Draft` sections; :func:`assemble` then does the work
that must be identical for every input format (captions, numbering, ids), which is what
makes a Markdown article and the same article in the plain-text format read to an equal
model.
"""

from __future__ import annotations

import codecs
import datetime as dt
import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from briefing.errors import Diagnostic, InputError
from briefing.model import (
    Alignment,
    Block,
    Cell,
    Meta,
    Paragraph,
    Section,
    Table,
    plain,
)
from briefing.prose import sentences
from briefing.report import warn
from briefing.slug import unique_slugs

__all__ = [
    "Draft",
    "LineRole",
    "Parsed",
    "assemble",
    "build_meta",
    "check_row",
    "decode",
    "split_front_matter",
    "split_row",
    "split_takeaway",
    "table_alignments",
]

# -- what a reader returns -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LineRole:
    """The role a reader gave one input line, and why (``briefing explain``)."""

    line: int
    role: str
    reason: str
    text: str


@dataclass(slots=True)
class Draft:
    """A section as a reader sees it, before numbering and ids."""

    heading: str | None
    level: int
    line: int
    blocks: list[Block] = field(default_factory=list)


@dataclass(slots=True)
class Parsed:
    """A reader's result: sections, a title the body itself gave, and line roles."""

    drafts: list[Draft]
    title: str | None = None
    roles: list[LineRole] = field(default_factory=list)


# -- decoding ------------------------------------------------------------------------

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode(data: bytes, path: Path) -> list[str]:
    """Decode an article's bytes into its lines, or raise :class:`InputError` saying why not.

    UTF-8 (with or without a BOM) and UTF-16 with a BOM are read; CRLF and CR line ends are
    accepted. Anything else (a binary file, Latin-1 text) is refused with the line of the
    first offending byte, because guessing an encoding silently corrupts text.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(
                "the file starts with a UTF-16 mark but is not valid UTF-16",
                path=path,
                hint="save it as UTF-8",
            ) from exc
    else:
        nul = data.find(b"\x00")
        if nul >= 0:
            raise InputError(
                "this is not a text file (it contains NUL bytes)",
                path=path,
                line=_line_of(data, nul),
                hint="give an article saved as UTF-8 text (.txt or .md)",
            )
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = _line_of(data, exc.start)
            column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
            raise InputError(
                f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at column {column})",
                path=path,
                line=line,
                hint="save the file as UTF-8, e.g. `iconv -f latin1 -t utf-8`",
            ) from exc
    if not text.strip():
        raise InputError(
            "the article is empty", path=path, line=1, hint="write the article text in it"
        )
    control = _CONTROL.search(text)
    if control:
        raise InputError(
            f"this is not a text file (control character U+{ord(control.group()):04X})",
            path=path,
            line=text.count("\n", 0, control.start()) + 1,
            hint="give an article saved as UTF-8 text (.txt or .md)",
        )
    lines = _LINE_BREAK.split(text)
    if lines[-1] == "":  # the break that ends the last line does not start another
        lines.pop()
    return lines


# -- front matter --------------------------------------------------------------------


def split_front_matter(lines: list[str], path: Path) -> tuple[dict[str, Any], dict[str, int], int]:
    """Split a leading YAML block (``---`` ... ``---``) off the article.

    :returns: the mapping, the 1-based line of each key, and the index of the first body line.
    """
    if not lines or lines[0].strip() != "---":
        return {}, {}, 0
    for end in range(1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            break
    else:
        raise InputError(
            "the front matter opened with '---' is never closed",
            path=path,
            line=1,
            hint="end the metadata block with a line holding only '---'",
        )
    import yaml  # only articles with front matter pay for it

    source = "\n".join(lines[1:end])
    try:
        node = yaml.compose(source, Loader=yaml.SafeLoader)
        data = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(
            f"the front matter is not valid YAML: {problem}",
            path=path,
            line=(mark.line + 2) if mark is not None else 1,
            hint="write it as 'key: value' lines",
        ) from exc
    if data is None:
        return {}, {}, end + 1
    if not isinstance(data, dict):
        raise InputError(
            f"the front matter must be a mapping of keys to values, not a {type(data).__name__}",
            path=path,
            line=2,
            hint="write it as 'key: value' lines, e.g. 'title: My briefing'",
        )
    lines_of: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            lines_of[str(key_node.value)] = key_node.start_mark.line + 2
    return {str(key): value for key, value in data.items()}, lines_of, end + 1


# -- metadata ------------------------------------------------------------------------

#: Front-matter keys and the :class:`Meta` field each sets (aliases as Pandoc/Quarto use).
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
}
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


def _meta_value(name: str, value: Any) -> object:
    """Coerce one metadata value to its field's type; raise ValueError saying what is wanted."""
    if name == "date":
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise ValueError("must be a date written as YYYY-MM-DD, e.g. 2025-08-20")
    if name in ("authors", "keywords"):
        if isinstance(value, str):
            items = [part.strip() for part in value.split("," if name == "keywords" else ";")]
        elif isinstance(value, list) and all(isinstance(item, str) for item in value):
            items = [item.strip() for item in value]
        else:
            raise ValueError("must be text or a list of text")
        return tuple(item for item in items if item)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("must be text")
    text = " ".join(str(value).split())
    if name == "status":
        if text.lower() not in ("final", "draft"):
            raise ValueError("must be 'final' or 'draft'")
        return text.lower()
    if name == "language" and not _LANGUAGE.match(text):
        raise ValueError("must be a language tag such as 'en' or 'en-GB'")
    if not text:
        raise ValueError("must not be empty")
    return text


def title_from_path(path: Path) -> str:
    """A readable default title from a file name: ``alaska-talks.txt`` -> ``Alaska Talks``."""
    words = re.split(r"[\s_\-]+", path.stem.strip())
    return " ".join(word[:1].upper() + word[1:] for word in words if word) or "Untitled"


def build_meta(
    front: Mapping[str, Any],
    *,
    path: Path,
    key_lines: Mapping[str, int] | None = None,
    overrides: Mapping[str, Any] | None = None,
    body_title: str | None = None,
) -> Meta:
    """Merge front matter, then overrides (the command line, an edition), into :class:`Meta`.

    Unknown keys are warned about with a did-you-mean; a wrong type is an error naming the
    key's line. Without any title, one is derived from the file name, with a warning.
    """
    key_lines = key_lines or {}
    fields: dict[str, object] = {}
    for origin, mapping in (("front matter", front), ("override", overrides or {})):
        for key, value in mapping.items():
            line = key_lines.get(key) if origin == "front matter" else None
            name = META_KEYS.get(key.lower())
            if name is None:
                close = difflib.get_close_matches(key.lower(), META_KEYS, n=1)
                hint = f"did you mean '{close[0]}'?" if close else "see the README for the keys"
                warn(Diagnostic(f"unknown metadata key '{key}' ignored", path, line, hint))
                continue
            if value is None:
                continue
            try:
                fields[name] = _meta_value(name, value)
            except ValueError as exc:
                raise InputError(
                    f"metadata '{key}' {exc}", path=path, line=line, hint=f"fix the '{key}' value"
                ) from None
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


# -- pipe tables and takeaways (the same rules in every reader) -----------------------

SEPARATOR_ROW = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")


def split_row(line: str) -> list[str]:
    """The cells of a pipe-table row; outer pipes are optional and ``\\|`` is a literal pipe."""
    text = line.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    return [cell.strip().replace("\\|", "|") for cell in _CELL_SPLIT.split(text)]


def check_row(cells: list[str], width: int, *, path: Path, line: int, header_line: int) -> None:
    """Refuse a table row whose cell count differs from its header's (every reader).

    :raises InputError: naming the row's line and the header's.
    """
    if len(cells) != width:
        raise InputError(
            f"this table row has {len(cells)} cells but the header (line {header_line}) "
            f"has {width}",
            path=path,
            line=line,
            hint="give every row the same number of |-separated cells",
        )


def table_alignments(separator: str) -> tuple[Alignment, ...]:
    """Column alignments from a separator row such as ``|:---|---:|``."""
    result: list[Alignment] = []
    for cell in split_row(separator):
        left, right = cell.startswith(":"), cell.endswith(":")
        result.append(
            "center" if left and right else "right" if right else "left" if left else None
        )
    return tuple(result)


_TAKEAWAY = re.compile(r"^(?P<label>[^:]{1,80}?):\s+(?P<text>\S.*)$", re.DOTALL)


def split_takeaway(text: str) -> tuple[str, str] | None:
    """Split ``"Label: text"`` into its parts when the label looks like a label.

    A label is at most eight words, has no sentence punctuation at its end, and is not a
    URL scheme, so ``"Note: see https://x"`` qualifies and ``"In short, yes: ..."`` does not.
    """
    match = _TAKEAWAY.match(text.strip())
    if not match:
        return None
    label = match.group("label").strip()
    if not label or len(label.split()) > 8 or label[-1] in ".,;!?" or "," in label:
        return None
    return label, match.group("text").strip()


# -- assembling ----------------------------------------------------------------------

#: A ``Table: caption`` line (Pandoc's convention) next to a table gives its caption.
CAPTION_LINE = re.compile(r"^Table:\s*(?P<caption>\S.*)$")
_INTRO_TAIL = re.compile(
    r"\s+(?:(?:could|can|may|might|would|will)\s+be\s+summari[sz]ed\s+)?"
    r"(?:as\s+follows|includes?|are|is|were|below)$",
    re.IGNORECASE,
)


def caption_from_intro(text: str) -> str | None:
    """A caption from a paragraph that introduces a table (it ends with ``:``).

    ``"... Key implications include:"`` gives ``"Key implications"``; a last sentence
    longer than twelve words gives ``None`` (better no caption than a paragraph as one).
    """
    text = text.strip()
    if not text.endswith(":"):
        return None
    last = sentences(text)[-1].rstrip(":").strip()
    last = _INTRO_TAIL.sub("", last).strip()
    if not 1 <= len(last.split()) <= 12:
        return None
    return last[0].upper() + last[1:]


def caption_from_header(header: tuple[Cell, ...]) -> str:
    """A caption from a table's header cells: ``Outcome | Impact`` -> ``Outcome and impact``."""
    names = [plain(cell).strip() for cell in header if plain(cell).strip()]
    if len(names) <= 1:
        return names[0] if names else "Table"
    # Later names read as ordinary words ("and impact"), but acronyms keep their case.
    names[1:] = [_lower_initial(name) for name in names[1:]]
    return ", ".join(names[:-1]) + " and " + names[-1]


def _lower_initial(word: str) -> str:
    if word[:1].isupper() and not word[1:2].isupper():
        return word[0].lower() + word[1:]
    return word


def _caption_tables(blocks: list[Block]) -> list[Block]:
    """Give every table a caption: an explicit ``Table: ...`` line, an intro, or its header."""
    result: list[Block] = []
    index = 0
    while index < len(blocks):
        block = blocks[index]
        if isinstance(block, Table) and block.caption is None:
            before = result[-1] if result else None
            after = blocks[index + 1] if index + 1 < len(blocks) else None
            caption = None
            for neighbour in (before, after):
                if isinstance(neighbour, Paragraph):
                    match = CAPTION_LINE.match(plain(neighbour.content).strip())
                    if match:
                        caption = match.group("caption")
                        if neighbour is before:
                            result.pop()
                        else:
                            index += 1
                        break
            if caption is None and isinstance(before, Paragraph):
                caption = caption_from_intro(plain(before.content))
            block = replace(block, caption=caption or caption_from_header(block.header))
        result.append(block)
        index += 1
    return result


def assemble(drafts: list[Draft], *, path: Path, numbered: bool = True) -> tuple[Section, ...]:
    """Turn drafts into sections: captions, table numbers, section numbers and ids."""
    drafts = [d for d in drafts if d.heading is not None or d.blocks]
    for draft in drafts:
        if draft.heading is not None and not draft.blocks:
            warn(
                Diagnostic(
                    f"the heading '{draft.heading}' has no text under it",
                    path,
                    draft.line,
                    "add text below it, or end the line with punctuation if it is not a heading",
                )
            )
    ids = unique_slugs([d.heading or "lede" for d in drafts])
    counters: list[int] = []
    table_number = 0
    sections = []
    for draft, section_id in zip(drafts, ids, strict=True):
        number = None
        if draft.heading is not None and numbered:
            depth = max(draft.level, 1)
            counters = (counters + [0] * depth)[:depth]
            counters[-1] += 1
            number = ".".join(str(n) for n in counters)
        blocks = []
        for block in _caption_tables(draft.blocks):
            if isinstance(block, Table):
                table_number += 1
                block = replace(block, number=table_number)
            blocks.append(block)
        sections.append(
            Section(
                heading=draft.heading,
                level=draft.level,
                blocks=tuple(blocks),
                id=section_id if draft.heading is not None else "lede",
                number=number,
                line=draft.line,
            )
        )
    return tuple(sections)
