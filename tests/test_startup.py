"""What each command imports: the engines only when they render (no timing here; the
speed figures are in benchmarks/RESULTS.md)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import MARKDOWN, SEED

PROBE = """
import json, sys
from briefing.cli import main
sys.argv = ["briefing", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
names = ("weasyprint", "ebooklib", "pypdf", "jinja2")
print(json.dumps({name: name in sys.modules for name in names}))
"""


def loaded(args: list[str], cwd: Path | None = None) -> dict[str, bool]:
    run = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, cwd=cwd, check=True
    )
    return json.loads(run.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "args", [["--help"], ["--version"], ["inspect", str(SEED)], ["explain", str(SEED)]]
)
def test_help_version_inspect_load_no_engine(args: list[str]) -> None:
    modules = loaded(args)
    assert not modules["weasyprint"] and not modules["ebooklib"] and not modules["pypdf"]


def test_help_loads_no_template_engine() -> None:
    assert loaded(["--help"]) == {
        "weasyprint": False,
        "ebooklib": False,
        "pypdf": False,
        "jinja2": False,
    }


@pytest.mark.slow
def test_epub_only_build_loads_no_weasyprint(tmp_path: Path) -> None:
    # The work happens in a worker process: -X importtime reports its imports too.
    command = ["build", str(MARKDOWN), "-f", "epub", "-o", str(tmp_path)]
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "briefing", *command],
        capture_output=True,
        text=True,
        check=True,
    )
    imported = {line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines()}
    assert "ebooklib" in imported and "weasyprint" not in imported
    assert (tmp_path / "energy-note.epub").is_file()


@pytest.mark.slow
def test_nothing_to_do_loads_no_engine(tmp_path: Path) -> None:
    (tmp_path / "sources").mkdir()
    shutil.copy(MARKDOWN, tmp_path / "sources")
    (tmp_path / "briefing.toml").write_text('[[editions]]\nname = "e"\nsources = ["sources/*"]\n')
    loaded(["build", "-j", "1"], cwd=tmp_path)  # renders in a worker process
    assert sorted(p.name for p in (tmp_path / "dist" / "e").iterdir()) == [
        "energy-note.epub",
        "energy-note.pdf",
        "manifest.json",
    ]
    again = loaded(["build", "-j", "1"], cwd=tmp_path)
    assert again == {"weasyprint": False, "ebooklib": False, "pypdf": False, "jinja2": False}
