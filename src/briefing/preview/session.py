"""One article kept rendered: the preview's warm engine.

A :class:`PreviewSession` renders its article through the build's own path (project,
plan, read, tasks, :func:`~briefing.produce.produce`) with one long-lived
:class:`~briefing.produce.Renderer`, so fonts and parsed CSS stay loaded between saves.
Each render gives a :class:`Snapshot`: the last good render (PDF pages as PNG images with
their text, the PDF's outline, the EPUB's files by name) and the error of the latest
attempt, if it failed. Renders are serialised by a lock: WeasyPrint is never used from two
threads at once.
"""

from __future__ import annotations

import hashlib
import io
import logging
import threading
import time
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from briefing.config import Edition, Project, find_project, implicit_project, load_project
from briefing.errors import BriefingError, Diagnostic
from briefing.options import option_specs
from briefing.produce import Produced, Renderer, produce
from briefing.report import collecting
from briefing.themes import Theme

__all__ = ["Chapter", "Heading", "PageImage", "PreviewSession", "Rendered", "Snapshot"]

logger = logging.getLogger(__name__)

#: Pixels per PDF point of the page images: 1.5 gives an A4 page 893 pixels wide.
SCALE = 1.5


@dataclass(frozen=True, slots=True)
class PageImage:
    """One PDF page as a PNG image, with its text (the page's text layer)."""

    png: bytes
    width: int
    height: int
    text: str


@dataclass(frozen=True, slots=True)
class Heading:
    """One entry of the PDF's outline: its level (1 = top), title and 1-based page."""

    level: int
    title: str
    page: int | None


@dataclass(frozen=True, slots=True)
class Chapter:
    """One EPUB spine item: its title and its file's name inside the EPUB."""

    title: str
    name: str


@dataclass(frozen=True, slots=True)
class Rendered:
    """A good render of the article.

    :param id: names this render in URLs (page images and EPUB files of an older render
        are not mixed with a newer one).
    :param epub: every file of the EPUB by its name inside the EPUB (served from memory).
    :param seconds: how long the render took (article read to page images).
    """

    id: int
    title: str
    pages: tuple[PageImage, ...]
    outline: tuple[Heading, ...]
    chapters: tuple[Chapter, ...]
    epub: Mapping[str, bytes]
    warnings: tuple[Diagnostic, ...]
    seconds: float


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the preview shows: the last good render, and the latest attempt's error.

    :param version: grows by one with each render attempt, good or not.
    """

    version: int = 0
    rendered: Rendered | None = None
    error: Diagnostic | None = None


@dataclass(slots=True)
class PreviewSession:
    """An article, its project and options, kept rendered with a warm engine.

    :param article: the article to preview.
    :param config: the project's ``briefing.toml`` (``None``: an implicit project rooted
        at ``root``); read again on every render, so edits to it apply at once.
    :param options: option values given on the command line (``None``: not given).
    """

    article: Path
    config: Path | None = None
    root: Path = field(default_factory=Path.cwd)
    options: Mapping[str, Any] = field(default_factory=dict)
    renderer: Renderer = field(default_factory=Renderer)
    snapshot: Snapshot = field(default_factory=Snapshot)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _png_cache: dict[bytes, bytes] = field(default_factory=dict)
    _theme_dirs: frozenset[Path] = frozenset()
    _theme_stamp: tuple[tuple[Path, int], ...] | None = None

    @classmethod
    def open(
        cls, article: Path, *, config: Path | None = None, options: Mapping[str, Any] = {}
    ) -> PreviewSession:
        """A session for ``article``, in the project of ``config`` or of the current folder."""
        root = Path.cwd()
        return cls(article, config or find_project(root), root, dict(options))

    def project(self) -> Project:
        """The project, read now (``briefing.toml`` may have changed since the last render)."""
        return load_project(self.config) if self.config else implicit_project(self.root)

    def watched(self) -> tuple[set[Path], set[Path]]:
        """What a change to should re-render: ``(files, folders)``, all resolved.

        Files: the article, ``briefing.toml`` and ``_brand.yml``; folders: the theme's
        (templates, styles, fonts) of the latest render that got as far as its theme.
        """
        root = self.config.parent if self.config else self.root
        files = {self.article, root / "briefing.toml", root / "_brand.yml"}
        if self.config:
            files.add(self.config)
        return {p.resolve() for p in files}, set(self._theme_dirs)

    def _given(self) -> dict[str, Any]:
        return {**self.options, "formats": ("pdf", "epub")}

    def _edition(self, project: Project) -> Edition:
        specs = option_specs()
        given = self._given()
        edition = project.adhoc([self.article])
        edition_given = {k: v for k, v in given.items() if specs[k].scope == "edition"}
        return replace(edition, options=edition.options.merged(edition_given))

    def render(self) -> Snapshot:
        """Render the article now; the new snapshot keeps the last good render on failure."""
        with self._lock:
            started = time.perf_counter()
            version = self.snapshot.version + 1
            try:
                rendered = self._render(version, started)
                self.snapshot = Snapshot(version, rendered, None)
            except BriefingError as exc:
                self.snapshot = Snapshot(version, self.snapshot.rendered, exc.diagnostic)
            except Exception as exc:  # a bug: show it, keep the server running
                logger.debug("preview render failed", exc_info=True)
                error = Diagnostic(
                    f"internal error: {type(exc).__name__}: {exc}",
                    self.article,
                    hint="rerun with --debug, and please report it",
                )
                self.snapshot = Snapshot(version, self.snapshot.rendered, error)
            return self.snapshot

    def _render(self, version: int, started: float) -> Rendered:
        from briefing.engine import _read_all  # the build's own read step
        from briefing.tasks import make_tasks, plan

        project = self.project()
        run_options = project.options.merged(self._given())
        edition = self._edition(project)
        jobs, warnings = plan(project, [edition], run_options.meta)
        read, errors = _read_all(jobs, run_options, project.images)
        if errors:
            raise errors[0]
        task = next(t for t in make_tasks(project, read) if t.spec.kind == "article")
        self._theme_dirs = frozenset(p.resolve() for p in task.spec.theme.roots if p.is_dir())
        self._fresh_engine_if_theme_changed(task.spec.theme)
        with collecting() as rendered_warnings:
            produced = produce(task.spec, self.renderer)
        files = {item.format: item for item in produced}
        pdf, epub = files["pdf"], files["epub"]
        pages, outline = self._pages(pdf)
        chapters, epub_files = _epub_files(epub.data)
        document = task.spec.documents[0][1]
        return Rendered(
            version,
            document.meta.title,
            pages,
            outline,
            chapters,
            epub_files,
            tuple(dict.fromkeys([*warnings, *task.warnings, *rendered_warnings])),
            time.perf_counter() - started,
        )

    def _fresh_engine_if_theme_changed(self, theme: Theme) -> None:
        """A new renderer when a theme file changed: the engine keeps parsed stylesheets
        by their top file (an edited ``@import``-ed file would not be seen) and images by
        URL. Fonts and CSS then load once more, on this render only."""
        stamp = tuple((path, path.stat().st_mtime_ns) for path in theme.files())
        if self._theme_stamp is not None and stamp != self._theme_stamp:
            self.renderer = Renderer()
        self._theme_stamp = stamp

    def _pages(self, pdf: Produced) -> tuple[tuple[PageImage, ...], tuple[Heading, ...]]:
        """The PDF's pages as PNG images (an unchanged page reuses its PNG) and outline."""
        import pypdfium2

        document = pypdfium2.PdfDocument(pdf.data)
        try:
            pages = []
            cache: dict[bytes, bytes] = {}
            for page in document:
                bitmap = page.render(scale=SCALE)
                image = bitmap.to_pil()
                digest = hashlib.sha256(image.tobytes()).digest()
                png = self._png_cache.get(digest)
                if png is None:
                    buffer = io.BytesIO()
                    image.save(buffer, "PNG", compress_level=1)
                    png = buffer.getvalue()
                cache[digest] = png
                textpage = page.get_textpage()
                pages.append(PageImage(png, image.width, image.height, textpage.get_text_range()))
                textpage.close()
                page.close()
            self._png_cache = cache
            outline = []
            for mark in document.get_toc():
                dest = mark.get_dest()
                index = dest.get_index() if dest is not None else None
                outline.append(
                    Heading(mark.level + 1, mark.get_title(), None if index is None else index + 1)
                )
            return tuple(pages), tuple(outline)
        finally:
            document.close()


_OPF = "{http://www.idpf.org/2007/opf}"
_XHTML = "{http://www.w3.org/1999/xhtml}"
_CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"


def _epub_files(data: bytes) -> tuple[tuple[Chapter, ...], dict[str, bytes]]:
    """The EPUB's spine (titles and names) and its files by name.

    Names with ``..``, ``.`` or empty segments, backslashes or a leading ``/`` are left
    out (our own EPUBs have none): what the server can return is only what is listed here.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = {
            info.filename: archive.read(info)
            for info in archive.infolist()
            if not info.is_dir() and safe_name(info.filename)
        }
    container = ET.fromstring(files["META-INF/container.xml"])
    rootfile = container.find(f".//{_CONTAINER}rootfile")
    opf_name = rootfile.get("full-path", "") if rootfile is not None else ""
    opf = ET.fromstring(files[opf_name])
    base = PurePosixPath(opf_name).parent
    hrefs = {
        item.get("id"): str(base / item.get("href", ""))
        for item in opf.iter(f"{_OPF}item")
        if item.get("media-type") == "application/xhtml+xml"
    }
    chapters = []
    for number, ref in enumerate(opf.iter(f"{_OPF}itemref"), 1):
        name = hrefs.get(ref.get("idref"))
        if name is None or name not in files:
            continue
        title_element = ET.fromstring(files[name]).find(f".//{_XHTML}title")
        title = (title_element.text or "").strip() if title_element is not None else ""
        chapters.append(Chapter(title or f"Part {number}", name))
    return tuple(chapters), files


def safe_name(name: str) -> bool:
    """True for a relative name of plain segments (no ``..``, ``.``, empty segment,
    backslash or NUL): the only names the preview ever serves."""
    if not name or name.startswith("/") or "\\" in name or "\x00" in name:
        return False
    return all(part not in ("", ".", "..") for part in name.split("/"))
