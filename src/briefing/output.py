"""Writing outputs atomically, and the record each written output leaves.

Files are written in a staging folder *beside* the output folder (``dist`` ->
``.dist.partial``) and renamed into place, so the output folder never holds a partial
file, even when the process is killed: a rename is atomic on one file system.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from briefing.errors import Diagnostic, OutputError

__all__ = ["Output", "staging_dir", "write_atomic"]

logger = logging.getLogger(__name__)


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


def staging_dir(out_dir: Path) -> Path:
    """The folder where outputs for ``out_dir`` are written before being renamed into it."""
    out_dir = out_dir.resolve()
    return out_dir.parent / f".{out_dir.name}.partial"


def _replace_across_devices(staged: Path, path: Path) -> None:
    """The output folder is a mount point: copy beside the target, then rename."""
    local = path.with_name(f".{path.name}.partial")
    try:
        shutil.copyfile(staged, local)
        os.replace(local, path)
    finally:
        local.unlink(missing_ok=True)
        staged.unlink(missing_ok=True)


def write_atomic(path: Path, data: bytes) -> str:
    """Write ``data`` to ``path`` all at once (stage, fsync, rename); return its sha256.

    :raises OutputError: when the folder cannot be written.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        stage = staging_dir(path.parent)
        stage.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=stage, prefix=path.name + ".")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o644)
            try:
                os.replace(tmp, path)
            except OSError as exc:
                if exc.errno != errno.EXDEV:
                    raise
                _replace_across_devices(Path(tmp), path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        finally:
            with contextlib.suppress(OSError):  # another writer may still be using it
                stage.rmdir()
    except OSError as exc:
        raise OutputError(f"cannot write the output: {exc.strerror}", path=path) from exc
    logger.debug("wrote %s (%d bytes)", path, len(data))
    return hashlib.sha256(data).hexdigest()


class OutputRoot:
    """An output folder a build writes into (interim: replaced by the staging rewrite)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @contextlib.contextmanager
    def lock(self) -> Any:
        yield self

    def clean_staging(self) -> None:
        return None

    def write(self, path: Path, data: bytes) -> str:
        return write_atomic(self.root / path, data)

    def remove(self, path: Path) -> None:
        (self.root / path).unlink(missing_ok=True)
