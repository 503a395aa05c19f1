"""Property test for the constructs of real briefs (issue 11): any mix of callouts, notes,
figures, ids and references reads to a model or raises the tool's own error with a line."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tests.readers.test_properties import SETTINGS, _check

PIECES = st.sampled_from(
    [
        "",
        "# Title",
        "## 1. Context {#sec-a}",
        "### 1.1 Scope",
        "#### Deep {-}",
        "# A. Annex {#sec-b}",
        "## Dup {#sec-a}",
        "## Bad {#Bad_Id}",
        "## Reserved {#contents}",
        "> [!NOTE] Title",
        "> [!WARNING]",
        "> [!SHOUT]",
        "> quote",
        ">",
        "> - item",
        '::: {.callout-tip title="T"}',
        "::: {.callout-note}",
        "::: {.columns}",
        "::: {#fig-a}",
        "::: {#tbl-a}",
        ":::",
        "::::",
        "Text[^1] and @sec-a, @tbl-a, [@fig-a], @sec-none, a@b.org.",
        "[^1]: A note.",
        "[^1]: Again.",
        "[^2]: Never called.",
        "    indented",
        "```",
        "```python",
        "Line\\",
        "Line  ",
        '![Caption](fig.png){#fig-a fig-alt="Alt"}',
        "![](missing.png)",
        "![x](https://example.org/x.png)",
        "![x](file:///etc/passwd){#fig-b}",
        "![x](../up.png)",
        "See ![inline](x.png) here.",
        "[missing](#nowhere)",
        "[_all italic_](https://example.org)",
        "| a | b[^1] |",
        "|---|---|",
        "| 1 | 2 |",
        "Table: Caption {#tbl-a}",
        "**Table 2: Bold caption**",
        "Table 9: Numbered",
        "- Label: text",
        "  - nested",
        "    1. deeper",
        "3. start",
        "- [ ] task",
    ]
)
LINES = st.lists(st.one_of(PIECES, st.text(max_size=20)), max_size=30)


@SETTINGS
@given(LINES, st.sampled_from(["\n", "\r\n"]))
def test_real_brief_constructs_never_crash(lines: list[str], newline: str) -> None:
    _check(newline.join(lines).encode("utf-8"), ".md")
