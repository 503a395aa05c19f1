"""Document -> EPUB 3 with ebooklib: the only module that imports it.

Reading order: a generated cover (SVG, with alt text), a title page, the key takeaways, the
lede, then one XHTML document per section. The package carries EPUB Accessibility 1.1
metadata, a nav document with toc and landmarks, an NCX, and, when a PDF was rendered in the
same run, a page-list whose numbers are the PDF's printed page numbers.

ebooklib is not reproducible on its own (random identifier, ``now()`` in the zip and in
``dcterms:modified``), so the identifier is derived from the article, the dates from the
article or SOURCE_DATE_EPOCH, and the archive is re-packed with fixed entry times.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import textwrap
import uuid
import zipfile
from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from briefing.errors import OutputError
from briefing.model import Document, Section
from briefing.render.html import (
    InlineFormat,
    anchor_hrefs,
    block_ids,
    common_context,
    embedded,
    figure_file,
    render_template,
    section_notes,
)
from briefing.render.pdf import source_date_epoch
from briefing.themes import Theme

__all__ = ["book_identifier", "page_breaks", "render_epub"]

logger = logging.getLogger(__name__)
_NAMESPACE = uuid.UUID("6f1c3f0e-9a57-4c1e-b1f4-1f0c6a2b8e11")

#: Fixed zip entry time (the earliest a zip can hold); real dates live in the metadata.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def book_identifier(document: Document) -> str:
    """The EPUB ``dc:identifier``: the article's own ``identifier`` or a UUID derived from
    its file name and title, so rebuilding the same article keeps the same identifier."""
    meta = document.meta
    if meta.identifier:
        return meta.identifier
    name = meta.source.name if meta.source else ""
    # A language edition's book differs from the original even where the title does not.
    language = "" if meta.language == "en" else f"/{meta.language}"
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{name}/{meta.title}{language}')}"


_PAGEBREAK = (
    '<span epub:type="pagebreak" role="doc-pagebreak" id="page_{0}" aria-label="{1}"></span>'
)


def page_breaks(
    document: Document, anchor_pages: Mapping[str, int], labels: list[str]
) -> dict[str, Markup]:
    """Page-break markers keyed by the element id they precede.

    Their ids (``page_<label>``) hold an underscore, which no slug does, so they never
    equal a section's or a block's id in the same document.

    :param anchor_pages: the PDF page (1-based) of each HTML id, from the PDF render.
    :param labels: the printed label of each PDF page.
    :returns: for page *n*, a marker before the first element (in reading order) that
        starts on page *n* or later; the cover page's marker starts the title page.
    """
    order = ["title-page"] + [
        ident
        for section, items in block_ids(document)
        for ident in ([] if section.is_lede else [section.id]) + [i for i, _ in items]
    ]
    pages = {"title-page": 1, **anchor_pages}
    markers: dict[str, list[str]] = {}
    position = 0
    for page, label in enumerate(labels, 1):
        while position < len(order) and pages.get(order[position], 0) < page:
            position += 1
        if position == len(order):
            break
        markers.setdefault(order[position], []).append(label)
    return {
        ident: Markup("").join(Markup(_PAGEBREAK).format(_page_id(label), label) for label in found)
        for ident, found in markers.items()
    }


def _page_id(label: str) -> str:
    """An ASCII id part for a page label in any script ("Обложка" -> "Oblozhka")."""
    from anyascii import anyascii

    return re.sub(r"[^A-Za-z0-9]+", "-", anyascii(label)).strip("-") or "page"


def _lines(text: str | None, width: int, limit: int) -> list[str]:
    lines = textwrap.wrap(text or "", width)
    if len(lines) > limit:
        lines = lines[:limit]
        lines[-1] = lines[-1].rstrip(" .,;:") + "…"
    return lines


def _cover_svg(theme: Theme, context: dict[str, Any]) -> bytes:
    meta = context["meta"]
    context = dict(
        context,
        title_lines=_lines(meta.title, 20, 5),
        subtitle_lines=_lines(meta.subtitle, 40, 3),
        marking_width=min(1400, 120 + 30 * len(meta.marking or "")),
    )
    return render_template(theme, "cover.svg", context).encode()


def _repack(data: bytes, language: str, direction: str = "ltr") -> bytes:
    """Rewrite the archive: ``mimetype`` first and stored, fixed times and attributes,
    ``xml:lang`` on the OPF ``<package>`` (ebooklib leaves it off), and, for a right-to-left
    book, ``dir="rtl"`` on every XHTML root (ebooklib sets it on the nav's body only)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        names = ["mimetype"] + [n for n in source.namelist() if n != "mimetype"]
        for name in names:
            content = source.read(name)
            if name.endswith(".opf"):
                content = content.replace(
                    b"<package ", f'<package xml:lang="{language}" '.encode(), 1
                )
            if name.endswith("nav.xhtml"):
                content = _page_list_only_pages(content)
            if name.endswith(".xhtml") and direction == "rtl":
                content = re.sub(rb"<html(?![^>]*\sdir=)", b'<html dir="rtl"', content, count=1)
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.create_system = 3
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            target.writestr(info, content, compresslevel=None if name == "mimetype" else 6)
    return out.getvalue()


def _page_list_only_pages(nav: bytes) -> bytes:
    """Keep only page-break markers in the nav's page-list.

    ebooklib lists every element with both ``epub:type`` and ``id`` as a page, which
    would make each note reference and footnote a "page"; page markers' ids start with
    ``page_`` (see :func:`page_breaks`).
    """
    if b"page-list" not in nav:
        return nav
    from lxml import etree  # type: ignore[import-untyped]

    root = etree.fromstring(nav)
    ns = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}
    for link in root.iterfind(".//x:nav[@epub:type='page-list']//x:li/x:a", ns):
        if "#page_" not in (link.get("href") or ""):
            item = link.getparent()
            item.getparent().remove(item)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))


def _add_figures(book: Any, document: Document) -> None:
    """Each embedded figure image as a manifest item, ``images/<name>`` (once per name).

    :raises OutputError: when two different images share a name (one would be lost).
    """
    from ebooklib import epub

    added: dict[str, bytes] = {}
    for index, figure in enumerate(document.figures, 1):
        name, data = figure_file(figure), figure.image.data
        if not embedded(figure.image) or data is None or added.get(name) == data:
            continue
        if name in added:
            raise OutputError(
                f"two different images are both called '{name}' in the EPUB",
                path=document.meta.source,
                line=figure.line or None,
                hint="this is a bug in the reader that named them; please report it",
            )
        added[name] = data
        book.add_item(
            epub.EpubItem(
                uid=f"figure-{index}",
                file_name=f"images/{name}",
                media_type=figure.image.media_type,
                content=figure.image.data,
            )
        )


def render_epub(
    document: Document,
    *,
    theme: Theme,
    anchor_pages: Mapping[str, int] | None = None,
    page_labels: list[str] | None = None,
    pdf_name: str | None = None,
) -> bytes:
    """Render the EPUB and return its bytes.

    :param anchor_pages: from the PDF render of the same document; with ``page_labels``
        it adds a page-list matching the PDF's printed page numbers.
    :param page_labels: the printed label of each PDF page.
    :param pdf_name: the PDF's file name, recorded as the page-list's ``dc:source``.
    """
    from ebooklib import epub

    meta = document.meta
    context = common_context(document, theme)
    chapters = {section.id: f"{section.id}.xhtml" for section in document.sections}
    context["inline_format"] = InlineFormat("epub", anchor_hrefs(document, chapters), context["_"])
    _ = context["_"]
    rtl = _.rtl
    identifier = book_identifier(document)
    epoch = source_date_epoch(meta.date)
    modified = dt.datetime.fromtimestamp(epoch, dt.UTC).replace(tzinfo=None)
    breaks = (
        page_breaks(document, anchor_pages, page_labels) if anchor_pages and page_labels else {}
    )

    book = epub.EpubBook()
    book.set_identifier(identifier)
    book.set_title(meta.title)
    book.set_language(meta.language)
    if rtl:
        book.set_direction("rtl")  # the spine's page-progression-direction
    for index, author in enumerate(context["authors"]):
        book.add_author(author, uid=f"creator{index}")
    if meta.organisation:
        book.add_metadata("DC", "publisher", meta.organisation)
    book.add_metadata("DC", "date", (meta.date or modified.date()).isoformat())
    if context["description"]:
        book.add_metadata("DC", "description", context["description"])
    for keyword in meta.keywords:
        book.add_metadata("DC", "subject", keyword)
    if meta.marking:
        book.add_metadata(None, "meta", meta.marking, {"property": "briefing:marking"})
        book.add_prefix("briefing", "https://briefing.invalid/vocab#")
    _accessibility(book, paged=bool(breaks), summary=_(_SUMMARY))
    if breaks:
        book.add_metadata("DC", "source", pdf_name or f"{identifier} (PDF)")
        book.add_metadata(
            # EPUB 3.3's own vocabulary (what DAISY Ace reads), not schema.org's.
            None,
            "meta",
            pdf_name or _("PDF edition"),
            {"property": "pageBreakSource"},
        )

    css_text = theme.resolve_colours(theme.style("epub.css").read_text("utf-8")).encode()
    css = epub.EpubItem(
        uid="style", file_name="style/briefing.css", media_type="text/css", content=css_text
    )
    book.add_item(css)
    blocks_css = epub.EpubItem(
        uid="style-blocks",
        file_name="style/blocks.css",
        media_type="text/css",
        content=theme.style("epub-blocks.css").read_bytes(),
    )
    book.add_item(blocks_css)
    stylesheets = [css, blocks_css]
    if theme.epub_embed_fonts:
        stylesheets.insert(0, _embed_fonts(book, theme))
    if rtl:
        rtl_css = epub.EpubItem(
            uid="style-rtl",
            file_name="style/rtl.css",
            media_type="text/css",
            content=theme.style("rtl.css").read_bytes(),
        )
        book.add_item(rtl_css)
        stylesheets.append(rtl_css)

    cover_alt = _("Cover: {title}", title=meta.title) + (
        f" — {meta.subtitle}" if meta.subtitle else ""
    )
    context["cover_alt"] = cover_alt
    book.set_cover("images/cover.svg", _cover_svg(theme, context), create_page=False)
    _add_figures(book, document)

    def page(uid: str, file_name: str, title: str, body: str) -> Any:
        item = epub.EpubHtml(
            uid=uid,
            file_name=file_name,
            title=title,
            lang=meta.language,
            content=body,
            direction="rtl" if rtl else None,
        )
        for stylesheet in stylesheets:
            item.add_item(stylesheet)
        book.add_item(item)
        return item

    cover = page(
        "cover",
        "cover.xhtml",
        _("Cover"),
        render_template(theme, "epub-cover.xhtml", dict(context, cover_href="images/cover.svg")),
    )
    title = page(
        "titlepage",
        "title.xhtml",
        meta.title,
        render_template(
            theme, "epub-title.xhtml", dict(context, pagebreaks=breaks.get("title-page", ""))
        ),
    )
    documents = [cover, title]
    toc: list[Any] = [epub.Link("title.xhtml", _("Title page"), "toc-title")]
    if document.takeaways:
        takeaways = page(
            "takeaways",
            "takeaways.xhtml",
            _("Key takeaways"),
            render_template(theme, "epub-takeaways.xhtml", context),
        )
        documents.append(takeaways)
        toc.append(epub.Link("takeaways.xhtml", _("Key takeaways"), "toc-takeaways"))
    body_start = None
    sections: list[tuple[Section, Any]] = []
    for section, items in block_ids(document):
        label = _("Introduction") if section.is_lede else section.title
        item = page(
            f"s-{section.id}",
            chapters[section.id],
            label,
            render_template(
                theme,
                "epub-section.xhtml",
                dict(
                    context,
                    section=section,
                    items=items,
                    breaks=breaks,
                    notes=section_notes(section),
                ),
            ),
        )
        documents.append(item)
        sections.append((section, item))
        body_start = body_start or item
    toc.extend(_nested_toc(sections, _("Introduction")))

    book.toc = toc
    book.add_item(epub.EpubNcx())
    nav = epub.EpubNav(
        uid="nav", file_name="nav.xhtml", title=_("Contents"), direction="rtl" if rtl else None
    )
    for stylesheet in stylesheets:
        nav.add_item(stylesheet)
    book.add_item(nav)
    book.spine = [(cover, "no"), *documents[1:2], nav, *documents[2:]]
    book.guide = [
        {"type": "cover", "href": "cover.xhtml", "title": _("Cover")},
        {"type": "title-page", "href": "title.xhtml", "title": _("Title page")},
        {"type": "toc", "href": "nav.xhtml", "title": _("Contents")},
    ]
    if body_start is not None:
        book.guide.append(
            {"type": "text", "href": body_start.file_name, "title": _("Start of content")}
        )

    buffer = io.BytesIO()
    try:
        epub.write_epub(
            buffer,
            book,
            {
                "mtime": modified,
                "raise_exceptions": True,
                "epub3_pages": bool(breaks),
                "landmark_title": _("Landmarks"),
                "pages_title": _("Pages"),
            },
        )
    except Exception as exc:  # ebooklib raises bare exceptions from lxml and zipfile
        raise OutputError(f"the EPUB writer failed: {exc}", path=meta.source) from exc
    data = _repack(buffer.getvalue(), meta.language, _.direction)
    logger.debug(
        "EPUB %s: %d documents, %d bytes", meta.source or meta.title, len(documents), len(data)
    )
    return data


def _nested_toc(sections: list[tuple[Section, Any]], introduction: str) -> list[Any]:
    """The nav toc: headed sections nested by level, the lede as ``introduction``."""
    from ebooklib import epub

    root: list[Any] = []
    stack: list[tuple[int, list[Any]]] = [(0, root)]
    for section, item in sections:
        level = 1 if section.is_lede else section.level
        link = epub.Link(
            item.file_name,
            introduction if section.is_lede else section.title,
            f"toc-{section.id}",
        )
        while stack[-1][0] >= level:
            stack.pop()
        children: list[Any] = []
        stack[-1][1].append((link, children))
        stack.append((level, children))

    def flatten(entries: list[Any]) -> list[Any]:
        result = []
        for link, children in entries:
            if children:
                result.append((epub.Section(link.title, link.href), flatten(children)))
            else:
                result.append(link)
        return result

    return flatten(root)


#: The accessibility summary's message id (translated in the catalogues).
_SUMMARY = (
    "Reflowable text with a structured table of contents, headings in reading order, "
    "data tables with header cells, and alternative text for images."
)


def _accessibility(book: Any, *, paged: bool, summary: str = _SUMMARY) -> None:
    """EPUB Accessibility 1.1 metadata (schema.org terms in the OPF)."""
    features = [
        "tableOfContents",
        "structuralNavigation",
        "readingOrder",
        "alternativeText",
        "displayTransformability",
    ]
    if paged:
        features += ["printPageNumbers", "pageNavigation"]
    properties: list[tuple[str, str]] = [
        ("schema:accessMode", "textual"),
        ("schema:accessMode", "visual"),
        ("schema:accessModeSufficient", "textual"),
        *(("schema:accessibilityFeature", feature) for feature in features),
        ("schema:accessibilityHazard", "none"),
        ("schema:accessibilitySummary", summary),
        ("dcterms:conformsTo", "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"),
    ]
    for prop, value in properties:
        book.add_metadata(None, "meta", value, {"property": prop})


def _embed_fonts(book: Any, theme: Theme) -> Any:
    """Pack the theme's ``fonts.css`` and the font files it uses (``fonts/*``).

    :returns: the stylesheet item, to link from every document.
    """
    from ebooklib import epub

    css = theme.style("fonts.css")
    # System fonts (file: URLs, e.g. CJK) cannot travel in a book: their rules are left out.
    text = "".join(
        line for line in css.read_text("utf-8").splitlines(keepends=True) if "file:" not in line
    )
    for index, name in enumerate(sorted(set(re.findall(r"url\(\s*['\"]?fonts/([^'\")]+)", text)))):
        path = theme.style(f"fonts/{name}")
        media = {".otf": "font/otf", ".ttf": "font/ttf", ".woff2": "font/woff2"}.get(path.suffix)
        if media is None:
            raise OutputError(f"unsupported font type '{path.suffix}'", path=css)
        book.add_item(
            epub.EpubItem(
                uid=f"font-{index}",
                file_name=f"style/fonts/{name}",
                media_type=media,
                content=path.read_bytes(),
            )
        )
    item = epub.EpubItem(
        uid="fonts", file_name="style/fonts.css", media_type="text/css", content=text.encode()
    )
    book.add_item(item)
    return item
