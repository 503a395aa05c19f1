"""One task -> the bytes of its files: an article's PDF, EPUB and HTML with its recipient
copies, an edition's compendium, or the style files an HTML output links.

Nothing here writes to disk: a task returns what it made, and the engine (in the main
process) writes it atomically. So a worker, local or remote, needs no shared file system,
and a killed worker or an interrupted build can never leave a partial output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from briefing.errors import ThemeError
from briefing.model import Document, Meta
from briefing.options import BuildOptions
from briefing.themes import Theme

if TYPE_CHECKING:
    from briefing.render.pdf import PdfEngine, RenderedPdf

__all__ = ["Produced", "Renderer", "TaskSpec", "html_assets", "produce"]

TaskKind = Literal["article", "compendium", "assets"]


@dataclass(frozen=True, slots=True)
class TaskSpec:
    """What a task needs to run, and nothing else (it travels to worker processes).

    :param kind: ``article`` (one document's files and copies), ``compendium`` (an
        edition's briefings as one PDF), or ``assets`` (style files beside HTML outputs).
    :param documents: ``(slug, document)``: one for an article, all for a compendium.
    :param options: the edition's options (formats, paper, PDF variant).
    :param recipients: names that each get a stamped copy of an article's PDF.
    :param meta: the compendium's own metadata.
    :param attachment: ``(file name, bytes)`` of the source, attached to PDF/A-3u files.
    :param edition: the edition's name (the compendium's file is ``<edition>-compendium.pdf``).
    """

    kind: TaskKind
    theme: Theme
    edition: str = ""
    documents: tuple[tuple[str, Document], ...] = ()
    options: BuildOptions = BuildOptions()
    recipients: tuple[str, ...] = ()
    meta: Meta | None = None
    attachment: tuple[str, bytes] | None = None


@dataclass(frozen=True, slots=True)
class Produced:
    """One file a task made: where it goes (relative to its edition's folder) and its bytes."""

    path: str
    format: str
    data: bytes
    pages: int | None = None


class Renderer:
    """What a process keeps between tasks: one PDF engine (fonts and CSS loaded once)."""

    def __init__(self) -> None:
        self._engine: PdfEngine | None = None

    @property
    def engine(self) -> PdfEngine:
        """The PDF engine, made on first use."""
        if self._engine is None:
            from briefing.render.pdf import PdfEngine

            self._engine = PdfEngine()
        return self._engine


def copy_name(slug: str, recipient: str) -> str:
    """A recipient copy's path: ``copies/<slug>--<recipient slug>.pdf``."""
    from briefing.slug import slugify

    return f"copies/{slug}--{slugify(recipient)}.pdf"


def article_outputs(slug: str, options: BuildOptions, recipients: tuple[str, ...]) -> list[str]:
    """The paths an article task writes (relative to its edition's folder)."""
    names = [f"{slug}.{fmt}" for fmt in ("pdf", "epub", "html") if fmt in options.formats]
    if "pdf" in options.formats:
        names += [copy_name(slug, name) for name in recipients]
    return names


_REFERENCE = re.compile(r"""@import\s+(?:url\()?\s*["']?([^"')\s;]+)|url\(\s*["']?([^"')\s]+)""")


def html_assets(theme: Theme, stylesheet: str = "briefing.css") -> list[str]:
    """The style files an HTML output needs: its stylesheet and what it references
    (``@import`` and ``url()``, relative paths inside the theme only), in a stable order."""
    found: list[str] = []
    pending = [stylesheet]
    while pending:
        name = pending.pop(0)
        if name in found:
            continue
        path = theme.style(name)
        found.append(name)
        if path.suffix.lower() != ".css":
            continue
        for match in _REFERENCE.finditer(path.read_text("utf-8")):
            ref = match.group(1) or match.group(2)
            if ":" in ref or ref.startswith(("/", "#")) or ".." in Path(ref).parts:
                continue  # data: URLs and anything outside the theme are never copied
            pending.append((Path(name).parent / ref).as_posix())
    return sorted(found)


def prepare(spec: TaskSpec, renderer: Renderer) -> None:
    """Load the libraries ``spec`` renders with (and the PDF engine), once per process,
    before its time limit starts: the deadline cutting an import short would leave the
    process with half-made modules (``weasyprint.text`` without ``weasyprint``), and every
    later render in it failing."""
    if spec.kind == "assets":
        return
    if spec.kind == "article" and "epub" in spec.options.formats:
        import ebooklib.epub  # noqa: F401

        import briefing.render.epub  # noqa: F401
    if spec.kind == "compendium" or "pdf" in spec.options.formats:
        renderer.engine  # noqa: B018
        if spec.recipients:
            import pypdf  # noqa: F401 - it stamps the recipients' copies


def produce(spec: TaskSpec, renderer: Renderer) -> list[Produced]:
    """Run one task: render its files and return them (nothing is written here).

    :raises BriefingError: when a template, a resource or the engine fails.
    """
    if spec.kind == "assets":
        return [
            Produced(f"assets/{name}", "asset", spec.theme.style(name).read_bytes())
            for name in html_assets(spec.theme)
        ]
    if spec.kind == "compendium":
        return [_compendium(spec, renderer)]
    return _article(spec, renderer)


def _article(spec: TaskSpec, renderer: Renderer) -> list[Produced]:
    from briefing.render.html import render_html

    (slug, document), options = spec.documents[0], spec.options
    source = document.meta.source
    produced: list[Produced] = []
    anchors: dict[str, int] | None = None
    labels: list[str] | None = None
    if "html" in options.formats:
        html = render_html(
            document, theme=spec.theme, paper=options.paper, stylesheet_href="assets/briefing.css"
        )
        produced.append(Produced(f"{slug}.html", "html", html.html.encode()))
    if "pdf" in options.formats:
        from briefing.budget import within_budget

        def render_pdf(fit_css: str | None) -> RenderedPdf:
            html = render_html(
                document,
                theme=spec.theme,
                paper=options.paper,
                extra_context={"fit_css": fit_css},
            )
            return renderer.engine.render(
                html,
                variant=options.pdf_variant,
                article_dir=source.parent if source else None,
                attachments=(spec.attachment,) if spec.attachment else (),
                cover_pages=1 if spec.theme.cover == "page" else 0,
            )

        rendered = within_budget(document.meta, render_pdf, strict=options.strict)
        anchors, labels = rendered.anchor_pages, rendered.page_labels
        produced.append(Produced(f"{slug}.pdf", "pdf", rendered.data, rendered.pages))
        if spec.recipients:
            produced += _copies(spec, slug, document, rendered.data, rendered.pages, renderer)
    if "epub" in options.formats:
        from briefing.render.epub import render_epub

        data = render_epub(
            document,
            theme=spec.theme,
            anchor_pages=anchors,
            page_labels=labels,
            pdf_name=f"{slug}.pdf",
        )
        produced.append(Produced(f"{slug}.epub", "epub", data))
    return produced


def _copies(
    spec: TaskSpec,
    slug: str,
    document: Document,
    base: bytes,
    pages: int,
    renderer: Renderer,
) -> list[Produced]:
    from briefing.i18n import messages_for
    from briefing.postprocess import RecipientStamp, stamp_copies
    from briefing.render.html import render_stamp_html

    _ = messages_for(document.meta.language, spec.theme)
    total = len(spec.recipients)
    stamps = [
        RecipientStamp(
            # Markup (a str): the name is isolated in <bdi> inside the stamp's sentence
            _.markup(
                "Prepared for {name} — copy {number} of {total}", name=name, number=n, total=total
            ),
            name,
            f"{n} of {total}",
        )
        for n, name in enumerate(spec.recipients, 1)
    ]
    sheet = renderer.engine.render(
        render_stamp_html(
            [s.text for s in stamps],
            theme=spec.theme,
            paper=spec.options.paper,
            language=document.meta.language,
            date=document.meta.date,
        ),
        variant=None,
        cover_pages=0,
    )
    return [
        Produced(copy_name(slug, stamp.recipient), "pdf", data, pages)
        for stamp, data in stamp_copies(base, sheet.data, stamps)
    ]


def _compendium(spec: TaskSpec, renderer: Renderer) -> Produced:
    from briefing.render.html import render_compendium_html

    if spec.meta is None:
        raise ThemeError("a compendium task needs its metadata")  # a bug, not user input
    html = render_compendium_html(
        list(spec.documents), spec.meta, theme=spec.theme, paper=spec.options.paper
    )
    rendered = renderer.engine.render(html, variant=spec.options.pdf_variant)
    return Produced(compendium_name(spec.edition), "pdf", rendered.data, rendered.pages)


def compendium_name(edition: str) -> str:
    """An edition's compendium file: ``<edition>-compendium.pdf``."""
    return f"{edition}-compendium.pdf"
