"""The model as JSON-ready data (``briefing inspect --json``), a stable shape for other tools.

Shape: ``{"meta": {...}, "sections": [{"heading", "level", "number", "id", "blocks": [...]}]}``;
blocks have a ``type`` of ``paragraph``, ``takeaways``, ``list``, ``table``, ``quote``,
``code``, ``callout`` or ``figure``; lists, quotes and callouts hold nested ``blocks``.
Text is given plain (``"text"``) and, where it can carry markup, as inline nodes
(``"inlines"``).
"""

from __future__ import annotations

from typing import Any

from briefing.model import (
    Block,
    Callout,
    Code,
    CodeBlock,
    CrossRef,
    DefinitionList,
    Document,
    Emph,
    Figure,
    Inlines,
    LineBreak,
    Link,
    ListBlock,
    Meta,
    Note,
    Paragraph,
    Quote,
    Strong,
    Table,
    Takeaways,
    Text,
    plain,
)

__all__ = ["document_to_dict", "meta_to_dict"]


def _inlines(content: Inlines) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = []
    for node in content:
        if isinstance(node, Text):
            result.append({"type": "text", "text": node.text})
        elif isinstance(node, Code):
            result.append({"type": "code", "text": node.text})
        elif isinstance(node, Emph | Strong):
            kind = "emph" if isinstance(node, Emph) else "strong"
            result.append({"type": kind, "children": _inlines(node.children)})
        elif isinstance(node, Link):
            result.append(
                {"type": "link", "target": node.target, "children": _inlines(node.children)}
            )
        elif isinstance(node, LineBreak):
            result.append({"type": "break"})
        elif isinstance(node, Note) and node.repeat:
            result.append({"type": "note", "number": node.number, "repeat": True})
        elif isinstance(node, Note):
            result.append(
                {"type": "note", "number": node.number, "inlines": _inlines(node.content)}
            )
        elif isinstance(node, CrossRef):
            result.append(
                {"type": "ref", "kind": node.kind, "target": node.target, "number": node.number}
            )
    return result


def _block(block: Block) -> dict[str, Any]:
    if isinstance(block, Paragraph):
        return {
            "type": block.type,
            "text": plain(block.content),
            "inlines": _inlines(block.content),
        }
    if isinstance(block, Quote):
        return {"type": "quote", "blocks": [_block(inner) for inner in block.blocks]}
    if isinstance(block, CodeBlock):
        return {"type": "code", "text": block.text, "language": block.language}
    if isinstance(block, Callout):
        return {
            "type": "callout",
            "kind": block.kind,
            "title": plain(block.title) if block.title is not None else None,
            "blocks": [_block(inner) for inner in block.blocks],
        }
    if isinstance(block, Figure):
        return {
            "type": "figure",
            "number": block.number,
            "id": block.id,
            "source": block.image.source,
            "embedded": block.image.data is not None,
            "alt": block.alt,
            "caption": plain(block.caption),
        }
    if isinstance(block, Takeaways):
        return {
            "type": "takeaways",
            "items": [
                {
                    "label": item.label,
                    "text": plain(item.content),
                    "inlines": _inlines(item.content),
                }
                for item in block.items
            ],
        }
    if isinstance(block, ListBlock):
        return {
            "type": "list",
            "ordered": block.ordered,
            "start": block.start,
            "style": block.style,
            "items": [
                {
                    "text": plain(item.content),
                    "inlines": _inlines(item.content),
                    "blocks": [_block(inner) for inner in item.blocks],
                }
                for item in block.items
            ],
        }
    if isinstance(block, DefinitionList):
        return {
            "type": "definitions",
            "items": [
                {
                    "term": plain(item.term),
                    "inlines": _inlines(item.term),
                    "definitions": [[_block(inner) for inner in d] for d in item.definitions],
                }
                for item in block.items
            ],
        }
    if isinstance(block, Table):
        return {
            "type": "table",
            "number": block.number,
            "caption": block.caption_text,
            "id": block.id,
            "header": [plain(cell) for cell in block.header],
            "rows": [[plain(cell) for cell in row] for row in block.rows],
            "align": list(block.align),
        }
    raise TypeError(f"unknown block {block!r}")  # pragma: no cover - the model is closed


def meta_to_dict(meta: Meta) -> dict[str, Any]:
    """Metadata as JSON-ready data (dates as ISO strings, the source as a path string)."""
    return {
        "title": meta.title,
        "subtitle": meta.subtitle,
        "date": meta.date.isoformat() if meta.date else None,
        "authors": list(meta.authors),
        "organisation": meta.organisation,
        "language": meta.language,
        "edition": meta.edition,
        "marking": meta.marking,
        "status": meta.status,
        "audience": meta.audience,
        "summary": meta.summary,
        "keywords": list(meta.keywords),
        "identifier": meta.identifier,
        "source": str(meta.source) if meta.source else None,
    }


def document_to_dict(document: Document) -> dict[str, Any]:
    """The whole document as JSON-ready data."""
    return {
        "meta": meta_to_dict(document.meta),
        "sections": [
            {
                "heading": section.heading,
                "level": section.level,
                "number": section.number,
                "id": section.id,
                "blocks": [_block(block) for block in section.blocks],
            }
            for section in document.sections
        ],
    }
