"""Stage ``article``: number the citations, format the reference list, and
assemble ``review.md`` with its front and back matter.

Citations are numbered by first appearance across the sections, in
document order, and the reference list follows that order; the numbering
is written beside ``review.md`` (``citations.json``), so that the changes
report can compare citations by the keys they cite.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml
from markupsafe import Markup

from ..citations import number_citations, resolve_citations
from ..errors import BibliographyError, combined
from ..files import read_json, write_atomic, write_json, write_log
from ..markdown import escape_markdown
from ..project import SECTIONS
from ..records import Reference
from ..styles import format_references
from ..templates import Templates
from . import stage

MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def journal_date(iso: str) -> str:
    """Format an ISO date as the journal does: "2025-12-01" -> "01-Dec-2025" (locale-free)."""
    day = dt.date.fromisoformat(iso)
    return f"{day.day:02d}-{MONTHS[day.month - 1]}-{day.year}"


def running_head(review: dict) -> str:
    """The short citation printed at the top of every page after the first.

    It ends with a period so that text extracted from the PDF never runs the
    page furniture into the first sentence of the next page.
    """
    first = review["authors"][0]
    names = f"{first['family']} {first['given'][:1]}" + (" et al" if len(review["authors"]) > 1 else "")
    return (f"{names}. {review['journal']['abbreviation']} {review['volume']} ({review['year']})"
            f":{review['article_number']}.")


def front_matter(review: dict) -> str:
    """YAML front matter for the article; every text value escaped for Markdown."""
    affiliations = {a["id"]: a["name"] for a in review["affiliations"]}
    authors = []
    for author in review["authors"]:
        entry = {"name": escape_markdown(f"{author['given']} {author['family']}"),
                 "affiliation": escape_markdown(affiliations[author["affiliation"]])}
        if author.get("email"):
            entry["email"] = escape_markdown(author["email"])
        if author.get("corresponding"):
            entry["corresponding"] = True
        authors.append(entry)
    meta = {
        "title": escape_markdown(review["title"]),
        "author": authors,
        "date": review["dates"]["published"],
        "lang": review.get("language", "en"),
        "article-type": escape_markdown(review.get("article_type", "Review")),
        "journal": escape_markdown(review["journal"]["title"]),
        "volume": review["volume"],
        "year": review["year"],
        "article-number": escape_markdown(review["article_number"]),
        "doi": escape_markdown(review["doi"]),
        "version": escape_markdown(review["version"]),
        "running-head": escape_markdown(running_head(review)),
    }
    return yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000).strip()


def reference_list(entries: list[tuple[str, str]]) -> str:
    """The reference list as Markdown: one anchored block per (label, text), in order."""
    return "\n\n".join(f"::: {{#ref-{index} .reference}}\n\n{label} {text}\n\n:::"
                       for index, (label, text) in enumerate(entries, start=1))


@stage
def assemble(*, evidence: str, sections: list[str], templates: list[str], style: str, out: str, citations: str,
             log: str) -> None:
    """Sections (in document order) -> review.md and the numbering of its citations (citations.json)."""
    data = read_json(evidence)
    texts = {name: Path(path).read_text(encoding="utf-8") for name, path in zip(SECTIONS, sections, strict=True)}
    numbers = number_citations(texts[name] for name in SECTIONS)
    references = {key: Reference.from_dict(data["references"][key]) for key in numbers}
    bib_path = data["sources"]["bibliography"]
    formatted = format_references(references, templates, style, bib_path)
    if formatted.problems:
        raise combined(formatted.problems, "fix the entries listed above, then build again")
    order = sorted(numbers, key=numbers.get)
    for key in order:
        if not formatted.text[key].strip():
            raise BibliographyError(bib_path, f"key {key}", "the reference style produced no text",
                                    "check the entry's fields", line=references[key].line)
    template = Templates(templates)
    article = {"review": data["review"], "front_matter": Markup(front_matter(data["review"])),
               "journal_date": journal_date}
    # Only the sections hold citations: resolve them there, so that no text
    # from metadata or the bibliography is ever read as a citation marker.
    numbered = template.render(
        "article.md.j2", **article,
        sections={name: Markup(resolve_citations(text, numbers)) for name, text in texts.items()},
        references=Markup(reference_list([(f"{numbers[key]}\\.", formatted.text[key]) for key in order])))
    write_json(citations, numbers)
    write_atomic(out, numbered.strip() + "\n")
    write_log(log, f"{len(numbers)} references cited, style {style}")
