"""The changes report's summary says what its detail shows: every certainty rating that changed, every
Conclusion paragraph that reads differently (from one list each), built from two small snapshots."""

from __future__ import annotations

import re
from pathlib import Path

from livingreview import kinds
from livingreview.stages.changes import report_markdown

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = [str(ROOT / "templates" / "kinds" / "meta-analysis"), str(ROOT / "templates")]
KIND = kinds.get("meta-analysis")


def snapshot(version: str, ratings: dict[tuple[str, str], str], conclusion: list[str], g: str) -> dict:
    """A two-trial snapshot of *version* whose summary of findings rates the analyses *ratings*, whose
    Conclusion has the paragraphs *conclusion* and whose pooled g is *g*."""
    studies = {k: {"key": k, "label": label, "status": "included"}
               for k, label in (("ann2001", "Ann, 2001"), ("bob2002", "Bob, 2002"))}
    comparisons = {f"{k}_post": {"id": f"{k}_post", "key": k, "label": s["label"], "psychotherapy": "cbt",
                                 "control": "wl", "arm1": "", "arm2": "", "format": "ind", "outcome_type": "msd",
                                 "instrument": "bdi", "rating": "self-report", "time": "post", "g": 0.5,
                                 "g_se": 0.2, "n_arm1": 20.0, "n_arm2": 20.0}
                   for k, s in studies.items()}
    row = {"k": "2", "participants": "80", "g": g, "ci_low": "0.1000", "ci_high": "0.9000", "pi_low": "0.1000",
           "pi_high": "0.9000", "tau2": "0.0000", "i2": "0.0"}
    return {
        "version": version, "review": {"version": version, "title": "A review"}, "themes": {},
        "studies": studies,
        "references": {k: {"type": "article", "author": [f"{s['label'][:3]}, A."], "title": f"Trial {k}",
                           "journal": "J", "year": s["label"][-4:]} for k, s in studies.items()},
        "numbering": {k: i + 1 for i, k in enumerate(studies)},
        "paragraphs": [{"section": "Conclusion", "text": text} for text in conclusion],
        "sources": {"studies": "data/studies.csv", "bibliography": "references.bib", "review": "data/review.yaml"},
        "comparisons": comparisons,
        "database": {"release": "1", "last_search": "2022-01-01"}, "search_flow": {},
        "synthesis": [dict(row, analysis=a, level=level) for a, level in ratings],
        "certainty": [{"analysis": a, "level": level, "certainty": rating} for (a, level), rating in ratings.items()],
        "conclusions": [],
    }


def test_the_summary_lists_every_rating_change_and_every_conclusion_paragraph_the_detail_shows():
    old = snapshot("1.0.0", {("overall", "all"): "low", ("control", "cau"): "very low", ("control", "wl"): "low",
                             ("therapy", "other psy"): "moderate", ("therapy", "dyn"): "low"},
                   ["The most studied is cognitive behavioural therapy.",
                    "Against a waiting list, g = 0.50 (2 trials).",
                    "The certainty for the overall effect (2 trials) is low."], "0.5000")
    new = snapshot("2.0.0", {("overall", "all"): "low", ("control", "cau"): "low", ("control", "wl"): "low",
                             ("therapy", "other psy"): "low", ("therapy", "dyn"): "very low"},
                   ["The most studied is behavioural activation therapy.",
                    "Against a waiting list, psychotherapies may reduce symptoms, g = 0.50 (2 trials).",
                    "The certainty for the overall effect (3 trials) is low."], "0.6000")
    names = KIND.compare(old, new)
    markdown = report_markdown(names, TEMPLATES, KIND.changes_template)
    head = markdown.split("<details")[0]
    # Every rating change, in the summary and in the detail: the same three.
    line = next(x for x in head.splitlines() if x.startswith("- **Certainty of the evidence**"))
    summary = re.findall(r"((?:Control|Psychotherapy): [a-z ]+), ([a-z ]+) → ([a-z ]+?)(?:;| \()", line)
    detail = re.findall(r"(?m)^\| ((?:Control|Psychotherapy): [^|]+) \| ([^|]+) \| ([^|]+) \|$",
                        markdown.split("## Certainty of the evidence", 1)[1].split("</details>")[0])
    expected = [("Control: care as usual", "very low", "low"), ("Psychotherapy: psychodynamic therapy", "low",
                                                                 "very low"),
                ("Psychotherapy: other psychotherapies", "moderate", "low")]
    assert sorted(summary) == sorted(expected) == sorted(detail)
    # Every Conclusion paragraph the detail shows, in the summary: the same three, with what changed.
    conclusions = next(x for x in head.splitlines() if x.startswith("- **Conclusions:**"))
    in_summary = re.findall(r"paragraph (\d+) \(([^)]*)\)", conclusions)
    in_detail = re.findall(r"(?m)^\*\*Conclusion, paragraph (\d+)\*\* \(", markdown)
    assert [n for n, _ in in_summary] == in_detail == ["1", "2", "3"]
    assert dict(in_summary) == {"1": "reworded: its own words changed, not only its numbers",
                                "2": "reworded: its own words changed, not only its numbers",
                                "3": "its numbers only"}


def test_a_baseline_without_ratings_is_not_reported_as_unchanged():
    old = snapshot("1.0.0", {("overall", "all"): "low"}, ["A."], "0.5000")
    del old["certainty"]
    new = snapshot("2.0.0", {("overall", "all"): "very low"}, ["A."], "0.5000")
    markdown = report_markdown(KIND.compare(old, new), TEMPLATES, KIND.changes_template)
    assert "Certainty of the evidence" not in markdown
    same = report_markdown(KIND.compare(new, new), TEMPLATES, KIND.changes_template)
    assert "- **Certainty of the evidence** (Table 4, the summary of findings): no rating changed." in same


def test_a_statement_whose_claim_changed_with_its_certainty_is_counted_and_named_apart():
    """Care as usual: its statement's numbers changed and its certainty (very low → low), so the claim the
    Conclusion words for it changed: the summary names it apart, with its cause, not as "numbers only"; the
    detail's heading of each Conclusion paragraph uses the summary's label."""
    def statements(g: str) -> list[dict]:
        return [{"id": "overall-effect", "analysis": "overall", "level": "all", "statement": "g = {g}.",
                 "text": f"Across all trials g = {g}."},
                {"id": "care-as-usual", "analysis": "control", "level": "cau", "statement": "g = {g}.",
                 "text": f"Against care as usual, g = {g}."}]
    old = snapshot("1.0.0", {("overall", "all"): "low", ("control", "cau"): "very low"},
                   ["Across all trials g = 0.50. Against care as usual, g = 0.50. The certainty of this evidence is "
                    "very low: the evidence is very uncertain about the effect of psychotherapies, compared with "
                    "care as usual.", "The certainty for the overall effect (2 trials) is low."], "0.5000")
    new = snapshot("2.0.0", {("overall", "all"): "low", ("control", "cau"): "low"},
                   ["Across all trials g = 0.60. Against care as usual, g = 0.60. The certainty of this evidence is "
                    "low: psychotherapies may reduce depressive symptoms more than care as usual.",
                    "The certainty for the overall effect (3 trials) is low."], "0.6000")
    old["conclusions"], new["conclusions"] = statements("0.50"), statements("0.60")
    old["paragraphs"].append({"section": "Results", "text": "Pooled over 2 trials."})  # not a Conclusion paragraph
    new["paragraphs"].append({"section": "Results", "text": "Pooled over 3 trials."})
    markdown = report_markdown(KIND.compare(old, new), TEMPLATES, KIND.changes_template)
    head = markdown.split("<details")[0]
    conclusions = next(x for x in head.splitlines() if x.startswith("- **Conclusions:**"))
    assert ("2 statements read differently ([below](#statements-whose-wording-changed)): 1 only because its numbers "
            "changed, 1 because its certainty changed, which rewords its claim (care as usual, very low → low; its "
            "numbers changed too). No statement was reworded by the authors, added or removed.") in conclusions
    cause = "the certainty of care as usual changed, very low → low, and its claim with it"
    assert f"paragraph 1 (reworded: its own words changed, not only its numbers; {cause})" in conclusions
    assert "paragraph 2 (its numbers only)" in conclusions
    assert ("- **care-as-usual** (control, cau): its numbers changed: 0.50 → 0.60; its certainty changed, very low → "
            "low, and the claim after it is worded for the new rating.") in head
    # the detail's headings: the summary's labels, word for word
    assert f"**Conclusion, paragraph 1** (reworded: its own words changed, not only its numbers; {cause})." in markdown
    assert "**Conclusion, paragraph 2** (its numbers only)." in markdown
    assert "**Results, paragraph 1** (reworded)." in markdown
