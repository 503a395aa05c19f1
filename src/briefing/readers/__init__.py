"""Readers: article files in, :class:`~briefing.model.Document` out.

Readers are found in a registry by file suffix, or by name with ``--from``. Each has the
same signature (``parse(lines, *, path, first_line, title_known) -> Parsed``); everything
around it is shared, so all formats obey the same rules for titles, captions, numbering
and errors: :mod:`.source` (bounded decoding and front matter), :mod:`.syntax` (line
syntax both formats share), :mod:`.assembly` (drafts -> sections) and
:mod:`briefing.metadata` (metadata rules). This module is the registry and the one entry
point, :func:`read_article`.
"""

from __future__ import annotations

import importlib
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from briefing.errors import InputError
from briefing.i18n import messages_for
from briefing.metadata import build_meta
from briefing.model import Document, ListBlock, ListItem, Takeaways
from briefing.options import MAX_INPUT_BYTES
from briefing.readers.assembly import Draft, LineRole, Parsed, assemble
from briefing.readers.images import ImagePolicy
from briefing.readers.source import decode, read_bytes, split_front_matter
from briefing.report import collecting

__all__ = [
    "READERS",
    "SUFFIXES",
    "LineRole",
    "explain_article",
    "read_article",
    "reader_for",
    "supported_suffixes",
]

logger = logging.getLogger(__name__)

#: Reader name -> module implementing ``parse``.
READERS: dict[str, str] = {
    "text": "briefing.readers.text",
    "markdown": "briefing.readers.markdown",
}
#: File suffix -> reader name (here, so that only the reader an article needs is imported).
SUFFIXES: dict[str, str] = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
}

#: Default cap on an article's size (bytes); see ``read_article(max_bytes=...)``.
MAX_BYTES = MAX_INPUT_BYTES


class _Parse(Protocol):
    def __call__(
        self, lines: list[str], *, path: Path, first_line: int = 1, title_known: bool = False
    ) -> Parsed: ...


def supported_suffixes() -> dict[str, str]:
    """File suffix -> reader name (:data:`SUFFIXES`)."""
    return dict(SUFFIXES)


def reader_for(path: Path, fmt: str | None = None) -> str:
    """The reader name for ``path``: ``fmt`` when given, else by suffix.

    :raises InputError: for an unknown format or suffix.
    """
    if fmt is not None:
        if fmt not in READERS:
            raise InputError(
                f"unknown input format '{fmt}'", path=path, hint=f"use one of: {', '.join(READERS)}"
            )
        return fmt
    suffixes = supported_suffixes()
    name = suffixes.get(path.suffix.lower())
    if name is None:
        raise InputError(
            f"cannot tell the format of '{path.suffix or path.name}' files",
            path=path,
            hint=f"name it {' or '.join(sorted(suffixes))}, or pass --from {'|'.join(READERS)}",
        )
    return name


@dataclass(frozen=True, slots=True)
class _Source:
    path: Path
    parsed: Parsed
    front: dict[str, Any]
    key_lines: dict[str, int]
    front_lines: list[str]
    markdown: bool = False
    #: line number -> text of the lines that held only an HTML comment (dropped)
    comments: dict[int, str] = field(default_factory=dict)


#: Emphasis and code marks in a front matter value of a Markdown article (Pandoc reads
#: them as Markdown): ``*Italic*``, ``**bold**``, ``_x_``, ```code```.
_MARKS = re.compile(r"(?<![\\\w])(\*{1,3}|_{1,3}|`)(?=\S)(.+?)(?<=\S)\1(?![\w*_`])")


def _plain_markup(front: dict[str, Any]) -> dict[str, Any]:
    """Title-like front matter of a Markdown article without its emphasis marks: the
    metadata is plain text, and ``*Italic*`` would print its asterisks on the cover."""
    plain = dict(front)
    for key in ("title", "subtitle", "summary", "abstract", "description"):
        if isinstance(plain.get(key), str):
            plain[key] = _ESCAPE.sub(r"\1", _MARKS.sub(r"\2", plain[key]))
    return plain


#: A backslash escape of Markdown (``\*``): the character itself.
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|~<>])")


def _load(
    path: Path, fmt: str | None, data: bytes | None, title_known: bool, max_bytes: int
) -> _Source:
    path = Path(path)
    parse: _Parse = importlib.import_module(READERS[reader_for(path, fmt)]).parse
    if data is None:
        data = read_bytes(path, max_bytes)
    elif len(data) > max_bytes:
        raise InputError(
            f"the article is {len(data):,} bytes, over the {max_bytes:,}-byte limit",
            path=path,
            hint="split it, or raise the limit with --max-input-size",
        )
    lines = decode(data, path)
    end = len(lines)
    while end and not lines[end - 1].strip():  # trailing blank lines carry nothing
        end -= 1
    front, key_lines, start = split_front_matter(lines[:end], path)
    title_known = title_known or "title" in front
    body = lines[start:end]
    comments: dict[int, str] = {}
    markdown = parse.__module__ == READERS["markdown"]
    if markdown:
        from briefing.readers.leftovers import scan

        kept = scan(body, path, start + 1)
        comments = {
            start + 1 + number: line
            for number, (line, left) in enumerate(zip(body, kept, strict=True))
            if line.strip() and not left.strip()
        }
        body = kept
    parsed = parse(body, path=path, first_line=start + 1, title_known=title_known)
    parsed.roles.extend(
        LineRole(number + 1, "ignored", "trailing blank line", lines[number])
        for number in range(end, len(lines))
    )
    return _Source(path, parsed, front, key_lines, lines[:start], markdown, comments)


def read_article(
    path: Path | str,
    *,
    fmt: str | None = None,
    meta: Mapping[str, Any] | None = None,
    data: bytes | None = None,
    numbered: bool = True,
    max_bytes: int = MAX_BYTES,
    images: ImagePolicy | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> Document:
    """Read one article into a :class:`Document`.

    :param path: the article file (also names it in errors, and gives the default title).
    :param fmt: a reader name (``text``, ``markdown``) to use instead of the suffix.
    :param meta: metadata that overrides the front matter (``--title``, an edition's
        marking, ...), with the same keys as front matter.
    :param defaults: metadata under the front matter (a project's ``[defaults]``).
    :param data: the file's bytes, when already in memory.
    :param numbered: number the sections (1, 1.1, ...).
    :param max_bytes: refuse larger articles (a guard for unattended batch builds).
    :param images: the remote hosts whose figure images may be fetched (default: none;
        local images in the article's folder are always embedded).
    :raises InputError: when the article cannot be read; the message names file and line.
    """
    title_known = bool(meta and meta.get("title"))
    source = _load(Path(path), fmt, data, title_known, max_bytes)
    front = dict(source.front)
    if source.markdown:
        front = _plain_markup(front)
    takeaways = _front_takeaways(front, source)
    document_meta = build_meta(
        {**source.parsed.meta, **front},  # the body's byline and date, under the front matter
        path=source.path,
        key_lines=source.key_lines,
        overrides=meta,
        body_title=source.parsed.title,
        defaults=defaults,
    )
    drafts = source.parsed.drafts
    if source.parsed.sources:
        drafts.append(_sources_draft(source.parsed.sources, document_meta.language))
    sections = assemble(
        drafts,
        path=source.path,
        numbered=numbered,
        takeaways=takeaways,
        marked=source.parsed.marked,
        images=images,
        language=document_meta.language,
    )
    document = Document(meta=document_meta, sections=sections)
    logger.debug(
        "read %s: %d sections, %d takeaways, %d tables",
        source.path,
        len(sections),
        len(document.takeaways),
        len(document.tables),
    )
    return document


def _front_takeaways(front: dict[str, Any], source: _Source) -> Takeaways | None:
    """Take ``takeaways:`` out of the front matter (it is not a metadata key)."""
    if "takeaways" not in front:
        return None
    from briefing.readers.takeaways import front_takeaways

    value = front.pop("takeaways")
    return front_takeaways(value, path=source.path, line=source.key_lines.get("takeaways"))


def _sources_draft(items: list[ListItem], language: str) -> Draft:
    """The closing "Sources" section: a numbered list of the plain text's sources."""
    heading = messages_for(language)("Sources")
    line = items[0].line
    return Draft(heading, 1, line, [ListBlock(tuple(items), ordered=True, line=line)])


def explain_article(path: Path | str, *, fmt: str | None = None) -> list[LineRole]:
    """Each input line with the role the reader gave it and why (``briefing explain``),
    including the takeaway decision for each list."""
    from briefing.readers.takeaways import settle

    source = _load(Path(path), fmt, None, False, MAX_BYTES)
    roles = [
        LineRole(number, "front matter", "metadata block", text)
        for number, text in enumerate(source.front_lines, 1)
    ]
    front = dict(source.front)
    with collecting():
        decisions = settle(
            source.parsed.drafts,
            path=source.path,
            front=_front_takeaways(front, source),
            marked=source.parsed.marked,
        )
    by_line = {role.line: role for role in source.parsed.roles}
    for line, text in source.comments.items():
        by_line[line] = LineRole(line, "ignored", "an HTML comment: dropped, never printed", text)
    for decision in decisions:
        known = by_line.get(decision.line)
        if known is not None and known.role in ("list item", "takeaway"):
            by_line[decision.line] = LineRole(
                decision.line, decision.role, decision.reason, known.text
            )
    return roles + [by_line[line] for line in sorted(by_line)]
