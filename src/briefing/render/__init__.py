"""Renderers: the model to HTML (Jinja2), PDF (WeasyPrint) and EPUB 3 (ebooklib).

One engine per module: only html.py imports Jinja2, pdf.py WeasyPrint, epub.py ebooklib.
"""
