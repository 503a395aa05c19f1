"""briefing: structured articles in, policy-briefing PDFs and EPUB 3 books out.

The public API, in pipeline order::

    from briefing import BuildOptions, build, read_article

    document = read_article("sources/alaska-talks.txt", meta={"title": "The Alaska Talks"})
    result = build(["sources/alaska-talks.txt"], out_dir="dist",
                   options=BuildOptions(formats=("pdf",)))

Names are imported on first use (PEP 562), so ``import briefing`` and ``briefing --help``
stay fast; WeasyPrint and ebooklib are imported only by the functions that render.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Public name -> the module that defines it.
_EXPORTS = {
    "BriefingError": "briefing.errors",
    "BuildOptions": "briefing.build",
    "BuildResult": "briefing.build",
    "Diagnostic": "briefing.errors",
    "Document": "briefing.model",
    "InputError": "briefing.errors",
    "Meta": "briefing.model",
    "Output": "briefing.output",
    "OutputError": "briefing.errors",
    "PdfEngine": "briefing.render.pdf",
    "Section": "briefing.model",
    "Theme": "briefing.themes",
    "ThemeError": "briefing.errors",
    "build": "briefing.build",
    "build_editions": "briefing.editions",
    "check_paths": "briefing.check",
    "explain_article": "briefing.readers",
    "load_config": "briefing.config",
    "load_theme": "briefing.themes",
    "read_article": "briefing.readers",
    "render_epub": "briefing.render.epub",
    "render_html": "briefing.render.html",
    "write_pdf": "briefing.render.pdf",
}

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
    "build_editions",
    "check_paths",
    "explain_article",
    "load_config",
    "load_theme",
    "read_article",
    "render_epub",
    "render_html",
    "write_pdf",
]

if TYPE_CHECKING:
    from briefing.build import BuildOptions, BuildResult, build
    from briefing.check import check_paths
    from briefing.config import load_config
    from briefing.editions import build_editions
    from briefing.errors import BriefingError, Diagnostic, InputError, OutputError, ThemeError
    from briefing.model import Document, Meta, Section
    from briefing.output import Output
    from briefing.readers import explain_article, read_article
    from briefing.render.epub import render_epub
    from briefing.render.html import render_html
    from briefing.render.pdf import PdfEngine, write_pdf
    from briefing.themes import Theme, load_theme


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'briefing' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
