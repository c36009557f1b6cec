"""The meta-analytic data model (livingreview.meta_analysis) and the Metapsy section templates, on a small
evidence file made here: what each paragraph counts, and how the text words those counts."""

from __future__ import annotations

from livingreview import meta_analysis


def study(key: str, n: float | None, year: int = 2020) -> dict:
    """A study row as evidence.json holds it."""
    return {"key": key, "label": f"{key[:-4].title()}, {key[-4:]}", "year": year, "country": "us",
            "target_group": "adul", "rob": 4, "n_analysed": n, "status": "included", "reason": ""}


def comparison(key: str, therapy: str, control: str, n1, n2, arm1: str = "", arm2: str = "",
               format: str = "ind") -> dict:
    """A comparison row as evidence.json holds it."""
    return {"key": key, "psychotherapy": therapy, "control": control, "arm1": arm1, "arm2": arm2, "format": format,
            "n_arm1": n1, "n_arm2": n2, "time": "post"}


def evidence(studies: list[dict], comparisons: list[dict]) -> dict:
    """A meta-analysis evidence file with *studies* (all included) and *comparisons*."""
    return {"kind": "meta-analysis", "review": {"framing": {"introduction": "Intro.", "conclusion": "Conclusion."}},
            "database": {"name": "Depression", "release": "1.0.0", "citation_key": "db", "last_search": "2022-01-01",
                         "search_flow": {}},
            "studies": studies, "comparisons": comparisons, "included": [s["key"] for s in studies]}


# A trial with two psychotherapies and one shared control arm (two outcomes of the CBT comparison), a trial
# with two CBT arms against a waiting list, and a trial without n.
TRIALS = evidence(
    [study("multi2020", 150), study("twocbt2021", 75), study("nocount2019", None)],
    [comparison("multi2020", "cbt", "cau", 50, 60), comparison("multi2020", "cbt", "cau", 48, 60),
     comparison("multi2020", "ipt", "cau", 40, 60),
     comparison("twocbt2021", "cbt", "wl", 30, 20, arm1="internet"),
     comparison("twocbt2021", "cbt", "wl", 25, 20, arm1="group", format="grp"),
     comparison("nocount2019", "ipt", "wl", None, None)])


def test_participants_of_a_group_count_only_the_arms_of_its_comparisons():
    context = meta_analysis.context(TRIALS)
    therapies = {g["code"]: g for g in context["psychotherapies"]}
    controls = {g["code"]: g for g in context["controls"]}
    # CBT: its arms (50, the larger of 50 and 48; 30 and 25) and their control arms (60, 20); not the IPT arm.
    assert therapies["cbt"]["participants"] == 50 + 60 + 30 + 25 + 20
    assert therapies["ipt"]["participants"] == 40 + 60
    assert controls["cau"]["participants"] == 50 + 40 + 60
    assert controls["wl"]["participants"] == 30 + 25 + 20


def test_participants_of_all_comparisons_are_the_studies_participants():
    counts = meta_analysis.context(TRIALS)["counts"]
    assert counts["participants"] == 150 + 75
    assert counts["trials_with_n"] == 2
