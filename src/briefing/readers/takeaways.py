"""Which lists are key takeaways: one rule for every reader, applied during assembly.

Readers give plain lists (a reader may still give :class:`~briefing.model.Takeaways`
blocks: they are decided again here). The rule, in order:

1. Front matter ``takeaways:`` (a list of strings, each ``Label: text`` or just text) wins:
   they become the takeaways, placed at the top of the lede, and no body list is one.
2. Otherwise an explicit marker in the body wins: every list directly under a heading
   named in :data:`MARKER_HEADINGS` (``Key takeaways``, ``Key findings``, ...), and every
   list a reader marked (``{.takeaways}``: its line is in ``marked``). Their items need no
   label (``Takeaway(label="", ...)``).
3. Otherwise a top-level bulleted list counts when every item reads ``Label: text``, it
   has at most :data:`MAX_ITEMS` items, no nested blocks, and its labels are not mostly
   fields of a contact or record (:data:`FIELD_LABELS`: Phone, Email, Hours, ...).

How many takeaways the cover box shows is the theme's choice; the model keeps them all.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from briefing.errors import Diagnostic, InputError
from briefing.model import (
    Block,
    Inlines,
    ListBlock,
    ListItem,
    Strong,
    Takeaway,
    Takeaways,
    Text,
    plain,
)
from briefing.readers.assembly import Draft, LineRole, strip_inlines
from briefing.readers.syntax import keywords, split_takeaway
from briefing.report import warn

__all__ = [
    "FIELD_LABELS",
    "MARKER_HEADINGS",
    "MAX_ITEMS",
    "front_takeaways",
    "is_marker_heading",
    "settle",
    "split_label",
]

#: Headings (case-insensitive, a trailing ``:`` and an author's number ignored) whose
#: lists are the takeaways, in every language of :data:`~briefing.readers.syntax.KEYWORDS`.
MARKER_HEADINGS = frozenset(keywords("takeaways"))

#: Labels of a contact list or a record's fields: such a list is not a takeaway list.
FIELD_LABELS = frozenset(
    {
        "phone",
        "telephone",
        "tel",
        "mobile",
        "cell",
        "email",
        "e-mail",
        "mail",
        "fax",
        "address",
        "web",
        "website",
        "url",
        "hours",
        "opening hours",
        "contact",
        "name",
        "date",
        "time",
        "location",
        "venue",
        "source",
        "sources",
        "author",
        "authors",
        "editor",
        "tags",
        "status",
    }
)

#: A list longer than this is not taken as takeaways without a marker.
MAX_ITEMS = 12

_NUMBERING = re.compile(r"^(?:\d+(?:\.\d+)*\.?|[IVXLC]+\.)\s+")


def is_marker_heading(heading: str | None) -> bool:
    """True for a heading such as ``Key findings`` or ``2. Key takeaways:``."""
    if heading is None:
        return False
    text = _NUMBERING.sub("", heading.strip()).rstrip(":：").strip()
    return " ".join(text.lower().split()) in MARKER_HEADINGS


def split_label(content: Inlines) -> tuple[str, Inlines] | None:
    """Split item content ``Label: text``, ``**Label:** text`` or ``**Label**: text``
    into the label and the rest, or ``None`` when it has no label."""
    if not content:
        return None
    first, rest = content[0], content[1:]
    if isinstance(first, Strong):
        label = plain(first.children).strip()
        if label.endswith((":", "：")):
            label = label[:-1].strip()
        elif rest and isinstance(rest[0], Text) and rest[0].text.startswith((":", "：")):
            rest = (Text(rest[0].text[1:]), *rest[1:])
        else:
            return None
        if not label or split_takeaway(f"{label}: x") is None:
            return None
        return label, strip_inlines(rest)
    if isinstance(first, Text):
        split = split_takeaway(first.text)
        if split is None:
            return None
        label, body = split
        return label, strip_inlines(
            (Text(body + (" " if rest and first.text[-1:] == " " else "")), *rest)
        )
    return None


def _join(head: str, content: Inlines) -> Inlines:
    """``head`` followed by ``content``, adjacent text merged."""
    if content and isinstance(content[0], Text):
        return (Text(head + content[0].text), *content[1:])
    return (Text(head), *content)


def _as_list(block: Takeaways) -> ListBlock:
    """A takeaway list given back as the plain list it was written as."""
    items = tuple(
        ListItem(_join(f"{item.label}: " if item.label else "", item.content), line=item.line)
        for item in block.items
    )
    return ListBlock(items, line=block.line)


def _is_field(label: str) -> bool:
    return " ".join(label.lower().split()) in FIELD_LABELS


@dataclass(frozen=True, slots=True)
class _Verdict:
    takeaways: bool
    reason: str


def _automatic(block: ListBlock) -> _Verdict:
    """The rule without a marker, with the reason for ``briefing explain``."""
    if block.ordered:
        return _Verdict(False, "a numbered list (only '- Label: text' lists are takeaways)")
    labels = [split_label(item.content) for item in block.items]
    if not all(labels):
        return _Verdict(False, "not every item reads 'Label: text'")
    if len(block.items) > MAX_ITEMS:
        return _Verdict(
            False, f"{len(block.items)} items: over {MAX_ITEMS}, too many for takeaways"
        )
    if any(item.blocks for item in block.items):
        return _Verdict(False, "its items hold nested blocks")
    fields = [pair[0] for pair in labels if pair and _is_field(pair[0])]
    if fields and 2 * len(fields) >= len(labels):
        return _Verdict(False, f"a contact or field list ({', '.join(fields[:3])})")
    return _Verdict(True, "'- Label: text' items")


def _convert(block: ListBlock, path: Path) -> Takeaways:
    """A list as takeaways; labels optional, nested items folded into their item."""
    items = []
    for item in block.items:
        label, content = split_label(item.content) or ("", item.content)
        if item.blocks:
            warn(
                Diagnostic(
                    "a takeaway's nested items are joined into its text",
                    path,
                    item.line or block.line,
                    "write each takeaway as one item",
                )
            )
            extra = "; ".join(_block_text(inner) for inner in item.blocks)
            content = (*content, Text(f" ({extra})")) if extra else content
        items.append(Takeaway(label, content, line=item.line))
    return Takeaways(tuple(items), line=block.line)


def _block_text(block: Block) -> str:
    if isinstance(block, ListBlock):
        return "; ".join(
            " ".join([plain(item.content), *(_block_text(b) for b in item.blocks)]).strip()
            for item in block.items
        )
    if isinstance(block, Takeaways):
        return _block_text(_as_list(block))
    content = getattr(block, "content", None)
    return plain(content) if isinstance(content, tuple) else ""


def front_takeaways(value: object, *, path: Path, line: int | None = None) -> Takeaways:
    """The front matter's ``takeaways:`` as a takeaway list.

    :raises InputError: when the value is not a list of text.
    """
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InputError(
            "metadata 'takeaways' must be a list of text",
            path=path,
            line=line,
            hint="write one '- Label: text' (or '- text') line per takeaway under 'takeaways:'",
        )
    items = []
    for text in value:
        text = " ".join(text.split())
        if not text:
            continue
        label, body = split_takeaway(text) or ("", text)
        items.append(Takeaway(label, (Text(body),), line=line or 0))
    return Takeaways(tuple(items), line=line or 0)


def _roles(block: ListBlock | Takeaways, role: str, reason: str) -> list[LineRole]:
    lines = [block.line, *(item.line for item in block.items)]
    return [LineRole(line, role, reason, "") for line in dict.fromkeys(lines) if line]


def settle(
    drafts: Sequence[Draft],
    *,
    path: Path,
    front: Takeaways | None = None,
    marked: Collection[int] = (),
) -> list[LineRole]:
    """Decide which top-level lists of ``drafts`` are takeaways, in place.

    :param front: the front matter's takeaways (see :func:`front_takeaways`), which win.
    :param marked: lines of lists a reader marked as takeaways (``{.takeaways}``).
    :returns: the decision for each list's lines (``text`` left empty: the caller has it).
    """
    roles: list[LineRole] = []
    candidates = [
        (draft, index)
        for draft in drafts
        for index, block in enumerate(draft.blocks)
        if isinstance(block, ListBlock | Takeaways)
    ]
    under_marker = {
        (id(draft), index)
        for draft, index in candidates
        if is_marker_heading(draft.heading) or draft.blocks[index].line in marked
    }
    for draft, index in candidates:
        block = draft.blocks[index]
        listed = _as_list(block) if isinstance(block, Takeaways) else block
        assert isinstance(listed, ListBlock)
        if front is not None:
            verdict = _Verdict(False, "front matter 'takeaways:' gives the takeaways")
        elif (id(draft), index) in under_marker:
            why = (
                f"under the heading '{draft.heading}'"
                if is_marker_heading(draft.heading)
                else "marked {.takeaways}"
            )
            draft.blocks[index] = _convert(listed, path)
            roles.extend(_roles(listed, "takeaway", f"{why}: an explicit marker"))
            continue
        elif under_marker:
            verdict = _Verdict(False, "the takeaways are marked elsewhere")
        else:
            verdict = _automatic(listed)
        if verdict.takeaways:
            draft.blocks[index] = _convert(listed, path)
            roles.extend(_roles(listed, "takeaway", verdict.reason))
        else:
            draft.blocks[index] = listed
            roles.extend(_roles(listed, "list item", f"not a takeaway: {verdict.reason}"))
    if front is not None and front.items and drafts:
        drafts[0].blocks.insert(0, front)
    return roles
