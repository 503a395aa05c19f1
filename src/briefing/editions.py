"""Editions: one config, many briefings, built in parallel and incrementally.

The flow (each step a function, data flowing one way)::

    Config --plan--> jobs (edition x article) --read all--> documents
           --hash inputs--> tasks not up to date --workers--> outputs --> manifest.json

Read everything, then write: every article of every selected edition is read before the
first output is written, so a bad article stops the build up front (or, with
``keep_going``, is reported at the end while the others are built).

Incremental: each task's inputs (the document as read, with its metadata; the theme's
files; the edition's options; the tool version) are hashed. An output whose manifest entry
has the same inputs hash, and whose file still has the recorded sha256, is not rebuilt.
Deciding this imports no rendering engine, so a build with nothing to do is fast.

Parallel: tasks run in worker processes that live for the whole build and each keep one
:class:`~briefing.render.pdf.PdfEngine` (fonts and CSS parsed once per worker).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from briefing import __version__
from briefing.build import check_unique_slugs, read_sources
from briefing.check import check_file
from briefing.config import Config, Edition
from briefing.errors import (
    EXIT_CHECK,
    EXIT_INTERNAL,
    EXIT_OK,
    BriefingError,
    Diagnostic,
    InputError,
)
from briefing.limits import deadline
from briefing.model import Document, Meta
from briefing.output import Output, write_atomic
from briefing.readers.common import build_meta
from briefing.report import collecting
from briefing.serialize import document_to_dict
from briefing.slug import slugify
from briefing.themes import Theme, load_theme

__all__ = ["EditionsResult", "Task", "build_editions", "plan"]

MANIFEST = "manifest.json"
logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Job:
    """One article in one edition, before it is read."""

    edition: Edition
    source: Path
    slug: str
    meta: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Task:
    """A unit of work for a worker: one article's outputs, or an edition's compendium.

    :param kind: ``article`` or ``compendium``.
    :param documents: the article (one) or the edition's articles, as ``(slug, document)``.
    :param out_dir: the edition's output folder.
    :param inputs: the hash of everything the outputs depend on.
    :param outputs: the paths the task writes (relative to ``out_dir``).
    """

    kind: str
    edition: Edition
    theme: Theme
    documents: tuple[tuple[str, Document], ...]
    out_dir: Path
    inputs: str
    outputs: tuple[str, ...]
    warnings: tuple[Diagnostic, ...] = ()
    meta: Meta | None = None  # the compendium's metadata

    @property
    def label(self) -> str:
        """``edition/slug`` or ``edition/compendium``, for progress and messages."""
        what = self.documents[0][0] if self.kind == "article" else "compendium"
        return f"{self.edition.name}/{what}"


@dataclass(frozen=True, slots=True)
class EditionsResult:
    """What :func:`build_editions` did.

    :param outputs: every output of the selected editions (built now or up to date).
    :param written: the outputs written by this run.
    :param built: the tasks that ran.
    :param skipped: the tasks that were up to date.
    :param failures: what went wrong, each with file and line where known.
    :param manifests: the manifest written for each edition.
    """

    outputs: tuple[Output, ...] = ()
    written: tuple[Output, ...] = ()
    built: int = 0
    skipped: int = 0
    failures: tuple[Diagnostic, ...] = ()
    manifests: tuple[Path, ...] = ()
    exit_code: int = EXIT_OK

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.failures


# -- planning and reading ------------------------------------------------------------


def plan(config: Config, names: Sequence[str] = ()) -> list[Job]:
    """The (edition x article) jobs of the selected editions (all when ``names`` is empty).

    :raises InputError: for an unknown edition or a sources pattern that matches nothing.
    """
    from briefing.readers import supported_suffixes

    editions = [config.edition(name) for name in names] if names else list(config.editions)
    suffixes = supported_suffixes()
    jobs = []
    for edition in editions:
        found: dict[Path, None] = {}
        for pattern in edition.sources:
            matches = sorted(
                p for p in config.root.glob(pattern) if p.is_file() and p.suffix.lower() in suffixes
            )
            if not matches:
                raise InputError(
                    f"edition '{edition.name}': '{pattern}' matches no article",
                    path=config.path,
                    hint=f"articles end in {', '.join(sorted(suffixes))}",
                )
            found.update(dict.fromkeys(matches))
        check_unique_slugs(list(found), f" in edition '{edition.name}'")
        for source in found:
            meta = {**config.articles.get(source.stem, {}), **edition.meta}
            jobs.append(Job(edition, source, slugify(source.stem), meta))
    return jobs


# -- hashing -------------------------------------------------------------------------


@lru_cache(maxsize=16)
def _theme_digest(theme: Theme) -> str:
    digest = hashlib.sha256()
    for path in theme.files():
        digest.update(str(path.name).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _inputs(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _edition_options(edition: Edition) -> dict[str, Any]:
    return {
        "formats": edition.formats,
        "paper": edition.paper,
        "pdf_variant": edition.pdf_variant,
        "recipients": edition.recipients,
    }


def _article_outputs(edition: Edition, slug: str) -> tuple[str, ...]:
    names = [f"{slug}.{fmt}" for fmt in ("pdf", "epub", "html") if fmt in edition.formats]
    if edition.recipients and "pdf" in edition.formats:
        names += [f"copies/{slug}--{slugify(name)}.pdf" for name in edition.recipients]
    return tuple(names)


def _compendium_meta(config: Config, edition: Edition) -> Meta:
    meta = {k: v for k, v in edition.meta.items() if k.lower() not in ("summary", "identifier")}
    meta["title"] = edition.title or f"{edition.name.replace('-', ' ').title()} edition"
    with collecting():
        return build_meta({}, path=config.path, overrides=meta)


def _tasks(
    config: Config, read: Sequence[tuple[Job, Document, tuple[Diagnostic, ...]]]
) -> list[Task]:
    tasks = []
    by_edition: dict[str, list[tuple[Job, Document, tuple[Diagnostic, ...]]]] = {}
    for item in read:
        by_edition.setdefault(item[0].edition.name, []).append(item)
    for name, items in by_edition.items():
        edition = items[0][0].edition
        theme_ref = (
            edition.theme
            if not (config.root / edition.theme).is_dir()
            else config.root / edition.theme
        )
        theme = load_theme(theme_ref, project_dir=config.root)
        theme_digest = _theme_digest(theme)
        out_dir = config.output / name
        article_inputs = []
        for job, document, warnings in items:
            inputs = _inputs(
                __version__, document_to_dict(document), theme_digest, _edition_options(edition)
            )
            article_inputs.append(inputs)
            tasks.append(
                Task(
                    "article",
                    edition,
                    theme,
                    ((job.slug, document),),
                    out_dir,
                    inputs,
                    _article_outputs(edition, job.slug),
                    warnings,
                )
            )
        if edition.compendium and "pdf" in edition.formats:
            meta = _compendium_meta(config, edition)
            tasks.append(
                Task(
                    "compendium",
                    edition,
                    theme,
                    tuple((job.slug, document) for job, document, _ in items),
                    out_dir,
                    _inputs(__version__, article_inputs, theme_digest, str(meta)),
                    (f"{name}-compendium.pdf",),
                    meta=meta,
                )
            )
    return tasks


# -- the manifest --------------------------------------------------------------------


def _load_manifest(out_dir: Path) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads((out_dir / MANIFEST).read_text("utf-8"))
        return {entry["path"]: entry for entry in data["outputs"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _file_sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _up_to_date(task: Task, previous: Mapping[str, dict[str, Any]]) -> list[dict[str, Any]] | None:
    entries = []
    for name in task.outputs:
        entry = previous.get(name)
        if entry is None or entry.get("inputs_sha256") != task.inputs:
            return None
        if _file_sha256(task.out_dir / name) != entry.get("sha256"):
            return None
        entries.append(entry)
    return entries


def _source_hashes(task: Task) -> list[dict[str, Any]]:
    """The articles a task read, with their sha256 (once per task, not per output)."""
    return [
        {"path": str(doc.meta.source), "sha256": _file_sha256(doc.meta.source)}
        for _, doc in task.documents
        if doc.meta.source is not None
    ]


def _entry(output: Output, task: Task, sources: list[dict[str, Any]]) -> dict[str, Any]:
    record = output.to_dict()
    record["path"] = output.path.relative_to(task.out_dir).as_posix()
    record["inputs_sha256"] = task.inputs
    record["inputs"] = sources
    record["tool"] = f"briefing {__version__}"
    record["validation"] = {"status": "unchecked"}
    return record


def _write_manifest(out_dir: Path, edition: Edition, entries: list[dict[str, Any]]) -> Path:
    path = out_dir / MANIFEST
    data = {
        "edition": edition.name,
        "tool": f"briefing {__version__}",
        "outputs": sorted(entries, key=lambda e: e["path"]),
    }
    write_atomic(path, (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode())
    return path


# -- running tasks (in this process or in workers) ------------------------------------

_ENGINE: Any = None


def _engine() -> Any:
    global _ENGINE
    if _ENGINE is None:
        from briefing.render.pdf import PdfEngine

        _ENGINE = PdfEngine()
    return _ENGINE


def _warm_worker() -> None:
    """Worker start-up: import the engine and load fonts once, before the first task."""
    _engine()


def run_task(
    task: Task, timeout: float | None = None
) -> tuple[list[Output], Diagnostic | None, int]:
    """Run one task within ``timeout`` seconds; errors come back as data (exceptions do not
    cross processes well)."""
    source = task.documents[0][1].meta.source if task.kind == "article" else None
    try:
        with collecting() as warnings, deadline(timeout, path=source):
            outputs = _run(task)
        # Reading warnings first, then this task's, then what each output collected itself.
        extra = tuple(task.warnings) + tuple(warnings)
        return (
            [
                Output(o.path, o.format, o.size, o.sha256, o.pages, o.source, extra + o.warnings)
                for o in outputs
            ],
            None,
            0,
        )
    except BriefingError as exc:
        return [], exc.diagnostic, exc.exit_code
    except Exception as exc:  # a bug: report it, keep the batch going
        return [], Diagnostic(f"internal error: {type(exc).__name__}: {exc}", source), EXIT_INTERNAL


def _run(task: Task) -> list[Output]:
    from briefing.build import BuildOptions, build_document

    edition = task.edition
    if task.kind == "compendium":
        return [_compendium(task)]
    slug, document = task.documents[0]
    options = BuildOptions(
        formats=edition.formats, paper=edition.paper, pdf_variant=edition.pdf_variant
    )
    outputs = build_document(
        document,
        out_dir=task.out_dir,
        options=options,
        theme=task.theme,
        engine=_engine(),
        slug=slug,
    )
    pdf = next((o for o in outputs if o.format == "pdf"), None)
    if edition.recipients and pdf is not None:
        outputs += _recipient_copies(task, slug, document, pdf.path.read_bytes(), pdf.pages)
    return outputs


def _recipient_copies(
    task: Task, slug: str, document: Document, base: bytes, pages: int | None
) -> list[Output]:
    from briefing.postprocess import RecipientStamp, stamp_copies
    from briefing.render.html import render_stamp_html

    recipients = task.edition.recipients
    total = len(recipients)
    stamps = [
        RecipientStamp(f"Prepared for {name} — copy {n} of {total}", name, f"{n} of {total}")
        for n, name in enumerate(recipients, 1)
    ]
    sheet = _engine().render(
        render_stamp_html(
            [s.text for s in stamps],
            theme=task.theme,
            paper=task.edition.paper,
            language=document.meta.language,
            date=document.meta.date,
        ),
        variant=None,
        cover_pages=0,
    )
    outputs = []
    for stamp, data in stamp_copies(base, sheet.data, stamps):
        path = task.out_dir / "copies" / f"{slug}--{slugify(stamp.recipient)}.pdf"
        outputs.append(
            Output(path, "pdf", len(data), write_atomic(path, data), pages, document.meta.source)
        )
    return outputs


def _compendium(task: Task) -> Output:
    from briefing.render.html import render_compendium_html

    assert task.meta is not None
    html = render_compendium_html(
        list(task.documents), task.meta, theme=task.theme, paper=task.edition.paper
    )
    rendered = _engine().render(html, variant=task.edition.pdf_variant)
    path = task.out_dir / task.outputs[0]
    return Output(
        path, "pdf", len(rendered.data), write_atomic(path, rendered.data), rendered.pages
    )


def _execute(
    tasks: list[Task], jobs: int, timeout: float, progress: Callable[[Task], None] | None
) -> list[tuple[Task, list[Output], Diagnostic | None, int]]:
    results = []
    if jobs <= 1 or len(tasks) <= 1:
        for task in tasks:
            outputs, error, code = run_task(task, timeout)
            results.append((task, outputs, error, code))
            if progress:
                progress(task)
        return results
    import concurrent.futures
    import multiprocessing

    # Largest first (compendiums, recipient lists) so no worker is left with a long tail.
    order = sorted(tasks, key=lambda t: (t.kind != "compendium", -len(t.outputs)))
    context = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(
        max_workers=min(jobs, len(tasks)), mp_context=context, initializer=_warm_worker
    ) as pool:
        futures = {pool.submit(run_task, task, timeout): task for task in order}
        for future in concurrent.futures.as_completed(futures):
            task = futures[future]
            outputs, error, code = future.result()
            results.append((task, outputs, error, code))
            if progress:
                progress(task)
    return results


# -- the whole build -----------------------------------------------------------------


def build_editions(
    config: Config,
    *,
    names: Sequence[str] = (),
    jobs: int | None = None,
    force: bool = False,
    keep_going: bool = False,
    meta: Mapping[str, Any] | None = None,
    check: bool = False,
    on_plan: Callable[[int], None] | None = None,
    progress: Callable[[Task], None] | None = None,
) -> EditionsResult:
    """Build the selected editions of a project.

    :param names: edition names (all when empty).
    :param jobs: worker processes (default: the config's ``jobs``, else all cores).
    :param force: rebuild even what is up to date.
    :param keep_going: build what can be built when some articles fail; the result still
        reports every failure and a non-zero exit code.
    :param meta: metadata overriding everything else (the command line's ``-M``).
    :param check: validate what was built (:mod:`briefing.check`) and record the result in
        the manifest; a failed check is a failure (exit code 6).
    :param on_plan: called once with the number of tasks that will run (for a progress bar).
    :param progress: called after each task.
    """
    planned = plan(config, names)
    documents, errors = read_sources(
        [(job.source, {**job.meta, **(meta or {})}) for job in planned],
        max_bytes=config.max_input_size,
    )
    read = [(planned[index], document, warnings) for index, document, warnings in documents]
    failures = [e.diagnostic for e in errors]
    exit_code = errors[0].exit_code if errors else EXIT_OK
    if errors and not keep_going:
        return EditionsResult(failures=tuple(failures), exit_code=exit_code)
    tasks = _tasks(config, read)
    kept: dict[str, list[dict[str, Any]]] = {}
    todo = []
    previous_by_dir: dict[Path, dict[str, dict[str, Any]]] = {}
    for task in tasks:
        previous = previous_by_dir.setdefault(task.out_dir, _load_manifest(task.out_dir))
        entries = None if force else _up_to_date(task, previous)
        if entries is None:
            todo.append(task)
        else:
            kept.setdefault(task.edition.name, []).extend(entries)
    logger.debug(
        "%d tasks: %d to run, %d up to date", len(tasks), len(todo), len(tasks) - len(todo)
    )
    if on_plan:
        on_plan(len(todo))
    workers = jobs or config.jobs or os.cpu_count() or 1
    results = _execute(todo, workers, config.timeout, progress) if todo else []
    outputs: list[Output] = []
    entries_by_edition = {name: list(entries) for name, entries in kept.items()}
    editions = {task.edition.name: task.edition for task in tasks}
    for task, built, error, code in results:
        if error is not None:
            failures.append(error)
            exit_code = exit_code or code
            continue
        outputs.extend(built)
        sources = _source_hashes(task)
        for output in built:
            entry = _entry(output, task, sources)
            if check and output.format in ("pdf", "epub"):
                report = check_file(output.path)
                entry["validation"] = report.to_dict()
                if not report.ok:
                    failed = [c.name for c in report.checks if not c.ok]
                    failures.append(Diagnostic(f"check failed: {', '.join(failed)}", output.path))
                    exit_code = exit_code or EXIT_CHECK
            entries_by_edition.setdefault(task.edition.name, []).append(entry)
    manifests = [
        _write_manifest(config.output / name, editions[name], entries)
        for name, entries in entries_by_edition.items()
    ]
    everything = outputs + [
        Output(
            config.output / name / e["path"], e["format"], e["bytes"], e["sha256"], e.get("pages")
        )
        for name, entries in kept.items()
        for e in entries
    ]
    return EditionsResult(
        outputs=tuple(everything),
        written=tuple(outputs),
        built=len(todo) - sum(1 for r in results if r[2] is not None),
        skipped=len(tasks) - len(todo),
        failures=tuple(failures),
        manifests=tuple(manifests),
        exit_code=exit_code,
    )
