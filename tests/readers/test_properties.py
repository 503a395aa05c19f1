"""Property tests: any input either reads to a model or raises the tool's own error,
carrying the file and (for content errors) the line; never another exception."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefing.errors import BriefingError
from briefing.model import Document
from briefing.readers import read_article
from briefing.report import collecting

# Lines built from the pieces the readers react to, so the interesting paths are hit.
PIECES = st.sampled_from(
    [
        "",
        " ",
        "---",
        "...",
        "title: T",
        "date: 2025-13-45",
        "- ",
        "- Label: text",
        "- : x",
        "* item",
        "1. first",
        "> quote",
        "| a | b |",
        "|---|---|",
        "|:--|--:|",
        "| 1 |",
        "| 1 | 2 | 3 |",
        "A heading",
        "A sentence.",
        "Intro:",
        "Table: Caption",
        "# H1",
        "## H2",
        "**Bold:** text",
        "[link](javascript:x)",
        "![i](file:///etc/passwd)",
        "{{ 7*7 }}",
        "{% include 'x' %}",
        "<script>x</script>",
        "\t",
        "\u00a0",
        "\u2028",
        "\ufeff",
        "é",
        "日本語の見出し",
        "\x0c",
    ]
)
LINES = st.lists(st.one_of(PIECES, st.text(max_size=40)), max_size=30)


def _check(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"article{suffix}"
        path.write_bytes(data)
        try:
            with collecting():
                document = read_article(path)
        except BriefingError as exc:
            assert exc.diagnostic.path == path
            assert exc.diagnostic.line is not None and exc.diagnostic.line >= 1
            assert exc.diagnostic.message
            return
        assert isinstance(document, Document)
        assert document.meta.title


SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(LINES, st.sampled_from([".txt", ".md"]), st.sampled_from(["\n", "\r\n", "\r"]))
def test_structured_lines(lines: list[str], suffix: str, newline: str) -> None:
    _check(newline.join(lines).encode("utf-8"), suffix)


@SETTINGS
@given(st.binary(max_size=300), st.sampled_from([".txt", ".md"]))
def test_arbitrary_bytes(data: bytes, suffix: str) -> None:
    _check(data, suffix)


@SETTINGS
@given(st.text(max_size=400), st.sampled_from([".txt", ".md"]))
def test_arbitrary_text(text: str, suffix: str) -> None:
    _check(text.encode("utf-8", "surrogatepass"), suffix)
