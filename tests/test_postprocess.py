"""Recipient copies: exact incremental updates, valid in both cross-reference flavours."""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
import pypdf
import pytest

from briefing import BuildOptions, build
from briefing.postprocess import RecipientStamp, stamp_copies
from briefing.render.html import render_stamp_html
from briefing.render.pdf import PdfEngine
from briefing.themes import load_theme
from tests.conftest import MARKDOWN
from tests.validators import pdf_failures

pytestmark = pytest.mark.slow  # renders and runs the PDF validators

# Names in the scripts the theme's fonts cover (Latin, Greek, Cyrillic).
NAMES = ["Ada Lovelace", "Émile Zola", "Σοφία Παπαδοπούλου", "Зоя O'Brien-Ünal"]


@pytest.mark.parametrize("variant", ["pdf/ua-1", "pdf/a-3u"])  # xref stream, classic table
def test_copies_are_exact_and_valid(variant: str, tmp_path: Path) -> None:
    result = build(
        [MARKDOWN], out_dir=tmp_path, options=BuildOptions(formats=("pdf",), pdf_variant=variant)
    )
    base = result.outputs[0].path.read_bytes()
    stamps = [
        RecipientStamp(
            f"Prepared for {name} — copy {n} of {len(NAMES)}", name, f"{n} of {len(NAMES)}"
        )
        for n, name in enumerate(NAMES, 1)
    ]
    sheet = PdfEngine().render(
        render_stamp_html(
            [s.text for s in stamps], theme=load_theme(), paper="a4", language="en", date=None
        ),
        variant=None,
        cover_pages=0,
    )
    copies = list(stamp_copies(base, sheet.data, stamps))
    assert len({data for _, data in copies}) == len(NAMES)
    for stamp, data in copies:
        assert data.startswith(base.rstrip(b"\n"))  # an update: the original bytes untouched
        with pikepdf.open(io.BytesIO(data)) as pdf:
            assert pdf.check_pdf_syntax() == []
        reader = pypdf.PdfReader(io.BytesIO(data))
        assert all(stamp.text in page.extract_text() for page in reader.pages)
        assert reader.metadata["/Recipient"] == stamp.recipient
        assert reader.metadata.title == "Winter Gas Security in the Baltic Region"
    path = tmp_path / "copy.pdf"
    path.write_bytes(copies[-1][1])
    assert pdf_failures(path, "ua1" if variant == "pdf/ua-1" else "3u") == []
