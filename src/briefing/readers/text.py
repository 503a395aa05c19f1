"""Reader for the plain-text briefing format (the seed article's shape).

Every line is a block. The rules, each reported by ``briefing explain``:

- a short line (at most 14 words) with no closing punctuation, followed by more text, is a
  section heading;
- consecutive ``- `` lines form a list; when every item reads ``Label: text`` it is a
  takeaway list;
- a line with ``|`` followed by a separator row (``|---|---|``) starts a pipe table, which
  runs while lines hold ``|``;
- a line starting with ``>`` is a quotation; any other line is a paragraph; the text before
  the first heading is the lede. Blank lines only separate.
"""

from __future__ import annotations

import re
from pathlib import Path

from briefing.errors import InputError
from briefing.model import (
    Block,
    ListBlock,
    ListItem,
    Paragraph,
    Quote,
    Table,
    Takeaway,
    Takeaways,
    Text,
)
from briefing.readers.assembly import Draft, LineRole, Parsed
from briefing.readers.syntax import (
    CAPTION_LINE,
    SEPARATOR_ROW,
    check_row,
    split_row,
    split_takeaway,
    table_alignments,
)

__all__ = ["parse"]

#: Suffixes this reader claims in the registry.
SUFFIXES = (".txt", ".text")

_BULLET = re.compile(r"^[-*+•]\s+(?P<text>\S.*)$")
_ORDERED = re.compile(r"^\d{1,3}[.)]\s+(?P<text>\S.*)$")
_CLOSING = re.compile(r"[.!?:;,…]['\"”’)\]]*$")
_HEADING_WORDS = 14


def _heading_reason(text: str) -> str | None:
    """Why ``text`` cannot be a heading, or ``None`` when it can (given text follows)."""
    words = len(text.split())
    if CAPTION_LINE.match(text):
        return "a 'Table:' caption line"
    if words > _HEADING_WORDS:
        return f"too long for a heading ({words} words)"
    if _CLOSING.search(text):
        return f"ends with '{text.rstrip()[-1]}'"
    if not any(char.isalpha() for char in text):
        return "has no letters"
    return None


def _is_table_start(lines: list[str], index: int) -> bool:
    return (
        "|" in lines[index]
        and index + 1 < len(lines)
        and "-" in lines[index + 1]
        and bool(SEPARATOR_ROW.match(lines[index + 1]))
    )


def _content(text: str) -> tuple[Text, ...]:
    return (Text(text),)


class _Parser:
    """One pass over the lines, building drafts and recording each line's role."""

    def __init__(self, lines: list[str], path: Path, first_line: int) -> None:
        self.lines = lines
        self.path = path
        self.offset = first_line  # 1-based file line of lines[0]
        self.drafts = [Draft(heading=None, level=1, line=first_line)]
        self.roles: list[LineRole] = []

    def role(self, index: int, role: str, reason: str) -> None:
        self.roles.append(LineRole(index + self.offset, role, reason, self.lines[index]))

    def add(self, block: Block) -> None:
        self.drafts[-1].blocks.append(block)

    def next_text(self, index: int) -> int | None:
        for later in range(index + 1, len(self.lines)):
            if self.lines[later].strip():
                return later
        return None

    def parse(self) -> Parsed:
        index = 0
        while index < len(self.lines):
            text = self.lines[index].strip()
            if not text:
                self.role(index, "ignored", "blank line")
                index += 1
            elif _is_table_start(self.lines, index):
                index = self.table(index)
            elif _BULLET.match(text) or _ORDERED.match(text):
                index = self.bullet_list(index)
            elif text.startswith(">"):
                line = index + self.offset
                quoted = Paragraph(_content(text.lstrip("> ").strip()), line=line)
                self.add(Quote((quoted,), line=line))
                self.role(index, "quote", "starts with '>'")
                index += 1
            else:
                self.text_line(index, text)
                index += 1
        return Parsed(self.drafts, roles=self.roles)

    def text_line(self, index: int, text: str) -> None:
        why_not = _heading_reason(text)
        if why_not is None and self.next_text(index) is None:
            why_not = "looks like a heading but no text follows it"
        if why_not is None:
            words = len(text.split())
            self.drafts.append(Draft(heading=text, level=1, line=index + self.offset))
            self.role(index, "heading", f"short ({words} words), no closing punctuation")
            return
        self.add(Paragraph(_content(text), line=index + self.offset))
        if len(self.drafts) == 1:
            self.role(index, "lede", f"paragraph before the first heading; {why_not}")
        else:
            self.role(index, "paragraph", why_not)

    def bullet_list(self, start: int) -> int:
        pattern = _BULLET if _BULLET.match(self.lines[start].strip()) else _ORDERED
        items: list[tuple[int, str]] = []
        index = start
        while index < len(self.lines):
            match = pattern.match(self.lines[index].strip())
            if not match:
                break
            items.append((index, match.group("text")))
            index += 1
        split = [split_takeaway(text) for _, text in items]
        pairs = [pair for pair in split if pair is not None]
        if pattern is _BULLET and len(pairs) == len(items):
            self.add(
                Takeaways(
                    tuple(
                        Takeaway(label, _content(body), line=i + self.offset)
                        for (i, _), (label, body) in zip(items, pairs, strict=True)
                    ),
                    line=start + self.offset,
                )
            )
            for i, _ in items:
                self.role(i, "takeaway", "'- Label: text' item")
        else:
            ordered = pattern is _ORDERED
            self.add(
                ListBlock(
                    tuple(ListItem(_content(text), line=i + self.offset) for i, text in items),
                    ordered=ordered,
                    line=start + self.offset,
                )
            )
            why = "numbered item" if ordered else "'- ' item; not every item has a 'Label:'"
            for i, _ in items:
                self.role(i, "list item", why)
        return index

    def table(self, start: int) -> int:
        header = split_row(self.lines[start])
        align = table_alignments(self.lines[start + 1])
        self.role(start, "table header", "row followed by a |---| separator")
        self.role(start + 1, "table separator", "|---| row")
        if len(align) != len(header):
            raise InputError(
                f"the separator row has {len(align)} cells but the header has {len(header)}",
                path=self.path,
                line=start + 1 + self.offset,
                hint="give the |---| row one cell per column",
            )
        rows = []
        index = start + 2
        while index < len(self.lines) and "|" in self.lines[index]:
            cells = split_row(self.lines[index])
            check_row(
                cells,
                len(header),
                path=self.path,
                line=index + self.offset,
                header_line=start + self.offset,
            )
            rows.append(tuple(_content(cell) for cell in cells))
            self.role(index, "table row", f"{len(cells)} cells")
            index += 1
        self.add(
            Table(
                header=tuple(_content(cell) for cell in header),
                rows=tuple(rows),
                align=align,
                line=start + self.offset,
            )
        )
        return index


def parse(
    lines: list[str], *, path: Path, first_line: int = 1, title_known: bool = False
) -> Parsed:
    """Read the body lines of a plain-text article.

    :param lines: the article's lines after any front matter.
    :param path: the file, for error messages.
    :param first_line: the 1-based file line of ``lines[0]``.
    :param title_known: unused: this format has no title line (kept for the common signature).
    """
    return _Parser(lines, path, first_line).parse()
