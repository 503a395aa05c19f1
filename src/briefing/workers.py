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

import ctypes
import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from briefing.errors import EXIT_INTERNAL, EXIT_OUTPUT, BriefingError, Diagnostic
from briefing.limits import deadline
from briefing.produce import Produced, Renderer, TaskSpec, produce
from briefing.report import collecting

__all__ = ["Outcome", "execute", "run_task"]

logger = logging.getLogger(__name__)

#: This process's renderer: the only mutable state a worker keeps between tasks.
_RENDERER: Renderer | None = None


def _renderer() -> Renderer:
    global _RENDERER
    if _RENDERER is None:
        _RENDERER = Renderer()
    return _RENDERER


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
        with collecting() as warnings, deadline(timeout, path=source):
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
            error=Diagnostic("rendering ran out of memory", source, hint="split the article"),
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


def _start_worker(parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)
    _renderer().engine  # noqa: B018 - load fonts and CSS before the first task


def execute(
    specs: Sequence[TaskSpec],
    *,
    jobs: int,
    timeout: float | None,
    on_done: Callable[[Outcome], None],
) -> None:
    """Run every task, calling ``on_done`` in this process as each one finishes.

    :param jobs: worker processes; 1 (or a single task) runs here, without workers.
    :raises KeyboardInterrupt: after stopping the workers and dropping what was queued.
    """
    if jobs <= 1 or len(specs) <= 1:
        for index, spec in enumerate(specs):
            on_done(run_task(index, spec, timeout))
        return
    import concurrent.futures
    import multiprocessing
    from concurrent.futures.process import BrokenProcessPool

    # Largest first (compendiums, long recipient lists) so no worker is left with a tail.
    order = sorted(
        range(len(specs)),
        key=lambda i: (specs[i].kind != "compendium", -len(specs[i].recipients)),
    )
    pool = concurrent.futures.ProcessPoolExecutor(
        max_workers=min(jobs, len(specs)),
        mp_context=multiprocessing.get_context("fork"),
        initializer=_start_worker,
        initargs=(os.getpid(),),
    )
    try:
        futures = {pool.submit(run_task, i, specs[i], timeout): i for i in order}
        for future in concurrent.futures.as_completed(futures):
            try:
                outcome = future.result()
            except BrokenProcessPool:
                outcome = Outcome(
                    futures[future],
                    error=Diagnostic(
                        "a worker process died while rendering",
                        hint="it may have run out of memory; try -j 1",
                    ),
                    exit_code=EXIT_OUTPUT,
                )
            on_done(outcome)
    except BaseException:
        _kill(pool)
        raise
    pool.shutdown(wait=True)


def _kill(pool: Any) -> None:
    """Stop a pool now: kill its processes and drop what was queued."""
    processes = list(getattr(pool, "_processes", {}).values())
    for process in processes:
        if process.is_alive():
            process.kill()
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.join(timeout=5)
