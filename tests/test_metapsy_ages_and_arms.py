"""What the Metapsy database includes besides adults, and arm sizes that cannot be right.

- The database codes some trials "adol&yadul" (adolescents and young adults, release 24.0.2 on); the import
  keeps the code (it is not "yadul"), and a review "in adults" says how many such trials it includes.
- An arm size that is not a whole number (Boele, 2021: 5.96 of 80 randomised, its columns shifted), or larger
  than the arm's randomised participants, is listed in import-report.md with its row of data.csv; the
  committed review excludes Boele, 2021 (data/decisions.csv, with the reason), and says how it counts the
  fractional arm it keeps (Jesse, 2015: 19.5) and that it pools the 15 trials that analyse more participants
  than they randomised as given, with a sensitivity analysis without them.
- A decision on a study the release does not have (one made for a later release) is a warning, not an error.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path

import pytest
from in_process import evidence_and_synthesis
from livingreview import kinds
from livingreview.importers import metapsy
from livingreview.pooling import fixed
from livingreview.project import template_folders
from livingreview.stages.synthesis import Results, read_results
from livingreview.templates import Templates

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "metapsy"
REVIEW = ROOT / "examples" / "metapsy-depression"
KIND = kinds.get("meta-analysis")
ADOLESCENT_TRIALS = ["Ewais, 2021", "Kramer, 2014", "Rohde, 2014b", "van der Zanden, 2012"]


@pytest.fixture(scope="module")
def release_24():
    return metapsy.read_release(REVIEW / "sources" / "24.0.2")


@pytest.fixture(scope="module")
def tables_24(release_24):
    return metapsy.make_tables(release_24.frame)


# --- the import ----------------------------------------------------------------------------------

def test_the_database_s_adolescents_and_young_adults_keep_their_code(tables_24):
    studies = {s["label"]: s for s in tables_24.studies}
    assert sorted(label for label, s in studies.items() if s["age_group"] == "adol&yadul") == ADOLESCENT_TRIALS
    assert studies["Kramer, 2014"]["target_group"] == studies["van der Zanden, 2012"]["target_group"] == "adol&yadul"
    assert not [d for d in tables_24.drift if d[1] == "adol&yadul"]


def test_an_adolescent_code_passes_the_written_tables_schemas_and_no_recoding_is_reported():
    release = metapsy.read_release(FIXTURES / "release")
    frame = release.frame.copy()
    frame.loc[frame["study"] == "Aagaard, 2017", ["age_group", "target_group"]] = "adol&yadul"
    files, _ = metapsy.import_files(dataclasses.replace(release, frame=frame))  # check_written: no DataError
    assert "aagaard2017,\"Aagaard, 2017\",2017,eu,adol&yadul,adol&yadul," in files[metapsy.STUDIES]
    assert "adol&yadul" not in files[metapsy.REPORT]


def test_arm_sizes_that_cannot_be_right_are_listed_with_their_row(release_24, tables_24):
    report = metapsy.report_text(release_24, tables_24, metapsy.make_bibliography(release_24, tables_24.studies))
    section = report.split("## Arm sizes to check")[1].split("\n## ")[0]
    assert "| 67 | Boele, 2021 | n_arm1 | 5.96 | not a whole number of participants |" in section
    assert "| 315 | Jesse, 2015 | n_arm1 | 19.5 | not a whole number of participants |" in section
    assert "| 363 | Lamers, 2010 | n_arm1 | 127 | more than the 21 randomised (rand_arm1) |" in section
    fractional = [a for a in tables_24.arm_sizes if a[4].startswith("not a whole")]
    assert [(a[0], a[1]) for a in fractional] == [(67, "Boele, 2021"), (315, "Jesse, 2015"), (316, "Jesse, 2015")]
    larger = {a[1] for a in tables_24.arm_sizes if a[4].startswith("more than")}
    assert len(larger) == 15 and "Boele, 2021" not in larger
    assert f"{len(tables_24.arm_sizes)} arm sizes in 17 trials:" in section


def test_a_release_without_such_arm_sizes_says_none():
    release = metapsy.read_release(FIXTURES / "release")
    tables = metapsy.make_tables(release.frame)
    assert tables.arm_sizes == []
    report = metapsy.report_text(release, tables, metapsy.make_bibliography(release, tables.studies))
    assert "## Arm sizes to check" in report and report.split("## Arm sizes to check")[1].split("\n## ")[0].rstrip(
        ).endswith("None.")


# --- the committed review's text -----------------------------------------------------------------

@pytest.fixture(scope="module")
def committed(tmp_path_factory):
    evidence_json, synthesis_csv = evidence_and_synthesis(REVIEW, tmp_path_factory.mktemp("ages"))
    return json.loads(evidence_json.read_text(encoding="utf-8")), read_results(synthesis_csv)


def sections(data: dict, results) -> dict[str, str]:
    templates = Templates([str(f) for f in template_folders(REVIEW / "templates", kind_defaults=KIND.default_templates)])
    names = KIND.section_context(data, results)
    return {section: templates.render(f"sections/{section}.md.j2", **names) for section in KIND.sections}


def test_the_review_in_adults_says_which_trials_include_adolescents(committed):
    data, results = committed
    names = KIND.section_context(data, results)
    assert names["counts"]["adolescents"]["trials"] == ADOLESCENT_TRIALS
    text = sections(data, results)
    assert ("The database's collection is not limited to adults: it codes the participants of 4 trials of "
            f"{names['counts']['studies']} as adolescents and young adults (Ewais, 2021; Kramer, 2014; Rohde, 2014b; "
            "van der Zanden, 2012); this review includes them, as the database does.") in text["methods"]
    for section in ("abstract", "introduction"):
        assert "in adults with depression (and, in 4 trials, adolescents and young adults)" in text[section]


def test_without_such_trials_the_review_says_adults_only(committed):
    data, results = copy.deepcopy(committed)
    for study in data["studies"]:
        study["age_group"] = "adul" if study["age_group"] == "adol&yadul" else study["age_group"]
        study["target_group"] = "adul" if study["target_group"] == "adol&yadul" else study["target_group"]
    text = sections(data, results)
    assert "adolescents" not in text["methods"] + text["abstract"] + text["introduction"]


def test_boele_2021_is_excluded_and_no_participant_of_it_is_counted(committed):
    data, results = committed
    assert next(s for s in data["studies"] if s["key"] == "boele2021")["status"] == "excluded"
    names = KIND.section_context(data, results)
    included = [s for s in data["studies"] if s["status"] == "included"]
    assert names["counts"]["participants"] == round(sum(s["n_analysed"] or 0 for s in included))
    assert "boele2021" not in {s["key"] for s in included}
    assert names["counts"]["fractional_arms"] == [{"trial": "Jesse, 2015", "n": "19.5"}]
    assert ("The database gives a number of participants that is not a whole number for 1 arm of a trial "
            "(Jesse, 2015: 19.5); participants are summed as given and their totals rounded to whole "
            "numbers.") in sections(data, results)["methods"]


OVERSIZED_TRIALS = ["arean1993", "berman2022", "clark2008", "cuijpers2022b", "freedland2009", "heckman2013",
                    "hsiao2014", "lamers2010", "losada2015", "lustman1998", "noone2022", "scogin1989", "scogin2018",
                    "turner1979", "williams2013b"]


def test_trials_analysing_more_participants_than_they_randomised_are_named_and_pooled_without(committed):
    """The 15 trials of import-report.md's "Arm sizes to check" that analyse more than they randomised
    (Boele, 2021, excluded, is not among them) are pooled as given: the Methods say so with their counts and
    citations, and the overall effect without them is a sensitivity analysis of the synthesis table, in the
    Methods, the Results and Table 3."""
    data, results = committed
    names = KIND.section_context(data, results)
    oversized = names["counts"]["oversized_arms"]
    assert [s["key"] for s in oversized["trials"]] == OVERSIZED_TRIALS
    assert (oversized["arms"], oversized["analysed"], oversized["randomised"]) == (23, 1470, 830)
    assert oversized["largest"] == {"trial": "Lamers, 2010", "n": "135", "randomised": "23"}
    overall, row = results[("overall", "all")], results[("sensitivity", "oversized-arms-removed")]
    assert int(row["k"]) == int(overall["k"]) - 15
    text = sections(data, results)
    cited = "; ".join(f"@{{{key}}}" for key in OVERSIZED_TRIALS)
    assert (f"For 23 arms of 15 trials [{cited}], the database gives more participants analysed than were "
            "randomised to the arm (1,470 analysed of 830 randomised in these arms; the largest excess, Lamers, 2010: 135 of "
            "23); this review counts and pools them as the database gives them, and a sensitivity analysis leaves "
            "these trials out (Sensitivity analyses).") in text["methods"]
    assert ("(2) without outliers, the trials whose 95 % CI lies wholly outside the pooled 95 % CI; (3) without the "
            "trials with an arm that analyses more participants than were randomised to it (Data items); (4) with "
            "one effect size per trial, its largest, and (5) its smallest") in text["methods"]
    g, low, high = (fixed(row[name], 2) for name in ("g", "ci_low", "ci_high"))
    assert "Table 3 gives the overall effect pooled again five ways." in text["results"]
    assert (f"Without the 15 trials that analyse more participants in an arm than were randomised to it, g = {g} "
            f"({low} to {high}), larger than the {fixed(overall['g'], 2)} of all trials.") in text["results"]
    assert f"| Trials analysing more participants than randomised removed | {row['k']} | {g} | {low} to {high} |" in \
        text["results"]


def test_without_such_trials_the_review_has_four_sensitivity_analyses(committed):
    data, results = copy.deepcopy(committed)
    for comparison in data["comparisons"]:
        for arm in ("1", "2"):
            if comparison[f"n_arm{arm}"] is not None and comparison[f"rand_arm{arm}"] is not None:
                comparison[f"n_arm{arm}"] = min(comparison[f"n_arm{arm}"], comparison[f"rand_arm{arm}"])
    table = {name: row for name, row in results.items() if name != ("sensitivity", "oversized-arms-removed")}
    results = Results(table, results.small_study, results.subgroups, results.findings)
    assert KIND.section_context(data, results)["counts"]["oversized_arms"]["trials"] == []
    text = sections(data, results)
    assert "more participants analysed than were randomised" not in text["methods"]
    assert ("the pooled 95 % CI; (3) with one effect size per trial, its largest, and (4) its smallest"
            in text["methods"])
    assert "pooled again four ways" in text["results"] and "than randomised" not in text["results"]
    assert "sensitivity analyses (risk of bias, outliers, one effect size per trial)" in text["abstract"]


def test_the_abstract_names_every_sensitivity_analysis_the_methods_describe(committed):
    """The Abstract's list of sensitivity analyses follows the synthesis table's: with trials analysing more
    participants than they randomised, that analysis too (the Methods, Results and Table 3 have it)."""
    data, results = committed
    abstract = sections(data, results)["abstract"]
    assert ("sensitivity analyses (risk of bias, outliers, trials analysing more participants than they "
            "randomised, one effect size per trial)") in abstract


def test_a_decision_on_a_study_of_another_release_is_a_warning_naming_the_nearest_key(committed):
    data, _ = committed
    data = copy.deepcopy(data)
    data["decisions"].append({"key": "abas2081", "status": "excluded", "reason": "typo", "_row": 2, "_line": 3})
    warnings = [w for w in KIND.publication_warnings(data) if "abas2081" in str(w)]
    assert len(warnings) == 1
    assert ('there is no study "abas2081" in data/studies.csv (this release), so the decision is not used. '
            'Did you mean "abas2018"?') in str(warnings[0])


# --- the changes report ---------------------------------------------------------------------------

def test_a_trial_new_and_excluded_at_once_is_named_with_its_reason_and_its_reason_is_no_database_column():
    from livingreview.compare_meta import new_study_fields, trial_flow

    kept = {"key": "a2000", "label": "A, 2000", "status": "included", "reason": "", "n_randomised": ""}
    old = {"studies": {"a2000": kept}}
    new = {"studies": {"a2000": kept, "b2021": dict(kept, key="b2021", label="B, 2021", status="excluded",
                                                    reason="columns shifted")}}
    flow = trial_flow(old, new, renamed=[])
    assert flow["excluded"] == [("B, 2021", "columns shifted")] and (flow["previous"], flow["now"]) == (1, 1)
    assert flow["release"] == (1, 2)
    assert new_study_fields(old, new) == ()


def test_the_committed_changes_report_names_boele_2021_as_excluded():
    changes = (REVIEW / "output" / "changes.md").read_text(encoding="utf-8")
    summary = next(line for line in changes.splitlines() if line.startswith("- **Trials:**"))
    # named, its reason left to decisions.csv and the article (the summary is one screen)
    assert ("2 new in release 24.0.2 and excluded by the review's authors (*Boele, 2021*; *Fissler, 2016*; the reasons are in "
            "data/decisions.csv and the article's Introduction), ") in summary
    assert "the database now gives *reason*" not in changes
    assert "gives 480 as “included”" not in changes  # the release has 480 trials; the review 479


def test_the_flow_diagram_names_the_trials_left_out_as_excluded_or_retracted_not_both():
    """The box beside the database's trials says what the review's authors did: "Excluded by the review's
    authors" for an exclusion, "retracted" for a retraction (a retraction is not the authors' doing)."""
    from livingreview.stages.figures import decided_text

    assert decided_text([{"status": "excluded"}]) == "Excluded by the review's authors (n = 1)"
    assert decided_text([{"status": "retracted"}, {"status": "retracted"}]) == "Retracted (n = 2)"
    assert decided_text([{"status": "excluded"}, {"status": "retracted"}]) == (
        "Excluded by the review's authors (n = 1); retracted (n = 1)")
    svg = (ROOT / "examples" / "metapsy-depression" / "output" / "figures" / "prisma.svg").read_text(encoding="utf-8")
    assert "Excluded by the review" in svg and "retracted by the review" not in svg.casefold()


def test_the_article_names_the_trials_its_authors_excluded_with_their_reasons():
    """PRISMA 16b: the Introduction names each trial the review's authors excluded (Boele, 2021) with the reason
    of data/decisions.csv; the checklist points there; the Abstract and the Conclusion's limitations say that
    the authors departed from the database's selection."""
    article = (REVIEW / "output" / "review.md").read_text(encoding="utf-8")
    assert ("not counted or cited, and named here with the reason given in the review's data/decisions.csv: "
            "*Boele, 2021* (excluded): Release 24.0.2's row for it") in article
    assert "| 16b | Study selection |" in article and "| Introduction (the trials the review's authors excluded" in article
    assert "of its own, and its authors excluded 3 trials of the release (Introduction)." in article
    assert "search, selection (but for the 3 trials its authors excluded), data extraction" in article


def test_table_one_counts_the_age_groups_the_methods_speak_of_and_no_trial_as_zero_percent():
    """The Methods count the trials whose age group the database codes as adolescents and young adults (4):
    Table 1 has that row (Age group), beside the target groups (where the same code counts 2); a share under
    0.5 % of the trials prints "<1", not "0"."""
    from livingreview.meta_analysis import table_one

    studies = [{"key": f"s{i}", "age_group": "adol&yadul" if i < 4 else "adul", "target_group": "adul",
                "country": "us", "rob": 4} for i in range(479)]
    comparisons = [{"key": s["key"], "format": "ind", "control": "wl", "sg": 1, "ac": 1, "ba": "1", "itt": 1, "rob": 4}
                   for s in studies]
    rows = table_one(studies, comparisons)
    ages = {r["category"]: (r["n"], r["percent"]) for r in rows[:next(i for i, r in enumerate(rows[1:], 1)
                                                                       if r["characteristic"])]}
    assert rows[0]["characteristic"] == "Age group"
    assert ages == {"adults": (475, "99"), "adolescents and young adults": (4, "1")}
    one = table_one(studies[:1] + studies[4:], comparisons[:1] + comparisons[4:])  # 1 of 476: 0.2 %
    assert {r["category"]: r["percent"] for r in one[:2]}["adolescents and young adults"] == "<1"


# --- studies that may be one trial -----------------------------------------------------------------

def _trial(key: str, authors: list[str], g: float = 0.5, rand=(38, 36), n=(36, 32)) -> tuple[dict, dict, dict]:
    """A study, its one effect size and its bibliography entry."""
    study = {"key": key, "label": key.title()}
    row = {"key": key, "psychotherapy": "3rd", "control": "other ctr", "rand_arm1": rand[0], "rand_arm2": rand[1],
           "n_arm1": n[0], "n_arm2": n[1], "g": g, "g_se": 0.26}
    return study, row, {"authors": [{"family": name} for name in authors]}


def test_two_studies_with_the_same_arms_and_an_author_in_common_may_be_one_trial():
    from livingreview.meta_analysis import possible_duplicates

    trials = [_trial("fissler2016", ["Fissler", "Winnebeck", "Barnhofer"], g=1.17),
              _trial("winnebeck2017", ["Winnebeck", "Fissler"], g=1.54),
              _trial("other2017", ["Else"], g=1.54),  # the same arms, no author in common
              _trial("near2018", ["Fissler"], rand=(38, 35)),  # an author in common, other arms
              _trial("chan2013", ["Chan", "Ng"], rand=(14, 12), n=(14, 12)),
              _trial("ng2013", ["Ng", "Chan", "others"], rand=(14, 12), n=(14, 12))]
    studies, rows = [t[0] for t in trials], [t[1] for t in trials]
    pairs = possible_duplicates(studies, rows, {t[0]["key"]: t[2] for t in trials})
    assert [([s["key"] for s in p["trials"]], p["randomised"], p["analysed"], p["same_effects"]) for p in pairs] == [
        (["fissler2016", "winnebeck2017"], "38 and 36", "36 and 32", False),
        (["chan2013", "ng2013"], "14 and 12", "14 and 12", True)]
    # "others" (an author list cut short) is not an author in common
    assert possible_duplicates(studies[4:], rows[4:], {"chan2013": {"authors": [{"family": "others"}]},
                                                        "ng2013": {"authors": [{"family": "Others"}]}}) == []


def test_the_import_report_lists_the_studies_of_release_24_that_may_be_one_trial(release_24, tables_24):
    report = metapsy.report_text(release_24, tables_24, metapsy.make_bibliography(release_24, tables_24.studies))
    section = report.split("## Studies that may be one trial")[1].split("\n## ")[0]
    assert "| Chan, 2013; Ng, 2013 | 14 and 12 | 14 and 12 | the same |" in section
    assert "| Fissler, 2016; Winnebeck, 2017 | 38 and 36 | 36 and 32 | different |" in section
    assert section.count("\n| ") == 3  # the header and the two pairs


def test_the_methods_name_the_included_studies_that_may_be_one_trial(committed):
    data, results = copy.deepcopy(committed)
    decided = {"chan2013", "ng2013", "fissler2016", "winnebeck2017"}
    data["decisions"] = [d for d in data["decisions"] if d["key"] not in decided]
    for study in data["studies"]:
        if study["key"] in decided:
            study["status"], study["reason"] = "included", ""
    data["included"] = sorted(set(data["included"]) | decided)
    methods = sections(data, results)["methods"]
    assert ("2 pairs of trials may be two reports of one trial each: the two have the same psychotherapy and "
            "control condition, the same numbers of participants in each arm, and an "
            "author in common (Chan, 2013 and Ng, 2013 [@{chan2013}; @{ng2013}]: 14 and 12 randomised, 14 and 12 "
            "analysed, and the same effect sizes; Fissler, 2016 and Winnebeck, 2017 [@{fissler2016}; "
            "@{winnebeck2017}]: 38 and 36 randomised, 36 and 32 analysed). The database lists them as separate "
            "trials, and so does this review: if they are one, its participants are counted, and its effect "
            "pooled, twice.") in methods
