"""Stage ``article``: number the citations, format the reference list, and
assemble ``review.md`` with its front and back matter.

Citations are numbered by first appearance across the sections, in
document order, and the reference list follows that order; the numbering
is written beside ``review.md`` (``citations.json``), so that the changes
report can compare citations by the keys they cite.

With a built-in reference style (``seed``, ``vancouver``, ``apa``), the
numbers and the reference list of ``review.md`` are ours (a Jinja template
per style). With a CSL style (``reference_style: path/to/style.csl``), the
article is first written with pandoc citations (``[@{key}]``) and a
placeholder for pandoc's bibliography (the *cited* article), which pandoc's
citeproc formats with that style (author-date styles change the citations
too): ``review.md`` is that article, its bibliography written as the same
reference list blocks, each anchored ``#ref-KEY`` where its citations link.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml
from markupsafe import Markup

from .. import pandoc
from ..citations import map_citations, number_citations, resolve_citations
from ..citeproc import BIBLIOGRAPHY, entry_texts, formatted_article, with_reference_list
from ..csl import is_csl_style, pandoc_citation, references_metadata
from ..errors import BibliographyError, ConfigError, combined
from ..files import read_json, write_atomic, write_json, write_log
from ..markdown import escape_markdown
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


def builtin_references(references: dict[str, Reference], order: list[str], templates: list[str], style: str,
                       bib_path: str) -> dict[str, str]:
    """``{key: Markdown}``: each cited entry formatted by the built-in style *style* (its Jinja template)."""
    formatted = format_references(references, templates, style, bib_path)
    if formatted.problems:
        raise combined(formatted.problems, "fix the entries listed above, then build again")
    for key in order:
        if not formatted.text[key].strip():
            raise BibliographyError(bib_path, f"key {key}", "the reference style produced no text",
                                    "check the entry's fields", line=references[key].line)
    return formatted.text


def citeproc_article(cited: str, style: str, references: str, defaults: dict[str, str], options: str,
                     keys: list[str]) -> str:
    """The *cited* article formatted by pandoc's citeproc with the CSL *style*: review.md, with an
    entry for each of the cited *keys*. *defaults* are the pandoc defaults files ``citeproc`` and
    ``markdown``; *options* the defaults file written here (the style and the *references* metadata)."""
    ast = formatted_article(cited, style, references, defaults["citeproc"], options)
    texts = entry_texts(ast)
    missing = [key for key in keys if not texts.get(key)]
    if missing:
        raise ConfigError(style, None, f'the CSL style formatted no bibliography entry for "{missing[0]}" '
                          f"({len(missing)} of {len(keys)} cited entries have none): it has no <bibliography>, "
                          "or it leaves such entries out", "choose a style that prints a bibliography")
    markdown = pandoc.write_ast(with_reference_list(ast), "markdown", [defaults["markdown"]], cited)
    return markdown


@stage
def assemble(*, evidence: str, sections: list[str], templates: list[str], style: str, defaults: dict[str, str],
             out: str, citations: str, citeproc: str, log: str) -> None:
    """Sections (in document order) -> review.md and the numbering of its citations (citations.json).

    *style* is a built-in style or the path of a CSL file; with a CSL file,
    the folder *citeproc* holds what pandoc's citeproc reads (the cited
    article, the cited entries as CSL items, the options), and *defaults* are
    the pandoc defaults files ``citeproc`` and ``markdown``.
    """
    data = read_json(evidence)
    # Each section by its name (the file's stem: build/sections/<name>.md), in the order given: the review's
    # kind's (livingreview.kinds.ReviewKind.sections).
    texts = {Path(path).stem: Path(path).read_text(encoding="utf-8") for path in sections}
    numbers = number_citations(texts.values())
    entries = {key: Reference.from_dict(data["references"][key]) for key in numbers}
    order = sorted(numbers, key=numbers.get)
    template = Templates(templates)
    article = {"review": data["review"], "front_matter": Markup(front_matter(data["review"])),
               "journal_date": journal_date}

    def render(section_texts: dict[str, str], reference_text: str) -> str:
        # Only the sections hold citations: they are resolved there, so that no text
        # from metadata or the bibliography is ever read as a citation marker.
        return template.render("article.md.j2", **article, references=Markup(reference_text),
                               sections={name: Markup(text) for name, text in section_texts.items()}).strip() + "\n"

    folder = Path(citeproc)
    folder.mkdir(parents=True, exist_ok=True)
    if is_csl_style(style):
        cited, references = folder / "article.md", folder / "references.yaml"
        write_atomic(references, references_metadata([entries[key] for key in order]))
        write_atomic(cited, render({name: map_citations(text, pandoc_citation) for name, text in texts.items()},
                                   BIBLIOGRAPHY))
        numbered = citeproc_article(str(cited), style, str(references), defaults, str(folder / "options.yaml"),
                                       order)
    else:
        formatted = builtin_references(entries, order, templates, style, data["sources"]["bibliography"])
        numbered = render({name: resolve_citations(text, numbers) for name, text in texts.items()},
                          reference_list([(f"{numbers[key]}\\.", formatted[key]) for key in order]))
    write_json(citations, numbers)
    write_atomic(out, numbered.strip() + "\n")
    write_log(log, f"{len(numbers)} references cited, style {style}")
