"""``manifest.json``: the record of what a build left in one output folder.

Every output folder a build writes (the output folder itself, or an edition's folder) has
a manifest listing each file with its format, size, pages, sha256, the key of everything
it was made from (see :mod:`briefing.tasks`), its source and its validation. The manifest
is what makes builds incremental, and what pruning trusts: the tool only ever removes files
a manifest recorded, inside that manifest's folder.

A manifest that cannot be read (broken JSON, a missing field, not a regular file) is
treated as absent, with a warning: everything is rebuilt and nothing is pruned.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from briefing.errors import BriefingError, Diagnostic
from briefing.files import read_bounded

__all__ = ["MANIFEST", "Manifest", "safe_relative"]

MANIFEST = "manifest.json"
_MAX_BYTES = 64 * 1024 * 1024
_REQUIRED = {"path": str, "format": str, "sha256": str, "key": str, "bytes": int}


def safe_relative(path: str) -> bool:
    """True for a plain relative path that stays inside its folder (no ``..``, not absolute,
    no backslashes or NULs): the only paths a manifest may name."""
    if not path or "\\" in path or "\x00" in path:
        return False
    pure = PurePosixPath(path)
    return not pure.is_absolute() and ".." not in pure.parts and pure.parts[0] != MANIFEST


@dataclass(slots=True)
class Manifest:
    """One folder's manifest.

    :param folder: the folder it describes.
    :param edition: the edition's name (``""``: the project's own outputs).
    :param entries: one record per file, by path relative to ``folder``.
    :param readable: False when a manifest file exists but could not be used.
    """

    folder: Path
    edition: str
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    readable: bool = True

    @property
    def path(self) -> Path:
        """The manifest file."""
        return self.folder / MANIFEST

    @classmethod
    def load(cls, folder: Path, edition: str) -> tuple[Manifest, Diagnostic | None]:
        """The manifest of ``folder`` (empty when there is none), and a warning if unusable."""
        path = folder / MANIFEST
        if not path.exists() and not path.is_symlink():
            return cls(folder, edition), None
        try:
            data = json.loads(read_bounded(path, _MAX_BYTES, what="manifest"))
            entries = {}
            for entry in data["outputs"]:
                if not all(isinstance(entry.get(k), t) for k, t in _REQUIRED.items()):
                    raise ValueError("an entry lacks a field")
                if not safe_relative(entry["path"]):
                    raise ValueError(f"an entry names {entry['path']!r}")
                entries[entry["path"]] = entry
            return cls(folder, str(data.get("edition", edition)), entries), None
        except (BriefingError, ValueError, KeyError, TypeError, AttributeError) as exc:
            warning = Diagnostic(
                f"the manifest cannot be used ({exc}); everything is rebuilt, nothing pruned",
                path,
                hint="delete it if it is not a briefing manifest",
            )
            return cls(folder, edition, readable=False), warning

    def render(self, tool: str) -> bytes:
        """The manifest file's bytes (stable: sorted, one format)."""
        data = {
            "edition": self.edition,
            "tool": tool,
            "outputs": [self.entries[path] for path in sorted(self.entries)],
        }
        return (json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode()

    def current_all(self, paths: Iterable[str], key: str) -> list[Mapping[str, Any]] | None:
        """The entries for ``paths`` when every one is :meth:`current`, else ``None``."""
        entries = []
        for path in paths:
            entry = self.current(path, key)
            if entry is None:
                return None  # one stale file is enough: no need to hash the others
            entries.append(entry)
        return entries

    def current(self, path: str, key: str) -> Mapping[str, Any] | None:
        """The entry for ``path`` when it was made from ``key`` and its file is unchanged."""
        entry = self.entries.get(path)
        if entry is None or entry.get("key") != key:
            return None
        if _sha256(self.folder / path) != entry["sha256"]:
            return None
        return entry


def _sha256(path: Path) -> str | None:
    import hashlib

    try:
        if path.is_symlink() or not path.is_file():
            return None
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()
    except OSError:
        return None
