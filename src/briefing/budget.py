"""The page budget: ``max_pages`` (front matter, ``briefing.toml`` or ``-M max_pages=2``).

A PDF over its budget gets a warning ("4 pages, over the 2-page budget"), an error with
``--strict``. With ``fit = true`` the PDF is first rendered again with, in order, tighter
leading and then a smaller body size, each within set bounds (a small stylesheet added
after the theme's), and the build report says which one made it fit, or that none did.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from briefing.errors import Diagnostic, OutputError
from briefing.model import Meta
from briefing.report import warn

if TYPE_CHECKING:
    from briefing.render.pdf import RenderedPdf

__all__ = ["FIT_STEPS", "within_budget"]

_LEADING = "html, section.lede, .summary {{ line-height: {0}; }}"
_SIZE = "html {{ font-size: {0}pt; }} section.lede {{ font-size: {1}pt; }}"

#: What ``fit`` tries, in order: (what the report says, the stylesheet). The bounds: leading
#: no tighter than 1.35 (the theme's is 1.5), body text no smaller than 9 pt (from 10 pt).
FIT_STEPS: tuple[tuple[str, str], ...] = (
    ("tighter leading (1.42)", _LEADING.format(1.42)),
    ("tighter leading (1.35)", _LEADING.format(1.35)),
    (
        "tighter leading (1.35) and 9.5 pt body text",
        _LEADING.format(1.35) + _SIZE.format(9.5, 10.5),
    ),
    ("tighter leading (1.35) and 9 pt body text", _LEADING.format(1.35) + _SIZE.format(9, 10)),
)


def within_budget(
    meta: Meta, render: Callable[[str | None], RenderedPdf], *, strict: bool = False
) -> RenderedPdf:
    """Render the PDF, and fit it to ``meta.max_pages`` when asked.

    :param render: renders the PDF with an extra stylesheet (``None``: none).
    :param strict: over the budget (after fitting) is an error.
    :returns: the first rendering within the budget; else the plain one (with a warning).
    :raises OutputError: over the budget with ``strict``.
    """
    rendered = render(None)
    budget = meta.max_pages
    if budget is None or rendered.pages <= budget:
        return rendered
    tried: list[str] = []
    last = rendered
    if meta.fit:
        for label, css in FIT_STEPS:
            last = render(css)
            tried.append(label)
            if last.pages <= budget:
                warn(
                    Diagnostic(
                        f"fit: {last.pages} pages with {label}, within the {budget}-page "
                        f"budget (was {rendered.pages} pages)",
                        meta.source,
                    )
                )
                return last
    message = f"{rendered.pages} pages, over the {budget}-page budget"
    if tried:
        message += f" (fit tried {', '.join(tried)}: still {last.pages} pages)"
    hint = "shorten the text, raise max_pages" + ("" if meta.fit else ", or set fit = true")
    if strict:
        raise OutputError(message, path=meta.source, hint=hint)
    warn(Diagnostic(message, meta.source, None, hint))
    return rendered
