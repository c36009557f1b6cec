"""The Metapsy review (examples/metapsy-depression, kind meta-analysis) built end to end: one shared build
of the committed release (version 2.0.0, database release 24.0.2, compared with version 1.0.0, release
22.0.2), builds with the author's decisions and with a broken conclusion guard, and the worked example
of the update from a fresh clone: import 22.0.2, build, import 24.0.2, build."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import independent_meta
import pytest
from conftest import built_once, cli_environment, copy_project, output_hashes, run_cli, run_snakemake
from journal import docx_text
from livingreview import guards, kinds, pooling
from livingreview.stages.article import written_citations

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
    """One real build of the Metapsy review (version 2.0.0, release 24.0.2) as a fresh clone has it: its sources and its published
    release, with no build folder."""
    with built_once(tmp_path_factory, "metapsy") as (folder, to_build):  # one build for all test workers
        project = folder / "project"
        if to_build:
            copy_metapsy(project, output=True)
            result = run_cli(project, "build", NAME, timeout=600)
            assert result.returncode == 0, result.stderr
    return project


# The works the Methods cite (data/methods-references.bib): Page et al. (PRISMA 2020, cited first in the
# Introduction, for Figure 1), Higgins et al. (the risk-of-bias tool), Viechtbauer (metafor), Paule and Mandel,
# Riley et al. (the prediction interval), Higgins and Thompson, Egger et al., Sterne et al. (Egger's 10 trials),
# Furukawa and Leucht, Guyatt et al. (GRADE), Cuijpers et al.; numbered in the order they are first cited.
METHODS_WORKS = 11


def rows(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def included_comparisons(folder: Path) -> list[dict]:
    """The rows of the review's comparisons.csv whose trial its authors did not exclude (data/decisions.csv:
    the committed review excludes boele2021)."""
    left_out = {d["key"] for d in rows(folder / "data" / "decisions.csv")}
    return [c for c in rows(folder / "data" / "comparisons.csv") if c["key"] not in left_out]


def reference_numbers(markdown: str) -> list[int]:
    return [int(n) for n in re.findall(r"^::: \{#ref-(\d+) \.reference\}", markdown, flags=re.MULTILINE)]


def test_the_review_lists_every_study_and_the_database_numbered_by_first_appearance(metapsy_built):
    folder = metapsy_built / NAME
    markdown = (folder / "output" / "review.md").read_text(encoding="utf-8")
    studies = rows(folder / "data" / "studies.csv")
    # The database, then what the Methods cite (the trials whose risk-of-bias ratings or repeated measurements
    # they discuss, the works of data/methods-references.bib); then the other trials. An excluded trial is not cited.
    left_out = {d["key"] for d in rows(folder / "data" / "decisions.csv")}  # boele2021: excluded, not cited
    assert reference_numbers(markdown) == list(range(1, len(studies) - len(left_out) + 2 + METHODS_WORKS))
    assert len(studies) == 480
    written = "\n\n".join((folder / "build" / "sections" / f"{section}.md").read_text(encoding="utf-8")
                          for section in kinds.get("meta-analysis").sections)
    numbers = json.loads((folder / "output" / "evidence.json").read_text(encoding="utf-8"))["snapshot"]["numbering"]
    first_seen = list(dict.fromkeys(key for group in written_citations(written) for key in group))
    assert [numbers[key] for key in first_seen] == list(range(1, len(studies) - len(left_out) + 2 + METHODS_WORKS))
    assert first_seen[0] == "metapsy-depression-psyctr" and set(first_seen) > {s["key"] for s in studies} - left_out
    assert not left_out & set(first_seen)
    study_keys = {s["key"] for s in studies}
    assert [key for key in first_seen if key not in study_keys][1:] == [
        "page2021prisma", "higgins2011cochrane", "viechtbauer2010metafor", "paule1982consensus",
        "riley2011interpretation", "higgins2002quantifying", "egger1997bias", "sterne2011recommendations",
        "furukawa2011obtain", "guyatt2008grade", "cuijpers2014threshold"]
    references = markdown.split("# References")[1]
    assert "Depression: psychotherapy vs. control (Metapsy database depression-psyctr, release 24.0.2)" in \
        references.split("{#ref-2 ")[0]
    assert "J. Aagaard, L. Foldager, A. Makki, V. Hansen, K. Müller-Nielsen. \"The efficacy of psychoeducation on " \
           "recurrent depression: a randomized trial with a 2-year follow-up.\" *Nord J Psychiatry* 71 (2017):223-229." \
           in references


def test_each_results_paragraph_cites_every_contributing_study(metapsy_built):
    folder = metapsy_built / NAME
    marked = (folder / "build" / "sections" / "results.md").read_text(encoding="utf-8")
    comparisons = included_comparisons(folder)
    paragraphs = {p.split(".**")[0].lstrip("*"): p for p in marked.split("\n\n") if p.startswith("**")}
    for label, column, code in [("Cognitive behavioural therapy", "psychotherapy", "cbt"),
                                ("Interpersonal psychotherapy", "psychotherapy", "ipt"),
                                ("Control arm: waiting list", "control", "wl")]:
        expected = {c["key"] for c in comparisons if c[column] == code}
        assert {key for group in written_citations(paragraphs[label]) for key in group} == expected, label
    assert "258 trials (303 comparisons, 486 effect sizes; 28,438 participants in the 254 trials that report them)" \
        in paragraphs["Cognitive behavioural therapy"]


def test_each_psychotherapy_counts_the_participants_of_its_own_arms(metapsy_built):
    """Counted here from comparisons.csv: every arm (trial, condition, arm label) of the therapy's comparisons
    once, with its largest n -- not the whole trial, whose other arms may test another psychotherapy."""
    folder = metapsy_built / NAME
    markdown = (folder / "output" / "review.md").read_text(encoding="utf-8")
    comparisons = included_comparisons(folder)
    labels = {"cbt": "Cognitive behavioural therapy", "sup": "Supportive counselling", "ipt": "Interpersonal psychotherapy"}
    for code, label in labels.items():
        arms: dict[tuple, float] = {}
        for c in (c for c in comparisons if c["psychotherapy"] == code):
            for arm, n in (((c["key"], code, c["arm1"]), c["n_arm1"]), ((c["key"], c["control"], c["arm2"]), c["n_arm2"])):
                if n:
                    arms[arm] = max(arms.get(arm, 0.0), float(n))
        paragraph = markdown.split(f"**{label}.**")[1].split("\n")[0]
        # summed over the trials that report them (tests/test_trust_claims.py checks which)
        assert re.search(rf" effect sizes[,;] {round(sum(arms.values())):,} participants( in the \d+ trials that "
                         r"report them)?\)", paragraph), label
    assert "28,438 participants in the 254 trials that report them)" in markdown and "1,340 participants)" in markdown


def test_introduction_and_table_count_from_the_tables(metapsy_built):
    markdown = (metapsy_built / NAME / "output" / "review.md").read_text(encoding="utf-8")
    assert "release 24.0.2, whose literature search ran until 1 January 2024" in markdown
    assert ("This version includes 477 trials with 596 comparisons of a psychotherapy arm with a control arm (897 "
            "effect sizes;") in markdown
    assert "and 54,334 participants in the analysed arms of the 470 trials that report them" in markdown
    assert "published between 1977 and 2024" in markdown
    assert "| Country | the United States | 131 | 27 |" in markdown
    assert "| Risk of bias | 4 of 4 criteria at low risk | 182 | 38 |" in markdown


def test_html_and_pdf_hold_the_whole_review(metapsy_built):
    from pypdf import PdfReader

    output = metapsy_built / NAME / "output"
    html = (output / "review.html").read_text(encoding="utf-8")
    assert len(re.findall(r'<div id="ref-\d+" class="reference">', html)) == 478 + METHODS_WORKS
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
    assert "35,518 records" in words and "54,334 participants" in words  # searchable and copyable as printed
    assert "\u200b" not in text
    assert re.search(r"\[\d+(?:[,–]\d+){5,},\n\d", text)  # a long citation group breaks after a comma
    typst = (metapsy_built / NAME / "build" / "review.typ").read_text(encoding="utf-8")
    groups = re.compile(r"\\\[(?:#link\(<ref-\d+>\)\[\d+\](?:,|--)\u200b?)+#link\(<ref-\d+>\)\[\d+\]\\\]")  # -- is Typst's en dash
    assert "\u200b" in typst and "\u200b" not in groups.sub("", typst)


def test_plain_snakemake_reads_the_review_folder(metapsy_built, tmp_path):
    project = tmp_path / "project"  # a copy: the build is shared by the test workers, which copy it too
    shutil.copytree(metapsy_built, project, symlinks=True)
    result = run_snakemake(project, "-n", "-d", NAME)
    assert result.returncode == 0, result.stderr
    assert "Nothing to be done" in result.stdout + result.stderr


def test_decisions_exclude_and_retract_studies_and_the_changes_report_says_so(metapsy_built, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(metapsy_built, project)
    folder = project / NAME
    shutil.rmtree(folder / "build")
    review = folder / "data" / "review.yaml"
    review.write_text(review.read_text(encoding="utf-8").replace('version: "2.0.0"', 'version: "2.1.0"'),
                      encoding="utf-8")
    (folder / "data" / "decisions.csv").write_text(
        "key,status,reason\nabas2018,excluded,not a depression trial\nzhao2019,retracted,retraction notice 2024\n",
        encoding="utf-8")
    result = run_cli(project, "build", NAME, timeout=600)
    assert result.returncode == 0, result.stderr
    markdown = (folder / "output" / "review.md").read_text(encoding="utf-8")
    assert reference_numbers(markdown)[-1] == 479 + METHODS_WORKS
    assert "This version includes 478 trials" in markdown
    assert "1 trial of the release was excluded by the authors of this review, and 1 trial was retracted" in markdown
    changes = (folder / "output" / "changes.md").read_text(encoding="utf-8")
    assert "1 [removed](#trials-removed), 1 retracted" in changes
    assert "(abas2018)" in changes.split("## Trials retracted")[0] and "(zhao2019)" in changes
    synthesis = rows(folder / "output" / "synthesis.csv")
    assert next(r for r in synthesis if r["analysis"] == "overall")["k"] == "478"


def test_a_decision_on_an_unknown_study_is_named_and_a_strict_build_publishes_nothing(metapsy_built, tmp_path):
    """A decision on a study this release does not have (a misspelt key, or a study of a later release: the
    committed decision on boele2021 when version 1.0.0 is built from release 22.0.2) is a warning naming the
    nearest key; a strict build refuses to publish it."""
    project = tmp_path / "project"
    shutil.copytree(metapsy_built, project)
    folder = project / NAME
    decisions = folder / "data" / "decisions.csv"
    decisions.write_text(decisions.read_text(encoding="utf-8") + "abas2081,excluded,typo\n", encoding="utf-8")
    before = output_hashes(folder)
    result = run_cli(project, "build", NAME, "--config", "strict=True", timeout=600)
    assert result.returncode == 1
    assert ('data/decisions.csv, row 4 (line 5), key abas2081: there is no study "abas2081" in data/studies.csv '
            '(this release), so the decision is not used. Did you mean "abas2018"?') in result.stderr
    assert output_hashes(folder) == before



# --- the synthesis: one table, printed as it is -----------------------------------------------------

def synthesis_rows(folder: Path) -> list[dict]:
    return rows(folder / "output" / "synthesis.csv")


def test_the_synthesis_table_is_sorted_with_fixed_decimals_and_in_the_manifest(metapsy_built):
    folder = metapsy_built / NAME
    text = (folder / "output" / "synthesis.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0] == "analysis,level,k,participants,g,ci_low,ci_high,pi_low,pi_high,tau2,i2"
    table = synthesis_rows(folder)
    assert [(r["analysis"], r["level"]) for r in table] == sorted((r["analysis"], r["level"]) for r in table)
    assert {r["analysis"] for r in table} == {"overall", "control", "therapy", "sensitivity"}
    assert {r["level"] for r in table if r["analysis"] == "sensitivity"} == set(pooling.SENSITIVITY_LEVELS)
    assert {r["level"] for r in table if r["analysis"] == "control"} == {"wl", "cau", "other ctr"}
    for row in table:
        assert all(len(row[name].split(".")[1]) == places for name, places in pooling.DECIMALS.items()), row
    manifest = json.loads((folder / "output" / "manifest.json").read_text(encoding="utf-8"))
    assert {f"output/{name}" for name in kinds.get("meta-analysis").all_release_files() if name != "manifest.json"} == \
        set(manifest["outputs"])
    assert {"data/conclusions.csv", "../../templates/pandoc/figures.lua"} <= set(manifest["inputs"])


def test_the_committed_table_agrees_with_an_independent_implementation(metapsy_built):
    comparisons = included_comparisons(metapsy_built / NAME)
    expected = independent_meta.robustness(comparisons)
    for row in synthesis_rows(metapsy_built / NAME):
        other = expected["rows"][(row["analysis"], row["level"])]
        assert int(row["k"]) == other["k"]
        for column in ("g", "ci_low", "ci_high", "pi_low", "pi_high", "tau2"):
            assert abs(float(row[column]) - other[column]) <= 0.5e-4 + 1e-9, (row, column)  # the table's rounding
    egger, *rated = rows(metapsy_built / NAME / "output" / "small_study_effects.csv")  # then the certainty's
    assert (egger["analysis"], egger["level"], egger["test"]) == ("overall", "all", "egger")
    assert int(egger["k"]) == expected["egger"]["k"] == 477
    findings = rows(metapsy_built / NAME / "output" / "summary_of_findings.csv")
    assert [(t["analysis"], t["level"]) for t in rated] == [(f["analysis"], f["level"]) for f in findings
                                                            if f["analysis"] != "overall"]
    assert {t["analysis"] for t in rated} == {"control", "therapy"}  # data/certainty.yaml's analyses
    for column in ("statistic", "limit_g", "ci_low", "ci_high"):
        assert abs(float(egger[column]) - expected["egger"][column]) <= 0.5e-4 + 1e-9, column
    assert abs(float(egger["p"]) - expected["egger"]["p"]) <= 0.5e-6 + 1e-12
    for test in rows(metapsy_built / NAME / "output" / "subgroup_differences.csv"):
        other = expected["between"][test["analysis"]]
        assert int(test["df"]) == other["df"] and abs(float(test["q_between"]) - other["q_between"]) <= 0.5e-4 + 1e-9


def test_every_pooled_number_in_the_text_is_the_tables_rounded_for_print(metapsy_built):
    folder = metapsy_built / NAME
    # a minus sign that begins a number is escaped in Markdown (\\-0.51): the text as it reads
    markdown = (folder / "output" / "review.md").read_text(encoding="utf-8").replace("\\-", "-")
    table2 = markdown.split(": Table 2.")[1].split("# Conclusion")[0]
    labels = {"control": {"wl": "waiting list", "cau": "care as usual", "other ctr": "other control conditions"}}
    for row in synthesis_rows(folder):
        n = guards.text_numbers(row)
        if row["analysis"] == "sensitivity":
            continue  # Table 3
        # participants with the trials they are summed over when some trials do not report them
        cells = (re.escape(f"| {n['k']} | {n['participants']}") + r"(?: \(in \d+ trials\))? "
                 + re.escape(f"| {n['g']} | {n['ci_low']} to {n['ci_high']} | {n['pi_low']} to {n['pi_high']} | "
                             f"{n['tau2']} | {n['i2']} |"))
        assert re.search(cells, table2), row
        if row["analysis"] == "control":
            paragraph = markdown.split(f"**Control arm: {labels['control'][row['level']]}.**")[1].split("\n")[0]
            assert re.search(rf"At the end of treatment, pooled over {int(row['k']):,} trials \({n['participants']} "
                             r"participants in the \d+ trials that report them\): ", paragraph)
            assert (f"trials that report them): g = {n['g']} (95 % CI {n['ci_low']} to {n['ci_high']}; PI "
                    f"{n['pi_low']} to {n['pi_high']}; I² = {n['i2']} %).") in paragraph
    overall = guards.text_numbers(next(r for r in synthesis_rows(folder) if r["analysis"] == "overall"))
    assert (f"**All trials.** Pooled over {overall['k']} trials ({overall['participants']} participants in the 470 "
            f"trials that report them): g = {overall['g']} (95 % CI "
            f"{overall['ci_low']} to {overall['ci_high']}; PI {overall['pi_low']} to {overall['pi_high']}; I² = "
            f"{overall['i2']} %), τ² = {overall['tau2']}.") in markdown
    conclusion = markdown.split("# Conclusion")[1].split("# Acknowledgement")[0]
    assert (f"was g = {overall['g']} (95 % CI {overall['ci_low']} to {overall['ci_high']}; {overall['k']} "
            "trials)") in conclusion


def test_a_broken_guard_stops_the_build_naming_the_statement_and_leaves_output_alone(metapsy_built, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(metapsy_built, project)
    folder = project / NAME
    conclusions = folder / "data" / "conclusions.csv"
    conclusions.write_text(conclusions.read_text(encoding="utf-8").replace(
        "cbt-effect,4,therapy,cbt,k >= 10 and ci_low > 0,", "cbt-effect,4,therapy,cbt,k >= 10 and ci_low > 0.8,"),
        encoding="utf-8")
    before = output_hashes(folder)
    result = run_cli(project, "build", NAME, timeout=600)
    assert result.returncode == 1, result.stderr
    assert ("error: data/conclusions.csv, row 4 (line 5), statement cbt-effect: the conclusion statement "
            '"Cognitive behavioural therapy, tested in {k} trials, had a pooled g of {g} (95 % CI {ci_low} to {'
            "...\" no longer holds: its condition `k >= 10 and ci_low > 0.8` fails at "
            "`ci_low > 0.8` for the therapy analysis, level cbt, which now has k = 258") in result.stderr
    assert "output/ was left unchanged" in result.stderr
    assert output_hashes(folder) == before


# --- figures --------------------------------------------------------------------------------------------

def test_figures_are_release_files_inline_in_the_page_drawn_in_the_pdf_and_referenced_from_the_markdown(
        metapsy_built):
    from pypdf import PdfReader

    output = metapsy_built / NAME / "output"
    markdown = (output / "review.md").read_text(encoding="utf-8")
    referenced = re.findall(r"^!\[Figure \d\. [^\n]*\]\((figures/[a-z-]+\.svg)\)\{#fig-[a-z-]+\}$", markdown, re.M)
    assert referenced == ["figures/prisma.svg", "figures/forest.svg", "figures/funnel.svg"]
    html = (output / "review.html").read_text(encoding="utf-8")
    assert "<img" not in html and html.count("<svg ") == 3
    for name, title in (("flow", "PRISMA 2020 flow diagram"), ("forest", "Forest plot of the pooled effects")):
        svg = (output / referenced[0 if name == "flow" else 1]).read_text(encoding="utf-8")
        assert svg.startswith("<svg ") and f'role="img" aria-labelledby="{name}-title {name}-desc"' in svg
        assert f'<title id="{name}-title">{title}</title>' in svg and svg in html
        ids = re.findall(r'\bid="([^"]+)"', svg)
        assert ids and all(i.startswith(f"{name}-") for i in ids) and len(ids) == len(set(ids))
    forest = (output / "figures" / "forest.svg").read_text(encoding="utf-8")
    for row in synthesis_rows(metapsy_built / NAME):
        n = guards.text_numbers(row)
        assert f"g = {n['g']} ({n['ci_low']} to {n['ci_high']}), {n['k']} trials, {n['participants']} participants" \
            in forest
    flow = (output / "figures" / "prisma.svg").read_text(encoding="utf-8")
    assert "Records screened (n = 25,309)" in flow and "Trials in the previous version, 1.0.0 (release 22.0.2)" in flow
    assert "400 from version 1.0.0 (12 renamed), 77 new" in flow
    text = "".join(page.extract_text() for page in PdfReader(output / "review.pdf").pages)
    assert "Figure 1. PRISMA 2020 flow diagram" in text and "Figure 2. Pooled effects" in text
    # The tables stand in the order of their numbers in every format made from the Markdown (the page, the PDF).
    captions = ("Table 1. Characteristics", "Table 2. Pooled", "Table 3. Sensitivity", "Table 4. Summary")
    for document in (markdown, html, text):
        places = [document.index(caption) for caption in captions]
        assert places == sorted(places)


FIGURE_SCRIPT = """
import sys
from livingreview.stages import figures
build, output, target = sys.argv[1:]
figures.flow_diagram(evidence=build + "/evidence.json", published=output + "/evidence.json",
                     out=target + "/prisma.svg", picture=target + "/prisma.png", log=target + "/log")
figures.forest_plot(synthesis=output + "/synthesis.csv", out=target + "/forest.svg", picture=target + "/forest.png",
                    log=target + "/log")
figures.funnel_plot(evidence=build + "/evidence.json", synthesis=output + "/synthesis.csv",
                    out=target + "/funnel.svg", picture=target + "/funnel.png", log=target + "/log")
"""


def test_figures_are_the_same_bytes_in_another_folder_time_zone_locale_and_hash_seed(metapsy_built, tmp_path):
    folder = metapsy_built / NAME
    target = tmp_path / "another folder" / "figures"
    target.mkdir(parents=True)
    env = cli_environment(metapsy_built, {"TZ": "Pacific/Chatham", "LC_ALL": "de_DE.UTF-8",
                                          "PYTHONHASHSEED": "4242", "MPLCONFIGDIR": str(tmp_path / "mpl")})
    result = subprocess.run([sys.executable, "-c", FIGURE_SCRIPT, str(folder / "build"), str(folder / "output"),
                             str(target)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    for name in ("prisma.svg", "forest.svg", "funnel.svg"):
        assert (target / name).read_bytes() == (folder / "output" / "figures" / name).read_bytes(), name


# --- the update: 22.0.2 to 24.0.2 ---------------------------------------------------------------------

def test_the_committed_changes_report_describes_the_update_from_22_0_2_to_24_0_2(metapsy_built):
    changes = (metapsy_built / NAME / "output" / "changes.md").read_text(encoding="utf-8")
    assert changes.startswith("# Changes from version 1.0.0 to version 2.0.0")
    new = changes.split("## Summary")[1].split("<details")[0]
    assert len(changes.split("<details")[0].splitlines()) <= 80  # one screen
    assert ("release 24.0.2 of the database, searched until 1 January 2024, replaces release 22.0.2, searched "
            "until 1 January 2022") in new
    assert "414 → 477: 77 [added](#trials-added), 14 [removed](#trials-removed), 0 retracted" in new
    # The Conclusion's paragraphs reworded outside the statements, listed as text (no escaped separator).
    # Every Conclusion paragraph the detail shows (one list), and every certainty rating that changed.
    assert ("the Conclusion reads differently in paragraph 1 (its ranking or the data it names changed, not its "
            "own words); paragraph 2 (its numbers only); paragraph 3 (its numbers only); paragraph 4 (reworded: its own "
            "words changed, not only its numbers) ([changed "
            "paragraphs](#changed-paragraphs)).") in new
    # (a statement whose claim changed with its certainty is named apart: tests/test_compare_meta.py)
    assert ("6 statements read differently ([below](#statements-whose-wording-changed)): 6 only because their numbers "
            "changed. No statement was reworded by the authors, added or removed.") in new
    # the detail's headings of the Conclusion's paragraphs: the summary's labels
    assert "**Conclusion, paragraph 3** (its numbers only)." in changes
    assert ("- **Certainty of the evidence** (Table 4, the summary of findings): Psychotherapy: other psychotherapies, "
            "moderate → low; Psychotherapy: psychodynamic therapy, low → very low "
            "([certainty](#certainty-of-the-evidence)).") in new  # in the order of Table 2
    # why effect sizes were removed: the codes and arms release 24.0.2 no longer has (the editor's review)
    assert ("release 24.0.2 has no effect size with format ush (unguided self-help): 9 removed, in 7 trials (of these "
            "effect sizes, 2 went with the trials removed and 7 were in trials of both versions)") in new
    # Shaw 1977's nondirective arm moved from the control side to the psychotherapy side: another comparison,
    # one effect size removed and one added, both explained by the arm that changed sides
    assert ("the arm other ctr of *Shaw, 1977* changed from control to psychotherapy in release 24.0.2 (as sup): 1 "
            "removed, 1 added. They explain 15 of the 15 effect sizes removed from trials of both versions") in new
    assert "has no arm sup" not in new
    assert ("In the trials of both versions, 12 [revised](#effect-sizes-revised) (g or its standard error changed, "
            "its codes perhaps too), 179 [recoded](#effect-sizes-recoded) (a code changed, g and its standard error "
            "did not), 6 [added]") in new and "15 [removed]" in new
    assert "(shaw1977)" not in changes.split("## Effect sizes revised")[1].split("\n## ")[0]
    # the follow-up effect size of Smit, 2006 that version 1.0.0 did not pool, coded post in 24.0.2
    assert ("*Smit, 2006*, other psy vs cau (other psy (drp) / cau), cidi -adapt. (self-report), post: fu1 → post, "
            "not pooled in version 1.0.0, pooled in version 2.0.0") in new
    # 91: the Data and code statement names each version's own address (release_url) and, from 2.0.0, its
    # changes report
    assert "98 reworded (7 of them also moved), 3 added, 1 removed (" in new
    assert "12 [renamed](#trials-renamed)" in new
    assert "*percent\\_women* is given in another unit in" in new  # a unit change, not revisions
    assert ("- **All trials**: g 0.71 (0.64 to 0.78) → 0.71 (0.65 to 0.77); τ² 0.45 → 0.39; 414 → 477 trials.\n"
            "  - Moved most by: ") in new
    assert ("- **cbt-effect** (therapy, cbt): its numbers changed: 226 → 258, 0.82 → 0.78, 0.70 → 0.69, 0.93 → 0.87, "
            "−0.81 → −0.55, 2.45 → 2.11.") in new
    renamed = changes.split("## Trials renamed")[1].split("\n## ")[0]
    assert ("- **Afonso, 2009** (alfonso2009 → afonso2009), was “Alfonso, 2009”: the same reference. Reference 39 "
            "(was 21).") in renamed
    assert "(zemestani2019 → zemestani2020b), was “Zemestani, 2019”: the same DOI." in renamed
    for heading in ("## Trials added", "## Trials removed"):
        section = changes.split(heading)[1].split("\n## ")[0]
        assert "(afonso2009)" not in section and "(alfonso2009)" not in section
    assert "(castonguay2004)" in changes.split("## Trials removed")[1].split("\n## ")[0]
    revised = changes.split("## Effect sizes revised")[1].split("\n## ")[0]
    assert ("- **Carta, 2012** (carta2012), cbt vs cau, bdi-1 (self-report), post: g 0.248 (SE 0.251) → g 0.581 (SE "
            "0.256).") in revised
    pooled = changes.split("### Pooled estimates and what moved them")[1].split("\n### ")[0]
    assert "- **All trials**: g 0.71 (0.64 to 0.78) → 0.71 (0.65 to 0.77); τ² 0.45 → 0.39; 414 → 477 trials." in pooled
    assert pooled.count("\n- **") == 13 + 5  # every analysis and the sensitivity analyses
    statements = changes.split("## Conclusion statements")[1].split("\n## ")[0]
    assert "Cognitive behavioural therapy, tested in ~~226~~ **258** trials" in statements
    search = changes.split("## Search")[1].split("\n## ")[0]
    assert "| Literature searched until | 1 January 2022 | 1 January 2024 |" in search
    assert "| Records screened | 21,563 | 25,309 |" in search
    assert "809" in search and "| Included" not in search  # the flow's "included" is explained, not compared
    # Each paragraph about a psychotherapy or a control condition is compared with its own.
    paragraphs = changes.split("## Changed paragraphs")[1]
    pairs = re.findall(r"^\*\*Results, ([^*]+)\*\* \(.*\n\n> (.*)$", paragraphs, flags=re.MULTILINE)
    assert len(pairs) >= 12
    for subject, quote in pairs:  # a row of Table 2 starts with its analysis; Table 1's rows have blank cells
        if not subject.startswith("paragraph ") and " / " not in subject:
            subject = re.sub(r"^Table \d+ row ", "", subject)
            # an added row is quoted in bold
            assert quote.removeprefix("**").removeprefix("\\| ").startswith(subject), (subject, quote[:80])


def test_the_worked_example_from_a_fresh_clone_reproduces_the_committed_update(tmp_path):
    """README, 'The update': import 22.0.2 and build version 1.0.0 (release 1), then import 24.0.2, raise the
    version and build: the release is 24.0.2 and its changes report is the committed one, byte for byte."""
    project = copy_metapsy(tmp_path / "project", sources=True)
    folder = project / NAME
    review = folder / "data" / "review.yaml"
    final = review.read_text(encoding="utf-8")
    assert run_cli(project, "import", "--review", NAME, "--release", "22.0.2").returncode == 0
    first = re.sub(r'(?m)^version: "2\.0\.0"$', 'version: "1.0.0"', final)
    first = re.sub(r"(?m)^  revised: .*\n", "", first)
    # Version 1.0.0 had no ISSN, publisher, version DOI or earlier versions in its metadata (added with 2.0.0).
    first = re.sub(r"(?m)^  (issn|publisher): .*\n|^# Each version's own DOI.*\n|^version_doi: .*\n", "", first)
    first = re.sub(r"(?m)^previous_versions:\n(^  .*\n)+", "", first)
    review.write_text(re.sub(r"(?m)^  published: .*$", "  published: 2026-01-12", first), encoding="utf-8")
    result = run_cli(project, "build", NAME, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "release 22.0.2" in (folder / "output" / "review.md").read_text(encoding="utf-8")
    assert (folder / "output" / "changes.md").read_text(encoding="utf-8").startswith("# Changes in version 1.0.0")
    result = run_cli(project, "import", "--review", NAME, "--release", "24.0.2")
    assert result.returncode == 0, result.stderr
    review.write_text(final, encoding="utf-8")
    result = run_cli(project, "build", NAME, timeout=600)
    assert result.returncode == 0, result.stderr
    for name in ("changes.md", "synthesis.csv", "small_study_effects.csv", "subgroup_differences.csv",
                 "summary_of_findings.csv", "prisma-checklist.md", "figures/prisma.svg", "figures/forest.svg",
                 "figures/funnel.svg", "review.md"):
        assert (folder / "output" / name).read_bytes() == (ROOT / NAME / "output" / name).read_bytes(), name
    assert os.path.getsize(folder / "output" / "changes.html") > 0


def test_an_effect_size_edit_reuses_citeproc_and_gives_the_same_bytes(metapsy_built, tmp_path, monkeypatch):
    """The build left citeproc's work in build/cache/citeproc/; the article of an edited section is served from
    it (citeproc not run), the same bytes as citeproc makes without it (livingreview.citeproc_cache)."""
    from test_citeproc_cache import check_reuse

    review = metapsy_built / NAME
    cache = shutil.copytree(review / "build" / "cache" / "citeproc", tmp_path / "cache")
    check_reuse(review, "seed", tmp_path, monkeypatch, cache=cache)


CHANGES = "https://example.org/livingreview/metapsy-depression/releases/2.0.0/changes.html"


def test_every_format_names_this_version_s_doi_the_earlier_versions_and_the_changes_report(metapsy_built):
    """A living review's version line (templates/article.md.j2, from review.yaml's version_doi and
    previous_versions) is in the article itself, so in every format that prints the back matter; the JATS
    file carries the same in its metadata (article-id specific-use="version", pub-history)."""
    line = ("**Version:** 2.0.0, published 28-Nov-2026, DOI: 10.5555/livingreview.metapsy-depression.v2; earlier "
            "version: 1.0.0 "
            "(12-Jan-2026, DOI: 10.5555/livingreview.metapsy-depression.v1). What changed since version 1.0.0, "
            f"and why, is in the changes report published with this version ({CHANGES}).")
    output = metapsy_built / NAME / "output"
    markdown = (output / "review.md").read_text(encoding="utf-8")
    # An absolute link (review.yaml's release_url): it works in the downloaded PDF, Word and JATS files too.
    assert line.replace(f"({CHANGES})", f"([{CHANGES}]({CHANGES}))") in markdown
    assert ("*LR Examples* 1 (2026):2. Version 2.0.0, DOI: 10.5555/livingreview.metapsy-depression.v2.\n"
            in markdown), "the citation line names the version cited"
    plain = line.replace("**", "")
    assert plain in re.sub(r"<[^>]+>", "", (output / "review.html").read_text(encoding="utf-8"))
    assert plain in docx_text(output / "review.docx")
    assert "\n# Funding\n\nNone: this worked example of the livingreview project received no financial" in markdown
    # The article's DOI goes with the date it was first published (version 1.0.0's), not with this version's.
    dates = "**First published:** 12-Jan-2026 (version 1.0.0), DOI: 10.5555/livingreview.metapsy-depression (all versions)"
    assert dates in markdown and "**Published:**" not in markdown
    assert dates.replace("**", "") in docx_text(output / "review.docx")
    jats = (output / "review.jats.xml").read_text(encoding="utf-8")
    assert '<article-id pub-id-type="doi" specific-use="version">10.5555/livingreview.metapsy-depression.v2' in jats
    assert '<article-id pub-id-type="doi">10.5555/livingreview.metapsy-depression.v1</article-id>' in jats
    # The JATS says the same: the version note in <back>, the funding statement in <article-meta>.
    assert plain in " ".join(re.sub(r"<[^>]+>", "", jats.split('<notes notes-type="version">')[1]).split())
    assert ("<funding-statement>None: this worked example of the livingreview project received no financial"
            in jats)


def test_a_review_without_versions_before_it_says_its_version_alone(built_project):
    """The seed review has neither version_doi nor previous_versions: its line is the version, as before."""
    markdown = (built_project / "output" / "review.md").read_text(encoding="utf-8")
    assert "\n**Version:** 1.0.0\n" in markdown
