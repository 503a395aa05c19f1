"""Slugs: ASCII, lower-case, hyphenated names safe for files, URLs and XML ids."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["slugify", "unique_slugs"]


def slugify(text: str, *, max_length: int = 48, fallback: str = "untitled") -> str:
    """Turn ``text`` into a slug such as ``key-agreements-and-their-implications``.

    :param max_length: slugs are cut at a hyphen near this length (EPUB file names and
        ids stay short and readable).
    :param fallback: returned when nothing usable is left (e.g. text in a non-Latin script).
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:
        cut = slug.rfind("-", 0, max_length + 1)
        slug = slug[: cut if cut > max_length // 2 else max_length].strip("-")
    return slug or fallback


def unique_slugs(texts: list[str], *, prefix: str = "") -> list[str]:
    """Slugs for ``texts`` with ``-2``, ``-3`` ... added where two would collide."""
    seen: dict[str, int] = {}
    result = []
    for text in texts:
        base = prefix + slugify(text)
        count = seen.get(base, 0) + 1
        seen[base] = count
        result.append(base if count == 1 else f"{base}-{count}")
    return result
