"""The theme's fonts: which files ``fonts.css`` declares, and which characters they have.

Every font a document uses must come from its theme, so the output is the same on every
machine: a font the renderer would otherwise pick from the system (DejaVu, Droid Sans
Fallback, or empty boxes on a fresh machine) is a warning naming the character and the
article's line. Most fonts ship inside the theme (``fonts/``); a font too large to ship
(Noto Sans CJK) is declared by its absolute file path, installed by a system package, and
is the only file outside the theme the PDF renderer may read.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from briefing.errors import Diagnostic, ThemeError
from briefing.model import (
    CodeBlock,
    Document,
    Section,
    Takeaways,
    block_inlines,
    nested_blocks,
    walk_inlines,
)
from briefing.report import warn
from briefing.themes import Theme

__all__ = [
    "FontFile",
    "check_glyphs",
    "foreign_fonts",
    "line_of",
    "missing_system_families",
    "system_font_files",
    "theme_families",
    "theme_font_files",
    "uncovered",
]

_URL = re.compile(r"""url\(\s*["']?([^"')]+)["']?\s*\)""")

#: Where a system font declared by a theme comes from (for the error when it is missing).
_PACKAGES = {"NotoSansCJK": "fonts-noto-cjk", "NotoSerifCJK": "fonts-noto-cjk"}


class FontFile(tuple[Path, bool]):
    """A font file ``fonts.css`` declares: ``(path, is_system)``."""

    @property
    def path(self) -> Path:
        """Where the file is."""
        return self[0]

    @property
    def system(self) -> bool:
        """True for a file outside the theme (a system package's font)."""
        return self[1]


@lru_cache(maxsize=16)
def theme_font_files(theme: Theme) -> tuple[FontFile, ...]:
    """The font files the theme's ``fonts.css`` declares, in its order.

    Relative URLs are theme files; ``file:///...`` URLs are system fonts, declared by
    their exact path.
    """
    try:
        css = theme.style("fonts.css")
    except ThemeError:
        return ()
    found: list[FontFile] = []
    for url in _URL.findall(css.read_text("utf-8")):
        parts = urlsplit(url)
        if parts.scheme == "file":
            found.append(FontFile((Path(unquote(parts.path)), True)))
        elif not parts.scheme and not url.startswith("/"):
            try:
                found.append(FontFile((theme.style(url), False)))
            except ThemeError:
                continue  # the renderer reports a missing theme font itself
    return tuple(dict.fromkeys(found))


@lru_cache(maxsize=16)
def theme_families(theme: Theme) -> tuple[str, ...]:
    """The font families the theme's ``fonts.css`` declares."""
    try:
        css = theme.style("fonts.css").read_text("utf-8")
    except ThemeError:
        return ()
    found = re.findall(r"""font-family:\s*["']?([^"';]+?)["']?\s*;""", css)
    return tuple(dict.fromkeys(found))


def _squash(name: str) -> str:
    return re.sub(r"[\s_-]+", "", name).lower()


def foreign_fonts(names: list[str], theme: Theme) -> list[str]:
    """The embedded font names (``ABCDEF+Noto-Serif-Bold``) of no family the theme declares."""
    families = [_squash(f) for f in theme_families(theme)]
    foreign = []
    for name in names:
        plain = name.lstrip("/").split("+")[-1]
        if not any(_squash(plain).startswith(family) for family in families):
            foreign.append(plain)
    return sorted(set(foreign))


def missing_system_families(theme: Theme) -> frozenset[str]:
    """Families whose every declared file is a system font that is not installed (their
    "cannot be loaded" from the renderer is noise: :func:`check_glyphs` says when a text
    needs them)."""
    try:
        css = theme.style("fonts.css").read_text("utf-8")
    except ThemeError:
        return frozenset()
    files: dict[str, list[Path | None]] = {}
    for rule in re.findall(r"@font-face\s*{([^}]*)}", css):
        family = re.search(r"""font-family:\s*["']?([^"';]+?)["']?\s*;""", rule)
        if family is None:
            continue
        for url in _URL.findall(rule):
            parts = urlsplit(url)
            path = Path(unquote(parts.path)) if parts.scheme == "file" else None
            files.setdefault(family.group(1), []).append(path)
    return frozenset(
        family
        for family, paths in files.items()
        if paths and all(p is not None and not p.is_file() for p in paths)
    )


@lru_cache(maxsize=16)
def system_font_files(theme: Theme) -> tuple[Path, ...]:
    """The system font files the theme declares (the renderer may read exactly these),
    in the ``fonts.css`` of every layer of the theme (a stylesheet may import any)."""
    found: list[Path] = []
    for folder in theme.style_dirs:
        css = folder / "fonts.css"
        if css.is_file():
            for url in _URL.findall(css.read_text("utf-8")):
                if urlsplit(url).scheme == "file":
                    found.append(Path(unquote(urlsplit(url).path)))
    return tuple(dict.fromkeys(found))


@lru_cache(maxsize=32)
def _cmap(path: Path) -> frozenset[int]:
    """The code points a font file (or every font of a collection) maps."""
    from fontTools.ttLib import TTCollection, TTFont

    if path.suffix.lower() in (".ttc", ".otc"):
        with TTCollection(str(path), lazy=True) as collection:
            return frozenset(cp for font in collection.fonts for cp in font.getBestCmap() or {})
    with TTFont(str(path), lazy=True) as font:
        return frozenset(font.getBestCmap() or {})


def _needs_glyph(char: str) -> bool:
    """Whether a character is drawn (not a space, a control or a format character)."""
    return not char.isspace() and unicodedata.category(char) not in ("Cc", "Cf", "Zs")


def uncovered(text: str, theme: Theme) -> tuple[set[str], list[Path]]:
    """The characters of ``text`` no installed theme font has, and the declared system
    fonts that are not installed."""
    wanted = {ord(c) for c in text if _needs_glyph(c)}
    missing: list[Path] = []
    for font in theme_font_files(theme):
        if not wanted:
            break
        if not font.path.is_file():
            missing.append(font.path)
            continue
        wanted -= _cmap(font.path)
    return {chr(cp) for cp in wanted}, missing


def _texts(document: Document) -> Iterator[tuple[str, int]]:
    """Every piece of text a document prints, with its line in the article (0: metadata)."""
    meta = document.meta
    for value in (meta.title, meta.subtitle, meta.organisation, meta.audience, meta.edition):
        if value:
            yield value, 0
    for author in meta.authors:
        yield author, 0
    if document.takeaways:
        for item in document.takeaways:
            yield item.label, item.line
            for node in walk_inlines(item.content):
                yield getattr(node, "text", ""), item.line
    section: Section
    for section in document.sections:
        if section.heading:
            yield section.heading, section.line
        for block in nested_blocks(section.blocks):
            line = getattr(block, "line", 0) or section.line
            if isinstance(block, CodeBlock):
                yield block.text, line
            if isinstance(block, Takeaways):
                for item in block.items:
                    yield item.label, item.line or line
            for inlines in block_inlines(block):
                for node in walk_inlines(inlines):
                    yield getattr(node, "text", ""), line


def line_of(document: Document, text: str) -> int | None:
    """The article line of the first printed text that holds ``text``'s first character
    (for messages about it); ``None`` when only metadata or nothing holds it."""
    char = text[:1]
    for piece, line in _texts(document):
        if char and char in piece:
            return line or None
    return None


def check_glyphs(document: Document, theme: Theme, messages_text: str = "") -> None:
    """Warn about each character no theme font has (once, at its first line).

    :param messages_text: the furniture text in the document's language (also checked).
    :raises ThemeError: when the text needs a declared system font that is not installed.
    """
    all_text = messages_text + "".join(text for text, _ in _texts(document))
    missing_chars, missing_fonts = uncovered(all_text, theme)
    if not missing_chars:
        return
    path = document.meta.source
    if missing_fonts:
        names = ", ".join(str(p) for p in missing_fonts)
        packages = sorted({_PACKAGES[k] for k in _PACKAGES if k in names})
        raise ThemeError(
            f"the text needs fonts the theme declares but this machine lacks: {names}",
            path=path,
            hint="run scripts/system-deps.sh"
            + (f" (Debian/Ubuntu: apt-get install {' '.join(packages)})" if packages else ""),
        )
    seen: set[str] = set()
    for text, line in [(messages_text, 0), *_texts(document)]:
        for char in text:
            if char in missing_chars and char not in seen:
                seen.add(char)
                warn(
                    Diagnostic(
                        f"no font of the theme '{theme.name}' has the character {char!r} "
                        f"(U+{ord(char):04X} {unicodedata.name(char, 'unnamed')}): "
                        "it is drawn with a system font, or as an empty box",
                        path,
                        line or None,
                        "add a font that has it to the theme's fonts.css",
                    )
                )
