"""Stage ``article``: the article with its citations and references formatted by pandoc's citeproc:
its syntax tree (``review.json``), and ``review.md`` written from it (:func:`markdown`, a rule of its own).

The sections hold pandoc citations (``[@{key}]``, written by the templates'
``cite`` filters). The article is rendered with them and with pandoc's
bibliography placeholder (the *cited* article); pandoc reads it with
``--citeproc``, the reference style (a CSL file: a built-in style,
``templates/references/<name>.csl``, or the review's own) and the cited
entries as CSL items, which numbers the citations (a numeric style: by
first citation) and formats them and the reference list. The syntax tree
it returns keeps every citation as a ``Cite`` node naming its keys and the
reference list as entries ``ref-<key>``: it is the article every format and
the snapshot read (see :mod:`livingreview.citeproc`).

``review.md`` is the cited article with each citation replaced by the
Markdown of its formatted text and the placeholder by the reference list
(one ``.reference`` block per entry, ``#ref-N``), so that it keeps the
layout the templates give it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import yaml
from markupsafe import Markup

from .. import citeproc_cache
from ..citeproc import (
    BIBLIOGRAPHY,
    citations,
    citations_joined,
    entry_texts,
    formatted_citations,
    markdown_lines,
    reference_blocks,
)
from ..csl import csl_references, is_csl_style, missing_fields, others_name
from ..errors import ConfigError, TemplateError, combined
from ..files import read_json, write_atomic, write_log
from ..markdown import escape_markdown
from ..names import correspondence_name
from ..records import Reference
from ..templates import Templates
from . import stage

MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()

# A citation as the templates' filters write it (livingreview.citations.pandoc_citation): data text
# cannot hold one, since "[", "@" and "{" are escaped in it.
_CITATION = re.compile(r"\[@\{([^{}\s]+)\}((?:; @\{[^{}\s]+\})*)\]")


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
    if review.get("version_doi"):  # this version's own DOI: `doi` then names every version
        meta["version-doi"] = escape_markdown(review["version_doi"])
    return yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000).strip()


def written_citations(text: str) -> list[list[str]]:
    """The keys of each citation the templates wrote in *text* (``[@{a}; @{b}]``), in order."""
    return [[key[2:-1] for key in match.group(0)[1:-1].split("; ")] for match in _CITATION.finditer(text)]


def _with_citations(cited: str, texts: list[str], joined: list[bool]) -> str:
    """*cited* with its citations (in order) replaced by *texts*; where citeproc set a citation against
    the text before it (*joined*: a superscript style), without the spaces before it."""
    parts, last = [], 0
    for match, text, against in zip(_CITATION.finditer(cited), texts, joined, strict=True):
        before = cited[last:match.start()]
        parts += [before.rstrip(" ") if against else before, text]
        last = match.end()
    return "".join(parts) + cited[last:]


def reference_list(entries: list[tuple[str, str]]) -> str:
    """The reference list as Markdown: one block per (anchor, Markdown text), in order."""
    return "\n\n".join(f"::: {{#{anchor} .reference}}\n\n{text}\n\n:::" for anchor, text in entries)


def markdown_article(cited: str, tree: dict, defaults: str, label: str) -> str:
    """``review.md``: the *cited* article (Markdown with pandoc citations and the bibliography
    placeholder) with each citation replaced by the Markdown of its formatted text in *tree* (the
    article as citeproc formatted it) and the placeholder by the reference list.

    The citations of the text and the ``Cite`` nodes of the tree are the same, in the same order
    (:func:`check_citations`)."""
    check_citations(cited, tree)
    formatted = formatted_citations(tree)
    entries = reference_blocks(tree)
    pieces = markdown_lines(formatted + [entry["c"][1][0]["c"] for entry in entries], tree["pandoc-api-version"],
                             defaults, label)
    article = _with_citations(cited, pieces[:len(formatted)], citations_joined(tree))
    references = reference_list([(entry["c"][0][0], text) for entry, text in zip(entries, pieces[len(formatted):],
                                                                                   strict=True)])
    return article.replace(str(BIBLIOGRAPHY), references)


def check_citations(cited: str, tree: dict) -> None:
    """A :class:`TemplateError` unless the citations of the *cited* article (its text) are those of its
    syntax tree (``Cite`` nodes), in the same order: a citation the templates wrote by hand (not with
    ``cite``/``with_citation``) breaks that, and review.md could not be written from the tree."""
    written = written_citations(cited)
    cited_in_tree = citations(tree)
    if written != cited_in_tree:
        raise TemplateError("templates", None, f"the article holds {len(cited_in_tree)} citations, of which "
                            f"{len(written)} were written by the filters cite and with_citation",
                            "cite only with {{ text | with_citation(study) }} or {{ cite(study) }}, never by "
                            "writing [@key] in a template")


def check_bibliography(tree: dict, style: str) -> None:
    """A :class:`ConfigError` unless the style gave every cited key an entry with text."""
    keys = list(dict.fromkeys(key for group in citations(tree) for key in group))
    texts = entry_texts(tree)
    missing = [key for key in keys if not texts.get(key)]
    if missing:
        raise ConfigError(style, None, f'the CSL style formatted no bibliography entry for "{missing[0]}" '
                          f"({len(missing)} of {len(keys)} cited entries have none): it has no <bibliography>, "
                          "or it leaves such entries out", "choose a style that prints a bibliography")


def unknown_citation(key: str, sections: dict[str, str], sources: dict[str, str]) -> ConfigError:
    """The error of a citation of *key*, which no bibliography of the review holds: it names the sections
    that cite it and the file its entry belongs in, the Methods' bibliography (config
    ``methods_bibliography``: the works the templates cite) when the kind reads one, else the bibliography."""
    citing = [name for name, text in sections.items() if any(key in group for group in written_citations(text))]
    where = f"section {', '.join(citing)}" if citing else "the article"
    files = [sources[name] for name in ("methods_bibliography", "bibliography") if sources.get(name)]
    lacking = f"neither {files[0]} nor {files[1]} has" if len(files) > 1 else f"{files[0]} lacks"
    return ConfigError(files[0], None, f'{where} cites "{key}", whose entry {lacking}',
                       f"add its entry to {files[0]}, or cite only the entries the review's bibliographies hold")


@stage
def assemble(*, evidence: str, sections: list[str], templates: list[str], style: str, name: str,
             defaults: dict[str, str], ast: str, citeproc: str, log: str, cache: str | None = None) -> None:
    """Sections (in document order) -> the article formatted by pandoc's citeproc: its syntax tree
    (*ast*, ``review.json``), which every format reads; review.md is written from it by :func:`markdown`.

    *style* is the CSL file of the reference style *name* (config key ``reference_style``: a built-in
    style, whose titles are printed as the bibliography has them, or a CSL file, which gets them in
    sentence case as CSL expects); the folder *citeproc* holds what pandoc's citeproc reads (the cited
    article, the entries as CSL items, the options); *defaults* are the pandoc defaults files
    ``citeproc`` (and ``common``, which it names). With a *cache* folder (``build/cache/citeproc``), an
    article whose citations citeproc formatted before gets them from there (:mod:`livingreview.citeproc_cache`),
    the same tree, byte for byte.
    """
    data = read_json(evidence)
    # Each section by its name (the file's stem: build/sections/<name>.md), in the order given: the review's
    # kind's (livingreview.kinds.ReviewKind.sections).
    texts = {Path(path).stem: Markup(Path(path).read_text(encoding="utf-8")) for path in sections}
    article = Templates(templates).render("article.md.j2", review=data["review"],
                                          front_matter=Markup(front_matter(data["review"])),
                                          journal_date=journal_date, correspondence_name=correspondence_name,
                                          sections=texts,
                                          references=BIBLIOGRAPHY).strip() + "\n"
    written = list(dict.fromkeys(key for group in written_citations(article) for key in group))
    unknown = [key for key in written if key not in data["references"]]
    if unknown:
        raise unknown_citation(unknown[0], texts, data["sources"])
    entries = [Reference.from_dict(data["references"][key]) for key in written]
    if not is_csl_style(name):
        bib_path = data["sources"]["bibliography"]
        problems = [problem for entry in entries for problem in missing_fields(entry, name, bib_path)]
        if problems:
            raise combined(problems, "fix the entries listed above, then build again")
    folder = Path(citeproc)
    folder.mkdir(parents=True, exist_ok=True)
    cited = folder / "article.md"
    write_atomic(cited, article)
    references = csl_references(entries, in_sentence_case=is_csl_style(name), others=others_name(style))
    tree, reused = citeproc_cache.formatted_article(str(cited), style, references, [defaults["citeproc"]], str(folder),
                                                    cache)
    check_citations(article, tree)
    check_bibliography(tree, style)
    write_atomic(ast, json.dumps(tree, ensure_ascii=False, sort_keys=True))
    write_log(log, f"{len(written)} references cited, style {name} ({style}); "
                   + ("citeproc's work reused from the cache" if reused else "formatted by pandoc's citeproc"))


@stage
def markdown(*, ast: str, cited: str, defaults: str, out: str, log: str) -> None:
    """The syntax tree *ast* (``review.json``) and the *cited* article it was read from (Markdown with
    pandoc citations, ``citeproc/article.md``) -> ``review.md`` (*out*), see :func:`markdown_article`;
    *defaults* is the pandoc defaults file ``markdown``.

    A rule of its own, after :func:`assemble`: the HTML, PDF and JATS files read the syntax tree only,
    so they need not wait for it (nor does the preview, which builds the HTML only)."""
    tree = read_json(ast)
    article = Path(cited).read_text(encoding="utf-8")
    write_atomic(out, markdown_article(article, tree, defaults, cited).strip() + "\n")
    write_log(log, f"review.md written from {ast}")
