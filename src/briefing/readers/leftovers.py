"""Markdown that other tools read and briefing does not, found in the source lines.

Two jobs, both before and beside the Markdown reader:

- :func:`drop_comments` removes HTML comments (``<!-- ... -->``), which authors use for
  internal notes ("minister not yet briefed"): Pandoc drops them from a PDF, and printing
  them would publish what was meant to stay inside. Code is left alone.
- :func:`warn_leftovers` says, once per kind with its first line and how many places, when
  the text holds syntax of Pandoc, GitHub, Quarto or MkDocs that this reader does not read
  (grid tables, maths, citations, sub- and superscript, raw HTML, ...), so that nothing is
  printed as written, or run together, without a word (``--strict`` makes these errors).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from briefing.errors import Diagnostic
from briefing.report import warn

__all__ = ["SIMPLE_TABLE_RULE", "drop_comments", "scan", "warn_leftovers"]

#: The dashed line under a Pandoc simple or multiline table's header (``---  ----``).
SIMPLE_TABLE_RULE = re.compile(r"^\s*-{3,}(?:[ \t]+-{3,})+\s*$")
_CODE_SPAN = re.compile(r"(`+)(.+?)(?<!`)\1(?!`)")
_OPEN, _CLOSE = "<!--", "-->"
#: URLs and autolinks, blanked before the scan: ``~``, ``^`` and ``$`` in them are not syntax.
_URLS = re.compile(r"<[^<>\s]+[@:][^<>\s]*>|\b(?:https?|ftp)://\S+|\bwww\.\S+")


def _structure(lines: list[str]) -> tuple[list[bool], list[bool]]:
    """For each line, whether the Markdown parser reads it as code (fenced or indented,
    also inside lists and quotes) and whether as part of a pipe table."""
    from briefing.readers.markdown import _parser

    code, table = [False] * len(lines), [False] * len(lines)
    for token in _parser().parse("\n".join(lines)):
        if token.map and token.type in ("fence", "code_block", "table_open"):
            marks = table if token.type == "table_open" else code
            for number in range(token.map[0], min(token.map[1], len(lines))):
                marks[number] = True
    return code, table


def _code_spans(line: str) -> list[tuple[int, int]]:
    return [match.span() for match in _CODE_SPAN.finditer(line)]


def _outside(spans: list[tuple[int, int]], index: int) -> bool:
    return all(not start <= index < end for start, end in spans)


def _find(line: str, needle: str, start: int, spans: list[tuple[int, int]]) -> int:
    index = line.find(needle, start)
    while index != -1 and not _outside(spans, index):
        index = line.find(needle, index + 1)
    return index


def scan(lines: list[str], path: Path, first_line: int = 1) -> list[str]:
    """The article's body lines without their HTML comments (:func:`drop_comments`),
    having said what they hold of other tools' syntax (:func:`warn_leftovers`); the
    Markdown parser finds the code for both in one pass."""
    code, table = _structure(lines)
    kept = drop_comments(lines, path, first_line, code)
    warn_leftovers(kept, path, first_line, code, table)
    return kept


def drop_comments(lines: list[str], path: Path, first_line: int, code: list[bool]) -> list[str]:
    """``lines`` without their HTML comments (outside code); a line that held only a
    comment becomes blank. A comment that is never closed is left, with a warning."""
    result: list[str] = []
    opened: tuple[int, int, str] | None = None  # an open comment's line, column, text before
    for number, line in enumerate(lines):
        if opened is None and code[number]:
            result.append(line)
            continue
        spans = _code_spans(line)
        kept: list[str] = []
        column = 0
        while True:
            if opened is None:
                start = _find(line, _OPEN, column, spans)
                if start == -1:
                    kept.append(line[column:])
                    break
                kept.append(line[column:start])
                opened, column = (number, start, "".join(kept)), start + len(_OPEN)
                for empty in (">", "->"):  # <!--> and <!---> are whole (empty) comments
                    if line.startswith(empty, column):
                        opened, column = None, column + len(empty)
                if opened is None:
                    continue
            end = line.find(_CLOSE, column)
            if end == -1:
                break
            opened, column = None, end + len(_CLOSE)
        text = ""
        for part in kept:  # "rise <!-- x --> every": one space where the comment was
            text += part.lstrip() if text[-1:].isspace() and part[:1].isspace() else part
        result.append(text if text.strip() or not line.strip() else "")
    for number, line in enumerate(result):
        table_around = 0 < number < len(lines) - 1 and all(
            lines[near].lstrip().startswith("|") for near in (number - 1, number + 1)
        )
        if table_around and not line.strip() and lines[number].strip():
            warn(
                Diagnostic(
                    "an HTML comment on a line of its own ends a table, as on GitHub: "
                    "the rows below it are not part of it",
                    path,
                    first_line + number,
                    "delete the row instead of commenting it out, or put the comment "
                    "after the table",
                )
            )
    if opened is not None:  # shown from its <!-- on (the comments before it stay out)
        number, start, before = opened
        result[number] = before + lines[number][start:]
        result[number + 1 :] = lines[number + 1 :]
        warn(
            Diagnostic(
                "an HTML comment is never closed: it and the rest of the article are "
                "shown as written",
                path,
                first_line + number,
                "close it with -->",
            )
        )
    return result


@dataclass(frozen=True, slots=True)
class _Leftover:
    """A kind of syntax this reader does not read: how to spot it on a line, what to say."""

    pattern: re.Pattern[str]
    what: str
    hint: str
    #: fewer places than this are not said (a list needs two items)
    least: int = 1
    #: also looked for in the lines of a pipe table
    in_tables: bool = True


_LEFTOVERS = (
    _Leftover(
        re.compile(r"^\s*\+(?:[-=:]{3,}\+)+\s*$"),
        "a Pandoc grid table is not read as a table: it is printed as text",
        "make it a pipe table (| a | b | with a |---|---| line)",
    ),
    _Leftover(
        SIMPLE_TABLE_RULE,
        "a Pandoc simple or multiline table is not read as a table: its rows are run "
        "together, and a row above a dashed line becomes a heading",
        "make it a pipe table (| a | b | with a |---|---| line)",
    ),
    _Leftover(
        re.compile(r"^\s*\$\$|\\begin\{(?:equation|align|gather|math)\*?\}"),
        "display maths is printed as TeX source",
        "write the formula in words, or as a figure (an image)",
    ),
    _Leftover(
        re.compile(r"(?<![\\$\w])\$(?=[^\s$\d])[^$\n]*?[^\s\\$]\$(?![\d$\w])"),
        "inline maths ($...$) is printed as TeX source",
        "write it in words or with Unicode characters (x², ≤, π)",
    ),
    _Leftover(
        re.compile(r"\[-?@(?!(?:sec|tbl|fig)-)[\w][\w:.#$%&+?<>~/-]*[^\]]*\](?![(\[])"),
        "citations ([@key]) are printed as written: there is no bibliography",
        "write the reference in the text or as a footnote",
    ),
    _Leftover(
        re.compile(r"\^\[[^\]]+\]"),
        "inline footnotes (^[...]) are printed as written",
        "write a footnote call [^1] and its text [^1]: ... below the paragraph",
    ),
    _Leftover(
        re.compile(r"~~(?=\S)[^~\n]+?(?<=\S)~~"),
        "strikethrough (~~...~~) is printed as written",
        "remove the struck text, or say in words that it was removed",
    ),
    _Leftover(
        re.compile(r"(?<!~)~(?=[^\s~])[^\s~]+~(?!~)|(?<!\^)\^(?=[^\s^\[])[^\s^]+\^(?!\^)"),
        "subscript (H~2~O) and superscript (10^6^) are printed as written",
        "use Unicode characters (H₂O, 10⁶) or words",
    ),
    _Leftover(
        re.compile(  # i. to xxxix. (a numeral, not "c. 1990"), (ii), #., (@)
            r"^\s*(?:(?=[ivx])(?:x{0,3}(?:ix|iv|v?i{0,3}))[.)]|\((?=[ivx])x{0,3}(?:ix|iv|v?i{0,3})\)"
            r"|#[.)]|\(@\w*\))\s+\S"
        ),
        "roman-numbered (i., ii.) and Pandoc example (#., (@)) lists are not read as lists: "
        "their items run together",
        "number the items 1. 2. 3. (or a) b) c)); the numbers print as the theme sets them",
        least=2,
    ),
    _Leftover(
        re.compile(r"^\s*[-*+]\s+\[[ xX]\]\s"),
        "task list boxes ([ ] and [x]) are printed as written",
        "say the state in words (done, open)",
    ),
    _Leftover(
        re.compile(r"^\|(?:\s|$)(?!.*\|)"),
        "line blocks (lines starting with '| ') are run together into one line",
        "end each line with a backslash (\\) for a line break",
        in_tables=False,
    ),
    _Leftover(
        re.compile(r"\{\{<\s*[\w-]+.*?>\}\}|\{\{%\s*[\w-]+.*?%\}\}"),
        "Quarto and Hugo shortcodes ({{< ... >}}) are printed as written",
        "remove them (page breaks are made by the theme)",
    ),
    _Leftover(
        re.compile(r"^\*\[[^\]]+\]:"),
        "abbreviation definitions (*[EU]: ...) are printed as written",
        "spell the abbreviation out where it is first used",
    ),
    _Leftover(
        re.compile(r"^(?:!!!|\?\?\?\+?)\s+\w+|^===\s+\""),
        'MkDocs admonitions (!!! note) and content tabs (=== "Tab") are run into the text',
        "write a callout as a fenced div: ::: {.callout-note} ... :::",
    ),
    _Leftover(
        re.compile(
            r"</?(?:br|sup|sub|span|div|table|thead|tbody|tr|td|th|b|i|u|em|strong|p|a|img|"
            r"font|center|small|big|kbd|mark|s|del|ins|ul|ol|li|h[1-6]|hr|details|summary)"
            r"(?:\s+[\w:-]+\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s<>]+))*\s*/?>",
            re.IGNORECASE,
        ),
        "raw HTML is printed as text",
        "write it in Markdown (**bold**, a pipe table, a backslash for a line break)",
    ),
)


def warn_leftovers(
    lines: list[str], path: Path, first_line: int, code: list[bool], table: list[bool]
) -> None:
    """Warn once per kind of syntax left as text, at its first line, with a count."""
    found: dict[int, list[int]] = {}
    for number, line in enumerate(lines):
        if code[number]:
            continue
        text = _CODE_SPAN.sub(lambda match: " " * len(match.group(0)), line)
        text = _URLS.sub(lambda match: " " * len(match.group(0)), text)
        for kind, leftover in enumerate(_LEFTOVERS):
            if (leftover.in_tables or not table[number]) and leftover.pattern.search(text):
                found.setdefault(kind, []).append(first_line + number)
    for kind, places in sorted(found.items(), key=lambda item: item[1][0]):
        leftover = _LEFTOVERS[kind]
        if len(places) < leftover.least:
            continue
        more = f" ({len(places)} places, the first here)" if len(places) > 1 else ""
        warn(Diagnostic(leftover.what + more, path, places[0], leftover.hint))
