"""One reporting path for warnings (a guessed title, a dropped link, a missing glyph).

Library code calls :func:`warn`; whoever wants the warnings (the CLI, ``--json`` output,
a build result) wraps the work in :func:`collecting`. With no collector active, a warning
goes to the ``briefing`` logger so library users still see it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from briefing.errors import Diagnostic

__all__ = ["collecting", "warn"]

logger = logging.getLogger("briefing")
_collector: ContextVar[list[Diagnostic] | None] = ContextVar("briefing_warnings", default=None)


def warn(diagnostic: Diagnostic) -> None:
    """Report a warning to the innermost active collector, or log it."""
    collector = _collector.get()
    if collector is None:
        logger.warning("%s", diagnostic)
    elif diagnostic not in collector:
        collector.append(diagnostic)


@contextmanager
def collecting() -> Iterator[list[Diagnostic]]:
    """Collect the warnings raised inside the ``with`` block into the yielded list."""
    collected: list[Diagnostic] = []
    token = _collector.set(collected)
    try:
        yield collected
    finally:
        _collector.reset(token)
