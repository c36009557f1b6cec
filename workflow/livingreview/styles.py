"""Format bibliography entries with a reference style (``templates/references/<style>.md.j2``).

A style template reads an entry's fields by name. When an entry lacks a
field the style prints, the template meets an undefined name: that is the
entry's problem (a :class:`BibliographyError` naming the key, its line and
the field), unless the name is no BibTeX field at all, which is a mistake in
the template (a :class:`TemplateError` naming the template and line).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .article import reference_context
from .errors import BibliographyError, LivingReviewError, TemplateError, did_you_mean
from .records import Reference
from .templating import load_template, render, undefined_name

# Fields of BibTeX and biblatex entries (the names a style may legitimately test or print).
BIBTEX_FIELDS = frozenset("""
    abstract address annote author booktitle chapter crossref date doi edition editor eprint eprinttype
    howpublished institution isbn issn journal journaltitle key keywords language location month note
    number organization pages publisher school series subtitle title type url urldate volume year
""".split())


@dataclass
class Formatted:
    """The references a style could format (key -> Markdown) and the problems of the others."""

    text: dict[str, str] = field(default_factory=dict)
    problems: list[LivingReviewError] = field(default_factory=list)


def style_template_name(style: str) -> str:
    """The template of reference style *style*, relative to the templates folder."""
    return f"references/{style}.md.j2"


def reference_formatter(template_dir: str | Path, style: str, bib_path: str):
    """Return ``format_one(ref) -> str``, which formats one entry or raises a LivingReviewError."""
    template = load_template(template_dir, style_template_name(style))

    def format_one(ref: Reference) -> str:
        try:
            text = render(template, template_dir, **reference_context(ref)).strip()
        except TemplateError as exc:
            missing = undefined_name(exc.problem)
            if missing and missing in BIBTEX_FIELDS:
                raise missing_field_error(ref, missing, style, bib_path) from None
            raise
        if not text:
            raise BibliographyError(bib_path, f"line {ref.line}, key {ref.key}",
                                    f'the reference style "{style}" produced no text for @{ref.entry_type}',
                                    "check the entry's fields and type")
        return text

    return format_one


def missing_field_error(ref: Reference, name: str, style: str, bib_path: str) -> BibliographyError:
    """The error for entry *ref* lacking field *name* that reference style *style* prints."""
    near = did_you_mean(name, ref.fields)
    return BibliographyError(
        bib_path, f"line {ref.line}, key {ref.key}, field {name}",
        f'the entry (@{ref.entry_type}) lacks the field "{name}" that the reference style "{style}" needs.{near}',
        f'add `{name} = {{...}}` to the entry "{ref.key}"')


def format_references(references: dict[str, Reference], template_dir: str | Path, style: str,
                      bib_path: str) -> Formatted:
    """Format every entry of *references*; an entry that cannot be formatted becomes a problem.

    A mistake in the style template itself (not an entry's) is raised at once.
    """
    format_one = reference_formatter(template_dir, style, bib_path)
    result = Formatted()
    for key, ref in references.items():
        try:
            result.text[key] = format_one(ref)
        except BibliographyError as exc:
            result.problems.append(exc)
    return result
