"""Renderers: the model to HTML (Jinja2), PDF (WeasyPrint) and EPUB 3 (ebooklib), one engine per module."""
