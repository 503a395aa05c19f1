"""Themes: folders of templates and styles, found by a clear precedence.

A theme is a list of folders searched in order, first match wins, file by file (as MkDocs'
``custom_dir``):

1. a theme folder given as a path (``--theme ./mytheme``), holding templates and styles
   directly or in ``templates/`` and ``styles/`` subfolders;
2. the project's own ``templates/`` and ``styles/`` folders (beside ``sources/``);
3. the built-in theme (``templates/<name>/``, ``styles/<name>/`` shipped in the wheel).

An override can still extend the original: built-in templates are also reachable as
``<name>/file.html`` (e.g. ``{% extends "brief/briefing.html" %}``).
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass
from pathlib import Path

from briefing.errors import ThemeError

__all__ = ["DEFAULT_THEME", "Theme", "builtin_root", "builtin_themes", "load_theme"]

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
    """

    name: str
    base: str
    template_dirs: tuple[Path, ...]
    style_dirs: tuple[Path, ...]
    epub_embed_fonts: bool = False
    contents_from: int = 3

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
        for folder in self.style_dirs:
            candidate = folder / name
            if candidate.is_file():
                return candidate
        raise ThemeError(
            f"the theme '{self.name}' has no '{name}'",
            path=self.style_dirs[0],
            hint=f"add {name} to one of: {', '.join(str(d) for d in self.style_dirs)}",
        )

    def files(self) -> list[Path]:
        """All files of the theme (to hash for incremental builds)."""
        return sorted(p for folder in self.roots for p in folder.rglob("*") if p.is_file())


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
    if text in names:
        name = base = text
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
    templates.append(root / "templates" / base)
    styles.append(root / "styles" / base)
    options: dict[str, object] = {}
    for folder in templates:
        config = folder / "theme.toml"
        if config.is_file():
            try:
                options = tomllib.loads(config.read_text("utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise ThemeError(f"invalid theme.toml: {exc}", path=config) from exc
            break
    unknown = set(options) - {"epub_embed_fonts", "contents_from"}
    if unknown:
        raise ThemeError(f"unknown theme.toml option '{sorted(unknown)[0]}'", path=config)
    embed, contents_from = options.get("epub_embed_fonts", False), options.get("contents_from", 3)
    if not isinstance(embed, bool) or not isinstance(contents_from, int):
        raise ThemeError(
            "theme.toml: epub_embed_fonts is true/false, contents_from a number", path=config
        )
    return Theme(name, base, tuple(templates), tuple(styles), embed, contents_from)
