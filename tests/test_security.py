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
