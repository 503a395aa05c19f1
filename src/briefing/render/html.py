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
import stat
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from markupsafe import Markup, escape

from briefing.errors import ThemeError
from briefing.i18n import messages_for
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
    Takeaways,
    Text,
    plain,
)
from briefing.prose import sentences
from briefing.themes import Theme, builtin_root, builtin_themes
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

#: Banner colours (text, fill) for well-known markings, as palette variables (see the theme's
#: palette.css); anything else is neutral. Values come from the palette only, never from
#: article text.
_MARKING_COLOURS = {
    "tlp:red": ("marking-dark", "marking-red"),
    "tlp:amber": ("marking-light", "marking-amber"),
    "tlp:amber+strict": ("marking-light", "marking-amber"),
    "tlp:green": ("marking-dark", "marking-green"),
    "tlp:clear": ("marking-light", "paper"),
    "tlp:white": ("marking-light", "paper"),
    "unclassified": ("marking-dark", "marking-green"),
    "official": ("marking-dark", "marking-green"),
    "official-sensitive": ("marking-dark", "marking-blue"),
    "confidential": ("marking-dark", "marking-blue"),
    "restricted": ("marking-light", "marking-amber"),
    "secret": ("marking-dark", "marking-red"),
    "top secret": ("marking-light", "marking-orange"),
    "draft": ("marking-dark", "marking-grey"),
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


def _marking_style(marking: str | None, palette: dict[str, str]) -> dict[str, str] | None:
    if not marking:
        return None
    fg, bg = _MARKING_COLOURS.get(
        " ".join(marking.lower().split()), ("marking-dark", "marking-neutral")
    )
    colour, fill = palette[fg], palette[bg]
    return {
        "color": colour,
        "background": fill,
        "border": colour if fill.lower() == palette["paper"].lower() else fill,
    }


def _watermark_url(text: str, colour: str) -> str:
    """A data: URL of a diagonal SVG watermark (fixed text from the tool, not the article).

    Drawn above the page's boxes, so its fill is light and mostly transparent: text under
    it stays readable (and keeps its contrast), yet it shows on the takeaways box too.
    """
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="210mm" height="297mm" '
        'viewBox="0 0 210 297">'
        '<text x="105" y="160" text-anchor="middle" font-family="Inter, sans-serif" '
        f'font-weight="700" font-size="46" fill="{escape(colour)}" fill-opacity="0.13" '
        f'transform="rotate(-45 105 148)">{escape(text)}</text></svg>'
    )
    return "data:image/svg+xml," + quote(svg)


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept between runs (keyed by each template's checksum), so a
    one-article build does not spend most of its start-up compiling templates (about 25 ms
    of a seed build here).

    Cached bytecode is code that runs, so the folder is used only when it is this user's
    own, not a symlink, and closed to others (mode 0700): ``$BRIEFING_CACHE_DIR`` or
    ``$XDG_CACHE_HOME/briefing``, one subfolder per version of the tool and of the sandbox.
    Anything else means no cache, never an error.
    """
    import jinja2

    base = os.environ.get("BRIEFING_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "briefing"
    )
    folder = os.path.join(base, f"jinja-{__version__}-sandboxed")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        info = os.lstat(folder)
    except OSError:
        return None
    private = (
        stat.S_ISDIR(info.st_mode)
        and info.st_uid == os.getuid()
        and not info.st_mode & (stat.S_IRWXG | stat.S_IRWXO)
    )
    return jinja2.FileSystemBytecodeCache(folder) if private else None


@lru_cache(maxsize=8)
def _environment(theme: Theme) -> jinja2.Environment:
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    builtin = builtin_root() / "templates"
    loader = jinja2.ChoiceLoader(
        [
            jinja2.FileSystemLoader([str(d) for d in theme.template_dirs]),
            jinja2.PrefixLoader(
                {name: jinja2.FileSystemLoader(str(builtin / name)) for name in builtin_themes()}
            ),
        ]
    )
    # Themes are files a user may have been given: templates run sandboxed, with only the
    # context the tool passes (no attribute access to Python internals, no mutation).
    env = ImmutableSandboxedEnvironment(
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
    import jinja2.sandbox

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
    except jinja2.exceptions.SecurityError as exc:
        path, line = _template_frame(exc, name)
        raise ThemeError(
            f"template '{name}' tried something the sandbox forbids: {exc}",
            path=path,
            line=line,
            hint="templates may only use the values the tool passes them",
        ) from None
    except (jinja2.TemplateError, ArithmeticError, LookupError, TypeError, ValueError) as exc:
        # A runtime error inside a template (a theme file): name its line, never a traceback.
        path, line = _template_frame(exc, name)
        message = exc.message if isinstance(exc, jinja2.TemplateError) else str(exc)
        raise ThemeError(f"template '{name}' failed: {message}", path=path, line=line) from None


def _template_frame(exc: BaseException, name: str) -> tuple[str, int | None]:
    """The template file and line where ``exc`` was raised (Jinja maps its frames to them)."""
    path, line = name, None
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".xhtml", ".svg", ".xml", ".css")):
            path, line = filename, tb.tb_lineno
        tb = tb.tb_next
    return path, line


def date_label(date: dt.date | None) -> str | None:
    """A date as printed on the page: ``20 August 2025``."""
    return f"{date.day} {date:%B %Y}" if date else None


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
    palette = theme.palette
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
        "date_label": date_label(meta.date),
        "marking_style": _marking_style(meta.marking, palette),
        "palette": palette,
        "brand": theme.brand,
        "draft": meta.status == "draft",
        "generator": f"briefing {__version__}",
        "_": messages_for(meta.language),
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
    context.update(
        paper=PAPER_SIZES[paper],
        stylesheet_href=stylesheet_href,
        # The draft watermark is an overlay above the page's boxes (look_css), not a page
        # background, which the takeaways box would hide.
        watermark=None,
        date_iso=meta.date.isoformat() if meta.date else None,
        look_css=_look_css(theme, context["_"]("DRAFT") if meta.status == "draft" else None),
        cover_page=theme.cover == "page",
        fit_css=None,
        **_takeaways_context(document, theme),
    )
    return context


def _look_css(theme: Theme, watermark: str | None) -> Markup:
    """The ``<style>`` of a printed document: the palette (brand colours included), the
    brand's fonts and, for a draft, the watermark. Built from validated values only."""
    css = theme.palette_css()
    if watermark:
        url = _watermark_url(watermark, theme.palette["draft"])
        css += f'\n.watermark {{ background-image: url("{url}"); }}'
    return Markup(css.replace("</", "<\\/"))


def _takeaways_context(document: Document, theme: Theme) -> dict[str, Any]:
    """The takeaways the box on page 1 shows (at most ``theme.takeaways_max``), and the ids
    of body lists it makes redundant: a takeaways list of the lede or of the first headed
    section, which would follow the box at once, gives way to a pointer to the box when the
    box shows all of it."""
    shown = document.takeaways[: theme.takeaways_max]
    first = [s for s in document.sections if s.is_lede][:1] + list(document.toc[:1])
    hidden = {
        f"{section.id}--{index}"
        for section in first
        for index, block in enumerate(section.blocks, 1)
        if isinstance(block, Takeaways) and set(block.items) <= set(shown)
    }
    return {
        "box_takeaways": shown,
        "more_takeaways": len(document.takeaways) - len(shown),
        "hidden_blocks": hidden,
    }


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
    context.update(
        briefings=[
            {
                "prefix": f"{slug}--",
                "document": document,
                "sections": block_ids(document),
                "date_label": date_label(document.meta.date),
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
    context = {
        "stamps": stamps,
        "paper": PAPER_SIZES[paper],
        "language": language,
        "_": messages_for(language),
    }
    html = render_template(theme, "stamp.html", context)
    meta = Meta(title="Recipient stamps", language=language, date=date)
    digest = hashlib.sha256(html.encode()).hexdigest()
    return HtmlDocument(html, theme, "stamp.css", digest, Document(meta=meta, sections=()))
