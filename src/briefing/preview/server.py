"""The preview's web server: the standard library's threading HTTP server, loopback only
unless told otherwise, serving its own page and the latest render from memory.

Routes (GET and HEAD only)::

    /                         the preview page          /preview.js, /preview.css its assets
    /state.json               the latest snapshot       /events   server-sent events
    /pages/<id>/<n>.png       page n of render <id>     /epub/<id>/<name>  a file of its EPUB

Nothing is ever read from disk for a request: names map to bytes held in memory, and a
name that is not in the map is a 404. Paths with ``..`` or ``.`` segments (plain or
percent-encoded), empty segments, backslashes or NUL are refused before any lookup.
Requests whose ``Host`` is not this server's loopback address are refused (DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import socket
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import unquote, urlsplit

from briefing.preview.session import Rendered, Snapshot, safe_name

__all__ = ["PreviewServer", "check_host", "is_loopback"]

logger = logging.getLogger(__name__)

#: How often an idle event stream sends a comment, so a dead client is noticed.
KEEPALIVE_SECONDS = 15.0

_ASSETS = {
    "/": ("page.html", "text/html; charset=utf-8"),
    "/preview.js": ("preview.js", "text/javascript; charset=utf-8"),
    "/preview.css": ("preview.css", "text/css; charset=utf-8"),
}
_TYPES = {
    "xhtml": "application/xhtml+xml",
    "html": "text/html; charset=utf-8",
    "css": "text/css",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "svg": "image/svg+xml",
    "webp": "image/webp",
    "ttf": "font/ttf",
    "otf": "font/otf",
    "woff": "font/woff",
    "woff2": "font/woff2",
    "ncx": "application/x-dtbncx+xml",
    "opf": "application/oebps-package+xml",
    "xml": "application/xml",
}
_PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; object-src 'none'; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)
#: EPUB files are shown in a frame of the page; they never run scripts.
_EPUB_POLICY = (
    "default-src 'self'; script-src 'none'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; object-src 'none'; frame-ancestors 'self'"
)


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (``127.0.0.0/8``, ``::1``)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_host(host: str, *, allow_remote: bool) -> str | None:
    """Why the server may not bind to ``host``, or ``None`` when it may."""
    if is_loopback(host) or allow_remote:
        return None
    return (
        f"refusing to serve on {host}: the preview is for this machine only "
        "(pass --allow-remote to let other machines see it)"
    )


class PreviewServer(ThreadingHTTPServer):
    """Serves the preview page and the latest :class:`Snapshot`; :meth:`publish` a new one
    and every open page is told (server-sent events)."""

    daemon_threads = True

    def __init__(self, host: str, port: int, *, allow_remote: bool = False) -> None:
        refused = check_host(host, allow_remote=allow_remote)
        if refused:
            raise ValueError(refused)
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host, port), _Handler)
        self.allow_remote = allow_remote
        self.snapshot = Snapshot()
        self.renders: dict[int, Rendered] = {}
        self.closing = False
        self.changed = threading.Condition()
        package = resources.files("briefing.preview") / "assets"
        self.assets = {
            route: ((package / name).read_bytes(), kind) for route, (name, kind) in _ASSETS.items()
        }

    @property
    def port(self) -> int:
        """The port the server listens on (the one picked when ``0`` was asked for)."""
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        """The page's address."""
        host = str(self.server_address[0])
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.port}/"

    def publish(self, snapshot: Snapshot) -> None:
        """Show ``snapshot``: keep its render (and the one before, for requests already
        under way) and tell every open page."""
        with self.changed:
            previous, rendered = self.snapshot.rendered, snapshot.rendered
            if rendered is not None and rendered.id not in self.renders:
                self.renders = {rendered.id: rendered}
                if previous is not None:
                    self.renders[previous.id] = previous
            self.snapshot = snapshot
            self.changed.notify_all()

    def close(self) -> None:
        """Stop serving: end the event streams, stop the loop, close the socket."""
        with self.changed:
            self.closing = True
            self.changed.notify_all()
        self.shutdown()
        self.server_close()

    def wait(self, version: int, timeout: float) -> Snapshot:
        """The snapshot once it is newer than ``version`` (or after ``timeout``)."""
        with self.changed:
            self.changed.wait_for(lambda: self.closing or self.snapshot.version != version, timeout)
            return self.snapshot

    def allowed_host(self, header: str | None) -> bool:
        """True when a request's ``Host`` names this server (any host with ``--allow-remote``)."""
        if self.allow_remote:
            return True
        if not header:
            return False
        name, _, port = header.rpartition(":") if not header.endswith("]") else (header, "", "")
        return is_loopback(name) and port == str(self.port)


def state(snapshot: Snapshot) -> dict[str, Any]:
    """The JSON the page reads (``/state.json``)."""
    error = snapshot.error
    data: dict[str, Any] = {
        "version": snapshot.version,
        "error": None
        if error is None
        else {
            "location": error.location,
            "message": error.message,
            "hint": error.hint,
            "text": str(error),
        },
        "render": None,
    }
    rendered = snapshot.rendered
    if rendered is not None:
        data["render"] = {
            "id": rendered.id,
            "title": rendered.title,
            "seconds": round(rendered.seconds, 3),
            "pages": [
                {
                    "url": f"/pages/{rendered.id}/{n}.png",
                    "width": page.width,
                    "height": page.height,
                    "text": page.text,
                }
                for n, page in enumerate(rendered.pages, 1)
            ],
            "outline": [
                {"level": h.level, "title": h.title, "page": h.page} for h in rendered.outline
            ],
            "chapters": [
                {"title": c.title, "url": f"/epub/{rendered.id}/{c.name}"}
                for c in rendered.chapters
            ],
            "warnings": [str(w) for w in rendered.warnings],
        }
    return data


class _Handler(BaseHTTPRequestHandler):
    server: PreviewServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s " + format, self.address_string(), *args)

    def do_HEAD(self) -> None:
        self._respond(head=True)

    def do_GET(self) -> None:
        self._respond(head=False)

    def _respond(self, *, head: bool) -> None:
        if not self.server.allowed_host(self.headers.get("Host")):
            self._send(HTTPStatus.FORBIDDEN, b"unexpected Host\n", "text/plain", head=head)
            return
        raw = urlsplit(self.path).path
        path = unquote(raw)
        if not path.startswith("/") or not safe_name(path[1:] or "index"):
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain", head=head)
            return
        if path in self.server.assets:
            body, kind = self.server.assets[path]
            self._send(HTTPStatus.OK, body, kind, head=head)
        elif path == "/state.json":
            body = json.dumps(state(self.server.snapshot), ensure_ascii=False).encode()
            self._send(HTTPStatus.OK, body, "application/json", head=head)
        elif path == "/events" and not head:
            self._events()
        else:
            found = self._rendered(path)
            if found is None:
                self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain", head=head)
            else:
                body, kind, policy = found
                self._send(HTTPStatus.OK, body, kind, head=head, policy=policy, cache=True)

    def _rendered(self, path: str) -> tuple[bytes, str, str] | None:
        """A page image or an EPUB file of a kept render, looked up by name."""
        kind, _, rest = path[1:].partition("/")
        render_id, _, name = rest.partition("/")
        rendered = self.server.renders.get(int(render_id)) if render_id.isdigit() else None
        if rendered is None:
            return None
        if kind == "pages" and name.endswith(".png") and name[:-4].isdigit():
            number = int(name[:-4])
            if 1 <= number <= len(rendered.pages):
                return rendered.pages[number - 1].png, "image/png", _PAGE_POLICY
        elif kind == "epub" and name in rendered.epub:
            suffix = name.rpartition(".")[2].lower()
            kind = _TYPES.get(suffix, "application/octet-stream")
            return rendered.epub[name], kind, _EPUB_POLICY
        return None

    def _send(
        self,
        status: HTTPStatus,
        body: bytes,
        kind: str,
        *,
        head: bool,
        policy: str = _PAGE_POLICY,
        cache: bool = False,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", policy)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        # a render's files never change under their name; everything else is live
        self.send_header("Cache-Control", "max-age=3600, immutable" if cache else "no-store")
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _events(self) -> None:
        """Server-sent events: an ``update`` with the snapshot's version now and on each
        change, a comment every :data:`KEEPALIVE_SECONDS` otherwise."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        version = -1
        try:
            while True:
                snapshot = self.server.wait(version, KEEPALIVE_SECONDS)
                if self.server.closing:
                    return
                if snapshot.version != version:
                    version = snapshot.version
                    self.wfile.write(f"event: update\ndata: {version}\n\n".encode())
                else:
                    self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return
