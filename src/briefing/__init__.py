"""briefing: structured articles in, policy-briefing PDFs and EPUB 3 books out.

The public API, in pipeline order::

    from briefing import read_article, build_article
    doc = read_article("sources/alaska-talks.txt", meta={"title": "Alaska talks"})
    outputs = build_article("sources/alaska-talks.txt", out_dir="dist", formats=("pdf",))

Heavy engines (WeasyPrint, ebooklib) are imported only by the functions that use them.
"""

from __future__ import annotations

__version__ = "0.1.0"
