"""Decoding, front matter and metadata errors: each names file and line and says what to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefing.errors import InputError
from briefing.model import plain
from briefing.readers import read_article, reader_for
from briefing.readers.assembly import caption_from_intro
from briefing.readers.syntax import split_row, split_takeaway
from briefing.report import collecting


def error_for(tmp_path: Path, data: bytes, name: str = "a.txt") -> InputError:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputError) as caught, collecting():
        read_article(path)
    return caught.value


@pytest.mark.parametrize(
    ("data", "line", "words"),
    [
        (b"", 1, "empty"),
        (b"  \n\n\t\n", 1, "empty"),
        (b"Fine line\n\x00\x01\x02binary", 2, "not a text file"),
        (b"Line one\nCaf\xe9 au lait\n", 2, "not valid UTF-8"),
        (b"Text\n\x07bell\n", 2, "control character"),
    ],
)
def test_unreadable_bytes(tmp_path: Path, data: bytes, line: int, words: str) -> None:
    error = error_for(tmp_path, data)
    assert error.diagnostic.line == line
    assert words in error.diagnostic.message
    assert error.diagnostic.hint
    assert str(error).startswith(f"{tmp_path / 'a.txt'}:{line}: ")


def test_utf16_with_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes("Lede line.\nHeading\nBody.\n".encode("utf-16"))
    with collecting():
        document = read_article(path)
    assert [s.heading for s in document.sections] == [None, "Heading"]


@pytest.mark.parametrize(
    ("front", "line", "words"),
    [
        ("---\ntitle: [unclosed\n---\n", 2, "not valid YAML"),
        ("---\n- a\n- b\n---\n", 2, "must be a mapping"),
        ("---\ntitle: T\ndate: last week\n---\n", 3, "date"),
        ("---\ntitle: T\nstatus: maybe\n---\n", 3, "'final' or 'draft'"),
        ("---\ntitle: T\n", 1, "never closed"),
    ],
)
def test_front_matter_errors(tmp_path: Path, front: str, line: int, words: str) -> None:
    error = error_for(tmp_path, (front + "Body text.\n").encode())
    assert error.diagnostic.line == line
    assert words in error.diagnostic.message


def test_unknown_key_warns_with_did_you_mean(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("---\ntitle: T\nsubtitel: S\n---\nBody.\n")
    with collecting() as warnings:
        read_article(path)
    (warning,) = warnings
    assert warning.line == 3 and "subtitel" in warning.message
    assert warning.hint == "did you mean 'subtitle'?"


def test_unknown_suffix_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot tell the format"):
        reader_for(tmp_path / "a.docx")
    assert reader_for(tmp_path / "a.docx", "markdown") == "markdown"


def test_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("word " * 1000)
    with pytest.raises(InputError, match="over the 100-byte limit"):
        read_article(path, max_bytes=100)


def test_helpers() -> None:
    assert split_row("| a | b \\| c |") == ["a", "b | c"]
    assert split_takeaway("Trade Relations Stalemate: Economic talks stalled.") == (
        "Trade Relations Stalemate",
        "Economic talks stalled.",
    )
    assert split_takeaway("In short, yes: it worked.") is None
    assert caption_from_intro("Analysts agree. Key implications include:") == "Key implications"
    assert caption_from_intro("No colon here.") is None


def test_unicode_line_ends_become_breaks(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("---\ntitle: T\n---\n\nOne\u2028two\x85three.\u2029Next paragraph.\n")
    with collecting():
        document = read_article(path)
    assert [plain(b.content) for b in document.blocks()] == [  # type: ignore[union-attr]
        "One two three.",
        "Next paragraph.",
    ]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("One.\n\nTwo\x0c.\n", 3, "U+000C (form feed) cannot be printed"),
        # U+2029 is a paragraph break: it counts as two line ends (a blank line between)
        ("One.\u2029Two \ufffe.\n", 3, "U+FFFE (a Unicode noncharacter)"),
        ("One \U0010ffff.\n", 1, "U+10FFFF (a Unicode noncharacter)"),
        ("One.\nTwo \x9b.\n", 2, "control character U+009B"),
    ],
)
def test_unprintable_characters_are_refused_at_their_line(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    error = error_for(tmp_path, text.encode())
    assert words in error.diagnostic.message
    assert error.diagnostic.line == line


def test_deep_emphasis_and_blank_blocks(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("# T\n\n```\n```\n\nLede.\n\n" + "_" * 3000 + "x" + "_" * 3000 + "\n")
    with pytest.raises(InputError, match="nested more than 32 deep") as caught, collecting():
        read_article(path)
    assert caught.value.diagnostic.line == 8
    path.write_text("# T\n\n```\n```\n\n> ` `\n\nLede.\n")
    with collecting() as warnings:
        document = read_article(path)
    assert [b.type for b in document.blocks()] == ["paragraph"]
    assert [w.message for w in warnings] == [
        "an empty code block is ignored",
        "a quote with no text is ignored",
    ]


def test_reading_is_bounded_and_regular_files_only(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "fifo.txt"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        read_article(fifo)  # refused at once: no writer, no hang
    zero = tmp_path / "zero.txt"
    zero.symlink_to("/dev/zero")
    with pytest.raises(InputError, match="not a regular file"):
        read_article(zero)
    proc = Path("/proc/self/status")  # st_size 0, yet it has content
    assert proc.stat().st_size == 0
    with pytest.raises(InputError, match="over the 100-byte limit"):
        read_article(proc, fmt="text", max_bytes=100)
