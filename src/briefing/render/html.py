"""Document -> HTML (for the PDF engine and for preview) and XHTML fragments (for the EPUB).

The only module that imports Jinja2. Templates are theme files run with autoescaping on;
article text only ever enters them as values, so ``{{ ... }}`` in an article is printed,
not evaluated. Inline content is turned into markup here in Python, where links get an
``href`` only for safe schemes.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from markupsafe import Markup, escape

from briefing.errors import InputError, ThemeError
from briefing.files import cache_root, private_folder, read_bounded
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
    CrossRef,
    Document,
    Emph,
    Figure,
    Image,
    Inlines,
    LineBreak,
    Link,
    ListBlock,
    Meta,
    Note,
    Paragraph,
    Section,
    Strong,
    Table,
    Takeaways,
    Text,
    block_inlines,
    nested_blocks,
    plain,
    walk_inlines,
)
from briefing.prose import sentences
from briefing.themes import Theme, builtin_root, builtin_themes, find_theme_file
from briefing.version import __version__

if TYPE_CHECKING:
    import jinja2

__all__ = [
    "PAPER_SIZES",
    "HtmlDocument",
    "InlineFormat",
    "TableLayout",
    "anchor_hrefs",
    "block_ids",
    "embedded",
    "figure_file",
    "heading_tags",
    "id_prefix",
    "image_data_uri",
    "inline_markup",
    "list_with_blocks",
    "render_compendium_html",
    "render_html",
    "render_stamp_html",
    "render_template",
    "section_notes",
    "table_layout",
    "web_url",
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


#: The word a cross-reference prints before its number (a message id of the i18n hook).
REF_WORDS = {"sec": "Section", "tbl": "Table", "fig": "Figure"}


@dataclass(frozen=True, slots=True)
class InlineFormat:
    """How inline nodes become markup in one output.

    :param output: ``"print"`` (HTML for WeasyPrint: a note floats to the foot of its
        page) or ``"epub"`` (a note is a ``noteref`` link; the notes themselves are listed
        at the end of the chapter, see :func:`section_notes`).
    :param hrefs: the href of every id that internal links and cross-references may
        point at (``"#tbl-costs"`` in print, ``"s-3.xhtml#tbl-costs"`` in an EPUB). A
        target not listed is shown as text, never as a broken link.
    :param messages: furniture words in the document's language.
    :param prefix: what the ids of one briefing start with when several share a document
        (a compendium): note ids get it, and targets are looked up with it.
    """

    output: Literal["print", "epub"] = "print"
    hrefs: Mapping[str, str] = field(default_factory=dict)
    messages: Messages = field(default_factory=lambda: messages_for("en"))
    prefix: str = ""


_STYLE_TAGS = {Emph: "em", Strong: "strong"}


def _link_runs(content: Inlines, styles: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    """A link's content flattened into ``("text", (tags, text))``, ``("br", None)`` and
    ``("note", Note)`` runs; ``tags`` are the elements that style the text."""
    for node in content:
        if isinstance(node, Text):
            yield "text", (styles, node.text)
        elif isinstance(node, Code):
            yield "text", ((*styles, "code"), node.text)
        elif isinstance(node, Emph | Strong):
            yield from _link_runs(node.children, (*styles, _STYLE_TAGS[type(node)]))
        elif isinstance(node, Link):
            yield from _link_runs(node.children, styles)
        elif isinstance(node, CrossRef):
            yield "text", (styles, plain((node,)))
        elif isinstance(node, LineBreak):
            yield "br", None
        elif isinstance(node, Note):
            yield "note", node


def _print_link(href: str, content: Inlines, fmt: InlineFormat) -> str:
    """A link as WeasyPrint 70 tags it correctly: nothing but text inside ``<a>``.

    Any element inside a link (``<em>``, ``<code>``, ``<br>``) leaves its annotation
    outside the Link structure element (PDF/UA-1 PDFUA1-LINK-LINK-TAG-001), so styled
    runs become ``<em><a>...</a></em>``, one ``<a>`` per run, and notes follow the link.
    """
    parts: list[str] = []
    notes: list[str] = []
    for kind, value in _link_runs(content):
        if kind == "br":
            parts.append("<br/>")
        elif kind == "note":
            notes.append(_note(value, fmt))
        else:
            tags, text = value
            markup = f'<a href="{escape(href)}">{escape(text)}</a>'
            for tag in reversed(tags):
                markup = f"<{tag}>{markup}</{tag}>"
            parts.append(markup)
    return "".join(parts + notes)


def _note(note: Note, fmt: InlineFormat) -> str:
    """A footnote at its call: floated to the page foot in print, a noteref in an EPUB."""
    n, p = note.number, fmt.prefix
    if note.repeat:
        # A second call of one note: the same number, linked to the note (printed once).
        if fmt.output == "epub":
            href = escape(fmt.hrefs.get(f"fn-{n}", f"#fn-{n}"))
            return (
                f'<a epub:type="noteref" role="doc-noteref" href="{href}" class="noteref">{n}</a>'
            )
        return f'<a class="footnote-call" href="#{p}fn-{n}">{n}</a>'
    if fmt.output == "epub":
        return (
            f'<a epub:type="noteref" role="doc-noteref" href="#fn-{n}" id="fnref-{n}"'
            f' class="noteref">{n}</a>'
        )
    return (
        f'<a class="footnote-call" href="#{p}fn-{n}" id="{p}fnref-{n}">{n}</a>'
        f'<span class="footnote" id="{p}fn-{n}" data-number="{n}">'
        f"{inline_markup(note.content, fmt)}</span>"
    )


#: Runs of this many characters without a space get break opportunities (``<wbr/>``)
#: every :data:`_BREAK_EVERY` characters: the engine's line breaking is quadratic in the
#: length of an unbreakable run (a 40,000-character word took ~50 s to lay out, 0.5 s so).
_LONG_RUN = re.compile(r"\S{48,}")
_BREAK_EVERY = 24


def breakable(text: str) -> Markup:
    """``text`` escaped, with ``<wbr/>`` inside very long unbroken runs (URLs, hashes,
    pasted data), so layout stays linear and the run can wrap inside the page."""
    parts: list[str] = []
    position = 0
    for match in _LONG_RUN.finditer(text):
        parts.append(str(escape(text[position : match.start()])))
        run = match.group(0)
        chunks = (run[i : i + _BREAK_EVERY] for i in range(0, len(run), _BREAK_EVERY))
        parts.append("<wbr/>".join(str(escape(chunk)) for chunk in chunks))
        position = match.end()
    parts.append(str(escape(text[position:])))
    return Markup("".join(parts))


def inline_markup(content: Inlines, fmt: InlineFormat | None = None) -> Markup:
    """Inline nodes as escaped (X)HTML; unsafe link targets are dropped, text kept.

    :param fmt: the output's conventions (notes, internal targets); by default print
        HTML in which internal links and cross-references are shown as text.
    """
    fmt = fmt or InlineFormat()
    parts: list[str] = []
    for node in content:
        if isinstance(node, Text):
            parts.append(breakable(node.text))
        elif isinstance(node, Code):
            parts.append(f"<code>{breakable(node.text)}</code>")
        elif isinstance(node, Emph | Strong):
            tag = _STYLE_TAGS[type(node)]
            parts.append(f"<{tag}>{inline_markup(node.children, fmt)}</{tag}>")
        elif isinstance(node, LineBreak):
            parts.append("<br/>")
        elif isinstance(node, Note):
            parts.append(_note(node, fmt))
        elif isinstance(node, CrossRef):
            parts.append(_cross_reference(node, fmt))
        elif isinstance(node, Link):
            parts.append(_link(node, fmt))
    return Markup("".join(parts))


def _link(node: Link, fmt: InlineFormat) -> str:
    target = node.target.strip()
    href = fmt.hrefs.get(fmt.prefix + target[1:]) if target.startswith("#") else target
    if href is None or not _SAFE_SCHEMES.match(target):
        return str(inline_markup(node.children, fmt))  # unsafe or unknown target: text
    if fmt.output == "print":
        return _print_link(href, node.children, fmt)
    # No link inside a link: notes follow it, cross-references inside it are text.
    inner = inline_markup(_without_notes(node.children), replace(fmt, hrefs={}))
    notes = [_note(n, fmt) for n in walk_inlines(node.children) if isinstance(n, Note)]
    return f'<a href="{escape(href)}">{inner}</a>' + "".join(notes)


def _without_notes(content: Inlines) -> Inlines:
    """Inline content with its notes left out (they are placed after a link)."""
    kept: list[Any] = []
    for node in content:
        if isinstance(node, Note):
            continue
        if isinstance(node, Emph | Strong | Link):
            kept.append(replace(node, children=_without_notes(node.children)))
        else:
            kept.append(node)
    return tuple(kept)


def _cross_reference(node: CrossRef, fmt: InlineFormat) -> str:
    """``Table 3`` linked to its target; in print followed by its page (see blocks.css)."""
    text = escape(f"{fmt.messages(REF_WORDS[node.kind])} {node.number}".rstrip())
    href = fmt.hrefs.get(fmt.prefix + node.target)
    if href is None:
        return str(text)
    if fmt.output == "print":
        page = escape(fmt.messages("page"))
        return f'<a class="xref" href="{escape(href)}" data-page="{page}">{text}</a>'
    return f'<a class="xref" href="{escape(href)}">{text}</a>'


def anchor_hrefs(document: Document, chapter: Mapping[str, str] | None = None) -> dict[str, str]:
    """The href of every id a link or cross-reference may target: sections, and tables
    and figures with an author's id.

    :param chapter: for an EPUB, the file of each section (by section id): a section's
        href is its file, a table's or figure's is ``file#id``. Without it, ``#id``.
        An EPUB also gets ``fn-N``: the note's place, for a repeated call of it.
    """
    hrefs: dict[str, str] = {}
    for section in document.sections:
        page = chapter[section.id] if chapter is not None else ""
        hrefs[section.id] = page or f"#{section.id}"
        for block in nested_blocks(section.blocks):
            if isinstance(block, Table | Figure) and block.id:
                hrefs.setdefault(block.id, f"{page}#{block.id}")
        if chapter is not None:
            # A note's text is listed in the chapter of its first call (see section_notes).
            for note in section_notes(section):
                hrefs[f"fn-{note.number}"] = f"{page}#fn-{note.number}"
    return hrefs


def section_notes(section: Section) -> list[Note]:
    """The notes called in one section, in reading order (the EPUB lists them at its end)."""
    return [
        node
        for block in nested_blocks(section.blocks)
        for content in block_inlines(block)
        for node in walk_inlines(content)
        if isinstance(node, Note) and not node.repeat
    ]


def list_with_blocks(block: ListBlock) -> bool:
    """Whether an item of the list holds a block other than a nested list (its markers
    are then drawn by the stylesheet, see blocks.css)."""
    return any(not isinstance(inner, ListBlock) for item in block.items for inner in item.blocks)


def heading_tags(document: Document) -> dict[str, int]:
    """The HTML heading rank (2-6) of each section: its level plus one, but never more
    than one below the previous heading's, so the tags never skip a level (PDF/UA)."""
    ranks: dict[str, int] = {}
    previous = 1  # the document title is the h1
    for section in document.toc:
        rank = max(2, min(section.level + 1, previous + 1, 6))
        ranks[section.id] = previous = rank
    return ranks


#: Values that count as a number in a table cell: an optional sign or currency, digits
#: with separators, an optional unit or percent; also ranges ("10–20") and parentheses.
_NUMBER = (
    r"[-−+±~≈<>]?\s?(?:[$€£¥]|US\$|[A-Z]{3}\s)?\s?[-−+]?"  # sign, currency
    r"\d[\d,.\u202f\u00a0' ]*"  # digits and separators
    r"(?:%|‰|pp|[kKMB]|bn|m|tn|x|×)?"  # unit
)
_NUMERIC = re.compile(rf"^\(?{_NUMBER}(?:\s?[–—-]\s?{_NUMBER})?\)?\*?$")
_PLACEHOLDER = {"", "-", "–", "—", "n/a", "na", "n.a.", "..", "…"}


@dataclass(frozen=True, slots=True)
class TableLayout:
    """How a table is set: decided from its content, in Python, once.

    :param numeric: per column, whether every non-empty body cell is a number.
    :param wide: six columns or more: a smaller size.
    :param landscape: too wide for a portrait page (eight columns or more, or long cell
        text in five or more): set on a landscape page of its own.
    """

    numeric: tuple[bool, ...]
    wide: bool
    landscape: bool

    @property
    def classes(self) -> str:
        """Classes for the table's wrapper."""
        return " ".join(
            name for name, on in (("wide", self.wide), ("landscape", self.landscape)) if on
        )


def table_layout(table: Table) -> TableLayout:
    """Numeric columns and the width class of a table (see :class:`TableLayout`)."""
    columns = max([len(table.header), *(len(row) for row in table.rows)], default=0)
    numeric = []
    for index in range(columns):
        values = [plain(row[index]).strip() for row in table.rows if index < len(row)]
        filled = [v for v in values if v.lower() not in _PLACEHOLDER]
        numeric.append(bool(filled) and all(_NUMERIC.match(v) for v in filled))
    longest = max((len(plain(cell)) for row in table.rows for cell in row), default=0)
    landscape = columns >= 8 or (columns >= 5 and longest > 120)
    return TableLayout(tuple(numeric), columns >= 6, landscape)


_IMAGE_SUFFIXES = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/svg+xml": ".svg",
}


def figure_file(figure: Figure) -> str:
    """The figure's image file name inside an EPUB (``images/<name>``): the reader's
    safe ``Image.name``, or one made from the figure's number."""
    name = figure.image.name
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name) and name != "cover.svg":
        return name
    return f"figure-{figure.number}{_IMAGE_SUFFIXES.get(figure.image.media_type or '', '')}"


def web_url(url: str) -> bool:
    """Whether an article's URL may become a link: ``http:`` and ``https:`` only."""
    return re.match(r"^https?://", url.strip(), re.IGNORECASE) is not None


def embedded(image: Image) -> bool:
    """Whether an image is embedded: it has bytes of one of the four image types."""
    return image.data is not None and image.media_type in _IMAGE_SUFFIXES


def image_data_uri(image: Image) -> str | None:
    """An embedded image as a ``data:`` URL (the PDF needs no file access), or ``None``."""
    if not embedded(image) or image.data is None:
        return None
    return f"data:{image.media_type};base64,{base64.b64encode(image.data).decode('ascii')}"


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


def _watermark_url(text: str, colour: str, language: str = "en") -> str:
    """A data: URL of a diagonal SVG watermark (fixed text from the tool, not the article).

    Drawn above the page's boxes, so its fill is light and mostly transparent: text under
    it stays readable (and keeps its contrast), yet it shows on the takeaways box too.
    The text is shaped for the language (SVG text places letters one by one).
    """
    fonts = escape(script_fonts(language).replace('"', "'"))
    text = shaped_for_svg(text, language)
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="210mm" height="297mm" '
        'viewBox="0 0 210 297">'
        f'<text x="105" y="160" text-anchor="middle" font-family="{fonts}" '
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

    folder = cache_root() / f"jinja-{__version__}-sandboxed"
    return jinja2.FileSystemBytecodeCache(str(folder)) if private_folder(folder) else None


#: The largest template file read (a guard against a planted huge or endless file).
MAX_TEMPLATE_BYTES = 1024 * 1024


def _loader_class() -> type:
    import jinja2
    from jinja2.loaders import split_template_path

    class ConfinedLoader(jinja2.BaseLoader):
        """Templates from a list of folders, first match wins, read by the one rule for
        theme files (:func:`~briefing.files.confined`) and a size bound."""

        def __init__(self, folders: tuple[Path, ...]) -> None:
            self.folders = folders

        def get_source(
            self, environment: jinja2.Environment, template: str
        ) -> tuple[str, str, Callable[[], bool]]:
            pieces = split_template_path(template)  # refuses ".." itself
            path = find_theme_file(self.folders, pieces, f"template '{template}'")
            if path is None:
                raise jinja2.TemplateNotFound(template)
            try:
                source = read_bounded(path, MAX_TEMPLATE_BYTES, what="template").decode()
            except UnicodeDecodeError:
                raise ThemeError("the template is not UTF-8 text", path=path) from None
            except InputError as exc:
                raise ThemeError(exc.diagnostic.message, path=path) from None
            mtime = path.stat().st_mtime_ns

            def uptodate() -> bool:
                try:
                    return path.stat().st_mtime_ns == mtime
                except OSError:
                    return False

            return source, str(path), uptodate

    return ConfinedLoader


def _confined_loader(folders: tuple[Path, ...]) -> Any:
    """A :class:`ConfinedLoader` (its class is made on first use: jinja2 loads lazily)."""
    return _loader_class()(folders)


def _inlines_filter(context: Any, content: Inlines, prefix: str = "") -> Markup:
    """The ``inlines`` template filter: :func:`inline_markup` with the render's
    ``inline_format`` (templates that import blocks.html ``with context`` see it) and
    the id prefix of the briefing being rendered (see :func:`id_prefix`)."""
    fmt = context.get("inline_format")
    fmt = fmt if isinstance(fmt, InlineFormat) else InlineFormat()
    return inline_markup(content, replace(fmt, prefix=prefix) if prefix else fmt)


def id_prefix(block_id: str | None) -> str:
    """The briefing prefix of a block id: ``"a--"`` for ``a--intro--3`` in a compendium,
    ``""`` for ``intro--3`` (block ids are ``<section-id>--<n>``; slugs never hold "--")."""
    parts = (block_id or "").split("--")
    return "--".join(parts[:-2]) + "--" if len(parts) > 2 else ""


@lru_cache(maxsize=8)
def _environment(theme: Theme) -> jinja2.Environment:
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    builtin = builtin_root() / "templates"
    jinja2.pass_context(_inlines_filter)  # marks the function (jinja2 is imported lazily)
    loader = jinja2.ChoiceLoader(
        [
            _confined_loader(theme.template_dirs),
            jinja2.PrefixLoader(
                {name: _confined_loader((builtin / name,)) for name in builtin_themes()}
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
    env.filters["inlines"] = _inlines_filter
    env.filters["data_uri"] = image_data_uri
    env.filters["without_notes"] = _without_notes
    env.filters["plain"] = plain
    env.filters["breakable"] = breakable
    env.globals["table_layout"] = table_layout
    env.globals["figure_file"] = figure_file
    env.globals["id_prefix"] = id_prefix
    env.globals["list_with_blocks"] = list_with_blocks
    env.globals["web_url"] = web_url
    env.globals["embedded"] = embedded
    env.globals["version"] = __version__
    # For theme templates that import blocks.html without context (written before it used
    # `_`): furniture words in English rather than a failed render.
    env.globals["_"] = messages_for("en")
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
    palette = theme.palette
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
        "marking_style": _marking_style(meta.marking, palette),
        "palette": palette,
        "brand": theme.brand,
        "draft": meta.status == "draft",
        "generator": f"briefing {__version__}",
        "_": messages,
        "direction": messages.direction,
        "inline_format": InlineFormat("print", anchor_hrefs(document), messages),
        "heading_tags": heading_tags(document),
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
        # The draft watermark is an overlay above the page's boxes (look_css), not a page
        # background, which the takeaways box would hide.
        watermark=None,
        language_css=language_css(theme, messages),
        date_iso=meta.date.isoformat() if meta.date else None,
        look_css=_look_css(
            theme, messages("DRAFT") if meta.status == "draft" else None, meta.language
        ),
        cover_page=theme.cover == "page",
        fit_css=None,
        **_takeaways_context(document, theme),
    )
    return context


def _look_css(theme: Theme, watermark: str | None, language: str = "en") -> Markup:
    """The ``<style>`` of a printed document: the palette (brand colours included), the
    brand's fonts and, for a draft, the watermark. Built from validated values only."""
    css = theme.palette_css()
    if watermark:
        url = _watermark_url(watermark, theme.palette["draft"], language)
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
        if isinstance(block, Takeaways)
        and set(block.items) <= set(shown)
        # the box leaves notes out: a list that calls one stays, or its note would be lost
        and not any(isinstance(n, Note) for i in block.items for n in walk_inlines(i.content))
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
    hrefs: dict[str, str] = {}
    ranks: dict[str, int] = {}
    for slug, document in documents:
        hrefs.update({f"{slug}--{i}": f"#{slug}--{i}" for i in anchor_hrefs(document)})
        ranks = heading_tags(document) | ranks
    context["inline_format"] = replace(context["inline_format"], hrefs=hrefs)
    context["heading_tags"] = ranks
    check_glyphs(compendium, theme, "".join(context["_"].catalogue.values()))
    context.update(
        briefings=[
            {
                "prefix": f"{slug}--",
                "document": document,
                "sections": block_ids(document),
                # each briefing in its own language: date, direction, hyphenation, fonts
                # (the compendium's own words stay in the edition's language)
                "date_label": date_label(
                    document.meta.date, messages_for(document.meta.language, theme)
                ),
                "language": document.meta.language,
                "direction": messages_for(document.meta.language, theme).direction,
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
