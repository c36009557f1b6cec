"""What the Metapsy review's data show and its text must disclose: the Limitations (self-reported outcomes
counted as blinded, implausibly large effects kept, how many trials the outlier rule leaves out, dichotomous
outcomes pooled with symptom scales) and the Methods' "Counting words" (an id naming a follow-up pooled as the
end of treatment; an instrument coded twice at the end of treatment, at different weeks or at the same week).

Each number is first computed here independently, with pandas and numpy from data/*.csv (not with
livingreview's code), then looked for in the sections as the sections stage renders them.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from in_process import evidence_and_synthesis
from livingreview import kinds, meta_analysis
from livingreview.project import template_folders
from livingreview.stages.synthesis import read_results
from livingreview.templates import Templates

ROOT = Path(__file__).resolve().parents[1]
REVIEW = ROOT / "examples" / "metapsy-depression"
KIND = kinds.get("meta-analysis")


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """The committed review's evidence and its synthesis's results, computed afresh."""
    evidence_json, synthesis_csv = evidence_and_synthesis(REVIEW, tmp_path_factory.mktemp("limitations"))
    return json.loads(evidence_json.read_text(encoding="utf-8")), read_results(synthesis_csv)


def render(data: dict, results, section: str) -> str:
    """One section of the review, rendered from *data* and *results* as the sections stage renders it."""
    templates = Templates([str(f) for f in template_folders(REVIEW / "templates", kind_defaults=KIND.default_templates)])
    return templates.render(f"sections/{section}.md.j2", **KIND.section_context(data, results))


@pytest.fixture(scope="module")
def pooled() -> pd.DataFrame:
    """The effect sizes the review pools, read with pandas: the included trials' rows at the end of treatment."""
    comparisons = pd.read_csv(REVIEW / "data" / "comparisons.csv", keep_default_na=False, na_values=[""])
    decisions = pd.read_csv(REVIEW / "data" / "decisions.csv")
    left_out = set(decisions.loc[decisions["status"] != "included", "key"])
    return comparisons[~comparisons["key"].isin(left_out) & (comparisons["time"] == "post")]


def combined(group: pd.DataFrame, rho: float = 0.5) -> pd.Series:
    """One trial's effect sizes combined by generalised least squares with correlation *rho* between them."""
    se = group["g_se"].to_numpy()
    correlation = np.full((len(se), len(se)), rho)
    np.fill_diagonal(correlation, 1.0)
    inverse = np.linalg.inv(np.outer(se, se) * correlation)
    ones = np.ones(len(se))
    variance = 1 / (ones @ inverse @ ones)
    return pd.Series({"g": variance * (ones @ inverse @ group["g"].to_numpy()), "v": variance})


def paule_mandel_ci(y: np.ndarray, v: np.ndarray) -> tuple[float, float]:
    """The 95 % CI of the random-effects pooled effect, tau² by Paule-Mandel (bisection on the generalised Q)."""
    def q(tau2):
        w = 1 / (v + tau2)
        mu = (w @ y) / w.sum()
        return (w * (y - mu) ** 2).sum() - (len(y) - 1)
    low, high = 0.0, 100.0
    tau2 = 0.0
    if q(0.0) > 0:
        for _ in range(200):
            tau2 = (low + high) / 2
            low, high = (tau2, high) if q(tau2) > 0 else (low, tau2)
    w = 1 / (v + tau2)
    mu, se = (w @ y) / w.sum(), w.sum() ** -0.5
    return mu - 1.959964 * se, mu + 1.959964 * se


def test_the_numbers_of_the_limitations_checked_independently(pooled):
    """641 of 897 effect sizes self-reported (71 %); 7 trials with a combined g above 3; 160 of 477 trials
    outliers (34 %); 54 effect sizes of 37 trials from dichotomous outcomes; one id naming fu1 pooled as post."""
    assert (len(pooled), (pooled["ba"] == "sr").sum(), round(100 * (pooled["ba"] == "sr").mean())) == (897, 641, 71)
    trials = pooled.groupby("key")[["g", "g_se"]].apply(combined)
    large = trials[trials["g"] > 3].sort_values("g", ascending=False)
    assert [(key, f"{g:.2f}") for key, g in large["g"].items()] == [
        ("okeke2023", "5.24"), ("majidzadeh2023", "4.86"), ("mukhtar2011", "4.83"), ("ghorbani2021", "4.50"),
        ("chiang2015", "3.97"), ("omahen2013a", "3.66"), ("khoshbooii2021", "3.09")]
    low, high = paule_mandel_ci(trials["g"].to_numpy(), trials["v"].to_numpy())
    half = 1.959964 * np.sqrt(trials["v"])
    outliers = trials[(trials["g"] + half < low) | (trials["g"] - half > high)]
    assert (len(outliers), len(trials), round(100 * len(outliers) / len(trials))) == (160, 477, 34)
    assert set(large.index) <= set(outliers.index)
    dichotomous = pooled[pooled["outcome_type"].str.contains(r"^(?:remission|response|other dich)")]
    assert (len(dichotomous), dichotomous["key"].nunique()) == (54, 37)
    assert {"smit2006", "town2017"} <= set(dichotomous["key"])
    assert set(pooled["outcome_type"]) - set(dichotomous["outcome_type"]) == {"msd", "change", "other statistic"}
    follow_up = pooled[pooled["id"].str.contains(r"_fu\d+_")]
    assert list(follow_up["key"]) == ["smit2006"] and follow_up["id"].iloc[0].startswith(
        "Smit_2006_remission(diag_mantained)_cidi-adapt._fu1_0_")


LARGE = ("It keeps in the main analysis 7 trials whose effect sizes combine to a g above 3, larger than a psychotherapy "
         "for depression plausibly has (Okeke, 2023 [@{okeke2023}]: 5.24; Majidzadeh, 2023 [@{majidzadeh2023}]: 4.86; "
         "Mukhtar, 2011 [@{mukhtar2011}]: 4.83; Ghorbani, 2021 [@{ghorbani2021}]: 4.50; Chiang, 2015 [@{chiang2015}]: "
         "3.97; O'Mahen, 2013a [@{omahen2013a}]: 3.66; Khoshbooii, 2021 [@{khoshbooii2021}]: 3.09); the sensitivity "
         "analysis without outliers (Table 3) leaves out all of them.")


def limitations(text: str) -> str:
    """The Conclusion's paragraph of limitations."""
    return next(p for p in text.split("\n\n") if p.startswith("This review has the limitations of its method"))


def test_the_limitations_state_what_the_data_show(base):
    """The Limitations say, with the counts of the data: self-reported outcomes counted as blinded; the trials
    with implausibly large effects, cited with their g and the analysis that leaves them out; how many trials
    the outlier rule leaves out; the effect sizes from dichotomous outcomes pooled with symptom scales."""
    data, results = base
    text = limitations(render(data, results, "conclusion"))
    assert ("Taking the risk-of-bias ratings as they are, it counts a self-reported outcome as blinded outcome "
            "assessment, as the database does (\"sr\"), for 641 effect sizes of 897 (71 %): *low risk of bias* is "
            "generous for an outcome that participants who know their treatment rate themselves.") in text
    assert LARGE in text
    assert ("That analysis leaves out many trials by its rule (a trial whose 95 % CI lies "
            "wholly outside the pooled 95 % CI): 160 of 477 (34 %), so that it describes a narrower set of trials "
            "than the main analysis.") in text
    assert ("It pools the effect sizes from symptom scales together with 54 effect sizes of the 897 pooled at the end of treatment (in 37 trials) that "
            "the database computed from a dichotomous outcome (remission, response or another) and converted to "
            "g.") in text


def test_the_limitations_follow_the_data_and_the_review_s_threshold(base):
    """Each sentence follows its data: no self-reported outcome, no dichotomous outcome, no large_effects in
    data/certainty.yaml: no sentence; another max_g names other trials; a large effect that is no outlier is
    counted apart."""
    data, results = base
    changed = copy.deepcopy(data)
    for comparison in changed["comparisons"]:
        comparison["ba"] = "1" if comparison["ba"] == "sr" else comparison["ba"]
        comparison["outcome_type"] = "msd"
    del changed["certainty"]["large_effects"]
    text = limitations(render(changed, results, "conclusion"))
    assert "self-reported" not in text and "dichotomous" not in text and "combine to a g above" not in text
    assert "leaves out many trials by its rule" in text  # the synthesis's numbers, unchanged here
    stricter = copy.deepcopy(data)
    stricter["certainty"]["large_effects"]["max_g"] = 4.6
    assert ("It keeps in the main analysis 3 trials whose effect sizes combine to a g above 4.6, larger than a "
            "psychotherapy for depression plausibly has (Okeke, 2023 [@{okeke2023}]: 5.24; Majidzadeh, 2023 "
            "[@{majidzadeh2023}]: 4.86; Mukhtar, 2011 [@{mukhtar2011}]: 4.83); the sensitivity analysis without "
            "outliers (Table 3) leaves out all of them.") in render(stricter, results, "conclusion")
    found = meta_analysis.large_effects([dict(id="a", key="a", g=5.0, g_se=0.3), dict(id="b", key="b", g=0.5, g_se=0.1),
                                         dict(id="c", key="c", g=0.6, g_se=0.1), dict(id="d", key="d", g=0.55, g_se=0.1)],
                                        [{"key": k, "label": k.upper()} for k in "abcd"], {"large_effects": {"max_g": 3}})
    assert [(t["study"]["key"], t["g"]) for t in found["trials"]] == [("a", "5.00")] and found["outliers"] == 1


def counting_words(text: str) -> str:
    """The Methods' paragraph "Counting words"."""
    return next(p for p in text.split("\n\n") if p.startswith("**Counting words.**"))


def test_an_effect_size_whose_id_names_a_follow_up_but_is_pooled_at_the_end_of_treatment_is_named(base):
    """Smit 2006's id says fu1 (its time in release 22.0.2) while release 24.0.2 codes it post: it is pooled, and
    the Methods cite it; with its time point post in its id too, nothing is said."""
    data, results = base
    assert ("The database's id of 1 effect size of 1 trial [@{smit2006}] names a follow-up (fu1), while the database "
            "codes its time point as the end of treatment (post): as coded, it is pooled at the end of treatment."
            ) in counting_words(render(data, results, "methods"))
    renamed = copy.deepcopy(data)
    for comparison in renamed["comparisons"]:
        comparison["id"] = comparison["id"].replace("_fu1_", "_post_")
    assert "names a follow-up" not in counting_words(render(renamed, results, "methods"))


def test_an_instrument_coded_twice_at_the_end_of_treatment_is_worded_by_whether_the_weeks_differ(base):
    """Two effect sizes of one comparison's instrument at the end of treatment: at different weeks, the later may
    be a follow-up (Burns 2013, Sanabria-Mazo 2023); at the same week with two outcome definitions (Smit 2006 in
    release 22.0.2: remission (diag, once) and (diag, mantained), both at week 0), the Methods say that instead,
    never "at different weeks"."""
    data, results = base
    smit = next(c for c in data["comparisons"] if c["key"] == "smit2006" and "cbt+drp" in c["id"])
    once = dict(smit, id=smit["id"].replace("mantained", "once"), outcome_type="remission (diag, once)", g=-0.35)
    both = copy.deepcopy(data)
    both["comparisons"].append(once)
    text = counting_words(render(both, results, "methods"))
    assert ("at different weeks (15 and 33; 8 and 52 weeks after randomisation): the later may be a follow-up that "
            "the database codes as the end of treatment. It codes 1 instrument of 1 comparison [@{smit2006}] at the "
            "end of treatment twice at the same week (27 weeks after randomisation), with different outcome "
            "definitions (\"remission (diag, mantained)\" and \"remission (diag, once)\"). As the database codes "
            "them, both are effect sizes, combined with the comparison's others.") in text
    same_only = copy.deepcopy(both)
    same_only["comparisons"] = [c for c in same_only["comparisons"] if c["key"] not in ("burns2013", "sanabriamazo2023")]
    text = counting_words(render(same_only, results, "methods"))
    assert "different weeks" not in text and "follow-up that" not in text
    assert ("The database codes 1 instrument of 1 comparison [@{smit2006}] at the end of treatment twice at the same "
            "week (27 weeks after randomisation), with different outcome definitions") in text


def test_repeated_measurements_are_grouped_by_their_weeks():
    """meta_analysis.repeated_post on small rows: different weeks (later), the same week with two outcome types,
    the same week with one, and weeks not given (both same_week: not "at different weeks")."""
    def row(key, weeks, outcome="msd", instrument="bdi"):
        return {"key": key, "psychotherapy": "cbt", "control": "wl", "arm1": "", "arm2": "", "instrument": instrument,
                "rating": "self-report", "time": "post", "time_weeks": weeks, "outcome_type": outcome}
    rows = [row("a", 8), row("a", 52), row("b", 0, "remission (diag, once)"), row("b", 0, "remission (diag, mantained)"),
            row("c", 12, instrument="hdrs"), row("c", 12, instrument="hdrs"), row("d", None), row("d", None),
            row("e", 10), dict(row("e", 30), time="fu1")]
    found = meta_analysis.repeated_post(rows)
    assert found["later"] == {"instruments": 1, "comparisons": 1, "trials": ["a"], "weeks": ["8 and 52"],
                              "outcome_types": []}
    assert found["same_week"] == {"instruments": 3, "comparisons": 3, "trials": ["b", "c", "d"], "weeks": ["0", "12"],
                                  "outcome_types": ["remission (diag, mantained)", "remission (diag, once)"]}
    assert re.fullmatch(r"_(fu\d+)_", "_fu12_") and not meta_analysis.FOLLOW_UP_ID.search("Town_2017_remission(cut-off_full)_hdrs_post")
