"""Limits that keep one pathological article from stalling a batch.

:func:`deadline` bounds the time one article may take to render. It uses a real-time
interval timer and SIGALRM, so it works only in a process's main thread (the CLI, and each
worker process of an edition build); elsewhere it does nothing.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

from briefing.errors import InputError, OutputError
from briefing.options import DEFAULT_TIMEOUT

__all__ = [
    "DEFAULT_TIMEOUT",
    "MAX_EPOCH",
    "RenderTimeout",
    "deadline",
    "env_source_date_epoch",
]


class RenderTimeout(BaseException):
    """Raised inside the renderer when time is up.

    A BaseException, so that the engines' own ``except Exception`` handlers cannot swallow
    it; :func:`deadline` turns it into an :class:`OutputError`.
    """


def _expire(signum: int, frame: FrameType | None) -> None:
    raise RenderTimeout


#: After the deadline the alarm repeats this often: an exception raised while a callback
#: runs (a cffi callback from Pango, a gc callback) is swallowed as "unraisable", so one
#: alarm is not enough; the next lands in ordinary code.
_REPEAT = 0.05


@contextmanager
def deadline(seconds: float | None, *, path: Path | None = None) -> Iterator[None]:
    """Abandon the ``with`` block after ``seconds`` with an :class:`OutputError`.

    :param seconds: the limit; ``None`` or ``0`` means none.
    :param path: the article, named in the error.
    """
    usable = bool(seconds) and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return
    assert seconds is not None
    previous = signal.signal(signal.SIGALRM, _expire)
    previous_hook = sys.unraisablehook

    def drop_swallowed_timeouts(report: Any) -> None:
        if not isinstance(report.exc_value, RenderTimeout):
            previous_hook(report)

    sys.unraisablehook = drop_swallowed_timeouts
    signal.setitimer(signal.ITIMER_REAL, seconds, _REPEAT)
    try:
        yield
    except RenderTimeout:
        raise OutputError(
            f"rendering took longer than {seconds:g} s and was stopped",
            path=path,
            hint="split the article, or raise the limit with --timeout (0: none)",
        ) from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        sys.unraisablehook = previous_hook


#: The last second outputs can carry (PDF and EPUB dates have four-digit years).
MAX_EPOCH = 253402300799  # 9999-12-31T23:59:59Z


def env_source_date_epoch() -> int | None:
    """``SOURCE_DATE_EPOCH`` from the environment, checked (``None`` when unset or empty).

    :raises InputError: when it is not whole seconds from 1970 up to the year 9999.
    """
    env = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not env:
        return None
    if not env.isdigit() or int(env) > MAX_EPOCH:
        raise InputError(
            f"SOURCE_DATE_EPOCH={env[:40]} is not a time the outputs can carry",
            hint=f"give whole seconds since 1970-01-01 UTC, at most {MAX_EPOCH} (year 9999)",
        )
    return int(env)
