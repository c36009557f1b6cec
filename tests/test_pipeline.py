"""End to end through the real DAG: Snakemake, pandoc and Typst."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import copy_project, output_hashes, run_cli, run_snakemake
from pypdf import PdfReader
from textcheck import html_text, markdown_text, sections, seed_references, unmatched_sentences

EXPECTED = Path(__file__).resolve().parent / "expected"


def compare_with_golden(name: str, actual: str) -> None:
    """Compare with tests/expected/NAME; a missing golden file is written and the test fails."""
    golden = EXPECTED / name
    if not golden.exists():
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
        pytest.fail(f"wrote missing golden file {golden}; check it and commit it")
    assert actual == golden.read_text(encoding="utf-8"), f"{name} differs from {golden}"


def release(project: Path, name: str) -> Path:
    return project / "output" / name


def test_markdown_matches_golden(built_project):
    compare_with_golden("review.md", release(built_project, "review.md").read_text(encoding="utf-8"))


def test_html_matches_golden(built_project):
    compare_with_golden("review.html", release(built_project, "review.html").read_text(encoding="utf-8"))


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


@pytest.mark.parametrize("fmt", ["md", "html", "pdf"])
@pytest.mark.parametrize("section", ["Introduction", "Description", "Conclusion"])
def test_every_seed_sentence_is_regenerated(built_project, fmt, section):
    path = release(built_project, f"review.{fmt}")
    text = {"md": lambda: markdown_text(path.read_text(encoding="utf-8")),
            "html": lambda: html_text(path.read_text(encoding="utf-8")),
            "pdf": lambda: pdf_text(path)}[fmt]()
    assert unmatched_sentences(text, section) == []


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_references_match_the_seed_exactly(built_project, fmt):
    path = release(built_project, f"review.{fmt}")
    raw = path.read_text(encoding="utf-8")
    text = markdown_text(raw) if fmt == "md" else html_text(raw)
    refs = sections(text)["References"].split("How to cite this article")[0]
    for number, expected in enumerate(seed_references(), start=1):
        expected = expected.replace("*", "")
        assert f"{number}. {expected}" in refs


def test_citation_numbers_follow_first_appearance(built_project):
    md = release(built_project, "review.md").read_text(encoding="utf-8")
    intro = md.split("# Introduction")[1].split("# Description")[0]
    numbers = [int(n) for n in re.findall(r"\[(\d+)\]\(#ref-", intro)]
    assert numbers == list(range(1, 11))


def test_html_is_standalone_and_linked(built_project):
    html = release(built_project, "review.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in html and 'name="viewport"' in html
    assert not re.search(r'(src|href)="(https?:)?//(?!doi\.org)', html)  # nothing fetched to view it
    assert '<link rel="stylesheet"' not in html and "<script" not in html
    assert html.count('<a href="#ref-') >= 30  # every citation links to its reference
    for n in range(1, 11):
        assert f'id="ref-{n}"' in html
    assert '<meta name="citation_title" content="Depression Treatment: Medication, Psychotherapy, and Beyond">' in html
    assert '<meta name="citation_author" content="Nils Berg">' in html
    assert '<meta name="citation_doi" content="10.37421/2572-0791.2025.11.212">' in html
    assert html.count('name="citation_reference"') == 10


def test_pdf_metadata_fonts_and_pages(built_project):
    reader = PdfReader(release(built_project, "review.pdf"))
    assert reader.metadata.title == "Depression Treatment: Medication, Psychotherapy, and Beyond"
    assert reader.metadata.author == "Nils Berg"
    assert reader.metadata.subject == "https://doi.org/10.37421/2572-0791.2025.11.212 (version 1.0.0)"
    assert reader.metadata["/CreationDate"].startswith("D:20251229")
    text = " ".join(pdf_text(release(built_project, "review.pdf")).split())
    assert "1 of " in text  # page numbers
    for matter in ("Nils Berg", "Department of Psychiatry and Clinical Neuroscience", "How to cite this article",
                   "Address for Correspondence", "Creative Commons Attribution License", "29-Dec-2025",
                   "10.37421/2572-0791.2025.11.212", "Acknowledgement", "Conflict of Interest"):
        assert matter in text
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font["/BaseFont"]
            fonts.add(font["/BaseFont"])
    assert fonts


def test_front_and_back_matter_in_markdown(built_project):
    md = release(built_project, "review.md").read_text(encoding="utf-8")
    assert md.startswith("---\ntitle: 'Depression Treatment: Medication, Psychotherapy, and Beyond'\n")
    for matter in ('**How to cite this article:** Berg, Nils. "Depression Treatment: Medication, Psychotherapy, '
                   'and Beyond." *Clin Depress* 11 (2025):212.',
                   "**Received:** 01-Dec-2025, Manuscript No. cdp-26-185473;",
                   "**Published:** 29-Dec-2025, DOI: 10.37421/2572-0791.2025.11.212"):
        assert matter in md


NEW_STUDY_BIB = """
@article{lindqvist2025,
  author  = {Lindqvist, Åsa and Nyström, Erik},
  title   = {Brain Network Changes after Psychotherapy and Antidepressants: A Randomized Imaging Trial},
  journal = {Biological Psychiatry},
  volume  = {97},
  year    = {2025},
  pages   = {101--110},
}
"""

NEW_STUDY_ROW = ('lindqvist2025,neurobiology,included,randomized-controlled-trial,adults with depression,'
                 'psychotherapy,medication,"A randomized imaging trial compared brain network changes after '
                 'psychotherapy and after antidepressants. Both normalised limbic activity within twelve weeks.",'
                 '"One trial compared brain network changes after psychotherapy and antidepressants directly.",'
                 '"Both treatments normalised limbic activity within twelve weeks."\n')


def test_an_eleventh_study_appears_everywhere_with_the_right_number(project):
    with open(project / "references.bib", "a", encoding="utf-8") as bib:
        bib.write(NEW_STUDY_BIB)
    with open(project / "data" / "studies.csv", "a", encoding="utf-8") as csv:
        csv.write(NEW_STUDY_ROW)
    result = run_cli(project, "build")
    assert result.returncode == 0, result.stderr
    md = (project / "output" / "review.md").read_text(encoding="utf-8")
    text = markdown_text(md)
    parts = sections(text)
    # neurobiology is the fifth theme: the new study comes sixth, after Solberg (5)
    assert "Both normalised limbic activity within twelve weeks [6]." in parts["Introduction"]
    assert "brain network changes after psychotherapy and antidepressants directly [6]." in parts["Description"]
    assert "within twelve weeks [6]." in parts["Description"]
    assert "Neuroimaging studies reveal both treatments impact brain structure and function [5,6]." in parts["Conclusion"]
    assert "cost-effective long-term [8]." in parts["Conclusion"]  # Hansen 2021 moved from 7 to 8
    refs = parts["References"]
    assert '6. Å. Lindqvist, E. Nyström. "Brain Network Changes' in refs
    assert '11. M. Olsen, P. Hansen, K. Johnsen.' in refs and not re.search(r"\b12\. [A-Z]\. ", refs)
    assert "Table 1 summarises the eleven included studies: three randomized controlled trials," in text
    html = (project / "output" / "review.html").read_text(encoding="utf-8")
    assert 'id="ref-11"' in html and "Lindqvist" in html
    pdf = pdf_text(project / "output" / "review.pdf")
    assert "Lindqvist" in pdf and "[5,6]" in pdf


def test_plain_snakemake_builds_and_publishes_the_same_release(built_project, tmp_path):
    """A Snakemake user runs `snakemake` (the workflow profile) and gets what `make review` publishes."""
    project = copy_project(tmp_path / "project")
    result = run_snakemake(project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert output_hashes(project) == output_hashes(built_project)
    # an edit of the data, published in every format by plain snakemake again
    studies = project / "data" / "studies.csv"
    studies.write_text(studies.read_text(encoding="utf-8").replace("recurrent depression", "recurrent low mood"),
                       encoding="utf-8")
    result = run_snakemake(project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "recurrent low mood" in (project / "output" / "review.md").read_text(encoding="utf-8")
    assert "recurrent low mood" in (project / "output" / "review.html").read_text(encoding="utf-8")
    assert "recurrent low mood" in pdf_text(project / "output" / "review.pdf")
    # what a Snakemake user does next: a dry run, and Snakemake's report of the run
    dry = run_snakemake(project, "-n")
    assert dry.returncode == 0 and "Nothing to be done" in dry.stdout + dry.stderr, dry.stdout + dry.stderr
    report = run_snakemake(project, "--report", str(tmp_path / "report.html"))
    assert report.returncode == 0, report.stdout + report.stderr
    assert "review.pdf" in (tmp_path / "report.html").read_text(encoding="utf-8", errors="replace")
