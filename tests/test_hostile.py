"""Hostile articles: everything is printed literally in both outputs and nothing is acted
on (no script, no template evaluation, no file or network request), EPUBs stay valid, and
words too long for a line wrap instead of running off the page."""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path

import pypdf
import pytest
from lxml import etree

from briefing import BuildOptions, BuildResult, build
from briefing.fonts import system_font_files
from briefing.readers import read_article
from briefing.render.html import render_html
from briefing.render.pdf import PdfEngine
from briefing.report import collecting
from briefing.themes import load_theme
from tests.validators import epub_problems, epubcheck, pdf_failures

pytestmark = pytest.mark.slow  # renders hostile input; runs EPUBCheck and PDF/UA

HOSTILE = Path(__file__).parent / "fixtures" / "hostile"
MARKDOWN, TEXT = HOSTILE / "hostile.md", HOSTILE / "hostile-text.txt"
LONG_WORD = "Pneumono" + "ultramicroscopicsilicovolcano" * 8 + "coniosis"
LONG_URL = (
    "https://example.org/"
    + "/".join(f"segment{n:03d}-with-a-long-name" for n in range(12))
    + "?q="
    + "x" * 60
)

LITERAL = {
    MARKDOWN: [
        "Hostile {{ 7*7 }} {% include '/etc/passwd' %} <script>alert(1)</script>",  # title
        "<img src=x onerror=alert(1)>",  # subtitle
        "{{ config }} & <b>Org</b>",  # organisation
        "</div><script>alert('m')</script>",  # marking (a banner on every page)
        "<script>alert('lede')</script>",
        '<img src="file:///etc/passwd" onerror="alert(1)">',
        '<link rel="attachment" href="file:///etc/passwd">',
        '@import url("file:///etc/passwd"); body { background: url(http://127.0.0.1:9/x) }',
        "Section {{ 7*7 }}",
        '{% include "/etc/passwd" %}',
        "{{ lipsum() }}",
        "{# a comment #}",
        "[javascript link](javascript:alert(1))",
        "[file link](file:///etc/passwd)",
        "![an image](file:///etc/passwd)",
        "remote image",  # an image in running text: its alt text (and a warning)
        '<a href="http://127.0.0.1:9/">raw anchor</a>',
        "Label <b>bold</b>",
        '<i onclick="steal()">handler</i>',
        "Header <script>x</script>",
        '<iframe src="http://127.0.0.1:9"></iframe>',
        LONG_WORD,
        LONG_URL,
    ],
    TEXT: [
        "<script>alert('lede')</script>",
        '<img src="file:///etc/passwd" onerror="alert(1)">',
        "Section {{ 7*7 }}",
        '{% include "/etc/passwd" %}',
        '<link rel="attachment" href="file:///etc/passwd">',
        '<style>@import url("file:///etc/passwd");</style>',
        "Label <b>bold</b>",
        '<i onclick="steal()">handler</i>',
        "url(http://127.0.0.1:9/x.png) and javascript:alert(1)",
        "Header <script>x</script>",
        '<iframe src="http://127.0.0.1:9"></iframe>',
        "[file](file:///etc/passwd)",
        LONG_WORD,
        LONG_URL,
    ],
}


def normal(text: str) -> str:
    """Compare text as read, not as laid out: line breaks, hyphenation and the banner's
    upper case do not count."""
    return re.sub(r"[\s\-‐]+", "", text).casefold()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    out = tmp_path_factory.mktemp("hostile")
    result = build([MARKDOWN, TEXT], out_dir=out, options=BuildOptions(formats=("pdf", "epub")))
    assert result.ok, result.failures
    return result


def path_of(result: BuildResult, source: Path, fmt: str) -> Path:
    (path,) = [o.path for o in result.outputs if o.source == source and o.format == fmt]
    return path


def epub_text(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return " ".join(
            html.unescape(re.sub(r"<[^>]+>", " ", archive.read(name).decode()))
            for name in archive.namelist()
            if name.endswith(".xhtml")
        )


@pytest.mark.parametrize("source", [MARKDOWN, TEXT], ids=["markdown", "text"])
def test_pdf_text_is_literal(built: BuildResult, source: Path) -> None:
    reader = pypdf.PdfReader(path_of(built, source, "pdf"))
    text = normal(" ".join(page.extract_text() for page in reader.pages))
    assert [s for s in LITERAL[source] if normal(s) not in text] == []
    assert "hostile49" not in text and "section49" not in text  # nothing was evaluated
    if source == MARKDOWN:
        assert reader.metadata.title == LITERAL[MARKDOWN][0]


@pytest.mark.parametrize("source", [MARKDOWN, TEXT], ids=["markdown", "text"])
def test_epub_text_is_literal_and_valid(built: BuildResult, source: Path) -> None:
    path = path_of(built, source, "epub")
    text = normal(epub_text(path))
    assert [s for s in LITERAL[source] if normal(s) not in text] == []
    assert "section49" not in text
    assert epub_problems(epubcheck(path)) == []


def test_epub_holds_no_active_markup(built: BuildResult) -> None:
    """The only elements that load or run anything are the tool's own."""
    with zipfile.ZipFile(path_of(built, MARKDOWN, "epub")) as archive:
        for name in archive.namelist():
            if not name.endswith(".xhtml"):
                continue
            tree = etree.fromstring(archive.read(name))
            for element in tree.iter():
                tag = etree.QName(element).localname if isinstance(element.tag, str) else ""
                assert tag not in ("script", "iframe", "object", "embed", "style"), name
                assert not [a for a in element.attrib if a.lower().startswith("on")], name
                if tag == "img":
                    assert element.get("src") == "images/cover.svg"
                if tag == "link":
                    assert element.get("href", "").startswith("style/")
                if tag == "a":
                    assert not element.get("href", "").startswith(("javascript:", "file:"))


@pytest.mark.parametrize("source", [MARKDOWN, TEXT], ids=["markdown", "text"])
def test_fetches_stay_inside_theme_and_article_folder(source: Path) -> None:
    with collecting():
        document = read_article(source)
    theme = load_theme("brief")
    rendered = PdfEngine().render(render_html(document, theme=theme), article_dir=source.parent)
    allowed = [root.resolve() for root in (*theme.roots, source.parent)]
    assert rendered.fetches
    for record in rendered.fetches:
        assert record.allowed, record.url
        assert record.url.startswith("file://"), record.url  # no network, no data smuggling
        path = Path(record.url.removeprefix("file://")).resolve()
        # besides the theme, only the exact system font files it declares (Noto Sans CJK)
        declared = system_font_files(theme)
        assert path in declared or any(path.is_relative_to(r) for r in allowed), record.url
        assert "passwd" not in record.url and "127.0.0.1" not in record.url


def test_hostile_pdfs_stay_valid(built: BuildResult) -> None:
    assert pdf_failures(path_of(built, MARKDOWN, "pdf"), "ua1") == []


def _right_edges(source: Path, extra_css: str = "") -> list[tuple[float, float]]:
    import weasyprint
    from weasyprint.formatting_structure.boxes import TextBox

    with collecting():
        document = read_article(source)
    theme = load_theme("brief")
    stylesheet = theme.style("briefing.css")
    sheets = [weasyprint.CSS(filename=str(stylesheet))]
    if extra_css:
        sheets.append(weasyprint.CSS(string=extra_css))
    html_doc = render_html(document, theme=theme)
    laid_out = weasyprint.HTML(
        string=html_doc.html, base_url=stylesheet.parent.as_uri() + "/"
    ).render(stylesheets=sheets)
    edges = []
    for page in laid_out.pages:
        box = page._page_box
        right = max(b.position_x + b.width for b in box.descendants() if isinstance(b, TextBox))
        edges.append((right, page.width - box.margin_right))
    return edges


@pytest.mark.parametrize("source", [MARKDOWN, TEXT], ids=["markdown", "text"])
def test_long_words_and_urls_wrap_inside_the_page(source: Path) -> None:
    for right, limit in _right_edges(source):
        assert right <= limit + 0.5
    # The check can fail: without the theme's wrapping rules the same text overflows.
    unwrapped = _right_edges(
        source, "p, li, td, th { overflow-wrap: normal; hyphens: manual } wbr { display: none }"
    )
    assert any(right > limit + 20 for right, limit in unwrapped)
