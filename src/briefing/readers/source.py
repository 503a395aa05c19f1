"""An article's bytes -> its lines and its front matter, or an input error naming the line.

Decoding is strict (UTF-8, or UTF-16 with a BOM) and refuses characters no output can
hold; front matter is read with a YAML loader that builds only plain data, so a value is
text, a number, a boolean, a list or a mapping, never a date object or anything else.
"""

from __future__ import annotations

import codecs
import functools
import re
from pathlib import Path
from typing import Any

from briefing.errors import InputError
from briefing.files import read_bounded

__all__ = ["decode", "parse_yaml", "read_bytes", "split_front_matter"]

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# Unicode's other line ends, as Python's str.splitlines() reads them: U+2029 separates
# paragraphs (it becomes a blank line, so it counts as two line ends in line numbers),
# U+2028 and U+0085 (NEL) end lines (one line end each).
_UNICODE_BREAKS = str.maketrans({"\u2029": "\n\n", "\u2028": "\n", "\x85": "\n"})
# C0 controls other than tab, line feed and carriage return, DEL, and the C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\x80-\x84\x86-\x9f]")
# Form feed (a page break in old plain text) and Unicode noncharacters (U+FFFE, U+FFFF,
# U+FDD0..U+FDEF and the last two code points of every plane): refused, as neither a PDF
# font nor an EPUB (XML) can carry them.
_UNPRINTABLE = re.compile(
    "[\x0c\ufdd0-\ufdef\ufffe\uffff"
    + "".join(
        f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(1, 17)
    )
    + "]"
)


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """An article's bytes: a regular file, at most ``max_bytes`` of it (see
    :func:`briefing.files.read_bounded`).

    :raises InputError: for a file that is not regular, unreadable, or too big.
    """
    return read_bounded(path, max_bytes, what="article")


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _text_line(text: str, offset: int) -> int:
    return len(_LINE_BREAK.split(text[:offset]))


def _unicode(data: bytes, path: Path) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            # the line of the bad unit: count the line ends decoded before it
            good = data[: exc.start - exc.start % 2].decode("utf-16", errors="replace")
            raise InputError(
                "the file starts with a UTF-16 mark but is not valid UTF-16",
                path=path,
                line=good.count("\n") + 1,
                hint="save it as UTF-8",
            ) from exc
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InputError(
            "this is not a text file (it contains NUL bytes)",
            path=path,
            line=_line_of(data, nul),
            hint="give an article saved as UTF-8 text (.txt or .md)",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = _line_of(data, exc.start)
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at column {column})",
            path=path,
            line=line,
            hint="save the file as UTF-8, e.g. `iconv -f latin1 -t utf-8`",
        ) from exc


def decode(data: bytes, path: Path) -> list[str]:
    """Decode an article's bytes into its lines, or raise :class:`InputError` saying why not.

    UTF-8 (with or without a BOM) and UTF-16 with a BOM are read; CRLF and CR line ends are
    accepted; U+2028 and U+0085 become line breaks and U+2029 a paragraph break (a blank
    line), and the line numbers errors give count them so. Anything else (a binary file, Latin-1
    text) is refused with the line of the first offending byte, because guessing an
    encoding silently corrupts text. Control characters, form feed and Unicode
    noncharacters (U+FFFE, U+FFFF, ...) are refused with their line: no output can hold them.
    """
    text = _unicode(data, path)
    if not text.strip():
        raise InputError(
            "the article is empty", path=path, line=1, hint="write the article text in it"
        )
    text = text.translate(_UNICODE_BREAKS)
    control = _CONTROL.search(text)
    if control:
        raise InputError(
            f"this is not a text file (control character U+{ord(control.group()):04X})",
            path=path,
            line=_text_line(text, control.start()),
            hint="give an article saved as UTF-8 text (.txt or .md)",
        )
    unprintable = _UNPRINTABLE.search(text)
    if unprintable:
        char = unprintable.group()
        name = "form feed" if char == "\x0c" else "a Unicode noncharacter"
        raise InputError(
            f"the character U+{ord(char):04X} ({name}) cannot be printed",
            path=path,
            line=_text_line(text, unprintable.start()),
            hint="delete it from the article",
        )
    lines = _LINE_BREAK.split(text)
    if lines[-1] == "":  # the break that ends the last line does not start another
        lines.pop()
    return lines


# -- front matter --------------------------------------------------------------------

_TIMESTAMP = "tag:yaml.org,2002:timestamp"


@functools.cache
def _yaml_loader() -> type:
    """A SafeLoader that builds only plain data and fails cleanly (cached).

    - no implicit dates: ``2025-02-30`` is text, checked by the metadata rules, instead of
      PyYAML's ValueError; an explicit ``!!timestamp`` is text too;
    - integers of more digits than Python converts are a YAML error at their line;
    - strings holding lone surrogates (``"\\ud800"``) are a YAML error at their line.
    """
    import yaml
    from yaml.constructor import ConstructorError, SafeConstructor

    class Loader(yaml.SafeLoader):
        def construct_int(self, node: Any) -> Any:
            try:
                return SafeConstructor.construct_yaml_int(self, node)
            except ValueError:
                raise ConstructorError(
                    None, None, "this number has too many digits", node.start_mark
                ) from None

        def construct_text(self, node: Any) -> Any:
            value = self.construct_scalar(node)
            if any(0xD800 <= ord(char) <= 0xDFFF for char in value):
                raise ConstructorError(
                    None,
                    None,
                    "a lone surrogate (\\uD800-\\uDFFF) is not a character",
                    node.start_mark,
                )
            return value

    Loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    Loader.add_constructor("tag:yaml.org,2002:int", Loader.construct_int)
    Loader.add_constructor("tag:yaml.org,2002:str", Loader.construct_text)
    Loader.add_constructor(_TIMESTAMP, Loader.construct_text)
    return Loader


def parse_yaml(
    text: str, path: Path, *, first_line: int, what: str, hint: str | None = None
) -> tuple[Any, Any]:
    """YAML text as ``(node, data)`` with the safe loader (for line numbers: the node).

    :param first_line: the file line the text starts on.
    :param what: names the text in errors ("the front matter", "_brand.yml").
    :raises InputError: for invalid or too deeply nested YAML, naming the line.
    """
    import yaml

    loader = _yaml_loader()(text)
    try:
        node = loader.get_single_node()
        return node, loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(
            f"{what} is not valid YAML: {problem}",
            path=path,
            line=(mark.line + first_line) if mark is not None else 1,
            hint=hint,
        ) from exc
    except RecursionError:
        raise InputError(
            f"{what} is nested too deeply", path=path, line=first_line, hint=hint
        ) from None
    finally:
        loader.dispose()


def split_front_matter(lines: list[str], path: Path) -> tuple[dict[str, Any], dict[str, int], int]:
    """Split a leading YAML block (``---`` ... ``---``) off the article.

    :returns: the mapping, the 1-based line of each key, and the index of the first body line.
    :raises InputError: for YAML that is invalid, too deep, or not a mapping, naming the line.
    """
    if not lines or lines[0].strip() != "---":
        return {}, {}, 0
    for end in range(1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            break
    else:
        raise InputError(
            "the front matter opened with '---' is never closed",
            path=path,
            line=1,
            hint="end the metadata block with a line holding only '---'",
        )
    import yaml  # only articles with front matter pay for it

    node, data = parse_yaml(
        "\n".join(lines[1:end]),
        path,
        first_line=2,
        what="the front matter",
        hint="write it as 'key: value' lines",
    )
    if data is None:
        return {}, {}, end + 1
    if not isinstance(data, dict):
        raise InputError(
            f"the front matter must be a mapping of keys to values, not a {type(data).__name__}",
            path=path,
            line=2,
            hint="write it as 'key: value' lines, e.g. 'title: My briefing'",
        )
    lines_of: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            lines_of[str(key_node.value)] = key_node.start_mark.line + 2
    return {str(key): value for key, value in data.items()}, lines_of, end + 1
