"""Shared fixtures: the seed article, and outputs built once per test session.

Rendering is the slow part of the suite, so every test that inspects a built PDF or EPUB
shares the builds below instead of rendering again.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from briefing import BuildOptions, BuildResult, build

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED = ROOT / "sources" / "alaska-talks.txt"
MARKDOWN = FIXTURES / "energy-note.md"


@pytest.fixture(scope="session")
def seed_path() -> Path:
    return SEED


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The seed built to PDF and EPUB with the default options."""
    out = tmp_path_factory.mktemp("seed")
    return build([SEED], out_dir=out, options=BuildOptions(formats=("pdf", "epub")))


@pytest.fixture(scope="session")
def markdown_build(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The Markdown fixture (front matter, nested sections, emphasis) built to PDF and EPUB."""
    out = tmp_path_factory.mktemp("markdown")
    return build([MARKDOWN], out_dir=out, options=BuildOptions(formats=("pdf", "epub")))


def output(result: BuildResult, fmt: str) -> Path:
    """The path of the one output of ``fmt`` in a build result."""
    (path,) = [o.path for o in result.outputs if o.format == fmt]
    return path
