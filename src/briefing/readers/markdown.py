"""Reader for Markdown articles (CommonMark, pipe tables, footnotes, callouts, definition
lists), via markdown-it-py and mdit-py-plugins.

Raw HTML is switched off, so ``<script>`` in an article is text, not markup. The first
``#`` heading is the title when it opens the article (before any text) and the front
matter gives none; other ``#`` headings (appendices) then sit beside the ``##`` sections.
Container tokens (list items, block quotes, callouts) are walked recursively, so nested
lists, quotes with several paragraphs and code keep their structure. Lists whose every
item starts ``Label:`` (or ``**Label:**``) are takeaway lists, by the same rule as the
plain-text reader (:mod:`.takeaways` decides, in assembly).

What this reader adds beyond CommonMark:

- GitHub alerts (``> [!NOTE] Title``) and Quarto callouts (``::: {.callout-tip}``) give
  :class:`~briefing.model.Callout` blocks;
- footnotes (``[^1]``) give inline :class:`~briefing.model.Note` nodes at the call site
  (a note called twice is one note: assembly makes the later calls repeats of the first);
- definition lists (``Term`` then ``: Definition``, as Pandoc and PHP Markdown Extra write
  them) give :class:`~briefing.model.DefinitionList` blocks;
- a paragraph that is only an image (``![Caption](chart.png){#fig-x fig-alt="..."}``)
  gives a :class:`~briefing.model.Figure` (assembly resolves and embeds the image);
- ``{#sec-x}`` on a heading sets its id; ``@sec-x``, ``@tbl-x``, ``@fig-x`` and
  ``[@tbl-x]`` give :class:`~briefing.model.CrossRef` nodes (assembly numbers them);
- ``::: {.takeaways}`` around a list, or ``{.takeaways}`` on the heading above it, marks
  it as the key takeaways (see :mod:`.takeaways`).
"""

from __future__ import annotations

import copy
import re
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefing.errors import Diagnostic, InputError
from briefing.model import (
    Block,
    Callout,
    Code,
    CodeBlock,
    CrossRef,
    DefinitionItem,
    DefinitionList,
    Emph,
    Figure,
    Image,
    Inline,
    Inlines,
    LineBreak,
    Link,
    ListBlock,
    ListItem,
    Note,
    Paragraph,
    Quote,
    Strong,
    Table,
    Takeaways,
    Text,
    plain,
    walk_inlines,
)
from briefing.readers.assembly import (
    Draft,
    LineRole,
    Parsed,
    merge_text,
    strip_inlines,
    table_caption,
)
from briefing.readers.attrs import Attrs, parse_attrs, split_attrs
from briefing.readers.leftovers import SIMPLE_TABLE_RULE
from briefing.readers.syntax import CAPTION_HEAD, check_row, split_row
from briefing.report import warn

if TYPE_CHECKING:
    from markdown_it.token import Token

__all__ = ["CALLOUT_KINDS", "parse", "split_crossrefs"]

#: Deepest nesting of emphasis, strong and links accepted (``*_**x**_*`` is 3). Renderers
#: and :func:`~briefing.model.plain` walk the model recursively, so a bound here keeps
#: ~2,000 nested ``*`` from exhausting Python's stack later.
MAX_INLINE_DEPTH = 32

#: Callout kinds, shared by GitHub alerts and Quarto callouts.
CALLOUT_KINDS = ("note", "tip", "important", "warning", "caution")

_ALERT = re.compile(r"^\[!(?P<kind>[A-Za-z]+)\]\s*")
#: ``@sec-x``, also glued to words of scripts without spaces (``详见@tbl-gas和``); not
#: after an ASCII letter, digit or ``._%+-@``, so ``a@b.org`` stays an address. The id is
#: ASCII and does not end in ``-`` or ``:`` (``@sec-risk:`` ends a sentence).
_CROSSREF = re.compile(
    r"(?<![A-Za-z0-9._%+\-@])@(?P<kind>sec|tbl|fig)-(?P<name>[A-Za-z0-9_:-]*[A-Za-z0-9_])"
)
#: ``[@tbl-x]`` and ``[see @sec-x]`` (Pandoc's citation-like syntax): the brackets go.
_BRACKETED = re.compile(r"\[(?P<inner>[^\[\]]*)\]")
#: An image markdown-it refused to parse (``file:``, ``javascript:`` ...), alone in a paragraph.
_REFUSED_IMAGE = re.compile(
    r'!\[(?P<caption>[^\[\]]*)\]\(\s*(?P<source>[^\s()]+)(?:\s+"(?P<title>[^"]*)")?\s*\)'
    r"\s*(?P<attrs>\{[^{}]*\})?"
)
#: A caption line that GFM would read as one more table row.
_CAPTION_ROW = re.compile(r"^\s*(?:\*\*)?" + CAPTION_HEAD.pattern.removeprefix("^"), re.IGNORECASE)
_UNDEFINED_NOTE = re.compile(r"\[\^(?P<label>[^\]\s]+)\]")
#: A ``: Definition`` line inside a paragraph: its term was not a line of its own.
_LOST_DEFINITION = re.compile(r"\n[ \t]*[:~][ \t]+\S")


class _TooDeep(Exception):
    """Inline content nested deeper than :data:`MAX_INLINE_DEPTH`."""


def split_crossrefs(nodes: Inlines) -> Inlines:
    """Turn ``@sec-x``, ``@tbl-x``, ``@fig-x`` and ``[@tbl-x]`` in text into
    :class:`~briefing.model.CrossRef` nodes (not inside code; e-mail addresses stay text)."""
    result: list[Inline] = []
    for node in nodes:
        if isinstance(node, Text):
            text = _BRACKETED.sub(
                lambda m: m.group("inner") if _CROSSREF.search(m.group("inner")) else m.group(0),
                node.text,
            )
            position = 0
            for match in _CROSSREF.finditer(text):
                result.append(Text(text[position : match.start()]))
                kind = match.group("kind")
                result.append(CrossRef(kind, f"{kind}-{match.group('name')}"))  # type: ignore[arg-type]
                position = match.end()
            result.append(Text(text[position:]))
        elif isinstance(node, Emph):
            result.append(Emph(split_crossrefs(node.children)))
        elif isinstance(node, Strong):
            result.append(Strong(split_crossrefs(node.children)))
        else:
            result.append(node)
    return merge_text(result)


def _figure_parts(token: Token) -> tuple[Token, Attrs | None] | None:
    """The image token (and its trailing attributes) of a paragraph that is only an image."""
    children = [
        child
        for child in token.children or []
        if not (child.type in ("text", "softbreak") and not child.content.strip())
    ]
    if not children or children[0].type != "image":
        return None
    if len(children) == 1:
        return children[0], None
    if len(children) == 2 and children[1].type == "text":
        attrs = parse_attrs(children[1].content)
        if attrs is not None and children[1].content.strip().startswith("{"):
            return children[0], attrs
    return None


class _Walker:
    """Walks markdown-it's block-token stream and builds drafts."""

    def __init__(self, lines: list[str], path: Path, first_line: int) -> None:
        self.lines = lines
        self.path = path
        self.offset = first_line
        self.drafts: list[Draft] = [Draft(heading=None, level=1, line=first_line)]
        self.roles: dict[int, LineRole] = {}
        self.note_ranges: dict[int, tuple[list[Token], int, int]] = {}
        self.note_cache: dict[int, Inlines] = {}
        self.note_busy: set[int] = set()
        #: lines of lists marked {.takeaways}, and drafts whose heading carries it
        self.marked: set[int] = set()
        self.marked_drafts: list[Draft] = []
        #: horizontal rules seen (the first is warned about)
        self.rules = 0

    # -- lines and roles ---------------------------------------------------------------

    def line(self, token: Token) -> int:
        return (token.map[0] if token.map else 0) + self.offset

    def mark(self, token: Token, role: str, reason: str) -> None:
        if token.map:
            for index in range(token.map[0], token.map[1]):
                if index < len(self.lines) and self.lines[index].strip():
                    self.roles[index] = LineRole(
                        index + self.offset, role, reason, self.lines[index]
                    )

    def mark_first(
        self, token: Token, role: str, reason: str, markers: tuple[str, ...] = ("",)
    ) -> None:
        """Give the first line of ``token`` that starts with one of ``markers`` a role; its
        other lines keep their own."""
        if not token.map:
            return
        for index in range(token.map[0], min(max(token.map[1], token.map[0] + 1), len(self.lines))):
            if self.lines[index].lstrip().startswith(markers):
                self.roles[index] = LineRole(index + self.offset, role, reason, self.lines[index])
                return

    def warn(self, message: str, line: int, hint: str) -> None:
        warn(Diagnostic(message, self.path, line, hint))

    # -- inline content ----------------------------------------------------------------

    def inlines(self, token: Token, line: int | None = None) -> Inlines:
        """Model inlines for an ``inline`` token: notes resolved, references split,
        images in running text shown as their alt text (with a warning)."""
        line = self.line(token) if line is None else line
        try:
            content = self._inlines(token.children or [], line)
        except _TooDeep:
            raise InputError(
                f"emphasis and links are nested more than {MAX_INLINE_DEPTH} deep here",
                path=self.path,
                line=line,
                hint="remove some of the nested *, _ or [ ] marks",
            ) from None
        for node in content:
            if isinstance(node, Text):
                for match in _UNDEFINED_NOTE.finditer(node.text):
                    self.warn(
                        f"the footnote {match.group(0)} has no definition; shown as written",
                        line,
                        f"add a line '[^{match.group('label')}]: text' below the paragraph",
                    )
        return split_crossrefs(content)

    def _inlines(self, children: list[Token], line: int) -> Inlines:
        stack: list[tuple[str, str, list[Inline]]] = [("root", "", [])]
        for child in children:
            kind = child.type
            out = stack[-1][2]
            if kind in ("text", "html_inline"):
                out.append(Text(child.content))
            elif kind == "softbreak":
                out.append(Text(" "))
            elif kind == "hardbreak":
                out.append(LineBreak())
            elif kind == "code_inline":
                out.append(Code(child.content))
            elif kind == "footnote_ref":
                out.append(self.note(int(child.meta["id"]), str(child.meta["label"])))
            elif kind == "image":
                # An image inside running text cannot be a figure: keep its words.
                source = str(child.attrGet("src") or "")
                alt = self._inlines(child.children or [], line)
                out.extend(alt)
                self.warn(
                    f"the image '{source}' is inside running text, so only its alt text is shown",
                    line,
                    "put the image in a paragraph of its own to make it a figure",
                )
            elif kind in ("em_open", "strong_open", "link_open"):
                if len(stack) > MAX_INLINE_DEPTH:
                    raise _TooDeep
                stack.append((kind, str(child.attrGet("href") or ""), []))
            elif kind in ("em_close", "strong_close", "link_close") and len(stack) > 1:
                opened, href, nodes = stack.pop()
                content = merge_text(nodes)
                node: Inline
                if opened == "em_open":
                    node = Emph(content)
                elif opened == "strong_open":
                    node = Strong(content)
                else:
                    node = Link(content, href)
                stack[-1][2].append(node)
        return merge_text(stack[0][2])

    def note(self, ident: int, label: str) -> Inline:
        """The :class:`Note` for footnote ``ident``: its paragraphs joined by line breaks.

        Every call carries the note's text and its ``label`` as key; assembly keeps the
        text at the first call and makes the others repeats of it.
        """
        if ident in self.note_cache:
            return Note(self.note_cache[ident], key=label)
        if ident in self.note_busy or ident not in self.note_ranges:
            return Text("")  # a note calling itself: the call is dropped inside it
        self.note_busy.add(ident)
        tokens, start, end = self.note_ranges[ident]
        parts: list[Inline] = []
        for block in self.blocks(tokens, start, end):
            if parts:
                parts.append(LineBreak())
            if isinstance(block, Paragraph):
                parts.extend(block.content)
            elif isinstance(block, CodeBlock):
                parts.append(Code(block.text))
            elif isinstance(block, ListBlock):  # a line per item, with its marker
                for number, line in enumerate(_list_lines(block)):
                    parts.extend([LineBreak(), *line] if number else line)
            else:
                self.warn(
                    f"a {block.type} inside a footnote is shown as plain text",
                    block.line,
                    "move it out of the footnote into the text",
                )
                parts.append(Text(_block_text(block)))
        self.note_busy.discard(ident)
        for token in tokens[start:end]:
            self.mark(token, "footnote", "footnote definition")
        content = strip_inlines(tuple(parts))
        self.note_cache[ident] = content
        return Note(content, key=label)

    # -- blocks ------------------------------------------------------------------------

    def add(self, blocks: list[Block]) -> None:
        self.drafts[-1].blocks.extend(blocks)

    def walk(self, tokens: list[Token]) -> None:
        """The top level: headings open drafts, everything else is a block of the draft."""
        index = 0
        while index < len(tokens):
            token = tokens[index]
            if token.type == "heading_open":
                self.heading(tokens, index)
                index += 3
            else:
                blocks, index = self.block(tokens, index, nested=False)
                self.add(blocks)

    def heading(self, tokens: list[Token], index: int) -> None:
        token = tokens[index]
        content = self.inlines(tokens[index + 1])
        if any(isinstance(node, Note | Link) for node in walk_inlines(content)):
            self.warn(
                "headings are plain text: the footnote or link in this heading is left out",
                self.line(token),
                "move the footnote or link into the text below the heading",
            )
        text, attrs = split_attrs(plain(content).strip())
        self.drafts.append(
            Draft(
                heading=text,
                level=int(token.tag[1]),
                line=self.line(token),
                id=attrs.id if attrs else None,
                unnumbered=bool(attrs and "unnumbered" in attrs.classes),
            )
        )
        if attrs and "takeaways" in attrs.classes:
            self.marked_drafts.append(self.drafts[-1])
        reason = f"'{token.markup}' heading" + (
            f" with id '{attrs.id}'" if attrs and attrs.id else ""
        )
        self.mark(token, "heading", reason)

    def blocks(self, tokens: list[Token], start: int, end: int) -> list[Block]:
        """The blocks of ``tokens[start:end]`` (the inside of a container)."""
        result: list[Block] = []
        index = start
        while index < end:
            if tokens[index].type == "heading_open":
                # A heading inside a list, quote or callout: a bold line, not a section.
                content = self.inlines(tokens[index + 1])
                result.append(Paragraph((Strong(content),), line=self.line(tokens[index])))
                self.mark(tokens[index], "paragraph", "heading inside a quote, list or callout")
                index += 3
                continue
            blocks, index = self.block(tokens, index, nested=True)
            result.extend(blocks)
        return result

    def block(self, tokens: list[Token], index: int, *, nested: bool) -> tuple[list[Block], int]:
        """The block starting at ``tokens[index]`` and the index after it."""
        token = tokens[index]
        kind = token.type
        if kind == "paragraph_open":
            block = self.paragraph(tokens[index + 1], token)
            self.mark(token, *self.paragraph_role(block, nested))
            return [block], index + 3
        if kind in ("bullet_list_open", "ordered_list_open"):
            return self.list_block(tokens, index, nested=nested)
        if kind == "blockquote_open":
            return self.quote(tokens, index)
        if kind.startswith("container_") and kind.endswith("_open"):
            return self.container(tokens, index)
        if kind == "table_open":
            return self.table(tokens, index)
        if kind == "dl_open":
            return self.definitions(tokens, index)
        if kind == "footnote_block_open":
            self.mark(token, "footnote", "footnote definitions")
            return [], self._close(tokens, index) + 1
        if kind in ("fence", "code_block"):
            return self.code(token), index + 1
        rule_line = self.lines[token.map[0]] if kind == "hr" and token.map else ""
        if kind == "hr" and not SIMPLE_TABLE_RULE.match(rule_line):  # (said as a table)
            self.rules += 1
            if self.rules == 1:
                self.warn(
                    "a horizontal rule (---, ***) is not printed: sections are separated by "
                    "their headings",
                    self.line(token),
                    "leave it out, or start the part below it with a ## heading",
                )
        # hr, html_block (off), anything else carries no text of its own
        self.mark(token, "ignored", token.type)
        end = self._close(tokens, index) if token.nesting == 1 else index
        return [], end + 1

    def paragraph_role(self, block: Block, nested: bool) -> tuple[str, str]:
        """The ``explain`` role and reason of a paragraph (or figure)."""
        if isinstance(block, Figure):
            return "figure", "a paragraph that is only an image"
        if not isinstance(block, Paragraph):
            return block.type, block.type
        if table_caption(block.content) is not None:
            return "caption", "a 'Table: ...' line; captions the table next to it"
        role = "lede" if len(self.drafts) == 1 and not nested else "paragraph"
        if any(isinstance(node, LineBreak) for node in block.content):
            return role, "paragraph with hard line breaks"
        return role, "paragraph"

    def lost_definition(self, inline: Token, line: int) -> None:
        """Warn when a ``: Definition`` line was read as part of a paragraph (its term is
        not one line with a blank line above it), which would run term and definition
        together without a word."""
        match = _LOST_DEFINITION.search(inline.content)
        if match:
            self.warn(
                "this ': ' line is read as part of the paragraph above, not as a definition",
                line + inline.content.count("\n", 0, match.start()) + 1,
                "put the term alone on the line above the ': ' line, after a blank line",
            )

    def paragraph(self, inline: Token, token: Token) -> Block:
        parts = _figure_parts(inline)
        line = self.line(token)
        self.lost_definition(inline, line)
        if parts is None:
            refused = _REFUSED_IMAGE.fullmatch(inline.content.strip())
            if refused and all(c.type == "text" for c in inline.children or []):
                # markdown-it leaves ![..](file:...) as text: still a figure, which
                # assembly then refuses to read (with a warning), keeping its caption.
                caption: Inlines = (Text(refused.group("caption")),) if refused["caption"] else ()
                given = parse_attrs(refused.group("attrs") or "") or Attrs()
                alt = given.values.get("fig-alt") or refused["title"] or refused["caption"] or ""
                source = Image(refused.group("source"))
                return Figure(source, alt.strip(), caption, id=given.id, line=line)
            return Paragraph(strip_inlines(self.inlines(inline)), line=line)
        image, attrs = parts
        caption = split_crossrefs(strip_inlines(self._inlines(image.children or [], line)))
        title = str(image.attrGet("title") or "").strip()
        values = attrs.values if attrs else {}
        alt = values.get("fig-alt", "").strip() or title or plain(caption).strip()
        return Figure(
            image=Image(source=str(image.attrGet("src") or "")),
            alt=alt,
            caption=caption,
            id=attrs.id if attrs else None,
            line=line,
        )

    def code(self, token: Token) -> list[Block]:
        if not token.content.strip():
            self.warn(
                "an empty code block is ignored",
                self.line(token),
                "delete the empty ``` fence, or put the code in it",
            )
            self.mark(token, "ignored", "empty code block")
            return []
        language = token.info.strip().split()[0] if token.info.strip() else None
        self.mark(
            token, "code", "fenced code block" if token.type == "fence" else "indented code block"
        )
        return [CodeBlock(token.content.rstrip("\n"), language=language, line=self.line(token))]

    def _close(self, tokens: list[Token], start: int) -> int:
        """The index of the token that closes ``tokens[start]``."""
        depth = 0
        for index in range(start, len(tokens)):
            depth += tokens[index].nesting
            if depth == 0:
                return index
        return len(tokens) - 1

    def list_block(
        self, tokens: list[Token], start: int, *, nested: bool
    ) -> tuple[list[Block], int]:
        end = self._close(tokens, start)
        ordered = tokens[start].type == "ordered_list_open"
        self.mark(tokens[start], "list item", "numbered list" if ordered else "bulleted list")
        items: list[ListItem] = []
        index = start + 1
        while index < end:
            close = self._close(tokens, index)
            inner = self.blocks(tokens, index + 1, close)
            line = self.line(tokens[index])
            if inner and isinstance(inner[0], Paragraph):
                items.append(ListItem(inner[0].content, tuple(inner[1:]), line=line))
                why = "numbered item" if ordered else "'- ' item"
                self.mark(tokens[index + 1], "list item", why + (" (nested)" if nested else ""))
            else:
                items.append(ListItem((), tuple(inner), line=line))
            index = close + 1
        line = self.line(tokens[start])
        start_number = 1
        if ordered:
            start_number = int(tokens[start].attrGet("start") or 1)
        return [ListBlock(tuple(items), ordered=ordered, start=start_number, line=line)], end + 1

    def definitions(self, tokens: list[Token], start: int) -> tuple[list[Block], int]:
        """A definition list: each ``dt`` (a term) with the ``dd`` blocks after it."""
        end = self._close(tokens, start)
        entries: list[tuple[Inlines, int, list[tuple[Block, ...]]]] = []
        index = start + 1
        while index < end:
            token = tokens[index]
            close = self._close(tokens, index)
            if token.type == "dt_open":
                term = strip_inlines(self.inlines(tokens[index + 1]))
                entries.append((term, self.line(token), []))
                self.mark_first(token, "definition", "a term of a definition list")
            elif token.type == "dd_open" and entries:
                entries[-1][2].append(tuple(self.blocks(tokens, index + 1, close)))
                # (markdown-it's map of a later definition may start at its term's line)
                why = "': ' definition of the term above"
                self.mark_first(token, "definition", why, (":", "~"))
            index = close + 1
        items = tuple(DefinitionItem(term, tuple(d), line=line) for term, line, d in entries)
        return [DefinitionList(items, line=self.line(tokens[start]))], end + 1

    def quote(self, tokens: list[Token], start: int) -> tuple[list[Block], int]:
        end = self._close(tokens, start)
        line = self.line(tokens[start])
        self.mark(tokens[start], "quote", "'>' block quote")
        first = start + 1
        if tokens[first].type == "paragraph_open":
            alert = self.alert(tokens, first)
            if alert is not None:
                kind, title, body = alert
                self.mark(tokens[start], "callout", f"'> [!{kind.upper()}]' alert")
                blocks = body + self.blocks(tokens, first + 3, end)
                return [Callout(kind, tuple(blocks), title, line=line)], end + 1  # type: ignore[arg-type]
        return [Quote(tuple(self.blocks(tokens, first, end)), line=line)], end + 1

    def alert(
        self, tokens: list[Token], index: int
    ) -> tuple[str, Inlines | None, list[Block]] | None:
        """A GitHub alert's kind, title and first blocks, from a quote's first paragraph."""
        inline = tokens[index + 1]
        children = list(inline.children or [])
        if not children or children[0].type != "text":
            return None
        match = _ALERT.match(children[0].content)
        if not match:
            return None
        kind = match.group("kind").lower()
        line = self.line(tokens[index])
        self.lost_definition(inline, line)
        if kind not in CALLOUT_KINDS:
            self.warn(
                f"'[!{match.group('kind')}]' is not a known alert; shown as a note",
                line,
                f"use one of {', '.join('[!' + k.upper() + ']' for k in CALLOUT_KINDS)}",
            )
            kind = "note"
        head = copy.copy(children[0])
        head.content = children[0].content[match.end() :]
        children[0] = head
        breaks = [i for i, c in enumerate(children) if c.type in ("softbreak", "hardbreak")]
        cut = breaks[0] if breaks else len(children)
        title = strip_inlines(self._inlines(children[:cut], line))
        rest = children[cut + 1 :]
        body: list[Block] = []
        if rest:
            part = copy.copy(inline)
            part.children = rest
            body.append(Paragraph(strip_inlines(self.inlines(part, line)), line=line + 1))
        return kind, (split_crossrefs(title) if title else None), body

    def container(self, tokens: list[Token], start: int) -> tuple[list[Block], int]:
        """A ``:::`` fenced div: a Quarto callout, or (unknown class) its content kept."""
        end = self._close(tokens, start)
        token = tokens[start]
        line = self.line(token)
        info = token.info.strip()
        attrs = (
            parse_attrs(info) if info.startswith("{") else Attrs(classes=(info,)) if info else None
        )
        kinds = [c.removeprefix("callout-") for c in (attrs.classes if attrs else ())]
        kind = next((k for k in kinds if k in CALLOUT_KINDS), None)
        inner_start = start + 1
        ident = attrs.id if attrs else None
        if kind is None and attrs and "takeaways" in attrs.classes:
            self.mark(token, "takeaway", "'::: {.takeaways}' block")
            blocks = self.blocks(tokens, inner_start, end)
            self.marked.update(b.line for b in blocks if isinstance(b, ListBlock | Takeaways))
            return blocks, end + 1
        if kind is None and ident and ident.startswith(("fig-", "tbl-")):
            labelled = self.labelled(tokens, inner_start, end, ident, line)
            if labelled is not None:
                self.mark(token, "figure" if ident.startswith("fig-") else "table row",
                          f"':::' block with id '{ident}'")  # fmt: skip
                return labelled, end + 1
        if kind is None:
            self.warn(
                f"the ':::' block '{info}' is not a callout; its content is kept as text",
                line,
                "use {.callout-note}, {.callout-tip}, {.callout-important}, "
                "{.callout-warning} or {.callout-caution}",
            )
            self.mark(token, "paragraph", "unknown ':::' block")
            return self.blocks(tokens, inner_start, end), end + 1
        self.mark(token, "callout", f"'::: {{.callout-{kind}}}' callout")
        title: Inlines | None = None
        if attrs and attrs.values.get("title"):
            title = (Text(attrs.values["title"]),)
        elif tokens[inner_start].type == "heading_open":
            title = self.inlines(tokens[inner_start + 1])
            self.mark(tokens[inner_start], "callout", "callout title")
            inner_start += 3
        blocks = self.blocks(tokens, inner_start, end)
        return [Callout(kind, tuple(blocks), title, line=line)], end + 1  # type: ignore[arg-type]

    def labelled(
        self, tokens: list[Token], start: int, end: int, ident: str, line: int
    ) -> list[Block] | None:
        """A Quarto ``::: {#fig-x}`` or ``::: {#tbl-x}`` block: one figure or one table,
        which takes the id; a paragraph after a figure with no caption is its caption.
        ``None`` when the block holds anything else."""
        blocks = self.blocks(tokens, start, end)
        kind = Figure if ident.startswith("fig-") else Table
        found = [b for b in blocks if isinstance(b, kind)]
        if len(found) != 1:
            return None
        if isinstance(found[0], Figure):
            figure = found[0]
            rest = [b for b in blocks if b is not figure]
            if not figure.caption and len(rest) == 1 and isinstance(rest[0], Paragraph):
                caption = rest[0].content
                alt = figure.alt or plain(caption).strip()
                return [replace(figure, caption=caption, alt=alt, id=ident)]
            return [replace(b, id=ident) if b is figure else b for b in blocks]
        return [replace(b, id=ident) if b is found[0] else b for b in blocks]

    def table(self, tokens: list[Token], start: int) -> tuple[list[Block], int]:
        end = self._close(tokens, start)
        line = self.line(tokens[start])
        self.mark(tokens[start], "table row", "pipe table")
        header: list[Inlines] = []
        rows: list[list[Inlines]] = []
        captions: list[Paragraph] = []
        align = []
        in_head = False
        caption_row = False
        for token in tokens[start + 1 : end]:
            if token.type == "thead_open":
                in_head = True
            elif token.type == "thead_close":
                in_head = False
            elif token.type == "tr_open" and not in_head:
                source = self.lines[token.map[0]] if token.map else "|"
                # "Table: ..." right below the rows with no blank line: GFM reads it as one
                # more row, but it is the table's caption (it has no pipes of its own).
                caption_row = bool(_CAPTION_ROW.match(source)) and "|" not in source
                if caption_row:
                    self.mark(token, "caption", "a 'Table: ...' line right below the table")
                else:
                    rows.append([])
            elif token.type == "th_open":
                style = str(token.attrGet("style") or "")
                align.append(style.removeprefix("text-align:") or None)
            elif token.type == "inline":
                content = strip_inlines(self.inlines(token))
                if in_head:
                    header.append(content)
                elif not caption_row:
                    rows[-1].append(content)
                elif content:
                    captions.append(Paragraph(content, line=self.line(token)))
        self.check_ragged(tokens[start], len(header))
        table = Table(
            header=tuple(header),
            rows=tuple(tuple(row) for row in rows),
            align=tuple(align),  # type: ignore[arg-type]
            line=line,
        )
        return [table, *captions], end + 1

    def check_ragged(self, token: Token, width: int) -> None:
        """markdown-it pads or cuts ragged rows silently; refuse them like the text reader."""
        if not token.map:
            return
        depth = _quote_depth(self.lines[token.map[0]])
        for index in range(token.map[0] + 2, token.map[1]):
            text = _unquote(self.lines[index], depth)
            if text.strip() and not (_CAPTION_ROW.match(text) and "|" not in text):
                check_row(
                    split_row(text),
                    width,
                    path=self.path,
                    line=index + self.offset,
                    header_line=token.map[0] + self.offset,
                )

    # -- footnotes ---------------------------------------------------------------------

    def collect_notes(self, tokens: list[Token]) -> None:
        """Remember where each footnote definition's blocks are (read on first call)."""
        index = 0
        while index < len(tokens):
            if tokens[index].type == "footnote_open":
                close = self._close(tokens, index)
                self.note_ranges[int(tokens[index].meta["id"])] = (tokens, index + 1, close)
                index = close
            index += 1

    def unused_notes(self, env: dict[str, Any]) -> None:
        """Definitions that nothing calls (markdown-it drops them): each is kept as a
        paragraph where it is defined, with a warning."""
        refs = env.get("footnotes", {}).get("refs", {})
        for key, ident in refs.items():
            if ident != -1:
                continue
            label = key[1:]
            marker = f"[^{label}]:"
            number = next(
                (i for i, text in enumerate(self.lines) if text.lstrip().startswith(marker)),
                None,
            )
            line = number + self.offset if number is not None else None
            if number is not None:
                self.roles[number] = LineRole(
                    number + self.offset, "footnote", "footnote never called", self.lines[number]
                )
                self.keep_definition(number, marker)
            warn(
                Diagnostic(
                    f"the footnote [^{label}] is defined but never called; shown as a "
                    "paragraph where it is defined",
                    self.path,
                    line,
                    f"add [^{label}] where the note belongs, or delete the definition",
                )
            )

    def keep_definition(self, number: int, marker: str) -> None:
        """Read the definition starting at ``self.lines[number]`` as blocks and add them to
        the section it stands in."""
        body = [self.lines[number].lstrip()[len(marker) :].lstrip()]
        index = number + 1
        while index < len(self.lines):
            text = self.lines[index]
            if text.startswith(("    ", "\t")) or (text.strip() and body[-1].strip()):
                if text.lstrip().startswith("[^") and "]:" in text:
                    break
                body.append(text[4:] if text.startswith("    ") else text.lstrip())
            elif not text.strip():
                body.append("")
            else:
                break
            index += 1
        reader = _Walker(body, self.path, number + self.offset)
        tokens = _parser().parse("\n".join(body))
        blocks = reader.blocks(tokens, 0, len(tokens))
        target = max(
            (d for d in self.drafts if d.line <= number + self.offset),
            key=lambda d: d.line,
            default=self.drafts[0],
        )
        target.blocks.extend(blocks)


def _list_lines(block: ListBlock, depth: int = 0) -> list[list[Inline]]:
    """A list inside a footnote (which holds text only) as lines: each item's marker
    (•, ◦ below it; its number or letter when ordered) and its text; nested lists follow
    their item, further in."""
    lines: list[list[Inline]] = []
    indent = "\u2003" * depth  # an em space per level
    for number, item in enumerate(block.items, start=block.start or 1):
        if not block.ordered:
            marker = "•◦▪"[min(depth, 2)]
        elif block.style == "lower-alpha" and number <= 26:
            marker = chr(ord("a") + number - 1) + ")"
        elif block.style == "lower-roman" and number < 40:
            tens, units = divmod(number, 10)
            ones = ["", "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix"][units]
            marker = f"({'x' * tens}{ones})"
        else:
            marker = f"{number}."
        lines.append([Text(f"{indent}{marker} "), *item.content])
        for child in item.blocks:
            if isinstance(child, ListBlock):
                lines.extend(_list_lines(child, depth + 1))
            elif isinstance(child, Paragraph):
                lines.append([Text(indent + "\u2003"), *child.content])
            else:
                lines.append([Text(indent + "\u2003" + _block_text(child))])
    return lines


def _block_text(block: Block) -> str:
    """Plain text of a block inside a footnote (lists, quotes: their words)."""
    if isinstance(block, ListBlock):
        return " ".join(
            plain(item.content) + "".join(" " + _block_text(b) for b in item.blocks)
            for item in block.items
        )
    if isinstance(block, Quote | Callout):
        return " ".join(_block_text(b) for b in block.blocks)
    if isinstance(block, DefinitionList):
        return " ".join(
            plain(item.term) + "".join(" " + _block_text(b) for d in item.definitions for b in d)
            for item in block.items
        )
    if isinstance(block, Paragraph):
        return plain(block.content)
    if isinstance(block, CodeBlock):
        return block.text
    if isinstance(block, Figure):
        return block.alt
    if isinstance(block, Table):
        rows = (block.header, *block.rows)
        return "; ".join(", ".join(plain(cell) for cell in row) for row in rows)
    return ""


def _parser() -> Any:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.container import container_plugin
    from mdit_py_plugins.deflist import deflist_plugin
    from mdit_py_plugins.footnote import footnote_plugin

    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    parser.use(footnote_plugin, inline=False, move_to_end=True, always_match_refs=False)
    parser.use(container_plugin, name="div", validate=lambda params, *_: True)
    parser.use(deflist_plugin)
    return parser


def parse(
    lines: list[str], *, path: Path, first_line: int = 1, title_known: bool = False
) -> Parsed:
    """Read the body lines of a Markdown article (see the module docstring for the rules).

    :param title_known: the metadata already has a title, so a leading ``#`` heading stays
        a section instead of becoming the title.
    """
    parser = _parser()
    walker = _Walker(lines, path, first_line)
    env: dict[str, Any] = {}
    try:
        tokens = parser.parse("\n".join(lines), env)
    except RecursionError:
        raise InputError(
            "the Markdown is nested too deeply to read",
            path=path,
            hint="remove some of the nested *, _, [ ] or > marks",
        ) from None
    walker.collect_notes(tokens)
    walker.walk(tokens)
    walker.unused_notes(env)
    drafts = walker.drafts
    title = None
    headed = [draft for draft in drafts if draft.heading is not None]
    if (
        not title_known
        and headed
        and headed[0].level == 1
        and headed[0] is drafts[1]
        and not drafts[0].blocks
    ):
        # "# Title" opening the article: the title, and what follows it is the lede. Other
        # "#" headings (appendices) become siblings of the "##" sections.
        top = headed.pop(0)
        title = top.heading
        walker.roles[top.line - first_line] = LineRole(
            top.line,
            "title",
            "the '#' heading that opens the article",
            lines[top.line - first_line],
        )
        drafts[0].blocks = top.blocks
        for role in walker.roles.values():
            if role.role == "paragraph" and top.line < role.line < (
                headed[0].line if headed else len(lines) + first_line
            ):
                walker.roles[role.line - first_line] = replace(role, role="lede")
        drafts.remove(top)
        if any(draft.level > 1 for draft in headed):
            for draft in headed:
                draft.level = max(draft.level, 2)
    if headed:
        shift = min(draft.level for draft in headed) - 1
        for draft in headed:
            draft.level -= shift
    roles = [walker.roles[i] for i in sorted(walker.roles)]
    for draft in walker.marked_drafts:
        walker.marked.update(b.line for b in draft.blocks if isinstance(b, ListBlock | Takeaways))
    return Parsed(drafts, title=title, roles=roles, marked=walker.marked)


_QUOTE_MARKER = re.compile(r"[ \t]*>[ ]?")


def _quote_depth(line: str) -> int:
    """How many block-quote markers (``>``) open a line."""
    depth = 0
    while match := _QUOTE_MARKER.match(line):
        line = line[match.end() :]
        depth += 1
    return depth


def _unquote(line: str, depth: int) -> str:
    """A line inside ``depth`` block quotes without its markers (a lazy line may lack them)."""
    for _ in range(depth):
        match = _QUOTE_MARKER.match(line)
        if not match:
            break
        line = line[match.end() :]
    return line
