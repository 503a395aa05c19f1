"""Every case of the bad-input corpus (fixtures/corpus/cases.toml) through the CLI: the
exact exit code, a one-line error naming file:line with what to do, no traceback, and no
partial file left in the output folder."""

from __future__ import annotations

import os
import random
import tomllib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from briefing.cli import main
from briefing.readers import read_article
from briefing.report import collecting

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
CASES: dict[str, dict[str, Any]] = tomllib.loads((CORPUS / "cases.toml").read_text("utf-8"))


def generate(name: str, folder: Path) -> Path:
    """The large cases, made here rather than committed (they are megabytes of filler)."""
    path = folder / name
    words = [
        "policy",
        "summit",
        "treaty",
        "sanctions",
        "dialogue",
        "energy",
        "security",
        "minister",
        "region",
    ]
    rng = random.Random(7)
    if name == "long-paragraph.md":  # one Markdown paragraph of 2,000 lines (~10 pages)
        lines = [" ".join(rng.choice(words) for _ in range(9)) for _ in range(2_000)]
        path.write_text("---\ntitle: One long paragraph\n---\n\n" + "\n".join(lines) + "\n")
    elif name == "long-word.txt":  # 40,000 characters without a space (layout was quadratic)
        path.write_text("A lede.\n\nHeading\n" + "x" * 40_000 + " end.\n")
    elif name == "fifo.txt":  # a named pipe: refused at once, never read (it would block)
        os.mkfifo(path)
    elif name == "zero.txt":  # a symlink to an endless device
        path.symlink_to("/dev/zero")
    elif name == "many-sections.txt":  # 5,000 headed sections
        body = "".join(f"Section number {n}\nBody text of section {n}.\n" for n in range(1, 5001))
        path.write_text("A lede for an article with very many sections.\n" + body)
    else:
        raise ValueError(name)
    return path


def article_for(case: dict[str, Any], tmp_path: Path) -> Path:
    name = case["file"]
    return generate(name[1:], tmp_path) if name.startswith("@") else CORPUS / name  # absolute stays


def renders(case: dict[str, Any]) -> bool:
    """Cases that get as far as rendering: successes, render timeouts, the large files."""
    return case["exit"] in (0, 5) or case["file"].startswith("@")


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=[pytest.mark.slow] if renders(CASES[n]) else []) for n in sorted(CASES)],
)
def test_corpus_case(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    article = article_for(case, tmp_path)
    args = [arg.replace("@", str(CORPUS) + "/") for arg in case.get("args", [])]
    out = tmp_path / "dist"
    env = case.get("env", {})
    result = CliRunner(env=env).invoke(main, ["build", str(article), "-o", str(out), *args])
    assert result.exit_code == case["exit"], result.output
    assert "Traceback" not in result.output
    # Usage errors (exit 2) are reported by Click as "Error: ..."
    errors = [line for line in result.stderr.splitlines() if line.lower().startswith("error:")]
    if case["exit"]:
        (error,) = errors  # exactly one line
        assert case["error"] in error
        if "line" in case:
            assert f"{article}:{case['line']}: " in error
        if "hint" in case:
            assert case["hint"] in error
        written = [p for p in out.rglob("*") if p.is_file()] if out.exists() else []
        assert written == [], "a failed build left files behind"
        assert not (tmp_path / ".dist.partial").exists() or not any(
            (tmp_path / ".dist.partial").iterdir()
        )
        return
    assert errors == []
    assert any(p.suffix in (".pdf", ".epub") for p in out.iterdir())
    if "warning" in case:
        assert case["warning"] in result.stderr
    if "blocks" in case:
        with collecting():
            document = read_article(article)
        assert [block.type for block in document.blocks()] == case["blocks"]


def test_long_paragraph_is_one_paragraph_and_many_sections_are_numbered(tmp_path: Path) -> None:
    with collecting():
        long = read_article(generate("long-paragraph.md", tmp_path))
        many = read_article(generate("many-sections.txt", tmp_path))
    (block,) = list(long.blocks())
    assert block.content[0].text.count(" ") > 17_000  # type: ignore[union-attr]
    assert len(many.sections) == 5001
    assert many.sections[-1].number == "5000"
    assert len({s.id for s in many.sections}) == 5001


@pytest.mark.slow
def test_timeout_survives_an_alarm_swallowed_by_a_callback(tmp_path: Path) -> None:
    """A gc callback is running when the first alarm fires (hypothesis installs one; Pango
    calls back into Python too): that exception is swallowed, and the deadline must still
    stop the render soon after."""
    import gc
    import time

    from briefing import BuildOptions, build

    article = generate("many-sections.txt", tmp_path)

    def slow_callback(phase: str, info: dict[str, int]) -> None:
        end = time.monotonic() + 0.01
        while time.monotonic() < end:  # keep alarms likely to land in here
            pass

    gc.callbacks.append(slow_callback)
    try:
        started = time.monotonic()
        result = build(
            [article], out_dir=tmp_path / "out", options=BuildOptions(formats=("pdf",), timeout=2)
        )
        elapsed = time.monotonic() - started
    finally:
        gc.callbacks.remove(slow_callback)
    assert [f.message for f in result.failures] == [
        "rendering took longer than 2 s and was stopped"
    ]
    assert elapsed < 10
