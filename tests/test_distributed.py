"""Building on a Dask cluster: byte-identical to a local build, failures reported like
local ones, a worker killed mid-build, and a scheduler that cannot be reached."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import briefing
from briefing import BuildOptions, build
from briefing.cli import main
from briefing.config import load_project
from briefing.distributed import bundle_theme, scheduler_address
from briefing.engine import Progress
from briefing.errors import OutputError
from briefing.produce import TaskSpec
from briefing.readers import read_article
from briefing.report import collecting
from briefing.themes import load_theme
from tests.conftest import MARKDOWN, SEED
from tests.test_editions import make_project

SRC = str(Path(briefing.__file__).resolve().parent.parent)

CONFIG = """\
[defaults]
organisation = "Test Unit"
formats = ["pdf", "epub", "html"]

[[editions]]
name = "desk"
sources = ["sources/*"]
recipients = ["Ada Lovelace", "Émile Zola"]
compendium = true
"""


def _project(folder: Path) -> Path:
    make_project(folder)  # the seed and the Markdown fixture
    (folder / "briefing.toml").write_text(CONFIG)
    # a project style layer: files only this machine has, which the workers must be sent
    (folder / "styles").mkdir()
    palette = load_theme().style("palette.css").read_text()
    (folder / "styles" / "palette.css").write_text(palette.replace("}", "--accent: #8a1538; }", 1))
    return folder


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address="127.0.0.1:0"
    )
    with distributed.Client(cluster, set_as_default=False) as connected:
        yield connected
    cluster.close()


# -- no cluster needed ----------------------------------------------------------------


def test_the_scheduler_is_an_option_like_any_other(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "briefing.toml").write_text(
        '[defaults]\nscheduler = "tcp://10.0.0.5:8786"\n\n'
        '[[editions]]\nname = "a"\nsources = ["*.md"]\n'
    )
    assert load_project(tmp_path / "briefing.toml").options.scheduler == "tcp://10.0.0.5:8786"
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    assert scheduler_address(None) is None
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", "tcp://10.0.0.6:8786")
    assert scheduler_address(None) == "tcp://10.0.0.6:8786"
    assert scheduler_address("local") == "local"  # the flag or briefing.toml wins


def test_without_dask_the_error_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails
    with pytest.raises(OutputError) as raised:
        build(SEED, out_dir=tmp_path, options=BuildOptions(formats=("html",), scheduler="local"))
    assert raised.value.diagnostic.hint == "pip install 'briefing[dask]'"
    assert not list(tmp_path.rglob("*.html"))


def test_a_task_pickles_whole() -> None:
    with collecting():
        document = read_article(MARKDOWN)
    spec = TaskSpec("article", load_theme(), "e", (("energy-note", document),))
    assert pickle.loads(pickle.dumps(spec)) == spec


def test_a_theme_travels_as_its_files_and_their_hashes(tmp_path: Path) -> None:
    theme = load_theme()
    bundle = bundle_theme(theme)
    assert len(bundle.templates) == len(theme.template_dirs)
    names = {name for layer in bundle.styles for name, _sha in layer}
    assert {"briefing.css", "palette.css"} <= names
    assert bundle_theme(theme).digest == bundle.digest
    # hidden files and links leaving the theme are never sent
    folder = tmp_path / "mine"
    shutil.copytree(theme.style_dirs[0], folder)
    (folder / ".secret").write_text("no")
    (folder / "leak.css").symlink_to("/etc/hostname")
    mine = load_theme(folder)
    sent = {name for layer in bundle_theme(mine).styles for name, _sha in layer}
    assert ".secret" not in sent and "leak.css" not in sent
    assert bundle_theme(mine).digest != bundle.digest


def test_a_worker_unpacks_a_theme_once_into_the_private_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Content-addressed, so worker processes share it and a killed worker leaves no
    copy behind (each one left 4.7 MB in /tmp); a cache others can open is not used."""
    from briefing import distributed

    monkeypatch.setattr(distributed, "_UNPACKED", {})
    monkeypatch.setenv("BRIEFING_CACHE_DIR", str(tmp_path / "cache"))
    bundle = bundle_theme(load_theme())
    templates, styles = distributed._unpacked(bundle)
    root = tmp_path / "cache" / "themes" / bundle.digest
    assert templates[0].parent == root and (root / "complete").is_file()
    palette = load_theme().style("palette.css").read_bytes()
    assert (styles[0] / "palette.css").read_bytes() == palette
    written = (styles[0] / "palette.css").stat().st_mtime_ns
    monkeypatch.setattr(distributed, "_UNPACKED", {})  # another worker process
    assert distributed._unpacked(bundle) == (templates, styles)
    assert (styles[0] / "palette.css").stat().st_mtime_ns == written
    assert sorted(p.name for p in (tmp_path / "cache" / "themes").iterdir()) == [bundle.digest]
    # a cache folder others can read is not trusted: a temporary copy instead
    monkeypatch.setattr(distributed, "_UNPACKED", {})
    monkeypatch.setenv("BRIEFING_CACHE_DIR", str(tmp_path / "open"))
    (tmp_path / "open" / "themes").mkdir(parents=True, mode=0o755)
    (tmp_path / "open" / "themes").chmod(0o755)
    other, _ = distributed._unpacked(bundle)
    assert not other[0].is_relative_to(tmp_path / "open")


def test_render_processes_start_before_the_first_task_once_per_worker_thread() -> None:
    from briefing import distributed

    try:
        started = distributed.start_spares("tcp://worker-a", 2, warm=False)
        assert len(started) == 2 and all(process.alive for process in started)
        assert distributed.start_spares("tcp://worker-a", 2, warm=False) == []  # set up again
        taken = distributed._render_process(warm=False)
        assert taken in started and distributed._render_process(warm=False) is taken
        assert len(distributed._SPARES) == 1  # one left for the worker's other thread
    finally:
        for process in distributed._STARTED:
            process.stop()
        distributed._STARTED.clear()
        distributed._SPARES.clear()
        distributed._THREADS.clear()
        distributed._THREAD.__dict__.clear()


@pytest.mark.slow
def test_scheduler_local_starts_while_the_articles_are_read_and_builds_the_same_bytes(
    tmp_path: Path,
) -> None:
    """``--scheduler local`` (a LocalCluster of worker threads driving render processes,
    connected in the background) against ``-j 2``, as separate programs."""
    pytest.importorskip("distributed")
    project = _project(tmp_path / "project")
    env = {**os.environ, "PYTHONPATH": SRC, "SOURCE_DATE_EPOCH": "1767225600"}
    runs = {}
    for name, extra in (("local", []), ("cluster", ["--scheduler", "local"])):
        command = [sys.executable, "-m", "briefing", "build", "-j", "2", "-o", name, *extra]
        runs[name] = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
        assert runs[name].returncode == 0, runs[name].stderr
    assert _tree(project / "cluster") == _tree(project / "local")
    # a no-op rebuild asks the cluster for nothing, and closes it
    again = [sys.executable, "-m", "briefing", "build", "--json", "-o", "cluster"]
    noop = subprocess.run(
        [*again, "--scheduler", "local"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert noop.returncode == 0 and json.loads(noop.stdout)["built"] == 0, noop.stderr


# -- a LocalCluster of two worker processes ------------------------------------------


@pytest.mark.slow
def test_a_cluster_build_is_byte_identical_to_a_local_build(tmp_path: Path, client: Any) -> None:
    project = _project(tmp_path / "project")
    local = build(project=project, out_dir=tmp_path / "local", options=BuildOptions(jobs=2))
    assert local.ok, local.failures
    seen: list[str] = []
    progress = Progress(on_task=seen.append)
    remote = build(project=project, out_dir=tmp_path / "remote", executor=client, progress=progress)
    assert remote.ok, remote.failures
    assert len(remote.built) == len(local.built) and len(seen) >= 3
    assert _tree(tmp_path / "remote") == _tree(tmp_path / "local")
    again = build(project=project, out_dir=tmp_path / "remote", executor=client)
    assert not again.built and len(again.up_to_date) == len(local.built)


@pytest.mark.slow
def test_failures_and_timeouts_are_reported_like_local_ones(tmp_path: Path, client: Any) -> None:
    options = BuildOptions(formats=("pdf",), timeout=0.05, keep_going=True)
    sources = [SEED, MARKDOWN]
    local = build(sources, out_dir=tmp_path / "local", options=options)
    remote = build(sources, out_dir=tmp_path / "remote", options=options, executor=client)
    assert not local.ok and not remote.ok and remote.exit_code == local.exit_code == 5
    assert sorted(map(str, remote.failures)) == sorted(map(str, local.failures))
    assert {f.path for f in remote.failures} == {SEED, MARKDOWN}
    assert "took longer than 0.05 s" in remote.failures[0].message


@pytest.mark.slow
def test_an_unreachable_scheduler_fails_fast(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import briefing.distributed

    # the path is the same with any connect timeout: a shorter one keeps the suite short
    monkeypatch.setattr(briefing.distributed, "CONNECT_TIMEOUT", 1.5)
    address = f"tcp://127.0.0.1:{_free_port()}"
    started = time.monotonic()
    result = CliRunner().invoke(
        main, ["build", str(SEED), "-o", str(tmp_path), "-f", "html", "--scheduler", address]
    )
    assert time.monotonic() - started < 15
    assert result.exit_code == 5, result.output
    assert f"cannot reach the Dask scheduler at {address}" in result.output
    assert not list(tmp_path.rglob("*.html"))


# -- `dask scheduler` and two `dask worker` programs ----------------------------------


@pytest.mark.slow
def test_separate_dask_programs_build_an_edition_through_a_killed_worker(tmp_path: Path) -> None:
    """16 articles through ``--scheduler``; one worker is SIGKILLed mid-build; the build
    completes and every file is byte-identical to a local build's."""
    pytest.importorskip("distributed")
    sources = tmp_path / "sources"
    sources.mkdir()
    text = SEED.read_text()
    for n in range(16):
        (sources / f"brief-{n:02}.txt").write_text(f"Briefing number {n}\n\n{text}")
    env = {**os.environ, "PYTHONPATH": SRC, "SOURCE_DATE_EPOCH": "1767225600"}
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = [sys.executable, "-m", "dask"]
    # the workers' own SOURCE_DATE_EPOCH differs: the build's travels with each task
    elsewhere = {**env, "SOURCE_DATE_EPOCH": "1000000000"}
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": elsewhere}
    programs = [
        subprocess.Popen(
            [*dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            **quiet,  # type: ignore[call-overload]
        )
    ]
    try:
        _interrupt_while_no_worker_has_joined(tmp_path, address, env)
        worker = [*dask, "worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard"]
        programs += [subprocess.Popen(worker, **quiet) for _ in range(2)]  # type: ignore[call-overload]
        local = subprocess.run(
            [sys.executable, "-m", "briefing", "build", "-j", "2", "-o", "local"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            check=False,
        )
        assert local.returncode == 0, local.stderr
        _wait_for_workers(address, 2)
        build_cmd = [sys.executable, "-m", "briefing", "build", "--json", "-o", "remote"]
        remote = subprocess.Popen(
            [*build_cmd, "--scheduler", address],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 120
        while len(list((tmp_path / "remote").glob("*.pdf"))) < 3:
            assert remote.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        programs[2].send_signal(signal.SIGKILL)  # a worker dies mid-build
        out, err = remote.communicate(timeout=180)
        assert remote.returncode == 0, err.decode()
        report = json.loads(out)
        assert report["ok"] and report["built"] == 32 and report["failed"] == 0
        built = _tree(tmp_path / "remote")
        assert len(built) == 33  # 16 PDFs, 16 EPUBs, the manifest
        assert built == _tree(tmp_path / "local")
        assert programs[2].wait(timeout=10) == -signal.SIGKILL
    finally:
        for program in programs:  # the render processes die with their workers
            program.kill()
            program.wait()


def _interrupt_while_no_worker_has_joined(folder: Path, address: str, env: dict[str, str]) -> None:
    """The build says it waits for workers; SIGTERM (as Ctrl-C) cancels its futures."""
    command = [sys.executable, "-m", "briefing", "build", "-o", "waiting", "--scheduler", address]
    with subprocess.Popen(
        command, cwd=folder, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    ) as waiting:
        assert waiting.stderr is not None
        for line in waiting.stderr:
            if "has no workers yet" in line:
                break
        time.sleep(0.5)  # the futures are submitted just after the warning
        waiting.send_signal(signal.SIGTERM)
        assert waiting.wait(timeout=30) == 130
        assert "interrupted" in waiting.stderr.read()
    left = (
        "from distributed import Client\n"
        f"with Client({address!r}, timeout=30) as c:\n"
        "    print(c.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks)))"
    )
    out = subprocess.run([sys.executable, "-c", left], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"  # every future was cancelled


def _wait_for_workers(address: str, count: int) -> None:
    waiting = (
        "from distributed import Client\n"
        f"with Client({address!r}, timeout=30) as c: c.wait_for_workers({count}, timeout=60)"
    )
    subprocess.run([sys.executable, "-c", waiting], check=True, timeout=120)
