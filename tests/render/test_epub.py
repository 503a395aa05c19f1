"""The EPUBs: strict EPUBCheck, text, accessibility metadata, navigation, page-list."""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path

import pypdf
import pytest
from lxml import etree

from briefing import BuildOptions, BuildResult, build
from tests.conftest import MARKDOWN, SEED, output
from tests.render.test_pdf import expected_strings, squash
from tests.validators import epub_problems, epubcheck

pytestmark = pytest.mark.slow  # every test builds an EPUB; some run EPUBCheck

OPF = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/"}


def epub_files(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def xhtml_text(path: Path) -> str:
    parts = []
    for name, data in sorted(epub_files(path).items()):
        if name.endswith(".xhtml") and not name.endswith("nav.xhtml"):
            parts.append(html.unescape(re.sub(r"<[^>]+>", " ", data.decode())))
    return squash(" ".join(parts))


def opf(path: Path) -> etree._Element:
    files = epub_files(path)
    (name,) = [n for n in files if n.endswith(".opf")]
    return etree.fromstring(files[name])


@pytest.mark.parametrize("which", ["seed_build", "markdown_build"])
def test_epubcheck_strict(which: str, request: pytest.FixtureRequest) -> None:
    result: BuildResult = request.getfixturevalue(which)
    report = epubcheck(output(result, "epub"))
    assert epub_problems(report) == []
    checker = report["checker"]
    assert (checker["nFatal"], checker["nError"], checker["nWarning"]) == (0, 0, 0)


@pytest.mark.parametrize(("which", "source"), [("seed_build", SEED), ("markdown_build", MARKDOWN)])
def test_every_heading_label_and_cell_is_in_the_xhtml(
    which: str, source: Path, request: pytest.FixtureRequest
) -> None:
    text = xhtml_text(output(request.getfixturevalue(which), "epub"))
    assert [s for s in expected_strings(source) if squash(s) not in text] == []


def test_accessibility_metadata(seed_build: BuildResult) -> None:
    root = opf(output(seed_build, "epub"))
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    props: dict[str, list[str]] = {}
    for meta in root.iterfind(".//opf:meta[@property]", OPF):
        props.setdefault(meta.get("property"), []).append(meta.text)
    assert set(props["schema:accessMode"]) == {"textual", "visual"}
    assert props["schema:accessModeSufficient"] == ["textual"]
    assert {"tableOfContents", "structuralNavigation", "readingOrder", "printPageNumbers"} <= set(
        props["schema:accessibilityFeature"]
    )
    assert props["schema:accessibilityHazard"] == ["none"]
    assert props["schema:accessibilitySummary"][0]
    assert props["dcterms:conformsTo"] == ["EPUB Accessibility 1.1 - WCAG 2.1 Level AA"]
    assert props["dcterms:modified"] == ["2000-01-01T00:00:00Z"]  # no date: the fixed epoch
    assert root.findtext(".//dc:title", namespaces=OPF) == "Alaska Talks"
    assert root.findtext(".//dc:source", namespaces=OPF) == "alaska-talks.pdf"
    assert props["pageBreakSource"] == ["alaska-talks.pdf"]  # EPUB 3.3 vocabulary (DAISY Ace)


def test_identifier_is_stable_and_configurable(seed_build: BuildResult, tmp_path: Path) -> None:
    first = opf(output(seed_build, "epub")).findtext(".//dc:identifier", namespaces=OPF)
    assert first and first.startswith("urn:uuid:")
    options = BuildOptions(formats=("epub",), meta={"identifier": "urn:isbn:9780000000002"})
    result = build([SEED], out_dir=tmp_path, options=options)
    assert opf(output(result, "epub")).findtext(".//dc:identifier", namespaces=OPF) == (
        "urn:isbn:9780000000002"
    )


def test_navigation_landmarks_and_tables(seed_build: BuildResult) -> None:
    files = epub_files(output(seed_build, "epub"))
    nav = files["EPUB/nav.xhtml"].decode()
    for kind in ('epub:type="toc"', 'epub:type="landmarks"', 'epub:type="page-list"'):
        assert kind in nav
    assert 'epub:type="bodymatter"' in nav and 'epub:type="cover"' in nav
    assert "EPUB/toc.ncx" in files
    assert files["mimetype"] == b"application/epub+zip"
    assert next(iter(files)) == "mimetype"
    section = files["EPUB/key-agreements-and-their-implications-for-u-s.xhtml"].decode()
    assert '<th scope="col">' in section and '<th scope="row">' in section
    assert "Table 2</span> — Key implications" in section
    cover = files["EPUB/cover.xhtml"].decode()
    assert 'role="doc-cover"' in cover and 'alt="Cover: Alaska Talks"' in cover


def test_page_list_matches_the_pdf(seed_build: BuildResult) -> None:
    """Each page-break marker sits where that PDF page begins: the words after it are the
    first words printed on that page."""
    pdf = pypdf.PdfReader(output(seed_build, "pdf"))
    files = epub_files(output(seed_build, "epub"))
    nav = files["EPUB/nav.xhtml"].decode()
    labels = re.findall(r'<a href="[^"]+#page_[^"]+">([^<]+)</a>', nav)
    assert labels == pdf.page_labels  # one entry per PDF page, same labels
    marker = re.compile(r'<span epub:type="pagebreak"[^>]*aria-label="([^"]+)"(?:/>|></span>)')
    checked = []
    for data in files.values():
        text = data.decode(errors="replace")
        for match in marker.finditer(text):
            after = squash(html.unescape(re.sub(r"<[^>]+>", " ", text[match.end() :])))
            words = " ".join(after.split()[:5])
            page = pdf.pages[pdf.page_labels.index(match.group(1))]
            assert words.lower() in squash(page.extract_text()).lower(), (match.group(1), words)
            checked.append(match.group(1))
    assert sorted(checked, key=pdf.page_labels.index) == pdf.page_labels


ROOT_STYLES = Path(__file__).parent.parent.parent / "styles" / "brief"


def test_fonts_embedded_when_the_theme_asks(tmp_path: Path) -> None:
    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / "theme.toml").write_text("epub_embed_fonts = true\n")
    options = BuildOptions(formats=("epub",), theme=theme)
    path = output(build([MARKDOWN], out_dir=tmp_path / "out", options=options), "epub")
    files = epub_files(path)
    fonts = sorted(n for n in files if n.startswith("EPUB/style/fonts/"))
    shipped = [p for p in (ROOT_STYLES / "fonts").iterdir() if p.suffix.lower() in (".otf", ".ttf")]
    assert "EPUB/style/fonts/Inter-Regular.otf" in fonts and len(fonts) == len(shipped)
    assert 'href="style/fonts.css"' in files["EPUB/lede.xhtml"].decode()
    assert epub_problems(epubcheck(path)) == []


def test_sections_named_like_the_tools_own_parts_get_their_own_ids(tmp_path: Path) -> None:
    """Headings that slug to the EPUB's own documents (title, cover, nav, takeaways), to
    the templates' ids (key takeaways, contents) or to each other keep every id and file
    name unique: strict EPUBCheck passes and the PDF's HTML has no duplicate id."""
    article = tmp_path / "clash.md"
    headings = ["Title", "Cover", "Nav", "Results", "Results", "Results 2", "Key takeaways"]
    headings += ["Contents", "Lede", "Takeaways", "TOC", "Page 1", "Top"]
    body = "".join(f"## {heading}\n\nText under {heading}.\n\n" for heading in headings)
    article.write_text(
        "---\ntitle: Clashing names\n---\n\nThe lede.\n\n- First: one.\n- Second: two.\n\n" + body
    )
    options = BuildOptions(formats=("pdf", "epub", "html"))
    result = build([article], out_dir=tmp_path / "out", options=options)
    epub = output(result, "epub")
    assert epub_problems(epubcheck(epub)) == []
    names = [n for n in epub_files(epub) if n.endswith(".xhtml")]
    assert len(names) == len(set(names)) == len(headings) + 5  # cover title takeaways nav lede
    page = output(result, "html").read_text()
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    sections = re.findall(r'<section id="([^"]+)"', page)
    assert sections[:7] == [
        "lede",
        "title-2",
        "cover-2",
        "nav-2",
        "results",
        "results-2",
        "results-2-2",
    ]
    destinations = pypdf.PdfReader(output(result, "pdf")).named_destinations
    assert {"title-2", "results-2", "results-2-2", "key-takeaways-2"} <= set(destinations)
