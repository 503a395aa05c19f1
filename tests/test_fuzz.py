"""A fuzz target kept in the suite: article text built from the syntax both readers know,
mixed with arbitrary Unicode, must read to a document or fail with one clear
:class:`~briefing.errors.BriefingError` (never another exception), and the HTML rendered
from it holds no active markup and every heading it read.

A short run is part of the fast suite; ``-m slow`` runs a longer one. Both draw the same
examples on every run (tests/conftest.py); ``HYPOTHESIS_PROFILE=explore`` draws new ones.
Every crash found so far is also a case of the bad-input corpus
(tests/fixtures/corpus/cases.toml).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html

from briefing.errors import BriefingError
from briefing.readers import read_article
from briefing.render.html import render_html
from briefing.report import collecting
from briefing.themes import load_theme

#: Pieces of both formats' syntax, and characters that broke the tool before.
FRAGMENTS = [
    "\n", "\n\n", "# ", "## ", "#### ", "- ", "  - ", "    ", "\t", "1. ", "3) ", "> ", ">\n",
    "| a | b |\n|---|--:|\n| 1 | 2 |\n", "|", "```\n", "```python\n", "~~~\n", "*", "**", "_",
    "`", "[x](", "](#", ")", "![alt](", "img.png", "[^1]", "[^1]: ", "{#sec-a}", "{#tbl-x}",
    "@sec-a", "@tbl-x", "@fig-x", ":::", "::: {.callout-note}\n", "> [!NOTE]\n", "> [!WARNING]",
    "Table: ", "Figure: ", "Label: text", "Phone: 123", "---\n", "title: x\n", "date: 0000-00-00\n",
    "By Jane Smith", "Date: 20 August 2025", "Source: ", "http://example.org/a", "?", ".",
    "Key takeaways", "\\", "  \n", "<script>alert(1)</script>", "{{ 7*7 }}", "{% raw %}",
    "\u2028", "\u2029", "\u0085", "\x0c", "\ufffe", "\x00", "\ud7ff", "\u200b", "\u202e",
    "😀", "李伟", "مرحبا", "Анна",
]  # fmt: skip

ARTICLES = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=40).map(
    "".join
)

ACTIVE = ("script", "iframe", "object", "embed", "form", "input", "base", "meta[@http-equiv]")


def _check(text: str, suffix: str) -> None:
    data = text.encode("utf-8", "surrogatepass")
    try:
        with collecting():
            document = read_article(Path(f"fuzz{suffix}"), data=data)
    except BriefingError:
        return  # refused with a clear message: fine
    with collecting():
        page = render_html(document, theme=load_theme("brief")).html
    tree = lxml_html.fromstring(page.encode())
    for selector in ACTIVE:
        assert not tree.xpath(f"//{selector}"), f"active markup <{selector}> in the HTML"
    for link in tree.iter("a"):
        href = link.get("href")
        assert href is None or href.startswith(("http://", "https://", "mailto:", "#")), href
    shown = " ".join(tree.text_content().split())
    for section in document.toc:
        heading = " ".join((section.heading or "").split())
        assert heading in shown, f"heading {heading!r} is not in the page"


@pytest.mark.parametrize("suffix", [".md", ".txt"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=ARTICLES)
def test_readers_and_html_never_crash(suffix: str, text: str) -> None:
    _check(text, suffix)


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".md", ".txt"])
@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=ARTICLES)
def test_readers_and_html_never_crash_long_run(suffix: str, text: str) -> None:
    _check(text, suffix)
