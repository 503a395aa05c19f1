"""Shared fixtures: the seed article, outputs built once per test session, and validators
that run once per distinct file.

Rendering is the slow part of the suite, so every test that inspects a built PDF or EPUB
shares the builds below instead of rendering again.

EPUBCheck runs in one JVM for the whole session (tests/epubcheck_batch.py): tests call
``tests.validators.epubcheck(path)``, and ``briefing check`` (``briefing.check``) is routed
to the same JVM and cache while the tests run, so no EPUB is checked twice. The JVM starts
(and loads EPUBCheck) at the start of the session when a selected test module uses
EPUBCheck, so it is ready by the time the first EPUB is built.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import page
import pytest
from hypothesis import settings

from briefing import BuildOptions, BuildResult, build
from tests import epubcheck_batch, validators

# Property and fuzz tests: the same examples on every run by default, so a CI run is red
# only for a change, never for a new random draw; HYPOTHESIS_PROFILE=explore draws new
# examples (run it by hand, and keep what it finds as corpus cases).
settings.register_profile("repeatable", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

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


# --- Validators: once per distinct file, EPUBCheck in one JVM --------------------------


def _uses_epubcheck(item: pytest.Item) -> bool:
    module = getattr(item, "module", None)
    names = vars(module) if module is not None else {}
    return names.get("epubcheck") is validators.epubcheck or any(
        getattr(value, "__module__", None) == "briefing.check" for value in names.values()
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the Dask tests last. A Dask client leaves threads running in the test process
    (its IO loop, its offload executor) until the process ends, and forking a process that
    has threads is unsafe: the build tests that fork worker processes run before them."""
    items.sort(key=lambda item: item.path.name == "test_distributed.py")


def pytest_collection_finish(session: pytest.Session) -> None:
    if any(_uses_epubcheck(item) for item in session.items):  # after -m/-k deselection
        # No Java or no EPUBCheck: the tests that need them fail, and say why.
        with contextlib.suppress(ImportError, OSError, RuntimeError):
            epubcheck_batch.batch().warm_up()


def pytest_sessionfinish(session: pytest.Session) -> None:
    epubcheck_batch.close()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    runs = epubcheck_batch.checked_total()
    if runs:
        terminalreporter.write_line(
            f"EPUBCheck: {runs} distinct EPUBs (incl. the warm-up control) checked in one JVM"
        )


class _RoutedSubprocess:
    """Stands in for ``subprocess`` inside ``briefing.check``: its strict EPUBCheck command
    (``java -jar epubcheck.jar --failonwarnings --json - FILE``) is answered by the session's
    JVM, which runs the same entry point with the same arguments; anything else, and any
    call from another process (forked build workers), runs as usual."""

    def __init__(self, pid: int) -> None:
        self._pid = pid

    def __getattr__(self, name: str) -> Any:
        return getattr(subprocess, name)

    def run(self, args: Any, *rest: Any, **options: Any) -> Any:
        argv = [str(a) for a in args] if isinstance(args, list | tuple) else []
        strict = ["-jar", str(epubcheck_batch.jar()), "--failonwarnings", "--json", "-"]
        if (
            os.getpid() != self._pid
            or rest
            or len(argv) != 7
            or argv[1:6] != strict
            or not options.get("capture_output")
        ):
            return subprocess.run(args, *rest, **options)
        result = epubcheck_batch.batch().check(Path(argv[6]))
        out: str | bytes = result.stdout
        err: str | bytes = result.stderr
        if not (options.get("text") or options.get("encoding") or options.get("errors")):
            out, err = result.stdout.encode(), result.stderr.encode()
        return subprocess.CompletedProcess(args, result.exit_code, out, err)


@pytest.fixture(scope="session", autouse=True)
def _validate_each_file_once() -> Iterator[None]:
    """Route ``briefing check``'s validators through the session's caches."""
    # Imported here, not at the top: importing it before the tests import WeasyPrint changes
    # the order of interpreter shutdown, and WeasyPrint's FontConfiguration.__del__ then
    # prints "Exception ignored ... 'NoneType' object is not callable".
    import briefing.check

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(briefing.check, "subprocess", _RoutedSubprocess(os.getpid()))
        patch.setattr(page, "validate_pdf", validators.validate_pdf)
        yield
