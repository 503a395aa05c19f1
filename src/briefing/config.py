"""The project file, ``briefing.toml``: defaults, per-article metadata and editions.

Like ``mkdocs.yml`` or ``_quarto.yml``, it sits at the project root; ``briefing build``
with no article arguments builds every edition it lists. Every key is checked: an unknown
key is an error naming its line with a did-you-mean, so a typo never silently does nothing.

Example::

    [defaults]
    organisation = "Institute for Strategic Policy"   # any metadata key
    formats = ["pdf", "epub"]
    theme = "brief"

    [articles.alaska-talks]                            # metadata for sources/alaska-talks.*
    title = "The Alaska Talks"

    [[editions]]
    name = "public"
    sources = ["sources/*.txt"]
    marking = "TLP:CLEAR"                              # metadata overrides
    compendium = true

    [[editions]]
    name = "internal"
    sources = ["sources/*"]
    marking = "TLP:AMBER"
    recipients = ["A. Minister", "B. Adviser"]
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from briefing.errors import InputError
from briefing.limits import DEFAULT_TIMEOUT
from briefing.readers import MAX_BYTES
from briefing.readers.common import META_KEYS

__all__ = ["CONFIG_NAME", "Config", "Edition", "find_config", "load_config", "override"]

CONFIG_NAME = "briefing.toml"

#: Options an edition (or ``[defaults]``) may set, besides metadata keys.
#: Each is documented on :class:`Edition`.
EDITION_OPTIONS = {
    "name",
    "sources",
    "formats",
    "theme",
    "paper",
    "pdf_variant",
    "recipients",
    "compendium",
    "title",  # the edition's title (compendium cover); also a metadata key
}
DEFAULT_OPTIONS = {
    "formats",
    "theme",
    "paper",
    "pdf_variant",
    "output",
    "jobs",
    "timeout",
    "max_input_size",
}
_FORMATS = ("pdf", "epub", "html")


@dataclass(frozen=True, slots=True)
class Edition:
    """One edition: which articles, with which metadata, in which formats.

    :param name: names the output folder ``<output>/<name>/``; letters, digits, ``-``, ``_``.
    :param sources: paths or globs relative to the project root (``sources/*.txt``).
    :param meta: metadata overriding the articles' own (marking, audience, status, date,
        edition label, ...), with the same keys as front matter.
    :param formats: output formats (``pdf``, ``epub``, ``html``).
    :param theme: a built-in theme name or a folder, relative to the project root.
    :param paper: ``a4``, ``letter``, ``a5`` or ``legal``.
    :param pdf_variant: ``pdf/ua-1`` or ``pdf/a-3u``.
    :param recipients: names; each gets a stamped copy of every PDF ("Prepared for NAME —
        copy n of N" on every page and in the metadata).
    :param compendium: also make one PDF of all the edition's briefings.
    :param title: the compendium's title (default: the edition name).
    """

    name: str
    sources: tuple[str, ...]
    meta: Mapping[str, Any] = field(default_factory=lambda: dict({}))
    formats: tuple[str, ...] = ("pdf", "epub")
    theme: str = "brief"
    paper: str = "a4"
    pdf_variant: str = "pdf/ua-1"
    recipients: tuple[str, ...] = ()
    compendium: bool = False
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Config:
    """A loaded ``briefing.toml``.

    :param path: the file.
    :param root: the project root (the file's folder); relative paths start there.
    :param output: the output folder (default ``dist``).
    :param articles: metadata per article, keyed by file stem.
    :param editions: the editions, in file order.
    :param jobs: default worker count (``None``: all cores).
    :param timeout: seconds one article may take to render (0: no limit).
    :param max_input_size: refuse articles larger than this many bytes.
    """

    path: Path
    root: Path
    output: Path
    articles: Mapping[str, Mapping[str, Any]]
    editions: tuple[Edition, ...]
    jobs: int | None = None
    timeout: float = DEFAULT_TIMEOUT
    max_input_size: int = MAX_BYTES

    def edition(self, name: str) -> Edition:
        """The edition called ``name``; an :class:`InputError` with a did-you-mean if none."""
        for edition in self.editions:
            if edition.name == name:
                return edition
        names = [e.name for e in self.editions]
        close = difflib.get_close_matches(name, names, n=1)
        raise InputError(
            f"no edition '{name}' in {self.path.name}",
            path=self.path,
            hint=f"did you mean '{close[0]}'?" if close else f"editions: {', '.join(names)}",
        )


def override(
    config: Config,
    *,
    output: Path | None = None,
    timeout: float | None = None,
    max_input_size: int | None = None,
    **options: Any,
) -> Config:
    """The config with command-line options applied to every edition (``None``: not given).

    :param options: any of ``formats``, ``theme``, ``paper``, ``pdf_variant``.
    """
    given = {key: value for key, value in options.items() if value is not None}
    editions = tuple(replace(edition, **given) for edition in config.editions)
    return replace(
        config,
        editions=editions,
        output=output or config.output,
        timeout=config.timeout if timeout is None else timeout,
        max_input_size=max_input_size or config.max_input_size,
    )


def find_config(folder: Path) -> Path | None:
    """``briefing.toml`` in ``folder``, if there is one."""
    candidate = folder / CONFIG_NAME
    return candidate if candidate.is_file() else None


class _Lines:
    """Finds the line of a key in the TOML text (tomllib keeps no positions)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def table(self, header: str, occurrence: int = 0) -> int:
        pattern = re.compile(r"^\s*\[{1,2}\s*" + re.escape(header) + r"\s*\]{1,2}")
        found = [i for i, line in enumerate(self.lines) if pattern.match(line)]
        return found[occurrence] + 1 if occurrence < len(found) else 1

    def key(self, key: str, after: int = 1) -> int:
        pattern = re.compile(r"^\s*[\"']?" + re.escape(key) + r"[\"']?\s*=")
        for index in range(after - 1, len(self.lines)):
            if pattern.match(self.lines[index]):
                return index + 1
        return after


def _error(config: Path, line: int, message: str, hint: str | None = None) -> InputError:
    return InputError(message, path=config, line=line, hint=hint)


def _unknown(config: Path, line: int, key: str, allowed: set[str], where: str) -> InputError:
    close = difflib.get_close_matches(key, sorted(allowed), n=1)
    hint = f"did you mean '{close[0]}'?" if close else f"allowed: {', '.join(sorted(allowed))}"
    return _error(config, line, f"unknown key '{key}' in {where}", hint)


def _strings(value: Any, config: Path, line: int, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise _error(config, line, f"'{key}' must be text or a list of text")


def _options(
    table: Mapping[str, Any], allowed: set[str], config: Path, lines: _Lines, start: int, where: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a table into (options, metadata), checking every key and value type."""
    options: dict[str, Any] = {}
    meta: dict[str, Any] = {}
    for key, value in table.items():
        line = lines.key(key, start)
        if key in allowed:
            options[key] = value
        elif key.lower() in META_KEYS:
            meta[key] = value
        else:
            raise _unknown(config, line, key, allowed | set(META_KEYS), where)
        if key == "formats":
            formats = _strings(value, config, line, key)
            bad = [f for f in formats if f not in _FORMATS]
            if bad:
                raise _error(
                    config, line, f"unknown format '{bad[0]}'", f"use {', '.join(_FORMATS)}"
                )
            options[key] = formats
        elif key in ("sources", "recipients"):
            options[key] = _strings(value, config, line, key)
        elif key == "compendium" and not isinstance(value, bool):
            raise _error(config, line, "'compendium' must be true or false")
        elif key == "jobs" and (not isinstance(value, int) or value < 1):
            raise _error(config, line, "'jobs' must be a whole number of at least 1")
        elif key in ("timeout", "max_input_size") and (
            isinstance(value, bool) or not isinstance(value, int | float) or value < 0
        ):
            raise _error(config, line, f"'{key}' must be a number of at least 0")
        elif key in ("theme", "paper", "pdf_variant", "output", "name") and (
            not isinstance(value, str) or not value.strip()
        ):
            raise _error(config, line, f"'{key}' must be text")
    if "paper" in options and options["paper"] not in ("a4", "letter", "a5", "legal"):
        raise _error(config, lines.key("paper", start), f"unknown paper '{options['paper']}'")
    if "pdf_variant" in options and options["pdf_variant"] not in ("pdf/ua-1", "pdf/a-3u"):
        raise _error(
            config, lines.key("pdf_variant", start), "pdf_variant must be 'pdf/ua-1' or 'pdf/a-3u'"
        )
    return options, meta


def load_config(path: Path) -> Config:
    """Read and validate ``briefing.toml``.

    :raises InputError: naming file and line for a syntax error, an unknown key (with a
        did-you-mean), a wrong type, a missing or duplicate edition name.
    """
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the config: {exc}", path=path) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+)", str(exc))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise _error(
            path, int(match.group(1)) if match else 1, f"invalid TOML: {message}"
        ) from None
    lines = _Lines(text)
    for key in data:
        if key not in ("defaults", "articles", "editions"):
            raise _unknown(
                path, lines.key(key), key, {"defaults", "articles", "editions"}, "the file"
            )
    defaults_table = data.get("defaults", {})
    defaults, default_meta = _options(
        defaults_table, DEFAULT_OPTIONS, path, lines, lines.table("defaults"), "[defaults]"
    )
    articles: dict[str, Mapping[str, Any]] = {}
    for stem, table in data.get("articles", {}).items():
        start = lines.table(f"articles.{stem}")
        if not isinstance(table, dict):
            raise _error(path, start, f"[articles.{stem}] must be a table of metadata")
        _, meta = _options(table, set(), path, lines, start, f"[articles.{stem}]")
        articles[stem] = dict(meta)
    editions: list[Edition] = []
    raw_editions = data.get("editions", [])
    if not isinstance(raw_editions, list) or not raw_editions:
        raise _error(path, 1, "no editions", "add an [[editions]] table with a name and sources")
    for index, table in enumerate(raw_editions):
        start = lines.table("editions", index)
        options, meta = _options(table, EDITION_OPTIONS, path, lines, start, "[[editions]]")
        name = options.get("name")
        if not name or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_\-]*", str(name)):
            raise _error(path, start, "every edition needs a 'name' of letters, digits, - or _")
        if any(e.name == name for e in editions):
            raise _error(path, lines.key("name", start), f"two editions are called '{name}'")
        if "sources" not in options:
            raise _error(
                path,
                start,
                f"edition '{name}' has no 'sources'",
                'e.g. sources = ["sources/*.txt"]',
            )
        merged = {**defaults, **options}
        title = options.get("title")
        editions.append(
            Edition(
                name=str(name),
                sources=options["sources"],
                meta={**default_meta, **meta},
                formats=tuple(merged.get("formats", ("pdf", "epub"))),
                theme=str(merged.get("theme", "brief")),
                paper=str(merged.get("paper", "a4")),
                pdf_variant=str(merged.get("pdf_variant", "pdf/ua-1")),
                recipients=tuple(options.get("recipients", ())),
                compendium=bool(options.get("compendium", False)),
                title=str(title) if title else None,
            )
        )
    root = path.resolve().parent
    return Config(
        path=path,
        root=root,
        output=root / str(defaults.get("output", "dist")),
        articles=articles,
        editions=tuple(editions),
        jobs=defaults.get("jobs"),
        timeout=float(defaults.get("timeout", DEFAULT_TIMEOUT)),
        max_input_size=int(defaults.get("max_input_size", MAX_BYTES)),
    )
