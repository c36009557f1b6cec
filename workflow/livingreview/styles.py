"""Format bibliography entries with a reference style (``templates/references/<style>.md.j2``).

A style template reads an entry's fields by name. When an entry lacks a
field the style prints, the template meets an undefined name: that is the
entry's problem (a :class:`BibliographyError` naming the key, its line and
the field), unless the name is no BibTeX field at all, which is a mistake in
the template (a :class:`TemplateError` naming the template and line).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import BibliographyError, LivingReviewError, TemplateError, did_you_mean
from .names import apa_author_list, author_list
from .records import Reference
from .templates import Templates, undefined_name

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


_PAGE_DASH = re.compile(r"\s*(?:--|–|—|-)\s*")


def page_range(pages: str) -> str:
    """Normalise a page range to a hyphen: "112--125" or "112–125" -> "112-125"."""
    return _PAGE_DASH.sub("-", str(pages).strip())


def first_and_last_page(pages: str) -> tuple[str, str]:
    """("112", "125") for "112--125"; ("e12", "") for a single page; ("", "") for none."""
    first, _, last = page_range(pages).partition("-")
    return first, last


# The filters a reference-style template may use besides the shared ones.
STYLE_FILTERS = {"author_list": author_list, "apa_authors": apa_author_list, "page_range": page_range}


def style_template_name(style: str) -> str:
    """The template of reference style *style*, relative to a templates folder."""
    return f"references/{style}.md.j2"


def reference_context(ref: Reference) -> dict:
    """The names a reference-style template receives for one entry."""
    return {"key": ref.key, "type": ref.entry_type, "authors": ref.authors, "editors": ref.editors, **ref.fields}


def reference_formatter(folders: list, style: str, bib_path: str):
    """Return ``format_one(ref) -> str``, which formats one entry or raises a LivingReviewError.

    *folders* are the template folders (the review's own first).
    """
    templates = Templates(folders, STYLE_FILTERS)
    template = templates.get(style_template_name(style))

    def format_one(ref: Reference) -> str:
        try:
            text = templates.render_loaded(template, **reference_context(ref)).strip()
        except TemplateError as exc:
            missing = undefined_name(exc.problem)
            if missing and missing in BIBTEX_FIELDS:
                raise missing_field_error(ref, missing, style, bib_path) from None
            raise
        if not text:
            raise BibliographyError(bib_path, f"line {ref.line}, key {ref.key}",
                                    f'the reference style "{style}" produced no text for @{ref.entry_type}',
                                    "check the entry's fields and type", line=ref.line)
        return text

    return format_one


def missing_field_error(ref: Reference, name: str, style: str, bib_path: str) -> BibliographyError:
    """The error for entry *ref* lacking field *name* that reference style *style* prints."""
    near = did_you_mean(name, ref.fields)
    return BibliographyError(
        bib_path, f"line {ref.line}, key {ref.key}, field {name}",
        f'the entry (@{ref.entry_type}) lacks the field "{name}" that the reference style "{style}" needs.{near}',
        f'add `{name} = {{...}}` to the entry "{ref.key}"', line=ref.line)


def format_references(references: dict[str, Reference], folders: list, style: str, bib_path: str) -> Formatted:
    """Format every entry of *references*; an entry that cannot be formatted becomes a problem.

    A mistake in the style template itself (not an entry's) is raised at once.
    """
    format_one = reference_formatter(folders, style, bib_path)
    result = Formatted()
    for key, ref in references.items():
        try:
            result.text[key] = format_one(ref)
        except BibliographyError as exc:
            result.problems.append(exc)
    return result
