"""JATS XML (Journal Article Tag Suite 1.3, Journal Publishing): what pandoc's JATS writer does not make.

Pandoc writes the body and the reference list (``<element-citation>``s
from the CSL items) into ``templates/jats/template.xml``. The front matter
(``<journal-meta>``, ``<article-meta>``) is built here from the review
metadata (``data/review.yaml``), every text escaped for XML. The article's
back matter is moved where JATS keeps it: its acknowledgement section
becomes ``<ack>``, its conflict-of-interest section a ``<fn
fn-type="coi-statement">``, and the block of citation, correspondence,
copyright and dates (``.back-matter``) is left out, since the front matter
holds those facts as structured data.
"""

from __future__ import annotations

import datetime as dt
import re
from xml.sax.saxutils import escape, quoteattr

from .citeproc import reference_keys

# Pandoc's identifiers of the article's back-matter sections (from their headings), by where they go.
ACKNOWLEDGEMENT_IDS = ("acknowledgement", "acknowledgements", "acknowledgment", "acknowledgments")
CONFLICT_IDS = ("conflict-of-interest", "conflicts-of-interest", "competing-interests", "declaration-of-interests")
BACK_MATTER_CLASS = "back-matter"
# Manuscript dates (data/review.yaml `dates`) -> JATS <history> date types; `published` is the <pub-date>.
HISTORY_DATES = {"received": "received", "editor_assigned": "editor-assigned", "reviewed": "reviewed",
                 "revised": "rev-recd"}
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def element(tag: str, content: str | list[str] = "", **attributes) -> str:
    """An XML element: *content* is text (escaped here) or a list of elements (joined by line ends);
    attributes whose value is None are left out (``xlink_href`` is written ``xlink:href``)."""
    attrs = "".join(f" {name.replace('__', ':').replace('_', '-')}={quoteattr(_NOT_XML.sub('', str(value)))}"
                    for name, value in attributes.items() if value is not None)
    if isinstance(content, list):
        inner = "\n".join(part for part in content if part)
        return f"<{tag}{attrs}>\n{inner}\n</{tag}>"
    text = escape(_NOT_XML.sub("", str(content)))
    return f"<{tag}{attrs}>{text}</{tag}>" if text else f"<{tag}{attrs}/>"


def jats_date(tag: str, iso: str, **attributes) -> str:
    """A JATS date element (``<pub-date>``, ``<date>``) with day, month and year."""
    day = dt.date.fromisoformat(iso)
    return element(tag, [element("day", f"{day.day:02d}"), element("month", f"{day.month:02d}"),
                         element("year", str(day.year))], **attributes, iso_8601_date=iso)


def _affiliation_id(identifier: str) -> str:
    """An XML identifier for affiliation *identifier* of the review metadata."""
    return "aff-" + re.sub(r"[^A-Za-z0-9._-]", "-", identifier)


def journal_meta(review: dict) -> str:
    """``<journal-meta>``: the journal's title, abbreviation, ISSN and publisher."""
    journal = review["journal"]
    return element("journal-meta", [
        element("journal-id", journal["abbreviation"], journal_id_type="publisher-id"),
        element("journal-title-group", [element("journal-title", journal["title"]),
                                        element("abbrev-journal-title", journal["abbreviation"],
                                                abbrev_type="publisher")]),
        element("issn", journal["issn"]) if journal.get("issn") else "",
        element("publisher", [element("publisher-name", journal["publisher"])]) if journal.get("publisher") else "",
    ])


def contributors(review: dict) -> str:
    """``<contrib-group>``: each author (name split into surname and given names, ORCID, email, affiliation),
    then the affiliations."""
    contribs = []
    for author in review["authors"]:
        corresponding = bool(author.get("corresponding"))
        contribs.append(element("contrib", [
            element("contrib-id", f"https://orcid.org/{author['orcid']}", contrib_id_type="orcid")
            if author.get("orcid") else "",
            element("name", [element("surname", author["family"]), element("given-names", author["given"])]),
            element("email", author["email"]) if author.get("email") else "",
            element("xref", "", ref_type="aff", rid=_affiliation_id(author["affiliation"])),
            element("xref", "", ref_type="corresp", rid="cor1") if corresponding else "",
        ], contrib_type="author", corresp="yes" if corresponding else None))
    affiliations = [element("aff", a["name"], id=_affiliation_id(a["id"])) for a in review["affiliations"]]
    return element("contrib-group", contribs + affiliations)


def correspondence(review: dict) -> str:
    """``<author-notes>`` with the corresponding author's address, as the article prints it."""
    author = next((a for a in review["authors"] if a.get("corresponding")), None)
    if author is None:
        return ""
    place = next((a["name"] for a in review["affiliations"] if a["id"] == author["affiliation"]), "")
    text = escape(_NOT_XML.sub("", f"{author['given']} {author['family']}, {place}"))
    email = f", E-mail: {element('email', author['email'])}" if author.get("email") else ""
    return element("author-notes", [f'<corresp id="cor1">Address for Correspondence: {text}{email}</corresp>'])


def permissions(review: dict) -> str:
    """``<permissions>``: the copyright as the article states it, and the licence."""
    first = review["authors"][0]
    holder = f"{first['family']} {first['given'][:1]}"
    licence = review["licence"]
    url = licence.get("url")
    return element("permissions", [
        element("copyright-statement", f"© {review['year']} {holder}"),
        element("copyright-year", str(review["year"])),
        element("copyright-holder", holder),
        element("license", [element("ali:license_ref", url) if url else "", element("license-p", licence["statement"])],
                xlink__href=url),
    ])


def front(review: dict) -> str:
    """``<front>`` of the JATS article, from the review metadata."""
    dates = review["dates"]
    history = [jats_date("date", dates[name], date_type=kind) for name, kind in HISTORY_DATES.items()
               if dates.get(name)]
    return element("front", [journal_meta(review), element("article-meta", [
        element("article-id", review["doi"], pub_id_type="doi"),
        element("article-version", review["version"]),
        element("article-categories", [element("subj-group", [element("subject", review.get("article_type",
                                                                                               "Review"))],
                                               subj_group_type="heading")]),
        element("title-group", [element("article-title", review["title"])]),
        contributors(review),
        correspondence(review),
        jats_date("pub-date", dates["published"], publication_format="electronic", date_type="pub"),
        element("volume", str(review["volume"])),
        element("issue", str(review["issue"])) if review.get("issue") else "",
        element("elocation-id", review["article_number"]),
        element("history", history) if history else "",
        permissions(review),
    ])])


# --- the article's syntax tree ------------------------------------------------------------

def _sections(blocks: list[dict]) -> list[tuple[str | None, list[dict]]]:
    """The top-level *blocks* cut into sections: (identifier of the level-1 heading, its blocks);
    the blocks before the first heading have identifier None."""
    parts: list[tuple[str | None, list[dict]]] = [(None, [])]
    for block in blocks:
        if block["t"] == "Header" and block["c"][0] == 1:
            parts.append((block["c"][1][0], [block]))
        else:
            parts[-1][1].append(block)
    return parts


def _is_back_matter(block: dict) -> bool:
    return block["t"] == "Div" and BACK_MATTER_CLASS in block["c"][0][1]


def _meta_blocks(blocks: list[dict]) -> dict:
    return {"t": "MetaBlocks", "c": blocks}


def with_bibliography(ast: dict) -> tuple[dict, list[str]]:
    """The article's syntax tree *ast* (formatted by pandoc's citeproc, see
    :mod:`livingreview.citeproc`) made ready for pandoc's JATS writer, and the keys of its reference
    list in order.

    The citations stay as citeproc made them (links to ``#ref-KEY``, each an
    ``<xref>`` to its entry); the bibliography (the ``refs`` div) is emptied,
    for the writer fills it with an ``<element-citation>`` per entry of the
    references metadata, anchored ``ref-KEY``.
    """
    keys = reference_keys(ast)
    blocks = [{"t": "Div", "c": [["refs", [], []], []]} if block["t"] == "Div" and block["c"][0][0] == "refs"
              else block for block in ast["blocks"]]
    return {**ast, "blocks": blocks}, keys


def article_parts(ast: dict) -> dict:
    """A copy of the article's syntax tree *ast* arranged for JATS (see the module's docstring): the
    acknowledgement and the conflicts of interest taken out of the body into the metadata the template
    places in ``<back>`` (``jats-ack``, ``jats-coi`` and their titles), the ``.back-matter`` block left out."""
    body: list[dict] = []
    meta = dict(ast["meta"])
    for identifier, blocks in _sections(ast["blocks"]):
        blocks = [block for block in blocks if not _is_back_matter(block)]
        target = "jats-ack" if identifier in ACKNOWLEDGEMENT_IDS else "jats-coi" if identifier in CONFLICT_IDS else None
        if target and target not in meta:
            meta[f"{target}-title"] = {"t": "MetaInlines", "c": blocks[0]["c"][2]}
            meta[target] = _meta_blocks(blocks[1:])
        else:
            body += blocks
    return {**ast, "meta": meta, "blocks": body}
