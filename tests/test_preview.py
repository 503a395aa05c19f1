"""``briefing preview`` and ``build --watch``: loopback-only binding, nothing served but the
preview's own names, updates pushed by server-sent events, errors shown with file:line,
and a real browser (Debian's chromium driven by Playwright) seeing an edit without a reload.
"""

from __future__ import annotations

import http.client
import io
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefing.cli import main
from briefing.errors import Diagnostic
from briefing.preview import PreviewServer, PreviewSession, check_host, watch_changes
from briefing.preview.server import is_loopback, state
from briefing.preview.session import Chapter, Heading, PageImage, Rendered, Snapshot, safe_name
from briefing.preview.session import _epub_files as epub_files
from briefing.preview.watcher import project_filter
from tests.conftest import ROOT

ARTICLE = """---
title: Preview test
---

# First heading

Some text for the preview.

# Second heading

More text.
"""
RAGGED = "\n| a | b |\n|---|---|\n| 1 | 2 | 3 |\n"


# --- binding -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.10", False),
        ("example.com", False),
    ],
)
def test_only_loopback_hosts_are_allowed_by_default(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
    assert (check_host(host, allow_remote=False) is None) is loopback
    assert check_host(host, allow_remote=True) is None


def test_preview_refuses_a_remote_host_without_the_flag(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(ARTICLE, "utf-8")
    result = CliRunner().invoke(main, ["preview", str(tmp_path / "a.md"), "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "--allow-remote" in result.output


def test_server_binds_loopback_and_refuses_others() -> None:
    server = PreviewServer("127.0.0.1", 0)
    try:
        assert server.server_address[0] == "127.0.0.1"
        assert server.url == f"http://127.0.0.1:{server.port}/"
    finally:
        server.server_close()
    with pytest.raises(ValueError, match="allow-remote"):
        PreviewServer("0.0.0.0", 0)


def test_help_does_not_import_the_preview() -> None:
    code = (
        "import sys, briefing.cli; "
        "print([m for m in ('watchfiles', 'http.server', 'pypdfium2', 'briefing.preview') "
        "if m in sys.modules])"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.stdout.strip() == "[]", done.stderr


# --- what is served ----------------------------------------------------------------


def _rendered(render_id: int = 1, heading: str = "First heading") -> Rendered:
    chapter = b'<html xmlns="http://www.w3.org/1999/xhtml"><head><title>One</title></head></html>'
    return Rendered(
        render_id,
        "Preview test",
        (PageImage(b"\x89PNG fake", 10, 14, f"page text {heading}"),),
        (Heading(1, heading, 1),),
        (Chapter("One", "EPUB/one.xhtml"),),
        {"EPUB/one.xhtml": chapter, "EPUB/style/main.css": b"p{}"},
        (),
        0.1,
    )


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PreviewServer]:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "secret.txt").write_text("root:x:0:0", "utf-8")
    (tmp_path / "link").symlink_to("/etc/passwd")
    server = PreviewServer("127.0.0.1", 0)
    server.publish(Snapshot(1, _rendered(), None))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.close()


def _get(server: PreviewServer, path: str, host: str | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        connection.putrequest("GET", path, skip_host=True)
        connection.putheader("Host", host or f"127.0.0.1:{server.port}")
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_serves_its_page_state_and_render(server: PreviewServer) -> None:
    status, body = _get(server, "/")
    assert status == 200 and b"/preview.js" in body
    assert _get(server, "/preview.js")[0] == 200
    assert _get(server, "/preview.css")[0] == 200
    status, body = _get(server, "/state.json")
    assert status == 200 and b"First heading" in body
    assert _get(server, "/pages/1/1.png") == (200, b"\x89PNG fake")
    assert _get(server, "/epub/1/EPUB/style/main.css") == (200, b"p{}")
    assert _get(server, "/epub/1/EPUB/one.xhtml")[0] == 200


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/secret.txt",
        "/link",
        "/etc/passwd",
        "//etc/passwd",
        "/epub/1/../../secret.txt",
        "/epub/1/EPUB/../../../../etc/passwd",
        "/epub/1/%2e%2e/%2e%2e/secret.txt",
        "/epub/1/%2E%2E%2F%2E%2E%2Fsecret.txt",
        "/epub/1/EPUB/%2e%2e/EPUB/one.xhtml",
        "/epub/1/%252e%252e/secret.txt",
        "/epub/1//etc/passwd",
        "/epub/1/EPUB%5c..%5c..%5csecret.txt",
        "/epub/1/./EPUB/one.xhtml",
        "/epub/1/%00",
        "/epub/1/%2Fetc%2Fpasswd",
        "/epub/2/EPUB/one.xhtml",
        "/pages/1/0.png",
        "/pages/1/2.png",
        "/pages/1/../../preview.js",
        "/pages/x/1.png",
        "http://127.0.0.1/etc/passwd",
        "/proc/self/environ",
    ],
)
def test_nothing_outside_its_own_names_is_served(server: PreviewServer, path: str) -> None:
    status, body = _get(server, path)
    assert status == 404, path
    assert b"root:" not in body


def test_requests_for_another_host_are_refused(server: PreviewServer) -> None:
    assert _get(server, "/", host="evil.example:80")[0] == 403
    assert _get(server, "/", host=f"evil.example:{server.port}")[0] == 403
    assert _get(server, "/", host=f"localhost:{server.port}")[0] == 200


def test_safe_names() -> None:
    assert safe_name("EPUB/one.xhtml")
    for name in ("", "/etc/passwd", "../x", "a/../b", "a/./b", "a//b", "a\\b", "a\x00b", "a/"):
        assert not safe_name(name), name


def test_epub_files_leave_out_unsafe_names() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "META-INF/container.xml",
            '<container xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
            '<rootfile full-path="EPUB/content.opf"/></rootfiles></container>',
        )
        archive.writestr(
            "EPUB/content.opf",
            '<package xmlns="http://www.idpf.org/2007/opf"><manifest>'
            '<item id="c" href="c.xhtml" media-type="application/xhtml+xml"/></manifest>'
            '<spine><itemref idref="c"/></spine></package>',
        )
        archive.writestr("EPUB/c.xhtml", '<html xmlns="http://www.w3.org/1999/xhtml"/>')
        archive.writestr("../evil.txt", "x")
        archive.writestr("/abs.txt", "x")
    chapters, files = epub_files(buffer.getvalue())
    assert [c.name for c in chapters] == ["EPUB/c.xhtml"]
    assert chapters[0].title == "Part 1"
    assert "../evil.txt" not in files and "/abs.txt" not in files


# --- updates -----------------------------------------------------------------------


def test_events_announce_each_new_snapshot(server: PreviewServer) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    connection.request("GET", "/events")
    response = connection.getresponse()
    assert response.getheader("Content-Type") == "text/event-stream"
    assert response.readline() == b"event: update\n"
    assert response.readline() == b"data: 1\n"
    response.readline()
    error = Diagnostic("bad table", Path("a.md"), 12, "give every row the same cells")
    server.publish(Snapshot(2, server.snapshot.rendered, error))
    assert response.readline() == b"event: update\n"
    assert response.readline() == b"data: 2\n"
    connection.close()
    data = state(server.snapshot)
    assert data["error"]["location"] == "a.md:12"
    assert data["error"]["hint"] == "give every row the same cells"
    assert data["render"]["outline"][0]["title"] == "First heading"


def test_renders_of_an_update_replace_older_ones(server: PreviewServer) -> None:
    server.publish(Snapshot(2, _rendered(2, "Renamed"), None))
    server.publish(Snapshot(3, _rendered(3, "Renamed again"), None))
    assert _get(server, "/pages/3/1.png")[0] == 200
    assert _get(server, "/pages/2/1.png")[0] == 200  # requests under way still get theirs
    assert _get(server, "/pages/1/1.png")[0] == 404


def test_watch_changes_gives_a_saved_file(tmp_path: Path) -> None:
    watched, other = tmp_path / "a.md", tmp_path / "notes.txt"
    watched.write_text("one", "utf-8")
    stop = threading.Event()

    def save() -> None:
        time.sleep(0.3)
        other.write_text("not watched", "utf-8")
        watched.write_text("two", "utf-8")

    threading.Thread(target=save, daemon=True).start()
    timer = threading.Timer(10, stop.set)
    timer.start()
    try:
        changes = next(watch_changes({watched.resolve()}, set(), stop=stop))
    finally:
        stop.set()
        timer.cancel()
    assert changes == {watched.resolve()}


def test_build_watch_filter(tmp_path: Path) -> None:
    root = tmp_path.resolve()
    theme = (tmp_path / "elsewhere" / "theme").resolve()
    accept = project_filter(
        root,
        root / "dist",
        files={root / "briefing.toml", root / "_brand.yml"},
        patterns=["sources/*"],
        themes={theme},
    )
    assert accept(root / "briefing.toml") and accept(root / "_brand.yml")
    assert accept(root / "sources" / "new.md")
    assert accept(root / "styles" / "brief" / "briefing.css")
    assert accept(theme / "templates" / "article.html")
    assert not accept(root / "dist" / "public" / "a.pdf")
    assert not accept(root / "build.log")
    assert not accept(root / "sources" / ".a.md.swp")
    assert not accept(root / ".git" / "index")


# --- rendering ---------------------------------------------------------------------


@pytest.mark.slow
def test_session_keeps_the_last_good_render_and_shows_the_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    article = tmp_path / "a.md"
    article.write_text(ARTICLE, "utf-8")
    (tmp_path / "styles").mkdir()
    (tmp_path / "styles" / "note.css").write_text("p { }", "utf-8")
    session = PreviewSession.open(Path("a.md"))
    good = session.render()
    assert good.error is None and good.rendered is not None
    assert [h.title for h in good.rendered.outline] == ["1 First heading", "2 Second heading"]
    assert good.rendered.pages[0].png.startswith(b"\x89PNG")
    assert "Some text for the preview" in " ".join(p.text for p in good.rendered.pages)
    assert any(c.name.endswith(".xhtml") for c in good.rendered.chapters)
    files, folders = session.watched()
    assert article.resolve() in files and (tmp_path / "styles").resolve() in folders
    renderer = session.renderer
    session.render()
    assert session.renderer is renderer  # warm: the same engine
    (tmp_path / "styles" / "note.css").write_text("p { color: red }", "utf-8")
    os.utime(tmp_path / "styles" / "note.css", ns=(1, 1))
    session.render()
    assert session.renderer is not renderer  # a theme file changed: parsed CSS is dropped

    article.write_text(ARTICLE + RAGGED, "utf-8")
    broken = session.render()
    assert broken.error is not None
    assert broken.error.location == "a.md:15" and broken.error.hint
    assert broken.rendered is not None and broken.rendered.id == good.version + 2
    assert broken.version == good.version + 3

    article.write_text(ARTICLE.replace("First heading", "Renamed heading"), "utf-8")
    fixed = session.render()
    assert fixed.error is None and fixed.rendered is not None
    assert fixed.rendered.outline[0].title == "1 Renamed heading"


class _Process:
    """A ``briefing`` command running in the background, its output read by a thread."""

    def __init__(self, args: list[str], cwd: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "PYTHONUNBUFFERED": "1"}
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "briefing", *args],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self.lines.put(line)
        self.lines.put("")

    def wait_for(self, pattern: str, timeout: float = 60) -> re.Match[str]:
        """The first new output line matching ``pattern``."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            if not line:
                break
            self.seen.append(line)
            match = re.search(pattern, line)
            if match:
                return match
        raise AssertionError(f"no {pattern!r} in output:\n{''.join(self.seen)}")

    def stop(self) -> None:
        """Ctrl-C: the process stops with 0 or 130 and no traceback."""
        self.popen.send_signal(signal.SIGINT)
        try:
            self.popen.wait(timeout=30)
        finally:
            self.popen.kill()
            self.reader.join(timeout=10)
            assert self.popen.stdout is not None
            self.popen.stdout.close()
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        text = "".join(self.seen)
        assert self.popen.returncode in (0, 130), text
        assert "Traceback" not in text

    def save_until(self, path: Path, text: str, pattern: str) -> re.Match[str]:
        """Save ``text`` to ``path`` until the command reports ``pattern``: the watcher
        starts just after the command says so, and on a busy machine a save in the same
        second can come before it (no person saves that fast)."""
        for _ in range(10):
            path.write_text(text, "utf-8")
            try:
                return self.wait_for(pattern, timeout=2.5)
            except AssertionError:
                continue
        return self.wait_for(pattern)


@pytest.mark.slow
def test_build_watch_rebuilds_on_save_until_ctrl_c(tmp_path: Path) -> None:
    article = tmp_path / "a.md"
    article.write_text(ARTICLE, "utf-8")
    process = _Process(["build", "--watch", "-f", "pdf", "a.md", "-o", "out"], tmp_path)
    try:
        process.wait_for(r"watching for changes")
        assert "1 built" in "".join(process.seen)
        process.save_until(
            article, ARTICLE.replace("First heading", "Renamed heading"), r"1 built, 0 up to date"
        )
        article.write_text(ARTICLE + RAGGED, "utf-8")
        process.wait_for(r"a\.md:15: .*table row")
    finally:
        process.stop()
    assert (tmp_path / "out" / "a.pdf").is_file()


# --- a real browser ----------------------------------------------------------------

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def chromium() -> str:
    """Debian's chromium; installed by scripts/system-deps.sh when missing (as CI does).
    Skipped only when it is absent and cannot be installed here."""
    found = shutil.which("chromium")
    if found is None:
        subprocess.run(["sh", str(ROOT / "scripts" / "system-deps.sh")], check=False)
        found = shutil.which("chromium")
    if found is None:
        pytest.skip("chromium is not installed and scripts/system-deps.sh could not install it")
    return found


@pytest.mark.slow
def test_browser_sees_an_edit_without_a_reload(tmp_path: Path, chromium: str) -> None:
    from playwright.sync_api import sync_playwright

    article = tmp_path / "a.md"
    article.write_text(ARTICLE, "utf-8")
    process = _Process(["preview", "a.md", "--no-browser", "--port", "0"], tmp_path)
    try:
        url = process.wait_for(r"at (http://127\.0\.0\.1:\d+/)").group(1)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            # the page's own policy allows no eval(); Playwright's waiting functions need it
            page = browser.new_context(bypass_csp=True).new_page()
            page.goto(url)
            page.wait_for_function("window.briefingPreview.renderId !== null", timeout=30_000)
            assert "1 First heading" in page.inner_text("#outline")
            assert page.locator("#pages img").count() >= 1
            loaded_at = page.evaluate("window.briefingPreview.loadedAt")
            page.evaluate("window.notReloaded = true")
            time.sleep(1.0)  # the watcher starts just after the server (see save_until)

            article.write_text(ARTICLE.replace("First heading", "Renamed heading"), "utf-8")
            page.wait_for_function(
                "document.getElementById('outline').textContent.includes('Renamed heading')",
                timeout=5_000,
            )
            assert page.evaluate("window.notReloaded") is True
            assert page.evaluate("window.briefingPreview.loadedAt") == loaded_at

            article.write_text(ARTICLE + RAGGED, "utf-8")
            page.wait_for_selector("#error:not([hidden])", timeout=5_000)
            error = page.inner_text("#error")
            assert "a.md:15" in error and "Hint:" in error
            assert "Renamed heading" in page.inner_text("#outline")  # the last good render

            article.write_text(ARTICLE.replace("First heading", "Fixed heading"), "utf-8")
            page.wait_for_selector("#error", state="hidden", timeout=5_000)
            page.wait_for_function(
                "document.getElementById('outline').textContent.includes('Fixed heading')",
                timeout=5_000,
            )
            assert page.evaluate("window.notReloaded") is True
            page.click("#tab-epub")
            page.wait_for_selector("#epub-view:not([hidden])", timeout=5_000)
            page.frame_locator("#chapter").locator("body").wait_for(timeout=5_000)
            page.locator("#chapters a").last.click()  # the last section, as a chapter
            last = page.frame_locator("#chapter").get_by_text("More text.")
            last.wait_for(timeout=5_000)
            browser.close()
    finally:
        process.stop()
