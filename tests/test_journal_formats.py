"""The formats for journals: review.docx and review.jats.xml of the example's real build (Snakemake,
pandoc with citeproc), read with python-docx and lxml. Their bytes are the same from build to build:
tests/test_reproducibility.py compares every release file of two builds."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import shutil
import struct
import subprocess
import zipfile
import zlib
from pathlib import Path

import docx
import pytest
from conftest import ROOT
from in_process import working_directory
from journal import XLINK, docx_blocks, docx_text, jats_body_text, read_jats, text_of
from livingreview import pandoc
from livingreview.citeproc import formatted_article
from livingreview.errors import ConversionError
from livingreview.jats import with_bibliography
from livingreview.stages import formats
from livingreview.wordfile import core_properties, deterministic_docx
from lxml import etree
from pypdf import PdfReader
from textcheck import sections, seed_references, unmatched_sentences

TITLE = "Depression Treatment: Medication, Psychotherapy, and Beyond"
PUBLISHED = dt.datetime(2025, 12, 29, tzinfo=dt.UTC)
# The title block, as the HTML and the PDF show it: article type, title, author, affiliation, journal line.
SEED_TITLE_BLOCK = [
    ("Article Type", "Perspective"), ("Title", TITLE), ("Author", "Nils Berg*"),
    ("Affiliation", "Department of Psychiatry and Clinical Neuroscience, University of Bergen, Bergen, Norway"),
    ("Journal Line", "Clinical Depression 11 (2025):212 · DOI: 10.37421/2572-0791.2025.11.212 · Version 1.0.0")]
HEADINGS = ["Introduction", "Description", "Conclusion", "Acknowledgement", "Conflict of Interest", "References"]
JATS_PUBLIC_ID = "-//NLM//DTD JATS (Z39.96) Journal Publishing DTD v1.3 20210610//EN"
# The order of <article-meta>'s children in the JATS 1.3 Journal Publishing DTD (the ones we write).
ARTICLE_META_ORDER = ["article-id", "article-version", "article-categories", "title-group", "contrib-group",
                      "author-notes", "pub-date", "volume", "issue", "elocation-id", "history", "pub-history",
                      "permissions", "related-object", "abstract", "funding-group"]


@pytest.fixture(scope="module")
def docx_path(built_project):
    return built_project / "output" / "review.docx"


@pytest.fixture(scope="module")
def jats(built_project):
    return read_jats(built_project / "output" / "review.jats.xml")


@pytest.fixture(scope="module")
def numbering(built_project) -> dict[str, int]:
    snapshot = json.loads((built_project / "output" / "evidence.json").read_text(encoding="utf-8"))["snapshot"]
    return snapshot["numbering"]


# --- DOCX ------------------------------------------------------------------------------

@pytest.mark.parametrize("section", ["Introduction", "Description", "Conclusion"])
def test_docx_regenerates_every_seed_sentence(docx_path, section):
    assert unmatched_sentences(docx_text(docx_path), section) == []


def test_docx_references_match_the_seed_exactly_and_are_numbered(docx_path):
    refs = sections(docx_text(docx_path))["References"].split("How to cite this article")[0]
    for number, expected in enumerate(seed_references(), start=1):
        assert f"{number}. {expected.replace('*', '')}" in refs


def test_docx_has_title_headings_table_and_linked_citations(docx_path):
    document = docx.Document(str(docx_path))
    styled = [(p.style.name, p.text) for p in document.paragraphs]
    assert styled[:5] == SEED_TITLE_BLOCK
    assert [text for style, text in styled if style == "Heading 1"] == HEADINGS
    [table] = document.tables
    assert len(table.rows) == 11 and len(table.columns) == 5
    assert [cell.text for cell in table.rows[0].cells] == ["Ref.", "Design", "Population", "Comparison", "Theme"]
    assert [cell.text for cell in table.rows[1].cells][:2] == ["[1]", "systematic review and meta-analysis"]
    assert "Table 1. Characteristics of the included studies." in docx_blocks(docx_path)
    body = zipfile.ZipFile(docx_path).read("word/document.xml").decode("utf-8")
    for n in range(1, 11):  # each citation links to its reference, which is a bookmark
        assert f'w:anchor="ref-{n}"' in body and f'w:name="ref-{n}"' in body


def test_docx_document_properties(docx_path):
    properties = docx.Document(str(docx_path)).core_properties
    assert (properties.title, properties.author, properties.language) == (TITLE, "Nils Berg", "en")
    assert properties.subject == "Clinical Depression 11 (2025):212"
    assert properties.comments == "https://doi.org/10.37421/2572-0791.2025.11.212 (version 1.0.0)"
    assert properties.identifier == "https://doi.org/10.37421/2572-0791.2025.11.212"
    assert (properties.category, properties.version, properties.keywords) == ("Perspective", "1.0.0", "")
    assert properties.created == properties.modified == PUBLISHED.replace(tzinfo=properties.created.tzinfo)
    package = zipfile.ZipFile(docx_path)
    custom = package.read("docProps/custom.xml").decode("utf-8")
    assert 'name="doi"><vt:lpwstr>10.37421/2572-0791.2025.11.212<' in custom
    # Nothing of pandoc's reference document, whose counts and application describe another file.
    assert re.fullmatch(r'<\?xml[^>]*>\s*<Properties [^>]*><Application>pandoc [0-9.]+</Application></Properties>',
                        package.read("docProps/app.xml").decode("utf-8"))


def test_docx_package_has_fixed_order_dates_and_no_compression(docx_path):
    package = zipfile.ZipFile(docx_path)
    assert package.testzip() is None
    names = package.namelist()
    assert names[0] == "[Content_Types].xml" and names[1:] == sorted(names[1:])
    assert {info.date_time for info in package.infolist()} == {(2025, 12, 29, 0, 0, 0)}
    assert {info.compress_type for info in package.infolist()} == {zipfile.ZIP_STORED}


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_docx_opens_in_libreoffice(docx_path, tmp_path):
    def to_text(path):
        return subprocess.run(["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/lo",
                               "--convert-to", "txt:Text", "--outdir", str(tmp_path / "txt"), str(path)],
                              capture_output=True, text=True, timeout=180)

    to_text(docx_path)
    text = (tmp_path / "txt" / "review.txt").read_text(encoding="utf-8-sig")
    assert unmatched_sentences(text, "Conclusion") == []
    broken = tmp_path / "broken.docx"
    broken.write_bytes(docx_path.read_bytes()[:20000])
    assert "could not be loaded" in to_text(broken).stderr  # the check can fail


# --- JATS ----------------------------------------------------------------------------------

def _cite(key: str) -> dict:
    """A citation of *key* as pandoc's citeproc leaves it: a Cite node holding a link to ``#ref-KEY``."""
    item = {"citationId": key, "citationPrefix": [], "citationSuffix": [], "citationMode": {"t": "NormalCitation"},
            "citationNoteNum": 1, "citationHash": 0}
    return {"t": "Cite", "c": [[item], [{"t": "Link", "c": [["", [], []], [{"t": "Str", "c": "n"}],
                                                           [f"#ref-{key}", ""]]}]]}


def _entry(key: str) -> dict:
    return {"t": "Div", "c": [[f"ref-{key}", ["csl-entry"], []], [{"t": "Para", "c": [{"t": "Str", "c": "x"}]}]]}


def test_the_bibliography_is_emptied_for_the_jats_writer_and_citations_stay_links_to_keys():
    para = {"t": "Para", "c": [_cite("b"), {"t": "Emph", "c": [_cite("a")]}]}
    refs = {"t": "Div", "c": [["refs", ["references", "csl-bib-body"], []], [_entry("b"), _entry("a")]]}
    tree = {"meta": {}, "blocks": [para, {"t": "Header", "c": [1, ["references", [], []], []]}, refs]}
    ready, order = with_bibliography(tree)
    assert order == ["b", "a"]
    assert ready["blocks"][2:] == [{"t": "Div", "c": [["refs", [], []], []]}]
    assert ready["blocks"][0] == para


def test_jats_is_journal_publishing_1_3(jats):
    assert jats.docinfo.public_id == JATS_PUBLIC_ID
    assert jats.docinfo.system_url.endswith("JATS-journalpublishing1-3.dtd")
    root = jats.getroot()
    assert root.tag == "article" and root.get("dtd-version") == "1.3"
    assert root.get("article-type") == "review-article"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    assert [child.tag for child in root] == ["front", "body", "back"]
    assert [child.tag for child in root.find("front")] == ["journal-meta", "article-meta"]


def test_jats_front_matter_comes_from_the_review_metadata(jats):
    journal = jats.find("front/journal-meta")
    assert [child.tag for child in journal] == ["journal-id", "journal-title-group", "issn", "publisher"]
    assert journal.findtext("journal-title-group/journal-title") == "Clinical Depression"
    assert journal.findtext("issn") == "2572-0791"
    meta = jats.find("front/article-meta")
    tags = [child.tag for child in meta]
    assert tags == sorted(tags, key=ARTICLE_META_ORDER.index)  # the DTD's order
    assert meta.findtext("article-id[@pub-id-type='doi']") == "10.37421/2572-0791.2025.11.212"
    assert meta.findtext("title-group/article-title") == TITLE
    author = meta.find("contrib-group/contrib[@contrib-type='author']")
    assert (author.findtext("name/surname"), author.findtext("name/given-names")) == ("Berg", "Nils")
    assert author.get("corresp") == "yes" and author.findtext("email") == "nils.berg@uibliop.no"
    rid = author.find("xref[@ref-type='aff']").get("rid")
    affiliation = meta.find(f"contrib-group/aff[@id='{rid}']")
    assert affiliation.text.startswith("Department of Psychiatry and Clinical Neuroscience")
    assert meta.find("pub-date").get("iso-8601-date") == "2025-12-29"
    assert (meta.findtext("volume"), meta.findtext("elocation-id")) == ("11", "212")
    assert {d.get("date-type"): d.get("iso-8601-date") for d in meta.findall("history/date")} == {
        "received": "2025-12-01", "editor-assigned": "2025-12-03", "reviewed": "2025-12-17", "rev-recd": "2025-12-22"}
    licence = meta.find("permissions/license")
    assert licence.get(f"{XLINK}href") == "https://creativecommons.org/licenses/by/4.0/"
    assert "Creative Commons Attribution License" in text_of(licence)


def test_jats_body_holds_the_sections_and_the_table(jats):
    body = jats.find("body")
    assert [text_of(sec.find("title")) for sec in body.findall("sec")] == HEADINGS[:3]
    assert body.find(".//boxed-text") is None  # the back-matter block's facts are in <front>
    table = body.find(".//table-wrap")
    assert (table.findtext("label"), text_of(table.find("caption"))) == ("Table 1",
                                                                         "Characteristics of the included studies.")
    assert len(table.findall(".//tbody/tr")) == 10
    text = jats_body_text(jats)
    for section in HEADINGS[:3]:
        assert unmatched_sentences(text, section) == []


def test_jats_back_holds_acknowledgement_conflicts_and_ten_structured_references(jats, numbering):
    back = jats.find("back")
    assert [child.tag for child in back] == ["ack", "fn-group", "ref-list", "notes"]
    assert text_of(back.find("notes[@notes-type='version']")) == "Version: 1.0.0"  # as the other formats say
    assert text_of(back.find("ack")) == "Acknowledgement None."
    assert text_of(back.find("fn-group/fn[@fn-type='coi-statement']")) == "None."
    refs = back.findall("ref-list/ref")
    assert len(refs) == 10
    assert [ref.get("id") for ref in refs] == [f"ref-{key}" for key in sorted(numbering, key=numbering.get)]
    for ref in refs:
        citation = ref.find("element-citation")
        assert citation.get("publication-type") == "journal"  # JATS's word (CSL says article-journal)
        names = citation.findall("person-group[@person-group-type='author']/name")
        assert len(names) == 3 and all(n.findtext("surname") and n.findtext("given-names") for n in names)
    first = refs[0].find("element-citation")
    assert [(n.findtext("surname"), n.findtext("given-names")) for n in first.iter("name")] == [
        ("Johnsen", "B."), ("Hansen", "K."), ("Olsen", "A.")]
    assert first.findtext("article-title") == ("Comparing Medication and Psychotherapy Outcomes in Depression: "
                                               "A Systematic Review and Meta-Analysis")
    assert [first.findtext(tag) for tag in ("source", "year", "volume", "fpage", "lpage")] == [
        "Clinical Depression", "2023", "15", "112", "125"]


def test_jats_citations_are_links_to_the_references_numbered_as_in_the_article(jats, built_project):
    root = jats.getroot()
    ids = [element.get("id") for element in root.iter() if element.get("id")]
    assert len(ids) == len(set(ids))
    assert {xref.get("rid") for xref in root.iter("xref")} <= set(ids)
    citations = [xref for xref in root.find("body").iter("xref") if xref.get("ref-type") == "bibr"]
    markdown = (built_project / "output" / "review.md").read_text(encoding="utf-8")
    assert len(citations) == len(re.findall(r"\]\(#ref-\d+\)", markdown.split("# References")[0]))
    first = citations[0]
    assert (first.get("rid"), first.text) == ("ref-johnsen2023", "1")
    conclusion = text_of(root.find("body/sec[@id='conclusion']"))
    assert "lower relapse rates [6]." in conclusion and "future episodes [2,3]." in conclusion


def test_the_docx_bytes_depend_on_neither_the_clock_nor_source_date_epoch(tmp_path):
    source = tmp_path / "a.md"
    source.write_text("---\ntitle: T\n---\n\n# H\n\nText.\n", encoding="utf-8")

    def pandoc_docx(epoch: str | None) -> bytes:
        env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
        env.update({"SOURCE_DATE_EPOCH": epoch} if epoch else {})
        return subprocess.run([str(pandoc.binary()), str(source), "-t", "docx", "-o", "-"], env=env,
                              capture_output=True, check=True).stdout

    raw = [pandoc_docx(None), pandoc_docx("86400"), pandoc_docx("1000000000")]
    assert len(set(raw)) == 3  # pandoc dates the package by the clock or SOURCE_DATE_EPOCH
    fixed = {deterministic_docx(data, PUBLISHED) for data in raw}
    assert len(fixed) == 1
    assert b"<dcterms:created xsi:type=\"dcterms:W3CDTF\">2025-12-29T00:00:00Z<" in zipfile.ZipFile(
        io.BytesIO(fixed.pop())).read("docProps/core.xml")


def test_the_core_properties_are_the_given_ones_escaped_and_dated():
    xml = core_properties({"dc:title": "Fish & <chips>", "dc:subject": "", "cp:version": "2.0.0"}, PUBLISHED)
    root = etree.fromstring(xml)
    assert [(etree.QName(child).localname, child.text) for child in root] == [
        ("title", "Fish & <chips>"), ("version", "2.0.0"), ("created", "2025-12-29T00:00:00Z"),
        ("modified", "2025-12-29T00:00:00Z")]  # an empty property is left out


def tiny_png() -> bytes:
    """A valid 1x1 PNG image."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
            + chunk(b"IEND", b""))


def test_figures_are_embedded_in_the_docx_and_referenced_by_the_jats(built_project, tmp_path):
    """A review whose template shows a figure (as a meta-analysis shows its forest plot): the DOCX embeds
    it, the JATS holds a <fig> with its caption and a <graphic> naming the file; a missing one stops."""
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "plot.png").write_bytes(tiny_png())
    body = ("# Results\n\n![Figure 1. The forest plot.](figures/plot.png)\n\nAs shown [@{johnsen2023}].\n\n"
            "# References\n\n::: {#refs}\n:::\n")
    (tmp_path / "review.md").write_text(f"---\ntitle: T\n---\n\n{body}", encoding="utf-8")
    (tmp_path / "references.yaml").write_text(
        "references:\n- {id: johnsen2023, type: book, title: The entry, issued: {date-parts: [[2023]]}}\n",
        encoding="utf-8")
    evidence, templates = built_project / "build" / "evidence.json", ROOT / "templates"
    with working_directory(tmp_path):
        tree = formatted_article("review.md", str(templates / "references/seed.csl"), "references.yaml",
                                 [str(templates / "pandoc/citeproc.yaml")], "options.yaml")
        Path("review.json").write_text(json.dumps(tree), encoding="utf-8")
        formats.docx(ast="review.json", markdown="review.md", evidence=str(evidence),
                     defaults=str(templates / "pandoc/docx.yaml"), pictures="pictures", figures=".",
                     variables="docx.yaml", out="review.docx", log="log")
        formats.jats(ast="review.json", evidence=str(evidence),
                     defaults=str(templates / "pandoc/jats.yaml"), template=str(templates / "jats/template.xml"),
                     figures=".", variables="jats.yaml", out="review.jats.xml", log="log")
        package = zipfile.ZipFile("review.docx")
        [picture] = [name for name in package.namelist() if name.startswith("word/media/")]
        assert package.read(picture) == tiny_png()
        assert "Figure 1. The forest plot." in docx_blocks(Path("review.docx"))
        figure = read_jats(Path("review.jats.xml")).find("body//fig")
        assert (figure.findtext("label"), text_of(figure.find("caption"))) == ("Figure 1", "The forest plot.")
        assert figure.find("graphic").get(f"{XLINK}href") == "figures/plot.png"
        Path("figures/plot.png").unlink()
        with pytest.raises(ConversionError, match='the image "figures/plot.png" that the article shows'):
            formats.docx(ast="review.json", markdown="review.md", evidence=str(evidence),
                         defaults=str(templates / "pandoc/docx.yaml"), pictures="pictures", figures=".",
                         variables="docx.yaml", out="review.docx", log="log")


# --- a living review's DOCX and PDF: the DOIs of every version and of this one ------------------------

VERSION_DOI = "10.37421/2572-0791.2025.11.212.v2"


@pytest.fixture(scope="module")
def living(built_project, tmp_path_factory) -> Path:
    """The seed review's build as version 2.0.0 of a living review (review.yaml ``version_doi``), its
    Word file and PDF written by the stages."""
    build = tmp_path_factory.mktemp("living") / "build"
    shutil.copytree(built_project / "build", build)
    data = json.loads((build / "evidence.json").read_text(encoding="utf-8"))
    data["review"] |= {"version": "2.0.0", "version_doi": VERSION_DOI}
    (build / "evidence.json").write_text(json.dumps(data), encoding="utf-8")
    tree = json.loads((build / "review.json").read_text(encoding="utf-8"))  # the article's front matter too
    tree["meta"] |= {key: {"t": "MetaInlines", "c": [{"t": "Str", "c": value}]}
                     for key, value in (("version", "2.0.0"), ("version-doi", VERSION_DOI))}
    (build / "review.json").write_text(json.dumps(tree), encoding="utf-8")
    templates = built_project / "templates"
    formats.docx(ast=str(build / "review.json"), markdown=str(build / "release" / "review.md"),
                 evidence=str(build / "evidence.json"), defaults=str(templates / "pandoc" / "docx.yaml"),
                 pictures=str(build), figures=str(build / "release"), variables=str(build / "docx.yaml"),
                 out=str(build / "review.docx"), log=str(build / "docx.log"))
    formats.pdf(ast=str(build / "review.json"), evidence=str(build / "evidence.json"),
                defaults=str(templates / "pandoc" / "typst.yaml"), template=str(templates / "pdf" / "template.typ"),
                fonts=[str(templates / "pdf" / "fonts")], figures=str(build / "release"),
                variables=str(build / "typst.yaml"), typst=str(build / "review.typ"), out=str(build / "review.pdf"),
                log=str(build / "pdf.log"))
    return build


LIVING_JOURNAL_LINE = ("Clinical Depression 11 (2025):212 · DOI: 10.37421/2572-0791.2025.11.212 (all versions) · "
                       f"Version 2.0.0, DOI: {VERSION_DOI}")


def test_a_living_reviews_word_title_block_gives_both_dois_linked(living):
    """The Word file's title block is the HTML's: article type, title, authors, affiliations, the journal line
    with the DOI of every version and this version's, each a link; no bare date."""
    document = docx.Document(str(living / "review.docx"))
    styled = [(p.style.name, p.text) for p in document.paragraphs]
    assert styled[:5] == SEED_TITLE_BLOCK[:4] + [("Journal Line", LIVING_JOURNAL_LINE)]
    assert styled[5] == ("Heading 1", "Introduction")
    journal_line = document.paragraphs[4]
    assert [(link.url, link.text) for link in journal_line.hyperlinks] == [
        ("https://doi.org/10.37421/2572-0791.2025.11.212", "10.37421/2572-0791.2025.11.212"),
        (f"https://doi.org/{VERSION_DOI}", VERSION_DOI)]
    assert journal_line.runs[0].italic and journal_line.runs[0].text == "Clinical Depression"
    styles = zipfile.ZipFile(living / "review.docx").read("word/styles.xml").decode("utf-8")
    for style in ("ArticleType", "Affiliation", "JournalLine"):  # centred below the title, as the author
        assert re.search(rf'w:styleId="{style}"><w:name [^>]*/><w:basedOn w:val="Author" />', styles), style


def test_a_living_reviews_word_properties_name_this_version_and_its_doi(living):
    properties = docx.Document(str(living / "review.docx")).core_properties
    assert (properties.identifier, properties.version) == (f"https://doi.org/{VERSION_DOI}", "2.0.0")
    assert properties.comments == ("https://doi.org/10.37421/2572-0791.2025.11.212 (all versions); version 2.0.0: "
                                   f"https://doi.org/{VERSION_DOI}")


def test_a_living_reviews_pdf_metadata_give_both_dois_and_the_version(living):
    """The PDF's description (XMP dc:description, the Info dictionary's /Subject) names both DOIs and the
    version, as the Word file's does (Typst writes no identifier or version field)."""
    reader = PdfReader(living / "review.pdf")
    description = ("https://doi.org/10.37421/2572-0791.2025.11.212 (all versions); version 2.0.0: "
                   f"https://doi.org/{VERSION_DOI}")
    assert reader.metadata.subject == description
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")
    assert f'<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{description}</rdf:li>' in xmp


def test_a_living_reviews_pdf_footer_gives_this_versions_doi_too(living):
    """Each page's footer gives the DOI of every version and this version's, as the journal line does."""
    footer = f"DOI: 10.37421/2572-0791.2025.11.212 (all versions) · Version 2.0.0, DOI: {VERSION_DOI}"
    pages = [" ".join(page.extract_text().split()) for page in PdfReader(living / "review.pdf").pages]
    assert len(pages) > 1 and all(footer in text for text in pages)


def test_the_pdf_s_doi_links_are_addresses_of_the_dois_escaped_for_a_url():
    """A DOI may hold characters a URL must escape (SICI DOIs have < > and #): the footer's links are the
    DOIs' addresses as formats.doi_url writes them, as in every other format."""
    from livingreview.stages import formats

    review = {"title": "T", "authors": [{"given": "A", "family": "B"}], "dates": {"published": "2026-01-02"},
              "doi": "10.1002/(SICI)1097-0258(19990330)18:6<695::AID-SIM60>3.0.CO;2-O", "version": "2.0.0",
              "version_doi": "10.5555/x#v2"}
    variables = formats.pdf_variables(review)
    assert variables["pdf-doi-url"] == formats.typst_string(
        "https://doi.org/10.1002/(SICI)1097-0258(19990330)18:6%3C695::AID-SIM60%3E3.0.CO;2-O")
    assert variables["pdf-version-doi-url"] == formats.typst_string("https://doi.org/10.5555/x%23v2")


def test_no_doi_of_the_pdf_s_journal_line_is_broken_across_lines():
    """The Metapsy release's journal line is longer than the page is wide: it wraps between its parts, never
    inside a DOI nor between "DOI:" and the DOI (each in a Typst box, templates/pdf/template.typ)."""
    pdf = ROOT / "examples" / "metapsy-depression" / "output" / "review.pdf"
    lines = PdfReader(pdf).pages[0].extract_text().splitlines()
    for doi in ("10.5555/livingreview.metapsy-depression", "10.5555/livingreview.metapsy-depression.v2"):
        assert any(f"DOI: {doi}" in line for line in lines), doi
    assert not any(line.rstrip().endswith(("DOI:", "10.5555/")) for line in lines)
