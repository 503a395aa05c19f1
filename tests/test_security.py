"""Confinement: a theme is code-like input a user may have been given, so its templates run
sandboxed with only the context the tool passes, their errors name file:line, and the
compiled-template cache is used only when it is private to this user."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

SEED = Path(__file__).parent.parent / "sources" / "alaska-talks.txt"

PAYLOADS = {
    "globals": "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "subclasses": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "mutation": "{% set x = [] %}{{ x.append('a') }}",
    "format": "{{ '{0.__class__}'.format(meta) }}",
}


def _project(tmp_path: Path, template: str) -> Path:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "briefing.html").write_text(
        '{% extends "brief/briefing.html" %}\n{% block head %}\n' + template + "\n{% endblock %}\n",
        encoding="utf-8",
    )
    shutil.copy(SEED, tmp_path / "seed.txt")
    return tmp_path


def _build_html(project: Path, *args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return subprocess.run(
        [sys.executable, "-m", "briefing", "build", "seed.txt", "-f", "html", "-o", "out", *args],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


@pytest.mark.parametrize("payload", sorted(PAYLOADS))
def test_templates_run_sandboxed(tmp_path: Path, payload: str) -> None:
    project = _project(tmp_path, PAYLOADS[payload])
    run = _build_html(project)
    assert run.returncode == 4, run.stderr
    assert "Traceback" not in run.stderr
    assert "templates/briefing.html:3:" in run.stderr
    assert "sandbox forbids" in run.stderr or "failed" in run.stderr
    out = project / "out"
    assert not out.exists() or not list(out.glob("*.html"))
    assert "uid=" not in run.stdout + run.stderr


def test_template_runtime_error_names_its_line(tmp_path: Path) -> None:
    project = _project(tmp_path, '{{ 1 + "a" }}')
    run = _build_html(project)
    assert run.returncode == 4
    assert "Traceback" not in run.stderr
    assert "templates/briefing.html:3: template 'briefing.html' failed" in run.stderr


def test_bytecode_cache_is_used_only_when_private(tmp_path: Path) -> None:
    shutil.copy(SEED, tmp_path / "seed.txt")
    shared = tmp_path / "shared-cache"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    run = _build_html(tmp_path, env={"BRIEFING_CACHE_DIR": str(shared)})
    assert run.returncode == 0, run.stderr
    (folder,) = shared.iterdir()
    for cached in folder.iterdir():
        cached.unlink()
    folder.chmod(0o777)  # another user could plant compiled code here: not used
    shutil.rmtree(tmp_path / "out")
    run = _build_html(tmp_path, env={"BRIEFING_CACHE_DIR": str(shared)})
    assert run.returncode == 0, run.stderr
    assert list(folder.iterdir()) == [], "a world-writable cache folder was written to"

    private = tmp_path / "private-cache"
    shutil.rmtree(tmp_path / "out")
    run = _build_html(tmp_path, env={"BRIEFING_CACHE_DIR": str(private)})
    assert run.returncode == 0, run.stderr
    (folder,) = private.iterdir()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert list(folder.iterdir()), "a private cache folder was not used"


def _theme(tmp_path: Path) -> Path:
    theme = tmp_path / "theme"
    (theme / "templates").mkdir(parents=True)
    (theme / "styles").mkdir()
    shutil.copy(SEED, tmp_path / "seed.txt")
    return theme


def _build(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "briefing", "build", "seed.txt", "-o", "out", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_template_linked_out_of_its_theme_is_refused(tmp_path: Path) -> None:
    theme = _theme(tmp_path)
    secret = tmp_path / "secret.html"
    secret.write_text("SECRET-TEMPLATE-TEXT")
    (theme / "templates" / "briefing.html").symlink_to(secret)
    run = _build(tmp_path, "--theme", str(theme), "-f", "html")
    assert run.returncode == 4, run.stderr
    assert "briefing.html: the template 'briefing.html' is refused" in run.stderr
    assert "link to a place outside the folder" in run.stderr
    assert not (tmp_path / "out").exists() or "SECRET" not in "".join(
        p.read_text(errors="replace") for p in (tmp_path / "out").rglob("*") if p.is_file()
    )


def test_a_fifo_template_is_refused_at_once(tmp_path: Path) -> None:
    theme = _theme(tmp_path)
    os.mkfifo(theme / "templates" / "briefing.html")
    run = _build(tmp_path, "--theme", str(theme), "-f", "html")
    assert run.returncode == 4, run.stderr
    assert "is refused: it is not a regular file" in run.stderr


def test_html_copies_no_linked_or_hidden_style_file(tmp_path: Path) -> None:
    theme = _theme(tmp_path)
    secret = tmp_path / "outside.txt"
    secret.write_text("OUTSIDE-SECRET")
    (theme / "styles" / "passwd.png").symlink_to(secret)
    (theme / "styles" / ".key.png").write_text("HIDDEN-KEY")
    (theme / "styles" / "briefing.css").write_text(
        '@import url(brief.css);\nbody { background: url(".key.png") }\n'
    )
    (theme / "styles" / "brief.css").symlink_to(
        Path(__file__).parent.parent / "styles" / "brief" / "briefing.css"
    )
    run = _build(tmp_path, "--theme", str(theme), "-f", "html")
    copied = {p.name: p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file()}
    assert ".key.png" not in copied and "passwd.png" not in copied
    assert not any(b"OUTSIDE-SECRET" in data or b"HIDDEN-KEY" in data for data in copied.values())
    assert run.returncode in (0, 4), run.stderr


def test_an_empty_theme_name_is_an_error_not_the_current_folder() -> None:
    from briefing.errors import ThemeError
    from briefing.themes import load_theme

    with pytest.raises(ThemeError, match="the theme name is empty"):
        load_theme("")
