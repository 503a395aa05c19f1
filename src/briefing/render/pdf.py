"""HTML -> PDF with WeasyPrint: the only module that imports it.

A :class:`PdfEngine` lives as long as a process renders: it holds one
``FontConfiguration``, the parsed theme stylesheets and an image cache, so a batch pays
for parsing CSS and loading fonts once. Resources are fetched only through
:func:`make_fetcher`'s fetcher, which reads files under the theme folders and the article's own
folder, allows ``data:`` URLs, and refuses everything else (network, other files, devices)
with a clear error instead of WeasyPrint's default of logging and carrying on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import os
import re
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from briefing.errors import Diagnostic, OutputError
from briefing.limits import env_source_date_epoch
from briefing.model import Document
from briefing.render.html import HtmlDocument
from briefing.report import warn
from briefing.themes import DEFAULT_THEME, Theme, load_theme

__all__ = [
    "PDF_VARIANTS",
    "FetchRecord",
    "PdfEngine",
    "RenderedPdf",
    "make_fetcher",
    "source_date_epoch",
    "write_pdf",
]

logger = logging.getLogger(__name__)

#: ``--pdf-variant`` values: tagged PDF/UA-1 by default, archival PDF/A-3u on request.
PDF_VARIANTS = ("pdf/ua-1", "pdf/a-3u")

#: Files larger than this are not fetched (a guard against /dev/zero-like surprises).
MAX_RESOURCE_BYTES = 32 * 1024 * 1024

#: PDF/A forbids image interpolation (/Interpolate true), which WeasyPrint sets for images
#: scaled smoothly (``image-rendering: auto``); archival PDFs draw images without it.
ARCHIVAL_CSS = "img { image-rendering: crisp-edges; }"

#: Used when neither the article nor SOURCE_DATE_EPOCH gives a date: a fixed instant keeps
#: builds reproducible (2000-01-01T00:00:00Z).
FALLBACK_EPOCH = 946684800


def source_date_epoch(date: dt.date | None) -> int:
    """The timestamp stamped into outputs: SOURCE_DATE_EPOCH, else the article date, else fixed."""
    env = env_source_date_epoch()
    if env is not None:
        return env
    if date is not None:
        return int(dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC).timestamp())
    return FALLBACK_EPOCH


@dataclass(frozen=True, slots=True)
class FetchRecord:
    """One resource request the renderer made, and whether it was allowed."""

    url: str
    allowed: bool


def make_fetcher(
    roots: tuple[Path, ...], log: list[FetchRecord], files: tuple[Path, ...] = ()
) -> Any:
    """A WeasyPrint URL fetcher confined to ``roots`` (see :class:`SandboxFetcher`).

    :param files: single files outside the roots it may read too (system fonts the theme
        declares by their path, see :func:`briefing.fonts.system_font_files`).
    """
    from weasyprint.urls import (
        FatalURLFetchingError,
        URLFetcher,
        URLFetcherResponse,
        URLFetchingError,
    )

    resolved = tuple(root.resolve() for root in roots)
    exact = frozenset(f.resolve() for f in files)

    class SandboxFetcher(URLFetcher):  # type: ignore[misc]
        """Reads ``file:`` URLs under the allowed folders and ``data:`` URLs; nothing else."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols={"file", "data"}, allow_redirects=False, timeout=5)

        def fetch(self, url: str, headers: Any = None) -> Any:
            scheme = urlsplit(url).scheme.lower()
            if scheme == "data":
                log.append(FetchRecord(url[:60], True))
                return super().fetch(url, headers)
            if scheme == "file":
                path = _fall_back(Path(unquote(urlsplit(url).path)).resolve(), resolved)
                if path in exact and not path.is_file():
                    # a declared system font that is not installed: not fatal (the glyph
                    # check stops a document whose text needs it)
                    log.append(FetchRecord(url, True))
                    raise URLFetchingError(f"not installed: {url}")
                inside = path in exact or any(
                    path.is_relative_to(root)
                    and not any(part.startswith(".") for part in path.relative_to(root).parts)
                    for root in resolved
                )
                if inside and path.is_file() and path.stat().st_size <= MAX_RESOURCE_BYTES:
                    log.append(FetchRecord(url, True))
                    return URLFetcherResponse(path.as_uri(), path.read_bytes())
            log.append(FetchRecord(url, False))
            raise FatalURLFetchingError(f"blocked resource: {url}")

    return SandboxFetcher()


def _fall_back(path: Path, roots: tuple[Path, ...]) -> Path:
    """A file missing from one theme folder is taken from the next that has it, as the
    theme finds files (so a project's ``briefing.css`` can ``@import url(brief.css)``, the
    built-in one, and still find ``fonts.css``)."""
    if path.exists():
        return path
    for index, root in enumerate(roots):
        if path.is_relative_to(root):
            relative = path.relative_to(root)
            for later in roots[index + 1 :]:
                if (later / relative).is_file():
                    return later / relative
    return path


@contextmanager
def _epoch(value: int) -> Iterator[None]:
    """Set SOURCE_DATE_EPOCH while WeasyPrint writes (font subsetting stamps a time)."""
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(value)
    try:
        yield
    finally:
        if old is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old


class _WeasyLog(logging.Handler):
    """Turns WeasyPrint's log messages into briefing warnings while a render runs.

    :param quiet_families: font families not installed on this machine whose "cannot be
        loaded" is not reported here (the glyph check reports text that needs them).
    """

    def __init__(self, quiet_families: frozenset[str] = frozenset()) -> None:
        super().__init__(logging.WARNING)
        self.errors: list[str] = []
        self.quiet = tuple(f"Font-face '{family}'" for family in quiet_families)
        #: characters drawn as .notdef (no font at all had them)
        self.missing: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "HarfBuzz-Subset" in message:
            return  # the fontTools fallback works; the choice is documented in the README
        if message.startswith(self.quiet):
            return
        if record.levelno >= logging.ERROR:
            self.errors.append(message)
        notdef = _NOTDEF.search(message)
        if notdef:
            self.missing.append(notdef.group(1))
            return  # reported once, as an error of a tagged PDF or a warning (see render)
        warn(Diagnostic(f"renderer: {message.splitlines()[0]}"))


_NOTDEF = re.compile(r'\.notdef glyph rendered for Unicode string unsupported by fonts: "(.*?)"')


@contextmanager
def _capture_weasyprint_log(
    quiet_families: frozenset[str] = frozenset(),
) -> Iterator[_WeasyLog]:
    logger = logging.getLogger("weasyprint")
    handler = _WeasyLog(quiet_families)
    logger.addHandler(handler)
    previous = logger.propagate
    logger.propagate = False
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.propagate = previous


@dataclass(frozen=True, slots=True)
class RenderedPdf:
    """A rendered PDF and facts about it.

    :param data: the PDF bytes (before post-processing).
    :param pages: the page count.
    :param anchor_pages: 1-based page of every HTML id (to align the EPUB's page-list).
    :param fetches: every resource request, allowed or not.
    :param cover_pages: leading pages labelled "Cover" (see :attr:`page_labels`).
    :param cover_label: "Cover" in the document's language.
    """

    data: bytes
    pages: int
    anchor_pages: dict[str, int]
    fetches: tuple[FetchRecord, ...] = field(default=())
    cover_pages: int = 1
    cover_label: str = "Cover"

    @property
    def page_labels(self) -> list[str]:
        """The label of each page, as :func:`_page_labels` writes them into the PDF."""
        return [
            self.cover_label if number <= self.cover_pages else str(number)
            for number in range(1, self.pages + 1)
        ]


def with_identifier(data: bytes, first: bytes) -> bytes:
    """Add a file identifier (``/ID [first, md5 of the file]``) to a PDF's last trailer.

    The trailer dictionary (of a cross-reference stream or table) comes after every offset
    the file records, so inserting into it moves nothing. ``first`` (32 hex digits) is
    derived from the content; the second half is the digest of the bytes, so two builds of
    the same input carry the same identifier.
    """
    start = int(data[data.rindex(b"startxref") :].split()[1])
    if data.startswith(b"xref", start):
        start = data.index(b"trailer", start)
    opening = data.index(b"<<", start) + 2
    second = hashlib.md5(data).hexdigest().encode()
    identifier = b"/ID [<" + first + b"> <" + second + b">]"
    return data[:opening] + identifier + data[opening:]


def _page_labels(cover_pages: int, cover_label: str = "Cover") -> Any:
    """A WeasyPrint finisher adding /PageLabels to the catalog while the PDF is written.

    Done here rather than with a pypdf pass because it costs nothing: no re-parse.
    """
    import pydyf

    def finisher(document: Any, pdf: Any) -> None:
        nums = pydyf.Array()
        if cover_pages:
            nums.extend([0, pydyf.Dictionary({"P": pydyf.String(cover_label)})])
        if len(document.pages) > cover_pages:
            nums.extend([cover_pages, pydyf.Dictionary({"S": "/D", "St": cover_pages + 1})])
        pdf.catalog["PageLabels"] = pydyf.Dictionary({"Nums": nums})

    return finisher


class PdfEngine:
    """Renders :class:`HtmlDocument` objects to PDF, reusing fonts and CSS across calls."""

    def __init__(self) -> None:
        from weasyprint.text.fonts import FontConfiguration

        self.font_config = FontConfiguration()
        self._css: dict[tuple[str, int, tuple[Path, ...]], Any] = {}
        self._image_cache: dict[str, Any] = {}
        self._archival_css: Any = None

    def _archival(self) -> Any:
        """The extra stylesheet of PDF/A output (:data:`ARCHIVAL_CSS`), parsed once."""
        from weasyprint import CSS

        if self._archival_css is None:
            self._archival_css = CSS(string=ARCHIVAL_CSS, font_config=self.font_config)
        return self._archival_css

    def _stylesheet(
        self,
        path: Path,
        roots: tuple[Path, ...],
        log: list[FetchRecord],
        files: tuple[Path, ...] = (),
    ) -> Any:
        from weasyprint import CSS

        key = (str(path), path.stat().st_mtime_ns, roots)
        if key not in self._css:
            self._css[key] = CSS(
                filename=str(path),
                url_fetcher=make_fetcher(roots, log, files),
                font_config=self.font_config,
            )
        return self._css[key]

    def render(
        self,
        html: HtmlDocument,
        *,
        variant: str | None = "pdf/ua-1",
        article_dir: Path | None = None,
        attachments: tuple[tuple[str, bytes], ...] = (),
        cover_pages: int = 1,
    ) -> RenderedPdf:
        """Lay out and write the PDF.

        :param variant: one of :data:`PDF_VARIANTS`, or ``None`` for a plain, untagged PDF
            (only for furniture such as recipient stamps, drawn as artifacts elsewhere).
        :param article_dir: the article's folder, readable by the fetcher besides the theme.
        :param attachments: ``(file name, bytes)`` pairs to embed (PDF/A-3 "Source" files).
        :param cover_pages: leading pages labelled "Cover"; the rest are labelled with their
            printed numbers (which count the cover, so labels match "Page X of Y").
        :raises OutputError: when a resource is blocked or the engine fails.
        """
        from weasyprint import HTML, Attachment
        from weasyprint.urls import FatalURLFetchingError

        if variant is not None and variant not in PDF_VARIANTS:
            raise OutputError(
                f"unknown PDF variant '{variant}'", hint=f"use one of: {', '.join(PDF_VARIANTS)}"
            )
        started = time.perf_counter()
        from briefing.fonts import line_of, missing_system_families, system_font_files
        from briefing.i18n import messages_for

        roots = html.theme.roots + ((article_dir,) if article_dir else ())
        fonts = system_font_files(html.theme)
        cover_label = messages_for(html.document.meta.language, html.theme)("Cover")
        log: list[FetchRecord] = []
        stylesheet_path = html.theme.style(html.stylesheet)
        epoch = source_date_epoch(html.document.meta.date)
        stamp = dt.datetime.fromtimestamp(epoch, dt.UTC)
        archival = variant == "pdf/a-3u"
        try:
            quiet = missing_system_families(html.theme)
            with _capture_weasyprint_log(quiet) as weasy_log, _epoch(epoch):
                stylesheets = [self._stylesheet(stylesheet_path, roots, log, fonts)]
                if archival:
                    stylesheets.append(self._archival())
                document = HTML(
                    string=html.html,
                    base_url=stylesheet_path.parent.as_uri() + "/",
                    url_fetcher=make_fetcher(roots, log, fonts),
                ).render(
                    font_config=self.font_config,
                    stylesheets=stylesheets,
                    pdf_variant=variant,
                    pdf_tags=variant is not None,
                    cache=self._image_cache,
                )
                files = [
                    Attachment(
                        file_obj=io.BytesIO(data),
                        name=name,
                        description="The source article",
                        created=stamp,
                        modified=stamp,
                        relationship="Source",
                    )
                    for name, data in attachments
                ]
                # PDF/A needs pydyf's own /ID; elsewhere it re-serialises (and re-compresses)
                # every object just to hash them, so the /ID is added below instead.
                data = document.write_pdf(
                    finisher=_page_labels(cover_pages, cover_label),
                    pdf_variant=variant,
                    pdf_tags=variant is not None,
                    pdf_identifier=html.digest[:32].encode() if archival else None,
                    attachments=files or None,
                    uncompressed_pdf=variant == "pdf/a-3u",
                )
        except FatalURLFetchingError as exc:
            raise OutputError(
                str(exc),
                path=html.document.meta.source,
                hint="a theme may only use files in its own folders; articles load no resources",
            ) from None
        if weasy_log.errors:
            raise OutputError(
                f"the renderer failed: {weasy_log.errors[0]}", path=html.document.meta.source
            )
        if weasy_log.missing:
            # An empty box is no text at all: a tagged (PDF/UA-1, PDF/A) file that draws one
            # fails its validators, so it is not made; an untagged one says so.
            text = weasy_log.missing[0]
            names = ", ".join(f"U+{ord(c):04X} {unicodedata.name(c, '')}".strip() for c in text)
            problem = Diagnostic(
                f"no font has '{text}' ({names}): it would print as an empty box",
                html.document.meta.source,
                line_of(html.document, text),
                "add a font that has it to the theme's fonts.css, or write it another way",
            )
            if variant is not None:
                raise OutputError(
                    problem.message + ", which a tagged PDF may not hold",
                    path=problem.path,
                    line=problem.line,
                    hint=problem.hint,
                )
            warn(problem)
        if not archival:
            data = with_identifier(data, html.digest[:32].encode())
        logger.debug(
            "rendered %s: %d pages, %d bytes, %.3f s",
            html.document.meta.source or html.document.meta.title,
            len(document.pages),
            len(data),
            time.perf_counter() - started,
        )
        anchors: dict[str, int] = {}
        for number, page in enumerate(document.pages, 1):
            for anchor in page.anchors:  # an element split over pages is listed on each
                anchors.setdefault(anchor, number)
        return RenderedPdf(data, len(document.pages), anchors, tuple(log), cover_pages, cover_label)


def write_pdf(
    document: Document,
    target: Path | str | None = None,
    *,
    theme: Theme | str | Path = DEFAULT_THEME,
    paper: str = "a4",
    variant: str = "pdf/ua-1",
    engine: PdfEngine | None = None,
) -> bytes | None:
    """The shortcut: render a document to PDF, written to ``target`` or returned as bytes.

    :param theme: a :class:`Theme`, a built-in theme name or a theme folder.
    :param engine: reuse one engine across calls to parse fonts and CSS once.
    :returns: the PDF bytes when ``target`` is ``None``, else ``None`` (written atomically).
    """
    from briefing.output import write_atomic
    from briefing.render.html import render_html

    resolved = theme if isinstance(theme, Theme) else load_theme(theme)
    html = render_html(document, theme=resolved, paper=paper)
    source = document.meta.source
    rendered = (engine or PdfEngine()).render(
        html, variant=variant, article_dir=source.parent if source else None
    )
    if target is None:
        return rendered.data
    write_atomic(Path(target), rendered.data)
    return None
