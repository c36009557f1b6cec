"""MkDocs hooks: the reference page is generated from the JSON Schemas at every build."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from schema_reference import render  # noqa: E402

MARKER = "<!-- schema-reference -->"


def on_page_markdown(markdown: str, page, **kwargs) -> str:
    """Put the schemas' reference in place of the marker (docs/reference.md)."""
    return markdown.replace(MARKER, render()) if MARKER in markdown else markdown
