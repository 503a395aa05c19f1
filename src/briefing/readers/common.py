"""Compatibility re-exports of the old shared reader module (its parts now live apart).

New code imports from where each thing lives: :mod:`briefing.readers.source` (decoding,
front matter), :mod:`briefing.readers.syntax` (shared line syntax),
:mod:`briefing.readers.assembly` (drafts and assembly) and :mod:`briefing.metadata`
(metadata keys and rules). This shim goes once ``config.py`` and ``editions.py`` import
from those modules.
"""

from __future__ import annotations

from briefing.metadata import META_KEYS, build_meta, title_from_path
from briefing.readers.assembly import (
    Draft,
    LineRole,
    Parsed,
    assemble,
    caption_from_header,
    caption_from_intro,
)
from briefing.readers.source import decode, split_front_matter
from briefing.readers.syntax import (
    CAPTION_LINE,
    SEPARATOR_ROW,
    check_row,
    split_row,
    split_takeaway,
    table_alignments,
)

__all__ = [
    "CAPTION_LINE",
    "META_KEYS",
    "SEPARATOR_ROW",
    "Draft",
    "LineRole",
    "Parsed",
    "assemble",
    "build_meta",
    "caption_from_header",
    "caption_from_intro",
    "check_row",
    "decode",
    "split_front_matter",
    "split_row",
    "split_takeaway",
    "table_alignments",
    "title_from_path",
]
