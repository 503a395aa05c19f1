"""The look: one palette with AA contrast, _brand.yml, page 1 starting the brief, drafts that
say so, the page budget, and the memo theme."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefing.brand import load_brand
from briefing.cli import main
from briefing.errors import InputError
from briefing.report import collecting
from briefing.themes import TEXT_PAIRS, builtin_root, contrast_ratio, load_theme, parse_palette
from tests.conftest import MARKDOWN, SEED
from tests.validators import epub_problems, epubcheck, pdf_failures

BRAND_PRIMARY = (0x8B, 0x1E, 0x3F)
LOGO_GREEN = (0x00, 0xA0, 0x50)


def _css_colours(css: str) -> list[tuple[str, str]]:
    """(property, value) of every colour declaration of a stylesheet (comments removed)."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    return re.findall(r"(?<![-\w])(color|background|background-color|fill)\s*:\s*([^;}]+)", css)


def test_builtin_text_colours_meet_wcag_aa() -> None:
    """Every text colour of the palette meets 4.5:1 on every background it is used on, and
    the CSS uses no colour but the palette's (so the palette is the whole story)."""
    palette = load_theme("brief").palette
    for text, ground in TEXT_PAIRS:
        ratio = contrast_ratio(palette[text], palette[ground])
        assert ratio >= 4.5, f"--{text} on --{ground}: {ratio:.2f}"
    for name in ("briefing.css", "epub.css"):
        css = (builtin_root() / "styles" / "brief" / name).read_text()
        for prop, value in _css_colours(css):
            for colour in re.findall(r"#[0-9a-fA-F]{3,6}\b", value):
                raise AssertionError(f"{name}: {prop}: {colour} is not from the palette")
            for var in re.findall(r"var\(--([\w-]+)", value):
                assert var in palette, f"{name}: unknown colour --{var}"


def test_marking_colours_meet_wcag_aa() -> None:
    from briefing.render.html import _MARKING_COLOURS

    palette = load_theme("brief").palette
    for marking, (text, fill) in _MARKING_COLOURS.items():
        ratio = contrast_ratio(palette[text], palette[fill])
        assert ratio >= 4.5, f"{marking}: {ratio:.2f}"


def test_palette_is_declared_once() -> None:
    css = (builtin_root() / "styles" / "brief" / "briefing.css").read_text()
    assert "--accent:" not in css and "@import url(palette.css)" in css
    palette = parse_palette((builtin_root() / "styles" / "brief" / "palette.css").read_text())
    assert palette["accent"] == "#8a6508"


def _brand_project(root: Path, colours: str = 'primary: "#8b1e3f"') -> Path:
    from PIL import Image, ImageDraw

    (root / "sources").mkdir(parents=True)
    (root / "assets").mkdir()
    logo = Image.new("RGB", (240, 80), "#00a050")
    ImageDraw.Draw(logo).rectangle([20, 20, 60, 60], fill="white")
    logo.save(root / "assets" / "logo.png")
    (root / "_brand.yml").write_text(
        f"meta:\n  name: Northern Institute\nlogo:\n  medium: assets/logo.png\n"
        f"color:\n  {colours}\n"
    )
    (root / "sources" / "note.md").write_text(MARKDOWN.read_text())
    return root


def test_brand_overrides_the_palette(tmp_path: Path) -> None:
    theme = load_theme("brief", project_dir=_brand_project(tmp_path))
    assert theme.brand is not None and theme.brand.logo.startswith("data:image/png;base64,")
    assert theme.palette["navy"] == "#8b1e3f"
    assert theme.brand.alt == "Northern Institute logo"


def test_brand_errors_name_the_line(tmp_path: Path) -> None:
    (tmp_path / "_brand.yml").write_text("meta:\n  name: X\ncolor:\n  primary: blue\n")
    with pytest.raises(InputError, match="neither a #hex colour") as caught:
        load_brand(tmp_path)
    assert caught.value.diagnostic.line == 4
    (tmp_path / "_brand.yml").write_text("logo: ../outside.png\n")
    with pytest.raises(InputError, match="outside the project folder"):
        load_brand(tmp_path)


def test_brand_symlink_out_of_the_project_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.png"
    outside.write_bytes(b"\x89PNG")
    project = tmp_path / "project"
    project.mkdir()
    (project / "logo.png").symlink_to(outside)
    (project / "_brand.yml").write_text("logo: logo.png\n")
    with pytest.raises(InputError, match="outside the project folder"):
        load_brand(project)


def test_brand_colour_failing_aa_is_warned(tmp_path: Path) -> None:
    (tmp_path / "_brand.yml").write_text('color:\n  primary: "#ffc000"\n')
    with collecting() as warnings:
        load_theme("brief", project_dir=tmp_path)
    messages = [w.message for w in warnings]
    assert any("--navy (#ffc000) on --paper (#ffffff)" in m and "1.64:1" in m for m in messages)


def test_unsupported_brand_keys_are_warned(tmp_path: Path) -> None:
    (tmp_path / "_brand.yml").write_text('defaults:\n  x: 1\ncolor:\n  tertiary: "#000"\n')
    with collecting() as warnings:
        load_brand(tmp_path)
    assert {(w.message.split("'")[1], w.line) for w in warnings} == {
        ("defaults", 1),
        ("color.tertiary", 4),
    }


def _build(*args: str) -> str:
    result = CliRunner().invoke(main, ["build", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _pixels(pdf: Path, page: int = 1) -> set[tuple[int, int, int]]:
    from PIL import Image

    prefix = pdf.with_suffix("")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", str(page), "-l", str(page), str(pdf), str(prefix)],
        check=True,
    )
    (image,) = pdf.parent.glob(f"{prefix.name}-*{page}.png")
    with Image.open(image) as opened:
        colours = opened.convert("RGB").getcolors(maxcolors=1 << 24) or []
    return {colour for _, colour in colours}


@pytest.mark.slow
def test_branded_brief_has_logo_and_brand_colour(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(_brand_project(tmp_path))
    _build("sources/note.md", "-o", "out", "-f", "all")
    pdf, epub = tmp_path / "out" / "note.pdf", tmp_path / "out" / "note.epub"
    colours = _pixels(pdf)
    assert LOGO_GREEN in colours  # the logo, on page 1
    assert BRAND_PRIMARY in colours  # the title (and rules) in the brand's primary colour
    assert pdf_failures(pdf, "ua1") == []
    with zipfile.ZipFile(epub) as book:
        css = book.read("EPUB/style/briefing.css").decode()
        cover = book.read("EPUB/images/cover.svg").decode()
    assert "#8b1e3f" in css and "var(" not in re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    assert 'fill="#8b1e3f"' in cover and 'xlink:href="data:image/png;base64,' in cover
    assert epub_problems(epubcheck(epub)) == []


@pytest.mark.slow
def test_seed_lede_is_on_page_one(tmp_path: Path) -> None:
    out = tmp_path / "seed"
    result = CliRunner().invoke(main, ["build", str(SEED), "-o", str(out), "-f", "pdf"])
    assert result.exit_code == 0, result.output
    page1 = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(out / "alaska-talks.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Commitment to Dialogue" in page1  # the key-takeaways box
    assert "In a world increasingly defined by geopolitical tensions" in page1
    import pypdf

    labels = pypdf.PdfReader(out / "alaska-talks.pdf").page_labels
    assert labels[:2] == ["1", "2"]  # no "Cover" label: page 1 is text


@pytest.mark.slow
def test_draft_says_draft_on_every_page(tmp_path: Path) -> None:
    out = tmp_path / "draft"
    args = [str(SEED), "-o", str(out), "-f", "all", "-M", "status=draft"]
    result = CliRunner().invoke(main, ["build", *args])
    assert result.exit_code == 0, result.output
    pdf = out / "alaska-talks.pdf"
    pages = int(re.search(r"Pages:\s+(\d+)", _run("pdfinfo", str(pdf))).group(1))  # type: ignore[union-attr]
    assert pages > 1
    for page in range(1, pages + 1):
        assert "DRAFT" in _run("pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-")
    (keywords,) = re.findall(r"Keywords:\s+(.*)", _run("pdfinfo", str(pdf)))
    assert keywords.endswith(", Draft")
    xmp = _run("pdfinfo", "-meta", str(pdf))
    assert re.search(r"<pdf:Keywords>[^<]*, Draft</pdf:Keywords>", xmp), xmp
    assert pdf_failures(pdf, "ua1") == []
    assert epub_problems(epubcheck(out / "alaska-talks.epub")) == []


def _run(*command: str) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


@pytest.mark.slow
def test_page_budget_warns_and_fit_fits(tmp_path: Path) -> None:
    base = [str(SEED), "-o", str(tmp_path / "out"), "-f", "pdf", "--force"]
    result = CliRunner().invoke(main, ["build", *base, "-M", "max_pages=3"])
    assert result.exit_code == 0
    assert "4 pages, over the 3-page budget" in result.output
    result = CliRunner().invoke(main, ["build", *base, "-M", "max_pages=3", "-M", "fit=true"])
    assert result.exit_code == 0
    assert "fit: 3 pages with tighter leading" in result.output
    assert "(3 pages," in result.output
    result = CliRunner().invoke(main, ["build", *base, "-M", "max_pages=2", "--strict"])
    assert result.exit_code != 0
    assert "4 pages, over the 2-page budget" in result.output


@pytest.mark.slow
def test_memo_theme_builds_valid_outputs(tmp_path: Path) -> None:
    out = tmp_path / "memo"
    args = [str(SEED), "-o", str(out), "-f", "all", "--theme", "memo", "-M", "audience=Board"]
    result = CliRunner().invoke(main, ["build", *args])
    assert result.exit_code == 0, result.output
    text = _run("pdftotext", "-f", "1", "-l", "1", str(out / "alaska-talks.pdf"), "-")
    assert "Board" in text and "SUBJECT" in text
    assert "....." not in text  # no contents list (its leaders)
    assert pdf_failures(out / "alaska-talks.pdf", "ua1") == []
    assert epub_problems(epubcheck(out / "alaska-talks.epub")) == []


def test_brand_fonts_from_project_files(tmp_path: Path) -> None:
    fonts = builtin_root() / "styles" / "brief" / "fonts"
    (tmp_path / "fonts").mkdir()
    (tmp_path / "fonts" / "house.otf").write_bytes((fonts / "Inter-Regular.otf").read_bytes())
    (tmp_path / "_brand.yml").write_text(
        "typography:\n  fonts:\n    - family: House Sans\n      source: file\n"
        "      files:\n        - path: fonts/house.otf\n          weight: 400\n"
        "  headings: House Sans\n"
    )
    brand = load_brand(tmp_path)
    assert brand is not None
    css = brand.css()
    assert '@font-face { font-family: "House Sans"; src: url("data:font/otf;base64,' in css
    assert "h1, h2, h3, h4, h5, h6" in css and '"House Sans", sans-serif' in css
    (tmp_path / "_brand.yml").write_text(
        "typography:\n  fonts:\n    - family: Open Sans\n      source: google\n"
    )
    with pytest.raises(InputError, match="only font files in the project") as caught:
        load_brand(tmp_path)
    assert caught.value.diagnostic.line == 2


@pytest.mark.slow
def test_cover_page_option_keeps_a_cover_page(tmp_path: Path) -> None:
    import pypdf

    theme = tmp_path / "report-theme"
    theme.mkdir()
    (theme / "theme.toml").write_text('cover = "page"\n')
    out = tmp_path / "out"
    args = [str(SEED), "-o", str(out), "-f", "pdf", "--theme", str(theme)]
    result = CliRunner().invoke(main, ["build", *args])
    assert result.exit_code == 0, result.output
    reader = pypdf.PdfReader(out / "alaska-talks.pdf")
    assert reader.page_labels[:2] == ["Cover", "2"]
    page1 = reader.pages[0].extract_text()
    assert "Commitment to Dialogue" in page1 and "In a world increasingly" not in page1


@pytest.mark.slow
def test_project_stylesheet_extends_the_builtin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "styles").mkdir()
    (tmp_path / "styles" / "briefing.css").write_text(
        "@import url(brief.css);\nh1.title { color: #006400; }\n"
    )
    monkeypatch.chdir(tmp_path)
    _build(str(SEED), "-o", "out", "-f", "pdf")
    colours = _pixels(tmp_path / "out" / "alaska-talks.pdf")
    assert (0x00, 0x64, 0x00) in colours  # the project's own rule
    assert (0x14, 0x36, 0x5C) in colours  # the built-in theme's rules (masthead, headings)


def test_brand_change_changes_the_theme_digest(tmp_path: Path) -> None:
    from briefing.tasks import theme_digest

    (tmp_path / "_brand.yml").write_text('color:\n  primary: "#8b1e3f"\n')
    before = theme_digest(load_theme("brief", project_dir=tmp_path))
    (tmp_path / "_brand.yml").write_text('color:\n  primary: "#1e3f8b"\n')
    assert theme_digest(load_theme("brief", project_dir=tmp_path)) != before


def test_brand_palette_colour_named_after_a_role_sets_it(tmp_path: Path) -> None:
    from briefing.brand import load_brand

    (tmp_path / "_brand.yml").write_text(
        'color:\n  palette:\n    primary: "#7a1f2b"\n    teal: "#0b6e6e"\n  secondary: teal\n'
    )
    brand = load_brand(tmp_path)
    assert brand is not None
    assert dict(brand.colours) == {"navy": "#7a1f2b", "accent": "#0b6e6e"}


@pytest.mark.slow
def test_deep_headings_keep_the_contents_aligned(tmp_path: Path) -> None:
    """Numbers down to "1.1.1.1.1" fit their column, every page number ends at the same
    right edge, and no entry is pushed into another's place."""
    article = tmp_path / "deep.md"
    levels = "".join(f"{'#' * n} Level {n - 1}\n\nText.\n\n" for n in range(2, 7))
    article.write_text(f"# Deep\n\n{levels}## Last\n\nText.\n", "utf-8")
    result = CliRunner().invoke(main, ["build", str(article), "-f", "pdf", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    pdf = tmp_path / "deep.pdf"
    assert pdf_failures(pdf, "ua1") == []
    page = _run("pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf), "-")
    words = re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" [^>]*>([^<]*)<', page)
    entries = [(float(x0), float(y0), float(x1), w) for x0, y0, x1, w in words]
    numbers = [w for _x0, _y0, _x1, w in entries if w.startswith("1.1")]
    assert numbers[:4] == ["1.1", "1.1.1", "1.1.1.1", "1.1.1.1.1"]  # whole, in order
    # the page numbers of the contents (the rightmost word of each entry row) line up
    toc_rows = sorted({round(y0) for x0, y0, _x1, w in entries if w.startswith("Level")})[:5]
    ends = [max(x1 for _x0, y0, x1, _w in entries if round(y0) == row) for row in toc_rows]
    assert max(ends) - min(ends) < 1.0, ends
