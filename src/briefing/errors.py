"""Errors the tool raises on purpose, each carrying where it happened and what to do.

Every failure a user can cause (a bad article, a missing theme, a blocked resource) is a
:class:`BriefingError`. The CLI prints it as one line, ``file:line: message (hint)``, and
exits with the code of its class; anything else is a bug and is reported as such.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "EXIT_CHECK",
    "EXIT_INPUT",
    "EXIT_INTERNAL",
    "EXIT_OK",
    "EXIT_OUTPUT",
    "EXIT_THEME",
    "EXIT_USAGE",
    "BriefingError",
    "CheckFailed",
    "Diagnostic",
    "InputError",
    "OutputError",
    "ThemeError",
]

#: Exit codes of the ``briefing`` command, documented in the README.
EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_INPUT = 3
EXIT_THEME = 4
EXIT_OUTPUT = 5
EXIT_CHECK = 6


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A warning or error tied to a place in an input file.

    :param message: what is wrong, in one sentence.
    :param path: the file it concerns, if any.
    :param line: the 1-based line in that file, if known.
    :param hint: what the user can do about it.
    """

    message: str
    path: Path | None = None
    line: int | None = None
    hint: str | None = None

    @property
    def location(self) -> str:
        """``path:line`` (or just ``path``), empty when the diagnostic has no file."""
        if self.path is None:
            return ""
        return f"{self.path}:{self.line}" if self.line else str(self.path)

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}" if self.location else self.message
        return f"{text} ({self.hint})" if self.hint else text

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready form for ``--json`` output."""
        return {
            "path": str(self.path) if self.path else None,
            "line": self.line,
            "message": self.message,
            "hint": self.hint,
        }


class BriefingError(Exception):
    """Base class of the errors a user can cause; carries a :class:`Diagnostic`."""

    exit_code = EXIT_INTERNAL

    def __init__(
        self,
        message: str,
        *,
        path: Path | str | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.diagnostic = Diagnostic(message, Path(path) if path is not None else None, line, hint)
        super().__init__(str(self.diagnostic))


class InputError(BriefingError):
    """An article or configuration file that cannot be read as given."""

    exit_code = EXIT_INPUT


class ThemeError(BriefingError):
    """A theme that cannot be found, or whose templates or styles are broken."""

    exit_code = EXIT_THEME


class OutputError(BriefingError):
    """Rendering or writing an output failed (including a blocked resource)."""

    exit_code = EXIT_OUTPUT


class CheckFailed(BriefingError):
    """A built output did not pass validation."""

    exit_code = EXIT_CHECK
