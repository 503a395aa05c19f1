"""Waiting for saves: `watchfiles` (inotify and its kin, in Rust), with the changes of a
burst of saves given as one batch.

The folders holding the watched files are watched (an editor that saves by writing a new
file and renaming it over the old one replaces the file's inode), and a filter keeps only
the files and folders asked for; editors' swap and backup files, ``.git`` and
``__pycache__`` are ignored.
"""

from __future__ import annotations

import fnmatch
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

__all__ = ["project_filter", "watch_changes"]

#: Milliseconds without a new change after which a batch of changes is given.
QUIET_MS = 50
#: The longest a batch gathers changes (an editor saving many files at once).
BATCH_MS = 1600


def watch_changes(
    files: set[Path],
    folders: set[Path],
    *,
    accept: Callable[[Path], bool] | None = None,
    stop: threading.Event | None = None,
) -> Iterator[set[Path]]:
    """Yield the set of changed paths after each burst of saves, until ``stop`` is set.

    :param files: files to watch (resolved paths); their folders are watched.
    :param folders: folders to watch with everything under them (resolved paths).
    :param accept: when given, decides instead of ``files``/``folders`` which changed
        paths count (``folders`` are still what is watched).
    :raises KeyboardInterrupt: on Ctrl-C.
    """
    from watchfiles import DefaultFilter, watch

    ignore = DefaultFilter()

    def wanted(path: Path) -> bool:
        if accept is not None:
            return accept(path)
        return path in files or any(path.is_relative_to(folder) for folder in folders)

    def keep(change: object, name: str) -> bool:
        return ignore(change, name) and wanted(Path(name))  # type: ignore[arg-type]

    roots = {f.parent for f in files if f.parent.is_dir()} | {d for d in folders if d.is_dir()}
    # a folder under another watched folder is watched already
    roots = {r for r in roots if not any(r != o and r.is_relative_to(o) for o in roots)}
    for changes in watch(
        *sorted(roots),
        watch_filter=keep,
        step=QUIET_MS,
        debounce=BATCH_MS,
        stop_event=stop,
        raise_interrupt=True,
        yield_on_timeout=False,
    ):
        yield {Path(name) for _change, name in changes}


def project_filter(
    root: Path,
    output: Path,
    *,
    files: set[Path],
    patterns: Sequence[str],
    themes: set[Path],
) -> Callable[[Path], bool]:
    """What ``build --watch`` rebuilds on: ``files`` (the articles given, ``briefing.toml``,
    ``_brand.yml``), files under the project ``root`` matching an edition's source
    ``patterns`` (so a new article counts), and anything in the ``themes`` folders or the
    project's ``templates/`` and ``styles/``; never the output folder or hidden files.

    :param files: resolved paths; :param themes: resolved folders.
    """
    root, output = root.resolve(), output.resolve()

    def accept(path: Path) -> bool:
        if path in files:
            return True
        if path.is_relative_to(output):
            return False
        if any(path.is_relative_to(folder) for folder in themes):
            return True
        try:
            relative = path.relative_to(root)
        except ValueError:
            return False
        if any(part.startswith(".") for part in relative.parts):
            return False
        if relative.parts[0] in ("templates", "styles"):
            return True
        return any(fnmatch.fnmatch(relative.as_posix(), pattern) for pattern in patterns)

    return accept
