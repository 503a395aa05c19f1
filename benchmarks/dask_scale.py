"""Benchmark builds on a Dask cluster against the local worker pool, and the serial parts
that bound how a build scales with workers.

Usage (from the repository root, with ``briefing[dask]`` installed)::

    python benchmarks/dask_scale.py            # medians of 3 runs; updates RESULTS.md
    python benchmarks/dask_scale.py --quick    # one run each

Workload: 200 distinct small articles (PDF only), made from the seed like run.py's W3, as
one edition. Measured in the same run, interleaved (so a shared machine's changing load
falls on all three alike), each a fresh ``briefing build --force`` process:

- the local pool, ``-j 2``;
- ``--scheduler local -j 2``: a LocalCluster of 2 single-threaded workers (threads of the
  build's process, each with its render process) that the build starts and stops (its
  start-up is part of the time);
- ``--scheduler tcp://...``: a ``dask scheduler`` and two ``dask worker`` programs started
  beforehand and warmed by one build (a long-lived cluster, the production case).

For scaling, the parts of a build that do not spread over workers are measured apart: a
no-op rebuild (start, read and parse every article, hash every task, compare manifests)
and the client's atomic writes of every output (fsync per file); the per-task time is the
``-j 1`` build's, less those, divided by the tasks. The results section of RESULTS.md that
this script writes starts at :data:`MARKER`; ``run.py`` keeps it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import PYTHON, ROOT, WORK, measure, seed_blocks, small_articles

MARKER = "<!-- benchmarks/dask_scale.py -->"
ARTICLES = 200


def make_project() -> Path:
    """200 articles as one edition, PDF only."""
    project = WORK / "dask"
    if project.exists():
        shutil.rmtree(project)
    (project / "sources").mkdir(parents=True)
    small_articles(project / "sources", ARTICLES, *seed_blocks())
    (project / "briefing.toml").write_text(
        '[[editions]]\nname = "e"\nsources = ["sources/*"]\nformats = ["pdf"]\n'
    )
    return project


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_cluster(workers: int) -> tuple[str, list[subprocess.Popen[bytes]]]:
    """``dask scheduler`` and ``workers`` single-threaded ``dask worker`` programs."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    dask = [PYTHON, "-m", "dask"]
    programs = [
        subprocess.Popen(
            [*dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            **quiet,  # type: ignore[call-overload]
        )
    ]
    worker = [*dask, "worker", address, "--nthreads", "1", "--no-dashboard"]
    programs += [subprocess.Popen(worker, **quiet) for _ in range(workers)]  # type: ignore[call-overload]
    waiting = (
        "from distributed import Client\n"
        f"with Client({address!r}, timeout=30) as c: c.wait_for_workers({workers}, timeout=60)"
    )
    subprocess.run([PYTHON, "-c", waiting], check=True, timeout=120)
    return address, programs


def write_cost(project: Path) -> float:
    """The client's share per build: every output written atomically (stage, fsync, rename)."""
    from briefing.output import OutputRoot

    pdfs = sorted((project / "dist" / "e").glob("*.pdf"))
    with tempfile.TemporaryDirectory(dir=project) as scratch:
        root = OutputRoot(Path(scratch))
        start = time.perf_counter()
        for pdf in pdfs:
            root.write(pdf.name, pdf.read_bytes())
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run each")
    args = parser.parse_args()
    runs = 1 if args.quick else 3
    briefing = [PYTHON, "-m", "briefing"]
    project = make_project()
    load_before = os.getloadavg()[0]
    build = [*briefing, "build", "--force"]
    address, programs = start_cluster(2)
    commands = {
        "local": [*build, "-j", "2"],
        "cluster": [*build, "-j", "2", "--scheduler", "local"],
        "running": [*build, "--scheduler", address],
    }
    walls: dict[str, list[float]] = {name: [] for name in commands}
    try:
        measure(commands["running"], 1, cwd=project)  # warm the running workers
        # interleaved, so that a shared machine's changing load falls on all three alike
        for run in range(runs):
            for name, command in commands.items():
                print(f"run {run + 1}: {name} ...", flush=True)
                walls[name].append(measure(command, 1, cwd=project).wall)
    finally:
        for program in reversed(programs):
            program.send_signal(signal.SIGTERM)
            program.wait(timeout=30)
    local, cluster, running = (statistics.median(walls[name]) for name in commands)
    print("serial parts ...", flush=True)
    one = measure([*build, "-j", "1"], 1, cwd=project)
    noop = measure([*briefing, "build", "-j", "2"], runs, cwd=project)
    writes = statistics.median(write_cost(project) for _ in range(runs))
    load_after = os.getloadavg()[0]
    per_task = (one.wall - noop.wall - writes) / ARTICLES
    serial = noop.wall + writes
    rows = [
        (
            f"{ARTICLES} articles, --scheduler local -j 2 vs local -j 2",
            cluster,
            local,
            "<= 1.15x",
        ),
        (
            f"{ARTICLES} articles, running dask scheduler + 2 workers vs local -j 2",
            running,
            local,
            "<= 1.15x",
        ),
    ]
    lines = [
        MARKER,
        "",
        "## Dask (`python benchmarks/dask_scale.py" + (" --quick" if args.quick else "") + "`)",
        "",
        f"Medians of {runs} run(s), {time.strftime('%Y-%m-%d')}; load average "
        f"{load_before:.1f} before, {load_after:.1f} after (2 cores: the machine is shared,"
        " so the ratios are the figures to read).",
        "",
        "| measurement | briefing / baseline | ratio | goal |",
        "|---|---|---|---|",
        *[f"| {w} | {a:.2f} s / {b:.2f} s | {a / b:.2f}x | {g} |" for w, a, b, g in rows],
        "",
        f"Scaling: a build is serial work on the client plus {ARTICLES} tasks spread over "
        f"the workers. Serial, measured here: {noop.wall:.2f} s to start, read and parse every "
        f"article, hash every task and compare manifests (a no-op rebuild), and "
        f"{writes:.2f} s to write every output atomically. Per task: {per_task:.3f} s of "
        "rendering on a worker, plus Dask's own overhead of about a millisecond a task on "
        "the scheduler, the task's pickled document and options going out, and its output "
        "bytes coming back (~0.1 MB here). On paper, W workers take about "
        f"{serial:.1f} s + {ARTICLES} x {per_task:.3f} s / W:",
        "",
        "| workers | estimated time | articles per second |",
        "|---|---|---|",
        *[
            f"| {w} | {serial + ARTICLES * per_task / w:.1f} s | "
            f"{ARTICLES / (serial + ARTICLES * per_task / w):.0f} |"
            for w in (2, 8, 32, 128)
        ],
        "",
        "So past a few dozen workers the client's serial part dominates: reading and hashing"
        " grow with the edition, writes with its bytes (and the client's link carries every"
        " output). Bigger runs split into several builds (editions, languages) on one"
        " cluster; the theme's files go to each worker once per build.",
        "",
    ]
    results = ROOT / "benchmarks" / "RESULTS.md"
    text = results.read_text() if results.exists() else "# Benchmark results\n"
    kept = text.split(MARKER)[0].rstrip("\n")
    results.write_text(kept + "\n\n" + "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
