"""Atomic writes: an output appears whole or not at all, and nothing partial stays behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefing.output import staging_dir, write_atomic


def test_write_atomic_replaces_whole(tmp_path: Path) -> None:
    target = tmp_path / "dist" / "a.pdf"
    write_atomic(target, b"first")
    digest = write_atomic(target, b"second")
    assert target.read_bytes() == b"second" and len(digest) == 64
    assert list(target.parent.iterdir()) == [target]
    assert not staging_dir(target.parent).exists()


def test_failed_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "dist" / "a.pdf"

    def broken(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.replace", broken)
    with pytest.raises(Exception, match="cannot write the output"):
        write_atomic(target, b"data")
    assert list((tmp_path / "dist").iterdir()) == []
    stage = staging_dir(target.parent)
    assert not stage.exists() or list(stage.iterdir()) == []


def test_staging_is_beside_not_inside(tmp_path: Path) -> None:
    assert staging_dir(tmp_path / "dist") == tmp_path / ".dist.partial"
