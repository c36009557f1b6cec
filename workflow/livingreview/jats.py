"""JATS XML (Journal Article Tag Suite 1.3, Journal Publishing): what pandoc's JATS writer does not make.

Pandoc writes the body and the reference list (``<element-citation>``s
from the CSL items) into ``templates/jats/template.xml``. The front matter
(``<journal-meta>``, ``<article-meta>``) is built here from the review
metadata (``data/review.yaml``), every text escaped for XML. The article's
back matter is moved where JATS keeps it: its acknowledgement section
becomes ``<ack>``, its conflict-of-interest section a ``<fn
fn-type="coi-statement">``, its appendices (sections headed "Appendix...")
the ``<app>``s of an ``<app-group>``, its Funding section is left out (the
statement is the ``<funding-group>`` of the front matter, JATS's one place
for it), its version note (the paragraph of the
``.back-matter`` block headed **Version:**, with the earlier versions and the
link to the changes report) a ``<notes notes-type="version">``, and the rest
of that block (citation, correspondence, copyright and dates) is left out,
since the front matter holds those facts as structured data: the version and
its DOI, the earlier versions with their dates and DOIs (``<pub-history>``),
the changes report (``<related-object>``) and the funding statement
(``<funding-group>``).

What pandoc writes is then finished (:func:`finish`): figures and tables
labelled, with their text alternatives and identifiers, and linked from the
text; the abstract moved into the front matter; the references' publication
types in JATS's words, without an empty ``<lpage/>``. The result is valid
against the JATS 1.3 Journal Publishing DTD (vendored under
``tests/vendor/jats-1.3/``; the tests check it).
"""

from __future__ import annotations

import datetime as dt
import re
from xml.sax.saxutils import escape, quoteattr

from .citeproc import reference_keys
from .names import correspondence_name
from .project import CHANGES_REPORT, release_address

# Pandoc's identifiers of the article's back-matter sections (from their headings), by where they go.
ACKNOWLEDGEMENT_IDS = ("acknowledgement", "acknowledgements", "acknowledgment", "acknowledgments")
CONFLICT_IDS = ("conflict-of-interest", "conflicts-of-interest", "competing-interests", "declaration-of-interests")
# The section that prints the review's `funding` (templates/article.md.j2), which JATS keeps in <funding-group>.
FUNDING_IDS = ("funding",)
# How the identifier of an appendix begins (pandoc's identifier of a heading "Appendix: ...", "Appendix A").
APPENDIX_ID = "appendix"
BACK_MATTER_CLASS = "back-matter"
# The bold label that opens the version note of the back matter (templates/article.md.j2), which JATS keeps.
VERSION_LABEL = "Version"
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
        element("issn", journal["issn"], pub_type="ppub" if journal.get("eissn") else None)
        if journal.get("issn") else "",
        element("issn", journal["eissn"], pub_type="epub") if journal.get("eissn") else "",
        element("publisher", [element("publisher-name", journal["publisher"]),
                              element("publisher-loc", journal["publisher_location"])
                              if journal.get("publisher_location") else ""]) if journal.get("publisher") else "",
    ])


def publication_history(review: dict) -> str:
    """``<pub-history>``: each earlier version of a living review (``previous_versions``), with its version,
    publication date and, when it has one, its own DOI."""
    events = [element("event", [
        element("event-desc", f"Version {earlier['version']}"),
        element("article-id", earlier["doi"], pub_id_type="doi") if earlier.get("doi") else "",
        element("article-version", earlier["version"]),
        jats_date("pub-date", str(earlier["published"]), publication_format="electronic", date_type="pub"),
    ], event_type="version") for earlier in review.get("previous_versions") or []]
    return element("pub-history", events) if events else ""


def changes_report(review: dict) -> str:
    """``<related-object>``: the changes report published with this version of a living review (one with
    ``previous_versions``): what changed since the last earlier version, and why; its address is absolute
    when the review says where its releases are published (``release_url``)."""
    earlier = review.get("previous_versions") or []
    if not earlier:
        return ""
    return element("related-object", f"Changes from version {earlier[-1]['version']} to version "
                   f"{review['version']}", object_type="changes-report",
                   xlink__href=release_address(review, CHANGES_REPORT))


def funding(review: dict) -> str:
    """``<funding-group>`` with the review's funding statement (``funding``), as the article states it."""
    return (element("funding-group", [element("funding-statement", review["funding"])])
            if review.get("funding") else "")


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
    text = escape(_NOT_XML.sub("", f"{correspondence_name(review, author)}, {place}"))
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
        element("article-id", review["version_doi"], pub_id_type="doi", specific_use="version")
        if review.get("version_doi") else "",
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
        publication_history(review),
        permissions(review),
        changes_report(review),
        funding(review),
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


def _is_version_note(block: dict) -> bool:
    """Whether *block* is the paragraph that opens with the bold label **Version:** (:data:`VERSION_LABEL`)."""
    if block["t"] != "Para" or not block["c"] or block["c"][0]["t"] != "Strong":
        return False
    label = "".join(node["c"] if node["t"] == "Str" else " " for node in block["c"][0]["c"])
    return label.strip().rstrip(" .:") == VERSION_LABEL


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


def article_parts(ast: dict, funded: bool = False) -> dict:
    """A copy of the article's syntax tree *ast* arranged for JATS (see the module's docstring): the
    acknowledgement and the conflicts of interest taken out of the body into the metadata the template
    places in ``<back>`` (``jats-ack``, ``jats-coi`` and their titles), each appendix (a level-1 section whose
    identifier begins with :data:`APPENDIX_ID`) into ``jats-apps`` (its ``id``, ``title`` and ``body``: an
    ``<app>`` of ``<app-group>``), the ``.back-matter`` block left out but for its version note
    (``jats-version``); with *funded* (the review has a ``funding`` statement, which :func:`front` makes the
    ``<funding-group>``), the Funding section left out, so that the statement is said once."""
    body: list[dict] = []
    apps: list[dict] = []
    meta = dict(ast["meta"])
    for identifier, blocks in _sections(ast["blocks"]):
        notes = [block for back in blocks if _is_back_matter(back) for block in back["c"][1]
                 if _is_version_note(block)]
        if notes and "jats-version" not in meta:
            meta["jats-version"] = _meta_blocks(notes[:1])
        blocks = [block for block in blocks if not _is_back_matter(block)]
        target = "jats-ack" if identifier in ACKNOWLEDGEMENT_IDS else "jats-coi" if identifier in CONFLICT_IDS else None
        if target and target not in meta:
            meta[f"{target}-title"] = {"t": "MetaInlines", "c": blocks[0]["c"][2]}
            meta[target] = _meta_blocks(blocks[1:])
        elif funded and identifier in FUNDING_IDS:
            continue
        elif identifier and identifier.startswith(APPENDIX_ID):
            apps.append({"t": "MetaMap", "c": {"id": {"t": "MetaString", "c": identifier},
                                               "title": {"t": "MetaInlines", "c": blocks[0]["c"][2]},
                                               "body": _meta_blocks(blocks[1:])}})
        else:
            body += blocks
    if apps:
        meta["jats-apps"] = {"t": "MetaList", "c": apps}
    return {**ast, "meta": meta, "blocks": body}


# --- the written XML: what pandoc's JATS writer leaves to do ------------------------------

# CSL item types (pandoc writes them as publication-type) -> JATS publication types.
PUBLICATION_TYPES = {
    "article-journal": "journal", "article": "journal", "article-magazine": "magazine",
    "article-newspaper": "newspaper", "review": "journal", "book": "book", "chapter": "book",
    "paper-conference": "confproc", "report": "report", "thesis": "thesis", "webpage": "web",
    "post-weblog": "web", "dataset": "data", "software": "software", "patent": "patent",
}
# A figure's or table's number: "2", or an appendix's "A1".
_LABEL = re.compile(r"^\s*((Figure|Table) ([A-Z]?\d+))\.?\s*")
_MENTION = re.compile(r"\b(Figure|Table) ([A-Z]?\d+)\b")


def figure_alternative(svg: str) -> tuple[str, str]:
    """The text alternative of a figure's SVG file (written by the stage figures): its ``<title>`` and
    ``<desc>``, unescaped."""
    import html

    title = re.search(r"<title[^>]*>(.*?)</title>", svg, re.DOTALL)
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg, re.DOTALL)
    return (html.unescape(title.group(1)) if title else "", html.unescape(desc.group(1)) if desc else "")


def finish(xml: str, review: dict, alternatives: dict[str, tuple[str, str]], data_keys: dict[str, str]) -> str:
    """The JATS XML that pandoc wrote (*xml*), finished for a journal: each figure and table labelled
    (``<label>`` from its caption's "Figure 1." or "Table 1."), with ``<alt-text>`` (a figure's: the title
    of its SVG file, with its description as ``<long-desc>``, from *alternatives* by the figure's file
    name, ``figures/NAME.svg``; a table's: its caption) and an identifier (``tbl-N`` for a table), the text's
    mentions of them ("Figure 2", "Table 1") linked by ``<xref>``; the section headed Abstract (or the
    review's ``abstract``) made the ``<abstract>`` of the front matter; each reference's publication type in
    JATS's words (``journal``, ``book``, ``data``, ...), a database (*data_keys*: key -> its version) cited as
    ``data`` with its ``<version>`` and title as ``<data-title>``; a reference with no last page without the
    empty ``<lpage/>`` pandoc gives it."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True)
    tree = etree.fromstring(xml.encode("utf-8"), parser).getroottree()
    root = tree.getroot()
    targets = _label_figures(root, alternatives) | _label_tables(root)
    for part in [root.find("body"), *root.iterfind("back/app-group/app")]:
        if part is not None:
            _link_mentions(part, targets)
    _move_abstract(root, review)
    _publication_types(root, data_keys)
    _drop_empty_last_pages(root)
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            + etree.tostring(tree, encoding="utf-8", xml_declaration=False).decode("utf-8") + "\n")


def _take_label(caption) -> str | None:
    """Remove "Figure N." / "Table N." (N a number, or an appendix's "A1") from the start of *caption*'s first
    paragraph; the label, or None."""
    paragraph = caption.find("p") if caption is not None else None
    if paragraph is None or not paragraph.text:
        return None
    match = _LABEL.match(paragraph.text)
    if not match:
        return None
    paragraph.text = paragraph.text[match.end():]
    if paragraph.text[:1].islower():
        paragraph.text = paragraph.text[0].upper() + paragraph.text[1:]
    return match.group(1)


def _sub(parent, tag: str, text: str, index: int | None = None):
    from lxml import etree

    child = etree.Element(tag)
    child.text = text
    if index is None:
        parent.append(child)
    else:
        parent.insert(index, child)
    return child


def _label_figures(root, alternatives: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """Label each ``<fig>`` and give its graphic the figure's text alternative; label -> (ref-type, id)."""
    targets = {}
    for figure in root.iter("fig"):
        label = _take_label(figure.find("caption"))
        if label:
            _sub(figure, "label", label, 0)
            if figure.get("id"):
                targets[label] = ("fig", figure.get("id"))
        for graphic in figure.iter("graphic"):
            href = graphic.get("{http://www.w3.org/1999/xlink}href", "")
            title, description = alternatives.get(href, ("", ""))
            if title:
                _sub(graphic, "alt-text", title, 0)
            if description:
                _sub(graphic, "long-desc", description, 1 if title else 0)
    return targets


def _label_tables(root) -> dict[str, tuple[str, str]]:
    """Label each ``<table-wrap>``, give it an identifier (``tbl-N``, ``tbl-A1``) and its caption as
    ``<alt-text>``."""
    targets = {}
    for wrap in root.iter("table-wrap"):
        caption = wrap.find("caption")
        label = _take_label(caption)
        if not label:
            continue
        if not wrap.get("id"):
            wrap.set("id", "tbl-" + label.split()[-1])
        _sub(wrap, "label", label, 0)
        text = " ".join("".join(caption.itertext()).split())
        _sub(wrap, "alt-text", f"{label}: {text}" if text else label, list(wrap).index(caption) + 1)
        targets[label] = ("table", wrap.get("id"))
    return targets


def _link_mentions(body, targets: dict[str, tuple[str, str]]) -> None:
    """Link the mentions of figures and tables ("Figure 2") in the paragraphs of *body* (not in captions,
    titles or links) to them with ``<xref>``."""
    skip = {"caption", "label", "title", "xref", "ext-link", "fig", "table-wrap", "alt-text", "long-desc"}
    for paragraph in list(body.iter("p")):
        if any(ancestor.tag in skip for ancestor in paragraph.iterancestors()):
            continue
        _link_text(paragraph, None, targets, skip)
        for child in list(paragraph):
            if child.tag not in skip:
                _link_inside(child, targets, skip)
            _link_text(paragraph, child, targets, skip)


def _link_inside(element, targets, skip) -> None:
    _link_text(element, None, targets, skip)
    for child in list(element):
        if child.tag not in skip:
            _link_inside(child, targets, skip)
        _link_text(element, child, targets, skip)


def _link_text(parent, after, targets, skip) -> None:
    """Split the text of *parent* (before its first child, *after* None) or the tail of its child *after* at
    each mention of a figure or table in *targets*, each mention an ``<xref>``."""
    from lxml import etree

    text = parent.text if after is None else after.tail
    if not text or not any(m.group(0) in targets for m in _MENTION.finditer(text)):
        return
    pieces = []
    last = 0
    for match in _MENTION.finditer(text):
        if match.group(0) not in targets:
            continue
        pieces.append((text[last:match.start()], match.group(0)))
        last = match.end()
    rest = text[last:]
    position = 0 if after is None else list(parent).index(after) + 1
    if after is None:
        parent.text = pieces[0][0]
    else:
        after.tail = pieces[0][0]
    previous = None
    for index, (before, mention) in enumerate(pieces):
        if index and previous is not None:
            previous.tail = before
        ref_type, rid = targets[mention]
        xref = etree.Element("xref", {"ref-type": ref_type, "rid": rid})
        xref.text = mention
        parent.insert(position, xref)
        position += 1
        previous = xref
    previous.tail = rest


def _move_abstract(root, review: dict) -> None:
    """The body's section headed Abstract (or with the identifier ``abstract``) becomes the ``<abstract>`` of
    ``<article-meta>``; without one, the review's ``abstract`` does, as one paragraph."""
    from lxml import etree

    meta = root.find("front/article-meta")
    body = root.find("body")
    if meta is None:
        return
    abstract = None
    for section in (body.findall("sec") if body is not None else []):
        title = section.find("title")
        heading = " ".join("".join(title.itertext()).split()).lower() if title is not None else ""
        if section.get("id") == "abstract" or heading == "abstract":
            abstract = section
            break
    if abstract is not None:
        body.remove(abstract)
        abstract.tag = "abstract"
        abstract.attrib.pop("id", None)
        abstract.attrib.pop("sec-type", None)
        title = abstract.find("title")
        if title is not None:  # the heading says what the element already says
            abstract.remove(title)
        for section in abstract.iter("sec"):  # a structured abstract's parts keep their headings
            section.attrib.pop("id", None)
    elif review.get("abstract"):
        abstract = etree.Element("abstract")
        _sub(abstract, "p", review["abstract"])
    else:
        return
    # <abstract> follows <permissions> (and <self-uri>, <related-article>, <related-object>) in <article-meta>.
    after = [child for child in meta if child.tag in ("permissions", "self-uri", "related-article", "related-object")]
    meta.insert(list(meta).index(after[-1]) + 1 if after else len(meta), abstract)
    abstract.tail = "\n"


def _publication_types(root, data_keys: dict[str, str]) -> None:
    """Each ``<element-citation>``'s publication type in JATS's words; a database as ``data``."""
    for ref in root.iter("ref"):
        key = (ref.get("id") or "").removeprefix("ref-")
        for citation in ref.iter("element-citation"):
            kind = citation.get("publication-type", "")
            if key in data_keys or kind == "dataset":
                citation.set("publication-type", "data")
                title = citation.find("article-title")
                if title is not None:
                    title.tag = "data-title"
                if key in data_keys and citation.find("version") is None:
                    version = _sub(citation, "version", data_keys[key])
                    year = citation.find("year")
                    if year is not None:
                        citation.remove(version)
                        citation.insert(list(citation).index(year) + 1, version)
            else:
                citation.set("publication-type", PUBLICATION_TYPES.get(kind, "other"))


def _drop_empty_last_pages(root) -> None:
    """Leave out the empty ``<lpage/>`` that pandoc's writer gives a reference with a first page and no last
    one (a single page, an article number such as e34): an empty element is noise a journal's checker flags.
    The element before it takes its tail (the line break before the end of the citation)."""
    for citation in root.iter("element-citation"):
        for page in citation.findall("lpage"):
            if len(page) == 0 and not (page.text or "").strip():
                previous = page.getprevious()
                if previous is not None:
                    previous.tail = page.tail
                citation.remove(page)
