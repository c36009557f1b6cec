"""Assemble review.md: number citations, format the reference list, add
front and back matter."""

from __future__ import annotations

import re
from pathlib import Path

from markupsafe import Markup

from . import article
from .records import Reference
from .errors import BibliographyError, TemplateError
from .files import read_json, write_atomic, write_json
from .templating import render_template


def _style_renderer(template_dir: str, style: str, bib_path: str):
    def render_one(ref: Reference) -> str:
        try:
            return render_template(template_dir, f"references/{style}.md.j2", **article.reference_context(ref))
        except TemplateError as exc:
            if "undefined name" in exc.problem:
                quoted = re.findall(r"'([^']+)'", exc.problem)
                field = quoted[-1] if quoted else "?"
                raise BibliographyError(
                    bib_path, f"line {ref.line}, key {ref.key}",
                    f'entry "{ref.key}" (@{ref.entry_type}) lacks the field "{field}" that the '
                    f'reference style "{style}" needs', f'add a "{field}" field to the entry') from None
            raise
    return render_one


def assemble_article_step(evidence_json: str, template_dir: str, style: str, out_md: str, out_citations: str,
                          *section_paths: str) -> None:
    """Number citations, format the reference list and assemble review.md.

    *section_paths* are the rendered sections in document order
    (introduction, description, conclusion).
    """
    evidence = read_json(evidence_json)
    sections = {name: Path(path).read_text(encoding="utf-8") for name, path in zip(article.SECTIONS, section_paths)}
    numbers = article.number_sections(sections)
    references = {k: Reference.from_dict(v) for k, v in evidence["references"].items()}
    reference_list = article.format_reference_list(
        numbers, references, _style_renderer(template_dir, style, evidence["sources"]["bibliography"]))
    text = render_template(
        template_dir, "article.md.j2",
        review=evidence["review"],
        front_matter=Markup(article.front_matter(evidence["review"])),
        sections={k: Markup(v) for k, v in sections.items()},
        references=Markup(reference_list),
        journal_date=article.journal_date,
    )
    write_json(out_citations, numbers)
    write_atomic(out_md, article.resolve_article(text, numbers).strip() + "\n")
