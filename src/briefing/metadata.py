"""Metadata keys and their rules (temporary shim; replaced by the readers split)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from briefing.errors import InputError
from briefing.readers.common import META_KEYS, _meta_value, build_meta

__all__ = ["META_KEYS", "build_meta", "check_meta"]


def check_meta(
    mapping: Mapping[str, Any],
    *,
    path: Path | None = None,
    lines: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """Check metadata given outside an article; raise InputError naming the key's line."""
    for key, value in mapping.items():
        name = META_KEYS.get(key.lower())
        if name is None or value is None:
            continue
        try:
            _meta_value(name, value)
        except ValueError as exc:
            raise InputError(
                f"metadata '{key}' {exc}",
                path=path,
                line=(lines or {}).get(key),
                hint=f"fix the '{key}' value",
            ) from None
    return dict(mapping)
