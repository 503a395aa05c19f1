"""Languages and scripts: catalogues, dates, direction, fonts and language editions."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import zipfile
from pathlib import Path

import pytest

from briefing import BuildOptions, BuildResult, build
from briefing.check import check_file
from briefing.errors import ThemeError
from briefing.fonts import foreign_fonts, theme_font_files, uncovered
from briefing.i18n import (
    catalogue_languages,
    format_date,
    is_rtl,
    messages_for,
    page_css,
    shaped_for_svg,
)
from briefing.render.epub import _SUMMARY
from briefing.themes import load_theme
from tests.validators import epub_problems, epubcheck, pdf_failures

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "i18n"
SHIPPED = ("en", "fr", "de", "es", "ru", "uk", "ar", "he", "zh", "ja")

#: ``_("...")``, ``messages("...")`` and ``messages_for(...)("...")`` calls.
_CALL = re.compile(
    r"""(?:\b_|\bmessages|\bmessages_for\([^()]*\))\(\s*(?P<q>["'])(?P<id>.+?)(?<!\\)(?P=q)"""
)


def message_ids() -> set[str]:
    """Every message id used in templates/ and src/."""
    ids = {_SUMMARY}
    files = [*(ROOT / "templates").rglob("*"), *(ROOT / "src").rglob("*.py")]
    for path in files:
        if path.is_file() and path.suffix in (".html", ".xhtml", ".svg", ".py"):
            ids |= {m["id"] for m in _CALL.finditer(path.read_text("utf-8"))}
    return ids


# -- catalogues ----------------------------------------------------------------------


def test_the_required_catalogues_ship() -> None:
    assert set(SHIPPED) <= set(catalogue_languages())


def test_every_message_id_is_in_every_catalogue() -> None:
    ids = message_ids()
    assert {"Key takeaways", "Cover", "Page {page} of {pages}"} <= ids  # the scan works
    missing = {
        language: sorted(i for i in ids if i not in messages_for(language).catalogue)
        for language in catalogue_languages()
        if language != "en"
    }
    missing = {language: found for language, found in missing.items() if found}
    assert not missing, "message ids missing from catalogues:\n" + "\n".join(
        f"  {language}: {found}" for language, found in sorted(missing.items())
    )


def test_catalogues_keep_placeholders() -> None:
    for language in catalogue_languages():
        for msgid, text in messages_for(language).catalogue.items():
            assert set(re.findall(r"{(\w+)}", msgid)) == set(re.findall(r"{(\w+)}", text)), (
                language,
                msgid,
            )


def test_lookup_falls_back_from_region_to_language_to_english() -> None:
    assert messages_for("ru-RU")("Contents") == "Содержание"
    assert messages_for("zh-Hans-CN")("Contents") == "目录"
    assert messages_for("xx")("Contents") == "Contents"
    assert messages_for("en")("Table {number}", number=3) == "Table 3"


def test_a_theme_overrides_and_adds_messages(tmp_path: Path) -> None:
    (tmp_path / "templates" / "messages").mkdir(parents=True)
    (tmp_path / "templates" / "messages" / "ru.toml").write_text(
        '"Key takeaways" = "Главное"\n"Appendix" = "Приложение"\n\n[options]\n', "utf-8"
    )
    messages = messages_for("ru", load_theme(tmp_path))
    assert messages("Key takeaways") == "Главное"
    assert messages("Appendix") == "Приложение"
    assert messages("Contents") == "Содержание"


def test_a_bad_theme_catalogue_is_a_theme_error(tmp_path: Path) -> None:
    (tmp_path / "templates" / "messages").mkdir(parents=True)
    (tmp_path / "templates" / "messages" / "de.toml").write_text('"Cover" = 3\n', "utf-8")
    with pytest.raises(ThemeError, match="must be text"):
        messages_for("de", load_theme(tmp_path))


def test_a_latin_name_is_isolated_inside_arabic() -> None:
    text = messages_for("ar").markup(
        "Prepared for {name} — copy {number} of {total}", name="Li <Wei>", number=1, total=3
    )
    assert "<bdi>Li &lt;Wei&gt;</bdi>" in text and " 1 " in text


def test_a_placeholder_the_tool_does_not_fill_is_a_theme_error(tmp_path: Path) -> None:
    (tmp_path / "templates" / "messages").mkdir(parents=True)
    (tmp_path / "templates" / "messages" / "fr.toml").write_text(
        '"Table {number}" = "Tableau {numero}"\n', "utf-8"
    )
    with pytest.raises(ThemeError, match="placeholder"):
        messages_for("fr", load_theme(tmp_path))("Table {number}", number=2)


# -- dates, digits, direction --------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "20 August 2025"),
        ("ru", "20 августа 2025 г."),
        ("zh", "2025年8月20日"),
        ("ja", "2025年8月20日"),
        ("ar", "20 أغسطس 2025"),
        ("de", "20. August 2025"),
        ("xx", "20 August 2025"),
    ],
)
def test_dates_in_the_documents_language(language: str, expected: str) -> None:
    text = format_date(dt.date(2025, 8, 20), messages_for(language))
    assert text.replace("\u202f", " ") == expected  # CLDR puts a narrow space before "г."


def test_a_theme_can_ask_for_arabic_indic_digits(tmp_path: Path) -> None:
    (tmp_path / "templates" / "messages").mkdir(parents=True)
    (tmp_path / "templates" / "messages" / "ar.toml").write_text(
        "[options]\nnative_digits = true\n", "utf-8"
    )
    messages = messages_for("ar", load_theme(tmp_path))
    assert format_date(dt.date(2025, 8, 20), messages) == "٢٠ أغسطس ٢٠٢٥"
    assert "counter(page, arabic-indic)" in page_css(messages)


def test_direction() -> None:
    assert all(is_rtl(tag) for tag in ("ar", "he", "fa-IR", "ur"))
    assert not any(is_rtl(tag) for tag in ("en", "ru", "zh-Hans"))
    css = page_css(messages_for("ar"))
    assert "@bottom-left" in css and "element(running-title)" in css


def test_svg_furniture_is_joined_and_in_visual_order_for_arabic() -> None:
    # WeasyPrint's SVG text places letters one by one: "مسودة" must arrive joined, reversed.
    assert shaped_for_svg("مسودة", "ar") == "\ufe93\ufea9\ufeee\ufeb4\ufee3"
    assert shaped_for_svg("ПРОЕКТ", "ru") == "ПРОЕКТ"


def test_page_words_are_css_escaped() -> None:
    css = page_css(messages_for("ru"))
    assert css.isascii() and "counter(page" in css and "\\421 " in css  # С


@pytest.mark.parametrize(
    ("language", "names", "caption"),
    [
        ("en", ("Outcome", "Impact"), "Outcome and impact"),
        ("ru", ("Итог", "Последствия"), "Итог и последствия"),
        ("ar", ("النتيجة", "الأثر"), "النتيجة والأثر"),
        ("zh-Hans", ("成果", "影响"), "成果和影响"),
        ("de", ("Ergebnis", "Wirkung", "Folge"), "Ergebnis, Wirkung und Folge"),
    ],
)
def test_captions_made_from_table_headers_are_in_the_language(
    language: str, names: tuple[str, ...], caption: str
) -> None:
    from briefing.model import Text
    from briefing.readers.assembly import caption_from_header

    assert caption_from_header(tuple((Text(n),) for n in names), language) == caption


# -- fonts ---------------------------------------------------------------------------


def test_the_theme_declares_arabic_and_cjk_fonts() -> None:
    fonts = theme_font_files(load_theme())
    assert any(f.path.name.startswith("NotoNaskhArabic") and not f.system for f in fonts)
    assert any("CJK" in f.path.name and f.system for f in fonts)
    assert any(f.path.name.startswith("NotoSerifHebrew") and not f.system for f in fonts)
    assert all(f.path.is_file() for f in fonts), "run scripts/system-deps.sh"


def test_a_character_no_theme_font_has_is_found() -> None:
    chars, missing = uncovered("Привет 你好 مرحبا \U0001d11e ᚠ", load_theme())
    assert chars == {"\U0001d11e", "ᚠ"} and not missing


def test_cjk_text_without_the_cjk_package_is_an_error_naming_it(tmp_path: Path) -> None:
    from briefing.fonts import check_glyphs
    from briefing.model import Document, Meta

    (tmp_path / "styles").mkdir()
    (tmp_path / "styles" / "fonts.css").write_text(
        '@font-face { font-family: "X"; src: url("file:///nonexistent/NotoSansCJK-Regular.ttc"); }'
    )
    document = Document(meta=Meta(title="阿拉斯加会谈", language="zh"), sections=())
    with pytest.raises(ThemeError, match="NotoSansCJK") as caught:
        check_glyphs(document, load_theme(tmp_path))
    assert "fonts-noto-cjk" in str(caught.value)


@pytest.mark.slow
def test_without_the_cjk_package_latin_text_renders_quietly_and_cjk_text_stops(
    tmp_path: Path,
) -> None:
    import shutil

    from briefing.readers import read_article
    from briefing.render.html import render_html
    from briefing.render.pdf import PdfEngine
    from briefing.report import collecting

    styles = tmp_path / "theme" / "styles"
    shutil.copytree(ROOT / "styles" / "brief", styles)
    fonts = styles / "fonts.css"
    fonts.write_text(fonts.read_text("utf-8").replace("/usr/share/fonts/", "/nonexistent/"))
    theme = load_theme(tmp_path / "theme")
    with collecting() as warnings:
        document = read_article(FIXTURES / "ru-brief.txt")
        rendered = PdfEngine().render(render_html(document, theme=theme))
    assert rendered.pages and warnings == []
    with pytest.raises(ThemeError, match="NotoSansCJK"):
        render_html(read_article(FIXTURES / "zh-brief.md"), theme=theme)


def test_fonts_from_outside_the_theme_are_named() -> None:
    names = ["/ABCDEF+Noto-Naskh-Arabic-Bold", "/GHIJKL+Inter-Semi-Bold", "/MNOPQR+DejaVuSans"]
    assert foreign_fonts(names, load_theme()) == ["DejaVuSans"]


@pytest.mark.slow
def test_briefing_check_names_a_font_that_is_not_the_themes(tmp_path: Path) -> None:
    import weasyprint
    from click.testing import CliRunner
    from fontTools.ttLib import TTFont

    from briefing.cli import main

    # A font no theme declares: a theme font under another name.
    font = TTFont(ROOT / "styles" / "brief" / "fonts" / "DejaVuSansMono.ttf")
    for record in font["name"].names:
        if record.nameID in (1, 3, 4, 6):
            record.string = "StrangerMono"
    font.save(tmp_path / "stranger.ttf")
    url = (tmp_path / "stranger.ttf").as_uri()
    page = (
        "<html lang='en'><head><title>Stranger</title><style>"
        f"@font-face {{ font-family: StrangerMono; src: url({url}) }}"
        "body { font-family: StrangerMono }</style></head><body><p>Hello</p></body></html>"
    )
    pdf = tmp_path / "stranger.pdf"
    weasyprint.HTML(string=page).write_pdf(pdf, pdf_variant="pdf/ua-1", pdf_tags=True)
    run = CliRunner().invoke(main, ["check", str(pdf)])
    assert "not from the theme: StrangerMono" in run.output


@pytest.mark.slow
def test_a_missing_glyph_is_a_warning_naming_character_and_line(tmp_path: Path) -> None:
    article = tmp_path / "runes.md"
    article.write_text("---\ntitle: Runes\n---\n\nFirst.\n\nA rune: ᚠ here.\n", "utf-8")
    result = build([article], out_dir=tmp_path / "out", options=BuildOptions(formats=("pdf",)))
    # A system font may have it (a warning: drawn, but not with the theme's fonts), or none
    # does (an error: a tagged PDF may not hold an empty box). Either names it and its line.
    said = [w for output in result.outputs for w in output.warnings] + list(result.failures)
    found = [w for w in said if "U+16A0" in w.message]
    assert found and found[0].line == 7 and "ᚠ" in found[0].message, [str(w) for w in said]


# -- rendered fixtures ---------------------------------------------------------------

#: Words the tool or theme writes in English; none may appear in another language's output.
ENGLISH_FURNITURE = (
    "Key takeaways",
    "Contents",
    "Page",
    "Cover",
    "Title page",
    "Introduction",
    "Policy briefing",
    "Table",
    "Figure",
    "Landmarks",
    "Pages",
    "Start of content",
    "August",
    "Draft",
    "DRAFT",
    "For:",
)
#: The part of it written by files this branch owns (the EPUB furniture, page numbers,
#: dates, labels); the rest comes from parts.html and blocks.html.
OWN_FURNITURE = ("Page", "Cover", "Title page", "Introduction", "Landmarks", "Pages", "August")


@pytest.fixture(scope="module")
def i18n_builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, BuildResult]:
    results = {}
    for name in ("ru-brief.txt", "ar-brief.md", "zh-brief.md"):
        out = tmp_path_factory.mktemp(name.split(".")[0])
        results[name[:2]] = build(
            [FIXTURES / name], out_dir=out, options=BuildOptions(formats=("pdf", "epub", "html"))
        )
    return results


def _output(result: BuildResult, fmt: str) -> Path:
    (path,) = [o.path for o in result.outputs if o.format == fmt]
    return path


def _pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def _epub_text(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        return "\n".join(
            re.sub(r"<[^>]+>", " ", archive.read(name).decode())
            for name in archive.namelist()
            if name.endswith(".xhtml")
        )


def _english(text: str, words: tuple[str, ...]) -> list[str]:
    return [w for w in words if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)]


LANGS = ("ru", "ar", "zh")
LANG_TAGS = {"ru": "ru", "ar": "ar", "zh": "zh-Hans"}


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_pdf_is_pdf_ua_with_the_language(i18n_builds: dict[str, BuildResult], lang: str) -> None:
    result = i18n_builds[lang]
    assert result.ok, result.failures
    pdf = _output(result, "pdf")
    assert pdf_failures(pdf, "ua1") == []
    from pypdf import PdfReader

    assert PdfReader(pdf).trailer["/Root"]["/Lang"] == LANG_TAGS[lang]


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_epub_passes_strict_epubcheck(i18n_builds: dict[str, BuildResult], lang: str) -> None:
    assert epub_problems(epubcheck(_output(i18n_builds[lang], "epub"))) == []


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_no_english_furniture_that_this_branch_writes(
    i18n_builds: dict[str, BuildResult], lang: str
) -> None:
    result = i18n_builds[lang]
    assert _english(_pdf_text(_output(result, "pdf")), OWN_FURNITURE) == []
    assert _english(_epub_text(_output(result, "epub")), OWN_FURNITURE) == []
    with zipfile.ZipFile(_output(result, "epub")) as archive:
        opf = archive.read("EPUB/content.opf").decode()
    assert "Reflowable text" not in opf


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_no_english_furniture_at_all(i18n_builds: dict[str, BuildResult], lang: str) -> None:
    result = i18n_builds[lang]
    assert _english(_pdf_text(_output(result, "pdf")), ENGLISH_FURNITURE) == []
    assert _english(_epub_text(_output(result, "epub")), ENGLISH_FURNITURE) == []


@pytest.mark.slow
def test_arabic_is_right_to_left_in_html_epub_and_spine(
    i18n_builds: dict[str, BuildResult],
) -> None:
    result = i18n_builds["ar"]
    html = _output(result, "html").read_text("utf-8")
    assert re.search(r'<html lang="ar" dir="rtl"', html)
    with zipfile.ZipFile(_output(result, "epub")) as archive:
        opf = archive.read("EPUB/content.opf").decode()
        pages = [n for n in archive.namelist() if n.endswith(".xhtml")]
        roots = {n: re.search(r"<html[^>]*>", archive.read(n).decode()) for n in pages}
    assert 'page-progression-direction="rtl"' in opf
    assert all(m and 'dir="rtl"' in m.group(0) for m in roots.values()), roots


@pytest.mark.slow
def test_left_to_right_books_stay_left_to_right(i18n_builds: dict[str, BuildResult]) -> None:
    with zipfile.ZipFile(_output(i18n_builds["zh"], "epub")) as archive:
        assert "page-progression-direction" not in archive.read("EPUB/content.opf").decode()
    assert 'dir="ltr"' in _output(i18n_builds["zh"], "html").read_text("utf-8")


def _pdffonts(path: Path) -> list[str]:
    lines = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    return [line.split()[0].split("+")[-1] for line in lines if line.strip()]


def _theme_families() -> set[str]:
    css = (ROOT / "styles" / "brief" / "fonts.css").read_text("utf-8")
    return {f.replace(" ", "-") for f in re.findall(r'font-family: "([^"]+)"', css)}


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_only_theme_fonts_are_embedded(i18n_builds: dict[str, BuildResult], lang: str) -> None:
    fonts = _pdffonts(_output(i18n_builds[lang], "pdf"))
    families = _theme_families()
    foreign = [f for f in fonts if not any(f.startswith(family) for family in families)]
    assert fonts and foreign == []
    script = {"ar": "Noto-Naskh-Arabic", "zh": "Noto-Sans-CJK", "ru": "Noto-Serif"}[lang]
    assert any(f.startswith(script) for f in fonts)
    report = check_file(_output(i18n_builds[lang], "pdf"))
    assert {c.name: c.detail for c in report.checks}["theme fonts"] == "all from the theme"


@pytest.mark.slow
def test_arabic_pdf_page_labels_and_numbers_are_arabic(
    i18n_builds: dict[str, BuildResult],
) -> None:
    from pypdf import PdfReader

    pdf = _output(i18n_builds["ar"], "pdf")
    # Page 1 starts the brief (no cover page): its label is its number, in Arabic digits
    # only when the theme asks for them (see the Arabic catalogue's options).
    assert PdfReader(pdf).page_labels[0] == "1"
    text = _pdf_text(pdf)
    assert "الصفحة" in text and "أغسطس" in text


# -- language editions ---------------------------------------------------------------


def test_the_shipped_project_has_a_russian_edition() -> None:
    from briefing.config import load_project
    from briefing.tasks import plan

    project = load_project(ROOT / "briefing.toml")
    edition = project.edition("public-ru")
    jobs, warnings = plan(project, [edition], {})
    assert warnings == []
    ((job),) = jobs
    assert job.source == ROOT / "sources" / "ru" / "alaska-talks.txt"
    # the path-keyed table wins over the stem's English one; the date is shared
    assert job.meta["title"].startswith("Переговоры на Аляске")
    assert job.meta["language"] == "ru" and str(job.meta["date"]) == "2025-08-20"
    english = [j for j in plan(project, [project.edition("public")], {})[0]]
    assert english[0].meta["title"].startswith("The Alaska Talks")


@pytest.mark.slow
def test_a_language_edition_builds_in_its_language_with_its_own_identifiers(
    tmp_path: Path,
) -> None:
    import shutil

    from pypdf import PdfReader

    shutil.copytree(ROOT / "sources", tmp_path / "sources")
    shutil.copy(ROOT / "briefing.toml", tmp_path / "briefing.toml")
    result = build(project=tmp_path, editions=["public", "public-ru"])
    assert result.ok, result.failures
    by_name = {(o.edition, o.path.name): o.path for o in result.outputs}
    ru_pdf = by_name["public-ru", "alaska-talks.pdf"]
    en_pdf = by_name["public", "alaska-talks.pdf"]
    assert pdf_failures(ru_pdf, "ua1") == []
    assert PdfReader(ru_pdf).trailer["/Root"]["/Lang"] == "ru"
    assert PdfReader(ru_pdf).trailer["/ID"][0] != PdfReader(en_pdf).trailer["/ID"][0]
    compendium = by_name["public-ru", "public-ru-compendium.pdf"]
    assert PdfReader(compendium).trailer["/Root"]["/Lang"] == "ru"
    assert pdf_failures(compendium, "ua1") == []
    assert "Страница" in _pdf_text(compendium) and "августа" in _pdf_text(ru_pdf)

    def identifier(epub: Path) -> str:
        with zipfile.ZipFile(epub) as archive:
            opf = archive.read("EPUB/content.opf").decode()
        return re.search(r"<dc:identifier[^>]*>([^<]+)", opf).group(1)  # type: ignore[union-attr]

    ru_id = identifier(by_name["public-ru", "alaska-talks.epub"])
    assert ru_id != identifier(by_name["public", "alaska-talks.epub"])
    assert epub_problems(epubcheck(by_name["public-ru", "alaska-talks.epub"])) == []


@pytest.mark.slow
def test_recipient_stamps_in_any_script_use_theme_fonts(tmp_path: Path) -> None:
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "note.md").write_text(
        (FIXTURES / "ar-brief.md").read_text("utf-8"), "utf-8"
    )
    (tmp_path / "briefing.toml").write_text(
        '[[editions]]\nname = "desk"\nsources = ["sources/*"]\nformats = ["pdf"]\n'
        'recipients = ["李伟", "Amira Haddad"]\n',
        "utf-8",
    )
    result = build(project=tmp_path)
    assert result.ok, result.failures
    copies = sorted(o.path for o in result.outputs if "copies" in o.path.parts)
    assert len(copies) == 2
    for copy in copies:
        assert pdf_failures(copy, "ua1") == []
        fonts = _pdffonts(copy)
        families = _theme_families()
        assert [f for f in fonts if not any(f.startswith(x) for x in families)] == []
    text = _pdf_text(copies[0])
    assert "النسخة" in text and "Prepared" not in text
