"""briefing: structured articles in, policy-briefing PDFs and EPUB 3 books out.

The public API, in pipeline order::

    from briefing import BuildOptions, build, read_article

    document = read_article("sources/alaska-talks.txt", meta={"title": "The Alaska Talks"})
    result = build(["sources/alaska-talks.txt"], out_dir="dist",
                   options=BuildOptions(formats=("pdf",)))

Names are imported on first use (PEP 562), so ``import briefing`` and ``briefing --help``
stay fast; WeasyPrint and ebooklib are imported only by the functions that render. No
submodule has the name of a public function, so importing one never hides the other.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from briefing.version import __version__

#: Public name -> the module that defines it.
_EXPORTS = {
    "BriefingError": "briefing.errors",
    "BuildInterrupted": "briefing.engine",
    "BuildOptions": "briefing.options",
    "BuildResult": "briefing.engine",
    "Code": "briefing.model",
    "Diagnostic": "briefing.errors",
    "Document": "briefing.model",
    "Edition": "briefing.config",
    "Emph": "briefing.model",
    "InputError": "briefing.errors",
    "Link": "briefing.model",
    "ListBlock": "briefing.model",
    "Meta": "briefing.model",
    "Output": "briefing.output",
    "OutputError": "briefing.errors",
    "Paragraph": "briefing.model",
    "PdfEngine": "briefing.render.pdf",
    "Project": "briefing.config",
    "Quote": "briefing.model",
    "Section": "briefing.model",
    "Strong": "briefing.model",
    "Table": "briefing.model",
    "Takeaway": "briefing.model",
    "Takeaways": "briefing.model",
    "Text": "briefing.model",
    "Theme": "briefing.themes",
    "ThemeError": "briefing.errors",
    "build": "briefing.engine",
    "check_paths": "briefing.check",
    "explain_article": "briefing.readers",
    "load_project": "briefing.config",
    "load_theme": "briefing.themes",
    "read_article": "briefing.readers",
    "render_epub": "briefing.render.epub",
    "render_html": "briefing.render.html",
    "write_pdf": "briefing.render.pdf",
}

__all__ = [
    "BriefingError",
    "BuildInterrupted",
    "BuildOptions",
    "BuildResult",
    "Code",
    "Diagnostic",
    "Document",
    "Edition",
    "Emph",
    "InputError",
    "Link",
    "ListBlock",
    "Meta",
    "Output",
    "OutputError",
    "Paragraph",
    "PdfEngine",
    "Project",
    "Quote",
    "Section",
    "Strong",
    "Table",
    "Takeaway",
    "Takeaways",
    "Text",
    "Theme",
    "ThemeError",
    "__version__",
    "build",
    "check_paths",
    "explain_article",
    "load_project",
    "load_theme",
    "read_article",
    "render_epub",
    "render_html",
    "write_pdf",
]

if TYPE_CHECKING:
    from briefing.check import check_paths
    from briefing.config import Edition, Project, load_project
    from briefing.engine import BuildInterrupted, BuildResult, build
    from briefing.errors import BriefingError, Diagnostic, InputError, OutputError, ThemeError
    from briefing.model import (
        Code,
        Document,
        Emph,
        Link,
        ListBlock,
        Meta,
        Paragraph,
        Quote,
        Section,
        Strong,
        Table,
        Takeaway,
        Takeaways,
        Text,
    )
    from briefing.options import BuildOptions
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
