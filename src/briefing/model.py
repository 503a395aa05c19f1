"""The briefing document model: a small, closed set of frozen dataclasses.

Readers build it, renderers read it; nothing else travels between the stages. Inline
content is a tuple of :data:`Inline` nodes, so emphasis and links survive from Markdown
to both outputs while article text stays plain data (it is never parsed as markup again).

Provenance fields (``line``, ``Meta.source``) are excluded from equality, so the same
content read from two formats compares equal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeAlias

__all__ = [
    "Block",
    "Callout",
    "Cell",
    "Code",
    "CodeBlock",
    "CrossRef",
    "DefinitionItem",
    "DefinitionList",
    "Document",
    "Emph",
    "Figure",
    "Image",
    "Inline",
    "Inlines",
    "LineBreak",
    "Link",
    "ListBlock",
    "ListItem",
    "Meta",
    "Note",
    "Paragraph",
    "Quote",
    "Section",
    "Strong",
    "Table",
    "Takeaway",
    "Takeaways",
    "Text",
    "block_inlines",
    "nested_blocks",
    "plain",
    "walk_inlines",
]


# -- inline content ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Text:
    """Literal text."""

    text: str


@dataclass(frozen=True, slots=True)
class Emph:
    """Emphasised (italic) content."""

    children: Inlines


@dataclass(frozen=True, slots=True)
class Strong:
    """Strongly emphasised (bold) content."""

    children: Inlines


@dataclass(frozen=True, slots=True)
class Code:
    """Inline code, shown in a monospace face."""

    text: str


@dataclass(frozen=True, slots=True)
class Link:
    """A hyperlink; ``target`` is only ever emitted as an attribute, and only when safe."""

    children: Inlines
    target: str


@dataclass(frozen=True, slots=True)
class LineBreak:
    """A hard line break inside a paragraph (Markdown's trailing ``\\`` or two spaces)."""


@dataclass(frozen=True, slots=True)
class Note:
    """A footnote, placed where it is called; ``number`` counts 1, 2, ... in the document.

    The PDF sets it at the foot of the page of its call; the EPUB as an EPUB 3 footnote
    with a back-link. Paragraphs of a long note are joined with :class:`LineBreak`.

    A note called more than once (``[^a]`` twice) is one note: ``key`` is the author's
    label, and assembly gives every later call with the same key the first call's
    ``number``, ``repeat=True`` and no content of its own, so renderers print the call
    (the same number, linked to the same note) and the text once, at its first call.
    """

    content: Inlines
    number: int = 0
    repeat: bool = False
    key: str | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class CrossRef:
    """A reference such as ``@tbl-costs`` to a section, table or figure of the document.

    ``number`` is filled in by assembly ("2.1", "3"); the renderer prints it with the
    word for ``kind`` ("Table 3") and links it to ``target`` (an id in the document).
    An unknown target never reaches the model: assembly warns and keeps the text.
    """

    kind: Literal["sec", "tbl", "fig"]
    target: str
    number: str = ""


Inline: TypeAlias = "Text | Emph | Strong | Code | Link | LineBreak | Note | CrossRef"
Inlines: TypeAlias = "tuple[Inline, ...]"
Cell: TypeAlias = "tuple[Inline, ...]"

_REF_WORDS = {"sec": "Section", "tbl": "Table", "fig": "Figure"}


def plain(inlines: Inlines) -> str:
    """The text of some inline content with all markup dropped (notes left out)."""
    parts: list[str] = []
    for node in inlines:
        if isinstance(node, Text | Code):
            parts.append(node.text)
        elif isinstance(node, LineBreak):
            parts.append(" ")
        elif isinstance(node, CrossRef):
            parts.append(f"{_REF_WORDS[node.kind]} {node.number}".rstrip())
        elif isinstance(node, Note):
            continue
        else:
            parts.append(plain(node.children))
    return "".join(parts)


def walk_inlines(inlines: Inlines) -> Iterator[Inline]:
    """Every inline node, depth first, including those inside notes and links."""
    for node in inlines:
        yield node
        if isinstance(node, Emph | Strong | Link):
            yield from walk_inlines(node.children)
        elif isinstance(node, Note):
            yield from walk_inlines(node.content)


# -- blocks --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph of running text."""

    content: Inlines
    line: int = field(default=0, compare=False)
    type: Literal["paragraph"] = field(default="paragraph", init=False, repr=False)


@dataclass(frozen=True, slots=True)
class Takeaway:
    """One "Label: text" item of a takeaway list."""

    label: str
    content: Inlines
    line: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Takeaways:
    """A list whose every item is a labelled takeaway; gathered into the key-takeaways box."""

    items: tuple[Takeaway, ...]
    line: int = field(default=0, compare=False)
    type: Literal["takeaways"] = field(default="takeaways", init=False, repr=False)


@dataclass(frozen=True, slots=True)
class ListItem:
    """One list item: its first paragraph, then any further blocks (nested lists, more
    paragraphs, code) in order."""

    content: Inlines
    blocks: tuple[Block, ...] = ()
    line: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class ListBlock:
    """A bulleted or numbered list; ``start`` is the first number of an ordered list and
    ``style`` how it counts (``a)``, ``b)`` lists are ``lower-alpha``, ``(i)``, ``(ii)``
    lists ``lower-roman``)."""

    items: tuple[ListItem, ...]
    ordered: bool = False
    start: int = 1
    style: Literal["decimal", "lower-alpha", "lower-roman"] = "decimal"
    line: int = field(default=0, compare=False)
    type: Literal["list"] = field(default="list", init=False, repr=False)


Alignment: TypeAlias = Literal["left", "center", "right"] | None


@dataclass(frozen=True, slots=True)
class Table:
    """A table with one header row; ``number`` is its 1-based position in the document.

    ``caption`` is inline content (it may carry notes and links); ``id`` is an author's
    ``{#tbl-x}`` id, the target of ``@tbl-x`` references.
    """

    header: tuple[Cell, ...]
    rows: tuple[tuple[Cell, ...], ...]
    align: tuple[Alignment, ...]
    caption: Inlines | None = None
    number: int = 0
    id: str | None = None
    line: int = field(default=0, compare=False)
    type: Literal["table"] = field(default="table", init=False, repr=False)

    @property
    def caption_text(self) -> str | None:
        """The caption as plain text."""
        return plain(self.caption) if self.caption is not None else None

    @property
    def label(self) -> str:
        """The caption as printed, e.g. ``Table 2 — Key implications``."""
        caption = self.caption_text
        return f"Table {self.number} — {caption}" if caption else f"Table {self.number}"


@dataclass(frozen=True, slots=True)
class Quote:
    """A block quotation: paragraphs, lists and other blocks."""

    blocks: tuple[Block, ...]
    line: int = field(default=0, compare=False)
    type: Literal["quote"] = field(default="quote", init=False, repr=False)


@dataclass(frozen=True, slots=True)
class CodeBlock:
    """Preformatted text (a fenced or indented code block): line breaks kept, never
    hyphenated or justified."""

    text: str
    language: str | None = None
    line: int = field(default=0, compare=False)
    type: Literal["code"] = field(default="code", init=False, repr=False)


@dataclass(frozen=True, slots=True)
class Callout:
    """A boxed aside: ``> [!NOTE]`` or ``::: {.callout-warning}``.

    ``kind`` is one of note, tip, important, warning, caution; ``title`` is the author's
    title, or ``None`` for the kind's own word.
    """

    kind: Literal["note", "tip", "important", "warning", "caution"]
    blocks: tuple[Block, ...]
    title: Inlines | None = None
    line: int = field(default=0, compare=False)
    type: Literal["callout"] = field(default="callout", init=False, repr=False)


@dataclass(frozen=True, slots=True)
class Image:
    """An image as the reader resolved it.

    ``data`` holds the file's bytes when it is embedded (a local file inside the
    article's folder, or a fetched image from an allowed host), with ``media_type`` one of
    image/png, image/jpeg, image/gif, image/svg+xml (SVG already sanitised). When it is
    not embedded, ``data`` is ``None`` and ``url`` is the link the figure shows instead.
    ``name`` is a safe file name for the EPUB (``fig-1.png``).
    """

    source: str
    data: bytes | None = field(default=None, repr=False)
    media_type: str | None = None
    url: str | None = None
    name: str = ""
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, slots=True)
class Figure:
    """A figure: image, alternate text, caption and number ("Figure 2")."""

    image: Image
    alt: str
    caption: Inlines = ()
    number: int = 0
    id: str | None = None
    line: int = field(default=0, compare=False)
    type: Literal["figure"] = field(default="figure", init=False, repr=False)

    @property
    def label(self) -> str:
        """The caption as printed, e.g. ``Figure 2 — Oil exports``."""
        caption = plain(self.caption)
        return f"Figure {self.number} — {caption}" if caption else f"Figure {self.number}"


@dataclass(frozen=True, slots=True)
class DefinitionItem:
    """One term of a definition list and its definitions (one or more), each a run of
    blocks (paragraphs, lists, code)."""

    term: Inlines
    definitions: tuple[tuple[Block, ...], ...]
    line: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class DefinitionList:
    """A definition list (a glossary): ``Term`` then ``: Definition`` lines in Markdown."""

    items: tuple[DefinitionItem, ...]
    line: int = field(default=0, compare=False)
    type: Literal["definitions"] = field(default="definitions", init=False, repr=False)


Block: TypeAlias = (
    "Paragraph | Takeaways | ListBlock | Table | Quote | CodeBlock | Callout | Figure"
    " | DefinitionList"
)


# -- sections and the document -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Section:
    """A heading and the blocks under it.

    The lede is a section with ``heading=None``. ``number`` is the printed section number
    (``"2"``, ``"2.1"``) or ``None`` when unnumbered; ``id`` is unique in the document and
    safe as an XML id and a file name.
    """

    heading: str | None
    level: int
    blocks: tuple[Block, ...]
    id: str
    number: str | None = None
    line: int = field(default=0, compare=False)

    @property
    def is_lede(self) -> bool:
        """True for the untitled section that opens the article."""
        return self.heading is None

    @property
    def title(self) -> str:
        """The heading with its number, as shown in the contents."""
        if self.heading is None:
            return ""
        return f"{self.number} {self.heading}" if self.number else self.heading


@dataclass(frozen=True, slots=True)
class Meta:
    """Document metadata, from front matter, the command line, or derived defaults.

    :param title: the document title (required; derived from the file name when absent).
    :param marking: a handling marking such as ``UNCLASSIFIED`` or ``TLP:AMBER``.
    :param status: ``final`` or ``draft`` (a draft gets a watermark).
    :param identifier: a stable identifier (EPUB ``dc:identifier``); derived when absent.
    :param max_pages: the PDF's page budget (a warning when over it).
    :param fit: when over the budget, try tighter leading, then a smaller body size.
    """

    title: str
    subtitle: str | None = None
    date: dt.date | None = None
    authors: tuple[str, ...] = ()
    organisation: str | None = None
    language: str = "en"
    edition: str | None = None
    marking: str | None = None
    status: Literal["final", "draft"] = "final"
    audience: str | None = None
    summary: str | None = None
    keywords: tuple[str, ...] = ()
    identifier: str | None = None
    max_pages: int | None = None
    fit: bool = False
    source: Path | None = field(default=None, compare=False)

    @property
    def short_title(self) -> str:
        """The title trimmed for a running header."""
        return self.title if len(self.title) <= 60 else self.title[:57].rstrip() + "…"


@dataclass(frozen=True, slots=True)
class Document:
    """A whole briefing: metadata and a flat list of sections (levels mark nesting)."""

    meta: Meta
    sections: tuple[Section, ...]

    def blocks(self) -> Iterator[Block]:
        """Every top-level block of the document, in reading order."""
        for section in self.sections:
            yield from section.blocks

    def all_blocks(self) -> Iterator[Block]:
        """Every block, nested ones included (inside lists, quotes, callouts and
        definitions)."""
        for section in self.sections:
            yield from nested_blocks(section.blocks)

    @property
    def takeaways(self) -> tuple[Takeaway, ...]:
        """All takeaways of the document, for the key-takeaways box."""
        return tuple(
            item for block in self.blocks() if isinstance(block, Takeaways) for item in block.items
        )

    @property
    def toc(self) -> tuple[Section, ...]:
        """The sections that have a heading, i.e. the table of contents."""
        return tuple(section for section in self.sections if section.heading is not None)

    @property
    def tables(self) -> tuple[Table, ...]:
        """All tables, in order (their ``number`` fields count 1, 2, ...)."""
        return tuple(block for block in self.all_blocks() if isinstance(block, Table))

    @property
    def figures(self) -> tuple[Figure, ...]:
        """All figures, in order (their ``number`` fields count 1, 2, ...)."""
        return tuple(block for block in self.all_blocks() if isinstance(block, Figure))


def nested_blocks(blocks: tuple[Block, ...]) -> Iterator[Block]:
    """Each block and, depth first, the blocks inside it."""
    for block in blocks:
        yield block
        if isinstance(block, ListBlock):
            for item in block.items:
                yield from nested_blocks(item.blocks)
        elif isinstance(block, Quote | Callout):
            yield from nested_blocks(block.blocks)
        elif isinstance(block, DefinitionList):
            for entry in block.items:
                for definition in entry.definitions:
                    yield from nested_blocks(definition)


def block_inlines(block: Block) -> Iterator[Inlines]:
    """The inline contents held directly by one block (not by blocks nested in it)."""
    if isinstance(block, Paragraph):
        yield block.content
    elif isinstance(block, Takeaways):
        for takeaway in block.items:
            yield takeaway.content
    elif isinstance(block, ListBlock):
        for item in block.items:
            yield item.content
    elif isinstance(block, Table):
        if block.caption is not None:
            yield block.caption
        yield from block.header
        for row in block.rows:
            yield from row
    elif isinstance(block, Callout):
        if block.title is not None:
            yield block.title
    elif isinstance(block, Figure):
        yield block.caption
    elif isinstance(block, DefinitionList):
        for entry in block.items:
            yield entry.term
