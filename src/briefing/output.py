"""Writing outputs atomically, and the record each written output leaves.

Every write goes to a private staging file (``mkstemp``), is fsynced, and is renamed into
place, so an output appears whole or not at all, even when the process is killed: a
rename is atomic on one file system. Nothing shared is removed while another writer may
use it, so any number of writers can write into one folder at once.

A build writes under one *output root* (``dist``). Its staging files live *beside* the
root, in ``.dist.partial/``, outside the listing of ``dist/`` and on the same file system;
when the root's parent is not writable (``-o .`` in a read-only folder), or the root is a
mount point, they live in a hidden folder inside it, ``dist/.briefing.partial/``. A killed
build leaves its staging file there; :meth:`OutputRoot.clean_staging` removes it at the
start of the next build, under :meth:`OutputRoot.lock`, which keeps two builds out of one
root (``fcntl.flock`` on ``.dist.lock``, released by the kernel when its holder dies).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from briefing.errors import Diagnostic, OutputError

__all__ = ["INSIDE_LOCK", "INSIDE_STAGING", "Output", "OutputRoot", "write_atomic"]

logger = logging.getLogger(__name__)

#: Names used inside the output root when its parent folder cannot be written (a build
#: that lists or prunes the root skips them).
INSIDE_STAGING = ".briefing.partial"
INSIDE_LOCK = ".briefing.lock"

#: Errors meaning "this folder cannot be written here": try the next place.
_UNWRITABLE = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})


@dataclass(frozen=True, slots=True)
class Output:
    """One file a build wrote.

    :param path: where it is.
    :param format: ``pdf``, ``epub`` or ``html``.
    :param pages: page count (PDF only).
    :param size: its size in bytes.
    :param sha256: hex digest of its bytes.
    :param source: the article it was built from.
    :param warnings: what the reader and renderers reported on the way.
    :param status: ``built`` (written by this build) or ``up to date`` (kept).
    :param edition: the edition it belongs to (``""``: the project's own outputs).
    :param validation: the recorded check, when the build checked it.
    """

    path: Path
    format: str
    size: int
    sha256: str
    pages: int | None = None
    source: Path | None = None
    warnings: tuple[Diagnostic, ...] = field(default=())
    status: str = "built"
    edition: str = ""
    validation: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready record (``briefing build --json``)."""
        return {
            "path": str(self.path),
            "format": self.format,
            "status": self.status,
            "edition": self.edition,
            "pages": self.pages,
            "bytes": self.size,
            "sha256": self.sha256,
            "source": str(self.source) if self.source else None,
            "warnings": [w.to_dict() for w in self.warnings],
            "validation": self.validation,
        }


class OutputRoot:
    """The folder a build writes into: atomic writes, pruning, staging cleanup and a lock.

    Writes from any number of threads or processes may run at once; :meth:`clean_staging`
    and :meth:`remove` are meant for the build that holds :meth:`lock`.

    :param path: the top output folder (``dist``); made absolute, symlinks kept. It is
        created on the first write or lock.
    """

    def __init__(self, path: Path | str) -> None:
        self.display = Path(path)
        self.path = Path(os.path.abspath(path))
        self._staging: Path | None = None

    def __repr__(self) -> str:
        return f"OutputRoot({str(self.path)!r})"

    def _beside(self, suffix: str) -> Path | None:
        """``.dist<suffix>`` beside the root, or None for a root without a parent (``/``)."""
        if self.path.parent == self.path:
            return None
        return self.path.parent / f".{self.path.name}{suffix}"

    def _places(self, suffix: str, inside: str) -> list[Path]:
        """Where a staging folder or lock file may be, in order of preference."""
        beside = self._beside(suffix)
        return ([beside] if beside is not None else []) + [self.path / inside]

    @property
    def staging(self) -> Path:
        """The staging folder this root writes through (created, and chosen, on first use)."""
        if self._staging is None:
            self.path.mkdir(parents=True, exist_ok=True)
            for place in self._places(".partial", INSIDE_STAGING):
                try:
                    _mkdir(place)
                except OSError as exc:
                    if exc.errno not in _UNWRITABLE or place.parent == self.path:
                        raise
                    logger.debug("cannot stage in %s (%s); staging inside", place, exc.strerror)
                    continue
                self._staging = place
                break
        assert self._staging is not None
        return self._staging

    def _target(self, target: Path | str) -> Path:
        """``target`` (relative to the root, or absolute) as an absolute path inside the root."""
        full = Path(os.path.abspath(self.path / target))
        if full == self.path or not full.is_relative_to(self.path):
            raise OutputError(
                "refusing to write outside the output folder",
                path=target,
                hint=f"give a path inside {self.display}/",
            )
        return full

    def _stage(self, name: str, data: bytes) -> Path:
        """Write ``data`` to a new private file in the staging folder, fsynced; return it."""
        for _ in range(100):  # write_atomic may rmdir an empty staging folder meanwhile
            stage = self.staging
            try:
                fd, tmp = tempfile.mkstemp(dir=stage, prefix=f"{name[:80]}.", suffix=".tmp")
                break
            except FileNotFoundError:
                _mkdir(stage)
        else:  # pragma: no cover - needs a writer removing the folder 100 times in a row
            raise OSError(errno.ENOENT, "the staging folder keeps disappearing", str(stage))
        try:
            with os.fdopen(fd, "wb") as handle:
                os.fchmod(handle.fileno(), 0o644)
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return Path(tmp)

    def write(self, target: Path | str, data: bytes) -> str:
        """Write ``data`` to ``target`` all at once (stage, fsync, rename); return its sha256.

        :param target: a path relative to the root (``public/x.pdf``), or an absolute path
            inside it (``root.path / "public/x.pdf"``). Missing folders are created.
        :raises OutputError: when the target is outside the root or cannot be written.
        """
        path = self._target(target)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self._stage(path.name, data)
            try:
                try:
                    os.replace(tmp, path)
                except OSError as exc:
                    inside = self.path / INSIDE_STAGING
                    if exc.errno != errno.EXDEV or self.staging == inside:
                        raise
                    # The root is a mount point: stage inside it from now on.
                    logger.debug("%s is on another file system; staging inside", self.path)
                    self._staging = inside
                    tmp.unlink(missing_ok=True)
                    tmp = self._stage(path.name, data)
                    os.replace(tmp, path)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
        except OSError as exc:
            hint = None
            if exc.errno == errno.EXDEV:
                hint = "a folder inside the output folder is a mount point; write elsewhere"
            raise OutputError(
                f"cannot write the output: {exc.strerror}", path=path, hint=hint
            ) from exc
        logger.debug("wrote %s (%d bytes)", path, len(data))
        return hashlib.sha256(data).hexdigest()

    def remove(self, target: Path | str) -> bool:
        """Delete an output a previous build wrote, and the folders it leaves empty.

        :param target: as for :meth:`write`.
        :returns: whether there was a file to delete.
        :raises OutputError: when the target is outside the root or cannot be deleted.
        """
        path = self._target(target)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise OutputError(f"cannot delete the output: {exc.strerror}", path=path) from exc
        folder = path.parent
        while folder != self.path:
            try:
                folder.rmdir()
            except OSError:
                break
            folder = folder.parent
        logger.debug("removed %s", path)
        return True

    def clean_staging(self) -> int:
        """Delete what killed writers left in the staging folders; return how many entries.

        Call it under :meth:`lock`, before the build writes (debris of a killed build) and
        after it (so no empty staging folder stays, even inside the root): it deletes every
        staging file, so a writer that does not hold the lock would lose the file it stages.
        """
        removed = 0
        for place in self._places(".partial", INSIDE_STAGING):
            try:
                entries = list(os.scandir(place))
            except (FileNotFoundError, NotADirectoryError):
                continue
            except OSError as exc:
                raise OutputError(f"cannot clean {place}: {exc.strerror}", path=place) from exc
            for entry in entries:
                with contextlib.suppress(FileNotFoundError):
                    if entry.is_dir(follow_symlinks=False):
                        shutil.rmtree(entry.path)
                    else:
                        os.unlink(entry.path)
                    removed += 1
            with contextlib.suppress(OSError):
                place.rmdir()
        self._staging = None
        if removed:
            logger.info("removed %d unfinished file(s) left by an earlier build", removed)
        return removed

    def _open_lock_file(self) -> int:
        """Open (creating) ``.dist.lock`` beside the root, or ``.briefing.lock`` inside it."""
        self.path.mkdir(parents=True, exist_ok=True)
        for place in self._places(".lock", INSIDE_LOCK):
            try:
                return os.open(place, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError as exc:
                if exc.errno not in _UNWRITABLE or place.parent == self.path:
                    raise
        raise AssertionError("unreachable: the last place raises")  # pragma: no cover

    @contextlib.contextmanager
    def lock(
        self,
        *,
        wait: bool = True,
        timeout: float | None = None,
        on_wait: Callable[[str], None] | None = None,
    ) -> Iterator[None]:
        """Hold the root's build lock for the ``with`` block.

        The lock is ``fcntl.flock`` on a lock file kept outside the root's listing; the
        kernel releases it when the holder exits or is killed. The file is never deleted
        (deleting a lock file lets two holders lock two different files). It is not
        re-entrant: a second ``lock()`` on the same root in one process waits for the first.

        :param wait: wait for another build to finish; when False, fail at once.
        :param timeout: seconds to wait at most (None: as long as it takes).
        :param on_wait: called once with a sentence saying the build waits; the default
            logs it at info level.
        :raises OutputError: when another build holds the lock and ``wait`` is False or
            ``timeout`` runs out, or when the lock file cannot be created.
        """
        busy = f"another briefing build is writing into {self.display}/"
        try:
            fd = self._open_lock_file()
        except OSError as exc:
            raise OutputError(
                f"cannot create the build lock: {exc.strerror}", path=exc.filename
            ) from exc
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if not wait:
                    raise OutputError(
                        busy, hint="wait for it to finish, or write into another folder"
                    ) from None
                (on_wait or logger.info)(f"{busy}; waiting for it to finish")
                if not _flock_within(fd, timeout):
                    raise OutputError(
                        f"{busy} (waited {timeout:g} s)",
                        hint="wait for it to finish, or write into another folder",
                    ) from None
            yield
        finally:
            os.close(fd)  # releases the lock


def _mkdir(path: Path) -> None:
    """Create ``path`` unless it exists (``exist_ok`` re-raises if it vanishes meanwhile)."""
    with contextlib.suppress(FileExistsError):
        os.mkdir(path)


def _flock_within(fd: int, timeout: float | None) -> bool:
    """Take an exclusive flock on ``fd``, waiting at most ``timeout`` seconds (None: forever)."""
    if timeout is None:
        fcntl.flock(fd, fcntl.LOCK_EX)
        return True
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(0.05, left))


def write_atomic(path: Path | str, data: bytes) -> str:
    """Write ``data`` to ``path`` all at once (stage, fsync, rename); return its sha256.

    The library's one-off write: the file's folder is the output root, so it stages in
    ``.<folder>.partial/`` beside that folder, and removes the staging folder when empty.
    Builds use :class:`OutputRoot`, which stages beside the top output folder.

    :raises OutputError: when the folder cannot be written.
    """
    path = Path(path)
    root = OutputRoot(path.parent)
    digest = root.write(path.name, data)
    with contextlib.suppress(OSError):  # still in use by another writer, who will retry
        root.staging.rmdir()
    return digest
