"""Showing untrusted text (link values, file names) safely inside Streamlit markdown."""

from __future__ import annotations

import re

# Characters that start markdown syntax: links, images, emphasis, code, HTML, lists.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def plain(text: str) -> str:
    """`text` with every markdown-active character escaped, so it shows literally."""
    return _MARKDOWN.sub(r"\\\1", str(text))
