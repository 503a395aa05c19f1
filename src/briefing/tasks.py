"""Planning: which articles each edition builds, and the tasks that make their files, each
with a lossless key of everything its files depend on.

The key hashes the full document model (every block and inline node, not a plain-text
view), its metadata, the theme's files, the edition's options and recipients, the source
bytes when they are attached, ``SOURCE_DATE_EPOCH`` and the tool version, with paths
relative to the project root so that two checkouts agree. Two tasks with the same key make
the same bytes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import enum
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from briefing.config import Edition, Project
from briefing.errors import Diagnostic, InputError
from briefing.model import Document, Meta
from briefing.produce import TaskSpec, article_outputs, compendium_name, html_assets
from briefing.slug import slugify
from briefing.themes import Theme, load_theme
from briefing.version import __version__

__all__ = ["Job", "Task", "fingerprint", "make_tasks", "plan"]


@dataclass(frozen=True, slots=True)
class Job:
    """One article in one edition, before it is read."""

    edition: Edition
    source: Path
    slug: str
    meta: Mapping[str, Any]
    #: the project's ``[defaults]`` metadata: under the article's own front matter
    defaults: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Task:
    """A unit of work: its spec (what runs), where its files go, and its key.

    :param folder: the edition's folder, relative to the output folder (``""``: itself).
    :param outputs: the paths it writes, relative to ``folder``.
    :param sources: the project-relative articles it reads (for the manifest).
    :param warnings: what reading its articles reported.
    """

    spec: TaskSpec
    edition: Edition
    folder: str
    key: str
    outputs: tuple[str, ...]
    sources: tuple[str | None, ...] = ()
    warnings: tuple[Diagnostic, ...] = ()

    @property
    def label(self) -> str:
        """``edition/slug`` (or ``edition/compendium``), for progress and messages."""
        what = self.spec.documents[0][0] if self.spec.kind == "article" else self.spec.kind
        return f"{self.edition.name}/{what}" if self.edition.name else what


def relative(path: Path | None, root: Path) -> str | None:
    """``path`` relative to the project root when it is under it (else as given)."""
    if path is None:
        return None
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _glob(project: Project, edition: Edition, pattern: str) -> list[Path]:
    """The articles a pattern names, confined to the project root."""
    from briefing.readers import supported_suffixes

    suffixes = supported_suffixes()
    where = project.path
    line = edition.line
    found = []
    for match in sorted(project.root.glob(pattern)):
        if match.name.startswith(".") or match.suffix.lower() not in suffixes:
            continue
        if match.is_symlink() or not match.is_file():
            raise InputError(
                f"'{match.relative_to(project.root)}' is a link or not a regular file",
                path=where or match,
                line=line,
                hint="sources must be regular files inside the project folder",
            )
        found.append(match)
    if not found:
        label = f"edition '{edition.name}': " if edition.name else ""
        raise InputError(
            f"{label}'{pattern}' matches no article",
            path=where or project.root / pattern,
            line=line,
            hint=f"articles end in {', '.join(sorted(suffixes))}",
        )
    return found


def _article_key(project: Project, source: Path) -> str:
    """An article's path from the project root without its suffix (an ``[articles]`` key)."""
    try:
        return source.resolve().relative_to(project.root).with_suffix("").as_posix()
    except ValueError:
        return source.stem


def plan(
    project: Project, editions: Sequence[Edition], meta: Mapping[str, Any]
) -> tuple[list[Job], list[Diagnostic]]:
    """The (edition x article) jobs, and warnings about the project itself.

    :param meta: metadata overriding everything else (the command line's ``-M``).
    :raises InputError: for a pattern matching nothing, a source that is a link or leaves
        the project, or two articles that would write the same files.
    """
    jobs = []
    for edition in editions:
        if edition.selection:
            sources = [Path(s) for s in edition.sources]
        else:
            sources = list(
                dict.fromkeys(
                    p for pattern in edition.sources for p in _glob(project, edition, pattern)
                )
            )
        seen: dict[str, Path] = {}
        for source in sources:
            slug = slugify(source.stem)
            if slug in seen and seen[slug].resolve() != source.resolve():
                where = f" in edition '{edition.name}'" if edition.name else ""
                raise InputError(
                    f"{seen[slug].name} and {source.name} would both be written as "
                    f"'{slug}.*'{where}",
                    path=source,
                    hint="rename one of them",
                )
            seen[slug] = source
            # [defaults] sit under the article's front matter (as a project's metadata does
            # in Quarto and Pandoc); the article's own table, the edition and -M over it.
            merged = {
                **project.articles.get(source.stem, {}),
                # a table named by the file's path (``[articles."sources/ru/alaska-talks"]``)
                # is more specific: a language edition's translation keeps the stem.
                **project.articles.get(_article_key(project, source), {}),
                **edition.meta,
                **meta,
            }
            jobs.append(Job(edition, source, slug, merged, dict(project.meta)))
    warnings = []
    stems = {job.source.stem for job in jobs} | {_article_key(project, j.source) for j in jobs}
    if not any(e.selection for e in editions):
        for stem, line in project.article_lines.items():
            if stem not in stems:
                close = difflib.get_close_matches(stem, sorted(stems), n=1)
                warnings.append(
                    Diagnostic(
                        f"[articles.{stem}] matches no article that is built",
                        project.path,
                        line,
                        f"did you mean '{close[0]}'?" if close else "check the file name",
                    )
                )
    return jobs, warnings


# -- keys ---------------------------------------------------------------------------


def fingerprint(value: Any, root: Path) -> Any:
    """A JSON-ready, lossless form of a model value: dataclasses with their type name and
    every field, paths relative to ``root``."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            "@": type(value).__name__,
            **{
                f.name: fingerprint(getattr(value, f.name), root) for f in dataclasses.fields(value)
            },
        }
    if isinstance(value, Path):
        return relative(value, root)
    if isinstance(value, Mapping):
        return {
            str(k): fingerprint(v, root)
            for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))
        }
    if isinstance(value, list | tuple):
        return [fingerprint(v, root) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return repr(value)


@lru_cache(maxsize=32)
def theme_digest(theme: Theme) -> str:
    """The hash of every file of a theme, with its place in the theme (and the project's
    ``_brand.yml`` with the files it names)."""
    digest = hashlib.sha256(theme.brand.digest.encode() if theme.brand else b"")
    for folder_index, folder in enumerate(theme.roots):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                digest.update(f"{folder_index}:{path.relative_to(folder).as_posix()}\0".encode())
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _key(*parts: Any) -> str:
    text = json.dumps(parts, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _edition_key(edition: Edition, theme: Theme) -> list[Any]:
    options = edition.options
    return [
        __version__,
        os.environ.get("SOURCE_DATE_EPOCH"),
        theme_digest(theme),
        list(options.formats),
        options.paper,
        options.pdf_variant,
    ]


# -- tasks --------------------------------------------------------------------------


def _theme(project: Project, edition: Edition) -> Theme:
    ref = edition.options.theme
    folder = project.root / ref
    return load_theme(folder if str(ref) and folder.is_dir() else ref, project_dir=project.root)


def compendium_meta(project: Project, edition: Edition) -> Meta:
    """A compendium's metadata: the edition's (less what is per article) and its title."""
    from briefing.metadata import build_meta

    meta = {
        k: v
        for k, v in {**project.meta, **edition.meta}.items()
        if k.lower() not in ("summary", "identifier", "title")
    }
    meta["title"] = edition.title or f"{edition.name.replace('-', ' ').title()} edition"
    return build_meta({}, path=project.path or project.root, overrides=meta)


def make_tasks(
    project: Project,
    read: Sequence[tuple[Job, Document, bytes, tuple[Diagnostic, ...]]],
) -> list[Task]:
    """The tasks for documents read: one per article, plus each edition's compendium and
    the style files of its HTML outputs."""
    tasks: list[Task] = []
    by_edition: dict[str, list[tuple[Job, Document, bytes, tuple[Diagnostic, ...]]]] = {}
    for item in read:
        by_edition.setdefault(item[0].edition.name, []).append(item)
    for items in by_edition.values():
        edition = items[0][0].edition
        options = edition.options
        theme = _theme(project, edition)
        base = _edition_key(edition, theme)
        keys = []
        for job, document, data, warnings in items:
            attachment = (
                (job.source.name, data)
                if options.pdf_variant == "pdf/a-3u" and "pdf" in options.formats
                else None
            )
            spec = TaskSpec(
                "article",
                theme,
                edition.name,
                ((job.slug, document),),
                options,
                edition.recipients if "pdf" in options.formats else (),
                attachment=attachment,
            )
            key = _key(
                base,
                job.slug,
                fingerprint(document, project.root),
                list(spec.recipients),
                fingerprint(attachment, project.root),
            )
            keys.append(key)
            tasks.append(
                Task(
                    spec,
                    edition,
                    edition.folder,
                    key,
                    tuple(article_outputs(job.slug, options, spec.recipients)),
                    (relative(job.source, project.root),),
                    warnings,
                )
            )
        if edition.compendium and "pdf" in options.formats and edition.name:
            meta = compendium_meta(project, edition)
            spec = TaskSpec(
                "compendium",
                theme,
                edition.name,
                tuple((job.slug, document) for job, document, _, _ in items),
                options,
                meta=meta,
            )
            tasks.append(
                Task(
                    spec,
                    edition,
                    edition.folder,
                    _key(base, "compendium", keys, fingerprint(meta, project.root)),
                    (compendium_name(edition.name),),
                    tuple(relative(job.source, project.root) for job, _, _, _ in items),
                )
            )
        if "html" in options.formats:
            tasks.append(
                Task(
                    TaskSpec("assets", theme, edition.name),
                    edition,
                    edition.folder,
                    _key(base, "assets"),
                    tuple(f"assets/{name}" for name in html_assets(theme)),
                )
            )
    return tasks
