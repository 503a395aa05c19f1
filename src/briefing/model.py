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
    "Cell",
    "Code",
    "Document",
    "Emph",
    "Inline",
    "Inlines",
    "Link",
    "ListBlock",
    "Meta",
    "Paragraph",
    "Quote",
    "Section",
    "Strong",
    "Table",
    "Takeaway",
    "Takeaways",
    "Text",
    "plain",
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


Inline: TypeAlias = "Text | Emph | Strong | Code | Link"
Inlines: TypeAlias = "tuple[Inline, ...]"
Cell: TypeAlias = "tuple[Inline, ...]"


def plain(inlines: Inlines) -> str:
    """The text of some inline content with all markup dropped."""
    parts: list[str] = []
    for node in inlines:
        if isinstance(node, Text | Code):
            parts.append(node.text)
        else:
            parts.append(plain(node.children))
    return "".join(parts)


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
class ListBlock:
    """A plain bulleted or numbered list."""

    items: tuple[Inlines, ...]
    ordered: bool = False
    line: int = field(default=0, compare=False)
    type: Literal["list"] = field(default="list", init=False, repr=False)


Alignment: TypeAlias = Literal["left", "center", "right"] | None


@dataclass(frozen=True, slots=True)
class Table:
    """A table with one header row; ``number`` is its 1-based position in the document."""

    header: tuple[Cell, ...]
    rows: tuple[tuple[Cell, ...], ...]
    align: tuple[Alignment, ...]
    caption: str | None = None
    number: int = 0
    line: int = field(default=0, compare=False)
    type: Literal["table"] = field(default="table", init=False, repr=False)

    @property
    def label(self) -> str:
        """The caption as printed, e.g. ``Table 2 — Key implications``."""
        return f"Table {self.number} — {self.caption}" if self.caption else f"Table {self.number}"


@dataclass(frozen=True, slots=True)
class Quote:
    """A block quotation."""

    content: Inlines
    line: int = field(default=0, compare=False)
    type: Literal["quote"] = field(default="quote", init=False, repr=False)


Block: TypeAlias = "Paragraph | Takeaways | ListBlock | Table | Quote"


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
        """Every block of the document, in reading order."""
        for section in self.sections:
            yield from section.blocks

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
        return tuple(block for block in self.blocks() if isinstance(block, Table))
