"""Reader for Markdown articles (CommonMark plus pipe tables), via markdown-it-py.

Raw HTML is switched off, so ``<script>`` in an article is text, not markup. A single
leading ``#`` heading is the title when the front matter gives none; the remaining heading
levels are shifted so the top one is level 1, as in the plain-text format. Lists whose
every item starts ``Label:`` (or ``**Label:**``) are takeaway lists, by the same rule as
the plain-text reader.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from briefing.errors import Diagnostic, InputError
from briefing.model import (
    Block,
    Code,
    CodeBlock,
    Emph,
    Inline,
    Inlines,
    Link,
    ListBlock,
    ListItem,
    Paragraph,
    Quote,
    Strong,
    Table,
    Takeaway,
    Takeaways,
    Text,
    plain,
)
from briefing.readers.assembly import Draft, LineRole, Parsed
from briefing.readers.syntax import check_row, split_row, split_takeaway
from briefing.report import warn

if TYPE_CHECKING:
    from markdown_it.token import Token

__all__ = ["parse"]

#: Suffixes this reader claims in the registry.
SUFFIXES = (".md", ".markdown")


#: Deepest nesting of emphasis, strong and links accepted (``*_**x**_*`` is 3). Renderers
#: and :func:`~briefing.model.plain` walk the model recursively, so a bound here keeps
#: ~2,000 nested ``*`` from exhausting Python's stack later.
MAX_INLINE_DEPTH = 32


class _TooDeep(Exception):
    """Inline content nested deeper than :data:`MAX_INLINE_DEPTH`."""


def _inlines(token: Token, images: list[str] | None = None) -> Inlines:
    """Convert an ``inline`` token's children into model inlines.

    :param images: collects the sources of images met (shown as text, not loaded).
    :raises _TooDeep: when nesting exceeds :data:`MAX_INLINE_DEPTH`.
    """
    images = [] if images is None else images
    stack: list[tuple[str, str, list[Inline]]] = [("root", "", [])]
    for child in token.children or []:
        kind = child.type
        if kind in ("text", "html_inline"):
            stack[-1][2].append(Text(child.content))
        elif kind in ("softbreak", "hardbreak"):
            stack[-1][2].append(Text(" "))
        elif kind == "code_inline":
            stack[-1][2].append(Code(child.content))
        elif kind == "image":
            # The model has no images: show what the author wrote, so nothing is lost or
            # fetched, and say so (the reader attaches the line).
            source = str(child.attrGet("src") or "")
            stack[-1][2].append(Text(f"![{child.content}]({source})"))
            images.append(source)
        elif kind in ("em_open", "strong_open", "link_open"):
            if len(stack) > MAX_INLINE_DEPTH:
                raise _TooDeep
            stack.append((kind, str(child.attrGet("href") or ""), []))
        elif kind in ("em_close", "strong_close", "link_close") and len(stack) > 1:
            opened, href, children = stack.pop()
            content = _merge(children)
            node: Inline
            if opened == "em_open":
                node = Emph(content)
            elif opened == "strong_open":
                node = Strong(content)
            else:
                node = Link(content, href)
            stack[-1][2].append(node)
    return _merge(stack[0][2])


def _merge(nodes: list[Inline]) -> Inlines:
    """Join adjacent text nodes, so equal text gives equal models whatever the tokens."""
    merged: list[Inline] = []
    for node in nodes:
        if isinstance(node, Text) and merged and isinstance(merged[-1], Text):
            merged[-1] = Text(merged[-1].text + node.text)
        elif not (isinstance(node, Text) and not node.text):
            merged.append(node)
    return tuple(merged)


def _strip(content: Inlines) -> Inlines:
    """Trim white space at both ends of some inline content."""
    nodes = list(content)
    if nodes and isinstance(nodes[0], Text):
        nodes[0] = Text(nodes[0].text.lstrip())
    if nodes and isinstance(nodes[-1], Text):
        nodes[-1] = Text(nodes[-1].text.rstrip())
    return _merge(nodes)


def _takeaway(content: Inlines) -> tuple[str, Inlines] | None:
    """Split ``Label: text`` or ``**Label:** text`` / ``**Label**: text`` content."""
    if not content:
        return None
    first, rest = content[0], content[1:]
    if isinstance(first, Strong):
        label = plain(first.children).strip()
        after = rest
        if label.endswith(":"):
            label = label[:-1].strip()
        elif after and isinstance(after[0], Text) and after[0].text.startswith(":"):
            after = (Text(after[0].text[1:]), *after[1:])
        else:
            return None
        if not label or split_takeaway(f"{label}: x") is None:
            return None
        return label, _strip(after)
    if isinstance(first, Text):
        split = split_takeaway(first.text)
        if split is None:
            return None
        label, body = split
        return label, _strip((Text(body), *rest))
    return None


class _Walker:
    """Walks markdown-it's flat block-token stream and builds drafts."""

    def __init__(self, lines: list[str], path: Path, first_line: int) -> None:
        self.lines = lines
        self.path = path
        self.offset = first_line
        self.drafts: list[Draft] = [Draft(heading=None, level=1, line=first_line)]
        self.roles: dict[int, LineRole] = {}

    def inlines(self, token: Token) -> Inlines:
        images: list[str] = []
        try:
            content = _inlines(token, images)
        except _TooDeep:
            raise InputError(
                f"emphasis and links are nested more than {MAX_INLINE_DEPTH} deep here",
                path=self.path,
                line=self.line(token),
                hint="remove some of the nested *, _ or [ ] marks",
            ) from None
        for source in images:
            warn(
                Diagnostic(
                    f"image '{source}' shown as text: briefings do not embed images",
                    self.path,
                    self.line(token),
                    "remove the image, or describe it in words",
                )
            )
        return content

    def line(self, token: Token) -> int:
        return (token.map[0] if token.map else 0) + self.offset

    def mark(self, token: Token, role: str, reason: str) -> None:
        if token.map:
            for index in range(token.map[0], token.map[1]):
                if index < len(self.lines) and self.lines[index].strip():
                    self.roles[index] = LineRole(
                        index + self.offset, role, reason, self.lines[index]
                    )

    def add(self, block: Block) -> None:
        self.drafts[-1].blocks.append(block)

    def walk(self, tokens: list[Token]) -> None:
        index = 0
        while index < len(tokens):
            token = tokens[index]
            kind = token.type
            if kind == "heading_open":
                text = plain(self.inlines(tokens[index + 1])).strip()
                self.drafts.append(
                    Draft(heading=text, level=int(token.tag[1]), line=self.line(token))
                )
                self.mark(token, "heading", f"'{token.markup}' heading")
                index += 3
            elif kind == "paragraph_open":
                self.add(Paragraph(_strip(self.inlines(tokens[index + 1])), line=self.line(token)))
                self.mark(token, "lede" if len(self.drafts) == 1 else "paragraph", "paragraph")
                index += 3
            elif kind in ("bullet_list_open", "ordered_list_open"):
                index = self.bullet_list(tokens, index)
            elif kind == "blockquote_open":
                index = self.quote(tokens, index)
            elif kind == "table_open":
                index = self.table(tokens, index)
            elif kind in ("fence", "code_block") and not token.content.strip():
                warn(
                    Diagnostic(
                        "an empty code block is ignored",
                        self.path,
                        self.line(token),
                        "delete the empty ``` fence, or put the code in it",
                    )
                )
                self.mark(token, "ignored", "empty code block")
                index += 1
            elif kind in ("fence", "code_block"):
                language = token.info.strip().split()[0] if token.info.strip() else None
                self.add(
                    CodeBlock(token.content.rstrip("\n"), language=language, line=self.line(token))
                )
                self.mark(token, "paragraph", "code block")
                index += 1
            else:  # hr, html_block (off), anything else carries no text of its own
                self.mark(token, "ignored", token.type)
                index += 1

    def _close(self, tokens: list[Token], start: int) -> int:
        """The index of the token that closes ``tokens[start]``."""
        depth = 0
        for index in range(start, len(tokens)):
            depth += tokens[index].nesting
            if depth == 0:
                return index
        return len(tokens) - 1

    def bullet_list(self, tokens: list[Token], start: int) -> int:
        end = self._close(tokens, start)
        items: list[Inlines] = []
        item: list[Inline] | None = None
        for token in tokens[start + 1 : end]:
            if token.type == "list_item_open":
                item = []
                items.append(())
            elif token.type == "inline" and item is not None:
                # Later paragraphs and nested items join their item, separated by a space.
                content = _strip(self.inlines(token))
                items[-1] = _merge(
                    list(items[-1]) + ([Text(" ")] if items[-1] else []) + list(content)
                )
        ordered = tokens[start].type == "ordered_list_open"
        split = [_takeaway(item) for item in items]
        if not ordered and items and all(split):
            self.add(
                Takeaways(
                    tuple(Takeaway(label, body) for label, body in split),  # type: ignore[misc]
                    line=self.line(tokens[start]),
                )
            )
            self.mark(tokens[start], "takeaway", "'- Label: text' items")
        else:
            self.add(
                ListBlock(
                    tuple(ListItem(item) for item in items),
                    ordered=ordered,
                    line=self.line(tokens[start]),
                )
            )
            self.mark(tokens[start], "list item", "list; not every item has a 'Label:'")
        return end + 1

    def quote(self, tokens: list[Token], start: int) -> int:
        end = self._close(tokens, start)
        parts: list[Inline] = []
        for token in tokens[start + 1 : end]:
            if token.type == "inline":
                parts.extend(([Text(" ")] if parts else []) + list(_strip(self.inlines(token))))
        line = self.line(tokens[start])
        self.add(Quote((Paragraph(_merge(parts), line=line),), line=line))
        self.mark(tokens[start], "quote", "'>' block quote")
        return end + 1

    def table(self, tokens: list[Token], start: int) -> int:
        end = self._close(tokens, start)
        header: list[Inlines] = []
        rows: list[list[Inlines]] = []
        align = []
        in_head = False
        for token in tokens[start + 1 : end]:
            if token.type == "thead_open":
                in_head = True
            elif token.type == "thead_close":
                in_head = False
            elif token.type == "tr_open" and not in_head:
                rows.append([])
            elif token.type == "th_open":
                style = str(token.attrGet("style") or "")
                align.append(style.removeprefix("text-align:") or None)
            elif token.type == "inline":
                (header if in_head else rows[-1]).append(_strip(self.inlines(token)))
        self.check_ragged(tokens[start], len(header))
        self.add(
            Table(
                header=tuple(header),
                rows=tuple(tuple(row) for row in rows),
                align=tuple(align),  # type: ignore[arg-type]
                line=self.line(tokens[start]),
            )
        )
        self.mark(tokens[start], "table row", "pipe table")
        return end + 1

    def check_ragged(self, token: Token, width: int) -> None:
        """markdown-it pads or cuts ragged rows silently; refuse them like the text reader."""
        if not token.map:
            return
        for index in range(token.map[0] + 2, token.map[1]):
            if self.lines[index].strip():
                check_row(
                    split_row(self.lines[index]),
                    width,
                    path=self.path,
                    line=index + self.offset,
                    header_line=token.map[0] + self.offset,
                )


def parse(
    lines: list[str], *, path: Path, first_line: int = 1, title_known: bool = False
) -> Parsed:
    """Read the body lines of a Markdown article (see the module docstring for the rules).

    :param title_known: the metadata already has a title, so a leading ``#`` heading stays
        a section instead of becoming the title.
    """
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    walker = _Walker(lines, path, first_line)
    try:
        tokens = parser.parse("\n".join(lines))
    except RecursionError:
        raise InputError(
            "the Markdown is nested too deeply to read",
            path=path,
            hint="remove some of the nested *, _, [ ] or > marks",
        ) from None
    walker.walk(tokens)
    drafts = walker.drafts
    title = None
    headed = [draft for draft in drafts if draft.heading is not None]
    tops = [draft for draft in headed if draft.level == 1]
    if not title_known and len(tops) == 1 and headed[0] is tops[0] and not drafts[0].blocks:
        # "# Title" opening the article: the title, and what follows it is the lede.
        title = tops[0].heading
        drafts[0].blocks = tops[0].blocks
        drafts.remove(tops[0])
        headed.remove(tops[0])
    if headed:
        shift = min(draft.level for draft in headed) - 1
        for draft in headed:
            draft.level -= shift
    roles = [walker.roles[i] for i in sorted(walker.roles)]
    return Parsed(drafts, title=title, roles=roles)
