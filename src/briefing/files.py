"""Reading input files safely: regular files only, never more than a limit.

Every article, config and brand file is read through :func:`read_bounded`, so a FIFO, a
device (``/dev/zero``), a ``/proc`` file whose size says 0, or a file larger than the limit
is refused at once with a clear error instead of hanging or exhausting memory.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from briefing.errors import InputError

__all__ = ["confined", "read_bounded"]


def read_bounded(path: Path, limit: int, *, what: str = "article") -> bytes:
    """The bytes of the regular file ``path``, read up to ``limit`` (+1 to tell "larger").

    The file is opened with ``O_NONBLOCK`` and checked with ``fstat`` before any read, so
    FIFOs and devices are refused without blocking; the size limit holds whatever
    ``st_size`` says.

    :raises InputError: for a missing or unreadable file, one that is not a regular file,
        or one larger than ``limit`` bytes.
    """
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise InputError(f"cannot read the {what}: {exc.strerror}", path=path) from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(
                f"the {what} is not a regular file",
                path=path,
                hint="give a text file (not a folder, pipe or device)",
            )
        if info.st_size > limit:
            raise _too_big(what, f"{info.st_size:,}", limit, path)
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise InputError(f"cannot read the {what}: {exc.strerror}", path=path) from exc
    finally:
        os.close(fd)
    if size > limit:
        raise _too_big(what, f"more than {limit:,}", limit, path)
    return b"".join(chunks)


def _too_big(what: str, size: str, limit: int, path: Path) -> InputError:
    return InputError(
        f"the {what} is {size} bytes, over the {limit:,}-byte limit",
        path=path,
        hint="split it, or raise the limit with --max-input-size" if what == "article" else None,
    )


def confined(path: Path, root: Path) -> str | None:
    """Why ``path`` may not be read as a file of the folder ``root``, or ``None`` if it may.

    One rule for every theme, template, style and brand file: a regular file, reached from
    ``root`` without a dot-name (``.git``, ``.ssh``, ``.env``) and, once symlinks are
    resolved, still inside ``root``.
    """
    try:
        relative = Path(path).relative_to(root)
    except ValueError:
        return "it is outside the folder"
    if any(part.startswith(".") for part in relative.parts):
        return "it is a hidden (dot) file"
    try:
        real = Path(path).resolve(strict=True)
        if not real.is_relative_to(Path(root).resolve()):
            return "it is a link to a place outside the folder"
        if not stat.S_ISREG(os.stat(real).st_mode):
            return "it is not a regular file"
    except (OSError, RuntimeError):
        return "it cannot be read"
    return None


def cache_root() -> Path:
    """The tool's cache folder: ``$BRIEFING_CACHE_DIR``, else ``$XDG_CACHE_HOME/briefing``
    (``~/.cache/briefing``)."""
    chosen = os.environ.get("BRIEFING_CACHE_DIR")
    if chosen:
        return Path(chosen)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "briefing"


def private_folder(folder: Path) -> bool:
    """Create ``folder`` (mode 0700) if needed; True when it is a real folder of this user
    that nobody else can write or read, so nothing in it can have been planted (what is
    cached there is used as it is: compiled templates, images, theme files)."""
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        info = folder.lstat()
    except OSError:
        return False
    return (
        stat.S_ISDIR(info.st_mode)
        and info.st_uid == os.getuid()
        and not info.st_mode & (stat.S_IRWXG | stat.S_IRWXO)
    )
