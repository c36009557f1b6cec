"""Any CSL style formats the references (and, for an author-date style, the citations) through pandoc's
citeproc: our BibTeX entries as CSL items, and real builds with the APA and AMA styles of the CSL project
(tests/fixtures/csl/), compared with what pandoc makes of the same style from references.bib read by
pandoc itself (a held-out rendering: none of our reading, decoding or conversion is involved)."""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import pypandoc
import pytest
from conftest import ROOT, copy_project, run_cli
from in_process import run_stages
from journal import docx_text, read_jats, text_of
from livingreview.bibtex import bibliography_and_problems
from livingreview.citations import cited_keys
from livingreview.csl import csl_item, references_meta, references_metadata, sentence_case
from livingreview.records import Name, Reference
from pypdf import PdfReader

STYLES = ROOT / "tests" / "fixtures" / "csl"
# Reference 1 of the example (johnsen2023) as each style formats it (APA 7: sentence-case title, italic journal
# and volume, en dash; AMA 11: numbered, initials without periods, year;volume:pages).
APA_REFERENCE = ("Johnsen, B., Hansen, K., & Olsen, A. (2023). Comparing medication and psychotherapy outcomes in "
                 "depression: A systematic review and meta-analysis. Clinical Depression, 15, 112–125.")
AMA_REFERENCE = ("1. Johnsen B, Hansen K, Olsen A. Comparing medication and psychotherapy outcomes in depression: "
                 "A systematic review and meta-analysis. Clinical Depression. 2023;15:112-125.")


def plain(markdown: str) -> str:
    """Markdown as the plain text a reader sees, on one line."""
    text = pypandoc.convert_text(markdown, "plain", format="markdown-smart", extra_args=["--wrap=none"])
    return " ".join(text.split())


def held_out(style: Path, bibliography: Path, citation: str = "") -> str:
    """What pandoc alone makes of *bibliography* (read by pandoc's BibTeX reader) with the CSL *style*:
    the citation *citation* (``@key``) if given, else the bibliography entry of johnsen2023."""
    document = (f"{citation}\n" if citation else "---\nnocite: '@johnsen2023'\n---\n\n::: {#refs}\n:::\n")
    text = pypandoc.convert_text(document, "plain", format="markdown-smart",
                                 extra_args=["--citeproc", f"--bibliography={bibliography}", f"--csl={style}",
                                             "--wrap=none", *(["--metadata=suppress-bibliography"] if citation else [])])
    return " ".join(text.split())


def reference_block(markdown: str, author: str) -> str:
    """The text of the entry of the reference list of review.md that names *author*."""
    blocks = re.findall(r"::: \{#ref-\d+ \.reference\}\n(.*?)\n:::", markdown, re.DOTALL)
    return next(block.strip() for block in blocks if author in block)


# --- CSL items ---------------------------------------------------------------------------

@pytest.mark.parametrize("title, protected, expected", [
    ("Comparing Medication and Psychotherapy: A Systematic Review", [],
     "Comparing medication and psychotherapy: A systematic review"),
    ("Cognitive Behavioral Therapy Versus SSRIs for Depression", ["SSRIs"],
     "Cognitive behavioral therapy versus SSRIs for depression"),
    ("CBT and SSRIs in Norway", [], "CBT and SSRIs in norway"),  # capitals inside a word are kept
    ("Life in Norway", ["Norway"], "Life in Norway"),  # a proper noun is protected by braces
    ("Long-Term Efficacy: A 5-Year Follow-Up Study", [], "Long-term efficacy: A 5-year follow-up study"),
    ("Alliance in Psychotherapy vs. Medication Adherence", [], "Alliance in psychotherapy vs. Medication adherence"),
    ("Meta-analysis: pitfalls and hints", [], "Meta-analysis: Pitfalls and hints"),  # a subtitle starts a sentence
    ("Sample Size: A Method for More Accurate Power", ["A"], "Sample size: A method for more accurate power"),
])
def test_sentence_case_keeps_what_braces_and_capitals_protect(title, protected, expected):
    assert sentence_case(title, protected) == expected


def one(bibtex: str) -> Reference:
    references, problems = bibliography_and_problems(bibtex)
    assert problems == []
    return next(iter(references.values()))


def test_csl_item_from_a_bibtex_article():
    ref = one(r"""@article{k, author = {van Aert, Robbie C. M. and M{\"u}ller, Hans-Peter and {World Health Organization}},
                  title = {Treating {Norwegian} Adults}, journal = {J Clin}, volume = {15}, number = {2},
                  pages = {112--125}, year = {2023}, month = mar, doi = {10.1000/x_1}}""")
    assert csl_item(ref) == {
        "id": "k", "type": "article-journal", "title": "Treating Norwegian adults", "container-title": "J Clin",
        "volume": "15", "issue": "2", "page": "112-125", "DOI": "10.1000/x_1",
        "author": [{"family": "Aert", "given": "Robbie C. M.", "non-dropping-particle": "van"},
                   {"family": "Müller", "given": "Hans-Peter"}, {"literal": "World Health Organization"}],
        "issued": {"date-parts": [[2023, 3]]}}
    assert csl_item(ref, in_sentence_case=False)["title"] == "Treating Norwegian Adults"


def test_csl_item_types_containers_and_dates():
    chapter = one("@incollection{c, author={Doe, J.}, title={T}, booktitle={The Book}, publisher={P}, "
                  "address={Oslo}, editor={Roe, R.}, year={in press}}")
    item = csl_item(chapter)
    assert item["type"] == "chapter"
    assert (item["container-title"], item["publisher"], item["publisher-place"]) == ("The Book", "P", "Oslo")
    assert item["editor"] == [{"family": "Roe", "given": "R."}] and item["issued"] == {"literal": "in press"}
    thesis = csl_item(one("@phdthesis{t, author={Doe, J.}, title={T}, school={U}, date={2021-05-17}}"))
    assert (thesis["type"], thesis["genre"], thesis["publisher"]) == ("thesis", "PhD thesis", "U")
    assert thesis["issued"] == {"date-parts": [[2021, 5, 17]]}
    assert csl_item(one("@misc{m, title={T}}"))["type"] == "document"
    others = csl_item(one("@article{o, author={Doe, J. and others}, title={T}, journal={J}, year={2020}}"))
    assert others["author"] == [{"family": "Doe", "given": "J."}]  # "and others" names no one


def test_text_from_the_bibliography_reaches_the_reference_literally(tmp_path):
    title = "Using *stars*, <b>tags</b>, $x$, @key and [1](#link) & 100%"
    ref = Reference("k", "article", 1, {"title": title, "journal": "J_1", "year": "2020"}, [Name("Doe", "J.")])
    metadata = tmp_path / "references.yaml"
    metadata.write_text(references_metadata([ref], in_sentence_case=False), encoding="utf-8")
    text = pypandoc.convert_text("[@k]\n\n::: {#refs}\n:::\n", "plain", format="markdown-smart",
                                 extra_args=["--citeproc", f"--metadata-file={metadata}", "--wrap=none",
                                             f"--csl={STYLES / 'apa.csl'}"])
    assert title in " ".join(text.split()) and "J_1" in text


def test_text_from_the_bibliography_reaches_the_jats_reference_literally():
    title = "Using *stars*, <b>tags</b>, $x$, @key and [1](#link) & 100%"
    ref = Reference("k", "article", 1, {"title": title, "journal": "J_1", "year": "2020"}, [Name("Doe", "J.")])
    tree = json.loads(pypandoc.convert_text("::: {#refs}\n:::\n", "json", format="markdown"))
    tree["meta"] = references_meta([ref])
    xml = pypandoc.convert_text(json.dumps(tree), "jats_publishing+element_citations", format="json",
                                extra_args=["--standalone"])
    assert '<ref id="ref-k">' in xml
    assert f"<article-title>{html.escape(title, quote=False)}</article-title>" in xml


# --- builds with CSL styles -----------------------------------------------------------

def with_style(project: Path, style: str) -> Path:
    (project / "styles").mkdir(exist_ok=True)
    shutil.copy(STYLES / style, project / "styles" / style)
    return project


@pytest.fixture(scope="module")
def apa(tmp_path_factory, example_release) -> Path:
    """A real build of the example with the APA style (make review CONFIG="reference_style=styles/apa.csl")."""
    project = with_style(copy_project(tmp_path_factory.mktemp("apa") / "project", example_release), "apa.csl")
    result = run_cli(project, "build", "--config", "reference_style=styles/apa.csl")
    assert result.returncode == 0, result.stderr
    return project


def test_apa_formats_reference_1_as_the_style_does(apa):
    markdown = (apa / "output" / "review.md").read_text(encoding="utf-8")
    ours = plain(reference_block(markdown, "Johnsen, B"))
    assert ours == held_out(apa / "styles" / "apa.csl", apa / "references.bib") == APA_REFERENCE
    assert "*Clinical Depression*, *15*, 112–125." in reference_block(markdown, "Johnsen, B")


def test_apa_cites_author_date_in_every_format_and_orders_the_references_alphabetically(apa):
    cited = held_out(apa / "styles" / "apa.csl", apa / "references.bib", "[@johnsen2023]")
    assert cited == "(Johnsen et al., 2023)"
    output = apa / "output"
    markdown = (output / "review.md").read_text(encoding="utf-8")
    # the entries are anchored by their place in the (alphabetical) list, where the citations link
    assert "success ([Johnsen et al., 2023](#ref-4))." in markdown
    assert "\\[[1](#ref-1)\\]" not in markdown
    entries = re.findall(r"::: \{#ref-(\d+) \.reference\}\n\n(\w+)", markdown)
    assert entries[:2] == [("1", "Andersen"), ("2", "Eriksen")] and len(entries) == 10
    html = (output / "review.html").read_text(encoding="utf-8")
    assert '<a href="#ref-4"' in html and 'id="ref-4" class="reference"' in html
    assert "(Johnsen et al., 2023)" in docx_text(output / "review.docx")
    pdf = " ".join(" ".join(page.extract_text() for page in PdfReader(output / "review.pdf").pages).split())
    assert "(Johnsen et al., 2023)" in pdf and APA_REFERENCE.replace("–", "-")[:60] in pdf.replace("–", "-")
    jats = read_jats(output / "review.jats.xml").getroot()
    first = next(x for x in jats.find("body").iter("xref") if x.get("ref-type") == "bibr")
    assert (first.get("rid"), text_of(first)) == ("ref-johnsen2023", "Johnsen et al., 2023")
    assert len(jats.findall("back/ref-list/ref")) == 10
    title = jats.find("back/ref-list/ref[@id='ref-johnsen2023']/element-citation/article-title")
    assert text_of(title).startswith("Comparing Medication and Psychotherapy")  # as the bibliography has it


def test_a_csl_release_records_its_style_and_verifies(apa):
    manifest = json.loads((apa / "output" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["options"] == {"reference_style": "styles/apa.csl"}
    assert "styles/apa.csl" in manifest["inputs"]
    assert "references/seed.csl" not in " ".join(manifest["inputs"])
    result = run_cli(apa, "verify")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("PASS: ")


def test_the_snapshot_of_an_author_date_article_cites_by_key(apa, example_release):
    """The snapshot of the APA build (what the changes report compares): each citation is the marker of
    its keys (parentheses and all), so a release that only renames authors or years changes no paragraph;
    the body's paragraphs are those of the numbered release."""
    def paragraphs(output: Path) -> dict[str, list[str]]:
        snapshot = json.loads((output / "evidence.json").read_text(encoding="utf-8"))["snapshot"]
        by_section: dict[str, list[str]] = {}
        for paragraph in snapshot["paragraphs"]:
            by_section.setdefault(paragraph["section"], []).append(paragraph["text"])
        return by_section

    seed, ours = paragraphs(example_release), paragraphs(apa / "output")
    for section in ("Introduction", "Description", "Conclusion"):
        assert ours[section] == seed[section], section
        assert not any("et al., 20" in text for text in ours[section])
    numbering = json.loads((apa / "output" / "evidence.json").read_text(encoding="utf-8"))["snapshot"]["numbering"]
    assert [cited_keys(text) for text in ours["References"]] == [[key] for key in sorted(numbering)]


def test_ama_formats_reference_1_as_the_style_does_and_cites_in_superscript(project):
    with_style(project, "american-medical-association.csl")
    style = "styles/american-medical-association.csl"
    run_stages(project, {"reference_style": style}, formats_too=False)
    markdown = (project / "build" / "review.md").read_text(encoding="utf-8")
    ours = plain(reference_block(markdown, "Johnsen B"))
    assert ours == held_out(project / style, project / "references.bib") == AMA_REFERENCE
    assert "success^[1](#ref-1)^." in markdown
    cited = held_out(project / style, project / "references.bib", "success [@johnsen2023].")
    assert plain("success^[1](#ref-1)^.") == cited == "success¹."


def test_check_bib_formats_with_a_csl_file_too():
    result = run_cli(ROOT, "check-bib", "references.bib", "--style", "tests/fixtures/csl/apa.csl", "--show")
    assert result.returncode == 0, result.stderr
    assert "Johnsen, B., Hansen, K., & Olsen, A. (2023)." in result.stdout
    assert "10 formatted with style" in result.stdout


def test_a_quotation_within_a_title_is_set_in_single_quotes(tmp_path):
    """Metapsy reference 20 printed ""Take Care of You" - ...": the style quotes the title, whose own quotation
    then doubled the quote marks. A quotation within a title (straight or curly) is nested in single quotes."""
    ref = one('@article{k, author = {Doe, J.}, title = {"Take Care of You" - Efficacy of self-help: Results of the '
              '“MoodCare” trial}, journal = {J}, year = {2021}}')
    assert csl_item(ref, in_sentence_case=False)["title"] == (
        "‘Take Care of You’ - Efficacy of self-help: Results of the ‘MoodCare’ trial")
    assert csl_item(one('@article{k, title = {A 12" record}, year = {2021}}'))["title"] == 'A 12" record'
    # through pandoc's citeproc with the seed's style (the Metapsy review's): one opening quote, not two
    metadata = tmp_path / "references.yaml"
    metadata.write_text(references_metadata([ref], in_sentence_case=False), encoding="utf-8")
    entry = plain(pypandoc.convert_text(
        "[@k]\n\n::: {#refs}\n:::\n", "markdown", format="markdown-smart",
        extra_args=["--citeproc", f"--csl={ROOT / 'templates' / 'references' / 'seed.csl'}",
                    f"--metadata-file={metadata}", "--wrap=none"]))
    assert "\"'Take Care of You' - Efficacy of self-help: Results of the 'MoodCare' trial.\"" in entry, entry
