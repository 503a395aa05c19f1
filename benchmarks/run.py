"""Benchmark briefing against its engines and Pandoc, on workloads made from the seed.

Usage (from the repository root, after installing briefing)::

    python benchmarks/run.py            # medians of several runs; writes benchmarks/RESULTS.md
    python benchmarks/run.py --quick    # one run each, for a smoke test

Every figure is a ratio against a baseline measured in the same run, on the same content,
on the same machine; nothing here is a pass/fail test. Workloads (made in benchmarks/work/):

- W1  the seed article;
- W2  a ~50-section article of 40+ pages with many tables;
- W3  100 distinct small articles;
- W4  the seed for 200 named recipients.

Baselines:

- raw WeasyPrint: a fresh process rendering the HTML and CSS briefing produced beforehand
  (``briefing build -f html``), with the same PDF options (tagged PDF/UA-1);
- the best raw WeasyPrint batch: 2 processes, each parsing the CSS and loading fonts once;
- a minimal ebooklib build of the same content (one chapter per section);
- Pandoc from Debian (``apt-get install pandoc``), where installed: ``--pdf-engine=weasyprint``
  for PDF, ``-t epub3`` for EPUB.

Peak RSS is the largest resident set of any process of a command.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / "work"
SEED = ROOT / "sources" / "alaska-talks.txt"
PYTHON = sys.executable

# Runs a command and reports its wall time and the peak RSS of its processes.
_MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
wall = time.perf_counter() - start
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"wall": wall, "rss_kb": rss, "code": code}))
"""

RAW_WEASYPRINT = """
import sys, weasyprint
weasyprint.HTML(filename=sys.argv[1]).write_pdf(sys.argv[2], pdf_variant="pdf/ua-1", pdf_tags=True)
"""

# Half a batch: one process, CSS parsed and fonts loaded once, every document rendered.
RAW_WEASYPRINT_BATCH = """
import sys, re, weasyprint
from weasyprint.text.fonts import FontConfiguration
fonts = FontConfiguration()
css = weasyprint.CSS(filename=sys.argv[1], font_config=fonts)
for html_path in sys.argv[3:]:
    text = open(html_path, encoding="utf-8").read()
    text = re.sub(r'<link rel="stylesheet"[^>]*>', "", text)
    out = sys.argv[2] + "/" + html_path.rsplit("/", 1)[-1].replace(".html", ".pdf")
    weasyprint.HTML(string=text, base_url=html_path).write_pdf(
        out, stylesheets=[css], font_config=fonts, pdf_variant="pdf/ua-1", pdf_tags=True)
"""

MINIMAL_EBOOKLIB = """
import html, sys
from ebooklib import epub
text = open(sys.argv[1], encoding="utf-8").read().split("---", 2)[-1]
book = epub.EpubBook()
book.set_identifier("bench"); book.set_title("Benchmark"); book.set_language("en")
chapters, body, title = [], [], "Introduction"
def flush():
    if body:
        c = epub.EpubHtml(title=title, file_name=f"c{len(chapters)}.xhtml", lang="en")
        paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in body)
        c.content = f"<h1>{html.escape(title)}</h1>" + paragraphs
        book.add_item(c); chapters.append(c)
for line in text.splitlines():
    if line.startswith("## "):
        flush(); body, title = [], line[3:]
    elif line.strip():
        body.append(line)
flush()
book.toc = chapters; book.spine = ["nav", *chapters]
book.add_item(epub.EpubNcx()); book.add_item(epub.EpubNav())
epub.write_epub(sys.argv[2], book)
"""

# Warm render time of one article in the tool's own engine (for W4's comparison).
WARM_RENDER = """
import statistics, sys, time
from briefing import load_theme, read_article
from briefing.render.html import render_html
from briefing.render.pdf import PdfEngine
from briefing.report import collecting
with collecting():
    document = read_article(sys.argv[1])
theme, engine = load_theme(), PdfEngine()
engine.render(render_html(document, theme=theme))
times = []
for _ in range(int(sys.argv[2])):
    start = time.perf_counter()
    engine.render(render_html(document, theme=theme))
    times.append(time.perf_counter() - start)
print(statistics.median(times))
"""


# -- workloads ---------------------------------------------------------------------------


def seed_blocks() -> tuple[str, list[tuple[str, list[str]]]]:
    """The seed as (lede, [(heading, lines)]), using briefing's own reader."""
    from briefing.readers import explain_article

    lede, sections = "", []
    for role in explain_article(SEED):
        if role.role == "lede":
            lede = role.text
        elif role.role == "heading":
            sections.append((role.text, []))
        elif role.role not in ("ignored",) and sections:
            sections[-1][1].append(role.text)
    return lede, sections


def markdown(title: str, lede: str, sections: list[tuple[str, list[str]]]) -> str:
    """An article as Markdown, blocks separated as Markdown needs."""
    out = [f'---\ntitle: "{title}"\ndate: 2025-08-20\n---\n', lede, ""]
    for heading, lines in sections:
        out += [f"## {heading}", ""]
        previous = ""
        for line in lines:
            kind = "row" if line.startswith("|") else "item" if line.startswith("- ") else "p"
            if out[-1] != "" and not (kind == previous and kind in ("row", "item")):
                out.append("")
            out.append(line)
            previous = kind
        out.append("")
    return "\n".join(out) + "\n"


def big_table(n: int, rows: int) -> list[str]:
    lines = ["| Indicator | 2023 | 2024 | 2025 | Trend |", "|---|--:|--:|--:|---|"]
    for row in range(rows):
        lines.append(
            f"| Measure {n}.{row + 1} | {100 + row * 7} | {104 + row * 6} | "
            f"{109 + row * 5} | {'rising' if row % 3 else 'stable'} |"
        )
    return lines


def small_articles(
    folder: Path, count: int, lede: str, sections: list[tuple[str, list[str]]]
) -> None:
    """``count`` distinct small articles made from the seed's sections (one or two each)."""
    for n in range(count):
        chosen = [sections[(n + k) % len(sections)] for k in range(1 + n % 2)]
        varied = [
            (f"{h} ({n + 1})", [line.replace("Alaska", f"Alaska-{n + 1}") for line in lines])
            for h, lines in chosen
        ]
        (folder / f"brief-{n + 1:03d}.md").write_text(
            markdown(f"Briefing number {n + 1}", f"{lede} (Issue {n + 1}.)", varied)
        )


def make_workloads() -> dict[str, Path]:
    if WORK.exists():
        shutil.rmtree(WORK)
    # W3's articles live inside its project: sources patterns may not leave a project
    (WORK / "w3-project" / "sources").mkdir(parents=True)
    lede, sections = seed_blocks()
    paths = {}
    paths["W1"] = WORK / "w1.md"
    paths["W1"].write_text(markdown("The Alaska Talks: Outcomes and Implications", lede, sections))
    many = []
    for n in range(50):
        heading, lines = sections[n % len(sections)]
        extra = [f"Indicators for part {n + 1} are summarised below:", *big_table(n + 1, 12)]
        many.append((f"{heading} (part {n + 1})", lines + extra))
    paths["W2"] = WORK / "w2.md"
    paths["W2"].write_text(markdown("The Alaska Talks: The Long Report", lede, many))
    small_articles(WORK / "w3-project" / "sources", 100, lede, sections)
    paths["W3"] = WORK / "w3-project" / "sources"
    recipients = ", ".join(f'"Recipient {n + 1:03d}"' for n in range(200))
    for name, extra in (("w4", f"recipients = [{recipients}]\n"), ("w4-none", "")):
        folder = WORK / name
        (folder / "sources").mkdir(parents=True)
        shutil.copy(paths["W1"], folder / "sources" / "w1.md")
        (folder / "briefing.toml").write_text(
            '[[editions]]\nname = "e"\nsources = ["sources/*"]\nformats = ["pdf"]\n' + extra
        )
    (WORK / "w3-project" / "briefing.toml").write_text(
        '[defaults]\noutput = "dist"\n[[editions]]\nname = "e"\nsources = ["sources/*"]\n'
        'formats = ["pdf"]\n'
    )
    return paths


# -- measuring ---------------------------------------------------------------------------


@dataclass
class Sample:
    wall: float
    rss_mb: float


def measure(
    command: list[str], runs: int, cwd: Path = ROOT, before: list[str] | None = None
) -> Sample:
    """Median wall time and peak RSS of ``command`` over ``runs`` runs."""
    walls, rss = [], []
    for _ in range(runs):
        if before:
            subprocess.run(before, cwd=cwd, check=True, capture_output=True)
        out = subprocess.run(
            [PYTHON, "-c", _MEASURE, *command], cwd=cwd, capture_output=True, text=True, check=True
        )
        data = json.loads(out.stdout)
        if data["code"] != 0:
            raise SystemExit(f"failed ({data['code']}): {' '.join(command)}")
        walls.append(data["wall"])
        rss.append(data["rss_kb"] / 1024)
    return Sample(statistics.median(walls), max(rss))


def measure_parallel(commands: list[list[str]], runs: int) -> float:
    """Median wall time of running ``commands`` at once."""
    walls = []
    for _ in range(runs):
        start = time.perf_counter()
        processes = [
            subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for c in commands
        ]
        if any(p.wait() for p in processes):
            raise SystemExit("a parallel baseline failed")
        walls.append(time.perf_counter() - start)
    return statistics.median(walls)


def pages(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(pdf).pages)


def version(command: list[str]) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True).stdout.splitlines()[0]
    except (OSError, IndexError):
        return "not installed"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run of everything")
    args = parser.parse_args()
    few, some = (1, 1) if args.quick else (3, 5)
    briefing = shutil.which("briefing") or "briefing"
    pandoc = shutil.which("pandoc")
    paths = make_workloads()
    out = WORK / "out"
    rows: list[tuple[str, str, str, str]] = []

    def row(what: str, tool: float, base: float, goal: str, unit: str = "s") -> None:
        ratio = tool / base if base else float("inf")
        rows.append((what, f"{tool:.3f} {unit} / {base:.3f} {unit}", f"{ratio:.2f}x", goal))
        print(
            f"{what:<62} {tool:8.3f} / {base:8.3f} {unit:<3} = {ratio:5.2f}x  (goal {goal})",
            flush=True,
        )

    # Start-up.
    help_ = measure([briefing, "--help"], some * 2)
    click = measure([PYTHON, "-c", "import click"], some * 2)
    row("`briefing --help` vs `python -c 'import click'`", help_.wall, click.wall, "<= 1.5x")

    # HTML for the raw baselines, produced beforehand.
    html_dir = WORK / "html"
    subprocess.run(
        [briefing, "build", str(paths["W1"]), str(paths["W2"]), "-f", "html", "-o", str(html_dir)],
        check=True,
        capture_output=True,
    )
    w3_sources = sorted(paths["W3"].glob("*.md"))
    subprocess.run(
        [briefing, "build", *map(str, w3_sources), "-f", "html", "-o", str(html_dir / "w3")],
        check=True,
        capture_output=True,
    )
    raw = WORK / "raw.py"
    raw.write_text(RAW_WEASYPRINT)
    batch = WORK / "raw_batch.py"
    batch.write_text(RAW_WEASYPRINT_BATCH)
    ebook = WORK / "minimal_ebooklib.py"
    ebook.write_text(MINIMAL_EBOOKLIB)

    # W1: one CLI call for PDF + EPUB vs raw WeasyPrint + minimal ebooklib, each a process.
    tool_w1 = measure([briefing, "build", "--force", str(paths["W1"]), "-o", str(out / "w1")], some)
    raw_w1 = measure([PYTHON, str(raw), str(html_dir / "w1.html"), str(out / "raw-w1.pdf")], some)
    min_w1 = measure([PYTHON, str(ebook), str(paths["W1"]), str(out / "min-w1.epub")], some)
    row(
        "W1 PDF+EPUB, one call vs raw WeasyPrint + minimal ebooklib",
        tool_w1.wall,
        raw_w1.wall + min_w1.wall,
        "<= 1.15x",
    )

    # W2: PDF only vs raw WeasyPrint on the same HTML; time, memory, time per page.
    tool_w2 = measure(
        [briefing, "build", "--force", str(paths["W2"]), "-f", "pdf", "-o", str(out / "w2")], few
    )
    raw_w2 = measure([PYTHON, str(raw), str(html_dir / "w2.html"), str(out / "raw-w2.pdf")], few)
    tool_w1_pdf = measure(
        [briefing, "build", "--force", str(paths["W1"]), "-f", "pdf", "-o", str(out / "w1")], some
    )
    w2_pages, w1_pages = pages(out / "w2" / "w2.pdf"), pages(out / "w1" / "w1.pdf")
    row(f"W2 PDF ({w2_pages} pages) vs raw WeasyPrint, time", tool_w2.wall, raw_w2.wall, "<= 1.15x")
    row("W2 PDF vs raw WeasyPrint, peak RSS", tool_w2.rss_mb, raw_w2.rss_mb, "<= 1.2x", "MB")
    row(
        f"time per page, W2 vs W1 ({w1_pages} pages), PDF only",
        tool_w2.wall / w2_pages,
        tool_w1_pdf.wall / w1_pages,
        "<= 1.2x",
    )

    # W3: 100 articles with -j 2 vs raw WeasyPrint's best 2-process batch; Pandoc; no-op.
    project = WORK / "w3-project"
    tool_w3 = measure([briefing, "build", "-j", "2", "--force"], few, cwd=project)
    htmls = sorted(str(p) for p in (html_dir / "w3").glob("*.html"))
    (out / "raw-w3").mkdir(parents=True, exist_ok=True)
    css = str(html_dir / "w3" / "assets" / "briefing.css")
    halves = [htmls[0::2], htmls[1::2]]
    raw_w3 = measure_parallel(
        [[PYTHON, str(batch), css, str(out / "raw-w3"), *h] for h in halves], few
    )
    row(
        "W3 100 articles -j 2 vs raw WeasyPrint best 2-process batch",
        tool_w3.wall,
        raw_w3,
        "<= 1.2x",
    )
    noop = measure([briefing, "build", "-j", "2"], some, cwd=project)
    row("W3 no-op rebuild vs 0.5 s", noop.wall, 0.5, "< 1x")
    pandoc_w3 = None
    if pandoc:

        def one(source: Path) -> int:
            target = out / "pandoc-w3" / source.with_suffix(".pdf").name
            return subprocess.run(
                [pandoc, str(source), "-o", str(target), "--pdf-engine=weasyprint"],
                capture_output=True,
            ).returncode

        (out / "pandoc-w3").mkdir(parents=True, exist_ok=True)
        walls = []
        for _ in range(1 if args.quick else 2):
            start = time.perf_counter()
            with concurrent.futures.ThreadPoolExecutor(2) as pool:
                if any(pool.map(one, w3_sources)):
                    raise SystemExit("pandoc failed")
            walls.append(time.perf_counter() - start)
        pandoc_w3 = statistics.median(walls)
        row(
            "W3 100 articles -j 2 vs Pandoc PDF batch (2 at a time)",
            tool_w3.wall,
            pandoc_w3,
            "<= 0.2x",
        )

    # EPUB only: W1 and W2 vs pandoc md -> epub3; and the floor of any Python EPUB tool.
    for name in ("W1", "W2"):
        tool = measure(
            [briefing, "build", "--force", str(paths[name]), "-f", "epub", "-o", str(out / "epub")],
            some,
        )
        if pandoc:
            base = measure(
                [pandoc, str(paths[name]), "-t", "epub3", "-o", str(out / f"pandoc-{name}.epub")],
                some,
            )
            row(f"{name} EPUB only vs pandoc md->epub3", tool.wall, base.wall, "<= 1x")
            if name == "W1":
                floor = measure([PYTHON, "-c", "import lxml.etree, ebooklib.epub"], some)
                row(
                    "floor: start Python, import lxml + ebooklib, vs pandoc md->epub3",
                    floor.wall,
                    base.wall,
                    "(reference)",
                )

    # W4: 200 recipient copies vs rendering the article 200 times.
    with_copies = measure([briefing, "build", "-j", "1", "--force"], few, cwd=WORK / "w4")
    without = measure([briefing, "build", "-j", "1", "--force"], few, cwd=WORK / "w4-none")
    warm = subprocess.run(
        [PYTHON, "-c", WARM_RENDER, str(paths["W1"]), str(some)],
        capture_output=True,
        text=True,
        check=True,
    )
    render = float(warm.stdout.strip().splitlines()[-1])
    row(
        "W4 200 recipient copies vs 200 renders of the article",
        with_copies.wall - without.wall,
        200 * render,
        "< 0.1x",
    )

    write_results(rows, briefing, pandoc, args.quick)


def write_results(
    rows: list[tuple[str, str, str, str]], briefing: str, pandoc: str | None, quick: bool
) -> None:
    import weasyprint

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    lines = [
        "# Benchmark results",
        "",
        "Made by `python benchmarks/run.py`" + (" --quick" if quick else "") + f" on "
        f"{time.strftime('%Y-%m-%d')}. Medians of several runs; each ratio is briefing against "
        "a baseline measured in the same run on the same content (see the script's docstring).",
        "",
        f"Machine: {os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, {platform.platform()}, "
        f"Python {platform.python_version()}, WeasyPrint {weasyprint.__version__}, "
        f"{version([briefing, '--version'])}, "
        f"{version([pandoc, '--version']) if pandoc else 'Pandoc not installed'}.",
        "",
        "Notes:",
        "",
        "- The raw WeasyPrint baselines render briefing's own HTML and CSS with the same PDF",
        "  options (tagged PDF/UA-1), so a ratio is the cost of the tool around the engine.",
        "- The EPUB-only goal against Pandoc is not met for the small article, and cannot be",
        "  from Python: Pandoc is a native binary that converts it in a few hundredths of a",
        "  second, and merely starting Python and importing lxml and ebooklib (the required",
        "  EPUB library) takes longer than that (the 'floor' row). On the larger W2,",
        "  briefing's EPUB is faster than Pandoc's.",
        "- W4 compares the extra time 200 recipient copies add to a build with the time of",
        "  rendering the article 200 times in a warm engine.",
        "",
        "| measurement | briefing / baseline | ratio | goal |",
        "|---|---|---|---|",
        *[f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows],
        "",
    ]
    target = ROOT / "benchmarks" / "RESULTS.md"
    # benchmarks/preview.py and benchmarks/dask_scale.py keep their own sections after the
    # main table (preview's first, dask's last): carry them over from the first marker on
    previous = target.read_text() if target.exists() else ""
    markers = [
        m for m in ("<!-- preview: begin -->", "<!-- benchmarks/dask_scale.py -->") if m in previous
    ]
    kept = previous[min(previous.index(m) for m in markers) :] if markers else ""
    target.write_text("\n".join(lines) + ("\n" + kept if kept else ""))
    print(f"\nwrote {target}")
    print(textwrap.indent("\n".join(lines[-len(rows) - 3 :]), "  "))


if __name__ == "__main__":
    main()
