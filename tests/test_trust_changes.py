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
    assert dict(in_summary) == {"1": "its ranking or the data it names changed, not its own words",
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


def comparison(key: str, label: str, g: float, ident: str, **codes) -> dict:
    """One effect size of trial *key* (cbt vs wl, bdi-2, self-report, at the end of treatment unless *codes*
    say otherwise)."""
    row = {"id": ident, "key": key, "label": label, "psychotherapy": "cbt", "control": "wl", "arm1": "cbt",
           "arm2": "wl", "format": "ind", "outcome_type": "msd", "instrument": "bdi-2", "rating": "self-report",
           "time": "post", "g": g, "g_se": 0.2, "n_arm1": 20.0, "n_arm2": 20.0}
    return dict(row, **codes)


def with_trials(base: dict, trials: dict[str, str], comparisons: list[dict]) -> dict:
    """*base* with the trials *trials* (key: label) and the effect sizes *comparisons*."""
    base = dict(base, studies={k: {"key": k, "label": v, "status": "included"} for k, v in trials.items()},
                comparisons={c["id"]: c for c in comparisons}, numbering={k: i + 1 for i, k in enumerate(trials)})
    base["references"] = {k: {"type": "article", "author": [f"{v.split(',')[0]}, A."], "title": f"Trial {k}",
                              "journal": "J", "year": v[-4:]} for k, v in trials.items()}
    return base


def summary_line(markdown: str, start: str) -> str:
    """The summary's line that starts with *start*."""
    return next(x for x in markdown.split("<details")[0].splitlines() if x.startswith(start))


def test_a_code_the_new_release_no_longer_has_explains_the_effect_sizes_removed():
    """Release 2 has no unguided self-help (format ush): its effect sizes left with their trial (Cat, 2003) and
    from a trial of both versions (Ann, 2001); Bob, 2002 lost its combined arm. The summary gives each reason
    with counts equal to the detail's lists, and which removed effect sizes they explain."""
    rated = {("overall", "all"): "low"}
    old = with_trials(snapshot("1.0.0", rated, ["A."], "0.5000"),
                      {"ann2001": "Ann, 2001", "bob2002": "Bob, 2002", "cat2003": "Cat, 2003"},
                      [comparison("ann2001", "Ann, 2001", 0.5, "a1"),
                       comparison("ann2001", "Ann, 2001", 0.3, "a2", format="ush", arm1="cbt (unguided)"),
                       comparison("bob2002", "Bob, 2002", 0.4, "b1"),
                       comparison("bob2002", "Bob, 2002", 0.9, "b2", arm1="cbt (cbt+lt)"),
                       comparison("cat2003", "Cat, 2003", 0.2, "c1", format="ush")])
    new = with_trials(snapshot("2.0.0", rated, ["A."], "0.5000"), {"ann2001": "Ann, 2001", "bob2002": "Bob, 2002"},
                      [comparison("ann2001", "Ann, 2001", 0.5, "a1"), comparison("bob2002", "Bob, 2002", 0.4, "b1")])
    old["database"], new["database"] = {"release": "22.0.2"}, {"release": "24.0.2"}
    markdown = report_markdown(KIND.compare(old, new), TEMPLATES, KIND.changes_template)
    line = summary_line(markdown, "- **Codes no longer or newly used**")
    assert ("release 24.0.2 has no effect size with format ush (unguided self-help): 2 removed, in 2 trials (of these "
            "effect sizes, 1 went with the trials removed and 1 were in trials of both versions);") in line
    assert "release 24.0.2 has no arm cbt (cbt+lt) of *Bob, 2002*: 1 removed." in line
    assert ("They explain 2 of the 2 effect sizes removed from trials of both versions and 1 of the 1 effect sizes "
            "of the 1 trials removed.") in line
    detail = markdown.split("## Codes no longer or newly used", 1)[1].split("## Codes that decide")[0]
    assert re.findall(r"(?m)^  - \*\*([^*]+)\*\* .*; (with its trial|in a trial of both versions)\.$", detail) == [
        ("Cat, 2003", "with its trial"), ("Ann, 2001", "in a trial of both versions"),
        ("Bob, 2002", "in a trial of both versions")]


def test_a_recoded_time_point_is_named_with_what_it_changes_in_the_pooling():
    """Smit, 2006: an effect size coded as a follow-up (fu1) in release 1, which no analysis pooled, is coded
    post in release 2 (the same g): the summary names the trial, the comparison and what changed in the
    pooling, and the detail lists it; not hidden among "other recodings"."""
    rated = {("overall", "all"): "low"}
    old = with_trials(snapshot("1.0.0", rated, ["A."], "0.5000"), {"smit2006": "Smit, 2006"},
                      [comparison("smit2006", "Smit, 2006", 0.1, "s1"),
                       comparison("smit2006", "Smit, 2006", -0.175, "s2", time="fu1", instrument="cidi")])
    new = with_trials(snapshot("2.0.0", rated, ["A."], "0.5000"), {"smit2006": "Smit, 2006"},
                      [comparison("smit2006", "Smit, 2006", 0.1, "s1"),
                       comparison("smit2006", "Smit, 2006", -0.175, "s2b", instrument="cidi")])
    old["database"], new["database"] = {"release": "22.0.2"}, {"release": "24.0.2"}
    markdown = report_markdown(KIND.compare(old, new), TEMPLATES, KIND.changes_template)
    line = summary_line(markdown, "- **What is pooled**")
    assert ("changed in 1 effect size of trials of both versions: the time point, of which only post (the end of "
            "treatment) is pooled") in line
    assert ("time point in 1 (*Smit, 2006*, cbt vs wl (cbt / wl), cidi (self-report), post: fu1 → post, not pooled "
            "in version 1.0.0, pooled in version 2.0.0).") in line
    assert ("- **Smit, 2006** (smit2006), cbt vs wl (cbt / wl), cidi (self-report), post: time point fu1 → post (not "
            "pooled in version 1.0.0, pooled in version 2.0.0); g −0.175.") in markdown
    assert "release 24.0.2 has no effect size with time point fu1: 0 removed, 1 recoded from it." in summary_line(
        markdown, "- **Codes no longer or newly used**")


def test_the_pooled_estimates_are_listed_in_the_order_of_table_2():
    """Overall, then the control conditions and then the psychotherapies by their number of trials in the new
    version, most first, then by name (as the article's Table 2), then the sensitivity analyses."""
    rated = {("overall", "all"): "low", ("control", "wl"): "low", ("control", "cau"): "low",
             ("control", "other ctr"): "low", ("therapy", "cbt"): "low", ("therapy", "bat"): "low"}
    old = snapshot("1.0.0", rated, ["A."], "0.5000")
    new = snapshot("2.0.0", rated, ["A."], "0.6000")
    trials = {("control", "wl"): "3", ("control", "cau"): "5", ("control", "other ctr"): "5", ("therapy", "cbt"): "2",
              ("therapy", "bat"): "4"}
    for side in (old, new):
        side["synthesis"] = [dict(row, k=trials.get((row["analysis"], row["level"]), row["k"]))
                             for row in side["synthesis"]]
    markdown = report_markdown(KIND.compare(old, new), TEMPLATES, KIND.changes_template)
    pooled = markdown.split("### Pooled estimates and what moved them", 1)[1].split("###")[0]
    assert re.findall(r"(?m)^- \*\*([^*]+)\*\*:", pooled) == [
        "All trials", "Control: care as usual", "Control: other control conditions", "Control: waiting list",
        "Psychotherapy: behavioural activation therapy", "Psychotherapy: cognitive behavioural therapy"]


def test_a_moved_paragraph_whose_words_changed_is_counted_reworded_and_labelled_so():
    """Three paragraphs about therapies: one reworded in place, one reworded and moved, one moved with the same
    words. The summary's counts are the detail's
    labels."""
    rated = {("overall", "all"): "low"}
    old = snapshot("1.0.0", rated, ["A."], "0.5000")
    new = snapshot("2.0.0", rated, ["A."], "0.5000")
    def paragraph(ident: str, text: str) -> dict:
        return {"section": "Results", "id": ident, "text": text}
    same = [paragraph("pst", "Problem solving, as before."), paragraph("dyn", "Psychodynamic, as before.")]
    old["paragraphs"] = [paragraph("ipt", "Interpersonal therapy, as before."),
                         paragraph("cbt", "CBT was tested in 2 trials."),
                         paragraph("bat", "Behavioural activation in 3 trials."), *same]
    new["paragraphs"] = [paragraph("bat", "Behavioural activation was tested in 4 trials."), *same,
                         paragraph("ipt", "Interpersonal therapy, as before."),
                         paragraph("cbt", "CBT was studied in 5 trials.")]
    markdown = report_markdown(KIND.compare(old, new), TEMPLATES, KIND.changes_template)
    line = summary_line(markdown, "- **Text**")
    labels = re.findall(r"(?m)^\*\*Results, (\w+)\*\* \(([^)]*)\)\.", markdown)
    assert "2 reworded (1 of them also moved), 0 added, 0 removed, 1 moved (the same words elsewhere)" in line
    assert sorted(label for _, label in labels) == ["moved", "moved, reworded", "reworded"]


def test_the_column_comparisons_of_the_studies_is_shown_as_what_it_counts_effect_sizes():
    """data/studies.csv's column `comparisons` counts a trial's effect sizes (its rows of data/comparisons.csv,
    as Metapsy's data.csv), not its comparisons of arms: a revised trial whose count changed (Smith, 2017:
    4 → 2, two instruments of one comparison each time) is reported under the column's title, effect sizes."""
    rated = {("overall", "all"): "low"}
    old = with_trials(snapshot("1.0.0", rated, ["A."], "0.5000"), {"smith2017": "Smith, 2017"},
                      [comparison("smith2017", "Smith, 2017", 0.5, f"s{i}", instrument=instrument, arm1=arm)
                       for i, (instrument, arm) in enumerate((("k-10", "cbt"), ("phq-9", "cbt"),
                                                              ("k-10", "cbt (biblio)"), ("phq-9", "cbt (biblio)")))])
    new = with_trials(snapshot("2.0.0", rated, ["A."], "0.5000"), {"smith2017": "Smith, 2017"},
                      [comparison("smith2017", "Smith, 2017", 0.5, f"s{i}", instrument=instrument)
                       for i, instrument in enumerate(("k-10", "phq-9"))])
    old["studies"]["smith2017"]["comparisons"], new["studies"]["smith2017"]["comparisons"] = 4, 2
    markdown = report_markdown(KIND.compare(old, new), TEMPLATES, KIND.changes_template)
    assert ("Changed: *effect sizes* (column *comparisons* of data/studies.csv) ~~4~~ → **2**.") in markdown
    assert "*comparisons* (data/studies.csv)" not in markdown
