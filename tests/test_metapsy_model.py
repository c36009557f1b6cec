"""The meta-analytic data model (livingreview.meta_analysis) and the Metapsy section templates, on a small
evidence file made here: what each paragraph counts, and how the text words those counts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from livingreview import kinds, meta_analysis
from livingreview.templates import Templates

ROOT = Path(__file__).resolve().parents[1]
# The Metapsy review's own templates, then the meta-analysis kind's defaults, then the shared ones.
TEMPLATES = [ROOT / "examples" / "metapsy-depression" / "templates", ROOT / "templates" / "kinds" / "meta-analysis",
             ROOT / "templates"]


def study(key: str, n: float | None, year: int = 2020) -> dict:
    """A study row as evidence.json holds it."""
    return {"key": key, "label": f"{key[:-4].title()}, {key[-4:]}", "year": year, "country": "us",
            "age_group": "adul", "target_group": "adul", "rob": 4, "n_analysed": n, "status": "included", "reason": ""}


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


def render(section: str, data: dict) -> str:
    """Section *section* of the Metapsy review rendered from *data* (no numbering of citations)."""
    names = kinds.get("meta-analysis").section_context(data, None)
    return Templates(TEMPLATES).render(f"sections/{section}.md.j2", **names)


def test_the_introduction_says_which_trials_its_participant_total_counts():
    text = render("introduction", TRIALS)
    assert "225 participants in the analysed arms of the 2 trials that report them" in text


def test_the_results_count_trials_comparisons_and_effect_sizes_as_the_methods_define_them():
    """CBT: 2 trials; 3 comparisons (one arm against care as usual in multi2020, with two effect sizes; two arms
    against a waiting list in twocbt2021); 4 effect sizes, which the numbers in brackets count."""
    text = render("results", TRIALS)
    cbt = next(p for p in text.split("\n\n") if p.startswith("**Cognitive behavioural therapy.**"))
    assert "2 trials (3 comparisons, 4 effect sizes, 185 participants)" in cbt
    assert "against care as usual (2 effect sizes) and waiting list (2)" in cbt
    assert "It was delivered individually (3 effect sizes) and in groups (1)" in cbt


def test_the_conclusion_does_not_rank_the_catch_all_other_psychotherapies():
    many_others = evidence(
        [study(f"other{2000 + i}", 10) for i in range(3)] + [study("cbt2010", 10), study("ipt2011", 10)],
        [comparison(f"other{2000 + i}", "other psy", "wl", 5, 5) for i in range(3)]
        + [comparison("cbt2010", "cbt", "wl", 5, 5), comparison("cbt2010", "cbt", "cau", 5, 5),
           comparison("ipt2011", "ipt", "other ctr", 5, 5)])
    text = render("conclusion", many_others)
    assert "cognitive behavioural therapy and interpersonal psychotherapy are the most studied of the named " \
           "psychotherapies (1 trial each)" in text  # a tie said as a tie
    assert "waiting list is the most common of the named control conditions (4 trials, against 1 with care as usual)" in text
    assert "other psychotherapies" not in text.split("most studied")[1].split(".")[0]
    assert "other psychotherapies" not in text.split("the most studied")[0].split("database")[-1]


@pytest.mark.parametrize("n, text", [(1, "1 trial"), (2, "2 trials"), (12345, "12,345 trials")])
def test_the_count_filter_prints_a_number_and_its_noun_once_escaped(n, text):
    template = Templates(TEMPLATES).environment.from_string('{{ n | count("trial", "trials") }}')
    assert template.render(n=n) == text


def test_the_count_filter_escapes_its_noun_once():
    template = Templates(TEMPLATES).environment.from_string('{{ n | count("*trial*", "*trials*") }}')
    assert template.render(n=2) == r"2 \*trials\*"


def test_the_metapsy_templates_define_no_count_macro():
    for path in [*TEMPLATES[0].glob("sections/*.j2"), *TEMPLATES[1].glob("sections/*.j2")]:
        assert not re.search(r"\{%-?\s*macro\s+count\b", path.read_text(encoding="utf-8")), path.name


def test_the_conclusion_names_every_psychotherapy_and_control_condition_tied_for_a_place():
    """Release 22.0.2 had behavioural activation and third-wave therapy tied at 35 trials each behind CBT,
    and the Conclusion named only the first: every group of a place that several share is named, with
    "each", in the order of the tables (by name); a tie for second place among the control conditions too."""
    trials = [("cbt", "wl")] * 3 + [("bat", "cau"), ("bat", "other ctr"), ("3rd", "cau"), ("3rd", "other ctr")]
    tied = evidence([study(f"t{2000 + i}", 10) for i in range(len(trials))],
                    [comparison(f"t{2000 + i}", therapy, control, 5, 5) for i, (therapy, control) in enumerate(trials)]
                    + [comparison("t2000", "cbt", "other ctr", 5, 5)])
    # cbt: 3 trials; bat and 3rd: 2 each. wl: 3 trials; cau: 2; other ctr (the catch-all, not ranked): 3
    text = " ".join(render("conclusion", tied).split())
    assert ("cognitive behavioural therapy is the most studied of the named psychotherapies (3 trials), followed "
            "by behavioural activation therapy and third-wave therapy (2 trials each)") in text
    assert "waiting list is the most common of the named control conditions (3 trials, against 2 with care as " \
           "usual)" in text
    three = evidence([study(f"t{2000 + i}", 10) for i in range(5)],
                     [comparison("t2000", "cbt", "wl", 5, 5), comparison("t2001", "ipt", "cau", 5, 5),
                      comparison("t2002", "pst", "wl", 5, 5), comparison("t2003", "pst", "cau", 5, 5),
                      comparison("t2004", "dyn", "cau", 5, 5)])
    text = " ".join(render("conclusion", three).split())
    assert ("problem-solving therapy is the most studied of the named psychotherapies (2 trials), followed by "
            "cognitive behavioural therapy, interpersonal psychotherapy and psychodynamic therapy (1 trial "
            "each)") in text
    assert "care as usual is the most common of the named control conditions (3 trials, against 2 with waiting " \
           "list)" in text
    triple = evidence([study(f"t{2000 + i}", 10) for i in range(4)],
                      [comparison("t2000", "cbt", "wl", 5, 5), comparison("t2001", "ipt", "cau", 5, 5),
                       comparison("t2002", "pst", "wl", 5, 5), comparison("t2003", "dyn", "cau", 5, 5)])
    text = " ".join(render("conclusion", triple).split())
    assert ("cognitive behavioural therapy, interpersonal psychotherapy, problem-solving therapy and "
            "psychodynamic therapy are the most studied of the named psychotherapies (1 trial each), and care "
            "as usual and waiting list are equally common among the named control conditions (2 trials each)") in text
