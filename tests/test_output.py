"""Atomic writes: an output appears whole or not at all, and nothing partial stays behind."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from briefing.errors import OutputError
from briefing.output import OutputRoot, write_atomic

SRC = Path(__file__).resolve().parents[1] / "src"


def _replace_spy(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Record the staging file of every rename."""
    sources: list[Path] = []
    real = os.replace

    def spy(src: str | Path, dst: str | Path) -> None:
        sources.append(Path(src))
        real(src, dst)

    monkeypatch.setattr("os.replace", spy)
    return sources


def test_write_atomic_replaces_whole(tmp_path: Path) -> None:
    target = tmp_path / "dist" / "a.pdf"
    write_atomic(target, b"first")
    digest = write_atomic(target, b"second")
    assert target.read_bytes() == b"second" and len(digest) == 64
    assert list(target.parent.iterdir()) == [target]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]  # staging folder removed


def test_failed_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "dist" / "a.pdf"

    def broken(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.replace", broken)
    with pytest.raises(OutputError, match="cannot write the output: No space left"):
        write_atomic(target, b"data")
    assert list((tmp_path / "dist").iterdir()) == []
    stage = tmp_path / ".dist.partial"
    assert not stage.exists() or list(stage.iterdir()) == []


def test_nested_outputs_stage_beside_the_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = _replace_spy(monkeypatch)
    root = OutputRoot(tmp_path / "dist")
    root.write("public/x.pdf", b"x")
    root.write(root.path / "a.epub", b"a")
    assert {p.parent for p in sources} == {tmp_path / ".dist.partial"}
    assert root.staging == tmp_path / ".dist.partial"
    # nothing hidden, nothing staged inside the output folder
    assert sorted(str(p.relative_to(root.path)) for p in root.path.rglob("*")) == [
        "a.epub",
        "public",
        "public/x.pdf",
    ]


def test_relative_root_and_targets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    root = OutputRoot("dist")
    assert root.path == tmp_path / "dist"
    root.write(Path("public") / "x.pdf", b"x")
    assert (tmp_path / "dist/public/x.pdf").read_bytes() == b"x"


@pytest.mark.parametrize("target", ["../x.pdf", "public/../../x.pdf", "/etc/x.pdf", "."])
def test_write_refuses_paths_outside_the_root(tmp_path: Path, target: str) -> None:
    with pytest.raises(OutputError, match="outside the output folder"):
        OutputRoot(tmp_path / "dist").write(target, b"x")
    assert not (tmp_path / "x.pdf").exists()


def test_unwritable_parent_stages_inside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Simulated: mkdir beside the root fails with EACCES, as it does for a non-root user."""
    beside = tmp_path / ".dist.partial"
    real_mkdir = os.mkdir

    def mkdir(path: str | Path, mode: int = 0o777) -> None:
        if Path(path) == beside:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        real_mkdir(path, mode)

    monkeypatch.setattr("os.mkdir", mkdir)
    root = OutputRoot(tmp_path / "dist")
    root.write("x.pdf", b"x")
    assert root.staging == root.path / ".briefing.partial"
    assert (root.path / "x.pdf").read_bytes() == b"x"
    assert not beside.exists()


_READ_ONLY_CHILD = """
import sys
from pathlib import Path
from briefing.output import OutputRoot
root = OutputRoot(Path(sys.argv[1]))
with root.lock(wait=False):
    root.clean_staging()
    root.write("x.pdf", b"x")
    print(root.staging)
    root.clean_staging()
"""


def test_read_only_parent_really(tmp_path: Path) -> None:
    """``-o .`` in a folder whose parent cannot be written.

    Not root: the parent is chmod 0o555. Root ignores permissions, so the parent is made
    read-only with a read-only bind mount in a private mount namespace (``unshare -m``),
    with ``dist`` bind-mounted writable on top of it.
    """
    parent, store = tmp_path / "parent", tmp_path / "store"
    (parent / "dist").mkdir(parents=True)
    store.mkdir()
    dist = parent / "dist"
    command = [sys.executable, "-c", _READ_ONLY_CHILD, str(dist)]
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    if os.geteuid() == 0:
        assert shutil.which("unshare"), "install util-linux to run this test as root"
        script = (
            f"mount --bind -o ro '{parent}' '{parent}' && mount --bind '{store}' '{dist}'"
            ' && exec "$@"'
        )
        command = ["unshare", "-m", "sh", "-c", script, "sh", *command]
        written = store
    else:
        parent.chmod(0o555)
        written = dist
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=30)
    finally:
        parent.chmod(0o755)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(dist / ".briefing.partial")
    assert (written / "x.pdf").read_bytes() == b"x"
    assert sorted(p.name for p in written.iterdir()) == [".briefing.lock", "x.pdf"]


def test_mount_point_root_switches_to_inside_staging(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """EXDEV from the staging folder beside the root: stage inside it from then on."""
    real = os.replace
    sources: list[Path] = []

    def cross_device(src: str | Path, dst: str | Path) -> None:
        sources.append(Path(src))
        if Path(src).parent == tmp_path / ".dist.partial":
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        real(src, dst)

    monkeypatch.setattr("os.replace", cross_device)
    root = OutputRoot(tmp_path / "dist")
    root.write("a.pdf", b"a")
    root.write("b.pdf", b"b")
    inside = root.path / ".briefing.partial"
    assert [p.parent for p in sources] == [tmp_path / ".dist.partial", inside, inside]
    assert (root.path / "a.pdf").read_bytes() == b"a"
    assert list((tmp_path / ".dist.partial").iterdir()) == []
    assert list(inside.iterdir()) == []


def test_remove_prunes_empty_folders(tmp_path: Path) -> None:
    root = OutputRoot(tmp_path / "dist")
    root.write("old/deep/x.pdf", b"x")
    root.write("old/y.pdf", b"y")
    assert root.remove("old/deep/x.pdf") is True
    assert not (root.path / "old/deep").exists() and (root.path / "old/y.pdf").exists()
    assert root.remove(root.path / "old/y.pdf") is True
    assert list(root.path.iterdir()) == []
    assert root.remove("old/y.pdf") is False
    with pytest.raises(OutputError, match="outside the output folder"):
        root.remove("../dist.pdf")


def test_clean_staging_removes_debris(tmp_path: Path) -> None:
    root = OutputRoot(tmp_path / "dist")
    for place in (tmp_path / ".dist.partial", root.path / ".briefing.partial"):
        place.mkdir(parents=True)
        (place / "x.pdf.abc.tmp").write_bytes(b"half")
    assert root.clean_staging() == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]
    assert list(root.path.iterdir()) == []
    assert root.clean_staging() == 0
    root.write("x.pdf", b"x")  # the staging folder comes back when needed
    assert (root.path / "x.pdf").read_bytes() == b"x"


def test_lock_without_waiting_fails_clearly(tmp_path: Path) -> None:
    with OutputRoot(tmp_path / "dist").lock():
        assert (tmp_path / ".dist.lock").is_file()
        with (
            pytest.raises(OutputError, match=r"another briefing build is writing into .*dist/"),
            OutputRoot(tmp_path / "dist").lock(wait=False),
        ):
            pass  # pragma: no cover
    with OutputRoot(tmp_path / "dist").lock(wait=False):  # released
        pass
    assert list((tmp_path / "dist").iterdir()) == []


def test_lock_wait_says_so_once_then_times_out(tmp_path: Path) -> None:
    said: list[str] = []
    with (
        OutputRoot(tmp_path / "dist").lock(),
        pytest.raises(OutputError, match=r"waited 0.2 s"),
        OutputRoot(tmp_path / "dist").lock(timeout=0.2, on_wait=said.append),
    ):
        pass  # pragma: no cover
    assert said == [
        f"another briefing build is writing into {tmp_path / 'dist'}/; waiting for it to finish"
    ]
