"""Running tasks: in this process, or in worker processes that live for the whole build.

Each process keeps one :class:`~briefing.produce.Renderer` (fonts and CSS loaded once) in
:data:`_RENDERER`, the one per-process place of mutable state. A task's errors come back
as data (exceptions do not cross processes well), and its files come back as bytes: the
main process writes them, so a worker never touches the output folder.

Stopping: workers ignore Ctrl-C (the main process decides), and ask the kernel to kill
them when the main process dies (``PR_SET_PDEATHSIG``), so a ``kill -9`` of the build
leaves no worker behind. On Ctrl-C the main process kills its workers at once, drops
queued tasks and re-raises :class:`KeyboardInterrupt`.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import gc
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from briefing.errors import EXIT_INTERNAL, EXIT_OUTPUT, BriefingError, Diagnostic
from briefing.limits import deadline
from briefing.produce import Produced, Renderer, TaskSpec, prepare, produce
from briefing.report import collecting

__all__ = [
    "Outcome",
    "died",
    "execute",
    "largest_first",
    "limit_memory",
    "memory_limit_mb",
    "renders_pdf",
    "run_task",
    "start_method",
]

logger = logging.getLogger(__name__)

#: This process's renderer: the only mutable state a worker keeps between tasks.
_RENDERER: Renderer | None = None


def _renderer() -> Renderer:
    global _RENDERER
    if _RENDERER is None:
        _RENDERER = Renderer()
        # Let the engine go while the interpreter is whole: at shutdown WeasyPrint's
        # font configuration would be finalised after the C bindings it needs are gone.
        atexit.register(_drop_renderer)
    return _RENDERER


def _drop_renderer() -> None:
    global _RENDERER
    _RENDERER = None
    gc.collect()


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one task gave: its files, or why it failed.

    :param index: the task's position in the list given to :func:`execute`.
    :param warnings: what the renderers reported while the task ran.
    """

    index: int
    produced: tuple[Produced, ...] = ()
    warnings: tuple[Diagnostic, ...] = ()
    error: Diagnostic | None = None
    exit_code: int = 0


def run_task(index: int, spec: TaskSpec, timeout: float | None) -> Outcome:
    """Run one task within ``timeout`` seconds (0 or ``None``: no limit)."""
    source = spec.documents[0][1].meta.source if spec.kind == "article" else None
    try:
        with collecting() as warnings:
            prepare(spec, _renderer())  # not the article's time: once per process
            with deadline(timeout, path=source):
                produced = produce(spec, _renderer())
        return Outcome(index, tuple(produced), tuple(warnings))
    except BriefingError as exc:
        return Outcome(index, error=exc.diagnostic, exit_code=exc.exit_code)
    except RecursionError:
        return Outcome(
            index,
            error=Diagnostic(
                "the document is nested too deeply to render", source, hint="flatten it"
            ),
            exit_code=EXIT_OUTPUT,
        )
    except MemoryError:
        return Outcome(
            index,
            error=Diagnostic(
                f"rendering ran out of memory (a worker may use {memory_limit_mb()} MiB)",
                source,
                hint="split the article, or raise BRIEFING_MEMORY_LIMIT_MB",
            ),
            exit_code=EXIT_OUTPUT,
        )
    except Exception as exc:  # a bug: report it, keep the batch going
        logger.debug("task %d failed", index, exc_info=True)
        return Outcome(
            index,
            error=Diagnostic(f"internal error: {type(exc).__name__}: {exc}", source),
            exit_code=EXIT_INTERNAL,
        )


def _die_with_parent() -> None:
    """Linux: have the kernel kill this process when its parent dies."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return


#: How much a worker's address space may grow while it renders (MiB): a bound on memory
#: besides the timeout, since layout of a huge table grows to several GiB within seconds.
#: ``$BRIEFING_MEMORY_LIMIT_MB`` changes it; 0 means no limit.
MEMORY_LIMIT_MB = 3072


def memory_limit_mb() -> int:
    """The per-worker memory budget in MiB (:data:`MEMORY_LIMIT_MB` or the environment's)."""
    value = os.environ.get("BRIEFING_MEMORY_LIMIT_MB", "").strip()
    return int(value) if value.isdigit() else MEMORY_LIMIT_MB


def limit_memory() -> None:
    """Cap this worker's address space at its current size plus :func:`memory_limit_mb`.

    A task that needs more fails with :class:`MemoryError` (or its worker dies, if a C
    library cannot allocate), and the build reports that article and goes on.
    """
    budget = memory_limit_mb()
    if not budget or not sys.platform.startswith("linux"):
        return
    import resource

    try:
        with open("/proc/self/status", encoding="ascii") as status:
            size_kb = next(int(line.split()[1]) for line in status if line.startswith("VmSize:"))
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = size_kb * 1024 + budget * 1024 * 1024
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (OSError, ValueError, StopIteration):
        return


def _start_worker(
    parent: int,
    warm: bool,
    scratch: str | None = None,
    place: tuple[dict[str, str], str] | None = None,
) -> None:
    """Set up a worker process; ``parent``: the pid it was forked from (0: started by a
    fork server, which dies with the build, so its children die too). ``scratch``: its
    temporary folder, which its parent removes: WeasyPrint writes the theme's fonts (40
    MB with the CJK ones) to a folder it deletes only when its font configuration is
    collected, which a worker that exits (or is killed) never does. ``place``: the build's
    environment and current folder, for a worker from a fork server, which has the
    server's (``SOURCE_DATE_EPOCH`` and the memory bound are read from it)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    if parent and os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)
    if place is not None:
        environ, folder = place
        os.environ.clear()
        os.environ.update(environ)
        os.chdir(folder)
    if scratch is not None:
        import tempfile

        os.environ["TMPDIR"] = tempfile.tempdir = scratch
    if warm:
        _renderer().engine  # noqa: B018 - load fonts and CSS before the first task
    limit_memory()


def execute(
    specs: Sequence[TaskSpec],
    *,
    jobs: int,
    timeout: float | None,
    on_done: Callable[[Outcome], None],
    isolate: bool = False,
    executor: Any = None,
) -> None:
    """Run every task, calling ``on_done`` in this process as each one finishes.

    :param jobs: worker processes; with one (or one task) the tasks run here, one by one,
        keeping this process's engine warm for the next call, unless ``isolate``.
    :param isolate: run in workers even then (a one-shot command: the memory bound and a
        crash in a C library then cost one task, never the build; it costs a few ms).
    :param executor: run on a Dask cluster instead: a ``distributed.Client``, a scheduler
        address, or ``local`` (see :mod:`briefing.distributed`).
    :raises KeyboardInterrupt: after stopping the workers and dropping what was queued.
    """
    if not specs:
        return
    if executor is not None:
        from briefing.distributed import execute_on_cluster

        execute_on_cluster(specs, executor=executor, jobs=jobs, timeout=timeout, on_done=on_done)
        return
    if not _can_fork() or (not isolate and (jobs <= 1 or len(specs) <= 1)):
        for index, spec in enumerate(specs):
            on_done(run_task(index, spec, timeout))
        return
    order = largest_first(specs)
    # A worker that dies (out of memory, a crash in a C library) breaks the whole pool and
    # every task still in it. Those run again in a fresh pool; if that breaks too, each
    # runs alone, so only the task that kills its worker is reported as failed.
    broken = _run_pool(specs, order, jobs, timeout, on_done)
    if broken:
        broken = _run_pool(specs, broken, jobs, timeout, on_done)
    for index in broken:
        if _run_pool(specs, [index], 1, timeout, on_done):
            on_done(died(index, specs[index]))


def largest_first(specs: Sequence[TaskSpec]) -> list[int]:
    """Task indices, largest first (compendiums, long recipient lists), so no worker is
    left with a long task at the end."""
    return sorted(
        range(len(specs)),
        key=lambda i: (specs[i].kind != "compendium", -len(specs[i].recipients)),
    )


def renders_pdf(spec: TaskSpec) -> bool:
    """Whether a task renders a PDF (its worker then loads the engine before it starts)."""
    return spec.kind == "compendium" or (spec.kind == "article" and "pdf" in spec.options.formats)


def start_method() -> str:
    """How worker processes start: forked from this process (fast: its imports and warm
    caches are shared), unless it runs other threads (a report workflow's, a Dask
    client's): a child forked then may inherit a lock some thread held (the import lock,
    a font cache's) and hang or fail. Then they come from a fork server, a clean process
    started once."""
    import threading

    return "fork" if threading.active_count() == 1 else "forkserver"


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods() and sys.platform != "darwin"


def died(index: int, spec: TaskSpec) -> Outcome:
    """The outcome of a task whose worker died while running it."""
    source = spec.documents[0][1].meta.source if spec.kind == "article" else None
    return Outcome(
        index,
        error=Diagnostic(
            "the worker process died while rendering this",
            source,
            hint=(
                f"it may have needed more than the {memory_limit_mb()} MiB a worker may use"
                " (set BRIEFING_MEMORY_LIMIT_MB), or split the article"
            ),
        ),
        exit_code=EXIT_OUTPUT,
    )


def _run_pool(
    specs: Sequence[TaskSpec],
    indices: Sequence[int],
    jobs: int,
    timeout: float | None,
    on_done: Callable[[Outcome], None],
) -> list[int]:
    """Run ``indices`` in a fresh pool; return those lost to a broken pool."""
    import concurrent.futures
    import multiprocessing
    from concurrent.futures.process import BrokenProcessPool

    method = start_method()
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload(["briefing.workers"])
    with scratch_folder() as scratch:
        pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=min(jobs, len(indices)),
            mp_context=context,
            initializer=_start_worker,
            initargs=(
                os.getpid() if method == "fork" else 0,
                any(renders_pdf(specs[i]) for i in indices),
                scratch,
                None if method == "fork" else (dict(os.environ), os.getcwd()),
            ),
        )
        lost: list[int] = []
        try:
            futures = {pool.submit(run_task, i, specs[i], timeout): i for i in indices}
            for future in concurrent.futures.as_completed(futures):
                try:
                    outcome = future.result()
                except BrokenProcessPool:
                    lost.append(futures[future])
                    continue
                on_done(outcome)
        except BaseException:
            _kill(pool)
            raise
        pool.shutdown(wait=True)
    return sorted(lost, key=list(indices).index)


@contextlib.contextmanager
def scratch_folder() -> Iterator[str]:
    """A private temporary folder for worker processes, removed with all they left in it
    once they are gone (see :func:`_start_worker`)."""
    import shutil
    import tempfile

    folder = tempfile.mkdtemp(prefix="briefing-workers-")
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _kill(pool: Any) -> None:
    """Stop a pool now: kill its processes and drop what was queued."""
    processes = list(getattr(pool, "_processes", {}).values())
    for process in processes:
        if process.is_alive():
            process.kill()
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.join(timeout=5)
