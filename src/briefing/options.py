"""Build options, declared once: the command line, ``briefing.toml`` and the library read
this module, so a flag, a config key and a field of :class:`BuildOptions` are one thing.

Each option is a field of :class:`BuildOptions` whose ``metadata`` says where it may be set
(``scope``) and what values it takes (``kind`` and ``choices``); :func:`coerce` checks a
value from any of those places against that declaration.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import MISSING, Field, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal, get_args

__all__ = [
    "DEFAULT_TIMEOUT",
    "FORMATS",
    "INPUT_FORMATS",
    "MAX_INPUT_BYTES",
    "PAPERS",
    "PDF_VARIANTS",
    "BuildOptions",
    "Format",
    "InputFormat",
    "OptionSpec",
    "Paper",
    "PdfVariant",
    "coerce",
    "option_specs",
]

Format = Literal["pdf", "epub", "html"]
Paper = Literal["a4", "letter", "a5", "legal"]
PdfVariant = Literal["pdf/ua-1", "pdf/a-3u"]
InputFormat = Literal["text", "markdown"]

#: Output formats (``all`` on the command line means PDF and EPUB).
FORMATS: tuple[Format, ...] = get_args(Format)
#: Paper sizes (see :data:`briefing.render.html.PAPER_SIZES`).
PAPERS: tuple[Paper, ...] = get_args(Paper)
#: ``pdf/ua-1``: tagged, the default; ``pdf/a-3u``: archival, the article attached.
PDF_VARIANTS: tuple[PdfVariant, ...] = get_args(PdfVariant)
#: Readers, by name (``--from``).
INPUT_FORMATS: tuple[InputFormat, ...] = get_args(InputFormat)

#: Seconds one article may take to render before it is abandoned (0: no limit).
DEFAULT_TIMEOUT = 300.0
#: Articles larger than this many bytes are refused.
MAX_INPUT_BYTES = 5 * 1024 * 1024
#: The longest timeout accepted (a day): larger values are typos, and overflow timers.
MAX_TIMEOUT = 86400.0

#: Where an option may be given: ``edition`` options may differ per edition (and are
#: also accepted in ``[defaults]``); ``project`` options only in ``[defaults]``; ``run``
#: options only on the command line or in the library call.
Scope = Literal["edition", "project", "run"]
Kind = Literal["choice", "choices", "text", "path", "count", "seconds", "bytes", "flag"]


@dataclass(frozen=True, slots=True)
class OptionSpec:
    """What one option accepts: how it is written, where, and its documentation."""

    name: str
    scope: Scope
    kind: Kind
    help: str
    choices: tuple[str, ...] = ()
    default: Any = None


def _option(
    default: Any, scope: Scope, kind: Kind, help: str, choices: tuple[str, ...] = ()
) -> Any:
    meta = {"scope": scope, "kind": kind, "help": help, "choices": choices}
    if isinstance(default, Mapping):
        return field(default_factory=dict, metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """How to build: every field has the default the command line uses.

    The same names are ``briefing.toml`` keys (in ``[defaults]``, and the ``edition``
    ones in ``[[editions]]``) and command-line flags (``pdf_variant`` is
    ``--pdf-variant``).

    :param formats: any of :data:`FORMATS`.
    :param theme: a built-in theme name or a theme folder.
    :param paper: one of :data:`PAPERS`.
    :param pdf_variant: one of :data:`PDF_VARIANTS`.
    :param input_format: force a reader (``text``, ``markdown``) instead of the suffix.
    :param meta: metadata overriding every article's (the command line's ``-M``).
    :param output: the output folder (relative to the project root in ``briefing.toml``).
    :param jobs: worker processes (``None``: all cores).
    :param timeout: seconds one article may take to render (0: no limit).
    :param max_input_size: refuse articles larger than this many bytes.
    :param force: rebuild outputs that are up to date.
    :param keep_going: build what can be built when some articles fail.
    :param check: validate what was built, and what was up to date.
    :param strict: warnings are errors: an article or output with one fails (as MkDocs'
        ``--strict``): missing alt text, unresolved references, over the page budget...
    """

    formats: tuple[Format, ...] = _option(
        ("pdf", "epub"), "edition", "choices", "Output formats.", FORMATS
    )
    theme: str | Path = _option("brief", "edition", "text", "A built-in theme or a folder.")
    paper: Paper = _option("a4", "edition", "choice", "Paper size.", PAPERS)
    pdf_variant: PdfVariant = _option(
        "pdf/ua-1", "edition", "choice", "PDF/UA-1 (tagged) or PDF/A-3u.", PDF_VARIANTS
    )
    input_format: InputFormat | None = _option(
        None, "edition", "choice", "Reader to use instead of the suffix.", INPUT_FORMATS
    )
    meta: Mapping[str, Any] = _option({}, "run", "flag", "Metadata overrides.")
    output: Path | None = _option(None, "project", "path", "Output folder (default: dist).")
    jobs: int | None = _option(None, "project", "count", "Worker processes.")
    timeout: float = _option(DEFAULT_TIMEOUT, "project", "seconds", "Render time limit.")
    max_input_size: int = _option(MAX_INPUT_BYTES, "project", "bytes", "Article size limit.")
    force: bool = _option(False, "run", "flag", "Rebuild what is up to date.")
    keep_going: bool = _option(False, "run", "flag", "Build what can be built.")
    check: bool = _option(False, "run", "flag", "Validate the outputs.")
    strict: bool = _option(False, "edition", "flag", "Warnings are errors.")

    def merged(self, given: Mapping[str, Any]) -> BuildOptions:
        """These options with ``given`` values applied (``None`` means not given)."""
        return replace(self, **{k: v for k, v in given.items() if v is not None})


def _spec(item: Field[Any]) -> OptionSpec:
    default = item.default if item.default is not MISSING else None
    return OptionSpec(
        item.name,
        item.metadata["scope"],
        item.metadata["kind"],
        item.metadata["help"],
        item.metadata["choices"],
        default,
    )


def option_specs() -> dict[str, OptionSpec]:
    """Every option's declaration, by name."""
    return {item.name: _spec(item) for item in fields(BuildOptions)}


def coerce(name: str, value: Any) -> Any:
    """Check one option value against its declaration and return it in its field's type.

    :raises ValueError: saying what the option accepts (callers add file and line).
    """
    spec = option_specs()[name]
    if spec.kind == "choices":
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
            raise ValueError(f"'{name}' must be a list of: {', '.join(spec.choices)}")
        bad = [item for item in items if item not in spec.choices]
        if bad:
            raise ValueError(f"unknown {name[:-1]} '{bad[0]}' (use {', '.join(spec.choices)})")
        if not items:
            raise ValueError(f"'{name}' must name at least one of: {', '.join(spec.choices)}")
        return tuple(dict.fromkeys(items))
    if spec.kind == "choice":
        if value not in spec.choices:
            label = name.replace("_", " ")
            raise ValueError(f"unknown {label} {value!r} (use {', '.join(spec.choices)})")
        return value
    if spec.kind in ("text", "path"):
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"'{name}' must be non-empty text")
        return Path(value) if spec.kind == "path" else value
    if spec.kind == "flag":
        if not isinstance(value, bool):
            raise ValueError(f"'{name}' must be true or false")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"'{name}' must be a number")
    if spec.kind == "seconds":
        if not math.isfinite(value) or value < 0 or value > MAX_TIMEOUT:
            raise ValueError(f"'{name}' must be a number of seconds from 0 to {MAX_TIMEOUT:g}")
        if 0 < value < 0.01:
            raise ValueError(f"'{name}' must be 0 (no limit) or at least 0.01 seconds")
        return float(value)
    if not isinstance(value, int) or value < 1:
        raise ValueError(f"'{name}' must be a whole number of at least 1")
    return value
