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
    monkeypatch.setattr(workers, "_start_worker", lambda parent, warm: None)
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
    monkeypatch.setenv("BRIEFING_MEMORY_LIMIT_MB", "200")
    outcomes: list[Outcome] = []
    execute([_spec("greedy"), _spec("modest")], jobs=2, timeout=None, on_done=outcomes.append)
    by_index = {o.index: o for o in outcomes}
    assert by_index[1].error is None
    error = by_index[0].error
    assert error is not None and error.path == Path("greedy.md")
    assert error.message == "rendering ran out of memory (a worker may use 200 MiB)"
