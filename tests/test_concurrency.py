"""Concurrent writers and builds: no failures, only whole files, no debris after a kill.

Each case runs real processes (``python -c``) against this checkout's ``src``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from briefing.output import OutputRoot

SRC = Path(__file__).resolve().parents[1] / "src"
ENV = {**os.environ, "PYTHONPATH": str(SRC)}
WRITES = 2_000
TARGETS = 20  # both processes write the same 20 names over and over

_WRITER = """
import os, sys, time
from pathlib import Path
os.fsync = lambda fd: None  # durability is not what races; this keeps the test fast
from briefing.errors import OutputError
from briefing.output import OutputRoot, write_atomic

mode, folder, tag, count, go = sys.argv[1:]
folder, count, go = Path(folder), int(count), Path(go)
root = OutputRoot(folder)
while not go.exists():
    time.sleep(0.001)
failures = 0
for i in range(count):
    name = f"f{i % 20}.bin"
    data = f"{tag}:{i}:".encode() + bytes([i % 256]) * (100 + i * 37 % 4000)
    try:
        if mode == "atomic":
            write_atomic(folder / name, data)
        else:
            root.write(f"public/{name}", data)
    except OutputError as exc:
        failures += 1
        print(exc, file=sys.stderr)
print(failures)
"""


def _whole(data: bytes) -> bool:
    """Whether ``data`` is one complete payload as the writer makes it."""
    tag, i, body = data.split(b":", 2)
    n = int(i)
    return tag in (b"a", b"b") and body == bytes([n % 256]) * (100 + n * 37 % 4000)


def _race(mode: str, folder: Path, written: Path, tmp_path: Path) -> None:
    """Two writer processes, WRITES each; check files while they run and after."""
    go = tmp_path / "go"
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, mode, str(folder), tag, str(WRITES), str(go)],
            env=ENV,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in ("a", "b")
    ]
    go.touch()
    seen = 0
    while any(w.poll() is None for w in writers):
        time.sleep(0.001)  # leave the CPUs to the writers
        for path in written.glob("*"):
            assert path.suffix == ".bin", f"a staging file in the output folder: {path}"
            assert _whole(path.read_bytes()), f"partial file {path}"
            seen += 1
    for writer in writers:
        out, err = writer.communicate(timeout=60)
        assert writer.returncode == 0, err
        assert out.strip() == "0", f"failed writes: {out} {err[:2000]}"
    files = sorted(written.iterdir())
    assert len(files) == TARGETS
    assert all(_whole(p.read_bytes()) for p in files)
    assert seen > 0


def test_two_processes_write_atomic_into_one_folder(tmp_path: Path) -> None:
    folder = tmp_path / "dist"
    _race("atomic", folder, folder, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist", "go"]  # no staging left


def test_two_processes_write_through_one_output_root(tmp_path: Path) -> None:
    folder = tmp_path / "dist"
    _race("root", folder, folder / "public", tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == ["public"]
    assert list((tmp_path / ".dist.partial").iterdir()) == []


_LOCKER = """
import sys, time
from pathlib import Path
from briefing.output import OutputRoot

folder, log, tag, release = sys.argv[1:]
root, log, release = OutputRoot(Path(folder)), Path(log), Path(release)
with root.lock(on_wait=lambda message: print(message, flush=True)):
    with log.open("a") as handle:
        handle.write(f"enter {tag}\\n")
    while not release.exists():
        time.sleep(0.01)
    with log.open("a") as handle:
        handle.write(f"exit {tag}\\n")
"""


def test_two_lock_holders_serialise(tmp_path: Path) -> None:
    log, release = tmp_path / "log", tmp_path / "release"
    log.touch()

    def start(tag: str) -> subprocess.Popen[str]:
        argv = [sys.executable, "-c", _LOCKER, str(tmp_path / "dist"), str(log), tag, str(release)]
        return subprocess.Popen(argv, env=ENV, stdout=subprocess.PIPE, text=True)

    first = start("first")
    while "enter" not in log.read_text():
        assert first.poll() is None
        time.sleep(0.01)
    second = start("second")
    assert second.stdout is not None
    said = second.stdout.readline()  # blocks until the second build says it waits
    assert said.startswith("another briefing build is writing into")
    assert log.read_text() == "enter first\n"
    release.touch()
    outputs = [p.communicate(timeout=30)[0] for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0]
    assert log.read_text().splitlines() == [
        "enter first",
        "exit first",
        "enter second",
        "exit second",
    ]
    assert outputs == ["", ""]  # said once only


_KILLED = """
import os, sys, time
from pathlib import Path
from briefing.output import OutputRoot

root = OutputRoot(Path(sys.argv[1]))
with root.lock(wait=False):
    root.write("public/whole.pdf", b"whole")
    def hang(src, dst):
        print(src, flush=True)
        time.sleep(60)
    os.replace = hang
    root.write("public/x.pdf", b"never renamed")
"""


def test_sigkilled_writer_leaves_debris_only_in_staging(tmp_path: Path) -> None:
    folder = tmp_path / "dist"
    child = subprocess.Popen(
        [sys.executable, "-c", _KILLED, str(folder)], env=ENV, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    with child.stdout:
        staged = Path(child.stdout.readline().strip())
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=10)
    assert staged.parent == tmp_path / ".dist.partial" and staged.is_file()
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) == [
        "public",
        "public/whole.pdf",
    ]
    root = OutputRoot(folder)
    with root.lock(wait=False):  # the kernel released the dead holder's lock
        assert root.clean_staging() == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [".dist.lock", "dist"]
    assert (folder / "public/whole.pdf").read_bytes() == b"whole"


_CYCLER = """
import os, sys
from pathlib import Path
from briefing.output import OutputRoot

root, log = OutputRoot(Path(sys.argv[1])), os.open(sys.argv[2], os.O_WRONLY | os.O_APPEND)
for _ in range(int(sys.argv[3])):
    with root.lock():
        os.write(log, f"enter {os.getpid()}\\n".encode())
        root.write("x.pdf", b"x")
        os.write(log, f"exit {os.getpid()}\\n".encode())
"""


def test_many_lock_holders_never_overlap(tmp_path: Path) -> None:
    """Four processes taking the lock 50 times each: never two holders at once."""
    log = tmp_path / "log"
    log.touch()
    argv = [sys.executable, "-c", _CYCLER, str(tmp_path / "dist"), str(log), "50"]
    holders = [subprocess.Popen(argv, env=ENV) for _ in range(4)]
    assert [h.wait(timeout=60) for h in holders] == [0, 0, 0, 0]
    lines = log.read_text().splitlines()
    assert len(lines) == 4 * 50 * 2
    for enter, leave in zip(lines[0::2], lines[1::2], strict=True):
        assert enter.startswith("enter ") and leave == f"exit {enter[6:]}", "two holders at once"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".dist.lock",
        ".dist.partial",
        "dist",
        "log",
    ]


@pytest.mark.parametrize("wait", [False, True])
def test_second_build_process_waits_or_fails(tmp_path: Path, wait: bool) -> None:
    folder = tmp_path / "dist"
    code = (
        "import sys; from pathlib import Path; from briefing.output import OutputRoot\n"
        f"with OutputRoot(Path(sys.argv[1])).lock(wait={wait}, timeout=0.2): pass\n"
    )
    with OutputRoot(folder).lock():
        done = subprocess.run(
            [sys.executable, "-c", code, str(folder)],
            env=ENV,
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert done.returncode == 1
    assert f"another briefing build is writing into {folder}/" in done.stderr
    assert ("waited 0.2 s" in done.stderr) is wait
