"""briefing: structured articles in, policy-briefing PDFs and EPUB 3 books out.

The public API, in pipeline order::

    from briefing import BuildOptions, build, read_article

    document = read_article("sources/alaska-talks.txt", meta={"title": "The Alaska Talks"})
    result = build(["sources/alaska-talks.txt"], out_dir="dist",
                   options=BuildOptions(formats=("pdf",)))

Nothing here imports a rendering engine: WeasyPrint and ebooklib are imported by the
functions that use them, so reading and inspecting articles stays fast.
"""

from __future__ import annotations

__version__ = "0.1.0"

from briefing.build import BuildOptions, BuildResult, build
from briefing.errors import BriefingError, Diagnostic, InputError, OutputError, ThemeError
from briefing.model import Document, Meta, Section
from briefing.output import Output
from briefing.readers import explain_article, read_article
from briefing.render.epub import render_epub
from briefing.render.html import render_html
from briefing.render.pdf import PdfEngine, write_pdf
from briefing.themes import Theme, load_theme

__all__ = [
    "BriefingError",
    "BuildOptions",
    "BuildResult",
    "Diagnostic",
    "Document",
    "InputError",
    "Meta",
    "Output",
    "OutputError",
    "PdfEngine",
    "Section",
    "Theme",
    "ThemeError",
    "__version__",
    "build",
    "explain_article",
    "load_theme",
    "read_article",
    "render_epub",
    "render_html",
    "write_pdf",
]
