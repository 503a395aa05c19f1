"""Building articles into outputs: the library call behind ``briefing build``.

Read everything, then write (as Pelican does): every article is read and checked before the
first output is written, so one bad article is reported before any work is done. Each
output is written atomically (see :mod:`briefing.output`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from briefing.errors import EXIT_OK, BriefingError, Diagnostic, InputError
from briefing.limits import DEFAULT_TIMEOUT, deadline
from briefing.model import Document
from briefing.output import Output, write_atomic
from briefing.readers import MAX_BYTES, read_article, supported_suffixes
from briefing.report import collecting
from briefing.slug import slugify
from briefing.themes import DEFAULT_THEME, Theme, load_theme

if TYPE_CHECKING:
    from briefing.render.pdf import PdfEngine

__all__ = ["FORMATS", "BuildOptions", "BuildResult", "build", "find_sources"]

#: Output formats; ``all`` on the command line means PDF and EPUB.
FORMATS = ("pdf", "epub", "html")


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """How to build. Every field has the default the CLI uses.

    :param formats: any of :data:`FORMATS`.
    :param theme: a built-in theme name or a theme folder.
    :param paper: ``a4`` or ``letter`` (see :data:`briefing.render.html.PAPER_SIZES`).
    :param pdf_variant: ``pdf/ua-1`` (tagged, default) or ``pdf/a-3u`` (archival, with the
        source article attached).
    :param input_format: force a reader (``text``, ``markdown``) instead of the suffix.
    :param meta: metadata overriding every article's front matter (e.g. ``{"title": ...}``).
    :param project_dir: a project whose ``templates/`` and ``styles/`` override the theme.
    :param max_input_bytes: refuse larger articles.
    :param timeout: seconds one article may take to render (``None`` or 0: no limit).
    """

    formats: tuple[str, ...] = ("pdf", "epub")
    theme: str | Path = DEFAULT_THEME
    paper: str = "a4"
    pdf_variant: str = "pdf/ua-1"
    input_format: str | None = None
    meta: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    project_dir: Path | None = None
    max_input_bytes: int = MAX_BYTES
    timeout: float | None = DEFAULT_TIMEOUT


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build did: the outputs written and the failures met."""

    outputs: tuple[Output, ...] = ()
    failures: tuple[Diagnostic, ...] = ()
    exit_code: int = EXIT_OK

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.failures


def find_sources(folder: Path) -> list[Path]:
    """The articles in a folder (the readers' suffixes), sorted by name."""
    suffixes = supported_suffixes()
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in suffixes)


def check_unique_slugs(paths: Sequence[Path], where: str = "") -> None:
    """Refuse two articles that would write the same output files (``a.md`` and ``a.txt``).

    :raises InputError: naming both files.
    """
    seen: dict[str, Path] = {}
    for path in paths:
        slug = slugify(path.stem)
        if slug in seen and seen[slug].resolve() != path.resolve():
            raise InputError(
                f"{seen[slug].name} and {path.name} would both be written as '{slug}.*'{where}",
                path=path,
                hint="rename one of them",
            )
        seen[slug] = path


def read_sources(
    sources: Sequence[tuple[Path, Mapping[str, Any]]],
    *,
    fmt: str | None = None,
    max_bytes: int = MAX_BYTES,
) -> tuple[list[tuple[int, Document, tuple[Diagnostic, ...]]], list[BriefingError]]:
    """Read every article before anything is written (a single build and editions alike).

    :param sources: ``(path, metadata overrides)`` pairs.
    :returns: ``(index in sources, document, warnings)`` for each article read, and the
        errors of those that could not be.
    """
    read = []
    errors: list[BriefingError] = []
    for index, (source, meta) in enumerate(sources):
        try:
            with collecting() as warnings:
                document = read_article(source, fmt=fmt, meta=meta, max_bytes=max_bytes)
            read.append((index, document, tuple(warnings)))
        except BriefingError as exc:
            errors.append(exc)
    return read, errors


_ASSETS_COPIED: set[tuple[Theme, Path]] = set()


def _copy_assets(theme: Theme, out_dir: Path) -> None:
    """Copy the theme's style files beside HTML previews (overrides win), atomically, once
    per output folder and process."""
    if (theme, out_dir.resolve()) in _ASSETS_COPIED:
        return
    _ASSETS_COPIED.add((theme, out_dir.resolve()))
    seen: set[Path] = set()
    for folder in theme.style_dirs:
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder)
            if path.is_file() and relative not in seen:
                seen.add(relative)
                write_atomic(out_dir / "assets" / relative, path.read_bytes())


def build_document(
    document: Document,
    *,
    out_dir: Path,
    options: BuildOptions,
    theme: Theme,
    engine: PdfEngine | None = None,
    slug: str | None = None,
) -> list[Output]:
    """Render one read document into ``out_dir`` in every requested format.

    :param engine: a PDF engine to reuse across documents (fonts and CSS parsed once).
    :param slug: the output file stem; defaults to the article's file name as a slug.
    """
    from briefing.render.html import render_html

    source = document.meta.source
    slug = slug or slugify(source.stem if source else document.meta.title)
    outputs: list[Output] = []
    anchors: dict[str, int] | None = None
    labels: list[str] | None = None
    with collecting() as warnings:
        if "html" in options.formats:
            html = render_html(
                document, theme=theme, paper=options.paper, stylesheet_href="assets/briefing.css"
            )
            data = html.html.encode()
            _copy_assets(theme, out_dir)
            outputs.append(
                Output(
                    out_dir / f"{slug}.html",
                    "html",
                    len(data),
                    write_atomic(out_dir / f"{slug}.html", data),
                    source=source,
                )
            )
        if "pdf" in options.formats:
            from briefing.render.pdf import PdfEngine

            engine = engine or PdfEngine()
            html = render_html(document, theme=theme, paper=options.paper)
            attachments: tuple[tuple[str, bytes], ...] = ()
            if options.pdf_variant == "pdf/a-3u" and source is not None:
                attachments = ((source.name, source.read_bytes()),)
            rendered = engine.render(
                html,
                variant=options.pdf_variant,
                article_dir=source.parent if source else None,
                attachments=attachments,
            )
            anchors = rendered.anchor_pages
            labels = rendered.page_labels
            path = out_dir / f"{slug}.pdf"
            outputs.append(
                Output(
                    path,
                    "pdf",
                    len(rendered.data),
                    write_atomic(path, rendered.data),
                    pages=rendered.pages,
                    source=source,
                )
            )
        if "epub" in options.formats:
            from briefing.render.epub import render_epub

            data = render_epub(
                document,
                theme=theme,
                anchor_pages=anchors,
                page_labels=labels,
                pdf_name=f"{slug}.pdf",
            )
            path = out_dir / f"{slug}.epub"
            outputs.append(Output(path, "epub", len(data), write_atomic(path, data), source=source))
    return [
        Output(o.path, o.format, o.size, o.sha256, o.pages, o.source, tuple(warnings))
        for o in outputs
    ]


def build(
    sources: Iterable[Path | str],
    *,
    out_dir: Path | str = "dist",
    options: BuildOptions | None = None,
) -> BuildResult:
    """Build articles into ``out_dir``.

    All articles are read first; if any cannot be read, nothing is written and the result
    holds every reading error. Otherwise each article is rendered in turn.

    :param sources: article files.
    :param out_dir: the output folder (created if missing).
    :raises ThemeError: when the theme cannot be loaded.
    """
    options = options or BuildOptions()
    out = Path(out_dir)
    paths = [Path(s) for s in sources]
    if not paths:
        raise InputError("no articles to build", hint="pass article files, or put some in sources/")
    unknown = [f for f in options.formats if f not in FORMATS]
    if unknown:
        raise InputError(
            f"unknown output format '{unknown[0]}'", hint=f"use {', '.join(FORMATS)} or all"
        )
    check_unique_slugs(paths)
    theme = load_theme(options.theme, project_dir=options.project_dir)
    read, errors = read_sources(
        [(path, options.meta) for path in paths],
        fmt=options.input_format,
        max_bytes=options.max_input_bytes,
    )
    if errors:
        return BuildResult(
            failures=tuple(e.diagnostic for e in errors), exit_code=errors[0].exit_code
        )
    engine = None
    if "pdf" in options.formats:
        from briefing.render.pdf import PdfEngine

        engine = PdfEngine()
    outputs: list[Output] = []
    failures: list[Diagnostic] = []
    exit_code = EXIT_OK
    for _, document, read_warnings in read:
        try:
            with deadline(options.timeout, path=document.meta.source):
                built = build_document(
                    document, out_dir=out, options=options, theme=theme, engine=engine
                )
        except BriefingError as exc:
            failures.append(exc.diagnostic)
            exit_code = exit_code or exc.exit_code
            continue
        outputs.extend(
            Output(
                o.path,
                o.format,
                o.size,
                o.sha256,
                o.pages,
                o.source,
                tuple(read_warnings) + o.warnings,
            )
            for o in built
        )
    return BuildResult(tuple(outputs), tuple(failures), exit_code)
