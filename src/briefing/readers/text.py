"""Reader for the plain-text briefing format (the seed article's shape, and real files).

Two layouts are read by the same rules. In the seed's layout (no blank line between two
lines of text) every line is a block. In a blank-line separated file (e-mails, exports,
hard-wrapped text) a block of lines is one paragraph: lines up to :data:`WRAP_MAX`
characters are joined with a space (a line ending in a hyphen joins without one, the
hyphen kept as written). The rules, each reported by ``briefing explain``:

- a short line (at most 14 words) with no closing punctuation, followed by more text, is a
  section heading; in a blank-line separated file it must stand alone (or open a block
  of clearly longer lines), and may then end in ``?``;
- near the top, ``By Jane Smith`` is the byline (authors) and ``Date: 20 August 2025`` (or
  a date alone on its line) the date; a short line just above them is the title; an
  exported e-mail's ``From:``, ``Sent:`` and ``Subject:`` lines give author, date and title;
- a numbered line (``1. Introduction``) alone between blank lines before body text is a
  heading with the author's number (``1.1 Scope`` a sub-heading), not a one-item list; a
  short line whose next line starts lower-case continues into it (never a heading);
- ``-``, ``*``, ``•``, ``1.``, ``1)``, ``a)`` lines form lists, nested by indentation (two
  spaces or a tab); an indented line under an item continues it;
- ``>`` lines form one quotation (a bare ``>`` separates its paragraphs);
- a ``` fence (or a block indented by four spaces) is code, line breaks kept;
- a line with ``|`` followed by a separator row (``|---|---|``) starts a pipe table, which
  runs while lines hold ``|``; a ``Table: caption {#tbl-x}`` line next to it captions it;
- ``Figure: caption [path/to/image.png] {#fig-x alt="..."}`` is a figure;
- ``Source: ...`` lines, a ``Sources:`` line with the lines under it, and URLs standing
  alone go to a numbered "Sources" list at the end; other URLs become links;
- a line of only ``-``, ``*``, ``=`` (a separator or an underline) is ignored;
- any other line is a paragraph; the text before the first heading is the lede.

The labels (``By``, ``Date:``, ``Source:``, ``Table:``, ``Figure:``) are also read in the
languages of :data:`briefing.readers.syntax.KEYWORDS` (``Автор:``, ``Datum:``, ``Fuente :``,
``表1：``).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from briefing.errors import Diagnostic, InputError
from briefing.metadata import coerce_value
from briefing.model import (
    Alignment,
    Block,
    CodeBlock,
    Figure,
    Image,
    Inline,
    Inlines,
    LineBreak,
    Link,
    ListBlock,
    ListItem,
    Paragraph,
    Quote,
    Table,
    Text,
    plain,
)
from briefing.readers.assembly import Draft, LineRole, Parsed
from briefing.readers.syntax import (
    CAPTION_LINE,
    LABEL_COLON,
    MONTH_NAMES,
    SEPARATOR_ROW,
    check_row,
    keyword_pattern,
    keywords,
    split_row,
    table_alignments,
)
from briefing.report import warn

__all__ = ["MAX_DEPTH", "WRAP_MAX", "inlines", "parse", "parse_date_text"]

#: A line longer than this is a paragraph of its own, never a hard-wrapped line.
WRAP_MAX = 100
#: A numbered line at most this long, with a sentence right below it, is a heading.
_SHORT_HEADING = 60
#: A block whose lines are all shorter than this (an address, a signature) keeps its breaks.
_SHORT_LINE = 40
_HEADING_WORDS = 14
#: The byline, date and title are looked for among this many lines at the top.
_HEADER_LINES = 6
#: Deepest nesting of lists and quotations accepted (renderers recurse into them).
MAX_DEPTH = 32

_ROMAN = r"(?=[ivx]{2})x{0,3}(?:ix|iv|v?i{0,3})"  # ii to xxxix (i, v, x alone are letters)
_ROMAN_UPPER = _ROMAN.upper()
#: Bullets: ASCII, Unicode, and Word's pasted ones (``o`` and ``§`` before a tab, and the
#: Symbol font's private-use glyphs).
_BULLETS = "-*+•◦○▪■▫□‣·\uf0b7\uf0a7\uf076\uf0d8\uf0fc\uf06e\uf0a8"
_MARKER = re.compile(
    rf"^(?:(?P<bullet>[{_BULLETS}]|[o§](?=\t))|(?P<number>\d{{1,3}})[.)]"
    r"|(?P<letter>[a-z])\)|\((?P<paren>[a-z])\)|(?P<letterdot>[A-Za-z])\.(?=\t)"
    rf"|\((?P<roman>{_ROMAN})\)|(?P<romandot>{_ROMAN}|{_ROMAN_UPPER}|i(?=\.))[.)])"
    r"\s+(?P<text>\S.*)$"
)
#: Word's bullets by level (•, then o or ◦, then ▪): pasted without their indentation,
#: the glyph is what tells a sub-item from an item.
_WORD_LEVEL = {
    **dict.fromkeys("o◦○\uf0a8", 1),
    **dict.fromkeys("▪■▫□§\uf0a7", 2),
}
_RULE = re.compile(r"^(?:--|([-*_=~#])(?:[ \t]*\1){2,})$")  # "--" opens an e-mail signature
_CLOSING = re.compile(r"[.!?:;,…]['\"”’)\]]*$")
_FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\s]*)[^`]*$")
_URL = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
_URL_LINE = re.compile(r"^<?https?://[^\s<>\"]+>?$", re.IGNORECASE)
_SOURCE = re.compile(
    rf"^{keyword_pattern('source')}(?:{LABEL_COLON}\s*(?P<text>.*))?$", re.IGNORECASE
)
_FIGURE_START = re.compile(rf"^{keyword_pattern('figure')}{LABEL_COLON}", re.IGNORECASE)
_FIGURE = re.compile(
    rf"^{keyword_pattern('figure')}{LABEL_COLON}\s*(?P<caption>.*?)\s*"
    r"\[(?P<source>[^\[\]\s](?:[^\[\]]*[^\[\]\s])?)\]"
    r"\s*(?:\{(?P<attrs>[^{}]*)\})?\s*$",
    re.IGNORECASE,
)
_FIGURE_ATTR = re.compile(
    r"\s*(?:#(?P<id>[^\s}]+)|alt\s*=\s*(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)'))\s*"
)
#: An author's dotted section number (``2.1``) gives the heading's level.
_DOTTED_NUMBER = re.compile(r"^\d{1,3}(?:\.\d{1,3})+\.?(?=\s)")
_CAPTION_ROLE = "'Table: caption' line next to the table"
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_BYLINE = re.compile(
    rf"^(?:(?:{'|'.join(keywords('by'))})\s+|(?i:{keyword_pattern('author')}){LABEL_COLON}\s*)"
    r"(?P<names>\S.*)$"
)
_DATE_LINE = re.compile(rf"^{keyword_pattern('date')}{LABEL_COLON}\s*(?P<date>.+)$", re.IGNORECASE)
#: An e-mail's header lines at the top of an exported message.
_MAIL_HEADER = re.compile(r"^(?P<key>From|To|Cc|Bcc|Subject|Reply-To)\s*:\s*(?P<value>.*)$")
_MAIL_PREFIX = re.compile(r"^(?:(?:re|fwd?|aw|wg|tr)\s*:\s*)+", re.IGNORECASE)
_TIME_TAIL = re.compile(r"(?:,?\s+(?:at\s+)?\d{1,2}[:.]\d{2}\b.*)$", re.IGNORECASE)

# -- small rules ---------------------------------------------------------------------


def _indent(line: str) -> int:
    expanded = line.expandtabs(4)
    return len(expanded) - len(expanded.lstrip())


def _heading_reason(text: str, *, question_ok: bool = False) -> str | None:
    """Why ``text`` cannot be a heading, or ``None`` when it can (given text follows)."""
    words = len(text.split())
    if CAPTION_LINE.match(text):
        return "a 'Table:' caption line"
    if words > _HEADING_WORDS:
        return f"too long for a heading ({words} words)"
    if _CLOSING.search(text) and not (question_ok and text.endswith("?")):
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


def _tab_cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip(" \r").split("\t")]


#: A first cell that is a list's marker (a bullet, "a.", "iv.", "12)"), not a table's.
_MARKER_CELL = re.compile(rf"^(?:[{_BULLETS}§o]|[A-Za-z]|[ivxlcIVXLC]{{1,6}}|\d{{1,3}})[.)]?$")


def _tab_row(line: str) -> bool:
    """A line of tab-separated cells that is not a list item with a tab after its marker."""
    cells = _tab_cells(line)
    return (
        "\t" in line.strip(" \r")
        and len(cells) >= 2
        and not _MARKER.match(line.strip())
        and not _MARKER_CELL.match(cells[0])
    )


def _is_tab_table(lines: list[str], index: int) -> bool:
    """Two lines in a row of as many tab-separated cells (two or more): a table pasted
    from Word or a spreadsheet. Its first line may start with a tab (an empty corner
    cell, as a spreadsheet gives); the second may not (that is indented code)."""
    if index + 1 >= len(lines):
        return False
    first, second = lines[index], lines[index + 1]
    return (
        not first.startswith("    ")
        and not second.startswith(("\t", " "))
        and (_tab_row(first) or (first.startswith("\t") and len(_tab_cells(first)) >= 2))
        and _tab_row(second)
        and len(_tab_cells(second)) == len(_tab_cells(first))
    )


def _trim_url(url: str) -> str:
    """A URL without the sentence punctuation that follows it (``(see https://x.org).``)."""
    while url and url[-1] in ".,;:!?'\")]}>":
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def inlines(text: str) -> Inlines:
    """Inline content for plain text: ``http(s)://`` URLs become links, the rest is text."""
    nodes: list[Inline] = []
    position = 0
    for match in _URL.finditer(text):
        url = _trim_url(match.group(0))
        if len(url) <= len("https://"):
            continue
        if match.start() > position:
            nodes.append(Text(text[position : match.start()]))
        nodes.append(Link((Text(url),), url))
        position = match.start() + len(url)
    if position < len(text) or not nodes:
        nodes.append(Text(text[position:]))
    return tuple(nodes)


def _join(lines: list[str]) -> str:
    """Hard-wrapped lines as one line: a space between, none after a hyphen (kept)."""
    text = ""
    for line in lines:
        line = line.strip()
        if text and not (text[-1] in "-‐–—" and len(text) > 1 and not text[-2].isspace()):
            text += " "
        text += line
    return text


_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        1,
    )
    for name in names
}
_WEEKDAY = r"(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+)?"
_DATE_FORMS = (
    re.compile(r"^(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})(?:T\S*)?$"),
    re.compile(
        rf"^{_WEEKDAY}(?P<day>\d{{1,2}})(?:st|nd|rd|th|er|\.)?\s+(?:de\s+)?"
        r"(?P<name>[^\W\d_]+)\.?,?\s+(?:de\s+)?(?P<year>\d{4})(?:\s*(?:г\.?|года|р\.?|року))?$",
        re.IGNORECASE,
    ),
    re.compile(
        rf"^{_WEEKDAY}(?P<name>[a-z]+)\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})$",
        re.IGNORECASE,
    ),
)


def parse_date_text(text: str) -> dt.date | None:
    """A day written as people write it: ``2025-08-20``, ``20 August 2025``,
    ``Aug. 20, 2025``, ``Wednesday, 20 August 2025``, an e-mail's ``Wed, 20 Aug 2025
    10:14:00 +0200`` (a time after the day is ignored); ``None`` for anything else (a month
    alone, ``08/07/2025``, which is ambiguous)."""
    text = _TIME_TAIL.sub("", " ".join(text.split())).rstrip(".")
    for form in _DATE_FORMS:
        match = form.match(text)
        if not match:
            continue
        fields = match.groupdict()
        name = fields["name"].lower() if fields.get("name") else None
        month = (_MONTHS.get(name) or MONTH_NAMES.get(name)) if name else int(fields["month"])
        if month is None:
            return None
        try:
            day = coerce_value("date", dt.date(int(fields["year"]), month, int(fields["day"])))
        except ValueError:
            return None
        assert isinstance(day, dt.date)
        return day
    return None


_ORGANISATION_WORDS = frozenset(
    (  # noqa: SIM905 - a word list reads best as words
        "institute institution university center centre council foundation ministry department "
        "agency school college office group programme program bank fund commission service "
        "association society laboratory lab research studies forum initiative project network "
        "corporation company inc ltd llc press news times journal review staff desk bureau "
        "committee board unit team"
    ).split()
)
_PARTICLES = frozenset("van von de der den da del della di du la le bin al el ibn ter dos".split())  # noqa: SIM905


def _is_name(part: str) -> bool:
    words = part.split()
    if not 2 <= len(words) <= 5:
        return False
    for word in words:
        bare = word.strip(".,'’-")
        if bare.lower() in _ORGANISATION_WORDS:
            return False
        if bare.lower() in _PARTICLES:
            continue
        if not bare or not bare[0].isalpha() or bare[0].islower():
            return False
    return True


def _byline(text: str) -> tuple[list[str], str | None] | None:
    """Authors (and an affiliation) from ``By Jane Smith and Li Wei, Institute``."""
    match = _BYLINE.match(text)
    if not match or len(text.split()) > 16 or text[-1] in "?!;:":
        return None
    parts = [p for p in re.split(r"\s*(?:,|;|&|\band\b)\s*", match.group("names")) if p]
    names: list[str] = []
    for position, part in enumerate(parts):
        if not _is_name(part.rstrip(".")) or not part[0].isupper():
            rest = ", ".join(parts[position:]).strip()
            return (names, rest) if names else None
        names.append(part)
    return names, None


# -- the parser ----------------------------------------------------------------------


class _Parser:
    """One pass over the lines, building drafts and recording each line's role.

    ``contained`` parsers read a quotation's inside: no headings, metadata or sources.
    """

    def __init__(
        self,
        lines: list[str],
        path: Path,
        first_line: int,
        *,
        title_known: bool = False,
        contained: bool = False,
        depth: int = 0,
    ) -> None:
        self.lines = lines
        self.depth = depth
        self.path = path
        self.offset = first_line  # 1-based file line of lines[0]
        self.title_known = title_known
        self.contained = contained
        self.drafts = [Draft(heading=None, level=1, line=first_line)]
        self.roles: dict[int, LineRole] = {}
        self.title: str | None = None
        self.meta: dict[str, object] = {}
        self.sources: list[ListItem] = []
        self.consumed: set[int] = set()  # lines the header took (title, byline, date)
        self.wrapped = contained or self._blank_separated()

    def _blank_separated(self) -> bool:
        """True when a blank line stands between two lines of text."""
        seen_text = blank = False
        for line in self.lines:
            if line.strip():
                if seen_text and blank:
                    return True
                seen_text, blank = True, False
            else:
                blank = True
        return False

    # -- helpers

    def role(self, index: int, role: str, reason: str) -> None:
        self.roles[index] = LineRole(index + self.offset, role, reason, self.lines[index])

    def add(self, block: Block) -> None:
        self.drafts[-1].blocks.append(block)

    def text(self, index: int) -> str:
        return self.lines[index].strip()

    def next_text(self, index: int) -> int | None:
        for later in range(index + 1, len(self.lines)):
            if self.lines[later].strip() and later not in self.consumed:
                return later
        return None

    def body_follows(self, index: int) -> bool:
        """True when body text (not only sources) follows line ``index``."""
        later = self.next_text(index)
        if later is None:
            return False
        text = self.text(later)
        return not (_SOURCE.match(text) or _URL_LINE.match(text))

    def blank_before(self, index: int) -> bool:
        return index == 0 or not self.lines[index - 1].strip()

    def opens_block(self, index: int) -> bool:
        """True when the line starts something other than running text."""
        text = self.text(index)
        if (
            _FENCE.match(text)
            or _RULE.match(text)
            or _MARKER.match(text)
            or text.startswith(">")
            or _is_table_start(self.lines, index)
            or _is_tab_table(self.lines, index)
            or CAPTION_LINE.match(text)
        ):
            return True
        return not self.contained and bool(_FIGURE_START.match(text) or _SOURCE.match(text))

    # -- the pass

    def parse(self) -> Parsed:
        if not self.contained:
            self.header()
        index = 0
        while index < len(self.lines):
            if index in self.consumed:
                index += 1
                continue
            index = self.block(index)
        roles = [self.roles[i] for i in sorted(self.roles)]
        return Parsed(
            self.drafts, title=self.title, roles=roles, meta=self.meta, sources=self.sources
        )

    def block(self, index: int) -> int:
        raw = self.lines[index]
        text = raw.strip()
        if not text:
            self.role(index, "ignored", "blank line")
            return index + 1
        fence = _FENCE.match(text)
        if fence:
            return self.fenced(index, fence)
        if _RULE.match(text):
            self.role(index, "ignored", "a separator line (---, ***, ===, --)")
            return index + 1
        if _is_table_start(self.lines, index):
            return self.table(index)
        if _is_tab_table(self.lines, index):
            return self.tab_table(index)
        if _MARKER.match(text):
            if self.numbered_heading(index):
                return index + 1
            return self.bullet_list(index)
        if _indent(raw) >= 4 and self.blank_before(index):
            return self.indented_code(index)
        if text.startswith(">"):
            return self.quote(index)
        if not self.contained:
            if _FIGURE_START.match(text):
                return self.figure(index)
            if _SOURCE.match(text):
                return self.source_lines(index)
            if _URL_LINE.match(text) and self.url_block(index):
                return self.url_sources(index)
        return self.running_text(index)

    # -- metadata at the top

    def header(self) -> None:
        """Read a title, byline and date among the first lines (they leave the body).

        The byline and date lines may follow up to two short lines; the one just above
        them is the title, and one above that (a series name, "Policy Brief No. 14") stays
        text in the lede.
        """
        leading: list[int] = []
        index = self.next_text(-1)
        while index is not None and len(leading) < 3:
            leading.append(index)
            if self.is_header_line(index):
                break
            if _heading_reason(self.text(index)) is not None or self.opens_block(index):
                return
            index = self.next_text(index)
        if not leading or not self.is_header_line(leading[-1]):
            return
        *above, index = leading
        if above and not self.title_known:
            title = above.pop()
            self.title = self.text(title)
            self.consumed.add(title)
            self.role(title, "title", "short line above a byline or date line")
        for line in above:
            self.consumed.add(line)
            self.add(Paragraph(inlines(self.text(line)), line=line + self.offset))
            self.role(line, "lede", "a short line above the title")
        seen = 0
        while index is not None and seen < _HEADER_LINES:
            if not self.header_line(index, apply=True):
                if _DATE_LINE.match(self.text(index)):  # warned: kept as text, never a heading
                    self.consumed.add(index)
                    self.add(Paragraph(inlines(self.text(index)), line=index + self.offset))
                    self.role(index, "lede", "a 'Date:' line whose date cannot be read")
                break
            self.consumed.add(index)
            seen += 1
            index = self.next_text(index)

    def is_header_line(self, index: int) -> bool:
        """A byline or date line, or a ``Date:`` line whose date cannot be read."""
        return self.header_line(index, apply=False) or bool(_DATE_LINE.match(self.text(index)))

    def header_line(self, index: int, *, apply: bool) -> bool:
        """True when line ``index`` is a byline or a date line (recorded when ``apply``)."""
        text = self.text(index)
        mail = _MAIL_HEADER.match(text)
        if mail:
            if apply:
                self.mail_header(index, mail.group("key"), mail.group("value").strip())
            return True
        byline = _byline(text)
        if byline is not None:
            names, organisation = byline
            if apply:
                authors = self.meta.setdefault("authors", ())
                assert isinstance(authors, tuple)
                self.meta["authors"] = authors + tuple(names)
                if organisation:
                    self.meta.setdefault("organisation", organisation)
                note = f"; organisation {organisation}" if organisation else ""
                self.role(index, "byline", f"'By ...' near the top: {', '.join(names)}{note}")
            return True
        labelled = _DATE_LINE.match(text)
        day = parse_date_text(labelled.group("date") if labelled else text)
        if day is None:
            if labelled and apply:
                warn(
                    Diagnostic(
                        f"cannot read the date '{labelled.group('date')}'; the line is kept "
                        "as text",
                        self.path,
                        index + self.offset,
                        "write it as 'Date: 20 August 2025' or 'Date: 2025-08-20'",
                    )
                )
            return False
        if apply:
            self.meta.setdefault("date", day)
            how = "'Date:' line" if labelled else "a date alone on its line"
            self.role(index, "date", f"{how} near the top: {day.isoformat()}")
        return True

    def mail_header(self, index: int, key: str, value: str) -> None:
        """An e-mail header line: Subject gives the title, From the author."""
        subject = _MAIL_PREFIX.sub("", value)
        if key == "Subject" and subject and not self.title_known and self.title is None:
            self.title = subject
            self.role(index, "title", "the e-mail's 'Subject:' line")
            return
        if key == "From":
            name = re.sub(r"\s*<[^>]*>\s*", " ", value).strip().strip("\"'")
            if _is_name(name):
                self.meta.setdefault("authors", (name,))
                self.role(index, "byline", f"the e-mail's 'From:' line: {name}")
                return
        self.role(index, "ignored", f"an e-mail header line ({key}:)")

    # -- running text

    def running_text(self, index: int) -> int:
        if not self.wrapped:
            self.text_line(index, self.text(index))
            return index + 1
        end = index + 1
        while end < len(self.lines) and self.text(end) and not self.opens_block(end):
            end += 1
        block = list(range(index, end))
        if len(block) == 1 and not self.contained:
            self.text_line(index, self.text(index), question_ok=True)
            return end
        first = self.text(index)
        longest = max((len(self.text(i)) for i in block[1:]), default=0)
        continued = self.text(block[1])[:1].islower() if len(block) > 1 else False
        if (
            not self.contained
            and _heading_reason(first) is None
            and longest >= _SHORT_LINE
            and len(first) < 0.6 * longest
            and not continued
        ):
            self.heading(index, first, "short line opening a block of longer lines")
            block = block[1:]
        self.paragraphs(block)
        return end

    def heading(self, index: int, text: str, reason: str) -> None:
        dotted = _DOTTED_NUMBER.match(text)
        level = min(dotted.group(0).rstrip(".").count(".") + 1, 6) if dotted else 1
        self.drafts.append(Draft(heading=text, level=level, line=index + self.offset))
        self.role(index, "heading", reason)

    def numbered_heading(self, index: int) -> bool:
        """``1. Introduction`` alone between blank lines before body text is a heading
        (the author's number kept), not a one-item list; a real list has two or more items
        or follows a line ending in ``:``. So is a short ``1. Background`` with a sentence
        on the very next line (pasted text loses the blank line): a list item's own
        hard-wrapped line would go on mid-sentence, and its first line would be full."""
        text = self.text(index)
        marker = _MARKER.match(text)
        below = self.text(index + 1) if index + 1 < len(self.lines) else ""
        if (
            self.contained
            or not self.wrapped
            or marker is None
            or not marker.group("number")
            or _heading_reason(text) is not None
            or not self.blank_before(index)
            or (below and not self.heading_over_text(index, marker, below))
        ):
            return False
        earlier = next((i for i in range(index - 1, -1, -1) if self.text(i)), None)
        if earlier is not None and self.text(earlier).endswith((":", "：")):
            return False
        later = self.next_text(index)
        if later is None or _MARKER.match(self.text(later)) or not self.body_follows(index):
            return False
        self.heading(
            index,
            text,
            "a short numbered line with a sentence right below it: a heading with the "
            "author's number (an item's wrapped line would go on mid-sentence)"
            if below
            else "a numbered line alone between blank lines before body text: a heading "
            "with the author's number (a list has two or more items, or follows a ':' line)",
        )
        return True

    def heading_over_text(self, index: int, marker: re.Match[str], below: str) -> bool:
        """A numbered line that reads as a heading with its text right below it: short,
        capitalised, not ending in a short word ("... and the"), followed by a line that
        starts a sentence, and no further item in its block (that is a list whose items
        each have a line of explanation)."""
        title = marker.group("text")
        last = title.split()[-1]
        if (
            len(self.text(index)) > _SHORT_HEADING
            or not title[:1].isupper()
            or (last.islower() and len(last) <= 3)
            or not below[:1].isupper()
        ):
            return False
        later = index + 1
        while later < len(self.lines) and self.text(later):
            if _MARKER.match(self.text(later)):
                return False
            later += 1
        return True

    def text_line(self, index: int, text: str, *, question_ok: bool = False) -> None:
        why_not = "inside a quotation" if self.contained else None
        why_not = why_not or _heading_reason(text, question_ok=question_ok)
        if why_not is None and not self.body_follows(index):
            why_not = "looks like a heading but no body text follows it"
        if why_not is None:
            words = len(text.split())
            if text.endswith("?"):
                reason = f"a short question ({words} words) standing alone before body text"
            elif self.wrapped:
                reason = f"short ({words} words), no closing punctuation, standing alone"
            else:
                reason = f"short ({words} words), no closing punctuation"
            self.heading(index, text, reason)
            return
        self.add(Paragraph(inlines(text), line=index + self.offset))
        self.role(index, self.paragraph_role(), why_not)

    def paragraph_role(self) -> str:
        return "lede" if len(self.drafts) == 1 and not self.contained else "paragraph"

    def paragraphs(self, block: list[int]) -> None:
        """Paragraphs from a block of lines: a line longer than :data:`WRAP_MAX` ends one."""
        texts = [self.text(i) for i in block]
        if len(block) > 1 and all(len(text) < _SHORT_LINE for text in texts):
            content: list[Inline] = []
            for text in texts:
                content.extend([*([LineBreak()] if content else []), *inlines(text)])
            self.add(Paragraph(tuple(content), line=block[0] + self.offset))
            for i in block:
                self.role(i, self.paragraph_role(), "block of short lines: line breaks kept")
            return
        start = 0
        for position, text in enumerate(texts):
            # A long line ends a paragraph, but not a URL wrapped onto a line of its own.
            long = len(text) > WRAP_MAX and not _URL_LINE.match(text)
            if long or position == len(texts) - 1:
                part = block[start : position + 1]
                joined = inlines(_join(texts[start : position + 1]))
                self.add(Paragraph(joined, line=part[0] + self.offset))
                for i in part:
                    reason = "a line of a hard-wrapped paragraph" if len(part) > 1 else "paragraph"
                    self.role(i, self.paragraph_role(), reason)
                start = position + 1

    # -- sources

    def url_block(self, index: int) -> bool:
        """True when the URL on line ``index`` stands alone (its block holds only URLs)."""
        if not self.wrapped:
            return True
        before = self.roles.get(index - 1)
        if before is not None and before.role in ("lede", "paragraph"):
            return False  # a URL wrapped onto its own line inside a paragraph
        if before is not None and before.role == "source":
            return True  # "Source: Agency report" then its URL (then maybe the next source)
        end = index
        while end < len(self.lines) and self.text(end):
            if not _URL_LINE.match(self.text(end)):
                return False
            end += 1
        return True

    def add_source(self, index: int, text: str, reason: str) -> None:
        self.sources.append(ListItem(inlines(text), line=index + self.offset))
        self.role(index, "source", reason)

    def url_sources(self, index: int) -> int:
        while index < len(self.lines) and _URL_LINE.match(self.text(index)):
            url = self.text(index).strip("<>")
            before = self.roles.get(index - 1)
            last = self.sources[-1] if self.sources else None
            if (
                before is not None
                and before.role == "source"
                and last is not None
                and not any(isinstance(node, Link) for node in last.content)
            ):
                # "Source: Agency report" then its URL on the next line: one source.
                self.sources[-1] = ListItem(inlines(f"{plain(last.content)} {url}"), line=last.line)
                self.role(index, "source", "the URL of the source above")
            else:
                self.add_source(index, url, "a URL standing alone")
            index += 1
            if not self.wrapped:
                break
        return index

    def source_lines(self, index: int) -> int:
        match = _SOURCE.match(self.text(index))
        assert match is not None
        body = (match.group("text") or "").strip()
        if body:
            self.add_source(index, body, "'Source:' line: moved to the Sources list")
            return index + 1
        later = self.next_text(index)
        if later is None or not (
            self.wrapped or _MARKER.match(self.text(later)) or _URL.search(self.text(later))
        ):
            return self.running_text(index)  # a word such as "References" with no list under it
        self.role(index, "source", "'Sources:' line: the lines under it are sources")
        later = index + 1
        if later < len(self.lines) and not self.text(later) and self.wrapped:
            self.role(later, "ignored", "blank line")
            later += 1
        while later < len(self.lines) and self.text(later):
            text = self.text(later)
            marker = _MARKER.match(text)
            if marker:
                text = marker.group("text")
            elif _indent(self.lines[later]) >= 2 and self.sources and self.wrapped:
                last = self.sources[-1]
                self.sources[-1] = ListItem(
                    inlines(_join([plain(last.content), text])), line=last.line
                )
                self.role(later, "source", "continues the source above")
                later += 1
                continue
            elif not (self.wrapped or _URL.search(text)):
                break
            self.add_source(later, text, "under a 'Sources:' line")
            later += 1
        return later

    # -- figures

    def figure(self, index: int) -> int:
        text = self.text(index)
        match = _FIGURE.match(text)
        attrs = self.figure_attrs(match.group("attrs") or "", index) if match else None
        if match is None or attrs is None:
            warn(
                Diagnostic(
                    "this 'Figure:' line is not a figure; it is kept as text",
                    self.path,
                    index + self.offset,
                    'write it as: Figure: caption [images/chart.png] {#fig-x alt="..."}',
                )
            )
            self.add(Paragraph(inlines(text), line=index + self.offset))
            self.role(index, self.paragraph_role(), "'Figure:' line without an [image path]")
            return index + 1
        ident, alt = attrs
        self.add(
            Figure(
                Image(source=match.group("source")),
                alt=alt,
                caption=inlines(match.group("caption")) if match.group("caption") else (),
                id=ident,
                line=index + self.offset,
            )
        )
        self.role(index, "figure", f"'Figure: caption [image]' line ({match.group('source')})")
        return index + 1

    def figure_attrs(self, body: str, index: int) -> tuple[str | None, str] | None:
        """``(id, alt)`` from ``#fig-x alt="..."``, or ``None`` when it is not that."""
        ident: str | None = None
        alt = ""
        position = 0
        while position < len(body):
            match = _FIGURE_ATTR.match(body, position)
            if not match or match.end() == position:
                return None
            if match.group("id") is not None:
                ident = match.group("id")
            else:
                alt = match.group("dq") if match.group("dq") is not None else match.group("sq")
            position = match.end()
        return self.checked_id(ident, index), " ".join(alt.split())

    def checked_id(self, ident: str | None, index: int) -> str | None:
        if ident is None or _ID.match(ident):
            return ident
        warn(
            Diagnostic(
                f"the id '#{ident}' is ignored: ids are lower-case letters, digits and hyphens",
                self.path,
                index + self.offset,
                "write it like {#fig-oil-exports}",
            )
        )
        return None

    # -- code

    def fenced(self, start: int, match: re.Match[str]) -> int:
        fence = match.group("fence")
        indent = _indent(self.lines[start])
        body: list[str] = []
        index = start + 1
        closed = False
        while index < len(self.lines):
            text = self.text(index)
            if text.startswith(fence) and not text.strip(fence[0]):
                closed = True
                break
            line = self.lines[index].expandtabs(4)
            body.append(line[min(indent, _indent(line)) :])
            index += 1
        end = index + 1 if closed else index
        for i in range(start, end):
            self.role(i, "code", f"inside a {fence[:3]} fence")
        if not closed:
            warn(
                Diagnostic(
                    f"the {fence[:3]} fence is never closed; it runs to the end",
                    self.path,
                    start + self.offset,
                    f"close the code with a {fence} line",
                )
            )
        self.add_code(body, match.group("info") or None, start)
        return end

    def indented_code(self, start: int) -> int:
        body: list[str] = []
        index = start
        while index < len(self.lines):
            line = self.lines[index].expandtabs(4)
            if not line.strip():
                later = self.next_text(index)
                if later is None or _indent(self.lines[later]) < 4:
                    break
            elif _indent(line) < 4:
                break
            body.append(line[4:])
            self.role(index, "code", "indented by four spaces after a blank line")
            index += 1
        self.add_code(body, None, start)
        return index

    def add_code(self, body: list[str], language: str | None, start: int) -> None:
        while body and not body[-1].strip():
            body.pop()
        while body and not body[0].strip():
            body.pop(0)
        if not body:
            warn(
                Diagnostic(
                    "an empty code block is ignored",
                    self.path,
                    start + self.offset,
                    "delete the empty fence, or put the code in it",
                )
            )
            return
        text = "\n".join(line.rstrip() for line in body)
        self.add(CodeBlock(text, language, line=start + self.offset))

    # -- quotations

    def quote(self, start: int) -> int:
        index = start
        inner: list[str] = []
        while index < len(self.lines) and self.text(index).startswith(">"):
            inner.append(re.sub(r"^\s*>[ \t]?", "", self.lines[index]))
            index += 1
        if self.depth >= MAX_DEPTH:
            self.too_deep(start, "quotations", "remove some of the nested > marks")
        parser = _Parser(
            inner, self.path, start + self.offset, contained=True, depth=self.depth + 1
        )
        parsed = parser.parse()
        for role in parsed.roles:
            self.role(role.line - self.offset, "quote", f"'>' line: {role.reason}")
        self.add(Quote(tuple(parsed.drafts[0].blocks), line=start + self.offset))
        return index

    # -- lists

    def bullet_list(self, start: int) -> int:
        entries, end = self.list_entries(start)
        block, _ = self.build_list(entries, 0)
        self.add(block)
        return end

    def list_entries(self, start: int) -> tuple[list[_Entry], int]:
        """The items of the list starting at ``start``, with their indentation."""
        base = _indent(self.lines[start])
        first = _MARKER.match(self.text(start))
        assert first is not None
        kind = _kind(first)
        entries: list[_Entry] = []
        index = start
        while index < len(self.lines):
            raw = self.lines[index]
            text = raw.strip()
            indent = _indent(raw)
            if not text:
                later = self.next_text(index)
                if later is None:
                    break
                after = self.lines[later]
                marker = _MARKER.match(after.strip())
                same_list = (
                    marker
                    and _indent(after) >= base
                    and (_indent(after) >= base + 2 or _kind(marker, kind) == kind)
                )
                if not same_list and not (_indent(after) >= base + 2 and not marker):
                    break
                for blank in range(index, later):
                    self.role(blank, "ignored", "blank line inside a list")
                if not marker:
                    entries[-1].paragraphs.append([])
                index = later
                continue
            marker = _MARKER.match(text)
            if marker and not indent and marker.group("bullet") in _WORD_LEVEL:
                indent = 2 * _WORD_LEVEL[marker.group("bullet")]  # as if indented
            if (
                marker
                and kind == "letter"
                and indent == base
                and self.roman_under_letter(
                    index, marker, [entry for entry in entries if entry.indent == base]
                )
            ):
                indent = base + 2  # (a) (i) (ii) (b): a legal list, flat on the page
            if marker and indent >= base:
                if indent < base + 2 and _kind(marker, kind) != kind:
                    break  # a different list at the same level
                siblings = [entry for entry in entries if entry.indent == indent]
                if (
                    kind == "letter"
                    and indent < base + 2
                    and siblings
                    and _number(marker, kind) != _number(siblings[-1].marker, kind) + 1
                ):
                    break  # A., B. then I.: another list, not the letter I
                entries.append(_Entry(indent, marker, index))
                self.role(index, "list item", _item_reason(marker))
            elif marker:
                break
            elif indent >= base + 2:
                entries[-1].paragraphs[-1].append(text)
                self.role(index, "list item", "indented under the item above: continues it")
            elif (
                self.wrapped
                and len(self.text(index - 1)) <= WRAP_MAX
                and not self.opens_block(index)
                and self.lines[index - 1].strip()
            ):
                entries[-1].paragraphs[-1].append(text)
                self.role(index, "list item", "a hard-wrapped line of the item above")
            else:
                break
            index += 1
        return entries, index

    def roman_under_letter(self, index: int, marker: re.Match[str], letters: list[_Entry]) -> bool:
        """Whether a roman item at the level of a letter list, right after one of its
        items (no blank line) and written the same way (``(a)`` then ``(i)``), is a
        sub-item of it, as legal text writes them without indenting."""
        if not letters or not self.lines[index - 1].strip():
            return False
        last = letters[-1].marker
        if (marker.group("paren") or marker.group("roman")) is None and (
            marker.group("letter") or marker.group("romandot")
        ) is None:
            return False
        same_style = bool(last.group("paren")) == bool(
            marker.group("paren") or marker.group("roman")
        )
        if not same_style:
            return False
        if marker.group("roman") or marker.group("romandot"):
            return True
        letter = (marker.group("letter") or marker.group("paren")).lower()
        return letter in "ivx" and _number(marker, "letter") != _number(last, "letter") + 1

    def too_deep(self, index: int, what: str, hint: str) -> None:
        raise InputError(
            f"{what} are nested more than {MAX_DEPTH} deep here",
            path=self.path,
            line=index + self.offset,
            hint=hint,
        )

    def build_list(
        self, entries: list[_Entry], position: int, depth: int = 0
    ) -> tuple[ListBlock, int]:
        """The list whose first item is ``entries[position]``, nested lists inside."""
        first = entries[position]
        if self.depth + depth >= MAX_DEPTH:
            self.too_deep(first.line, "lists", "indent the items less deeply")
        kind = _kind(first.marker)
        items: list[ListItem] = []
        nested: list[list[Block]] = []
        while position < len(entries):
            entry = entries[position]
            if entry.indent < first.indent or (
                entry.indent < first.indent + 2 and _kind(entry.marker, kind) != kind
            ):
                break
            if entry.indent >= first.indent + 2 and items:
                inner, position = self.build_list(entries, position, depth + 1)
                nested[-1].append(inner)
                continue
            text, *more = entry.paragraphs
            items.append(ListItem(inlines(_join(text)), line=entry.line + self.offset))
            nested.append(
                [Paragraph(inlines(_join(p)), line=entry.line + self.offset) for p in more if p]
            )
            position += 1
        done = tuple(
            ListItem(item.content, tuple(blocks), line=item.line)
            for item, blocks in zip(items, nested, strict=True)
        )
        return (
            ListBlock(
                done,
                ordered=kind != "bullet",
                start=_number(first.marker),
                style=(
                    "lower-alpha"
                    if kind == "letter"
                    else "lower-roman"
                    if kind == "roman"
                    else "decimal"
                ),
                line=first.line + self.offset,
            ),
            position,
        )

    # -- tables

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
            cells += [""] * (len(header) - len(cells))  # (said by check_row)
            rows.append(tuple(inlines(cell) for cell in cells))
            self.role(index, "table row", f"{len(cells)} cells")
            index += 1
        return self.add_table(start, index, header, rows, align)

    def tab_table(self, start: int) -> int:
        """A table of tab-separated cells, its first row the header: each row ends at a
        line without a tab; a short row gets empty cells (trailing tabs get lost in
        pasting), a row with more cells than the header is an error."""
        header = _tab_cells(self.lines[start])
        self.role(start, "table header", "first of the lines of tab-separated cells")
        rows = []
        index = start + 1
        while index < len(self.lines) and _tab_row(self.lines[index]):
            cells = _tab_cells(self.lines[index])
            if len(cells) > len(header):
                raise InputError(
                    f"this row has {len(cells)} tab-separated cells, the header row "
                    f"(line {start + self.offset}) {len(header)}",
                    path=self.path,
                    line=index + self.offset,
                    hint="give every row as many cells as the header (or make it a pipe table)",
                )
            cells += [""] * (len(header) - len(cells))
            rows.append(tuple(inlines(cell) for cell in cells))
            self.role(index, "table row", f"{len(cells)} tab-separated cells")
            index += 1
        return self.add_table(start, index, header, rows, (None,) * len(header))

    def add_table(
        self,
        start: int,
        end: int,
        header: list[str],
        rows: list[tuple[Inlines, ...]],
        align: tuple[Alignment, ...],
    ) -> int:
        """Add the table read from lines ``start`` to ``end``, and its caption line beside
        it (assembly makes it the caption); returns where reading goes on."""
        below, end = self.table_caption(start, end)
        self.add(
            Table(
                header=tuple(inlines(cell) for cell in header),
                rows=tuple(rows),
                align=align,
                line=start + self.offset,
            )
        )
        if below is not None:
            self.add(Paragraph(inlines(self.text(below)), line=below + self.offset))
        return end

    def table_caption(self, start: int, end: int) -> tuple[int | None, int]:
        """Find a ``Table: caption {#tbl-x}`` line just above or below the table: it stays
        a paragraph beside the table, which assembly makes its caption, as for Markdown
        (with its id, and a warning when its number is not the one printed). Returns the
        line below the table that is the caption, if it is, and where the table ends."""
        blocks = self.drafts[-1].blocks
        above = blocks[-1] if blocks else None
        if isinstance(above, Paragraph) and above.line - self.offset in range(start):
            between = range(above.line - self.offset + 1, start)
            if all(not self.text(i) for i in between) and CAPTION_LINE.match(
                plain(above.content).strip()
            ):
                self.role(above.line - self.offset, "table caption", _CAPTION_ROLE)
                return None, end
        later = self.next_text(end - 1) if end < len(self.lines) else None
        if (
            later is not None
            and (self.wrapped or later == end)
            and CAPTION_LINE.match(self.text(later).strip())
        ):
            self.role(later, "table caption", _CAPTION_ROLE)
            for blank in range(end, later):
                self.role(blank, "ignored", "blank line")
            return later, later + 1
        return None, end


class _Entry:
    """One list item as read: its marker, indentation and paragraphs of lines."""

    __slots__ = ("indent", "line", "marker", "paragraphs")

    def __init__(self, indent: int, marker: re.Match[str], line: int) -> None:
        self.indent = indent
        self.marker = marker
        self.line = line
        self.paragraphs: list[list[str]] = [[marker.group("text")]]


def _kind(marker: re.Match[str], within: str | None = None) -> str:
    """``bullet``, ``number``, ``letter`` or ``roman``; ``within``: the kind of the list
    the item is in, if known (its ``(v)`` is a numeral there; a list opening with ``(i)``
    is roman, one opening with ``(a)`` gets to ``(i)`` as a letter)."""
    if marker.group("bullet"):
        return "bullet"
    if marker.group("number"):
        return "number"
    if marker.group("roman") or marker.group("romandot"):
        return "roman"
    letter = (marker.group("letter") or marker.group("paren") or marker.group("letterdot")).lower()
    if (within == "roman" and letter in "ivx") or (within is None and letter == "i"):
        return "roman"
    return "letter"


def _number(marker: re.Match[str], within: str | None = None) -> int:
    if marker.group("number"):
        return int(marker.group("number"))
    if _kind(marker, within) == "roman":
        numeral = (marker.group("roman") or marker.group("romandot") or "i").lower()
        values = [{"i": 1, "v": 5, "x": 10}[char] for char in numeral]
        return sum(
            -v if v < after else v for v, after in zip(values, [*values[1:], 0], strict=True)
        )
    letter = marker.group("letter") or marker.group("paren") or marker.group("letterdot")
    return ord(letter.lower()) - ord("a") + 1 if letter else 1


def _item_reason(marker: re.Match[str]) -> str:
    return {
        "bullet": "'- ' item",
        "number": "numbered item",
        "letter": "lettered item",
        "roman": "item numbered i, ii, iii",
    }[_kind(marker)]


def parse(
    lines: list[str], *, path: Path, first_line: int = 1, title_known: bool = False
) -> Parsed:
    """Read the body lines of a plain-text article.

    :param lines: the article's lines after any front matter.
    :param path: the file, for error messages.
    :param first_line: the 1-based file line of ``lines[0]``.
    :param title_known: the metadata already has a title, so a short line above a byline
        stays a heading.
    """
    return _Parser(lines, path, first_line, title_known=title_known).parse()
