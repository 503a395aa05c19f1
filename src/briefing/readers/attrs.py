"""Pandoc/Quarto attribute blocks: ``{#fig-x .class key="value"}`` at the end of some text.

Both readers use them on headings, figures and ``Table:`` caption lines, so the rules live
here: an id is lower-case letters, digits and hyphens (safe as an XML id and a file name),
a class starts with ``.``, a value may be quoted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["ID_PATTERN", "Attrs", "parse_attrs", "split_attrs"]

#: What an author's id may look like (``sec-context``, ``fig-2``).
ID_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")

_TRAILING = re.compile(r"\s*\{(?P<body>[^{}]*)\}\s*$")
_ITEM = re.compile(
    r"\s*(?:#(?P<id>[^\s}]+)|\.(?P<cls>[\w-]+)|(?P<dash>-)(?=\s|$)|(?P<key>[\w-]+)=(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)'|(?P<bare>[^\s\"']+)))"
)


@dataclass(frozen=True, slots=True)
class Attrs:
    """The parts of an attribute block."""

    id: str | None = None
    classes: tuple[str, ...] = ()
    values: dict[str, str] = field(default_factory=dict)


def parse_attrs(body: str) -> Attrs | None:
    """Parse the inside of ``{...}`` (braces optional); ``None`` when it is not an
    attribute block (then the braces are ordinary text)."""
    body = body.strip()
    if body.startswith("{") and body.endswith("}"):
        body = body[1:-1]
    ident: str | None = None
    classes: list[str] = []
    values: dict[str, str] = {}
    position = 0
    body = body.rstrip()
    while position < len(body):
        match = _ITEM.match(body, position)
        if not match or match.end() == position:
            return None
        if match.group("id") is not None:
            ident = match.group("id")
        elif match.group("cls") is not None:
            classes.append(match.group("cls"))
        elif match.group("dash") is not None:
            classes.append("unnumbered")  # Pandoc's {-}
        else:
            value = match.group("dq")
            if value is None:
                value = match.group("sq") if match.group("sq") is not None else match.group("bare")
            values[match.group("key")] = value
        position = match.end()
    if ident is None and not classes and not values:
        return None
    return Attrs(ident, tuple(classes), values)


def split_attrs(text: str) -> tuple[str, Attrs | None]:
    """Split a trailing attribute block off ``text``: ``"Context {#sec-context}"`` gives
    ``("Context", Attrs(id="sec-context"))``; text without one comes back unchanged."""
    match = _TRAILING.search(text)
    if not match:
        return text, None
    attrs = parse_attrs(match.group("body"))
    if attrs is None:
        return text, None
    return text[: match.start()].rstrip(), attrs
