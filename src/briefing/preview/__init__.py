"""Live preview: ``briefing preview`` renders an article with a warm engine, serves its
pages and EPUB reading view on a loopback-only web server, and updates the open page
(server-sent events) on every save; ``briefing build --watch`` reuses the watcher.

Nothing here is imported by ``briefing --help``: the command imports it when it runs.
"""

from __future__ import annotations

from briefing.preview.server import PreviewServer, check_host
from briefing.preview.session import PreviewSession, Rendered, Snapshot
from briefing.preview.watcher import watch_changes

__all__ = [
    "PreviewServer",
    "PreviewSession",
    "Rendered",
    "Snapshot",
    "check_host",
    "watch_changes",
]
