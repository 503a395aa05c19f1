"""Drafts -> sections: what a reader returns, and the assembly every format shares.

A reader turns lines into :class:`Draft` sections; :func:`assemble` then does the work
that must be identical for every input format (captions, numbering, ids), which is what
makes a Markdown article and the same article in the plain-text format read to an equal
model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from briefing.errors import Diagnostic
from briefing.model import Block, Cell, Paragraph, Quote, Section, Table, Text, plain
from briefing.prose import sentences
from briefing.readers.syntax import CAPTION_LINE
from briefing.report import warn
from briefing.slug import RESERVED_IDS, unique_slugs

__all__ = [
    "Draft",
    "LineRole",
    "Parsed",
    "assemble",
    "caption_from_header",
    "caption_from_intro",
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


# -- assembling ----------------------------------------------------------------------

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


def caption_from_header(header: tuple[Cell, ...], language: str = "en") -> str:
    """A caption from a table's header cells: ``Outcome | Impact`` -> ``Outcome and impact``
    (``Итог и последствия``, ``成果和影响``: "and" from the language's catalogue)."""
    from briefing.i18n import list_words

    names = [plain(cell).strip() for cell in header if plain(cell).strip()]
    if len(names) <= 1:
        return names[0] if names else list_words(language).table
    words = list_words(language)
    # Later names read as ordinary words ("and impact"), but acronyms keep their case.
    if words.lower_later:
        names[1:] = [_lower_initial(name) for name in names[1:]]
    return words.separator.join(names[:-1]) + words.conjunction + names[-1]


def _lower_initial(word: str) -> str:
    if word[:1].isupper() and not word[1:2].isupper():
        return word[0].lower() + word[1:]
    return word


def _caption_tables(blocks: list[Block], language: str = "en") -> list[Block]:
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
            text = caption or caption_from_header(block.header, language)
            block = replace(block, caption=(Text(text),))
        result.append(block)
        index += 1
    return result


def _drop_blank(draft: Draft, path: Path) -> None:
    """Drop paragraphs and quotes with no text (e.g. ``` `` ` `` ```): they would print
    nothing, and a lede without a sentence has no description to give."""
    kept = []
    for block in draft.blocks:
        empty_quote = isinstance(block, Quote) and not any(
            isinstance(inner, Paragraph) and plain(inner.content).strip() for inner in block.blocks
        )
        if (isinstance(block, Paragraph) and not plain(block.content).strip()) or empty_quote:
            warn(
                Diagnostic(
                    f"a {block.type} with no text is ignored",
                    path,
                    block.line,
                    "delete it, or write its text",
                )
            )
            continue
        kept.append(block)
    draft.blocks = kept


def assemble(
    drafts: list[Draft], *, path: Path, numbered: bool = True, language: str = "en"
) -> tuple[Section, ...]:
    """Turn drafts into sections: blank paragraphs dropped, captions, table numbers, section
    numbers and ids. ``language`` words the captions made from table headers."""
    for draft in drafts:
        _drop_blank(draft, path)
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
    # Headed sections get unique slugs that avoid the renderers' own ids (RESERVED_IDS,
    # which include "lede": the one section without a heading).
    headings = [d.heading for d in drafts if d.heading is not None]
    headed = iter(unique_slugs(headings, reserved=RESERVED_IDS))
    ids = [next(headed) if d.heading is not None else "lede" for d in drafts]
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
        for block in _caption_tables(draft.blocks, language):
            if isinstance(block, Table):
                table_number += 1
                block = replace(block, number=table_number)
            blocks.append(block)
        sections.append(
            Section(
                heading=draft.heading,
                level=draft.level,
                blocks=tuple(blocks),
                id=section_id,
                number=number,
                line=draft.line,
            )
        )
    return tuple(sections)
