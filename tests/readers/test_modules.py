"""The readers package is split by job: each module says its one job, and the old
``readers.common`` names still resolve (a shim until every caller imports the new homes)."""

from __future__ import annotations

import importlib

import pytest

MODULES = [
    "briefing.metadata",
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
    import briefing.metadata as metadata
    import briefing.readers.common as common

    assert common.META_KEYS is metadata.META_KEYS
    assert common.build_meta is metadata.build_meta
    for name in common.__all__:
        assert hasattr(common, name), name


def test_shared_syntax_and_assembly_are_separate_modules() -> None:
    from briefing.readers import assembly, source, syntax

    assert "split_row" in syntax.__all__ and "split_takeaway" in syntax.__all__
    assert "assemble" in assembly.__all__ and "Draft" in assembly.__all__
    assert set(source.__all__) == {"decode", "read_bytes", "split_front_matter"}
