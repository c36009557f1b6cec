"""The meta-analysis kind's sections worded as the numbers and the certainty allow, for few trials.

The starter's six trials (workflow/livingreview/starters/meta-analysis) are pooled at stage level
(evidence, then synthesis) with 6, 3 and 1 of them included, and the sections rendered with the kind's
default templates; the certainty of the summary of findings is then set to each GRADE level. Read for:
GRADE's wording of the claim at each certainty, the domains not assessed said in the text and Table 4,
no overclaimed prediction interval with few trials, one trial reported as its own effect (no PI, no I²),
no test of subgroup differences with a subgroup of one trial, no caveat about shared trials when no
trial is shared, ties said as ties, and no sentence about zero outliers or repeated sensitivity analyses.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml
from in_process import working_directory
from livingreview import kinds
from livingreview.project import template_folders
from livingreview.stages import evidence, synthesis
from livingreview.stages.synthesis import Results, read_results
from livingreview.templates import Templates

ROOT = Path(__file__).resolve().parents[1]
STARTER = ROOT / "workflow" / "livingreview" / "starters" / "meta-analysis"
KIND = kinds.get("meta-analysis")


@pytest.fixture(scope="module")
def starter_evidence(tmp_path_factory) -> dict:
    """The starter's evidence, read and checked by the evidence stage."""
    build = tmp_path_factory.mktemp("starter")
    with working_directory(STARTER):
        config = yaml.safe_load(Path("config/config.yaml").read_text(encoding="utf-8"))
        evidence.load(kind=KIND, data={key: config[key] for key in KIND.all_data_files() if key in config},
                      out=str(build / "evidence.json"), log=str(build / "log"))
    return json.loads((build / "evidence.json").read_text(encoding="utf-8"))


def pooled(data: dict, keys: list[str], build: Path) -> tuple[dict, Results]:
    """*data* with only the trials *keys* included (the others excluded), and its synthesis's results."""
    data = copy.deepcopy(data)
    for study in data["studies"]:
        if study["key"] not in keys:
            study["status"] = "excluded"
    data["included"] = [k for k in data["included"] if k in keys]
    data["conclusions"] = []  # the starter's statement holds from k >= 3 on; its wording is the author's
    (build / "evidence.json").write_text(json.dumps(data), encoding="utf-8")
    synthesis.pool_effects(evidence=str(build / "evidence.json"), out=str(build / "synthesis.csv"),
                           small_study=str(build / "small_study_effects.csv"),
                           subgroups=str(build / "subgroup_differences.csv"),
                           findings=str(build / "summary_of_findings.csv"), control_event_rate=0.2,
                           log=str(build / "log"))
    return data, read_results(build / "synthesis.csv")


def render(data: dict, results: Results, sections=("abstract", "results", "conclusion")) -> str:
    """The sections of the review, rendered with the kind's default templates, joined."""
    templates = Templates([str(f) for f in template_folders(STARTER / "templates",
                                                            kind_defaults=KIND.default_templates)])
    names = KIND.section_context(data, results)
    return "\n\n".join(templates.render(f"sections/{section}.md.j2", **names) for section in sections)


def with_certainty(results: Results, level: str) -> Results:
    """*results* with every summary-of-findings row rated *level*."""
    findings = [dict(row, certainty=level) for row in results.findings]
    return Results(dict(results), results.small_study, results.subgroups, findings)


@pytest.fixture(scope="module")
def trials(starter_evidence, tmp_path_factory) -> dict[int, tuple[dict, Results]]:
    """The starter pooled over 6, 3 and 1 of its trials (the first in its order of the comparisons)."""
    keys = list(dict.fromkeys(c["key"] for c in starter_evidence["comparisons"]))
    return {k: pooled(starter_evidence, keys[:k], tmp_path_factory.mktemp(f"k{k}")) for k in (6, 3, 1)}


@pytest.mark.parametrize("level, claim", [
    ("high", "Psychotherapies reduce depressive symptoms more than control conditions at the end of treatment"),
    ("moderate", "Psychotherapies probably reduce depressive symptoms more than control conditions"),
    ("low", "Psychotherapies may reduce depressive symptoms more than control conditions"),
    ("very low", "The evidence is very uncertain about the effect of psychotherapies on depressive symptoms at "
                 "the end of treatment, compared with control conditions"),
])
def test_claims_follow_the_certainty(trials, level, claim):
    """The Abstract's and the Conclusion's claim is GRADE's wording of the overall effect's certainty."""
    data, results = trials[6]
    text = render(data, with_certainty(results, level))
    abstract, rest = text.split("# Results", 1)
    conclusion = rest.split("# Conclusion", 1)[1]
    assert claim in abstract.split("**Conclusions.**")[1]
    assert claim in conclusion
    for other in ("Psychotherapies reduce", "probably reduce", "may reduce", "very uncertain"):
        if other not in claim:
            assert other not in abstract.split("**Conclusions.**")[1] + conclusion, (level, other)


def test_six_trials(trials):
    """Six trials: publication bias not assessed, said in the text and Table 4; the PI not overclaimed;
    a subgroup of one trial is its own effect and is not tested; the tie of the control conditions; no
    sentence about zero outliers or about analyses that repeat the main one."""
    data, results = trials[6]
    text = render(data, results)
    assert "publication bias was not assessed (fewer than 10 trials)" in text
    assert "| high | None. Publication bias not assessed (fewer than 10 trials). |" in text
    assert "| none |" not in text
    assert "would be expected to find a benefit" not in text
    assert "With 6 trials, τ² and so the prediction interval are estimated imprecisely, and the interval, drawn " \
           "with the normal quantile, is narrower than one on k − 2 degrees of freedom" in text
    assert "its prediction interval (−0.11 to 1.19) includes no effect" in text
    assert "its one trial gave g = 0.60 (95 % CI 0.18 to 1.01), the trial's own effect" in text
    assert "pooled over 1 trial" not in text and "PI 0.18 to 1.01" not in text
    assert "PI −0.02 to 0.99" in text and "\\-" not in text  # a negative number with the minus sign
    assert "| Psychotherapy: third-wave therapy | 1 | 93 | 0.60 | 0.18 to 1.01 | – | – | – |" in text
    assert "The psychotherapy subgroups were not tested for differences: third-wave therapy has fewer than 2 " \
           "trials" in text
    assert "2 psychotherapy subgroups" not in text
    assert "control condition subgroups did not differ clearly" in text
    assert "counts in each" not in text and "share trials" not in text
    assert "care as usual and waiting list are equally common among the named control conditions (3 trials " \
           "each)" in text
    assert "Without the 0" not in text and "No trial was an outlier, so that analysis repeats the main one." in text
    assert "Every trial has one effect size, so the analyses with each trial's largest and with its smallest " \
           "effect size repeat the main one." in text
    assert "τ² was estimated as 0.00, so the prediction interval equals the confidence interval, and with 3 " \
           "trials that estimate is uncertain" in text


def test_three_and_one_trials(trials):
    """Three trials and one: rendered without an empty value or a claim of pooling one trial."""
    for k in (3, 1):
        data, results = trials[k]
        text = render(data, results)
        assert "pooled over 1 trial" not in text
        assert "None" not in text.replace("None.", "")
        assert ". ." not in text and " ." not in text.replace(" . ", "")
    data, results = trials[1]
    text = render(data, results)
    assert "subgroups did not differ" not in text and "subgroups differed" not in text


def test_rated_comparisons_carry_their_certainty(trials):
    """A conclusion statement about a rated control condition is followed by its certainty in GRADE's
    words; one about an analysis not rated says so."""
    data, results = trials[6]
    data = dict(data, conclusions=[
        {"id": "wl", "order": 1, "analysis": "control", "level": "wl", "condition": "k >= 3",
         "statement": "Against a waiting list, the pooled effect was g = {g}."},
        {"id": "cbt", "order": 2, "analysis": "therapy", "level": "cbt", "condition": "k >= 3",
         "statement": "Cognitive behavioural therapy had a pooled g of {g}."}])
    rules = dict(data["certainty"], analyses=["overall", "control"])
    data["certainty"] = rules
    findings = [dict(row, certainty="low") if row["analysis"] == "control" else row
                for row in results.findings]
    extra = [dict(row, analysis="control", level="wl", certainty="low")
             for row in results.findings if row["analysis"] == "overall"]
    text = render(data, Results(dict(results), results.small_study, results.subgroups, findings + extra),
                  sections=("conclusion",))
    assert "Against a waiting list, the pooled effect was g = 0.69. The certainty of this evidence is low " \
           "(Table 4): psychotherapies may reduce depressive symptoms more than waiting list at the end of " \
           "treatment." in text
    assert "Cognitive behavioural therapy had a pooled g of 0.49. Its certainty was not rated (Table 4 rates the " \
           "overall effect and each control condition)." in text


@pytest.mark.parametrize("level, words", [("high", "Cognitive behavioural therapy reduces"),
                                          ("moderate", "Cognitive behavioural therapy probably reduces"),
                                          ("low", "Cognitive behavioural therapy may reduce")])
def test_a_psychotherapy_claim_is_singular(level, words):
    """One psychotherapy takes a singular verb in GRADE's wording."""
    from livingreview.certainty import claim

    assert claim(level, "cognitive behavioural therapy", "control conditions", singular=True).startswith(words)
