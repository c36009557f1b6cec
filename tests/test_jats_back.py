"""Where the JATS keeps what the article prints after its sections (livingreview.jats.article_parts, then
pandoc's JATS writer with templates/jats/template.xml and livingreview.jats.finish): an appendix is an
``<app>`` of ``<back>``'s ``<app-group>``, not a section of the body, its table labelled as the body's are;
the funding statement is said once, in ``<article-meta>``'s ``<funding-group>``, not again as a section; a
reference with a first page and no last page has no empty ``<lpage/>``. Each result is valid against the
JATS 1.3 Journal Publishing DTD."""

from __future__ import annotations

import yaml
from conftest import ROOT
from journal import read_jats, text_of
from livingreview import pandoc
from livingreview.csl import references_meta
from livingreview.jats import article_parts, finish, front
from livingreview.records import Name, Reference
from lxml import etree

JATS_DTD = ROOT / "tests" / "vendor" / "jats-1.3" / "JATS-journalpublishing1-3.dtd"
FUNDING = "Grant 4 from the Fund."

ARTICLE = f"""# Introduction

The trials are counted in Table 1.

# Appendix: PRISMA 2020 checklist

Each item of the checklist, as Table 1 gives it.

: Table 1. The checklist.

| Item | Where |
|------|-------|
| Title | Title |

# Acknowledgement

None.

# Funding

{FUNDING}
"""


def jats_of(tmp_path, markdown: str, review: dict, references: list[Reference] = ()) -> etree._ElementTree:
    """*markdown* read by pandoc and written as JATS as the stage jats writes it (front matter from *review*;
    the reference list, where *markdown* has a ``refs`` div, from *references*)."""
    source = tmp_path / "article.md"
    source.write_text(markdown, encoding="utf-8")
    tree = pandoc.read_ast(source, [ROOT / "templates" / "pandoc" / "common.yaml"])
    if references:
        tree["meta"] |= references_meta(list(references))
    variables = pandoc.write_defaults(tmp_path / "variables.yaml", ROOT / "templates" / "jats" / "template.xml",
                                      {"jats-front": front(review), "jats-lang": "en"})
    written = pandoc.write_ast(article_parts(tree, funded=bool(review.get("funding"))), "jats",
                               [ROOT / "templates" / "pandoc" / "jats.yaml", variables], str(source))
    path = tmp_path / "review.jats.xml"
    path.write_text(finish(written, review, {}, {}), encoding="utf-8")
    return read_jats(path)


def seed_review(**changes) -> dict:
    review = yaml.safe_load((ROOT / "data" / "review.yaml").read_text(encoding="utf-8"))
    review["dates"] = {name: str(day) for name, day in review["dates"].items()}
    return {**review, **changes}


def valid(jats: etree._ElementTree) -> None:
    dtd = etree.DTD(str(JATS_DTD))
    assert dtd.validate(jats), dtd.error_log


def test_an_appendix_is_an_app_of_the_back_matter(tmp_path):
    jats = jats_of(tmp_path, ARTICLE, seed_review(funding=FUNDING))
    root = jats.getroot()
    assert [text_of(s.find("title")) for s in root.findall("body/sec")] == ["Introduction"]
    [app] = root.findall("back/app-group/app")
    assert app.get("id") == "appendix-prisma-2020-checklist"
    assert text_of(app.find("title")) == "Appendix: PRISMA 2020 checklist"
    assert app.find("table-wrap/label").text == "Table 1"
    # Its mention of the table is linked like the body's.
    assert [x.get("rid") for x in app.findall("p/xref")] == ["tbl-1"]
    assert [child.tag for child in root.find("back")][:2] == ["app-group", "ack"]  # in the article's order
    valid(jats)


def test_the_funding_statement_is_said_once_in_the_front_matter(tmp_path):
    jats = jats_of(tmp_path, ARTICLE, seed_review(funding=FUNDING))
    root = jats.getroot()
    assert [e.text for e in root.findall("front/article-meta/funding-group/funding-statement")] == [FUNDING]
    assert etree.tostring(root, encoding="unicode").count(FUNDING) == 1
    assert not [s for s in root.iter("sec") if text_of(s.find("title")) == "Funding"]
    valid(jats)


def test_a_funding_section_of_a_review_without_a_funding_statement_stays(tmp_path):
    """Without `funding` the front matter has no <funding-group>: a section the review's templates wrote
    themselves is not dropped."""
    jats = jats_of(tmp_path, ARTICLE, seed_review())
    root = jats.getroot()
    assert root.find("front/article-meta/funding-group") is None
    assert [text_of(s.find("title")) for s in root.findall("body/sec")] == ["Introduction", "Funding"]
    valid(jats)


def article(key: str, pages: str) -> Reference:
    return Reference(key, "article", 1, {"title": f"Trial {key}", "journal": "J", "year": "2013", "volume": "13",
                                         "pages": pages}, [Name("Doe", "J.")])


def test_a_reference_with_a_first_page_only_has_no_empty_last_page(tmp_path):
    """Pandoc's writer gives every paged reference an ``<lpage>``, empty for a single page ("33", an article
    number "e34"): a journal's checker flags the empty element, so it is left out."""
    markdown = "# Introduction\n\nText.\n\n# References\n\n::: {#refs}\n:::\n"
    jats = jats_of(tmp_path, markdown, seed_review(), [article("one", "33"), article("e", "e34"),
                                                       article("range", "33--41")])
    citations = {ref.get("id"): ref.find("element-citation") for ref in jats.getroot().iterfind("back/ref-list/ref")}
    assert [(c.findtext("fpage"), c.findtext("lpage")) for c in citations.values()] == [
        ("33", None), ("e34", None), ("33", "41")]
    assert "<lpage/>" not in etree.tostring(jats, encoding="unicode")
    # the element before it keeps the line break the last page had
    assert etree.tostring(citations["ref-one"], encoding="unicode").endswith("<fpage>33</fpage>\n    </element-citation>\n  ")
    valid(jats)


def test_an_appendix_table_numbered_a1_is_labelled_and_linked_as_the_body_s_tables(tmp_path):
    """The PRISMA checklist of a meta-analysis is "Table A1" (its caption in every format): the JATS labels it
    like the body's tables (``<label>``, the caption without its number, ``<alt-text>``, ``tbl-A1``) and links
    the appendix's mention of it."""
    markdown = ARTICLE.replace("as Table 1 gives it", "as Table A1 gives it").replace(": Table 1.", ": Table A1.")
    jats = jats_of(tmp_path, markdown, seed_review())
    [wrap] = jats.getroot().findall("back/app-group/app/table-wrap")
    assert (wrap.get("id"), wrap.findtext("label"), text_of(wrap.find("caption"))) == ("tbl-A1", "Table A1",
                                                                                      "The checklist.")
    assert wrap.findtext("alt-text") == "Table A1: The checklist."
    assert [(x.get("rid"), x.text) for x in jats.getroot().findall("back/app-group/app/p/xref")] == [
        ("tbl-A1", "Table A1")]
    valid(jats)
