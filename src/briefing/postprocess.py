"""PDF post-processing with pypdf: per-recipient copies without laying anything out again.

The one module that imports pypdf. A plain ``merge_page`` would add untagged content and
break PDF/UA (see ../shared/PITFALLS.md); instead each copy is an *incremental update* of
the rendered briefing that

- adds the recipient's stamp (one page of a stamp sheet rendered once for all recipients,
  so its fonts are embedded subsets) as a Form XObject,
- draws it on every page inside an ``/Artifact`` marked-content sequence (pagination
  furniture, outside the structure tree), after wrapping the page's own content in
  ``q ... Q`` so the stamp starts from the default coordinate system,
- records the recipient and copy number in the document information dictionary.

Nothing of the original is rewritten, so tagging, outline, page labels and XMP survive.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import cast

__all__ = ["RecipientStamp", "stamp_copies"]

_ARTIFACT = b"/Artifact <</Type /Pagination /Subtype /Header>> BDC q /BriefingStamp Do Q EMC"


@dataclass(frozen=True, slots=True)
class RecipientStamp:
    """What marks one copy: the text on its pages and the entries added to its metadata."""

    text: str
    recipient: str
    copy: str


def stamp_copies(
    base: bytes, sheet: bytes, stamps: Sequence[RecipientStamp]
) -> Iterator[tuple[RecipientStamp, bytes]]:
    """Yield ``(stamp, pdf bytes)`` for each recipient copy of ``base``.

    :param base: the rendered briefing.
    :param sheet: a PDF with one page per stamp, the same size as ``base``'s pages.
    :param stamps: one per page of ``sheet``, in order.
    """
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        FloatObject,
        NameObject,
        TextStringObject,
    )

    sheet_pages = PdfReader(io.BytesIO(sheet)).pages
    if len(sheet_pages) != len(stamps):
        raise ValueError(f"the stamp sheet has {len(sheet_pages)} pages for {len(stamps)} stamps")

    def stream(data: bytes) -> DecodedStreamObject:
        obj = DecodedStreamObject()
        obj.set_data(data)
        return obj

    for stamp, stamp_page in zip(stamps, sheet_pages, strict=True):
        writer = PdfWriter(io.BytesIO(base), incremental=True)
        form = stream(stamp_page.get_contents().get_data())  # type: ignore[union-attr]
        form.update(
            {
                NameObject("/Type"): NameObject("/XObject"),
                NameObject("/Subtype"): NameObject("/Form"),
                NameObject("/BBox"): ArrayObject(FloatObject(v) for v in stamp_page.mediabox),
                NameObject("/Resources"): stamp_page["/Resources"].clone(writer),
            }
        )
        form_ref = writer._add_object(form)
        push = writer._add_object(stream(b"q"))
        draw = writer._add_object(stream(b"Q " + _ARTIFACT))
        for page in writer.pages:
            resources = cast(DictionaryObject, page["/Resources"].get_object())
            if "/XObject" not in resources:
                resources[NameObject("/XObject")] = DictionaryObject()
            xobjects = cast(DictionaryObject, resources["/XObject"].get_object())
            xobjects[NameObject("/BriefingStamp")] = form_ref
            contents = page.raw_get("/Contents")
            existing = contents.get_object()
            parts = list(existing) if isinstance(existing, ArrayObject) else [contents]
            page[NameObject("/Contents")] = ArrayObject([push, *parts, draw])
        writer.add_metadata(
            {
                "/Recipient": TextStringObject(stamp.recipient),
                "/Copy": TextStringObject(stamp.copy),
            }
        )
        out = io.BytesIO()
        writer.write(out)
        yield stamp, out.getvalue()
