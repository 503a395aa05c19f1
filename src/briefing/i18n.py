"""Words the theme and the tool write (furniture), in the document's language.

Message ids are the English text, as with gettext: ``_("Key takeaways")`` gives the
catalogue's translation for the document's language, or the English text when there is
none. Templates get the function as ``_``; Python code calls :func:`messages_for`.
Placeholders use ``str.format`` names: ``_("Table {number}", number=2)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

__all__ = ["Messages", "messages_for"]


@dataclass(frozen=True, slots=True)
class Messages:
    """A message catalogue for one language; call it to translate a message id."""

    language: str
    catalogue: Mapping[str, str] = field(default_factory=dict)

    def __call__(self, msgid: str, /, **values: object) -> str:
        text = self.catalogue.get(msgid) or msgid
        return text.format(**values) if values else text


@lru_cache(maxsize=32)
def messages_for(language: str) -> Messages:
    """The catalogue for a BCP 47 language tag (English text where none is known)."""
    return Messages(language)
