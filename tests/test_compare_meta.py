"""Comparing two snapshots of a meta-analytic review (livingreview.compare_meta): renamed studies, matched
comparisons and revised effect sizes, pooled estimates, conclusion statements and the flow of trials."""

from __future__ import annotations

from livingreview import compare_meta
from livingreview.compare import Changes, FieldChange, StudyChange


def reference(family: str, year: str, title: str, doi: str = "", journal: str = "J") -> dict:
    record = {"type": "article", "author": [f"{family}, A."], "title": title, "year": year, "journal": journal}
    if doi:
        record["doi"] = doi
    return record


def snapshot(studies: dict[str, dict], comparisons: list[dict] = (), synthesis: list[dict] = (),
             conclusions: list[dict] = (), release: str = "1") -> dict:
    return {"studies": {k: {"key": k, "label": v.get("label", k), "status": v.get("status", "included")}
                        for k, v in studies.items()},
            "references": {k: v["reference"] for k, v in studies.items()},
            "comparisons": {c["id"]: c for c in comparisons}, "synthesis": list(synthesis),
            "conclusions": list(conclusions), "numbering": {k: i + 1 for i, k in enumerate(studies)},
            "database": {"release": release, "last_search": "2022-01-01"}, "search_flow": {"records.screened": 10},
            "sources": {"studies": "data/studies.csv", "bibliography": "references.bib"}}


def test_renamed_studies_are_matched_by_doi_reference_or_author_year_and_title():
    old = snapshot({
        "alfonso2009": {"label": "Alfonso, 2009", "reference": reference("Afonso", "2009", "Reminiscence")},
        "lund2019": {"reference": reference("Lund", "2019", "Task-sharing", doi="10.1/ABC")},
        "muller2010": {"reference": reference("Müller", "2010", "A Trial: of Things", journal="Old")},
        "gone2001": {"reference": reference("Gone", "2001", "Gone for good")},
        "twin2005a": {"reference": reference("Twin", "2005", "Same")},
        "twin2005b": {"reference": reference("Twin", "2005", "Same")},
    })
    new = snapshot({
        "afonso2009": {"label": "Afonso, 2009", "reference": reference("Afonso", "2009", "Reminiscence")},
        "lund2020": {"reference": reference("Lund", "2020", "Task-sharing (final)", doi="https://doi.org/10.1/abc")},
        "mueller2010": {"reference": reference("Muller", "2010", "A trial of things", journal="New")},
        "fresh2023": {"reference": reference("Fresh", "2023", "New")},
        "twin2005": {"reference": reference("Twin", "2005", "Same")},
    })
    assert compare_meta.match_renamed(old, new) == [
        ("alfonso2009", "afonso2009", "the same reference"), ("lund2019", "lund2020", "the same DOI"),
        ("muller2010", "mueller2010", "the same first author, year and title")]
    flow = compare_meta.trial_flow(old, new)
    assert flow == {"previous": 6, "now": 5, "carried": 3, "renamed": 3, "new": 2, "left": 3, "release": (6, 5),
                    "excluded": []}


def test_renamed_studies_leave_the_added_and_removed_lists_and_join_their_numbers():
    old = snapshot({"alfonso2009": {"label": "Alfonso, 2009", "reference": reference("Afonso", "2009", "R")}})
    new = snapshot({"afonso2009": {"label": "Afonso, 2009", "reference": reference("Afonso", "2009", "R")}})
    base = Changes(title="t", old_version="1", new_version="2", review_file="r", reference_count=(1, 1),
                   added=(StudyChange("afonso2009", "Afonso 2009", "R", "", None, 1, "included"),),
                   removed=(StudyChange("alfonso2009", "Afonso 2009", "R", "", 1, None, "deleted"),),
                   numbering=(("afonso2009", "Afonso 2009", None, 1), ("alfonso2009", "Afonso 2009", 1, None)))
    changes, meta = compare_meta.compare_meta_analysis(old, new, base)
    assert changes.added == () and changes.removed == ()
    assert changes.numbering == (("alfonso2009 → afonso2009", "Afonso 2009", 1, 1),)
    assert [(r.old_label, r.new_label, r.reason) for r in meta.renamed] == [
        ("Alfonso, 2009", "Afonso, 2009", "the same reference")]


def cmp(cid, key, g, se, instrument="bdi", control="cau", therapy="cbt"):
    return {"id": cid, "key": key, "psychotherapy": therapy, "control": control, "arm1": "", "arm2": "",
            "outcome_type": "msd", "instrument": instrument, "rating": "self-report", "time": "post", "g": g,
            "g_se": se}


def test_comparisons_are_matched_by_what_they_compare_not_by_their_ids():
    old = [cmp("a_1", "s", 0.5, 0.2), cmp("a_2", "s", 0.7, 0.3, instrument="hdrs"),
           cmp("a_3", "s", 0.9, 0.25, control="cau"), cmp("a_4", "s", 0.1, 0.1, instrument="phq-9")]
    new = [cmp("b_1", "s", 0.6, 0.2), cmp("b_2", "s", 0.7, 0.3, instrument="hdrs-17"),
           cmp("b_3", "s", 0.9, 0.25, control="wl"), cmp("b_5", "s", 0.4, 0.2, instrument="epds")]
    pairs, only_old, only_new = compare_meta.match_comparisons(old, new)
    assert sorted((a["id"], b["id"]) for a, b in pairs) == [("a_1", "b_1"), ("a_2", "b_2"), ("a_3", "b_3")]
    assert [c["id"] for c in only_old] == ["a_4"] and [c["id"] for c in only_new] == ["b_5"]
    before = snapshot({"s": {"reference": reference("S", "2000", "S")}}, old)
    after = snapshot({"s": {"reference": reference("S", "2000", "S")}}, new)
    revisions, counts, recodings, added, removed, _, _ = compare_meta.compare_comparisons(before, after, ())
    assert [(r.old_g, r.new_g) for r in revisions] == [(0.5, 0.6)]
    assert counts == {"revised": 1, "recoded": 2, "added": 1, "removed": 1, "before": 4, "now": 4}
    assert recodings == {(("instrument", "hdrs", "hdrs-17"),): 1, (("control", "cau", "wl"),): 1}
    assert [(e.comparison, e.g) for e in added] == [("cbt vs cau, epds (self-report), post", 0.4)]
    assert [(e.comparison, e.g) for e in removed] == [("cbt vs cau, phq-9 (self-report), post", 0.1)]


def test_the_same_comparison_recoded_and_revised_at_once_is_a_revision_not_an_addition_and_a_removal():
    """Metapsy 22.0.2 → 24.0.2: Saloheimo 2016's outcome moved from remission to change scores (hdrs →
    hdrs-17) with new values, McCusker 2021's control recoded care as usual → waiting list with a new value:
    each is the same comparison revised, its changed codes given. Shaw 1977's comparison kept its id (its
    parts reordered) while its nondirective arm moved from the control side to the psychotherapy side (cbt vs
    other → sup vs wl): both its sides changed, so it is another comparison, one effect size removed and one
    added, whatever its id. An effect size of two candidates stays unpaired."""
    def row(cid, key, g, therapy="cbt", control="cau", outcome="msd", instrument="hdrs", arm1=""):
        return dict(cmp(cid, key, g, 0.2, instrument=instrument, control=control, therapy=therapy),
                    outcome_type=outcome, arm1=arm1)

    old = [row("sal_1", "sal", 0.457, outcome="remission"), row("sal_2", "sal", 0.0, therapy="ipt",
                                                                 outcome="remission"),
           row("mcc_1", "mcc", 0.661, instrument="ces-d"),
           row("shaw_ot", "shaw", 0.898, control="other ctr", arm1="cbt (ct)"),
           row("shaw_wl", "shaw", 2.113, control="wl", arm1="cbt (ct)"),
           row("two_1", "two", 0.3, control="wl"), row("two_2", "two", 0.4, control="wl")]
    new = [row("x1", "sal", -0.435, outcome="change", instrument="hdrs-17"),
           row("x2", "sal", -0.309, therapy="ipt", outcome="change", instrument="hdrs-17"),
           row("x3", "mcc", 0.450, control="wl", instrument="ces-d"),
           row("ot_shaw", "shaw", 1.224, therapy="sup", control="wl", arm1="sup"),  # its id's parts reordered
           row("x4", "shaw", 2.113, control="wl", arm1="cbt"),
           row("x5", "two", 0.5, control="cau"), row("x6", "two", 0.6, control="cau")]
    studies = {k: {"reference": reference(k, "2000", k)} for k in ("sal", "mcc", "shaw", "two")}
    revisions, counts, recodings, added, removed, _, _ = compare_meta.compare_comparisons(
        snapshot(studies, old), snapshot(studies, new), ())
    found = {(r.key, r.old_g, r.new_g): r.recoded for r in revisions}
    assert found == {
        ("sal", 0.457, -0.435): (("outcome_type", "remission", "change"), ("instrument", "hdrs", "hdrs-17")),
        ("sal", 0.0, -0.309): (("outcome_type", "remission", "change"), ("instrument", "hdrs", "hdrs-17")),
        ("mcc", 0.661, 0.45): (("control", "cau", "wl"),)}
    assert recodings == {(("arm1", "cbt (ct)", "cbt"),): 1}  # Shaw's cbt vs wl: same value, arm recoded
    assert [(e.key, e.g) for e in removed if e.key == "shaw"] == [("shaw", 0.898)]
    assert [(e.key, e.g, e.comparison) for e in added if e.key == "shaw"] == [
        ("shaw", 1.224, "sup vs wl (sup), hdrs (self-report), post")]
    # Two effect sizes recoded alike, both with new values: which old one is which cannot be told.
    assert {e.key for e in added} == {e.key for e in removed} == {"two", "shaw"}
    assert counts["added"] == counts["removed"] == 3 and counts["revised"] == 3


def test_a_comparison_keeps_one_side_to_be_matched():
    """A comparison recoded on one side (its control condition, or its psychotherapy) is matched, by any rule;
    one whose psychotherapy and control condition both changed is not, even with the same effect size."""
    old = [cmp("a_1", "s", 0.5, 0.2, control="cau"), cmp("a_2", "s", 0.7, 0.3, therapy="other psy"),
           cmp("a_3", "s", 0.9, 0.25, therapy="cbt", control="other ctr")]
    new = [cmp("b_1", "s", 0.5, 0.2, control="wl"), cmp("b_2", "s", 0.7, 0.3, therapy="lrt"),
           cmp("b_3", "s", 0.9, 0.25, therapy="sup", control="wl")]
    pairs, only_old, only_new = compare_meta.match_comparisons(old, new)
    assert sorted((a["id"], b["id"]) for a, b in pairs) == [("a_1", "b_1"), ("a_2", "b_2")]
    assert [c["id"] for c in only_old] == ["a_3"] and [c["id"] for c in only_new] == ["b_3"]


def test_pooled_estimates_old_and_new_and_statements_whose_numbers_changed():
    row = {"analysis": "overall", "level": "all", "k": "2", "g": "0.5000"}
    old = snapshot({}, synthesis=[row], conclusions=[
        {"id": "a", "analysis": "overall", "level": "all", "statement": "g = {g}.", "text": "g = 0.50."},
        {"id": "b", "analysis": "overall", "level": "all", "statement": "Same.", "text": "Same."},
        {"id": "c", "analysis": "overall", "level": "all", "statement": "Old words.", "text": "Old words."}])
    new = snapshot({}, synthesis=[dict(row, k="3", g="0.6000"), {"analysis": "therapy", "level": "cbt", "k": "1",
                                                                 "g": "0.7000"}], conclusions=[
        {"id": "a", "analysis": "overall", "level": "all", "statement": "g = {g}.", "text": "g = 0.60."},
        {"id": "b", "analysis": "overall", "level": "all", "statement": "Same.", "text": "Same."},
        {"id": "c", "analysis": "overall", "level": "all", "statement": "New words.", "text": "New words."},
        {"id": "d", "analysis": "therapy", "level": "cbt", "statement": "Added.", "text": "Added."}])
    pooled = compare_meta.pooled_changes(old, new)
    assert [(p.analysis, p.level, p.label, p.old and p.old["g"], p.new["g"]) for p in pooled] == [
        ("overall", "all", "all trials", "0.5000", "0.6000"),
        ("therapy", "cbt", "cognitive behavioural therapy", None, "0.7000")]
    statements = compare_meta.statement_changes(old, new)
    assert [(s.id, s.kind) for s in statements] == [("a", "numbers"), ("c", "reworded"), ("d", "added")]
    assert [(s.op, s.text) for s in statements[0].segments] == [("equal", "g ="), ("delete", "0.50."),
                                                                 ("insert", "0.60.")]


def test_a_statement_held_to_another_condition_is_reported_with_both_conditions():
    """An author who loosens a condition to keep a statement through an update leaves a trace."""
    statement = {"id": "wl", "analysis": "control", "level": "wl", "statement": "Large.", "text": "Large."}
    old = snapshot({}, conclusions=[dict(statement, condition="ci_low > 0.5")])
    new = snapshot({}, conclusions=[dict(statement, condition="ci_low > 0.3")])
    [change] = compare_meta.statement_changes(old, new)
    assert (change.kind, change.old_condition, change.new_condition) == ("condition", "ci_low > 0.5", "ci_low > 0.3")
    assert compare_meta.statement_changes(old, old) == ()


def test_a_column_the_new_release_adds_is_reported_once_not_as_a_revision_of_every_trial():
    old = snapshot({"a": {"reference": reference("A", "2000", "A")}, "b": {"reference": reference("B", "2001", "B")}})
    new = snapshot({"a": {"reference": reference("A", "2000", "A")}, "b": {"reference": reference("B", "2001", "B")}})
    old["studies"]["a"]["n"] = old["studies"]["b"]["n"] = ""
    new["studies"]["a"]["n"], new["studies"]["b"]["n"] = 38, ""
    old["studies"]["b"]["country"], new["studies"]["b"]["country"] = "eu", "us"
    assert compare_meta.new_study_fields(old, new) == ("n",)
    revised = (StudyChange("a", "A", "A", "", 1, 1, "included", (FieldChange("data/studies.csv", "n", "", "38"),)),
               StudyChange("b", "B", "B", "", 2, 2, "included", (FieldChange("data/studies.csv", "n", "", "1"),
                                                                   FieldChange("data/studies.csv", "country", "eu", "us"))))
    changes, _ = compare_meta.without_new_fields(Changes(title="t", old_version="1", new_version="2", review_file="r",
                                                         reference_count=(2, 2), revised=revised), (), ("n",), "data/studies.csv")
    assert [(s.key, [f.field for f in s.fields]) for s in changes.revised] == [("b", ["country"])]


def test_a_first_release_reports_its_own_numbers():
    new = snapshot({"s": {"reference": reference("S", "2000", "S")}},
                   synthesis=[{"analysis": "overall", "level": "all", "k": "1", "g": "0.1"}])
    meta = compare_meta.first_release(new)
    assert meta.flow == {"previous": None, "now": 1, "carried": 0, "renamed": 0, "new": 1, "left": 0,
                         "release": (None, 1), "excluded": []}
    assert meta.search["new"]["last_search"] == "1 January 2022"
    assert [p.new["g"] for p in meta.pooled] == ["0.1"]


def test_a_unit_change_and_a_recode_are_reported_once_not_as_revisions():
    from livingreview.compare import StudyChange

    def side(values: dict[str, dict]) -> dict:
        base = snapshot({k: {"reference": reference(k, "2020", k)} for k in values})
        for key, fields in values.items():
            base["studies"][key].update(fields)
        return base

    old = side({"a": {"percent_women": 54.05, "country": "uk", "formats": "gsh ush"},
                "b": {"percent_women": 100.0, "country": "uk", "formats": "gsh ush"},
                "c": {"percent_women": 67.7, "country": "us", "formats": "grp"},
                "d": {"percent_women": 67.7, "country": "us", "formats": "grp"}})
    new = side({"a": {"percent_women": 0.54, "country": "gb", "formats": "gsh"},
                "b": {"percent_women": 1.0, "country": "gb", "formats": "gsh"},
                "c": {"percent_women": 0.73, "country": "us", "formats": "grp"},
                "d": {"percent_women": 0.67, "country": "us", "formats": "grp"}})
    base = Changes(title="t", old_version="1", new_version="2", review_file="r", reference_count=(4, 4),
                   revised=tuple(StudyChange(k, k, k, "", 1, 1, "included",
                                             compare_meta.field_changes(old["studies"][k], new["studies"][k],
                                                                        "data/studies.csv")) for k in "abcd"))
    found, changes, _ = compare_meta.not_revisions(old, new, base, (), "data/studies.csv")
    # 67.7 → 0.67 is the percentage as a fraction cut to two decimals (0.677), as release 24.0.2 gives
    # Choi, 2020b's: a unit change, not a revision.
    assert [(n.field, n.kind, n.count, n.old, n.new) for n in found] == [
        ("percent_women", "unit", 3, "", ""), ("country", "recode", 2, "uk", "gb")]
    # 67.7 → 0.73 is a revision as well as a unit change; "gsh ush" → "gsh" drops a code: revisions, kept.
    assert {(s.key, f.field) for s in changes.revised for f in s.fields} == {
        ("a", "formats"), ("b", "formats"), ("c", "percent_women")}


def test_the_drivers_pool_again_a_bounded_number_of_times_whatever_the_number_of_changes(monkeypatch):
    """Linear in the size of the review: each change's influence is approximated in constant time, and only
    a fixed number of candidates are pooled again exactly."""
    import random

    rng = random.Random(1)

    def side(n: int, shift: float) -> dict:
        studies = {f"s{i}": {"reference": reference(f"S{i}", "2020", f"T{i}")} for i in range(n)}
        comparisons = [{"id": f"s{i}-1", "key": f"s{i}", "psychotherapy": "cbt", "control": "wl", "time": "post",
                        "g": rng.gauss(0.5, 0.3) + (shift if i % 2 else 0.0), "g_se": 0.2} for i in range(n)]
        return snapshot(studies, comparisons)

    calls = []
    pooled = compare_meta._pooled
    monkeypatch.setattr(compare_meta, "_pooled", lambda effects: calls.append(len(effects)) or pooled(effects))
    for n in (200, 2000):
        calls.clear()
        drivers = compare_meta.analysis_drivers(side(n, 0.0), side(n + 50, 0.1), "overall", "all")
        assert drivers.changed >= n and len(drivers.drivers) == compare_meta.DRIVERS_SHOWN
        assert len(calls) <= 1 + 5 + 2 * compare_meta.DRIVER_CANDIDATES


def test_a_statements_changed_numbers_keep_their_sign_and_a_range_keeps_its_years():
    from livingreview.compare_meta import changed_numbers

    old = "95 % prediction interval -0.61 to 2.02 (trials of 1977-2022; 47,241 participants)"
    new = "95 % prediction interval -0.51 to 1.93 (trials of 1977-2024; 54,468 participants)"
    assert changed_numbers(old, new) == (("-0.61", "-0.51"), ("2.02", "1.93"), ("2022", "2024"),
                                         ("47,241", "54,468"))


def test_a_trials_effect_summed_in_another_order_has_not_changed():
    """Effect sizes whose ids changed are combined in another order: the trial's combined g differs in its
    last binary digits only (0.5620796242586031 against …030), which is no change; a real change still is."""
    studies = {"s": {"reference": reference("S", "2000", "S")}, "t": {"reference": reference("T", "2000", "T")}}

    def side(ids: list[str], t_g: float) -> dict:
        rows = [dict(cmp(i, "s", g, se), arm1=i[-1]) for i, g, se in zip(ids, (0.1, 0.2, 0.7), (0.3, 0.21, 0.17),
                                                                           strict=True)]
        return snapshot(studies, rows + [cmp("t_1", "t", t_g, 0.2)])

    old, new = side(["s_1", "s_2", "s_3"], 0.4), side(["s_b", "s_a", "s_c"], 0.5)
    effect = compare_meta.trial_effects
    assert effect(old, "overall", "all")["s"] != effect(new, "overall", "all")["s"]  # noise from the order
    drivers = compare_meta.analysis_drivers(old, new, "overall", "all")
    assert drivers.changed == 1 and [(d.change, d.count) for d in drivers.groups] == [("effect changed", 1)]
    assert [d.key for d in drivers.drivers] == ["t"]
    assert compare_meta.same_effect((0.5620796242586031, 0.0255), (0.562079624258603, 0.0255))
    assert not compare_meta.same_effect((0.5620796, 0.0255), (0.5620797, 0.0255))


def test_a_trial_has_one_name_in_every_list_of_the_report():
    """The database names a trial "Liu, 2024" while its reference is of 2023 (and another's the reverse): the
    trials added, the pooled estimates' drivers and the reference numbers all use the database's label
    (livingreview.compare.shown_label), never the reference's author and year for one and the label for another."""
    from livingreview.compare import compare

    studies = {"liu2023": {"label": "Liu, 2023", "reference": reference("Liu", "2024", "MBCT for students")},
               "liu2024": {"label": "Liu, 2024", "reference": reference("Liu", "2023", "ACT after stroke")}}
    old, new = snapshot({}), snapshot(studies)
    for side in (old, new):
        side.update(version="1", review={"title": "T"}, themes={}, paragraphs=[],
                    sources={**side["sources"], "review": "data/review.yaml", "themes": None})
    changes = compare(old, new)
    assert [(s.key, s.label) for s in changes.added] == [("liu2023", "Liu, 2023"), ("liu2024", "Liu, 2024")]
    assert [(key, label) for key, label, _, _ in changes.numbering] == [("liu2023", "Liu, 2023"), ("liu2024", "Liu, 2024")]
    assert changes.labels == {"liu2023": "Liu, 2023", "liu2024": "Liu, 2024"}


def shaw(ident: str, therapy: str, control: str, arm1: str, arm2: str, g: float, se: float) -> dict:
    """An effect size of Shaw, 1977 as releases 22.0.2 and 24.0.2 give it (BDI, self-report, post; 8 and 8
    participants analysed)."""
    return {"id": ident, "key": "shaw1977", "label": "Shaw, 1977", "psychotherapy": therapy, "control": control,
            "arm1": arm1, "arm2": arm2, "format": "grp", "outcome_type": "other statistic", "instrument": "bdi-1",
            "rating": "self-report", "time": "post", "g": g, "g_se": se, "n_arm1": 8.0, "n_arm2": 8.0}


def shaw_report(old_rows: list[dict], new_rows: list[dict]) -> str:
    """The changes report (its Markdown, from the meta-analysis kind's template) of Shaw, 1977's effect sizes
    *old_rows* in release 22.0.2 and *new_rows* in release 24.0.2."""
    from pathlib import Path

    from livingreview import kinds
    from livingreview.stages.changes import report_markdown

    root = Path(__file__).resolve().parents[1]
    kind = kinds.get("meta-analysis")
    sides = []
    for version, release, rows in (("1.0.0", "22.0.2", old_rows), ("2.0.0", "24.0.2", new_rows)):
        side = snapshot({"shaw1977": {"label": "Shaw, 1977", "reference": reference("Shaw", "1977", "Comparison")}},
                        rows, release=release)
        side.update(version=version, review={"version": version, "title": "A review"}, themes={}, paragraphs=[],
                    certainty=[])
        side["sources"]["review"] = "data/review.yaml"
        sides.append(side)
    return report_markdown(kind.compare(*sides), [str(root / "templates" / "kinds" / "meta-analysis"),
                                                  str(root / "templates")], kind.changes_template)


def test_an_arm_that_changed_sides_explains_the_effect_size_removed_and_the_one_added():
    """Shaw, 1977 (Metapsy 22.0.2 → 24.0.2): the nondirective arm (8 participants) was the control condition
    (other ctr) of cbt vs other ctr and is the psychotherapy sup of sup vs wl, under the same id (its parts
    reordered). The report names that cause, in the summary and the detail, for the effect size removed and
    the one added, and counts both as explained: not "release 22.0.2 has no arm sup" with the removed one
    unexplained."""
    old = [shaw("Shaw_1977_cbt_wl_cbt(ct)_wl_otherstatistic_bdi-1_self-report_0_post", "cbt", "wl", "cbt (ct)",
                "wl", 2.1131, 0.6025),
           shaw("Shaw_1977_bat_wl_bat(bt)_wl_otherstatistic_bdi-1_self-report_0_post", "bat", "wl", "bat (bt)", "wl",
                0.988, 0.504),
           shaw("Shaw_1977_cbt_otherctr_cbt(ct)_otherctr_otherstatistic_bdi-1_self-report_0_post", "cbt",
                "other ctr", "cbt (ct)", "other ctr", 0.8982, 0.4987)]
    new = [shaw("Shaw_1977_otherstatistic_bdi-1_post_0_self-report_bat_wl_bat(bt)_wl", "bat", "wl", "bat", "wl",
                0.988, 0.504),
           shaw("Shaw_1977_otherstatistic_bdi-1_post_0_self-report_cbt_otherctr_cbt(ct)_otherctr", "sup", "wl", "sup",
                "wl", 1.22436363636364, 0.519920086834712),
           shaw("Shaw_1977_otherstatistic_bdi-1_post_0_self-report_cbt_wl_cbt(ct)_wl", "cbt", "wl", "cbt", "wl",
                2.1131, 0.6025)]
    markdown = shaw_report(old, new)
    line = next(x for x in markdown.split("<details")[0].splitlines()
                if x.startswith("- **Codes no longer or newly used**"))
    assert ("the arm other ctr of *Shaw, 1977* changed from control to psychotherapy in release 24.0.2 (as sup): "
            "1 removed, 1 added.") in line
    assert "has no arm" not in line
    assert "They explain 1 of the 1 effect sizes removed from trials of both versions" in line
    assert "They explain 1 of the 1 effect sizes added in trials of both versions" in line
    detail = markdown.split("## Codes no longer or newly used", 1)[1].split("## Codes that decide")[0]
    assert ("- **Shaw, 1977**, arm other ctr: changed from control to psychotherapy in release 24.0.2 (as sup); "
            "1 removed, 1 added.") in detail
    assert ("cbt vs other ctr (cbt (ct) / other ctr), bdi-1 (self-report), post: g 0.898 (SE 0.499); removed, the "
            "arm on its control side.") in detail
    assert ("sup vs wl (sup / wl), bdi-1 (self-report), post: g 1.224 (SE 0.520); added, the arm on its "
            "psychotherapy side.") in detail


def test_an_arm_is_not_said_to_have_changed_sides_without_the_database_s_id_and_the_same_participants():
    """The same removal and addition under another id, or with another number of participants in the arm, is
    not called a change of sides: the effect size added is explained by its new code (sup, in no effect size of
    release 22.0.2 here), the one removed by its code no longer used (other ctr)."""
    old = [shaw("s_cbt_wl", "cbt", "wl", "cbt (ct)", "wl", 2.1131, 0.6025),
           shaw("s_cbt_ot", "cbt", "other ctr", "cbt (ct)", "other ctr", 0.8982, 0.4987)]
    for ident, n in (("s_sup_wl", 8.0), ("s_ot_cbt", 9.0)):
        new = [shaw("s_wl_cbt", "cbt", "wl", "cbt", "wl", 2.1131, 0.6025),
               dict(shaw(ident, "sup", "wl", "sup", "wl", 1.2244, 0.5199), n_arm1=n)]
        pairs, only_old, only_new = compare_meta.match_comparisons(old, new)
        assert compare_meta.changed_sides(pairs, only_old, only_new) == []
        line = next(x for x in shaw_report(old, new).split("<details")[0].splitlines()
                    if x.startswith("- **Codes no longer or newly used**"))
        assert "release 22.0.2 has no effect size with psychotherapy sup" in line and "changed from" not in line


def test_the_trials_added_are_dated_by_their_year_of_publication_against_the_previous_search():
    """A year is compared with a date: with a search until 1 January 2022, a trial of 2022 was published after
    it and one of 2021 before; with a search until 1 June 2022, a trial of 2022 may be either. The year is the
    earlier of the data's and the reference's (release 24.0.2's data give Saisanan, 2020 as of 2022)."""
    old = snapshot({})
    new = snapshot({"new2022": {"label": "New, 2022", "reference": reference("New", "2022", "N")},
                    "old2021": {"label": "Old, 2021", "reference": reference("Old", "2021", "O")},
                    "saisanan2020": {"label": "Saisanan, 2020", "reference": reference("Saisanan", "2020", "S")},
                    "noyear": {"label": "No year", "reference": reference("Noyear", "", "Y")}})
    for key, year in (("new2022", 2022), ("old2021", 2021), ("saisanan2020", 2022), ("noyear", "")):
        new["studies"][key]["year"] = year
    dated = compare_meta.added_by_date(old, new, set(new["studies"]))
    assert (dated.search, dated.year, dated.first_day) == ("1 January 2022", 2022, True)
    assert (dated.after, dated.before, dated.same_year, dated.unknown) == (
        ("new2022",), ("old2021", "saisanan2020"), (), ("noyear",))
    assert dated.differ == (("Saisanan, 2020", 2022, 2020),)
    old["database"]["last_search"] = "2022-06-01"
    dated = compare_meta.added_by_date(old, new, set(new["studies"]))
    assert (dated.after, dated.before, dated.same_year) == ((), ("old2021", "saisanan2020"), ("new2022",))
    old["database"]["last_search"] = ""
    assert compare_meta.added_by_date(old, new, set(new["studies"])) is None


def test_the_summary_states_what_the_database_no_longer_collects_as_a_change_of_scope():
    """Release 24.0.2 has no unguided self-help (format ush) and no arms combining a psychotherapy with another
    treatment (De Groot 2019's cbt + exercise, Rohan 2007's cbt + light therapy), which release 22.0.2 had: the
    summary states it as a change of the database's scope, with the counts, and that the database gives no
    reason; an outcome type or a time point no longer used is not one. Without such a change, no bullet."""
    kept = shaw("s_cbt_wl", "cbt", "wl", "cbt (ct)", "wl", 2.1131, 0.6025)
    old = [kept, dict(shaw("s_sh_wl", "cbt", "wl", "cbt (self-help)", "wl", 0.988, 0.504), format="ush"),
           shaw("s_lt_wl", "cbt", "wl", "cbt (cbt+lt)", "wl", 1.6, 0.42),
           dict(shaw("s_lt_wl_hdrs", "cbt", "wl", "cbt (cbt+lt)", "wl", 1.5, 0.41), instrument="hdrs",
                rating="clinician"),
           dict(shaw("s_cbt_wl_fu", "cbt", "wl", "cbt (ct)", "wl", 1.0, 0.5), time="fu1")]
    summary = shaw_report(old, [kept]).split("<details")[0]
    line = next(x for x in summary.splitlines() if x.startswith("- **Scope**"))
    assert line.endswith("): release 24.0.2 contains no effect size with format ush (unguided self-help) (release "
                         "22.0.2 had 1 effect size, in 1 trial); release 24.0.2 contains no arm cbt (cbt+lt) of "
                         "*Shaw, 1977* (release 22.0.2 had 2 effect sizes in it). The database gives no reason.")
    assert "fu1" not in line
    assert "- **Scope**" not in shaw_report([kept], [kept])
