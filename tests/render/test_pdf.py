"""The seed's PDF: pages, metadata, outline, fonts, tagging, text, validity, reproducibility."""

from __future__ import annotations

import re
from pathlib import Path

import pypdf
import pytest

from briefing import BuildOptions, BuildResult, build
from briefing.model import plain
from briefing.readers import read_article
from briefing.report import collecting
from tests.conftest import SEED, output
from tests.validators import pdf_failures

pytestmark = pytest.mark.slow  # every test renders or reads a rendered PDF


def squash(text: str) -> str:
    """Text as read: runs of white space are one space, and a line break after a hyphen
    ("flare-" / "ups") is layout, not a space."""
    return re.sub(r"-\s+", "-", " ".join(text.split()))


def expected_strings(path: Path) -> list[str]:
    """Every heading, takeaway label and table cell of an article."""
    with collecting():
        document = read_article(path)
    strings = [s.heading for s in document.toc if s.heading]
    strings += [t.label for t in document.takeaways]
    for table in document.tables:
        strings += [plain(c) for c in table.header]
        strings += [plain(c) for row in table.rows for c in row]
    return strings


@pytest.fixture(scope="module")
def reader(seed_build: BuildResult) -> pypdf.PdfReader:
    return pypdf.PdfReader(output(seed_build, "pdf"))


def test_pages_and_metadata(reader: pypdf.PdfReader) -> None:
    assert len(reader.pages) > 1
    info = reader.metadata
    assert info is not None
    assert info.title == "Alaska Talks"
    assert info["/Creator"].startswith("briefing ")
    assert info.subject and info.subject.startswith("In a world increasingly defined")
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en"
    xmp = reader.xmp_metadata
    assert xmp is not None and xmp.dc_title == {"x-default": "Alaska Talks"}


def test_outline_matches_sections(reader: pypdf.PdfReader) -> None:
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert titles == [
        "1 Outcomes of the Alaska Summit Analyzed",
        "2 Key Agreements and their Implications for U.S.-Russia Relations",
        "3 Expert Recommendations for Future Diplomatic Engagements",
        "4 Insights and Conclusions",
    ]


def test_page_labels(reader: pypdf.PdfReader) -> None:
    # Page 1 starts the text (no stand-alone cover page): every page has its number.
    assert reader.page_labels == [str(n) for n in range(1, len(reader.pages) + 1)]


def test_fonts_are_embedded(reader: pypdf.PdfReader) -> None:
    seen = 0
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = (
                font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            )
            descriptor = descendant["/FontDescriptor"].get_object()
            assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), font["/BaseFont"]
            seen += 1
    assert seen > 0


def test_tagged(reader: pypdf.PdfReader) -> None:
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] == True  # noqa: E712 (a pypdf BooleanObject)
    assert "/StructTreeRoot" in root


def test_every_heading_label_and_cell_is_in_the_text(reader: pypdf.PdfReader) -> None:
    text = squash(" ".join(page.extract_text() for page in reader.pages))
    missing = [s for s in expected_strings(SEED) if squash(s) not in text]
    assert missing == []
    assert "Key takeaways".upper() in text.upper()
    assert re.search(r"Page 2 of \d", text)


def test_pdf_ua1_valid(seed_build: BuildResult, markdown_build: BuildResult) -> None:
    assert pdf_failures(output(seed_build, "pdf"), "ua1") == []
    assert pdf_failures(output(markdown_build, "pdf"), "ua1") == []


def test_pdf_a3u_valid_with_source_attached(tmp_path: Path) -> None:
    options = BuildOptions(formats=("pdf",), pdf_variant="pdf/a-3u")
    with collecting():
        result = build([SEED], out_dir=tmp_path, options=options)
    path = output(result, "pdf")
    assert pdf_failures(path, "3u") == []
    attachments = pypdf.PdfReader(path).attachments
    assert attachments["alaska-talks.txt"] == [SEED.read_bytes()]


def test_two_builds_are_byte_identical(seed_build: BuildResult, tmp_path: Path) -> None:
    again = build([SEED], out_dir=tmp_path, options=BuildOptions(formats=("pdf", "epub")))
    for fmt in ("pdf", "epub"):
        assert output(again, fmt).read_bytes() == output(seed_build, fmt).read_bytes(), fmt


def test_markings_and_draft(tmp_path: Path) -> None:
    options = BuildOptions(formats=("pdf",), meta={"marking": "TLP:AMBER", "status": "draft"})
    result = build([SEED], out_dir=tmp_path, options=options)
    pages = pypdf.PdfReader(output(result, "pdf")).pages
    for page in pages:
        assert page.extract_text().count("TLP:AMBER") == 2  # banner at top and bottom
    assert pdf_failures(output(result, "pdf"), "ua1") == []
