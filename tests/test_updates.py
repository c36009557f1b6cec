"""Evidence updates end to end through the real DAG: add, revise, retract; the
changes report against the published release; the jobs Snakemake would run."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import copy_project, run_cli, run_snakemake
from test_pipeline import NEW_STUDY_BIB, NEW_STUDY_ROW
from textcheck import markdown_text, sections


def replace_in(path: Path, old: str, new: str) -> None:
    """Replace the one occurrence of *old* in the file at *path*."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not in {path} exactly once"
    path.write_text(text.replace(old, new), encoding="utf-8")


def set_version(project: Path, version: str) -> None:
    path = project / "data" / "review.yaml"
    path.write_text(re.sub(r'(?m)^version: ".*"$', f'version: "{version}"', path.read_text(encoding="utf-8")),
                    encoding="utf-8")


def set_cell(project: Path, table: str, key: str, column: str, value: str | Callable[[str], str]) -> None:
    """Set one cell of data/<table>.csv (the row whose first column is *key*) to *value*, or to
    *value(old value)*."""
    path = project / "data" / f"{table}.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    (row,) = [r for r in rows if next(iter(r.values())) == key]
    row[column] = value(row[column]) if callable(value) else value
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def add_study(project: Path) -> None:
    """Lindqvist 2025, a randomized trial of the fifth theme (neurobiology)."""
    with open(project / "references.bib", "a", encoding="utf-8") as bib:
        bib.write(NEW_STUDY_BIB)
    with open(project / "data" / "studies.csv", "a", encoding="utf-8") as table:
        table.write(NEW_STUDY_ROW)


def outputs(project: Path) -> dict[str, bytes]:
    folder = project / "output"
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def build(project: Path) -> tuple[subprocess.CompletedProcess, dict[str, bytes]]:
    result = run_cli(project, "build")
    return result, outputs(project)


def text_of(files: dict[str, bytes], name: str) -> str:
    return files[name].decode("utf-8")


def blocks(markdown: str) -> list[str]:
    return [b.strip() for b in re.split(r"\n\s*\n", markdown) if b.strip()]


def dry_run(project: Path) -> dict[str, list[str]]:
    """The jobs ``snakemake -n`` would run (as the CLI runs it), each with its outputs; ``all`` left out."""
    result = run_snakemake(project, "-n", "--nolock")
    assert result.returncode == 0, result.stdout + result.stderr
    jobs: dict[str, list[str]] = {}
    name = None
    for line in (result.stdout + result.stderr).splitlines():
        header = re.match(r"^(?:local)?rule (\w+):$", line)
        if header:
            name = header.group(1)
            jobs[name] = []
        elif name and line.startswith("    output: "):
            jobs[name] = line.split(": ", 1)[1].split(", ")
        elif name and line.startswith("    wildcards: "):
            jobs[f"{name}[{line.split(': ', 1)[1]}]"] = jobs.pop(name)
            name = f"{name}[{line.split(': ', 1)[1]}]"
    if not jobs:
        assert "Nothing to be done" in result.stdout + result.stderr
    jobs.pop("all", None)
    return jobs


# --- add a study, rebuild, retract another: one project through three versions ---

@pytest.fixture(scope="module")
def evolution(tmp_path_factory, example_release) -> dict:
    """The shipped review (1.0.0), then 1.1.0 (a study added in the fifth theme), what Snakemake
    would run right after publishing it, a rebuild, then 1.2.0 (the other study of that theme
    retracted)."""
    project = copy_project(tmp_path_factory.mktemp("evolution") / "project", example_release)
    stages = {"published": outputs(project)}
    add_study(project)
    set_version(project, "1.1.0")
    stages["added"] = build(project)
    stages["dry run"] = dry_run(project)
    stages["rebuilt"] = build(project)
    set_cell(project, "studies", "solberg2022", "status", "retracted")
    set_version(project, "1.2.0")
    stages["retracted"] = build(project)
    return stages


def test_an_added_study_is_cited_at_its_theme_and_every_count_follows(evolution):
    result, files = evolution["added"]
    assert result.returncode == 0, result.stderr
    parts = sections(markdown_text(text_of(files, "review.md")))
    intro = [int(n) for n in re.findall(r"\[(\d+)\]", parts["Introduction"])]
    assert intro == list(range(1, 12))
    assert "Both normalised limbic activity within twelve weeks [6]." in parts["Introduction"]
    assert "Table 1 summarises the eleven included studies: three randomized controlled trials, two comparative " \
           "studies, one follow-up study," in parts["Description"]
    assert "brain structure and function [5,6]." in parts["Conclusion"]
    assert "Version: 1.1.0" in text_of(files, "review.md").replace("*", "")
    assert "Version 1.1.0" in text_of(files, "review.html")


def test_the_report_of_an_added_study(evolution):
    _, files = evolution["added"]
    report = text_of(files, "changes.md")
    assert report.startswith("# Changes from version 1.0.0 to version 1.1.0\n")
    assert "- **Studies:** 1 [added](#studies-added), 0 [removed](#studies-removed), 0 [retracted](#studies-retracted), " \
           "0 [revised](#studies-revised)." in report
    assert "- **References:** 10 before, 11 now ([reference numbers](#reference-numbers))." in report
    assert ("- **Lindqvist and Nyström 2025** (lindqvist2025), “Brain Network Changes after Psychotherapy and "
            "Antidepressants: A Randomized Imaging Trial”, theme: Neural mechanisms. Now reference 6.") in report
    for row in ("| Solberg et al. 2022 | solberg2022 | 5 | 5 |", "| Lindqvist and Nyström 2025 | lindqvist2025 | — | 6 |",
                "| Eriksen et al. 2023 | eriksen2023 | 6 | 7 |", "| Olsen et al. 2023 | olsen2023 | 10 | 11 |"):
        assert row in report
    assert "**Introduction, paragraph 6** (added). Cites: \\[6\\] lindqvist2025." in report
    assert "Table 1 summarises the ~~ten~~ **eleven** included studies: **three randomized controlled trials,**" \
           in report
    # The Conclusion's words did not change, only the studies it cites: named, not diffed.
    assert "- Conclusion, paragraph 1: now also cites Lindqvist and Nyström 2025." in report
    assert "**References, lindqvist2025** (added)" in report and "Version: ~~1.0.0~~ **1.1.0**" in report
    page = text_of(files, "changes.html")
    assert re.search(r'<h1 id="[^"]+">Changes from version 1.0.0 to version 1.1.0</h1>', page)
    assert "the <del>ten</del> <strong>eleven</strong> included studies" in page
    snapshot = json.loads(files["evidence.json"])
    assert (snapshot["baseline"]["version"], snapshot["snapshot"]["version"]) == ("1.0.0", "1.1.0")
    assert snapshot["snapshot"]["numbering"]["lindqvist2025"] == 6


def test_rebuilding_a_release_changes_nothing(evolution):
    result, files = evolution["rebuilt"]
    assert result.returncode == 0, result.stderr
    assert "nothing to be done; the published release is up to date" in result.stdout
    assert files == evolution["added"][1]  # the report still compares 1.1.0 with 1.0.0, byte for byte


def test_after_publishing_snakemake_has_nothing_to_do(evolution):
    assert evolution["dry run"] == {}


def test_a_retracted_study_leaves_the_text_and_the_numbering_closes_up(evolution):
    result, files = evolution["retracted"]
    assert result.returncode == 0, result.stderr
    md = text_of(files, "review.md")
    assert "Solberg" not in md and "neurobiological underpinnings" not in md
    parts = sections(markdown_text(md))
    assert [int(n) for n in re.findall(r"\[(\d+)\]", parts["Introduction"])] == list(range(1, 11))
    assert "within twelve weeks [5]." in parts["Introduction"]
    assert '5. Å. Lindqvist, E. Nyström.' in parts["References"] and "10. M. Olsen" in parts["References"]
    assert not re.search(r"\b11\. [A-Z]\. ", parts["References"])
    report = text_of(files, "changes.md")
    assert report.startswith("# Changes from version 1.1.0 to version 1.2.0\n")
    assert ("## Studies retracted\n\n- **Solberg et al. 2022** (solberg2022), “Neural Mechanisms of Antidepressant "
            "Medication and Psychotherapy: A Comparative Review”, theme: Neural mechanisms. Retracted: removed from "
            "the text and the reference list. Was reference 5.") in report
    for row in ("| Moen et al. 2024 | moen2024 | 4 | 4 |", "| Lindqvist and Nyström 2025 | lindqvist2025 | 6 | 5 |",
                "| Olsen et al. 2023 | olsen2023 | 11 | 10 |", "| Solberg et al. 2022 | solberg2022 | 5 | — |"):
        assert row in report
    assert "**Introduction, paragraph 5** (removed). Cites: solberg2022 (was \\[5\\])." in report
    assert "- Conclusion, paragraph 1: no longer cites Solberg et al. 2022." in report


# --- revise -------------------------------------------------------------------------

def test_revising_a_finding_changes_exactly_its_paragraph(project):
    before = outputs(project)
    set_cell(project, "studies", "kristiansen2021", "description",
             lambda old: old.replace("might offer more durable protection", "offer more durable protection"))
    set_version(project, "1.0.1")
    result, after = build(project)
    assert result.returncode == 0, result.stderr
    changed = [b for b in blocks(text_of(after, "review.md")) if b not in blocks(text_of(before, "review.md"))]
    assert len(changed) == 3, changed  # the front matter, the finding's paragraph, the back matter's version
    assert changed[0].startswith("---") and "version: 1.0.1" in changed[0]
    assert "psychotherapy offer more durable protection" in changed[1] and changed[1].endswith("\\[[3](#ref-3)\\].")
    assert changed[2] == "**Version:** 1.0.1"
    report = text_of(after, "changes.md")
    assert report.startswith("# Changes from version 1.0.0 to version 1.0.1\n")
    assert "0 [retracted](#studies-retracted), 1 [revised](#studies-revised)." in report
    assert ("- **Kristiansen et al. 2021** (kristiansen2021), “Long-Term Efficacy of Pharmacotherapy Versus "
            "Psychotherapy for Recurrent Depression: A 5-Year Follow-Up Study”, theme: Long-term outcomes in "
            "recurrent depression. Reference 3.\n  - *description* (data/studies.csv)\n    - old: ~~The results")\
        in report
    assert "- **Text:** 2 paragraphs or table rows reworded, 0 added, 0 removed; 0 cite other studies with the " \
           "same words; 0 more paragraphs differ only" in report
    assert "**Description, paragraph 3** (changed). Cites: \\[3\\] kristiansen2021." in report
    assert "acquired through psychotherapy ~~might~~ offer more durable protection" in report


def test_revising_a_characteristic_and_a_bib_field_changes_their_sentences_and_reference(project):
    before = outputs(project)
    set_cell(project, "studies", "kristiansen2021", "design", "cohort-study")
    replace_in(project / "references.bib", "A 5-Year Follow-Up Study}", "A Five-Year Cohort Study}")
    set_version(project, "1.0.1")
    result, after = build(project)
    assert result.returncode == 0, result.stderr
    changed = [b for b in blocks(text_of(after, "review.md")) if b not in blocks(text_of(before, "review.md"))]
    # the front matter's and the back matter's version, Table 1's summary, Table 1 (its third row), reference 3
    assert len(changed) == 5, changed
    changed = [block for block in changed if "1.0.1" not in block]
    assert "one follow-up study" not in changed[0] and "one cohort study" in changed[0]
    assert "| \\[[3](#ref-3)\\] | cohort study |" in changed[1]
    assert changed[2].startswith("3\\. P. Kristiansen") and "A Five-Year Cohort Study." in changed[2]
    report = text_of(after, "changes.md")
    assert report.startswith("# Changes from version 1.0.0 to version 1.0.1\n")
    assert ("  - *design* (data/studies.csv)\n    - old: ~~follow-up-study~~\n    - new: **cohort-study**\n"
            "  - *title* (references.bib)\n    - old: ~~Long-Term Efficacy") in report
    assert "**Description, Table 1 row \\[kristiansen2021\\]** (changed). Cites: \\[3\\] kristiansen2021." in report
    assert "**References, kristiansen2021** (changed)" in report and "~~5-Year Follow-Up~~ **Five-Year Cohort**" in report


# --- retract or exclude the last support of a statement ----------------------------------

def test_retracting_the_only_support_of_a_statement_stops_the_build_until_the_author_fixes_it(project):
    before = outputs(project)
    set_cell(project, "studies", "hansen2021", "status", "retracted")
    set_version(project, "1.1.0")
    result, after = build(project)
    assert result.returncode == 1
    assert ('the conclusion statement "From an economic perspective, psychotherapy can be more cost-effective '
            'long-term." has lost its evidence: no included study of theme "cost-effectiveness"') in result.stderr
    assert "theme cost-effectiveness" in result.stderr and "output/ was left unchanged" in result.stderr
    assert after == before
    # The author drops the statement: the build goes through, the numbering closes up.
    set_cell(project, "themes", "cost-effectiveness", "statement", "")
    set_cell(project, "themes", "cost-effectiveness", "conclusion_order", "")
    result, after = build(project)
    assert result.returncode == 0, result.stderr
    parts = sections(markdown_text(text_of(after, "review.md")))
    assert "From an economic perspective" not in parts["Conclusion"]
    assert "Cost-Effectiveness of Pharmacotherapy" not in parts["References"]
    assert "7. A. Petersen" in parts["References"] and "9. M. Olsen" in parts["References"]
    report = text_of(after, "changes.md")
    assert "Retracted: removed from the text and the reference list. Was reference 7." in report
    assert "| Petersen et al. 2024 | petersen2024 | 8 | 7 |" in report
    assert ("- **cost-effectiveness**\n  - *conclusion\\_order* (data/themes.csv)\n    - old: ~~7~~\n"
            "    - new: (empty)\n  - *statement* (data/themes.csv)\n    - old: ~~From an economic perspective")\
        in report


# --- what Snakemake re-runs -------------------------------------------------------------

def test_dry_run_lists_only_the_jobs_a_conclusion_template_edit_affects(project):
    committed = outputs(project)
    result, rebuilt = build(project)
    assert result.returncode == 0, result.stderr
    for name in ("evidence.json", "changes.md", "changes.html"):  # a fresh copy reproduces the committed report
        assert rebuilt[name] == committed[name], f"output/{name} is not reproduced by a build (run make review)"
    assert dry_run(project) == {}
    with open(project / "templates" / "sections" / "conclusion.md.j2", "a", encoding="utf-8") as template:
        template.write("{# an edit #}\n")
    jobs = dry_run(project)
    # The jobs that hash and publish the release follow any change.
    assert sorted(jobs) == ["article", "changes", "docx", "html", "jats", "manifest", "markdown", "pdf", "publish",
                            "sections[section=conclusion]", "snapshot"]
