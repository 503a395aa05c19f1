"""The readers package is split by job, and every module of the package says its one job."""

from __future__ import annotations

import importlib

import pytest

MODULES = [
    "briefing.metadata",
    "briefing.options",
    "briefing.engine",
    "briefing.tasks",
    "briefing.produce",
    "briefing.workers",
    "briefing.manifest",
    "briefing.readers.source",
    "briefing.readers.syntax",
    "briefing.readers.assembly",
    "briefing.readers.text",
    "briefing.readers.markdown",
]


@pytest.mark.parametrize("name", MODULES)
def test_each_module_says_its_job(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__doc__ and module.__doc__.strip()
    for exported in module.__all__:
        assert hasattr(module, exported), exported


def test_metadata_rules_live_outside_the_readers() -> None:
    import briefing.readers as readers

    assert not hasattr(readers, "common")
    with pytest.raises(ImportError):
        importlib.import_module("briefing.readers.common")


def test_every_module_says_its_one_job() -> None:
    import pkgutil

    import briefing

    for info in pkgutil.walk_packages(briefing.__path__, "briefing."):
        module = importlib.import_module(info.name)
        assert module.__doc__ and len(module.__doc__.strip()) > 20, info.name


def test_shared_syntax_and_assembly_are_separate_modules() -> None:
    from briefing.readers import assembly, source, syntax

    assert "split_row" in syntax.__all__ and "split_takeaway" in syntax.__all__
    assert "assemble" in assembly.__all__ and "Draft" in assembly.__all__
    assert set(source.__all__) == {"decode", "parse_yaml", "read_bytes", "split_front_matter"}
