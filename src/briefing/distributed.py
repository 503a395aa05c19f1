"""Running a build's tasks on a Dask cluster (``briefing[dask]``: dask + distributed).

The same tasks as the local workers (:func:`briefing.workers.run_task`), submitted as
Dask futures; each returns an :class:`~briefing.workers.Outcome` with the output bytes, and
this process writes them, as in a local build. Workers need no shared file system:

- a task carries its document, options and source attachment (as locally), and the
  theme's files travel as one :class:`ThemeBundle` per theme, content-addressed (its
  digest hashes every file with its place), sent once per build; each worker unpacks
  a digest once into a private temporary folder and rebuilds the :class:`Theme` there;
- ``SOURCE_DATE_EPOCH`` and the tool's version travel with the task, so the bytes match a
  local build (a worker running another version of briefing refuses the task).

Timeouts and memory: Dask runs tasks in worker threads, where the per-article deadline
(SIGALRM) cannot work. So each worker thread keeps one private render process
(``python -c ...`` started with :mod:`subprocess`, alive for the whole worker: the engine
stays warm), and a task runs there in its main thread, exactly as in a local worker: the
deadline, the memory bound, and a crash that costs one task, not the Dask worker. A render
process that does not answer in time is killed by its Dask worker (a second, outer limit).
Render processes start as their worker joins the build (a worker plugin), so they load
while the build reads its articles. ``--scheduler local`` is a ``LocalCluster`` whose
workers are threads of the build's own process, each driving its render process; the
connection is made in the background while the build reads its articles.

Faults: a Dask worker that dies mid-task is replaced by Dask, which runs its tasks again
elsewhere (a task whose workers keep dying fails as ``KilledWorker``: reported like a
local worker's death); tasks are also retried on an unexpected exception. Ctrl-C cancels
every future. A scheduler that cannot be reached is an :class:`OutputError` (exit 5)
after :data:`CONNECT_TIMEOUT` seconds.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import importlib
import logging
import os
import pickle
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any, cast

from briefing.errors import EXIT_OUTPUT, Diagnostic, OutputError
from briefing.files import cache_root, confined, private_folder
from briefing.produce import TaskSpec
from briefing.themes import Theme
from briefing.version import __version__
from briefing.workers import Outcome, died, largest_first, renders_pdf, run_task

__all__ = [
    "CONNECT_TIMEOUT",
    "Connection",
    "ThemeBundle",
    "bundle_theme",
    "execute_on_cluster",
    "scheduler_address",
    "start_spares",
]

logger = logging.getLogger(__name__)

#: Seconds to wait for a scheduler before the build fails.
CONNECT_TIMEOUT = 5.0
#: The environment variable Dask itself reads for the scheduler's address.
ENV_ADDRESS = "DASK_SCHEDULER_ADDRESS"
#: Extra seconds a render process may take past the article's timeout before its Dask
#: worker kills it (the deadline inside it should have stopped the render long before).
GRACE = 30.0


def scheduler_address(option: str | None) -> str | None:
    """The scheduler to build on: the ``scheduler`` option (``--scheduler`` or
    ``briefing.toml``), else ``$DASK_SCHEDULER_ADDRESS``, else ``None`` (local workers)."""
    chosen = (option or os.environ.get(ENV_ADDRESS, "")).strip()
    return chosen or None


# -- the theme's files, content-addressed -------------------------------------------

Listing = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class ThemeBundle:
    """A theme's files as they travel to workers.

    :param digest: the hash of every listed file with its folder and path (the cache key).
    :param templates: per template folder of the theme, ``(relative path, sha256)``.
    :param styles: per style folder, the same.
    :param blobs: file contents by sha256 (a file in several folders is sent once).
    """

    digest: str
    templates: tuple[Listing, ...]
    styles: tuple[Listing, ...]
    blobs: Mapping[str, bytes]


def bundle_theme(theme: Theme) -> ThemeBundle:
    """Pack the files a theme may read (the rule of :func:`~briefing.files.confined`:
    no dot-files, no links leaving a folder), so a worker can rebuild it."""
    blobs: dict[str, bytes] = {}

    def listing(folder: Path) -> Listing:
        items = []
        for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
            if path.is_file() and confined(path, folder) is None:
                data = path.read_bytes()
                sha = hashlib.sha256(data).hexdigest()
                blobs[sha] = data
                items.append((path.relative_to(folder).as_posix(), sha))
        return tuple(items)

    templates = tuple(listing(folder) for folder in theme.template_dirs)
    styles = tuple(listing(folder) for folder in theme.style_dirs)
    digest = hashlib.sha256(repr((templates, styles)).encode()).hexdigest()
    return ThemeBundle(digest, templates, styles, blobs)


#: Worker side: digest -> (template folders, style folders) unpacked in this process.
_UNPACKED: dict[str, tuple[tuple[Path, ...], tuple[Path, ...]]] = {}
_UNPACK_LOCK = threading.Lock()


def _unpacked(bundle: ThemeBundle) -> tuple[tuple[Path, ...], tuple[Path, ...]]:
    """The bundle's folders on this worker, written on first use: in the user's private
    cache (``themes/<digest>``, shared by every worker process of the machine and never
    written twice, since the digest names the content), else in a temporary folder
    removed when the process exits."""
    with _UNPACK_LOCK:
        if bundle.digest not in _UNPACKED:
            cache = cache_root() / "themes"
            root = cache / bundle.digest
            private = private_folder(cache)
            if not (private and (root / "complete").is_file()):
                staging = Path(
                    tempfile.mkdtemp(
                        prefix=f"briefing-theme-{bundle.digest[:12]}-",
                        dir=cache if private else None,
                    )
                )
                _write_bundle(bundle, staging)
                if staging.parent == cache:
                    try:
                        staging.rename(root)  # whole, or not at all
                    except OSError:  # another process was first: same content
                        shutil.rmtree(staging, ignore_errors=True)
                else:
                    root = staging
                    atexit.register(shutil.rmtree, root, True)
            _UNPACKED[bundle.digest] = (
                tuple(root / f"t{n}" for n in range(len(bundle.templates))),
                tuple(root / f"s{n}" for n in range(len(bundle.styles))),
            )
        return _UNPACKED[bundle.digest]


def _write_bundle(bundle: ThemeBundle, root: Path) -> None:
    """Write a bundle's files into ``root`` (``t0``, ``t1``, ... ``s0``, ...), then mark it
    ``complete``."""
    for kind, layers in (("t", bundle.templates), ("s", bundle.styles)):
        for number, items in enumerate(layers):
            folder = root / f"{kind}{number}"
            folder.mkdir()
            for name, sha in items:
                target = folder / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(bundle.blobs[sha])
    (root / "complete").touch()


# -- what runs on a worker ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Context:
    """What every task of a build carries besides its spec."""

    version: str
    source_date_epoch: str | None
    timeout: float | None


def _remote_task(index: int, spec: TaskSpec, bundle: ThemeBundle, context: _Context) -> Outcome:
    """One task on a Dask worker: rebuild the theme here, render in this thread's render
    process, and name the client's theme folders (not this worker's) in what it reports."""
    source = spec.documents[0][1].meta.source if spec.kind == "article" else None
    if context.version != __version__:
        return Outcome(
            index,
            error=Diagnostic(
                f"a Dask worker runs briefing {__version__}, this build {context.version}",
                source,
                hint="install the same version of briefing on every worker",
            ),
            exit_code=EXIT_OUTPUT,
        )
    templates, styles = _unpacked(bundle)
    local = replace(spec.theme, template_dirs=templates, style_dirs=styles)
    process = _render_process(renders_pdf(spec))
    outcome = process.run(index, replace(spec, theme=local), context)
    if outcome is None:  # it died: once more in a fresh one, then it is this task's fault
        process = _render_process(renders_pdf(spec))
        outcome = process.run(index, replace(spec, theme=local), context)
    if outcome is None:
        return died(index, spec)
    return _restore_paths(outcome, dict(zip(local.roots, spec.theme.roots, strict=True)))


def _restore_paths(outcome: Outcome, places: Mapping[Path, Path]) -> Outcome:
    def restored(diagnostic: Diagnostic) -> Diagnostic:
        path = diagnostic.path
        for here, there in places.items():
            if path is not None and path.is_relative_to(here):
                return replace(diagnostic, path=there / path.relative_to(here))
        return diagnostic

    return replace(
        outcome,
        warnings=tuple(restored(w) for w in outcome.warnings),
        error=restored(outcome.error) if outcome.error else None,
    )


_THREAD = threading.local()
#: Render processes started when the Dask worker started (:func:`start_spares`), waiting
#: for a worker thread to take one; and how many this worker process has in all.
_SPARES: list[_RenderProcess] = []
_STARTED: list[_RenderProcess] = []
#: Threads of each Dask worker in this process (several with ``processes=False``).
_THREADS: dict[str, int] = {}
_SPARES_LOCK = threading.Lock()


def _render_process(warm: bool) -> _RenderProcess:
    """This worker thread's render process: its own, else a spare, else a new one (also
    when the last one died); ``warm``: load the PDF engine before the first task, outside
    its time limit, as local workers do."""
    process: _RenderProcess | None = getattr(_THREAD, "process", None)
    if process is None or not process.alive:
        with _SPARES_LOCK:
            spares = [spare for spare in _SPARES if spare.alive]
            process = spares.pop() if spares else None
            _SPARES[:] = spares
        if process is None:
            process = _RenderProcess(warm)
            with _SPARES_LOCK:
                _STARTED.append(process)
        _THREAD.process = process
    return process


def start_spares(worker: str, threads: int, warm: bool) -> list[_RenderProcess]:
    """Start render processes for a Dask worker's threads before its first task, so that
    they load (``warm``: the PDF engine too) while the cluster starts and the build reads
    its articles; runs on the worker when :class:`~briefing.distributed_plugin.
    RenderProcesses` is set up. Workers that have theirs start none."""
    with _SPARES_LOCK:
        _THREADS[worker] = threads
        live = [process for process in _STARTED if process.alive]
        _STARTED[:] = live
        started = [_RenderProcess(warm) for _ in range(sum(_THREADS.values()) - len(live))]
        _STARTED.extend(started)
        _SPARES.extend(started)
    return started


class _RenderProcess:
    """A private process that runs tasks in its main thread, one at a time (see
    :func:`serve`); it dies with its parent, like a local worker."""

    def __init__(self, warm: bool) -> None:
        # its temporary files (WeasyPrint's copies of the fonts) go where stop() removes them
        self._scratch = tempfile.mkdtemp(prefix="briefing-render-")
        command = f"from briefing.distributed import serve; serve({warm}, {self._scratch!r})"
        self._popen = subprocess.Popen(
            [sys.executable, "-c", command],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "BRIEFING_PARENT_PID": str(os.getpid())},
        )
        atexit.register(self.stop)

    @property
    def alive(self) -> bool:
        return self._popen.poll() is None

    def run(self, index: int, spec: TaskSpec, context: _Context) -> Outcome | None:
        """The task's outcome, or ``None`` when the process died (it is then stopped)."""
        assert self._popen.stdin is not None and self._popen.stdout is not None
        try:
            _send(self._popen.stdin, (index, spec, context))
            limit = context.timeout + GRACE if context.timeout else None
            outcome = _receive(self._popen.stdout, limit)
        except (OSError, EOFError, TimeoutError) as exc:
            self.stop()
            if isinstance(exc, TimeoutError):
                return _late(index, spec, context.timeout or 0)
            return None
        assert isinstance(outcome, Outcome)
        return outcome

    def stop(self) -> None:
        if self._popen.poll() is None:
            self._popen.kill()
        self._popen.wait()
        for stream in (self._popen.stdin, self._popen.stdout):
            if stream is not None:
                stream.close()
        shutil.rmtree(self._scratch, ignore_errors=True)


def _late(index: int, spec: TaskSpec, seconds: float) -> Outcome:
    source = spec.documents[0][1].meta.source if spec.kind == "article" else None
    return Outcome(
        index,
        error=Diagnostic(
            f"rendering took longer than {seconds:g} s and was stopped",
            source,
            hint="split the article, or raise the limit with --timeout (0: none)",
        ),
        exit_code=EXIT_OUTPUT,
    )


def _send(stream: IO[bytes], value: object) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack("!Q", len(data)) + data)
    stream.flush()


def _receive(stream: IO[bytes], timeout: float | None = None) -> object:
    """One message; :class:`EOFError` when the other side is gone, :class:`TimeoutError`
    when nothing starts to arrive within ``timeout`` seconds."""
    if timeout is not None and not select.select([stream], [], [], timeout)[0]:
        raise TimeoutError
    header = stream.read(8)
    if len(header) < 8:
        raise EOFError
    (size,) = struct.unpack("!Q", header)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)


def serve(warm: bool = False, scratch: str | None = None) -> None:
    """A render process's loop: read a task from stdin, run it, write its outcome;
    ``scratch``: its temporary folder (its parent removes it)."""
    from briefing.workers import _start_worker

    parent = int(os.environ.get("BRIEFING_PARENT_PID", "0"))
    _start_worker(parent, warm, scratch)
    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the replies
    while True:
        try:
            request = _receive(requests)
        except EOFError:
            return
        index, spec, context = cast(tuple[int, TaskSpec, _Context], request)
        # the client's SOURCE_DATE_EPOCH (this process runs one task at a time)
        if context.source_date_epoch is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = context.source_date_epoch
        _send(replies, run_task(index, spec, context.timeout))


# -- the client side ----------------------------------------------------------------


def _connect(executor: Any, jobs: int, warm: bool) -> tuple[Any, Callable[[], None]]:
    """A client for ``executor`` (a ``distributed.Client``, an address, or ``local``) and
    what closes what was opened here (a caller's client is left open).

    ``local`` is a ``LocalCluster`` of ``jobs`` single-threaded workers in this process
    (threads: each task runs in its worker's render process anyway, and no worker process
    has to start). Elsewhere, every worker starts its render processes (``warm``: loading
    the PDF engine) as it joins (:class:`~briefing.distributed_plugin.RenderProcesses`).
    """
    try:
        # untyped: everything Dask returns is used as Any here
        distributed: Any = importlib.import_module("distributed")
    except ImportError:
        raise OutputError(
            "building on a Dask cluster needs dask and distributed",
            hint="pip install 'briefing[dask]'",
        ) from None
    from briefing.distributed_plugin import RenderProcesses

    if isinstance(executor, distributed.Client):
        executor.register_plugin(RenderProcesses(warm))
        return executor, lambda: None
    if not isinstance(executor, str):
        raise TypeError(f"executor must be a distributed.Client or an address, not {executor!r}")
    # Dask logs every connection at INFO; a build it starts shows its warnings only.
    if logging.getLogger("distributed").getEffectiveLevel() < logging.WARNING:
        logging.getLogger("distributed").setLevel(logging.WARNING)
    if executor == "local":
        cluster = distributed.LocalCluster(
            n_workers=jobs,
            threads_per_worker=1,
            processes=False,  # worker threads: the rendering runs in render processes
            dashboard_address="127.0.0.1:0",  # loopback, any free port (8787 may be taken)
            silence_logs=logging.ERROR,
        )
        client = distributed.Client(cluster, set_as_default=False)

        def close_both() -> None:
            client.close()
            cluster.close()

        return client, close_both
    try:
        client = distributed.Client(executor, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise OutputError(
            f"cannot reach the Dask scheduler at {executor} ({exc})",
            hint=f"start it (dask scheduler), or check --scheduler, 'scheduler' in "
            f"briefing.toml and ${ENV_ADDRESS}",
        ) from None
    client.register_plugin(RenderProcesses(warm))
    return client, client.close


class Connection:
    """A connection to a Dask cluster, made in the background: a build opens it before it
    reads its articles, so that a ``LocalCluster`` (about a second to start, its render
    processes as long again) or a remote scheduler is ready when the tasks are.

    A context manager: leaving it closes what it opened. A connection still being made
    when it is closed (a no-op rebuild needed no cluster) is not waited for: it closes
    itself once made, in the background (a process that exits first just drops it).

    :param executor: a ``distributed.Client`` (used as it is), a scheduler address, or
        ``local`` (a ``LocalCluster`` of ``jobs`` single-threaded worker threads).
    :param warm: the build renders PDFs (render processes load that engine at once).
    """

    def __init__(self, executor: Any, *, jobs: int, warm: bool) -> None:
        self._opened: tuple[Any, Callable[[], None]] | None = None
        self._error: BaseException | None = None
        self._closed = False
        self._lock = threading.Lock()
        self._local: list[_RenderProcess] = []
        if executor == "local":  # its workers are threads of this process: start now
            self._local = start_spares("local", jobs, warm)
        self._thread = threading.Thread(
            target=self._open, args=(executor, jobs, warm), name="briefing-dask", daemon=True
        )
        self._thread.start()

    def _open(self, executor: Any, jobs: int, warm: bool) -> None:
        try:
            opened = _connect(executor, jobs, warm)
        except BaseException as exc:  # raised where the client is asked for
            self._error = exc
            return
        with self._lock:
            if not self._closed:
                self._opened = opened
                return
        opened[1]()  # closed while it was being made

    def client(self) -> Any:
        """The client, once connected.

        :raises OutputError: when Dask is not installed or the scheduler cannot be reached.
        """
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._opened is not None
        return self._opened[0]

    def close(self) -> None:
        """Close what was opened (and stop the render processes of ``local``)."""
        for process in self._local:
            process.stop()
        if self._local:
            with _SPARES_LOCK:
                _THREADS.pop("local", None)
        self._local = []
        with self._lock:
            self._closed = True
            opened, self._opened = self._opened, None
        if opened is not None:
            opened[1]()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def execute_on_cluster(
    specs: Sequence[TaskSpec],
    *,
    executor: Any,
    jobs: int,
    timeout: float | None,
    on_done: Callable[[Outcome], None],
) -> None:
    """Run every task on a Dask cluster, calling ``on_done`` here as each one finishes.

    :param executor: a :class:`Connection` (left open), or what opens one for this call:
        a ``distributed.Client``, a scheduler address, or ``local`` (a ``LocalCluster`` of
        ``jobs`` single-threaded worker threads).
    :raises OutputError: when Dask is not installed or the scheduler cannot be reached.
    :raises KeyboardInterrupt: after cancelling every future.
    """
    if isinstance(executor, Connection):
        _execute(specs, executor.client(), timeout=timeout, on_done=on_done)
        return
    with Connection(executor, jobs=jobs, warm=any(renders_pdf(s) for s in specs)) as connection:
        _execute(specs, connection.client(), timeout=timeout, on_done=on_done)


def _execute(
    specs: Sequence[TaskSpec],
    client: Any,
    *,
    timeout: float | None,
    on_done: Callable[[Outcome], None],
) -> None:
    dask: Any = importlib.import_module("distributed")
    if not client.scheduler_info().get("workers"):
        logger.warning(
            "the Dask scheduler at %s has no workers yet: the build waits for some to join",
            client.scheduler.address,
        )

    futures: dict[Any, int] = {}
    bundles: dict[Theme, Any] = {}
    try:
        context = _Context(__version__, os.environ.get("SOURCE_DATE_EPOCH"), timeout)
        build = uuid.uuid4().hex[:12]
        order = largest_first(specs)
        for rank, index in enumerate(order):
            spec = specs[index]
            if spec.theme not in bundles:
                # a task holding the bundle (scatter would fail while no worker has joined);
                # keyed by content, so concurrent builds with one theme share it
                bundle = bundle_theme(spec.theme)
                bundles[spec.theme] = client.submit(
                    _hold, bundle, key=f"briefing-theme-{bundle.digest}", pure=False
                )
            future = client.submit(
                _remote_task,
                index,
                spec,
                bundles[spec.theme],
                context,
                key=f"briefing-{build}-{index}",
                priority=len(order) - rank,
                retries=2,
                pure=False,
            )
            futures[future] = index
        for future in dask.as_completed(futures, loop=client.loop):
            index = futures[future]
            try:
                outcome = future.result()
            except dask.KilledWorker:
                outcome = died(index, specs[index])
            except Exception as exc:
                outcome = _lost(index, specs[index], exc)
            on_done(outcome)
    except BaseException:
        with contextlib.suppress(Exception):  # a lost connection must not hide the cause
            client.cancel([*futures, *bundles.values()], force=True)
        raise


def _hold(bundle: ThemeBundle) -> ThemeBundle:
    return bundle


def _lost(index: int, spec: TaskSpec, exc: Exception) -> Outcome:
    source = spec.documents[0][1].meta.source if spec.kind == "article" else None
    logger.debug("task %d failed on the cluster", index, exc_info=exc)
    return Outcome(
        index,
        error=Diagnostic(f"the cluster could not run this: {type(exc).__name__}: {exc}", source),
        exit_code=EXIT_OUTPUT,
    )
