"""What a journal editor checks in the front and back matter of a living review, format by format (the stages
run in this process, tests/in_process.py, on a copy of the seed review made a second version with its own
DOI, an earlier version and a funding statement):

- the funding statement is the JATS ``<funding-group><funding-statement>`` of ``<article-meta>``, escaped,
  where the DTD puts it, as the other formats print it in their Funding section;
- the version note (this version, its DOI, the earlier versions with their dates and DOIs, the changes
  report) is in the JATS too: ``<notes notes-type="version">`` in ``<back>`` with the other formats' words,
  and the structure JATS has for it (``<article-version>``, a version ``<article-id>``, ``<pub-history>``,
  ``<related-object>`` for the changes report);
- the dates and DOIs say which is which: the article's DOI, which names every version, goes with the date it
  was first published (its first version's), this version's DOI with this version's date, in every format
  (Markdown, HTML and its Highwire meta tags, PDF, DOCX, JATS); the seed review (one version, no version DOI)
  prints what it printed before.
"""

from __future__ import annotations

import html
import re
import zipfile

import pytest
import yaml
from conftest import ROOT, copy_project
from in_process import run_stages
from journal import XLINK, docx_text, read_jats, text_of
from lxml import etree
from pypdf import PdfReader

JATS_DTD = ROOT / "tests" / "vendor" / "jats-1.3" / "JATS-journalpublishing1-3.dtd"

FUNDING = 'Grant <b>4</b> & "R01" from *the* [Fund](https://x.org) @none'
VERSION_DOI = "10.37421/2572-0791.2025.11.212.v2"
EARLIER_DOI = "10.37421/2572-0791.2025.11.212.v1"


def living(review: dict) -> dict:
    """The seed review's metadata as version 2.0.0 of a living review: its own DOI, version 1.0.0 published
    before it, and a funding statement with characters that mean something in Markdown, HTML and XML."""
    return {**review, "version": "2.0.0", "version_doi": VERSION_DOI, "funding": FUNDING,
            "previous_versions": [{"version": "1.0.0", "published": "2025-06-02", "doi": EARLIER_DOI}]}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The seed review made version 2.0.0 of a living review, its stages run in this process: its build folder."""
    project = copy_project(tmp_path_factory.mktemp("living") / "project")
    path = project / "data" / "review.yaml"
    path.write_text(yaml.safe_dump(living(yaml.safe_load(path.read_text(encoding="utf-8"))), sort_keys=False,
                                   allow_unicode=True), encoding="utf-8")
    run_stages(project)
    return project / "build"


def back_matter(markdown: str) -> str:
    return markdown.split("::: {.back-matter}")[1]


# --- 1. funding ------------------------------------------------------------------------------

def test_the_jats_has_the_funding_statement_in_article_meta_escaped_and_valid(built):
    jats = read_jats(built / "review.jats.xml")
    meta = jats.find("front/article-meta")
    assert [e.text for e in meta.findall("funding-group/funding-statement")] == [FUNDING]
    assert meta.find("funding-group/funding-statement/b") is None  # text, never markup
    children = [child.tag for child in meta]
    assert children.index("funding-group") > children.index("permissions")
    # Said once: not again as a section of the body or the back matter.
    assert not [s for s in jats.getroot().iter("sec") if text_of(s.find("title")) == "Funding"]
    dtd = etree.DTD(str(JATS_DTD))
    assert dtd.validate(jats), dtd.error_log
    # The other formats print the same statement in their Funding section.
    assert FUNDING in docx_text(built / "review.docx")  # printed as written, never read as Markdown
    assert html.escape(FUNDING, quote=False) in (built / "review.html").read_text(encoding="utf-8")


# --- 2. the version note ----------------------------------------------------------------------

def test_the_jats_has_the_version_note_and_its_structure(built):
    jats = read_jats(built / "review.jats.xml")
    meta = jats.find("front/article-meta")
    assert meta.findtext("article-version") == "2.0.0"
    assert meta.findtext("article-id[@specific-use='version']") == VERSION_DOI
    event = meta.find("pub-history/event")
    assert (event.findtext("article-version"), event.findtext("article-id"),
            event.find("pub-date").get("iso-8601-date")) == ("1.0.0", EARLIER_DOI, "2025-06-02")
    report = meta.find("related-object")
    assert (report.get("object-type"), report.get(f"{XLINK}href"), report.text) == (
        "changes-report", "changes.html", "Changes from version 1.0.0 to version 2.0.0")
    [note] = jats.findall("back/notes[@notes-type='version']")
    words = " ".join(text_of(note).split())
    assert words.startswith(f"Version: 2.0.0, published 29-Dec-2025, DOI: {VERSION_DOI}; earlier version: "
                            f"1.0.0 (02-Jun-2025, DOI: {EARLIER_DOI}). What changed since version 1.0.0")
    assert note.find(".//ext-link").get(f"{XLINK}href") == "changes.html"
    # The same words as review.md's version note (its Markdown link as its text).
    markdown = (built / "review.md").read_text(encoding="utf-8")
    line = next(line for line in back_matter(markdown).splitlines() if line.startswith("**Version:**"))
    assert words == line.replace("**", "").replace("[changes.html](changes.html)", "changes.html")
    assert "Received:" not in text_of(jats.find("back"))  # the rest of the back matter is structured data


# --- 3. which date goes with which DOI ----------------------------------------------------------

def test_the_articles_doi_goes_with_its_first_publication_and_this_versions_with_its_date(built):
    markdown = (built / "review.md").read_text(encoding="utf-8")
    back = back_matter(markdown)
    assert ("**First published:** 02-Jun-2025 (version 1.0.0), DOI: 10.37421/2572-0791.2025.11.212 "
            "(all versions)\n") in back
    assert "**Published:**" not in back
    assert f"**Version:** 2.0.0, published 29-Dec-2025, DOI: {VERSION_DOI}; earlier version" in back
    assert f"Version 2.0.0, DOI: {VERSION_DOI}." in back  # how to cite: this version
    front = yaml.safe_load(markdown.split("---")[1])
    assert (front["doi"], front["version-doi"], front["version"]) == (
        "10.37421/2572-0791.2025.11.212", VERSION_DOI, "2.0.0")
    page = (built / "review.html").read_text(encoding="utf-8")
    assert (f'<meta name="citation_doi" content="{VERSION_DOI}">' in page
            and '<meta name="citation_publication_date" content="2025/12/29">' in page)
    line = re.search(r'<p class="journal-line">(.*?)</p>', page).group(1)
    assert re.sub(r"<[^>]+>", "", line).endswith(
        f"DOI: 10.37421/2572-0791.2025.11.212 (all versions) · Version 2.0.0, DOI: {VERSION_DOI}")
    assert f'href="https://doi.org/{VERSION_DOI}"' in line
    assert "First published: 02-Jun-2025 (version 1.0.0)" in page.replace("<strong>", "").replace("</strong>", "")
    pdf = " ".join(" ".join(page.extract_text() for page in PdfReader(built / "review.pdf").pages).split())
    assert f"(all versions) · Version 2.0.0, DOI: {VERSION_DOI}" in pdf
    assert "First published: 02-Jun-2025 (version 1.0.0)" in pdf
    document = docx_text(built / "review.docx")
    assert "First published: 02-Jun-2025 (version 1.0.0)" in document
    core = zipfile.ZipFile(built / "review.docx").read("docProps/core.xml").decode("utf-8")
    assert f"https://doi.org/{VERSION_DOI}" in core and "(all versions)" in core
    jats = read_jats(built / "review.jats.xml")
    meta = jats.find("front/article-meta")
    assert meta.find("pub-date").get("iso-8601-date") == "2025-12-29"  # this version's, with its version
    assert meta.find("pub-history/event/pub-date").get("iso-8601-date") == "2025-06-02"


def test_a_review_of_one_version_prints_its_dates_as_before(built_project):
    """The seed review (one version, no version DOI): the date it was published with its DOI, no "(all
    versions)", no version note in the JATS beyond its version."""
    output = built_project / "output"
    back = back_matter((output / "review.md").read_text(encoding="utf-8"))
    assert "; **Published:** 29-Dec-2025, DOI: 10.37421/2572-0791.2025.11.212\n\n**Version:** 1.0.0\n" in back
    page = (output / "review.html").read_text(encoding="utf-8")
    assert "(all versions)" not in page and "First published" not in page
    assert '<meta name="citation_doi" content="10.37421/2572-0791.2025.11.212">' in page
    jats = read_jats(output / "review.jats.xml")
    assert jats.find("front/article-meta/related-object") is None
    assert jats.find("front/article-meta/funding-group") is None  # the seed states no funding


# --- 4. links that work outside the web page ----------------------------------------------------

RELEASES = "https://example.org/reviews/depression/{version}/"
CHANGES_URL = "https://example.org/reviews/depression/2.0.0/changes.html"


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """The living seed review of :func:`built`, which says where its releases are published (`release_url`)."""
    project = copy_project(tmp_path_factory.mktemp("released") / "project")
    path = project / "data" / "review.yaml"
    review = living(yaml.safe_load(path.read_text(encoding="utf-8")))
    path.write_text(yaml.safe_dump({**review, "release_url": RELEASES}, sort_keys=False, allow_unicode=True),
                    encoding="utf-8")
    run_stages(project)
    return project / "build"


def test_the_link_to_the_changes_report_is_absolute_in_every_format_when_the_releases_have_an_address(released):
    """With `release_url`, the version note's link to the changes report is this version's address of it, in
    review.md, the PDF, the Word file and the JATS (its <related-object> too): a relative "changes.html" goes
    nowhere once a file is downloaded. (Without it, the link stays relative: the test above.)"""
    markdown = (released / "review.md").read_text(encoding="utf-8")
    assert f"published with this version ([{CHANGES_URL}]({CHANGES_URL}))." in back_matter(markdown)
    jats = read_jats(released / "review.jats.xml")
    assert jats.find("front/article-meta/related-object").get(f"{XLINK}href") == CHANGES_URL
    assert jats.find("back/notes//ext-link").get(f"{XLINK}href") == CHANGES_URL
    links = zipfile.ZipFile(released / "review.docx").read("word/_rels/document.xml.rels").decode("utf-8")
    assert f'Target="{CHANGES_URL}"' in links and 'Target="changes.html"' not in links
    uris = [annotation.get_object()["/A"].get("/URI") for page in PdfReader(released / "review.pdf").pages
            for annotation in page.get("/Annots") or [] if "/A" in annotation.get_object()]
    assert CHANGES_URL in uris and "changes.html" not in uris
