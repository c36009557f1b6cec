"""The Metapsy review (examples/metapsy-depression, kind meta-analysis) built end to end: one
shared build of the committed release, then one more build with the author's decisions, and
release 24.0.2 imported and assembled in process."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import copy_project, output_hashes, run_cli, run_snakemake
from in_process import working_directory
from livingreview.citations import cited_keys
from livingreview.importers import metapsy
from livingreview.project import SECTIONS
from livingreview.stages import article, evidence, sections

ROOT = Path(__file__).resolve().parents[1]
NAME = "examples/metapsy-depression"
REVIEW_FILES = ["config", "data", "references.bib", "templates", "import-report.md"]


def copy_metapsy(target: Path, sources: bool = False, output: bool = False) -> Path:
    """A project in *target*: this checkout's pipeline and the Metapsy review folder (with its vendored releases
    when *sources*, its published release when *output*), as a fresh clone has them."""
    copy_project(target)
    for name in REVIEW_FILES + (["sources"] if sources else []) + (["output"] if output else []):
        source, copy = ROOT / NAME / name, target / NAME / name
        copy.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, copy)
    return target


@pytest.fixture(scope="session")
def metapsy_built(tmp_path_factory) -> Path:
    """One real build of the Metapsy review (22.0.2) as a fresh clone has it: its sources and its published
    release, with no build folder."""
    project = copy_metapsy(tmp_path_factory.mktemp("metapsy") / "project", output=True)
    result = run_cli(project, "build", NAME, timeout=600)
    assert result.returncode == 0, result.stderr
    return project


def rows(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def reference_numbers(markdown: str) -> list[int]:
    return [int(n) for n in re.findall(r"^::: \{#ref-(\d+) \.reference\}", markdown, flags=re.MULTILINE)]


def test_the_review_lists_every_study_and_the_database_numbered_by_first_appearance(metapsy_built):
    folder = metapsy_built / NAME
    markdown = (folder / "output" / "review.md").read_text(encoding="utf-8")
    studies = rows(folder / "data" / "studies.csv")
    assert reference_numbers(markdown) == list(range(1, len(studies) + 2))
    marked = "\n\n".join((folder / "build" / "sections" / f"{section}.md").read_text(encoding="utf-8")
                         for section in SECTIONS)
    numbers = json.loads((folder / "build" / "citations.json").read_text(encoding="utf-8"))
    first_seen = list(dict.fromkeys(cited_keys(marked)))
    assert [numbers[key] for key in first_seen] == list(range(1, len(studies) + 2))
    assert first_seen[0] == "metapsy-depression-psyctr" and set(first_seen) > {s["key"] for s in studies}
    references = markdown.split("# References")[1]
    assert "Depression: psychotherapy vs. control (Metapsy database depression-psyctr, release 22.0.2)" in \
        references.split("{#ref-2 ")[0]
    assert "J. Aagaard, L. Foldager, A. Makki, V. Hansen, K. Müller-Nielsen. \"The efficacy of psychoeducation on " \
           "recurrent depression: a randomized trial with a 2-year follow-up.\" *Nord J Psychiatry* 71 (2017):223-229." \
           in references


def test_each_description_paragraph_cites_every_contributing_study(metapsy_built):
    folder = metapsy_built / NAME
    marked = (folder / "build" / "sections" / "description.md").read_text(encoding="utf-8")
    comparisons = rows(folder / "data" / "comparisons.csv")
    paragraphs = {p.split(".**")[0].lstrip("*"): p for p in marked.split("\n\n") if p.startswith("**")}
    for label, column, code in [("Cognitive behavioural therapy", "psychotherapy", "cbt"),
                                ("Interpersonal psychotherapy", "psychotherapy", "ipt"),
                                ("Control arm: waiting list", "control", "wl")]:
        expected = {c["key"] for c in comparisons if c[column] == code}
        assert set(cited_keys(paragraphs[label])) == expected, label
    assert "446 comparisons from 226 trials" in paragraphs["Cognitive behavioural therapy"]


def test_each_psychotherapy_counts_the_participants_of_its_own_arms(metapsy_built):
    """Counted here from comparisons.csv: every arm (trial, condition, arm label) of the therapy's comparisons
    once, with its largest n -- not the whole trial, whose other arms may test another psychotherapy."""
    folder = metapsy_built / NAME
    markdown = (folder / "output" / "review.md").read_text(encoding="utf-8")
    comparisons = rows(folder / "data" / "comparisons.csv")
    labels = {"cbt": "Cognitive behavioural therapy", "sup": "Supportive counselling", "ipt": "Interpersonal psychotherapy"}
    for code, label in labels.items():
        arms: dict[tuple, float] = {}
        for c in (c for c in comparisons if c["psychotherapy"] == code):
            for arm, n in (((c["key"], code, c["arm1"]), c["n_arm1"]), ((c["key"], c["control"], c["arm2"]), c["n_arm2"])):
                if n:
                    arms[arm] = max(arms.get(arm, 0.0), float(n))
        paragraph = markdown.split(f"**{label}.**")[1].split("\n")[0]
        assert f"({round(sum(arms.values())):,} participants)" in paragraph, label
    assert "(24,939 participants)" in markdown and "(1,585 participants)" in markdown


def test_introduction_and_table_count_from_the_tables(metapsy_built):
    markdown = (metapsy_built / NAME / "output" / "review.md").read_text(encoding="utf-8")
    assert "release 22.0.2, whose literature search ran until 1 January 2022" in markdown
    assert "This version includes 415 trials with 826 comparisons" in markdown
    assert "and 47,241 participants in the analysed arms of the 412 trials that report them" in markdown
    assert "published between 1977 and 2021" in markdown
    assert "| Country | the United States | 128 | 31 |" in markdown
    assert "| Risk of bias | 4 of 4 criteria at low risk | 145 | 35 |" in markdown


def test_html_and_pdf_hold_the_whole_review(metapsy_built):
    from pypdf import PdfReader

    output = metapsy_built / NAME / "output"
    html = (output / "review.html").read_text(encoding="utf-8")
    assert len(re.findall(r'<div id="ref-\d+" class="reference">', html)) == 416
    pages = [page.extract_text() for page in PdfReader(output / "review.pdf").pages]
    assert len(pages) > 20
    assert "Table 1. Characteristics of the included trials" in "".join(pages)
    assert all(f"{n} of {len(pages)}" in text for n, text in enumerate(pages, start=1))
    assert all("Example A. LR Examples 1 (2026):2." in text for text in pages[1:])
    assert "Müller-Nielsen" in "".join(pages) and "Dávila-Román" in "".join(pages)


def test_only_citation_groups_may_break_after_a_comma_in_the_pdf(metapsy_built):
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(metapsy_built / NAME / "output" / "review.pdf").pages)
    words = " ".join(text.split())
    assert "30,889 records" in words and "47,241 participants" in words  # searchable and copyable as printed
    assert "\u200b" not in text
    assert re.search(r"\[5,8,10-16,21,[\d,-]*\d,\n\d", text)  # a long citation group breaks after a comma
    typst = (metapsy_built / NAME / "build" / "review.typ").read_text(encoding="utf-8")
    groups = re.compile(r"\\\[(?:#link\(<ref-\d+>\)\[\d+\][,-]\u200b?)+#link\(<ref-\d+>\)\[\d+\]\\\]")
    assert "\u200b" in typst and "\u200b" not in groups.sub("", typst)


def test_plain_snakemake_reads_the_review_folder(metapsy_built):
    result = run_snakemake(metapsy_built, "-n", "-d", NAME)
    assert result.returncode == 0, result.stderr
    assert "Nothing to be done" in result.stdout + result.stderr


def test_decisions_exclude_and_retract_studies_and_the_changes_report_says_so(metapsy_built, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(metapsy_built, project)
    folder = project / NAME
    shutil.rmtree(folder / "build")
    review = folder / "data" / "review.yaml"
    review.write_text(review.read_text(encoding="utf-8").replace('version: "1.0.0"', 'version: "1.1.0"'),
                      encoding="utf-8")
    (folder / "data" / "decisions.csv").write_text(
        "key,status,reason\nabas2018,excluded,not a depression trial\nzhao2019,retracted,retraction notice 2024\n",
        encoding="utf-8")
    result = run_cli(project, "build", NAME, timeout=600)
    assert result.returncode == 0, result.stderr
    markdown = (folder / "output" / "review.md").read_text(encoding="utf-8")
    assert reference_numbers(markdown)[-1] == 414
    assert "This version includes 413 trials" in markdown
    assert "1 trial of the release was excluded by the authors of this review, and 1 trial was retracted" in markdown
    changes = (folder / "output" / "changes.md").read_text(encoding="utf-8")
    assert "1 removed, 1 retracted" in changes
    assert "(abas2018)" in changes.split("## Studies retracted")[0] and "(zhao2019)" in changes


def test_a_decision_on_an_unknown_study_is_named_and_nothing_is_published(metapsy_built, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(metapsy_built, project)
    folder = project / NAME
    (folder / "data" / "decisions.csv").write_text("key,status,reason\nabas2081,excluded,typo\n", encoding="utf-8")
    before = output_hashes(folder)
    result = run_cli(project, "build", NAME, timeout=600)
    assert result.returncode == 1
    assert ('data/decisions.csv, row 1 (line 2), key abas2081: there is no study "abas2081" in data/studies.csv. '
            'Did you mean "abas2018"?') in result.stderr
    assert output_hashes(folder) == before


def test_release_24_imports_and_assembles_with_480_studies(tmp_path):
    project = copy_metapsy(tmp_path / "project", sources=True)
    folder = project / NAME
    result = run_cli(project, "import", "--review", NAME, "--release", "24.0.2")
    assert result.returncode == 0, result.stderr
    assert "900 rows, 480 studies" in result.stderr
    assert metapsy.DECISIONS not in result.stderr  # the author's file is kept
    build = folder / "build"
    with working_directory(folder):
        evidence.load_meta_analysis(studies="data/studies.csv", comparisons="data/comparisons.csv",
                                    decisions="data/decisions.csv", database="data/database.yaml",
                                    review="data/review.yaml", bibliography="references.bib",
                                    out=str(build / "evidence.json"), log=str(build / "log"))
        folders = ["templates", str(ROOT / "templates")]
        for section in SECTIONS:
            sections.render_meta_analysis(section=section, evidence=str(build / "evidence.json"), templates=folders,
                                          out=str(build / f"{section}.md"), log=str(build / "log"))
        article.assemble(evidence=str(build / "evidence.json"), sections=[str(build / f"{s}.md") for s in SECTIONS],
                         templates=folders, style="seed", defaults={}, out=str(build / "review.md"),
                         citations=str(build / "citations.json"), citeproc=str(build / "citeproc"),
                         log=str(build / "log"))
    markdown = (build / "review.md").read_text(encoding="utf-8")
    assert reference_numbers(markdown) == list(range(1, 482))
    assert "release 24.0.2, whose literature search ran until 1 January 2024" in markdown
    assert "This version includes 480 trials with 900 comparisons" in markdown
