"""Small helpers for running text shared by readers and renderers."""

from __future__ import annotations

import re

__all__ = ["sentences"]

# A sentence ends at . ! or ? followed by space and a capital, but not after an initial
# ("U.S. President", "J. Smith") or a common abbreviation.
_SENTENCE_END = re.compile(
    r"(?<=[.!?])(?<!\b[A-Z]\.)(?<!\bMr\.)(?<!\bMs\.)(?<!\bDr\.)(?<!\bSt\.)(?<!\bvs\.)"
    r"(?<!\be\.g\.)(?<!\bi\.e\.)\s+(?=[\"“'‘(]?[A-Z0-9])"
)


def sentences(text: str) -> list[str]:
    """Split text into sentences (good enough for captions and descriptions)."""
    return [part.strip() for part in _SENTENCE_END.split(text.strip()) if part.strip()]
