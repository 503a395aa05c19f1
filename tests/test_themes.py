"""Theme lookup: precedence, overrides that extend the original, and the fetch sandbox."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pytest
from click.testing import CliRunner

from briefing import write_pdf
from briefing.cli import main
from briefing.errors import ThemeError
from briefing.fonts import system_font_files
from briefing.readers import read_article
from briefing.render.html import render_html
from briefing.render.pdf import PdfEngine
from briefing.report import collecting
from briefing.themes import builtin_themes, load_theme
from tests.conftest import MARKDOWN, SEED


def test_builtin_theme_found() -> None:
    theme = load_theme("brief")
    assert "brief" in builtin_themes()
    assert theme.style("briefing.css").name == "briefing.css"
    assert theme.template_dirs[-1].name == "brief"


def test_unknown_theme_suggests() -> None:
    with pytest.raises(ThemeError, match="no theme 'breif'") as caught:
        load_theme("breif")
    assert caught.value.diagnostic.hint == "did you mean 'brief'?"


def test_project_override_extends_the_original(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "briefing.html").write_text(
        '{% extends "brief/briefing.html" %}'
        '{% block cover %}<p class="extra">PREPARED BY THE UNIT</p>{{ super() }}{% endblock %}'
    )
    theme = load_theme("brief", project_dir=tmp_path)
    assert theme.template_dirs[0] == (tmp_path / "templates").resolve()
    document = read_article(MARKDOWN)
    html = render_html(document, theme=theme).html
    assert "PREPARED BY THE UNIT" in html and "Winter Gas Security" in html


def test_theme_folder_first(tmp_path: Path) -> None:
    (tmp_path / "briefing.css").write_text("@page { margin: 10mm }")
    theme = load_theme(tmp_path)
    assert theme.style("briefing.css") == tmp_path.resolve() / "briefing.css"
    assert theme.style("epub.css").parent.name == "brief"  # falls back file by file


def test_template_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "briefing.html").write_text("<html>\n{% if %}\n</html>\n")
    result = CliRunner().invoke(
        main, ["build", str(SEED), "--theme", str(tmp_path), "-o", str(tmp_path / "out")]
    )
    assert result.exit_code == 4
    assert "briefing.html:2: template error" in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    "css",
    [
        '@import url("file:///etc/hostname");',
        "body { background: url(file:///etc/passwd) }",
        "body { background: url(http://127.0.0.1:9/x.png) }",
        "@font-face { font-family: X; src: url(https://example.org/x.woff) }",
    ],
)
def test_theme_cannot_reach_outside(tmp_path: Path, css: str) -> None:
    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / "briefing.css").write_text(css + "\nbody { color: black }\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["build", str(SEED), "--theme", str(theme), "-o", str(out), "-f", "pdf"]
    )
    assert result.exit_code == 5, result.output
    assert "blocked resource" in result.stderr
    assert not out.exists() or list(out.iterdir()) == []


@pytest.mark.slow
def test_fetch_log_holds_only_theme_files() -> None:
    with collecting():
        document = read_article(SEED)
    theme = load_theme("brief")
    rendered = PdfEngine().render(render_html(document, theme=theme), article_dir=SEED.parent)
    assert rendered.fetches, "the theme's fonts are fetched"
    for record in rendered.fetches:
        assert record.allowed
        assert record.url.startswith("file://")
        path = Path(record.url.removeprefix("file://"))
        inside = any(path.is_relative_to(root.resolve()) for root in theme.roots)
        assert inside or path in system_font_files(theme), record.url  # declared CJK font


@pytest.mark.slow
def test_write_pdf_shortcut_and_letter_paper(tmp_path: Path) -> None:
    document = read_article(MARKDOWN)
    data = write_pdf(document, paper="letter")
    assert data is not None and data.startswith(b"%PDF-")
    box = pypdf.PdfReader(io.BytesIO(data)).pages[0].mediabox
    assert (round(box.width), round(box.height)) == (612, 792)
    assert write_pdf(document, tmp_path / "a4.pdf") is None
    box = pypdf.PdfReader(tmp_path / "a4.pdf").pages[0].mediabox
    assert (round(box.width), round(box.height)) == (595, 842)
