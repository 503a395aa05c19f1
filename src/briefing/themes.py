"""Themes: folders of templates and styles, found by a clear precedence.

A theme is a list of folders searched in order, first match wins, file by file (as MkDocs'
``custom_dir``):

1. a theme folder given as a path (``--theme ./mytheme``), holding templates and styles
   directly or in ``templates/`` and ``styles/`` subfolders;
2. the project's own ``templates/`` and ``styles/`` folders (beside ``sources/``);
3. the built-in theme (``templates/<name>/``, ``styles/<name>/`` shipped in the wheel).

An override can still extend the original: built-in templates are also reachable as
``<name>/file.html`` (e.g. ``{% extends "brief/briefing.html" %}``). A built-in theme can
itself be layered on another (``extends = "brief"`` in its ``theme.toml``, as ``memo`` is).

Colours are declared once, in the theme's ``palette.css`` (CSS custom properties); a
project's ``_brand.yml`` (see :mod:`briefing.brand`) overrides some of them.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from briefing.brand import Brand, load_brand
from briefing.errors import Diagnostic, ThemeError
from briefing.files import confined
from briefing.report import warn

__all__ = [
    "DEFAULT_THEME",
    "Theme",
    "builtin_root",
    "builtin_themes",
    "contrast_ratio",
    "find_theme_file",
    "load_theme",
    "parse_palette",
]

DEFAULT_THEME = "brief"
_PACKAGE = Path(__file__).resolve().parent


def builtin_root() -> Path:
    """Where the built-in ``templates/`` and ``styles/`` are.

    In an installed wheel they are package data (``briefing/_data``); in a source checkout
    they are the repository's top-level folders.
    """
    shipped = _PACKAGE / "_data"
    if (shipped / "templates").is_dir():
        return shipped
    return _PACKAGE.parent.parent


def builtin_themes() -> list[str]:
    """The names of the built-in themes."""
    root = builtin_root() / "templates"
    return sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("_"))


@dataclass(frozen=True, slots=True)
class Theme:
    """A resolved theme: where its files are, and the options it declares.

    :param name: the built-in theme's name, or the folder name of a theme given as a path.
    :param base: the built-in theme it falls back to.
    :param template_dirs: folders searched for templates, first match wins.
    :param style_dirs: folders searched for stylesheets, fonts and images.
    :param epub_embed_fonts: embed the theme's fonts in EPUBs (from ``theme.toml``).
    :param contents_from: print a contents list from this many headed sections on.
    :param cover: ``compact``: page 1 starts with a title block and the text follows on it;
        ``page``: a stand-alone cover page (long reports, compendiums).
    :param takeaways_max: the key-takeaways box shows at most this many.
    :param brand: the project's ``_brand.yml``, if any.
    """

    name: str
    base: str
    template_dirs: tuple[Path, ...]
    style_dirs: tuple[Path, ...]
    epub_embed_fonts: bool = False
    contents_from: int = 3
    cover: Literal["compact", "page"] = "compact"
    takeaways_max: int = 6
    brand: Brand | None = None

    @property
    def builtin_template_dir(self) -> Path:
        """The built-in base theme's template folder (for ``{% extends "brief/..." %}``)."""
        return builtin_root() / "templates" / self.base

    @property
    def roots(self) -> tuple[Path, ...]:
        """Every folder the theme may read from (what the URL fetcher allows)."""
        return self.template_dirs + self.style_dirs

    def style(self, name: str) -> Path:
        """The first stylesheet (or other style file) called ``name``.

        :raises ThemeError: when no folder of the theme has it.
        """
        found = find_theme_file(self.style_dirs, Path(name).parts, f"theme file '{name}'")
        if found is not None:
            return found
        raise ThemeError(
            f"the theme '{self.name}' has no '{name}'",
            path=self.style_dirs[0],
            hint=f"add {name} to one of: {', '.join(str(d) for d in self.style_dirs)}",
        )

    @property
    def palette(self) -> dict[str, str]:
        """The theme's colours (``palette.css``), with the brand's overrides applied."""
        path = self.style("palette.css")
        colours = dict(_palette_file(path, path.stat().st_mtime_ns))
        colours.update(self.brand.colours if self.brand else ())
        return colours

    def palette_css(self) -> str:
        """The palette as one ``:root`` rule, then the brand's fonts: what every printed
        document carries in its ``<style>``, so brand colours override the theme's."""
        declarations = " ".join(f"--{name}: {value};" for name, value in self.palette.items())
        rules = [f":root {{ {declarations} }}"]
        if self.brand is not None:
            rules.append(self.brand.css())
        return "\n".join(rule for rule in rules if rule)

    def resolve_colours(self, css: str) -> str:
        """``css`` with every ``var(--name)`` of the palette written out (for EPUB reading
        systems without custom properties); other ``var()`` uses are left as they are."""
        palette = self.palette

        def value(match: re.Match[str]) -> str:
            return palette.get(match.group(1), match.group(0))

        return _VAR.sub(value, css)

    def files(self) -> list[Path]:
        """All files of the theme it may read (to hash for incremental builds): see
        :func:`~briefing.files.confined` for what is left out."""
        return sorted(
            path
            for folder in self.roots
            for path in folder.rglob("*")
            if confined(path, folder) is None
        )


def find_theme_file(folders: Iterable[Path], parts: Sequence[str], what: str) -> Path | None:
    """The first ``folder/parts`` of ``folders`` that exists, read by the one rule for theme
    files (:func:`~briefing.files.confined`); ``None`` when no folder has it.

    :raises ThemeError: when the first that exists is refused (a link out of its folder, a
        dotfile, not a regular file), rather than falling through to the next folder.
    """
    for folder in folders:
        path = folder.joinpath(*parts)
        if not os.path.lexists(path):
            continue
        refused = confined(path, folder)
        if refused is not None:
            raise ThemeError(
                f"the {what} is refused: {refused}",
                path=path,
                hint="themes read only regular files inside their own folders",
            )
        return path
    return None


_PROPERTY = re.compile(r"--([A-Za-z0-9-]+)\s*:\s*([^;}]+?)\s*[;}]")
_VAR = re.compile(r"var\(\s*--([A-Za-z0-9-]+)\s*(?:,[^)]*)?\)")
_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


def parse_palette(css: str) -> dict[str, str]:
    """The custom properties (``--name: value``) declared in a stylesheet."""
    return {name: value for name, value in _PROPERTY.findall(_COMMENT.sub("", css))}


@lru_cache(maxsize=16)
def _palette_file(path: Path, mtime: int) -> tuple[tuple[str, str], ...]:
    return tuple(parse_palette(path.read_text("utf-8")).items())


def contrast_ratio(foreground: str, background: str) -> float:
    """The WCAG 2 contrast ratio of two ``#rrggbb`` colours (1 to 21)."""

    def luminance(colour: str) -> float:
        text = colour.lstrip("#")
        if len(text) == 3:
            text = "".join(c * 2 for c in text)
        channels = [int(text[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


#: Text colour -> the backgrounds it is printed on (palette variable names).
TEXT_PAIRS: tuple[tuple[str, str], ...] = (
    ("ink", "paper"),
    ("ink", "tint"),
    ("ink", "stripe"),
    ("navy", "paper"),
    ("navy", "tint"),
    ("accent", "paper"),
    ("accent", "tint"),
    ("muted", "paper"),
    ("muted", "tint"),
    ("on-navy", "navy"),
    ("draft", "paper"),
)


def _check_brand_contrast(theme: Theme) -> None:
    """Warn about every text/background pair the brand's colours push below WCAG AA."""
    if theme.brand is None or not theme.brand.colours:
        return
    palette, changed = theme.palette, {name for name, _ in theme.brand.colours}
    for text, ground in TEXT_PAIRS:
        if text not in changed and ground not in changed:
            continue
        ratio = contrast_ratio(palette[text], palette[ground])
        if ratio < 4.5:
            warn(
                Diagnostic(
                    f"_brand.yml: text in --{text} ({palette[text]}) on --{ground} "
                    f"({palette[ground]}) has a contrast of {ratio:.2f}:1, under WCAG AA's 4.5:1",
                    theme.brand.path,
                    None,
                    "pick a darker (or lighter) colour",
                )
            )


def _layer(folder: Path, kind: str) -> list[Path]:
    sub = folder / kind
    return [sub] if sub.is_dir() else [folder]


def load_theme(theme: str | Path = DEFAULT_THEME, *, project_dir: Path | None = None) -> Theme:
    """Resolve a theme name or folder into a :class:`Theme`.

    :param theme: a built-in theme name, or the path of a theme folder.
    :param project_dir: a project whose ``templates/`` and ``styles/`` override the theme.
    :raises ThemeError: for an unknown name or a missing folder, with a did-you-mean.
    """
    root = builtin_root()
    names = builtin_themes()
    templates: list[Path] = []
    styles: list[Path] = []
    text = str(theme)
    if not text.strip():
        raise ThemeError("the theme name is empty", hint=f"built-in themes: {', '.join(names)}")
    builtins = [DEFAULT_THEME]
    if text in names:
        name = base = text
        builtins = [text] + [p for p in [_extends(root / "templates" / text)] if p]
    else:
        folder = Path(theme)
        if not folder.is_dir():
            close = difflib.get_close_matches(text, names, n=1)
            hint = (
                f"did you mean '{close[0]}'?" if close else f"built-in themes: {', '.join(names)}"
            )
            raise ThemeError(
                f"no theme '{text}' (neither a built-in theme nor a folder)", hint=hint
            )
        name, base = folder.resolve().name, DEFAULT_THEME
        templates += _layer(folder.resolve(), "templates")
        styles += _layer(folder.resolve(), "styles")
    if project_dir is not None:
        project = project_dir.resolve()
        if project != root.resolve():  # a source checkout is not its own override
            templates += [p for p in (project / "templates",) if p.is_dir()]
            styles += [p for p in (project / "styles",) if p.is_dir()]
    for layer in builtins:
        templates.append(root / "templates" / layer)
        styles.append(root / "styles" / layer)
    options: dict[str, object] = {}
    for folder in templates:
        config = folder / "theme.toml"
        if config.is_file():
            try:
                options = tomllib.loads(config.read_text("utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise ThemeError(f"invalid theme.toml: {exc}", path=config) from exc
            break
    unknown = set(options) - {
        "epub_embed_fonts",
        "contents_from",
        "cover",
        "takeaways_max",
        "extends",
    }
    if unknown:
        raise ThemeError(f"unknown theme.toml option '{sorted(unknown)[0]}'", path=config)
    embed, contents_from = options.get("epub_embed_fonts", False), options.get("contents_from", 3)
    cover, most = options.get("cover", "compact"), options.get("takeaways_max", 6)
    if (
        not isinstance(embed, bool)
        or not isinstance(contents_from, int)
        or cover not in ("compact", "page")
        or not isinstance(most, int)
        or most < 1
    ):
        raise ThemeError(
            "theme.toml: epub_embed_fonts is true/false, contents_from and takeaways_max "
            "numbers, cover 'compact' or 'page'",
            path=config,
        )
    brand = load_brand(project_dir) if project_dir is not None else None
    resolved = Theme(
        name, base, tuple(templates), tuple(styles), embed, contents_from, cover, most, brand
    )
    _check_brand_contrast(resolved)
    return resolved


def _extends(folder: Path) -> str | None:
    """The built-in theme a built-in theme is layered on (``extends`` in its theme.toml)."""
    config = folder / "theme.toml"
    if not config.is_file():
        return None
    value = tomllib.loads(config.read_text("utf-8")).get("extends")
    return value if isinstance(value, str) and value != folder.name else None
