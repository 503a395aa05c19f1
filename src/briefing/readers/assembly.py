"""Drafts -> sections: what a reader returns, and the assembly every format shares.

A reader turns lines into :class:`Draft` sections; :func:`assemble` then does the work
that must be identical for every input format (captions, numbering, ids), which is what
makes a Markdown article and the same article in the plain-text format read to an equal
model: heading levels without gaps, an author's own section numbers kept once, table
captions (``Table: ...``, ``**Table 2: ...**``, ``{#tbl-x}``), numbers for tables, figures
and notes, figure images resolved (:mod:`.images`), author ids checked, cross-references
numbered, and links to anchors that do not exist turned into text (with a warning).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from briefing.errors import Diagnostic, InputError
from briefing.model import (
    Block,
    Callout,
    Cell,
    CrossRef,
    DefinitionList,
    Emph,
    Figure,
    Inline,
    Inlines,
    Link,
    ListBlock,
    ListItem,
    Note,
    Paragraph,
    Quote,
    Section,
    Strong,
    Table,
    Takeaways,
    Text,
    nested_blocks,
    plain,
    walk_inlines,
)
from briefing.prose import sentences
from briefing.readers.attrs import ID_PATTERN, split_attrs
from briefing.readers.images import ImagePolicy, resolve_image
from briefing.readers.syntax import CAPTION_HEAD
from briefing.report import warn
from briefing.slug import RESERVED_IDS, unique_slugs

__all__ = [
    "Draft",
    "LineRole",
    "Parsed",
    "assemble",
    "caption_from_header",
    "caption_from_intro",
    "check_id",
    "merge_text",
    "strip_inlines",
    "table_caption",
]

logger = logging.getLogger(__name__)

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
    #: an author's ``{#sec-x}`` id, when the heading carries one
    id: str | None = None
    #: ``{.unnumbered}`` (or ``{-}``): this heading gets no number
    unnumbered: bool = False


@dataclass(slots=True)
class Parsed:
    """A reader's result: sections, a title the body itself gave, and line roles.

    ``meta`` is metadata the body gives (a byline's authors, a ``Date:`` line), as
    :class:`~briefing.model.Meta` field names with checked values; front matter and
    overrides win over it. ``sources`` are the items of a closing "Sources" list (plain
    text ``Source:`` lines and bare URLs). ``marked`` holds the lines of lists the author
    marked as takeaways (``{.takeaways}``).
    """

    drafts: list[Draft]
    title: str | None = None
    roles: list[LineRole] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    sources: list[ListItem] = field(default_factory=list)
    marked: set[int] = field(default_factory=set)


# -- inline helpers every reader uses ------------------------------------------------


def merge_text(nodes: list[Inline] | Inlines) -> Inlines:
    """Join adjacent text nodes and drop empty ones, so equal text gives equal models
    whatever the tokens."""
    merged: list[Inline] = []
    for node in nodes:
        if isinstance(node, Text) and merged and isinstance(merged[-1], Text):
            merged[-1] = Text(merged[-1].text + node.text)
        elif not (isinstance(node, Text) and not node.text):
            merged.append(node)
    return tuple(merged)


def strip_inlines(content: Inlines) -> Inlines:
    """Trim white space at both ends of some inline content."""
    nodes = list(content)
    if nodes and isinstance(nodes[0], Text):
        nodes[0] = Text(nodes[0].text.lstrip())
    if nodes and isinstance(nodes[-1], Text):
        nodes[-1] = Text(nodes[-1].text.rstrip())
    return merge_text(nodes)


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


def _blank(block: Block) -> bool:
    """True for a paragraph with no text (and no note), or a quote or untitled callout
    holding only such."""
    if isinstance(block, Paragraph):
        notes = any(isinstance(node, Note) for node in walk_inlines(block.content))
        return not notes and not plain(block.content).strip()
    if isinstance(block, Quote):
        return all(_blank(inner) for inner in block.blocks)
    if isinstance(block, Callout):
        title = plain(block.title).strip() if block.title is not None else ""
        return not title and all(_blank(inner) for inner in block.blocks)
    return False


def _drop_blank(draft: Draft, path: Path) -> None:
    """Drop paragraphs and quotes with no text (e.g. ``` `` ` `` ```): they would print
    nothing, and a lede without a sentence has no description to give."""
    kept = []
    for block in draft.blocks:
        if _blank(block):
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
    drafts: list[Draft],
    *,
    path: Path,
    numbered: bool = True,
    takeaways: Takeaways | None = None,
    marked: Collection[int] = (),
    images: ImagePolicy | None = None,
    language: str = "en",
) -> tuple[Section, ...]:
    """Turn drafts into sections: takeaways decided, blank paragraphs dropped, levels
    normalised, captions, numbers (sections, tables, figures, notes), ids, images resolved,
    cross-references numbered and internal links checked.

    :param takeaways: the front matter's takeaways, which win over the body's lists.
    :param marked: lines of lists the author marked as takeaways (``{.takeaways}``).
    :param images: which remote hosts may be fetched (default: none).
    :param language: the language of captions made from table headers ("and").
    :raises InputError: for an author's id that is malformed, reserved or used twice.
    """
    from briefing.readers.takeaways import settle  # it builds on this module

    settle(drafts, path=path, front=takeaways, marked=marked)
    for draft in drafts:
        _drop_blank(draft, path)
    drafts = [d for d in drafts if d.heading is not None or d.blocks]
    for position, draft in enumerate(drafts):
        following = drafts[position + 1] if position + 1 < len(drafts) else None
        if following is not None and following.level > draft.level:
            continue  # a heading with sub-headings under it
        if draft.heading is not None and not draft.blocks:
            warn(
                Diagnostic(
                    f"the heading '{draft.heading}' has no text under it",
                    path,
                    draft.line,
                    "add text below it, or end the line with punctuation if it is not a heading",
                )
            )
    _normalise_levels(drafts, path)
    # With numbering off, an author's numbers stay part of the headings as written.
    authored = _author_numbers(drafts) if numbered else None
    used: dict[str, int] = {}
    ids = _section_ids(drafts, path, used, authored or {})
    numbers = _Numbers(path, images or ImagePolicy(), used, language)
    counters: list[int] = []
    sections = []
    for draft, section_id in zip(drafts, ids, strict=True):
        number = None
        heading = draft.heading
        if heading is not None and authored is not None:
            number, heading = authored.get(id(draft), (None, heading))
        elif heading is not None and numbered and not draft.unnumbered:
            depth = max(draft.level, 1)
            counters = (counters + [0] * depth)[:depth]
            counters[-1] += 1
            number = ".".join(str(n) for n in counters)
        if heading is not None:
            numbers.targets[section_id] = ("sec", number or "")
            numbers.headings[section_id] = heading
        sections.append(
            Section(
                heading=heading,
                level=draft.level,
                blocks=tuple(numbers.blocks(draft.blocks)),
                id=section_id,
                number=number,
                line=draft.line,
            )
        )
    return tuple(
        replace(section, blocks=tuple(numbers.references(section.blocks))) for section in sections
    )


# -- headings ------------------------------------------------------------------------

#: An author's own section number: ``3.``, ``3.1``, ``III.``, ``A.`` before the heading.
AUTHOR_NUMBER = re.compile(
    r"^(?P<number>\d{1,3}(?:\.\d{1,3})*\.?|[IVXLC]{1,6}\.|[A-Z]\.)\s+(?P<heading>\S.*)$"
)


def _author_numbers(drafts: list[Draft]) -> dict[int, tuple[str, str]] | None:
    """The author's numbers, when the headings carry their own (then no number is added).

    At least two headings, and at least half of them, must start with a number such as
    ``3.``, ``3.1``, ``III.`` or ``A.``; a heading such as ``2025 in review`` has none.
    Returns ``id(draft) -> (number, heading without it)``, or ``None``.
    """
    headed = [d for d in drafts if d.heading is not None]
    found: dict[int, tuple[str, str]] = {}
    for draft in headed:
        match = AUTHOR_NUMBER.match(draft.heading or "")
        if match:
            found[id(draft)] = (match.group("number").rstrip("."), match.group("heading"))
    if len(found) < 2 or 2 * len(found) < len(headed):
        return None
    return found


def _normalise_levels(drafts: list[Draft], path: Path) -> None:
    """A section is at most one level deeper than the one before it (``##`` then
    ``####`` reads as ``##`` then ``###``), so tagged outputs never skip a level."""
    previous = 0
    for draft in drafts:
        if draft.heading is None:
            continue
        if draft.level > previous + 1:
            logger.debug(
                "%s:%d: heading level %d -> %d", path, draft.line, draft.level, previous + 1
            )
            draft.level = previous + 1
        previous = draft.level


def check_id(ident: str, path: Path, line: int, used: dict[str, int]) -> None:
    """Refuse an author's id that is malformed, reserved by the tool, or already used.

    :raises InputError: naming the line (and the line of the first use).
    """
    if not ID_PATTERN.fullmatch(ident):
        raise InputError(
            f"the id '{ident}' is not usable",
            path=path,
            line=line,
            hint="ids are lower-case letters, digits and single hyphens, e.g. {#tbl-costs}",
        )
    if ident in RESERVED_IDS:
        raise InputError(
            f"the id '{ident}' is reserved for the tool's own pages",
            path=path,
            line=line,
            hint=f"choose another id (reserved: {', '.join(sorted(RESERVED_IDS))})",
        )
    if ident in used:
        raise InputError(
            f"the id '{ident}' is already used on line {used[ident]}",
            path=path,
            line=line,
            hint="give each heading, table and figure its own id",
        )
    used[ident] = line


def _section_ids(
    drafts: list[Draft], path: Path, used: dict[str, int], authored: dict[int, tuple[str, str]]
) -> list[str]:
    """Each draft's id: the author's ``{#sec-x}``, else a unique slug of its heading
    (never one of the renderers' own ids, nor an author's id); ``used`` collects the
    author's ids with their lines."""
    for draft in drafts:
        if draft.id:
            check_id(draft.id, path, draft.line, used)
    for block in (b for d in drafts for b in nested_blocks(tuple(d.blocks))):
        if isinstance(block, Figure) and block.id:
            check_id(block.id, path, block.line, used)
    plain_headings = [
        authored[id(d)][1] if id(d) in authored else d.heading
        for d in drafts
        if d.heading is not None and not d.id
    ]
    # Table ids are checked when their captions are read; no slug may take one either.
    table_ids = set()
    for block in (b for d in drafts for b in nested_blocks(tuple(d.blocks))):
        found = table_caption(block.content) if isinstance(block, Paragraph) else None
        if found and found[1]:
            table_ids.add(found[1])
        elif isinstance(block, Table) and block.id:
            table_ids.add(block.id)
    slugs = iter(unique_slugs(plain_headings, reserved=RESERVED_IDS | set(used) | table_ids))
    ids = []
    for draft in drafts:
        if draft.heading is None:
            ids.append("lede")
        else:
            ids.append(draft.id or next(slugs))
    return ids


# -- tables and their captions -------------------------------------------------------


#: Pandoc's other table caption: a paragraph starting with a colon (``: Caption {#tbl-x}``).
_COLON_CAPTION = re.compile(r"^:(?P<number>)\s+")


def table_caption(content: Inlines) -> tuple[Inlines, str | None, str | None] | None:
    """The caption, ``{#tbl-x}`` id and author's number of a caption paragraph next to a
    table: ``Table: ...`` or ``: ...`` (Pandoc), ``Table 2: ...`` and the same in bold
    (``**Table 2: ...**`` or ``**Table 2:** ...``); ``None`` for any other paragraph."""
    nodes = list(content)
    if nodes and isinstance(nodes[0], Strong) and CAPTION_HEAD.match(plain(nodes[0].children)):
        nodes = [*nodes[0].children, *nodes[1:]]  # **Table 2: Title**, **Table 2:** Title
    if not nodes or not isinstance(nodes[0], Text):
        return None
    head = CAPTION_HEAD.match(nodes[0].text) or _COLON_CAPTION.match(nodes[0].text)
    if head is None:
        return None
    nodes[0] = Text(nodes[0].text[head.end() :])
    ident = None
    if isinstance(nodes[-1], Text):
        text, attrs = split_attrs(nodes[-1].text)
        if attrs is not None:
            nodes[-1] = Text(text)
            ident = attrs.id
    caption = strip_inlines(tuple(nodes))
    if not plain(caption).strip():
        return None
    return caption, ident, head.group("number")


def _caption_tables(
    blocks: list[Block], language: str = "en", tables_before: int = 0
) -> tuple[list[Block], dict[int, str]]:
    """Give every table a caption: a ``Table: ...`` / ``**Table 2: ...**`` paragraph right
    above or below it (the paragraph is used up), an intro, or its header. A caption
    between two tables goes with the one whose number it gives, else with the one the
    document's other captions sit beside (below: the one above it; else the one below).

    Also returns the number an author's caption gave each table (by position in the
    result), so that assembly can say when it differs from the number printed.
    """
    result: list[Block] = []
    claimed: dict[int, str] = {}
    index = 0
    number = tables_before
    while index < len(blocks):
        block = blocks[index]
        if isinstance(block, Table):
            number += 1
        if isinstance(block, Table) and block.caption is None:
            before = result[-1] if result else None
            after = blocks[index + 1] if index + 1 < len(blocks) else None
            if _belongs_below(blocks, index + 1, number):
                after = None
            found = None
            for neighbour in (before, after):
                if isinstance(neighbour, Paragraph):
                    found = table_caption(neighbour.content)
                    if found:
                        if neighbour is before:
                            result.pop()
                        else:
                            index += 1
                        break
            if found is not None:
                block = replace(block, caption=found[0], id=found[1] or block.id)
                if found[2]:
                    claimed[len(result)] = found[2]
            else:
                intro = (
                    caption_from_intro(plain(before.content))
                    if isinstance(before, Paragraph)
                    else None
                )
                caption = intro or caption_from_header(block.header, language)
                block = replace(block, caption=(Text(caption),))
        result.append(block)
        index += 1
    return result, claimed


def _belongs_below(blocks: list[Block], index: int, number: int) -> bool:
    """Whether the caption paragraph at ``index``, between table ``number`` above it and
    another table right below it, captions the one below."""

    def caption(at: int) -> tuple[Inlines, str | None, str | None] | None:
        block = blocks[at] if 0 <= at < len(blocks) else None
        return table_caption(block.content) if isinstance(block, Paragraph) else None

    found = caption(index)
    below = blocks[index + 1] if index + 1 < len(blocks) else None
    if found is None or not isinstance(below, Table) or below.caption is not None:
        return False
    if found[2] in (str(number), str(number + 1)):
        return found[2] == str(number + 1)
    return caption(index + 2) is None  # the next table has no caption under it


# -- numbering, images, references ---------------------------------------------------


class _Numbers:
    """Numbers tables, figures and notes in document order, resolves figure images, and
    then fills in cross-references and checks internal links against every id."""

    def __init__(
        self, path: Path, images: ImagePolicy, used: dict[str, int], language: str = "en"
    ) -> None:
        self.path = path
        self.language = language
        self.images = images
        self.tables = 0
        self.figures = 0
        self.notes = 0
        #: note key -> the number of its first call
        self.note_keys: dict[str, int] = {}
        #: id -> (kind, number) of every section, table and figure
        self.targets: dict[str, tuple[str, str]] = {}
        #: section id -> heading, for references to unnumbered sections
        self.headings: dict[str, str] = {}
        self.used = used

    def blocks(self, blocks: list[Block] | tuple[Block, ...]) -> list[Block]:
        """First pass: captions, table and figure numbers, images, nested blocks."""
        result: list[Block] = []
        captioned, claimed = _caption_tables(list(blocks), self.language, self.tables)
        for position, block in enumerate(captioned):
            if isinstance(block, Table):
                self.tables += 1
                block = replace(block, number=self.tables)
                if claimed.get(position, str(self.tables)) != str(self.tables):
                    warn(
                        Diagnostic(
                            f"the caption says 'Table {claimed[position]}' but this is table "
                            f"{self.tables} of the document, and is printed as such",
                            self.path,
                            block.line,
                            "drop the number from the caption (tables are numbered for you)",
                        )
                    )
                if block.id:
                    check_id(block.id, self.path, block.line, self.used)
                    self.targets[block.id] = ("tbl", str(self.tables))
            elif isinstance(block, Figure):
                self.figures += 1
                if not block.alt.strip() and not plain(block.caption).strip():
                    warn(
                        Diagnostic(
                            "this figure has neither alt text nor a caption",
                            self.path,
                            block.line,
                            'describe the image: a caption, or alt text (fig-alt="...")',
                        )
                    )
                image = resolve_image(
                    block.image,
                    path=self.path,
                    line=block.line,
                    number=self.figures,
                    policy=self.images,
                )
                block = replace(block, image=image, number=self.figures)
                if block.id:
                    self.targets[block.id] = ("fig", str(self.figures))
            elif isinstance(block, ListBlock):
                block = replace(
                    block,
                    items=tuple(
                        replace(item, blocks=tuple(self.blocks(item.blocks)))
                        for item in block.items
                    ),
                )
            elif isinstance(block, Quote | Callout):
                block = replace(block, blocks=tuple(self.blocks(block.blocks)))
            elif isinstance(block, DefinitionList):
                entries = []
                for entry in block.items:
                    definitions = tuple(tuple(self.blocks(d)) for d in entry.definitions)
                    entries.append(replace(entry, definitions=definitions))
                block = replace(block, items=tuple(entries))
            result.append(block)
        return result

    def references(self, blocks: tuple[Block, ...]) -> list[Block]:
        """Second pass, in reading order: note numbers, cross-reference numbers, links."""
        result: list[Block] = []
        for block in blocks:
            line = block.line
            if isinstance(block, Paragraph):
                block = replace(block, content=self.inlines(block.content, line))
            elif isinstance(block, Takeaways):
                block = replace(
                    block,
                    items=tuple(
                        replace(t, content=self.inlines(t.content, t.line or line))
                        for t in block.items
                    ),
                )
            elif isinstance(block, ListBlock):
                items = []
                for item in block.items:
                    content = self.inlines(item.content, item.line or line)
                    items.append(
                        replace(item, content=content, blocks=tuple(self.references(item.blocks)))
                    )
                block = replace(block, items=tuple(items))
            elif isinstance(block, Table):
                caption = self.inlines(block.caption, line) if block.caption is not None else None
                block = replace(
                    block,
                    caption=caption,
                    header=tuple(self.inlines(cell, line) for cell in block.header),
                    rows=tuple(tuple(self.inlines(c, line) for c in row) for row in block.rows),
                )
            elif isinstance(block, Quote):
                block = replace(block, blocks=tuple(self.references(block.blocks)))
            elif isinstance(block, Callout):
                title = self.inlines(block.title, line) if block.title is not None else None
                block = replace(block, title=title, blocks=tuple(self.references(block.blocks)))
            elif isinstance(block, Figure):
                block = replace(block, caption=self.inlines(block.caption, line))
            elif isinstance(block, DefinitionList):
                block = replace(
                    block,
                    items=tuple(
                        replace(
                            item,
                            term=self.inlines(item.term, item.line or line),
                            definitions=tuple(tuple(self.references(d)) for d in item.definitions),
                        )
                        for item in block.items
                    ),
                )
            result.append(block)
        return result

    def note(self, node: Note, line: int) -> Note:
        """A note numbered in reading order; a later call of the same key is a repeat of
        the first call (its number, no text of its own)."""
        if node.key is not None and node.key in self.note_keys:
            return Note((), number=self.note_keys[node.key], repeat=True, key=node.key)
        self.notes += 1
        if node.key is not None:
            self.note_keys[node.key] = self.notes
        return Note(self.inlines(node.content, line), number=self.notes, key=node.key)

    def inlines(self, content: Inlines, line: int) -> Inlines:
        """Number notes, fill in cross-references, unwrap links to missing anchors."""
        result: list[Inline] = []
        for node in content:
            if isinstance(node, Note):
                result.append(self.note(node, line))
            elif isinstance(node, CrossRef):
                target = self.targets.get(node.target)
                if target is None or target[0] != node.kind:
                    warn(
                        Diagnostic(
                            f"'@{node.target}' refers to no {_KIND_WORDS[node.kind]} of this "
                            "document; shown as written",
                            self.path,
                            line,
                            f"add {{#{node.target}}} to the {_KIND_WORDS[node.kind]} it means, "
                            "or fix the spelling",
                        )
                    )
                    result.append(Text(f"@{node.target}"))
                elif not target[1]:
                    # An unnumbered section: "Section" alone would say nothing; link its name.
                    result.append(Link((Text(self.headings[node.target]),), f"#{node.target}"))
                else:
                    result.append(replace(node, number=target[1]))
            elif isinstance(node, Link):
                children = self.inlines(node.children, line)
                anchor = node.target[1:] if node.target.startswith("#") else None
                if anchor is not None and anchor not in self.targets:
                    warn(
                        Diagnostic(
                            f"the link to '#{anchor}' has no target in this document; "
                            "shown as text",
                            self.path,
                            line,
                            f"add {{#{anchor}}} to the heading it means, or link elsewhere",
                        )
                    )
                    result.extend(children)
                else:
                    result.append(Link(children, node.target))
            elif isinstance(node, Emph):
                result.append(Emph(self.inlines(node.children, line)))
            elif isinstance(node, Strong):
                result.append(Strong(self.inlines(node.children, line)))
            else:
                result.append(node)
        return merge_text(result)


_KIND_WORDS = {"sec": "section", "tbl": "table", "fig": "figure"}
