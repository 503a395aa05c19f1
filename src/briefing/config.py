"""The project: ``briefing.toml`` (defaults, per-article metadata, editions), or, with no
such file, an implicit project of one edition made of the articles given (or ``sources/``).

Like ``mkdocs.yml`` or ``_quarto.yml``, the file sits at the project root. Every key is
checked against :mod:`briefing.options` and the metadata keys: an unknown key or a bad
value is an error naming ``briefing.toml:line`` (with a did-you-mean), so a typo never
silently does nothing.

Example::

    [defaults]
    organisation = "Institute for Strategic Policy"   # any metadata key
    formats = ["pdf", "epub"]                          # any option of briefing.options

    [articles.alaska-talks]                            # metadata for sources/alaska-talks.*
    title = "The Alaska Talks"

    [images]                                           # remote figure images to fetch
    allow_hosts = ["example.org"]                      # https only; "http://host" for http
    [articles."sources/ru/alaska-talks"]               # only sources/ru/alaska-talks.*
    title = "Переговоры на Аляске"                     # (a language edition's translation)

    [[editions]]
    name = "internal"
    sources = ["sources/*"]
    marking = "TLP:AMBER"                              # metadata overrides
    recipients = ["A. Minister", "B. Adviser"]
    compendium = true
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from briefing.errors import InputError
from briefing.files import read_bounded
from briefing.metadata import META_KEYS, check_meta
from briefing.options import BuildOptions, coerce, option_specs
from briefing.readers.images import ImagePolicy
from briefing.slug import slugify

__all__ = [
    "CONFIG_NAME",
    "Edition",
    "Project",
    "find_project",
    "implicit_project",
    "load_project",
]

CONFIG_NAME = "briefing.toml"

#: Keys of an ``[[editions]]`` table besides options and metadata.
EDITION_KEYS = {"name", "sources", "recipients", "compendium", "title"}


@dataclass(frozen=True, slots=True)
class Edition:
    """One edition: which articles, with which metadata and options.

    :param name: names the output folder ``<output>/<name>/``; ``""`` is the project's own
        edition, written into the output folder itself (a build of given articles, or a
        project without ``briefing.toml``).
    :param sources: paths or globs relative to the project root (``sources/*.txt``).
    :param options: the options of this edition (``[defaults]`` with its own on top).
    :param meta: metadata overriding the articles' own (marking, audience, status, ...).
    :param recipients: names; each gets a stamped copy of every PDF.
    :param compendium: also make one PDF of all the edition's briefings.
    :param title: the compendium's title (default: from the edition name).
    :param line: where the edition is declared (for errors).
    :param selection: the sources were picked by hand: outputs of other articles in the
        same folder are kept, not pruned.
    """

    name: str
    sources: tuple[str, ...]
    options: BuildOptions = field(default_factory=BuildOptions)
    meta: Mapping[str, Any] = field(default_factory=dict)
    recipients: tuple[str, ...] = ()
    compendium: bool = False
    title: str | None = None
    line: int | None = None
    selection: bool = False

    @property
    def folder(self) -> str:
        """The edition's folder under the output folder (``""``: the output folder)."""
        return self.name


@dataclass(frozen=True, slots=True)
class Project:
    """A loaded project.

    :param path: the ``briefing.toml`` it came from (``None`` for an implicit project).
    :param root: the project root: relative paths start there, sources stay under it.
    :param options: ``[defaults]`` options (edition options are in each edition).
    :param meta: ``[defaults]`` metadata, for every article.
    :param articles: metadata per article, keyed by file stem.
    :param article_lines: the line of each ``[articles.x]`` table.
    :param editions: the editions, in file order.
    :param images: ``[images]``: the hosts whose remote figure images may be fetched.
    """

    path: Path | None
    root: Path
    options: BuildOptions = field(default_factory=BuildOptions)
    meta: Mapping[str, Any] = field(default_factory=dict)
    articles: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    article_lines: Mapping[str, int] = field(default_factory=dict)
    editions: tuple[Edition, ...] = ()
    images: ImagePolicy = field(default_factory=ImagePolicy)

    @property
    def output(self) -> Path:
        """The output folder."""
        return self.root / (self.options.output or Path("dist"))

    def edition(self, name: str) -> Edition:
        """The edition called ``name``; an :class:`InputError` with a did-you-mean if none."""
        for edition in self.editions:
            if edition.name == name:
                return edition
        names = [e.name for e in self.editions if e.name]
        close = difflib.get_close_matches(name, names, n=1)
        raise InputError(
            f"no edition '{name}'" + (f" in {self.path.name}" if self.path else ""),
            path=self.path,
            hint=f"did you mean '{close[0]}'?"
            if close
            else (f"editions: {', '.join(names)}" if names else "add [[editions]] tables"),
        )

    def adhoc(self, sources: Sequence[Path]) -> Edition:
        """The project's own edition for articles given by hand: ``[defaults]`` apply."""
        return Edition(
            "",
            tuple(str(s) for s in sources),
            options=self.options,
            meta=self.meta,
            selection=True,
        )


def find_project(folder: Path) -> Path | None:
    """``briefing.toml`` in ``folder``, if there is one."""
    candidate = folder / CONFIG_NAME
    return candidate if candidate.is_file() else None


def implicit_project(root: Path, options: BuildOptions | None = None) -> Project:
    """A project with no ``briefing.toml``: one edition of ``sources/*``, built into the
    output folder itself."""
    options = options or BuildOptions()
    edition = Edition("", ("sources/*",), options=options)
    return Project(None, root.resolve(), options=options, editions=(edition,))


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

    def keys(self, table: Mapping[str, Any], start: int) -> dict[str, int]:
        return {key: self.key(key, start) for key in table}


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


def _split(
    table: Mapping[str, Any],
    *,
    options: set[str],
    extra: set[str],
    config: Path,
    lines: Mapping[str, int],
    where: str,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Split a table into (options, other keys, metadata), checking every key and value."""
    chosen: dict[str, Any] = {}
    other: dict[str, Any] = {}
    meta: dict[str, Any] = {}
    for key, value in table.items():
        line = lines[key]
        if key in options:
            try:
                chosen[key] = coerce(key, value)
            except ValueError as exc:
                raise _error(config, line, str(exc)) from None
        elif key in extra:
            other[key] = value
        elif key.lower() in META_KEYS:
            meta[key] = value
        else:
            raise _unknown(config, line, key, options | extra | set(META_KEYS), where)
    check_meta(meta, path=config, lines=lines)
    return chosen, other, meta


def _check_sources(patterns: tuple[str, ...], config: Path, line: int) -> None:
    for pattern in patterns:
        parts = Path(pattern).parts
        if Path(pattern).is_absolute() or ".." in parts or not pattern.strip():
            raise _error(
                config,
                line,
                f"the sources pattern '{pattern}' leaves the project folder",
                "use paths or globs under the project root, e.g. sources/*.md",
            )


def _recipients(value: Any, config: Path, line: int) -> tuple[str, ...]:
    names = _strings(value, config, line, "recipients")
    seen: dict[str, str] = {}
    for name in names:
        if not name.strip():
            raise _error(config, line, "a recipient's name is empty")
        slug = slugify(name, fallback="")
        if not slug:
            raise _error(
                config, line, f"the recipient '{name}' gives no usable file name", "add letters"
            )
        if slug in seen:
            raise _error(
                config,
                line,
                f"the recipients '{seen[slug]}' and '{name}' would both be written as "
                f"'copies/<article>--{slug}.pdf'",
                "make the names differ in letters or digits, not only in case or punctuation",
            )
        seen[slug] = name
    return names


_HOST = re.compile(
    r"(?:http://)?[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*"
)


def _images(table: Any, config: Path, lines: _Lines) -> ImagePolicy:
    """The ``[images]`` table: ``allow_hosts``, a list of host names."""
    if not isinstance(table, dict):
        raise _error(config, lines.key("images"), "[images] must be a table")
    start = lines.table("images")
    key_lines = lines.keys(table, start)
    for key in table:
        if key != "allow_hosts":
            raise _unknown(config, key_lines.get(key, start), key, {"allow_hosts"}, "[images]")
    if "allow_hosts" not in table:
        return ImagePolicy()
    line = key_lines.get("allow_hosts", start)
    hosts = _strings(table["allow_hosts"], config, line, "allow_hosts")
    for host in hosts:
        if not _HOST.fullmatch(host.lower()):
            raise _error(
                config,
                line,
                f"'{host}' is not a host name",
                'give bare host names such as "example.org" ("http://host" to allow http)',
            )
    return ImagePolicy(allow_hosts=hosts)


def load_project(path: Path | str) -> Project:
    """Read and validate ``briefing.toml``.

    :raises InputError: naming file and line for a syntax error, an unknown key (with a
        did-you-mean), a wrong value, a missing or duplicate edition name, a sources
        pattern outside the project, or two recipients that would share a file name.
    """
    path = Path(path)
    text = read_bounded(path, 1024 * 1024, what="config").decode("utf-8", "replace")
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
        if key not in ("defaults", "articles", "editions", "images"):
            raise _unknown(
                path,
                lines.key(key),
                key,
                {"defaults", "articles", "editions", "images"},
                "the file",
            )
    images = _images(data.get("images", {}), path, lines)
    specs = option_specs()
    edition_options = {n for n, s in specs.items() if s.scope == "edition"}
    default_options = edition_options | {n for n, s in specs.items() if s.scope == "project"}
    table = data.get("defaults", {})
    if not isinstance(table, dict):
        raise _error(path, lines.key("defaults"), "[defaults] must be a table")
    start = lines.table("defaults")
    defaults, _, default_meta = _split(
        table,
        options=default_options,
        extra=set(),
        config=path,
        lines=lines.keys(table, start),
        where="[defaults]",
    )
    project_options = BuildOptions().merged(defaults)
    articles: dict[str, Mapping[str, Any]] = {}
    article_lines: dict[str, int] = {}
    raw_articles = data.get("articles", {})
    if not isinstance(raw_articles, dict):
        raise _error(path, lines.key("articles"), "'articles' must be [articles.NAME] tables")
    for stem, table in raw_articles.items():
        bare = re.fullmatch(r"[A-Za-z0-9_\-]+", stem)
        start = lines.table(f"articles.{stem}" if bare else f'articles."{stem}"')
        if not isinstance(table, dict):
            raise _error(path, start, f"[articles.{stem}] must be a table of metadata")
        _, _, meta = _split(
            table,
            options=set(),
            extra=set(),
            config=path,
            lines=lines.keys(table, start),
            where=f"[articles.{stem}]",
        )
        articles[stem] = meta
        article_lines[stem] = start
    editions: list[Edition] = []
    raw_editions = data.get("editions", [])
    if not isinstance(raw_editions, list):
        raise _error(path, 1, "no editions", "add an [[editions]] table with a name and sources")
    folders: dict[str, str] = {}
    for index, table in enumerate(raw_editions):
        start = lines.table("editions", index)
        if not isinstance(table, dict):
            raise _error(path, start, "each [[editions]] entry must be a table")
        key_lines = lines.keys(table, start)
        options, other, meta = _split(
            table,
            options=edition_options,
            extra=EDITION_KEYS,
            config=path,
            lines=key_lines,
            where="[[editions]]",
        )
        name = other.get("name")
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_\-]*", name):
            raise _error(path, start, "every edition needs a 'name' of letters, digits, - or _")
        if name.lower() in folders:
            raise _error(
                path,
                key_lines["name"],
                f"two editions are called '{name}'"
                if folders[name.lower()] == name
                else f"the editions '{folders[name.lower()]}' and '{name}' would share a folder",
            )
        folders[name.lower()] = name
        if "sources" not in other:
            raise _error(
                path,
                start,
                f"edition '{name}' has no 'sources'",
                'e.g. sources = ["sources/*.txt"]',
            )
        sources = _strings(other["sources"], path, key_lines["sources"], "sources")
        _check_sources(sources, path, key_lines["sources"])
        recipients = (
            _recipients(other["recipients"], path, key_lines["recipients"])
            if "recipients" in other
            else ()
        )
        compendium = other.get("compendium", False)
        if not isinstance(compendium, bool):
            raise _error(path, key_lines["compendium"], "'compendium' must be true or false")
        title = other.get("title")
        if title is not None and (not isinstance(title, str) or not title.strip()):
            raise _error(path, key_lines["title"], "'title' must be non-empty text")
        editions.append(
            Edition(
                name=name,
                sources=sources,
                options=project_options.merged(options),
                meta=meta,  # over the articles; [defaults] (project.meta) go under them
                recipients=recipients,
                compendium=compendium,
                title=title,
                line=start,
            )
        )
    return Project(
        path=path,
        root=path.resolve().parent,
        options=project_options,
        meta=default_meta,
        articles=articles,
        article_lines=article_lines,
        editions=tuple(editions),
        images=images,
    )
