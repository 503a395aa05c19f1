"""PDF post-processing with pypdf: per-recipient copies without laying anything out again.

The one module that imports pypdf. A plain ``merge_page`` adds untagged content and breaks
PDF/UA (see ../shared/PITFALLS.md). Instead each copy is the rendered briefing plus an
*incremental update* (PDF 32000-1, 7.5.6) that

- adds the recipient's stamp, one page of a stamp sheet rendered once for all recipients
  (so its fonts are embedded subsets covering every name), as a Form XObject;
- draws it on every page inside an ``/Artifact`` marked-content sequence (pagination
  furniture, outside the structure tree), after wrapping the page's own content in
  ``q ... Q`` so the stamp starts from the default coordinate system;
- records the recipient and the copy number in the document information dictionary.

Nothing of the original is rewritten, so tagging, outline, page labels and XMP survive.

Speed: copies differ only in the stamp's content stream and the information dictionary.
:class:`Stamper` analyses the briefing and the sheet once (with pypdf), serialises every
shared object once, and then writes each copy as ``base + shared objects + two small
objects + a cross-reference section``: about a millisecond a copy, where re-opening the
briefing with pypdf for each copy costs tens.
"""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

__all__ = ["RecipientStamp", "Stamper", "stamp_copies"]

_ARTIFACT = b"/Artifact <</Type /Pagination /Subtype /Header>> BDC q /BriefingStamp Do Q EMC"


@dataclass(frozen=True, slots=True)
class RecipientStamp:
    """What marks one copy: the text on its pages and the entries added to its metadata."""

    text: str
    recipient: str
    copy: str


def _serialise(number: int, obj: Any) -> bytes:
    stream = io.BytesIO()
    stream.write(f"{number} 0 obj\n".encode())
    obj.write_to_stream(stream)
    stream.write(b"\nendobj\n")
    return stream.getvalue()


class Stamper:
    """Makes recipient copies of one rendered briefing from one stamp sheet.

    :param base: the rendered briefing.
    :param sheet: a PDF with one page per stamp, the same size as ``base``'s pages.
    """

    def __init__(self, base: bytes, sheet: bytes) -> None:
        from pypdf import PdfReader, PdfWriter
        from pypdf.generic import (
            ArrayObject,
            DecodedStreamObject,
            DictionaryObject,
            NameObject,
        )

        reader = PdfReader(io.BytesIO(base))
        self.base = base if base.endswith(b"\n") else base + b"\n"
        trailer = reader.trailer
        self.size = int(cast(int, trailer["/Size"]))
        self.root = trailer.raw_get("/Root")
        identifiers = cast(ArrayObject, trailer.get("/ID") or ArrayObject())
        self.first_id = bytes(identifiers[0].original_bytes) if identifiers else b""
        tail = base[base.rfind(b"startxref") :]
        self.previous = int(tail.split()[1])
        self.classic = base[self.previous : self.previous + 4] == b"xref"
        self.info: dict[str, Any] = dict(reader.metadata or {})

        sheet_pages = PdfReader(io.BytesIO(sheet)).pages
        self.stamps = [page.get_contents().get_data() for page in sheet_pages]  # type: ignore[union-attr]
        # One incremental writer, once, to number the new objects after the base's.
        writer = PdfWriter(io.BytesIO(base), incremental=True)
        resources = _union_resources(sheet_pages).clone(writer)

        def add(obj: Any) -> Any:
            return writer._add_object(obj)

        push = DecodedStreamObject()
        push.set_data(b"q")
        draw = DecodedStreamObject()
        draw.set_data(b"Q " + _ARTIFACT)
        push_ref, draw_ref = add(push), add(draw)
        self.form_number = len(writer._objects) + 1
        self.info_number = self.form_number + 1
        self.xref_number = self.info_number + 1
        form_ref = writer._add_object(DecodedStreamObject())  # reserves the number
        assert form_ref.idnum == self.form_number
        self.form = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/XObject"),
                NameObject("/Subtype"): NameObject("/Form"),
                NameObject("/BBox"): ArrayObject(sheet_pages[0].mediabox),
                NameObject("/Resources"): resources,
            }
        )
        shared: list[tuple[int, bytes]] = [
            (number, _serialise(number, writer._objects[number - 1]))
            for number in range(self.size, self.form_number)
        ]
        for page in reader.pages:
            copy = DictionaryObject(page)
            own = DictionaryObject(cast(DictionaryObject, page["/Resources"].get_object()))
            xobjects = own.get("/XObject")
            xobjects = DictionaryObject(xobjects.get_object() if xobjects is not None else {})
            xobjects[NameObject("/BriefingStamp")] = form_ref
            own[NameObject("/XObject")] = xobjects
            copy[NameObject("/Resources")] = own
            contents = page.raw_get("/Contents")
            existing = contents.get_object()
            parts = list(existing) if isinstance(existing, ArrayObject) else [contents]
            copy[NameObject("/Contents")] = ArrayObject([push_ref, *parts, draw_ref])
            reference = page.indirect_reference
            assert reference is not None
            shared.append((reference.idnum, _serialise(reference.idnum, copy)))
        self.shared = shared

    def copy(self, index: int, stamp: RecipientStamp) -> bytes:
        """The copy carrying stamp ``index`` of the sheet."""
        from pypdf.generic import (
            DictionaryObject,
            NameObject,
            NumberObject,
            StreamObject,
            TextStringObject,
        )

        out = bytearray(self.base)
        offsets: dict[int, int] = {}
        for number, blob in self.shared:
            offsets[number] = len(out)
            out += blob
        data = zlib.compress(self.stamps[index], 6)
        form = StreamObject()
        form.update(self.form)
        form[NameObject("/Filter")] = NameObject("/FlateDecode")
        form[NameObject("/Length")] = NumberObject(len(data))
        form._data = data
        offsets[self.form_number] = len(out)
        out += _serialise(self.form_number, form)
        info = DictionaryObject(
            {
                NameObject(k): (v if not isinstance(v, str) else TextStringObject(v))
                for k, v in self.info.items()
            }
        )
        info[NameObject("/Recipient")] = TextStringObject(stamp.recipient)
        info[NameObject("/Copy")] = TextStringObject(stamp.copy)
        offsets[self.info_number] = len(out)
        out += _serialise(self.info_number, info)
        second_id = hashlib.md5(self.first_id + stamp.text.encode()).hexdigest().encode()
        # /Size is one more than the highest object number: the xref stream's, when there is one.
        size = self.info_number + 1 if self.classic else self.xref_number + 1
        trailer = (
            (
                f"/Size {size} /Root {self.root.idnum} 0 R "
                f"/Info {self.info_number} 0 R /Prev {self.previous} "
            ).encode()
            + b"/ID [<"
            + self.first_id.hex().encode()
            + b"> <"
            + second_id
            + b">]"
        )
        start = len(out)
        if self.classic:
            out += b"xref\n" + _table(offsets) + b"trailer\n<< " + trailer + b" >>\n"
        else:
            offsets[self.xref_number] = start
            rows, index_pairs = _stream_rows(offsets)
            header = (
                f"{self.xref_number} 0 obj\n<< /Type /XRef /W [1 4 2] "
                f"/Index [{' '.join(index_pairs)}] /Length {len(rows)} "
            ).encode()
            out += header + trailer + b" >>\nstream\n" + rows + b"\nendstream\nendobj\n"
        out += f"startxref\n{start}\n%%EOF\n".encode()
        return bytes(out)


def _union_resources(pages: Any) -> Any:
    """The resources of every sheet page in one dictionary: a page names only the fonts it
    uses (a fallback font may appear on one page only), and every copy's stamp form shares
    one resource dictionary."""
    from pypdf.generic import DictionaryObject, NameObject

    union = DictionaryObject()
    for page in pages:
        for kind, entries in cast(DictionaryObject, page["/Resources"].get_object()).items():
            entries = entries.get_object()
            if isinstance(entries, DictionaryObject):
                merged = union.setdefault(NameObject(kind), DictionaryObject())
                for name in entries:
                    if name in merged and merged.raw_get(name) != entries.raw_get(name):
                        raise ValueError(f"stamp sheet pages disagree on resource {kind}{name}")
                    merged[NameObject(name)] = entries.raw_get(name)
            else:
                union[NameObject(kind)] = entries
    return union


def _runs(numbers: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for number in sorted(numbers):
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    return runs


def _table(offsets: dict[int, int]) -> bytes:
    lines = []
    for run in _runs(list(offsets)):
        lines.append(f"{run[0]} {len(run)}\n")
        lines.extend(f"{offsets[n]:010d} 00000 n \n" for n in run)
    return "".join(lines).encode()


def _stream_rows(offsets: dict[int, int]) -> tuple[bytes, list[str]]:
    rows = bytearray()
    pairs = []
    for run in _runs(list(offsets)):
        pairs += [str(run[0]), str(len(run))]
        for number in run:
            rows += struct.pack(">BIH", 1, offsets[number], 0)
    return bytes(rows), pairs


def stamp_copies(
    base: bytes, sheet: bytes, stamps: Sequence[RecipientStamp]
) -> Iterator[tuple[RecipientStamp, bytes]]:
    """Yield ``(stamp, pdf bytes)`` for each recipient copy of ``base``.

    :param base: the rendered briefing.
    :param sheet: a PDF with one page per stamp, the same size as ``base``'s pages.
    :param stamps: one per page of ``sheet``, in order.
    """
    stamper = Stamper(base, sheet)
    if len(stamper.stamps) != len(stamps):
        raise ValueError(
            f"the stamp sheet has {len(stamper.stamps)} pages for {len(stamps)} stamps"
        )
    for index, stamp in enumerate(stamps):
        yield stamp, stamper.copy(index, stamp)
