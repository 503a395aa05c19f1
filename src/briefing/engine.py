"""The one build engine: every build (one article, a folder, a project's editions) runs
the same path::

    project --plan--> jobs --read all--> documents --tasks + keys--> work to do
            --run (here or in workers)--> files written atomically --> manifest --> prune

Read everything, then write: every article is read before the first output is written, so
a bad article stops the build up front (``keep_going`` builds the rest and still fails).
Incremental: a task whose key and files match its manifest entries is not run; a build
with nothing to do writes nothing. Pruning: files a manifest recorded that the build no
longer makes (a renamed article, a removed recipient or edition) are removed, so the
output folder holds exactly what its manifests list.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from briefing.config import Edition, Project, find_project, implicit_project, load_project
from briefing.errors import (
    EXIT_CHECK,
    EXIT_INPUT,
    EXIT_OK,
    BriefingError,
    Diagnostic,
    InputError,
)
from briefing.files import read_bounded
from briefing.limits import env_source_date_epoch
from briefing.manifest import MANIFEST, Manifest
from briefing.model import Document
from briefing.options import BuildOptions, option_specs
from briefing.output import Output, OutputRoot
from briefing.readers.images import ImagePolicy
from briefing.report import collecting
from briefing.tasks import Job, Task, make_tasks, plan, relative
from briefing.version import __version__
from briefing.workers import Outcome, execute

__all__ = ["BuildInterrupted", "BuildResult", "Progress", "build", "run_build"]

logger = logging.getLogger(__name__)
TOOL = f"briefing {__version__}"


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build did.

    :param outputs: every output of the build, each ``built`` or ``up to date``.
    :param failures: what went wrong, each with file and line where known.
    :param warnings: warnings about the project itself (e.g. ``[articles.x]`` unused).
    :param removed: files removed: no build makes them any more, or (see ``discarded``)
        their rebuild failed.
    :param manifests: the manifest of each output folder the build wrote to.
    :param discarded: the removed files whose rebuild failed: the old file no longer
        matched its sources, so it was not left to pass for a current one.
    """

    outputs: tuple[Output, ...] = ()
    failures: tuple[Diagnostic, ...] = ()
    warnings: tuple[Diagnostic, ...] = ()
    removed: tuple[Path, ...] = ()
    manifests: tuple[Path, ...] = ()
    exit_code: int = EXIT_OK
    discarded: tuple[Path, ...] = ()

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.failures

    @property
    def built(self) -> tuple[Output, ...]:
        """The outputs this build wrote."""
        return tuple(o for o in self.outputs if o.status == "built")

    @property
    def up_to_date(self) -> tuple[Output, ...]:
        """The outputs that were kept as they were."""
        return tuple(o for o in self.outputs if o.status == "up to date")

    def to_dict(self) -> dict[str, Any]:
        """The one JSON shape of a build (``briefing build --json``)."""
        return {
            "ok": self.ok,
            "built": len(self.built),
            "up_to_date": len(self.up_to_date),
            "failed": len(self.failures),
            "outputs": [o.to_dict() for o in self.outputs],
            "removed": [str(p) for p in self.removed],
            "discarded": [str(p) for p in self.discarded],
            "manifests": [str(p) for p in self.manifests],
            "warnings": [w.to_dict() for w in self.warnings],
            "errors": [f.to_dict() for f in self.failures],
        }


class BuildInterrupted(BriefingError):
    """The build was stopped (Ctrl-C, SIGTERM): what was written is whole and recorded."""

    exit_code = 130

    def __init__(self, result: BuildResult) -> None:
        written = len(result.built)
        super().__init__(
            f"interrupted: {written} output{'s' if written != 1 else ''} written and "
            "recorded, nothing partial left",
            hint="run the build again to finish",
        )
        self.result = result


@dataclass(slots=True)
class Progress:
    """Callbacks a caller may give to follow a build (the CLI's progress bar)."""

    on_plan: Callable[[int], None] | None = None
    on_task: Callable[[str], None] | None = None
    on_wait: Callable[[str], None] | None = None


@dataclass(slots=True)
class _Run:
    """The state of one build while it runs (in the main process only)."""

    project: Project
    out_dir: Path
    root: OutputRoot
    options: BuildOptions
    manifests: dict[str, Manifest] = field(default_factory=dict)
    outputs: list[Output] = field(default_factory=list)
    failures: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    discarded: list[Path] = field(default_factory=list)
    places: dict[Path, tuple[str, str]] = field(default_factory=dict)
    failed_tasks: set[int] = field(default_factory=set)
    exit_code: int = EXIT_OK

    def fail(self, diagnostic: Diagnostic, code: int) -> None:
        self.failures.append(diagnostic)
        self.exit_code = self.exit_code or code

    def manifest(self, edition: Edition) -> Manifest:
        if edition.folder not in self.manifests:
            manifest, warning = Manifest.load(self.out_dir / edition.folder, edition.name)
            if warning:
                self.warnings.append(warning)
            self.manifests[edition.folder] = manifest
        return self.manifests[edition.folder]

    def result(self) -> BuildResult:
        return BuildResult(
            tuple(sorted(self.outputs, key=lambda o: str(o.path))),
            tuple(self.failures),
            tuple(self.warnings),
            tuple(self.removed),
            tuple(m.path for m in self.manifests.values() if m.entries or m.path.exists()),
            self.exit_code,
            tuple(self.discarded),
        )


def _read_all(
    jobs: Sequence[Job], options: BuildOptions, images: ImagePolicy | None = None
) -> tuple[list[tuple[Job, Document, bytes, tuple[Diagnostic, ...]]], list[BriefingError]]:
    from briefing.readers import read_article

    read = []
    errors: list[BriefingError] = []
    cache: dict[Path, bytes] = {}
    for job in jobs:
        try:
            key = job.source.resolve()
            if key not in cache:
                cache[key] = read_bounded(job.source, options.max_input_size)
            data = cache[key]
            with collecting() as warnings:
                document = read_article(
                    job.source,
                    fmt=job.edition.options.input_format,
                    meta=job.meta,
                    defaults=job.defaults,
                    data=data,
                    max_bytes=options.max_input_size,
                    images=images,
                )
            read.append((job, document, data, tuple(warnings)))
        except BriefingError as exc:
            errors.append(exc)
    return read, errors


def _record(run: _Run, task: Task, outcome: Outcome) -> None:
    """Write a finished task's files and record them (called as each task finishes)."""
    if outcome.error is not None:
        run.fail(outcome.error, outcome.exit_code)
        run.failed_tasks.add(outcome.index)
        return
    warnings = task.warnings + outcome.warnings
    if run.options.strict and warnings:
        # --strict: a warning fails its task, as MkDocs' and Sphinx's strict modes do.
        first = warnings[0]
        more = f" (and {len(warnings) - 1} more)" if len(warnings) > 1 else ""
        run.fail(
            Diagnostic(
                f"{first.message}{more}; --strict makes warnings errors",
                first.path,
                first.line,
                first.hint,
            ),
            EXIT_INPUT,
        )
        run.failed_tasks.add(outcome.index)
        return
    manifest = run.manifest(task.edition)
    for item in outcome.produced:
        sha = run.root.write(Path(task.folder) / item.path, item.data)
        manifest.entries[item.path] = {
            "path": item.path,
            "format": item.format,
            "bytes": len(item.data),
            "pages": item.pages,
            "sha256": sha,
            "key": task.key,
            "sources": list(task.sources),
            "warnings": [_portable(w, run.project.root) for w in warnings],
            "validation": None,
        }
        _add(run, task, manifest.entries[item.path], "built", warnings)


def _portable(diagnostic: Diagnostic, root: Path) -> dict[str, object]:
    data = diagnostic.to_dict()
    data["path"] = relative(diagnostic.path, root)
    return data


def _add(
    run: _Run,
    task: Task,
    entry: Mapping[str, Any],
    status: str,
    warnings: tuple[Diagnostic, ...],
) -> None:
    """Report one output of ``task`` from its manifest entry (built now, or kept)."""
    source = task.spec.documents[0][1].meta.source if task.spec.kind == "article" else None
    path = run.out_dir / task.folder / entry["path"]
    run.places[path] = (task.folder, entry["path"])
    run.outputs.append(
        Output(
            path,
            entry["format"],
            entry["bytes"],
            entry["sha256"],
            entry.get("pages"),
            source,
            warnings,
            status,
            task.edition.name,
            entry.get("validation"),
        )
    )


def _prune(
    run: _Run,
    editions: Sequence[Edition],
    tasks: Sequence[Task],
    succeeded: Sequence[Task],
    full: bool,
) -> None:
    """Remove what manifests recorded and this build no longer makes (including the old
    files of a task that failed: they no longer match their sources)."""
    made: dict[str, set[str]] = {}
    planned: dict[str, set[str]] = {}
    touched: dict[str, set[str | None]] = {}
    for task in succeeded:
        made.setdefault(task.folder, set()).update(task.outputs)
    for task in tasks:
        touched.setdefault(task.folder, set()).update(task.sources)
        planned.setdefault(task.folder, set()).update(task.outputs)
    for edition in editions:
        manifest = run.manifest(edition)
        if not manifest.readable:
            continue
        for path, entry in list(manifest.entries.items()):
            if path in made.get(edition.folder, set()):
                continue
            sources = set(entry.get("sources") or [])
            if edition.selection and not sources & touched.get(edition.folder, set()):
                continue  # another article's output, not part of this selection
            if _remove(run, Path(edition.folder) / path) and path in planned.get(
                edition.folder, set()
            ):
                run.discarded.append(run.out_dir / edition.folder / path)
            del manifest.entries[path]
    if full and run.project.path is not None:
        _prune_editions(run, {e.folder for e in run.project.editions})


def _prune_editions(run: _Run, current: set[str]) -> None:
    """Remove the outputs of editions no longer in ``briefing.toml``."""
    if not run.out_dir.is_dir():
        return
    for folder in sorted(run.out_dir.iterdir()):
        if folder.name in current or folder.is_symlink() or not folder.is_dir():
            continue
        if not (folder / MANIFEST).is_file():
            continue
        manifest, warning = Manifest.load(folder, folder.name)
        if warning or not manifest.readable:
            continue
        for path in list(manifest.entries):
            _remove(run, Path(folder.name) / path)
        _remove(run, Path(folder.name) / MANIFEST)


def _remove(run: _Run, relative_path: Path) -> bool:
    """Remove one recorded file (and the folders it leaves empty) from the output folder;
    True when there was one.

    Manifest paths were checked when the manifest was read, and the output root refuses
    anything outside itself.
    """
    if run.root.remove(relative_path):
        run.removed.append(run.out_dir / relative_path)
        return True
    return False


def _write_manifests(run: _Run) -> None:
    for folder, manifest in run.manifests.items():
        if not manifest.entries:
            if manifest.readable and manifest.path.is_file():
                _remove(run, Path(folder) / MANIFEST)  # everything it listed is gone
            continue
        data = manifest.render(TOOL)
        try:
            unchanged = manifest.path.is_file() and manifest.path.read_bytes() == data
        except OSError:
            unchanged = False
        if not unchanged:
            run.root.write(Path(folder) / MANIFEST, data)


def _scheduler(option: str | None) -> str | None:
    """The Dask scheduler to use, if any (imported only here: a local build never needs it)."""
    from briefing.distributed import scheduler_address

    return scheduler_address(option)


def _check(run: _Run) -> None:
    """Validate the PDFs and EPUBs of the build; reuse a passed check of unchanged files."""
    from briefing.check import check_file

    checked = []
    for output in run.outputs:
        if output.format not in ("pdf", "epub"):
            checked.append(output)
            continue
        validation = output.validation
        if not (output.status == "up to date" and validation and validation["status"] == "passed"):
            report = check_file(output.path)
            validation = {k: v for k, v in report.to_dict().items() if k != "path"}
            if not report.ok:
                failed = [c.name for c in report.checks if not c.ok]
                run.fail(Diagnostic(f"check failed: {', '.join(failed)}", output.path), EXIT_CHECK)
        folder, path = run.places[output.path]
        entry = run.manifests[folder].entries.get(path)
        if entry is not None:
            entry["validation"] = validation
        checked.append(replace(output, validation=validation))
    run.outputs = checked


def _shown(path: Path) -> Path:
    """``path`` relative to the current folder when it is under it (for messages)."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def run_build(
    project: Project,
    *,
    articles: Sequence[Path] | None = None,
    editions: Sequence[str] = (),
    options: Mapping[str, Any] | None = None,
    out_dir: Path | None = None,
    progress: Progress | None = None,
    isolate: bool = False,
    executor: Any = None,
) -> BuildResult:
    """Build a project: the given articles (with the project's defaults), or its editions.

    :param articles: articles to build into the output folder itself, with ``[defaults]``
        and ``[articles.x]`` metadata; when not given, the editions are built.
    :param editions: edition names to build (all when empty).
    :param options: option values that override the project's (``None``: not given).
    :param out_dir: the output folder (default: the project's).
    :param isolate: render in worker processes even with one job or one task (the command
        line does: the memory bound and crash isolation cost nothing there); otherwise a
        single job runs in this process, keeping its engine warm for the next build.
    :param executor: a ``distributed.Client`` or a scheduler address to run the tasks on
        (default: the ``scheduler`` option, else ``$DASK_SCHEDULER_ADDRESS``, else local).
    :raises BuildInterrupted: on Ctrl-C, after recording what was written.
    :raises BriefingError: for a project that cannot be planned (nothing is written).
    """
    given = dict(options or {})
    specs = option_specs()
    edition_given = {k: v for k, v in given.items() if specs[k].scope == "edition"}
    run_options = project.options.merged(given)
    if articles:
        selected = [project.adhoc(list(articles))]
    elif not project.editions:
        # a briefing.toml may only hold defaults, for `briefing build ARTICLE`
        raise InputError(
            "no editions to build",
            path=project.path,
            line=1,
            hint="add an [[editions]] table with a name and sources, or name the articles",
        )
    else:
        selected = (
            [project.edition(name) for name in editions] if editions else list(project.editions)
        )
    full = not articles and not editions
    selected = [replace(e, options=e.options.merged(edition_given)) for e in selected]
    out = Path(out_dir) if out_dir is not None else _shown(project.output)
    env_source_date_epoch()  # a bad value is an error before any work, not per output
    workers = run_options.jobs or os.cpu_count() or 1
    chosen = executor or _scheduler(run_options.scheduler)
    with _cluster(chosen, workers, selected) as cluster:
        return _build(project, selected, run_options, out, full, isolate, progress, cluster)


def _cluster(executor: Any, workers: int, selected: Sequence[Edition]) -> Any:
    """A context giving the Dask connection to build on (``None``: local workers); it
    starts connecting now, so a cluster starts while the articles are read."""
    if executor is None:
        return contextlib.nullcontext()
    from briefing.distributed import Connection

    warm = any("pdf" in edition.options.formats for edition in selected)
    return Connection(executor, jobs=workers, warm=warm)


def _build(
    project: Project,
    selected: Sequence[Edition],
    run_options: BuildOptions,
    out: Path,
    full: bool,
    isolate: bool,
    progress: Progress | None,
    cluster: Any,
) -> BuildResult:
    """The build of :func:`run_build`, once its editions and options are settled."""
    jobs, project_warnings = plan(project, selected, run_options.meta)
    read, errors = _read_all(jobs, run_options, project.images)
    root = OutputRoot(out)
    run = _Run(project, out, root, run_options, warnings=project_warnings)
    for error in errors:
        run.fail(error.diagnostic, error.exit_code)
    if errors and not run_options.keep_going:
        return run.result()
    tasks = make_tasks(project, read)
    with root.lock(on_wait=progress.on_wait if progress else None):
        root.clean_staging()
        todo: list[Task] = []
        for task in tasks:
            entries = (
                None
                if run_options.force
                else run.manifest(task.edition).current_all(task.outputs, task.key)
            )
            warned = task.warnings or any(entry.get("warnings") for entry in entries or ())
            if entries is None or (run_options.strict and warned):
                todo.append(task)  # under --strict a task with warnings runs, and fails
                continue
            for entry in entries:
                _add(run, task, entry, "up to date", task.warnings)
        logger.debug(
            "%d tasks: %d to run, %d up to date", len(tasks), len(todo), len(tasks) - len(todo)
        )
        if progress and progress.on_plan:
            progress.on_plan(len(todo))

        def done(outcome: Outcome) -> None:
            task = todo[outcome.index]
            _record(run, task, outcome)
            if progress and progress.on_task:
                progress.on_task(task.label)

        try:
            execute(
                [t.spec for t in todo],
                jobs=run_options.jobs or os.cpu_count() or 1,
                timeout=run_options.timeout or None,
                on_done=done,
                isolate=isolate,
                executor=cluster,
            )
        except KeyboardInterrupt:
            _write_manifests(run)
            root.clean_staging()
            raise BuildInterrupted(run.result()) from None
        failed = {id(todo[i]) for i in run.failed_tasks}
        _prune(run, selected, tasks, [t for t in tasks if id(t) not in failed], full and not errors)
        if run_options.check:
            _check(run)
        _write_manifests(run)
        root.clean_staging()
    return run.result()


def build(
    sources: Path | str | Iterable[Path | str] | None = None,
    *,
    out_dir: Path | str | None = None,
    options: BuildOptions | None = None,
    project: Path | str | None = None,
    editions: Sequence[str] = (),
    progress: Progress | None = None,
    executor: Any = None,
) -> BuildResult:
    """Build articles, or a project's editions, with the engine ``briefing build`` uses.

    :param sources: article files (one path, or several); when not given, the project's
        editions are built (or, without a ``briefing.toml``, ``sources/*``).
    :param out_dir: the output folder (default: the project's, else ``dist``).
    :param options: how to build; its fields override the project's ``[defaults]`` only
        where they differ from :class:`BuildOptions`' defaults.
    :param project: a ``briefing.toml`` or the folder holding one; default: none (an
        implicit project rooted at the current folder).
    :param editions: edition names to build (all when empty).
    :param executor: run the tasks on a Dask cluster: a ``distributed.Client`` (a report
        workflow's own) or a scheduler address (needs ``briefing[dask]``).
    :raises TypeError: for arguments of the wrong type.
    :raises BriefingError: for a project or articles that cannot be read, or a theme that
        cannot be loaded (the result holds per-article failures instead when it can).
    """
    if options is not None and not isinstance(options, BuildOptions):
        raise TypeError(f"options must be a BuildOptions, not {type(options).__name__}")
    paths: list[Path] | None = None
    if isinstance(sources, str | Path):
        paths = [Path(sources)]
    elif sources is not None:
        paths = []
        for item in sources:
            if not isinstance(item, str | Path):
                raise TypeError(f"sources must be paths, not {type(item).__name__}")
            paths.append(Path(item))
        if not paths:
            raise InputError("no articles to build", hint="pass article files")
    options = options or BuildOptions()
    if not str(options.theme).strip():
        raise InputError("the theme is empty", hint="give a built-in theme name or a folder")
    if project is not None:
        where = Path(project)
        config = where if where.is_file() else find_project(where)
        if config is None:
            raise InputError(f"no briefing.toml in {where}", path=where)
        loaded = load_project(config)
    else:
        loaded = implicit_project(Path.cwd())
    defaults = BuildOptions()
    given = {
        name: getattr(options, name)
        for name in option_specs()
        if getattr(options, name) != getattr(defaults, name)
    }
    return run_build(
        loaded,
        articles=paths,
        editions=editions,
        options=given,
        out_dir=Path(out_dir) if out_dir is not None else None,
        progress=progress,
        executor=executor,
    )
