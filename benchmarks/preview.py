"""Benchmark ``briefing preview``: the time from saving the article to the updated page.

Usage (from the repository root, after installing briefing)::

    python benchmarks/preview.py           # 9 edits per article; updates benchmarks/RESULTS.md
    python benchmarks/preview.py --quick   # 3 edits per article

For the seed (W1, as in run.py) and a ~20-page article made from it, the script starts
``briefing preview --no-browser --port 0`` in its own process, and acts as the page does:
it holds the server-sent event stream open, and after each save (a new first heading)
waits for the update event, reads ``/state.json`` until it shows the new heading, then
fetches every page image of that render. The figure is the wall time from just before
the file is written to the last image received (medians; the watcher, the warm render,
the page images and the HTTP round trips are all inside it). The baseline is a cold
``briefing build -f pdf -f epub`` of the same article in a fresh process, measured in the
same run: what a user without the preview waits for after each save.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import ROOT, WORK, big_table, markdown, seed_blocks  # noqa: E402

RESULTS = ROOT / "benchmarks" / "RESULTS.md"
BEGIN, END = "<!-- preview: begin -->", "<!-- preview: end -->"


def make_articles() -> dict[str, Path]:
    folder = WORK / "preview"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    lede, sections = seed_blocks()
    w1 = folder / "w1.md"
    w1.write_text(markdown("The Alaska Talks: Outcomes and Implications", lede, sections))
    parts = []
    for n in range(20):
        heading, lines = sections[n % len(sections)]
        extra = [f"Indicators for part {n + 1} are summarised below:", *big_table(n + 1, 8)]
        parts.append((f"{heading} (part {n + 1})", lines + extra))
    w20 = folder / "w20.md"
    w20.write_text(markdown("The Alaska Talks: A Longer Report", lede, parts))
    return {"W1": w1, "W20": w20}


def _get(port: int, path: str) -> bytes:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path)
        return connection.getresponse().read()
    finally:
        connection.close()


def _events(port: int, versions: queue.Queue[int]) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    connection.request("GET", "/events")
    response = connection.getresponse()
    for line in response:
        if line.startswith(b"data: "):
            versions.put(int(line[6:]))


def save_to_page(article: Path, edits: int) -> tuple[list[float], int]:
    """Seconds from each save to the updated page, and the page count."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "briefing", "preview", article.name, "--no-browser", "--port", "0"],
        cwd=article.parent,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        port = 0
        for line in process.stderr:
            match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
            if match:
                port = int(match.group(1))
                break
        versions: queue.Queue[int] = queue.Queue()
        threading.Thread(target=_events, args=(port, versions), daemon=True).start()
        versions.get(timeout=60)
        time.sleep(1.0)  # the watcher starts just after the server
        original = article.read_text("utf-8")
        first = re.search(r"^## (.+)$", original, re.MULTILINE)
        assert first is not None
        times, pages = [], 0
        for n in range(edits):
            heading = f"Edited heading number {n + 1}"
            text = original.replace(first.group(0), f"## {heading}", 1)
            start = time.perf_counter()
            article.write_text(text, "utf-8")
            while True:
                versions.get(timeout=60)
                state = json.loads(_get(port, "/state.json"))
                render = state["render"]
                if any(heading in item["title"] for item in render["outline"]):
                    break
            for page in render["pages"]:
                _get(port, page["url"])
            times.append(time.perf_counter() - start)
            pages = len(render["pages"])
            time.sleep(0.5)
        return times, pages
    finally:
        process.terminate()
        process.wait(timeout=30)


def cold_build(article: Path, runs: int) -> float:
    """Median wall time of ``briefing build -f pdf -f epub`` in a fresh process."""
    times = []
    for n in range(runs):
        out = article.parent / f"cold-{n}"
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "briefing", "build", "-f", "pdf", "-f", "epub", article.name]
            + ["-o", out.name, "--force"],
            cwd=article.parent,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 edits per article")
    args = parser.parse_args()
    edits, runs = (3, 1) if args.quick else (9, 3)
    rows = []
    for name, article in make_articles().items():
        times, pages = save_to_page(article, edits)
        cold = cold_build(article, runs)
        median = statistics.median(times)
        goal = "< 1 s (goal), <= 1x" if name == "W1" else "<= 1x"
        rows.append(
            f"| {name} ({pages} pages) save to updated page vs cold `briefing build` "
            f"(PDF+EPUB) | {median:.3f} s / {cold:.3f} s | {median / cold:.2f}x | {goal} |"
        )
        print(rows[-1], f"(max {max(times):.3f} s over {len(times)} saves)")
    section = "\n".join(
        [
            BEGIN,
            "## Preview",
            "",
            f"Made by `python benchmarks/preview.py`{' --quick' if args.quick else ''} on "
            f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores: median of {edits} saves "
            "from just before the file is written to the last page image received "
            "(see the script's docstring).",
            "",
            "| measurement | preview / baseline | ratio | goal |",
            "|---|---|---|---|",
            *rows,
            END,
        ]
    )
    text = RESULTS.read_text("utf-8") if RESULTS.exists() else "# Benchmark results\n"
    if BEGIN in text and END in text:
        text = text[: text.index(BEGIN)] + section + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS.write_text(text, "utf-8")
    print(f"updated {RESULTS}")


if __name__ == "__main__":
    main()
