"""The line syntax every reader shares: pipe-table rows, takeaway lines, caption lines.

The plain-text and Markdown readers apply these same rules, so an article reads to the
same model in either format.
"""

from __future__ import annotations

import re
from pathlib import Path

from briefing.errors import InputError
from briefing.model import Alignment

__all__ = [
    "CAPTION_LINE",
    "SEPARATOR_ROW",
    "check_row",
    "split_row",
    "split_takeaway",
    "table_alignments",
]

#: A ``Table: caption`` line (Pandoc's convention) next to a table gives its caption.
CAPTION_LINE = re.compile(r"^Table:\s*(?P<caption>\S.*)$")

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
