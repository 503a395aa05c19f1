"""Slugs: ASCII, lower-case, hyphenated names safe for files, URLs and XML ids.

Text in any script is transliterated to ASCII first (anyascii), so ``Анна Петрова`` gives
``anna-petrova`` and ``李伟`` gives ``li-wei`` instead of an empty name. A slug holds only
``a-z``, ``0-9`` and single hyphens, so ids the tool makes with ``--`` or ``_`` (block ids,
page-break markers) can never equal one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["RESERVED_IDS", "slugify", "unique_slugs"]

#: Ids and file stems the renderers use for their own parts; a section never gets one.
#: ``lede`` (the text before the first heading); the EPUB's own documents ``cover``,
#: ``title``, ``takeaways``, ``nav`` (``<stem>.xhtml``) and ``toc`` (``toc.ncx``), whose
#: navigation ids are ``toc-<id>`` too; the page-break anchor ``title-page``; the HTML
#: templates' ``key-takeaways``, ``kt-heading``, ``contents`` and ``top`` (a compendium's
#: ``<prefix>top``); and the EPUB package's folders and items (``images``, ``style``,
#: ``fonts``, ``ncx``, ``id``, ``pages``, ``landmarks``).
RESERVED_IDS = frozenset(
    {
        "lede",
        "cover",
        "title",
        "takeaways",
        "nav",
        "toc",
        "title-page",
        "titlepage",
        "key-takeaways",
        "kt-heading",
        "contents",
        "top",
        "images",
        "style",
        "fonts",
        "ncx",
        "id",
        "pages",
        "landmarks",
    }
)


def _ascii(text: str) -> str:
    """Transliterate to ASCII; a syllable of a caseless script (``李`` -> ``Li``) is a word."""
    if text.isascii():
        return text
    from anyascii import anyascii

    parts = []
    for char in text:
        if char.isascii():
            parts.append(char)
            continue
        latin = anyascii(char)
        # anyascii capitalises CJK syllables ("LiWei"): keep them apart as words.
        if latin[:1].isupper() and not (char.isupper() or char.istitle()):
            latin = f" {latin} "
        parts.append(latin)
    return "".join(parts)


def slugify(text: str, *, max_length: int = 48, fallback: str = "untitled") -> str:
    """Turn ``text`` into a slug such as ``key-agreements-and-their-implications``.

    :param max_length: slugs are cut at a hyphen near this length (EPUB file names and
        ids stay short and readable).
    :param fallback: returned only when nothing usable is left (e.g. only punctuation or
        emoji).
    """
    slug = re.sub(r"[^a-z0-9]+", "-", _ascii(text).lower()).strip("-")
    if len(slug) > max_length:
        cut = slug.rfind("-", 0, max_length + 1)
        slug = slug[: cut if cut > max_length // 2 else max_length].strip("-")
    return slug or fallback


def unique_slugs(
    texts: Iterable[str], *, prefix: str = "", reserved: Iterable[str] = ()
) -> list[str]:
    """Slugs for ``texts``, each different from every other and from ``reserved``.

    A slug already used (or reserved) gets ``-2``, ``-3`` ... (the first free one), so
    ``Results``, ``Results``, ``Results 2`` give ``results``, ``results-2``, ``results-2-2``.
    """
    used = set(reserved)
    tried: dict[str, int] = {}  # base -> last suffix tried, so n equal names cost O(n)
    result = []
    for text in texts:
        base = prefix + slugify(text)
        count = tried.get(base, 1)
        candidate = base if count == 1 else f"{base}-{count}"
        while candidate in used:
            count += 1
            candidate = f"{base}-{count}"
        tried[base] = count
        used.add(candidate)
        result.append(candidate)
    return result
