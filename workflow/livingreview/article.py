"""Pure functions that turn the checked evidence into the article's parts:
the templates' context, the numbered reference list and the front matter."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

from .citations import number_citations
from .errors import BibliographyError
from .markdown import escape_markdown
from .records import Reference

MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
SECTIONS = ("introduction", "description", "conclusion")


def journal_date(iso: str) -> str:
    """Format an ISO date as the journal does: "2025-12-01" -> "01-Dec-2025" (locale-free)."""
    day = dt.date.fromisoformat(iso)
    return f"{day.day:02d}-{MONTHS[day.month - 1]}-{day.year}"


_PAGE_DASH = re.compile(r"\s*(?:--|–|—|-)\s*")


def page_range(pages: str) -> str:
    """Normalise a page range to a hyphen: "112--125" or "112–125" -> "112-125"."""
    return _PAGE_DASH.sub("-", str(pages).strip())


def first_and_last_page(pages: str) -> tuple[str, str]:
    """("112", "125") for "112--125"; ("e12", "") for a single page; ("", "") for none."""
    first, _, last = page_range(pages).partition("-")
    return first, last


def section_context(evidence: dict) -> dict:
    """The names a section template receives (see README, 'Templates')."""
    themes = {t["theme"]: t for t in evidence["themes"]}
    studies = []
    for study in evidence["included"]:
        ref = evidence["references"][study["key"]]
        studies.append(dict(study, theme_label=themes[study["theme"]]["label"],
                            year=ref["fields"].get("year", ""), title=ref["fields"].get("title", "")))
    by_key = {s["key"]: s for s in studies}
    theme_groups = []
    for theme in sorted(evidence["themes"], key=lambda t: (t["order"], t["theme"])):
        members = [s for s in studies if s["theme"] == theme["theme"]]
        if members:
            theme_groups.append(dict(theme, studies=members))
    statements = [dict(s, studies=[by_key[k] for k in s["studies"]]) for s in evidence["statements"]]
    designs = Counter(s["design"] for s in studies)
    return {
        "review": evidence["review"],
        "studies": studies,
        "themes": theme_groups,
        "statements": statements,
        "counts": {
            "studies": len(studies),
            "by_design": sorted(designs.items(), key=lambda item: (-item[1], item[0])),
        },
    }


def reference_context(ref: Reference) -> dict:
    """The names a reference-style template receives for one entry."""
    return {"key": ref.key, "type": ref.entry_type, "authors": ref.authors, "editors": ref.editors, **ref.fields}


def number_sections(sections: dict[str, str]) -> dict[str, int]:
    """Citation numbers by first appearance across the sections in document order."""
    return number_citations(sections[name] for name in SECTIONS)


def format_reference_list(numbers: dict[str, int], references: dict[str, Reference], render_one) -> str:
    """The reference list as Markdown: one anchored block per reference, in citation order.

    *render_one* formats one reference (a style template); an entry it cannot
    format (a field the style needs is missing) becomes a BibliographyError
    naming the key.
    """
    blocks = []
    for key, number in sorted(numbers.items(), key=lambda item: item[1]):
        text = render_one(references[key]).strip()
        if not text:
            raise BibliographyError("references.bib", f"key {key}", "the reference style produced no text",
                                    "check the entry's fields")
        blocks.append(f"::: {{#ref-{number} .reference}}\n\n{number}\\. {text}\n\n:::")
    return "\n\n".join(blocks)


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
    import yaml  # here, not at the top: the section steps import this module but never write YAML

    return yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000).strip()


def running_head(review: dict) -> str:
    """The short citation printed at the top of every page after the first.

    It ends with a period so that text extracted from the PDF never runs the
    page furniture into the first sentence of the next page.
    """
    first = review["authors"][0]
    names = f"{first['family']} {first['given'][:1]}" + (" et al" if len(review["authors"]) > 1 else "")
    return (f"{names}. {review['journal']['abbreviation']} {review['volume']} ({review['year']})"
            f":{review['article_number']}.")

