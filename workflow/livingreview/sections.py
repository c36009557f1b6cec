"""Render one section of the article from its template."""

from __future__ import annotations

from .article import section_context
from .files import read_json, write_atomic
from .templating import render_template


def render_section_step(section: str, evidence_json: str, template_dir: str, out_md: str) -> None:
    """Render one section template (templates/sections/<section>.md.j2) with citation markers."""
    context = section_context(read_json(evidence_json))
    text = render_template(template_dir, f"sections/{section}.md.j2", **context)
    write_atomic(out_md, text.strip() + "\n")
