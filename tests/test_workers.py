"""Workers: a task that kills its worker costs only that task, and a worker's memory is
bounded besides its timeout."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from briefing import workers
from briefing.workers import Outcome, execute


def _spec(name: str) -> Any:
    meta = SimpleNamespace(source=Path(f"{name}.md"))
    options = SimpleNamespace(formats=("epub",))
    document = SimpleNamespace(meta=meta)
    return SimpleNamespace(
        kind="article", recipients=(), documents=[(name, document)], options=options
    )


def _fake_task(index: int, spec: Any, timeout: float | None) -> Outcome:
    if spec.documents[0][0] == "killer":
        os._exit(1)  # what the kernel's OOM killer or a crash in a C library looks like
    return Outcome(index)


def test_a_dying_worker_costs_only_its_own_task(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "run_task", _fake_task)
    monkeypatch.setattr(workers, "start_method", lambda: "fork")  # the fakes live here only
    monkeypatch.setattr(workers, "_start_worker", lambda *setup: None)
    specs = [_spec(f"a{n}") for n in range(6)] + [_spec("killer")] + [_spec("b")]
    outcomes: list[Outcome] = []
    execute(specs, jobs=2, timeout=None, on_done=outcomes.append)
    assert sorted(o.index for o in outcomes) == list(range(len(specs)))
    failed = [o for o in outcomes if o.error is not None]
    assert [o.index for o in failed] == [6]
    assert failed[0].error is not None and failed[0].error.path == Path("killer.md")
    assert "worker process died" in failed[0].error.message


def _greedy(spec: Any, renderer: Any) -> list[Any]:
    if spec.documents[0][0] == "greedy":
        bytearray(4 * 1024**3)  # far over the limit: MemoryError, not a dead machine
    return []


def test_memory_is_bounded_per_task(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "produce", _greedy)
    monkeypatch.setattr(workers, "start_method", lambda: "fork")  # the fake lives here only
    monkeypatch.setenv("BRIEFING_MEMORY_LIMIT_MB", "200")
    outcomes: list[Outcome] = []
    execute([_spec("greedy"), _spec("modest")], jobs=2, timeout=None, on_done=outcomes.append)
    by_index = {o.index: o for o in outcomes}
    assert by_index[1].error is None
    error = by_index[0].error
    assert error is not None and error.path == Path("greedy.md")
    assert error.message == "rendering ran out of memory (a worker may use 200 MiB)"


@pytest.mark.slow
def test_workers_come_from_a_fork_server_while_other_threads_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A report workflow's thread (or a Dask client's) may hold a lock when the build
    forks; then workers are started by a fork server, and build the same bytes, with the
    build's environment (not the one the fork server started with)."""
    import threading

    from briefing import BuildOptions, build
    from tests.conftest import MARKDOWN, SEED

    options = BuildOptions(formats=("epub",), jobs=2)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert workers.start_method() == "forkserver"
        monkeypatch.setenv("SOURCE_DATE_EPOCH", "1000000000")
        monkeypatch.setenv("BRIEFING_MEMORY_LIMIT_MB", "1")  # the server may start with it
        build([SEED, MARKDOWN], out_dir=tmp_path / "first", options=options)
        monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
        monkeypatch.delenv("BRIEFING_MEMORY_LIMIT_MB")
        served = build([SEED, MARKDOWN], out_dir=tmp_path / "served", options=options)
    finally:
        stop.set()
        other.join()
    alone = threading.active_count() == 1  # (a validator's reader thread may run)
    assert workers.start_method() == ("fork" if alone else "forkserver")
    forked = build([SEED, MARKDOWN], out_dir=tmp_path / "forked", options=options)
    assert forked.ok and served.ok, served.failures
    assert len(served.built) == 2
    for output in forked.built:
        twin = tmp_path / "served" / output.path.relative_to(tmp_path / "forked")
        assert twin.read_bytes() == output.path.read_bytes()


@pytest.mark.slow
def test_the_time_limit_never_cuts_an_import_short(tmp_path: Path) -> None:
    """The first task of a process loads the libraries outside the article's time limit:
    a deadline firing inside ``import weasyprint`` left ``weasyprint.text`` without its
    package, and every later render in that process failed (KeyError: 'weasyprint')."""
    import subprocess
    import sys

    from tests.conftest import SEED

    script = f"""
import sys
from briefing import BuildOptions, build
for limit in (0.05, 0.3):  # cut inside the render, not inside an import
    cut = build({str(SEED)!r}, out_dir={str(tmp_path)!r} + '/cut',
                options=BuildOptions(formats=('pdf', 'epub'), timeout=limit, jobs=1))
    assert not cut.ok and 'longer than' in cut.failures[0].message, cut.failures
    assert all(name in sys.modules for name in ('weasyprint', 'ebooklib'))
whole = build({str(SEED)!r}, out_dir={str(tmp_path)!r} + '/whole',
              options=BuildOptions(formats=('pdf', 'epub'), jobs=1))
assert whole.ok, whole.failures
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.slow
def test_a_build_leaves_nothing_in_the_temporary_folder(tmp_path: Path) -> None:
    """WeasyPrint copies the theme's fonts (~40 MB) into a temporary folder that only its
    font configuration's finaliser removes, which worker processes never run: every build
    left one such folder per worker behind (2,450 of them filled this machine's disk)."""
    import subprocess
    import sys

    from tests.conftest import MARKDOWN, SEED

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    command = [sys.executable, "-m", "briefing", "build", str(SEED), str(MARKDOWN)]
    for jobs in ("1", "2"):
        done = subprocess.run(
            [*command, "-j", jobs, "-f", "pdf", "-o", str(tmp_path / f"out{jobs}")],
            env=env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        assert sorted(p.name for p in scratch.iterdir()) == []
