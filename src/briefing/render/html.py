"""Document -> HTML (for the PDF engine and for preview) and XHTML fragments (for the EPUB).

The only module that imports Jinja2. Templates are theme files run with autoescaping on;
article text only ever enters them as values, so ``{{ ... }}`` in an article is printed,
not evaluated. Inline content is turned into markup here in Python, where links get an
``href`` only for safe schemes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from markupsafe import Markup, escape

from briefing.errors import ThemeError
from briefing.fonts import check_glyphs
from briefing.i18n import (
    Messages,
    format_date,
    messages_for,
    page_css,
    script_fonts,
    shaped_for_svg,
)
from briefing.model import (
    Block,
    Code,
    Document,
    Emph,
    Inlines,
    Link,
    Meta,
    Paragraph,
    Section,
    Strong,
    Text,
    plain,
)
from briefing.prose import sentences
from briefing.themes import Theme
from briefing.version import __version__

if TYPE_CHECKING:
    import jinja2

__all__ = [
    "PAPER_SIZES",
    "HtmlDocument",
    "block_ids",
    "inline_markup",
    "render_compendium_html",
    "render_html",
    "render_stamp_html",
    "render_template",
]

#: Paper names accepted by ``--paper`` and their CSS ``size`` values.
PAPER_SIZES = {"a4": "A4", "letter": "letter", "a5": "A5", "legal": "legal"}

_SAFE_SCHEMES = re.compile(r"^(https?:|mailto:|#)", re.IGNORECASE)

#: Banner colours (text, background) for well-known markings; anything else is neutral.
#: Values come from this table only, never from article text.
_MARKING_COLOURS = {
    "tlp:red": ("#ffffff", "#c8102e"),
    "tlp:amber": ("#000000", "#ffc000"),
    "tlp:amber+strict": ("#000000", "#ffc000"),
    "tlp:green": ("#ffffff", "#2e7d32"),
    "tlp:clear": ("#000000", "#ffffff"),
    "tlp:white": ("#000000", "#ffffff"),
    "unclassified": ("#ffffff", "#2e7d32"),
    "official": ("#ffffff", "#2e7d32"),
    "official-sensitive": ("#ffffff", "#1d4f91"),
    "confidential": ("#ffffff", "#1d4f91"),
    "restricted": ("#000000", "#ffc000"),
    "secret": ("#ffffff", "#c8102e"),
    "top secret": ("#000000", "#f28c28"),
    "draft": ("#ffffff", "#5f6b7a"),
}


def inline_markup(content: Inlines) -> Markup:
    """Inline nodes as escaped (X)HTML; unsafe link targets are dropped, text kept."""
    parts: list[str] = []
    for node in content:
        if isinstance(node, Text):
            parts.append(str(escape(node.text)))
        elif isinstance(node, Code):
            parts.append(f"<code>{escape(node.text)}</code>")
        elif isinstance(node, Emph):
            parts.append(f"<em>{inline_markup(node.children)}</em>")
        elif isinstance(node, Strong):
            parts.append(f"<strong>{inline_markup(node.children)}</strong>")
        elif isinstance(node, Link):
            inner = inline_markup(node.children)
            if _SAFE_SCHEMES.match(node.target.strip()):
                parts.append(f'<a href="{escape(node.target.strip())}">{inner}</a>')
            else:
                parts.append(str(inner))
    return Markup("".join(parts))


def block_ids(document: Document) -> list[tuple[Section, list[tuple[str, Block]]]]:
    """Sections with a stable id for each block (``<section-id>--<n>``; slugs never hold "--").

    The PDF carries these ids as anchors; the EPUB writer uses them to place page-break
    markers at the PDF's real page boundaries.
    """
    return [
        (section, [(f"{section.id}--{i}", block) for i, block in enumerate(section.blocks, 1)])
        for section in document.sections
    ]


def _marking_style(marking: str | None) -> dict[str, str] | None:
    if not marking:
        return None
    fg, bg = _MARKING_COLOURS.get(" ".join(marking.lower().split()), ("#ffffff", "#3a4450"))
    return {"color": fg, "background": bg, "border": "#000000" if bg == "#ffffff" else bg}


def _watermark_url(text: str, language: str = "en") -> str:
    """A data: URL of a faint diagonal SVG watermark (fixed text from the tool, not the article)."""
    fonts = escape(script_fonts(language).replace('"', "'"))
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="210mm" height="297mm" '
        'viewBox="0 0 210 297">'
        f'<text x="105" y="160" text-anchor="middle" font-family="{fonts}" '
        'font-weight="700" font-size="46" fill="#b0b7c3" fill-opacity="0.28" '
        f'transform="rotate(-45 105 148)">{escape(text)}</text></svg>'
    )
    return "data:image/svg+xml," + quote(svg)


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept between runs (keyed by each template's checksum), so a
    one-article build does not spend most of its start-up compiling templates.

    In ``$BRIEFING_CACHE_DIR`` or ``$XDG_CACHE_HOME/briefing``; none when not writable.
    """
    import jinja2

    base = os.environ.get("BRIEFING_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "briefing"
    )
    folder = os.path.join(base, f"jinja-{__version__}")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(folder) if os.access(folder, os.W_OK) else None


@lru_cache(maxsize=8)
def _environment(theme: Theme) -> jinja2.Environment:
    import jinja2

    loader = jinja2.ChoiceLoader(
        [
            jinja2.FileSystemLoader([str(d) for d in theme.template_dirs]),
            jinja2.PrefixLoader(
                {theme.base: jinja2.FileSystemLoader(str(theme.builtin_template_dir))}
            ),
        ]
    )
    env = jinja2.Environment(
        loader=loader,
        bytecode_cache=_bytecode_cache(),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["inlines"] = inline_markup
    env.globals["version"] = __version__
    return env


def render_template(theme: Theme, name: str, context: dict[str, Any]) -> str:
    """Render one theme template; template errors become :class:`ThemeError` with file:line."""
    import jinja2

    try:
        return _environment(theme).get_template(name).render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise ThemeError(
            f"template error: {exc.message}", path=exc.filename or name, line=exc.lineno
        ) from None
    except jinja2.TemplateNotFound as exc:
        raise ThemeError(
            f"the theme '{theme.name}' has no template '{exc.name}'",
            hint=f"looked in: {', '.join(str(d) for d in theme.template_dirs)}",
        ) from None
    except jinja2.UndefinedError as exc:
        raise ThemeError(f"template '{name}' failed: {exc.message}") from None


def date_label(date: dt.date | None, messages: Messages | None = None) -> str | None:
    """A date as printed on the page, in the document's language: ``20 August 2025``,
    ``20 августа 2025 г.``, ``2025年8月20日`` (see :func:`briefing.i18n.format_date`)."""
    return format_date(date, messages or messages_for("en")) if date else None


def language_css(theme: Theme, messages: Messages) -> Markup:
    """The theme's language rules (``languages.css``, and ``rtl.css`` for a right-to-left
    document) with the page furniture in the document's language, for a ``<style>``.

    Theme files and catalogue text (CSS-escaped), never article text.
    """
    parts = [theme.style("languages.css").read_text("utf-8")]
    if messages.rtl:
        parts.append(theme.style("rtl.css").read_text("utf-8"))
    parts.append(page_css(messages))
    return Markup("\n".join(parts).replace("</", "<\\/"))


def lede_sentence(document: Document, limit: int = 240) -> str | None:
    """The lede's first sentence, a fallback description when no summary is given."""
    for section in document.sections[:1]:
        for block in section.blocks:
            parts = sentences(plain(block.content)) if isinstance(block, Paragraph) else []
            if section.is_lede and parts:
                sentence = parts[0]
                return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"
    return None


def common_context(document: Document, theme: Theme) -> dict[str, Any]:
    """What every template (PDF and EPUB) gets about the document."""
    meta = document.meta
    messages = messages_for(meta.language, theme)
    return {
        "document": document,
        "meta": meta,
        "authors": meta.authors or ((meta.organisation,) if meta.organisation else ()),
        "description": meta.summary or lede_sentence(document),
        "sections": block_ids(document),
        "takeaways": document.takeaways,
        "toc": document.toc,
        "toc_entries": [(section, f"#{section.id}") for section in document.toc],
        "show_contents": len(document.toc) >= theme.contents_from,
        "date_label": date_label(meta.date, messages),
        "marking_style": _marking_style(meta.marking),
        "generator": f"briefing {__version__}",
        "_": messages,
        "direction": messages.direction,
    }


def _print_context(
    document: Document, theme: Theme, paper: str, stylesheet_href: str | None
) -> dict[str, Any]:
    """The context of a printed document: :func:`common_context` plus page furniture."""
    if paper not in PAPER_SIZES:
        raise ThemeError(
            f"unknown paper size '{paper}'", hint=f"use one of: {', '.join(PAPER_SIZES)}"
        )
    meta = document.meta
    context = common_context(document, theme)
    messages = context["_"]
    context.update(
        paper=PAPER_SIZES[paper],
        stylesheet_href=stylesheet_href,
        language_css=language_css(theme, messages),
        watermark=_watermark_url(shaped_for_svg(messages("DRAFT"), meta.language), meta.language)
        if meta.status == "draft"
        else None,
        date_iso=meta.date.isoformat() if meta.date else None,
    )
    return context


@dataclass(frozen=True, slots=True)
class HtmlDocument:
    """Rendered HTML ready for WeasyPrint, with what is needed to render it safely.

    :param html: the HTML text.
    :param theme: the theme it came from (its folders are the only ones readable).
    :param stylesheet: the theme stylesheet to render it with.
    :param digest: a hash of everything that determines the output (the PDF identifier).
    """

    html: str
    theme: Theme
    stylesheet: str
    digest: str
    document: Document


def render_html(
    document: Document,
    *,
    theme: Theme,
    paper: str = "a4",
    stylesheet_href: str | None = None,
    template: str = "briefing.html",
    extra_context: dict[str, Any] | None = None,
) -> HtmlDocument:
    """Render the briefing's HTML.

    :param paper: a key of :data:`PAPER_SIZES`.
    :param stylesheet_href: when set, the HTML links its stylesheet there (a standalone
        preview); when not, the PDF renderer supplies the parsed stylesheet itself.
    :param extra_context: more template values (e.g. a recipient stamp).
    """
    context = _print_context(document, theme, paper, stylesheet_href)
    check_glyphs(document, theme, "".join(context["_"].catalogue.values()))
    context["recipient"] = None
    context.update(extra_context or {})
    html = render_template(theme, template, context)
    stylesheet = "briefing.css"
    digest = hashlib.sha256(html.encode()).hexdigest()
    return HtmlDocument(html, theme, stylesheet, digest, document)


def render_compendium_html(
    documents: list[tuple[str, Document]],
    meta: Meta,
    *,
    theme: Theme,
    paper: str = "a4",
) -> HtmlDocument:
    """One HTML document holding several briefings (an edition's compendium).

    :param documents: ``(slug, document)`` pairs, in order; slugs prefix every id.
    :param meta: the compendium's own metadata (title, marking, date, ...).
    """
    compendium = Document(meta=meta, sections=())
    context = _print_context(compendium, theme, paper, None)
    check_glyphs(compendium, theme, "".join(context["_"].catalogue.values()))
    context.update(
        briefings=[
            {
                "prefix": f"{slug}--",
                "document": document,
                "sections": block_ids(document),
                "date_label": date_label(document.meta.date, context["_"]),
            }
            for slug, document in documents
        ],
    )
    html = render_template(theme, "compendium.html", context)
    return HtmlDocument(
        html, theme, "briefing.css", hashlib.sha256(html.encode()).hexdigest(), compendium
    )


def render_stamp_html(
    stamps: list[str], *, theme: Theme, paper: str, language: str, date: dt.date | None
) -> HtmlDocument:
    """A sheet of recipient stamps, one page each (see :mod:`briefing.postprocess`)."""
    messages = messages_for(language, theme)
    context = {
        "stamps": stamps,
        "paper": PAPER_SIZES[paper],
        "language": language,
        "direction": messages.direction,
        "_": messages,
    }
    html = render_template(theme, "stamp.html", context)
    meta = Meta(title=messages("Recipient stamps"), language=language, date=date)
    digest = hashlib.sha256(html.encode()).hexdigest()
    return HtmlDocument(html, theme, "stamp.css", digest, Document(meta=meta, sections=()))
