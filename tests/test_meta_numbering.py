"""A meta-analysis's article, built by its stages in this process (no Snakemake): its tables and figures
are numbered in the order of their first citation, and it claims no Egger's test or funnel plot it does
not have; the works its Methods cite are bibliography entries (data/methods-references.bib); the release's
small_study_effects.csv holds every Egger's test the article reports.

Two reviews: the starter's six-trial example (too few trials for Egger's test) and the Metapsy review's
sections (477 trials), rendered from its evidence and synthesis (the fixture of test_metapsy_wordings).
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

from in_process import run_stages
from livingreview.pooling import printed
from livingreview.stages import synthesis
from test_metapsy_wordings import base, render  # noqa: F401 (base: the fixture)

ROOT = Path(__file__).resolve().parents[1]
STARTER = ROOT / "workflow" / "livingreview" / "starters" / "meta-analysis"
# "Table 2", "Tables 2 and 4", "Tables 1 to 4", "Figures 2 and 3"; a caption (": Table 1." or "![Figure 2.")
# is where the table or figure stands, not a citation.
CITATION = re.compile(r"(?<![:\[] )(?<!!\[)\b(Tables?|Figures?) (\d+)((?:(?:, | and | to )\d+)*)")
CAPTION = re.compile(r"(?m)^(?:: |!\[)(Table|Figure) (\d+)\.")


def first_mentions(text: str) -> dict[str, list[int]]:
    """The numbers of the tables and of the figures *text* cites, each once, in the order first cited."""
    order: dict[str, list[int]] = {"Table": [], "Figure": []}
    for match in CITATION.finditer(text):
        numbers = [int(match[2])] + [int(n) for n in re.findall(r"\d+", match[3])]
        if " to " in match[3]:
            numbers = list(range(numbers[0], numbers[-1] + 1))
        kind = match[1].rstrip("s")
        order[kind] += [n for n in numbers if n not in order[kind]]
    return order


def check_numbering(text: str) -> dict[str, list[int]]:
    """Assert that *text* cites its tables and figures first in the order 1, 2, 3..., that each stands
    (its caption) in that order too, and that it cites none it lacks; the first mentions."""
    mentions = first_mentions(text)
    placed = {"Table": [], "Figure": []}
    for kind, number in CAPTION.findall(text):
        placed[kind].append(int(number))
    for kind in ("Table", "Figure"):
        assert mentions[kind] == list(range(1, len(mentions[kind]) + 1)), (kind, mentions[kind])
        assert placed[kind] == sorted(placed[kind]), (kind, placed[kind])
        assert set(mentions[kind]) <= set(placed[kind]), (kind, mentions[kind], placed[kind])
    return mentions


def test_first_mentions_reads_lists_and_ranges_and_skips_captions():
    text = ("Figure 2 and Tables 2 and 4; Tables 1 to 3.\n\n: Table 5. Caption.\n\n"
            "![Figure 1. Caption.](f.svg)\n\nFigures 3 and 1.")
    assert first_mentions(text) == {"Table": [2, 4, 1, 3], "Figure": [2, 3, 1]}


def test_a_six_trial_meta_analysis_numbers_in_first_citation_order_and_claims_no_egger_test(tmp_path):
    review = tmp_path / "review"
    shutil.copytree(STARTER, review)
    run_stages(review, formats_too=False, pipeline=ROOT)
    text = (review / "build" / "review.md").read_text(encoding="utf-8")
    mentions = check_numbering(text)
    assert mentions == {"Table": [1, 2, 3, 4], "Figure": [1, 2]}  # no funnel plot: fewer than 10 trials
    abstract = text.split("# Introduction")[0]
    methods = text.split("# Methods")[1].split("# Results")[0]
    assert "Egger" not in abstract and "funnel" not in abstract
    assert ("Fewer than 10 trials contribute to the overall analysis: small-study effects were not assessed, "
            "and no funnel plot is shown." in methods)
    assert "Figure 3" not in text and "small_study_effects.csv" not in methods
    checklist = text.split("| 13c |")[1]
    assert checklist.split("\n")[0].endswith("| Results, Tables 1 to 4 and Figure 2 |")
    item_19 = text.split("| 19 |")[1].split("\n")[0]
    assert "Figure" not in item_19
    # The works the Methods cite are numbered citations with their entries, not names in the text.
    for cited in ("Higgins and Thompson", "Furukawa, 1999", "Cuijpers et al., 2014"):
        assert cited not in methods
    references = text.split("# References")[1]
    for entry in ('"Quantifying heterogeneity in a meta-analysis." *Statistics in Medicine* 21 (2002):1539-1558.',
                  '"Bias in meta-analysis detected by a simple, graphical test." *BMJ* 315 (1997):629-634.',
                  '"How to obtain NNT from Cohen\'s d: comparison of two methods." *PLoS One* 6 (2011):e19070.',
                  "*Depression and Anxiety* 31 (2014):374-378."):
        assert entry in references
    assert (review / "build" / "small_study_effects.csv").read_text(encoding="utf-8").count("\n") == 1  # header


def test_the_metapsy_review_numbers_in_first_citation_order_and_describes_every_egger_test(base):  # noqa: F811
    data, results = base
    text = render(data, results)
    assert check_numbering(text) == {"Table": [1, 2, 3, 4], "Figure": [1, 2, 3]}
    methods = text.split("# Methods")[1].split("# Results")[0]
    assert ("It was run on the trials' effects of the overall analysis, whose funnel plot (Figure 3) shows each "
            "trial's effect against its standard error; it was also run on the trials of each analysis whose "
            "certainty was rated with at least 10 trials (publication bias, below)." in methods)
    assert ("Egger's tests (small_study_effects.csv: the overall analysis's and those of the certainty ratings)"
            in methods)


def test_small_study_effects_csv_holds_the_overall_and_every_certainty_rating_egger_test(base, tmp_path):  # noqa: F811
    data, _ = base
    (tmp_path / "evidence.json").write_text(json.dumps(data), encoding="utf-8")
    synthesis.pool_effects(evidence=str(tmp_path / "evidence.json"), out=str(tmp_path / "synthesis.csv"),
                           small_study=str(tmp_path / "small.csv"), subgroups=str(tmp_path / "subgroups.csv"),
                           findings=str(tmp_path / "findings.csv"), control_event_rate=0.2, log=str(tmp_path / "log"))
    tests = list(csv.DictReader((tmp_path / "small.csv").open(encoding="utf-8")))
    findings = list(csv.DictReader((tmp_path / "findings.csv").open(encoding="utf-8")))
    assert [(t["analysis"], t["level"], t["test"]) for t in tests] == [
        ("overall", "all", "egger"), *((f["analysis"], f["level"], "egger") for f in findings
                                       if f["analysis"] != "overall")]
    assert tests[0]["k"] == "477"
    for finding in findings:  # each test Table 4 reports (t, limit estimate), as the release file has it
        if "Egger's test" not in finding["publication_bias"]:
            continue  # "not serious" names no test, "not assessed" ran none
        test = next(t for t in tests if (t["analysis"], t["level"]) == (finding["analysis"], finding["level"]))
        # the limit estimate: "... is g = 0.20 (95 % CI ...)" (serious), ", g = 0.32, is below 0.54" (not serious)
        shown = re.search(r"Egger's test t = (\S+), .* g = ([−-]?[\d.]+)\b", finding["publication_bias"])
        assert shown and shown.groups() == (printed(test["statistic"], 2), printed(test["limit_g"], 2))  # "−0.08"


def test_the_seed_review_cites_every_table_and_figure_it_captions(tmp_path):
    """The seed review's Figure 1 had only its caption: every table and figure of the seed review (built by
    its stages) is cited in its text, first in the order of its number."""
    review = tmp_path / "seed"
    for name in ("config", "data", "templates"):
        shutil.copytree(ROOT / name, review / name)
    shutil.copy2(ROOT / "references.bib", review / "references.bib")
    run_stages(review, formats_too=False, pipeline=ROOT)
    text = (review / "build" / "review.md").read_text(encoding="utf-8")
    mentions = check_numbering(text)
    captions = {kind: [int(n) for k, n in CAPTION.findall(text) if k == kind] for kind in ("Table", "Figure")}
    assert captions == {"Table": [1], "Figure": [1]}
    assert mentions == captions  # each cited, none cited that is not there
    assert "Figure 1 maps them by theme and design." in text.split("# Description")[1]
