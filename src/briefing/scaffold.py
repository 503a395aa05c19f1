"""``briefing init``: a new briefing project that builds at once."""

from __future__ import annotations

from pathlib import Path

from briefing.config import CONFIG_NAME
from briefing.errors import InputError
from briefing.output import write_atomic

__all__ = ["init_project"]

CONFIG = """\
# briefing project file: `briefing build` builds every edition below into dist/.
# See the README of briefing for every key; an unknown key is an error.

[defaults]
organisation = "Your Organisation"
formats = ["pdf", "epub"]

[[editions]]
name = "public"
title = "Briefings — Public Edition"
sources = ["sources/*"]
marking = "TLP:CLEAR"
compendium = true

[[editions]]
name = "internal"
title = "Briefings — Internal Edition"
sources = ["sources/*"]
marking = "TLP:AMBER"
status = "draft"
recipients = ["First Reader", "Second Reader"]
"""

ARTICLE = """\
---
title: An Example Briefing
subtitle: Replace this article with your own
date: 2025-01-15
author: Your Name
---

The lede: one paragraph that says what the briefing is about and why it matters now.

# The situation

A heading is a line of its own. Under it, the text of the section.

Key points include:

- First Point: Each takeaway is a bullet with a short label and a colon.
- Second Point: Every takeaway also appears in the box on the cover.

| Option | Cost | Risk |
|---|--:|---|
| Act now | 10 | Low |
| Wait | 0 | High |

# Recommendations

Close with what the reader should do.
"""

README = {
    "templates": "Templates here override the theme's file by file (e.g. briefing.html).\n"
    'An override can extend the original: {% extends "brief/briefing.html" %}\n',
    "styles": "Stylesheets and fonts here override the theme's file by file (e.g. briefing.css).\n",
}


def init_project(folder: Path) -> list[Path]:
    """Create a project in ``folder``: ``briefing.toml``, ``sources/example.md`` and empty
    ``templates/`` and ``styles/`` override folders (each with a short README.txt).

    :returns: the files written.
    :raises InputError: when ``folder`` already holds a ``briefing.toml``.
    """
    folder = Path(folder)
    if (folder / CONFIG_NAME).exists():
        raise InputError(
            f"{folder / CONFIG_NAME} already exists",
            path=folder / CONFIG_NAME,
            hint="init makes a new project; edit the existing one instead",
        )
    written = []
    for relative, text in (
        (CONFIG_NAME, CONFIG),
        ("sources/example.md", ARTICLE),
        ("templates/README.txt", README["templates"]),
        ("styles/README.txt", README["styles"]),
    ):
        path = folder / relative
        if not path.exists():
            write_atomic(path, text.encode())
            written.append(path)
    return written
