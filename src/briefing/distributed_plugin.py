"""The Dask worker plugin of :mod:`briefing.distributed` (apart, because defining it needs
``distributed``, which a build imports only when it runs on a cluster)."""

from __future__ import annotations

from typing import Any

from distributed import WorkerPlugin

from briefing.distributed import start_spares

__all__ = ["RenderProcesses"]


class RenderProcesses(WorkerPlugin):
    """Start a worker's render processes when it starts (or joins a build), not at its
    first task: they load the engine while the rest of the build gets going.

    :param warm: also load the PDF engine (the build renders PDFs).
    """

    name = "briefing-render-processes"

    idempotent = True  # registered by every build: set up once per worker

    def __init__(self, warm: bool) -> None:
        self.warm = warm

    def setup(self, worker: Any) -> None:
        start_spares(worker.address, worker.state.nthreads, self.warm)
