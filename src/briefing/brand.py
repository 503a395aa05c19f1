"""A project's ``_brand.yml``: logo, colours and fonts, without touching a template.

The file is the brand.yml format that Quarto and Posit's tools read. The ``brand_yml``
package reads it too, but brings pydantic, htmltools and ruamel.yaml with it; this tool stays
light, so the subset it uses is read here with PyYAML's safe loader and checked, every error
naming ``_brand.yml:line``:

- ``meta.name`` (text, or ``full``/``short``): the logo's alt text;
- ``logo``: a path, or ``small``/``medium``/``large`` (each a path, ``{path, alt}``, or a
  name in ``logo.images``): the medium (else large, else small) logo heads page 1, the small
  (else medium, else large) one the running header;
- ``color.palette`` (named colours) and ``color.foreground``, ``background``, ``primary``,
  ``secondary`` (a ``#hex`` colour or a palette name): they override the theme palette's
  ``--ink``, ``--paper``, ``--navy`` and ``--accent``;
- ``typography.fonts`` (``source: file`` only, files in the project) and ``typography.base``,
  ``headings``, ``monospace`` (a family, or ``{family: ...}``).

Other brand.yml keys are ignored with a warning naming their line. Logo and font files are
read like every other input: inside the project folder (no symlink out of it), regular files,
size-limited; they enter the outputs as ``data:`` URLs, so the renderer reads nothing more.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from briefing.errors import Diagnostic, InputError
from briefing.files import read_bounded
from briefing.report import warn

__all__ = ["BRAND_FILE", "COLOUR_ROLES", "Brand", "BrandFont", "load_brand"]

BRAND_FILE = "_brand.yml"
#: brand.yml colour -> the theme palette variable it overrides.
COLOUR_ROLES = {
    "foreground": "ink",
    "background": "paper",
    "primary": "navy",
    "secondary": "accent",
}
_MAX_BRAND_BYTES = 256 * 1024
_MAX_ASSET_BYTES = 8 * 1024 * 1024
_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
_FAMILY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$")
_MEDIA = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
}
_IMAGES = (".png", ".jpg", ".jpeg", ".svg")
_FONTS = (".ttf", ".otf", ".woff", ".woff2")
_IGNORED = "ignored: briefing reads meta.name, logo, color and typography"


@dataclass(frozen=True, slots=True)
class BrandFont:
    """One font file of the brand, as an ``@font-face`` rule needs it."""

    family: str
    url: str
    weight: str = "400"
    style: str = "normal"


@dataclass(frozen=True, slots=True)
class Brand:
    """What a ``_brand.yml`` sets (everything optional).

    :param path: the ``_brand.yml`` file.
    :param name: ``meta.name`` (the logo's alt text).
    :param colours: ``(palette variable, #hex)`` overrides, e.g. ``("navy", "#c8102e")``.
    :param logo: the title-block logo as a ``data:`` URL.
    :param small_logo: the running-header logo as a ``data:`` URL.
    :param fonts: the font files declared with ``source: file``.
    :param families: ``(role, family)`` for ``base``, ``headings`` and ``monospace``.
    :param digest: a hash of the file and every file it names (for incremental builds).
    """

    path: Path
    name: str | None = None
    colours: tuple[tuple[str, str], ...] = ()
    logo: str | None = None
    small_logo: str | None = None
    fonts: tuple[BrandFont, ...] = ()
    families: tuple[tuple[str, str], ...] = ()
    digest: str = ""

    @property
    def alt(self) -> str:
        """The logo's alt text."""
        return f"{self.name} logo" if self.name else "Logo"

    def css(self) -> str:
        """``@font-face`` rules and font-family assignments (colours go through the palette)."""
        rules = [
            f'@font-face {{ font-family: "{font.family}"; src: url("{font.url}"); '
            f"font-weight: {font.weight}; font-style: {font.style}; }}"
            for font in self.fonts
        ]
        selectors = {
            "base": ("html, body", "serif"),
            "headings": (
                "h1, h2, h3, h4, h5, h6, .masthead, .cover-meta, .subtitle, .marking, "
                "table.data, ul.takeaways .label",
                "sans-serif",
            ),
            "monospace": ("code, pre, kbd, samp", "monospace"),
        }
        for role, family in self.families:
            selector, generic = selectors[role]
            rules.append(f'{selector} {{ font-family: "{family}", {generic}; }}')
        return "\n".join(rules)


class _Reader:
    """Checks one parsed ``_brand.yml`` against the supported subset."""

    def __init__(self, path: Path, root: Path, lines: dict[str, int]) -> None:
        self.path, self.root, self.lines = path, root, lines
        self.files: list[bytes] = []

    def fail(self, key: str, message: str, hint: str | None = None) -> InputError:
        return InputError(
            f"_brand.yml: {message}", path=self.path, line=self.lines.get(key), hint=hint
        )

    def mapping(self, value: Any, key: str) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(key, f"'{key}' must be a mapping of keys to values")
        return value

    def ignore_unknown(self, mapping: dict[str, Any], prefix: str, known: set[str]) -> None:
        for key in mapping:
            if key not in known:
                where = f"{prefix}.{key}" if prefix else str(key)
                warn(
                    Diagnostic(
                        f"_brand.yml: '{where}' {_IGNORED}", self.path, self.lines.get(where)
                    )
                )

    def text(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"'{key}' must be text")
        return " ".join(value.split())

    def asset(self, value: Any, key: str, suffixes: tuple[str, ...]) -> str:
        """A file of the project as a ``data:`` URL, read inside the project only."""
        name = self.text(value, key)
        if "://" in name or name.startswith("data:"):
            raise self.fail(key, f"'{key}' must be a file in the project, not a URL")
        relative = Path(name)
        target = (self.root / relative).resolve()
        if relative.is_absolute() or not target.is_relative_to(self.root):
            raise self.fail(
                key,
                f"'{name}' is outside the project folder",
                hint="put the file in the project folder and give its path relative to it",
            )
        suffix = target.suffix.lower()
        if suffix not in suffixes:
            raise self.fail(key, f"'{name}' is not one of: {', '.join(suffixes)}")
        if not target.exists():
            raise self.fail(key, f"'{name}' does not exist", hint=f"looked for {target}")
        data = read_bounded(target, _MAX_ASSET_BYTES, what=f"brand file '{name}'")
        self.files.append(data)
        return f"data:{_MEDIA[suffix]};base64,{base64.b64encode(data).decode()}"

    def name(self, meta: Any) -> str | None:
        meta = self.mapping(meta, "meta")
        value = meta.get("name")
        if isinstance(value, dict):
            value = value.get("full") or value.get("short")
        return self.text(value, "meta.name") if value is not None else None

    def logos(self, value: Any) -> tuple[str | None, str | None]:
        if value is None:
            return None, None
        if isinstance(value, str):
            url = self.asset(value, "logo", _IMAGES)
            return url, url
        logo = self.mapping(value, "logo")
        self.ignore_unknown(logo, "logo", {"images", "small", "medium", "large"})
        images = self.mapping(logo.get("images"), "logo.images")
        found: dict[str, str] = {}
        for size in ("small", "medium", "large"):
            entry = logo.get(size)
            key = f"logo.{size}"
            if entry is None:
                continue
            if isinstance(entry, dict):
                entry = entry.get("path") or entry.get("light")
                key = f"{key}.path"
            if isinstance(entry, str) and entry in images:
                key = f"logo.images.{entry}"
                image = images[entry]
                entry = image.get("path") if isinstance(image, dict) else image
            found[size] = self.asset(entry, key, _IMAGES)
        big = found.get("medium") or found.get("large") or found.get("small")
        small = found.get("small") or found.get("medium") or found.get("large")
        return big, small

    def colours(self, value: Any) -> tuple[tuple[str, str], ...]:
        colour = self.mapping(value, "color")
        self.ignore_unknown(colour, "color", {"palette", *COLOUR_ROLES})
        palette = self.mapping(colour.get("palette"), "color.palette")
        named = {
            str(name): self.hex(entry, f"color.palette.{name}", {})
            for name, entry in palette.items()
        }
        # A palette colour named after a role (``palette: {primary: ...}``) stands for that
        # role when the role itself is not set: a common way of writing it, never ignored.
        roles = {role: colour.get(role, named.get(role)) for role in COLOUR_ROLES}
        return tuple(
            (variable, self.hex(roles[role], f"color.{role}", named))
            for role, variable in COLOUR_ROLES.items()
            if roles[role] is not None
        )

    def hex(self, value: Any, key: str, named: dict[str, str]) -> str:
        if isinstance(value, str) and value.strip() in named:
            return named[value.strip()]
        if isinstance(value, str) and _HEX.match(value.strip()):
            text = value.strip().lower()
            return "#" + "".join(c * 2 for c in text[1:]) if len(text) == 4 else text
        raise self.fail(
            key,
            f"'{key}' is {value!r}: neither a #hex colour nor a name in color.palette",
            hint='write a colour as "#1d4f91" (quoted: YAML reads # as a comment)',
        )

    def typography(self, value: Any) -> tuple[tuple[BrandFont, ...], tuple[tuple[str, str], ...]]:
        typography = self.mapping(value, "typography")
        self.ignore_unknown(typography, "typography", {"fonts", "base", "headings", "monospace"})
        fonts: list[BrandFont] = []
        declared = typography.get("fonts") or []
        if not isinstance(declared, list):
            raise self.fail("typography.fonts", "'typography.fonts' must be a list")
        for entry in declared:
            entry = self.mapping(entry, "typography.fonts")
            family = self.family(entry.get("family"), "typography.fonts")
            if entry.get("source", "file") != "file":
                raise self.fail(
                    "typography.fonts",
                    f"font '{family}' has source '{entry.get('source')}': only font files "
                    "in the project can be used (nothing is downloaded)",
                    hint="download the font files into the project and use 'source: file'",
                )
            files = entry.get("files") or []
            if not isinstance(files, list) or not files:
                raise self.fail("typography.fonts", f"font '{family}' needs 'files'")
            for item in files:
                spec = item if isinstance(item, dict) else {"path": item}
                weight = str(spec.get("weight", 400))
                style = str(spec.get("style", "normal"))
                if not weight.isdigit() or style not in ("normal", "italic"):
                    raise self.fail(
                        "typography.fonts",
                        f"font '{family}': weight is a number, style normal/italic",
                    )
                url = self.asset(spec.get("path"), "typography.fonts", _FONTS)
                fonts.append(BrandFont(family, url, weight, style))
        families: list[tuple[str, str]] = []
        for role in ("base", "headings", "monospace"):
            entry = typography.get(role)
            if entry is None:
                continue
            if isinstance(entry, dict):
                self.ignore_unknown(entry, f"typography.{role}", {"family"})
                entry = entry.get("family")
            families.append((role, self.family(entry, f"typography.{role}")))
        known = {font.family for font in fonts}
        for role, family in families:
            if family not in known:
                warn(
                    Diagnostic(
                        f"_brand.yml: typography.{role} '{family}' has no font files; the "
                        "renderer uses it only if it is installed, else a fallback",
                        self.path,
                        self.lines.get(f"typography.{role}"),
                        "add it to typography.fonts with its files",
                    )
                )
        return tuple(fonts), tuple(families)

    def family(self, value: Any, key: str) -> str:
        family = self.text(value, key)
        if not _FAMILY.match(family):
            raise self.fail(key, f"'{family}' is not a font family name")
        return family


def _key_lines(node: Any, prefix: str, lines: dict[str, int]) -> None:
    import yaml

    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
            lines[key] = key_node.start_mark.line + 1
            _key_lines(value_node, key, lines)


def load_brand(project_dir: Path) -> Brand | None:
    """The project's ``_brand.yml``, checked, or ``None`` when there is none.

    :raises InputError: for invalid YAML, a wrong value or a file outside the project,
        naming ``_brand.yml:line``.
    """
    from briefing.readers.source import parse_yaml

    root = project_dir.resolve()
    path = root / BRAND_FILE
    if not path.exists() and not path.is_symlink():
        return None
    raw = read_bounded(path, _MAX_BRAND_BYTES, what="brand file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            "_brand.yml is not UTF-8 text", path=path, line=raw[: exc.start].count(b"\n") + 1
        ) from None
    node, data = parse_yaml(text, path, first_line=1, what="_brand.yml")
    lines: dict[str, int] = {}
    _key_lines(node, "", lines)
    reader = _Reader(path, root, lines)
    brand = reader.mapping(data, "_brand.yml")
    reader.ignore_unknown(brand, "", {"meta", "logo", "color", "typography"})
    logo, small = reader.logos(brand.get("logo"))
    fonts, families = reader.typography(brand.get("typography"))
    digest = hashlib.sha256(raw)
    result = Brand(
        path=path,
        name=reader.name(brand.get("meta")),
        colours=reader.colours(brand.get("color")),
        logo=logo,
        small_logo=small,
        fonts=fonts,
        families=families,
    )
    for data_bytes in reader.files:
        digest.update(hashlib.sha256(data_bytes).digest())
    return replace(result, digest=digest.hexdigest())
