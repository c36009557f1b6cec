"""Assemble review.md: number citations, format the reference list, add
front and back matter."""

from __future__ import annotations

from pathlib import Path

from markupsafe import Markup

from . import article
from .citations import resolve_citations
from .errors import combined
from .files import read_json, write_atomic, write_json
from .records import Reference
from .styles import format_references
from .templating import render_template


def assemble_article_step(evidence_json: str, template_dir: str, style: str, out_md: str, out_citations: str,
                          *section_paths: str) -> None:
    """Number citations, format the reference list and assemble review.md.

    *section_paths* are the rendered sections in document order
    (introduction, description, conclusion).
    """
    evidence = read_json(evidence_json)
    sections = {name: Path(path).read_text(encoding="utf-8")
                for name, path in zip(article.SECTIONS, section_paths, strict=True)}
    numbers = article.number_sections(sections)
    references = {k: Reference.from_dict(v) for k, v in evidence["references"].items()}
    bib_path = evidence["sources"]["bibliography"]
    formatted = format_references({k: references[k] for k in numbers}, template_dir, style, bib_path)
    if formatted.problems:
        raise combined(formatted.problems, "fix the entries listed above, then build again")
    reference_list = article.format_reference_list(numbers, references, lambda ref: formatted.text[ref.key])
    text = render_template(
        template_dir, "article.md.j2",
        review=evidence["review"],
        front_matter=Markup(article.front_matter(evidence["review"])),
        # Only the sections hold citations: resolve them there, so that no text
        # from metadata or the bibliography is ever read as a citation marker.
        sections={k: Markup(resolve_citations(v, numbers)) for k, v in sections.items()},
        references=Markup(reference_list),
        journal_date=article.journal_date,
    )
    write_json(out_citations, numbers)
    write_atomic(out_md, text.strip() + "\n")
