"""Conclusion guards on numbers (livingreview.guards) and the conclusions table of a meta-analytic review:
conditions parsed without eval, statements filled from the synthesis table, bad rows named, broken guards
stopping the synthesis stage with the statement, the analysis and the new numbers."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from in_process import working_directory
from livingreview import guards, kinds
from livingreview.errors import DataError, EvidenceError, LivingReviewError
from livingreview.stages import evidence, synthesis

ROOT = Path(__file__).resolve().parents[1]
REVIEW = ROOT / "examples" / "metapsy-depression"
ROW = {"analysis": "control", "level": "wl", "k": "148", "participants": "13087", "g": "0.8494", "ci_low": "0.7460",
       "ci_high": "0.9528", "tau2": "0.3278", "i2": "77.9"}


def test_a_condition_is_comparisons_joined_by_and():
    parsed = guards.parse_condition("k >= 10 and ci_low>0.5 and g < 1.2 and i2 != 50 and tau2 <= .5 and k == 148")
    assert [str(c) for c in parsed] == ["k >= 10", "ci_low > 0.5", "g < 1.2", "i2 != 50", "tau2 <= 0.5", "k == 148"]
    assert parsed[1].value == Decimal("0.5")


@pytest.mark.parametrize("text, message", [
    ("", "the condition is empty"),
    ("k >= ten", '"k >= ten" is not a comparison'),
    ("ci_lo > 0", 'unknown name "ci_lo"'),
    ("k >= 10 or g > 0", '"k >= 10 or g > 0" is not a comparison'),
    ("k >= 10 and", '"(nothing)" is not a comparison'),
    ("__import__('os').system('x') > 0", "is not a comparison"),
    ("k => 10", '"k => 10" is not a comparison'),
    ("g > ci_low", '"g > ci_low" is not a comparison'),
], ids=["empty", "word", "misspelt", "or", "dangling-and", "code", "operator", "two-names"])
def test_a_condition_that_is_not_one_says_what_is_wrong(text, message):
    with pytest.raises(guards.ConditionError) as caught:
        guards.parse_condition(text)
    assert message in str(caught.value)
    if text.startswith("ci_lo "):
        assert 'Did you mean "ci_low"?' in str(caught.value)


def test_failed_comparisons_use_the_numbers_as_the_table_prints_them():
    condition = guards.parse_condition("k >= 10 and g >= 0.85 and ci_low > 0.746")
    assert [str(c) for c in guards.failed(condition, ROW)] == ["g >= 0.85", "ci_low > 0.746"]
    assert guards.failed(guards.parse_condition("ci_low > 0.745 and k == 148"), ROW) == []


def test_a_statement_prints_its_numbers_as_the_text_does():
    statement = {"statement": "Against a waiting list, g = {g} (95 % CI {ci_low} to {ci_high}; {k} trials, "
                 "{participants} participants; I² = {i2} %, τ² = {tau2}); {braces} stay {"}
    assert guards.unknown_placeholders(statement["statement"]) == ["braces"]
    statement["statement"] = statement["statement"].replace("{braces}", "braces")
    assert guards.render_statement(statement, ROW) == ("Against a waiting list, g = 0.85 (95 % CI 0.75 to 0.95; 148 "
                                                       "trials, 13,087 participants; I² = 78 %, τ² = 0.33); braces "
                                                       "stay {")


def test_a_condition_and_a_statement_can_name_robustness_results():
    """``low-rob.ci_low > 0`` reads the sensitivity row of the synthesis table, ``egger.p`` the small-study
    test; a statement prints them (p with its relation)."""
    low = dict(ROW, analysis="sensitivity", level="low-rob", k="61", g="0.6800", ci_low="0.5500", ci_high="0.8100")
    table = synthesis.Results({("control", "wl"): ROW, ("sensitivity", "low-rob"): low},
                              {"egger": {"test": "egger", "k": "179", "statistic": "7.5400", "p": "0.000000",
                                         "limit_g": "0.1800", "ci_low": "0.0300", "ci_high": "0.3300"}})
    condition = guards.parse_condition("k >= 10 and low-rob.ci_low > 0 and egger.p >= 0.10 and egger.limit_g > 0")
    assert [str(c) for c in condition][1:3] == ["low-rob.ci_low > 0", "egger.p >= 0.10"]
    assert [str(c) for c in guards.failed(condition, guards.guard_rows(ROW, table))] == ["egger.p >= 0.10"]
    statement = {"statement": "g = {g}; at low risk {low-rob.g} ({low-rob.k} trials); Egger {egger.p}, limit "
                              "{egger.limit_g}."}
    assert guards.unknown_placeholders(statement["statement"]) == []
    assert guards.render_statement(statement, ROW, table) == ("g = 0.85; at low risk 0.68 (61 trials); Egger p < "
                                                              "0.001, limit 0.18.")
    with pytest.raises(guards.ConditionError, match='unknown name "low-risk.g"'):
        guards.parse_condition("low-risk.g > 0")
    with pytest.raises(guards.ConditionError, match='unknown name "egger.tau2"'):
        guards.parse_condition("egger.tau2 > 0")


# --- the conclusions table, through the evidence and synthesis stages ---------------------------------

def review_copy(tmp_path: Path, conclusions: str) -> Path:
    folder = tmp_path / "review"
    for name in ("data", "references.bib"):
        source = REVIEW / name
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, folder / name)
    (folder / "data" / "conclusions.csv").write_text(conclusions, encoding="utf-8")
    return folder


def load(folder: Path) -> Path:
    with working_directory(folder):
        evidence.load(kind=kinds.get("meta-analysis"),
                      data={"studies": "data/studies.csv", "comparisons": "data/comparisons.csv",
                            "decisions": "data/decisions.csv", "conclusions": "data/conclusions.csv",
                            "database": "data/database.yaml", "review": "data/review.yaml",
                            "certainty": "data/certainty.yaml", "bibliography": "references.bib"},
                      out="build/evidence.json", log="build/log")
    return folder / "build" / "evidence.json"


def pool(folder: Path) -> None:
    with working_directory(folder):
        synthesis.pool_effects(evidence="build/evidence.json", out="build/synthesis.csv",
                               small_study="build/small_study_effects.csv", subgroups="build/subgroup_differences.csv",
                               findings="build/summary_of_findings.csv", control_event_rate=0.2, log="build/log")


HEADER = "id,order,analysis,level,condition,statement\n"


@pytest.mark.parametrize("rows, message", [
    ('x,1,control,waitlist,k >= 1,"Text."\n',
     'data/conclusions.csv, row 1 (line 2), column level: "waitlist" is not a level of the control analysis.'),
    ('x,1,therapy,cbt,k >= 1 or g > 0,"Text."\n',
     "data/conclusions.csv, row 1 (line 2), column condition: the condition cannot be read"),
    ('x,1,therapy,cbt,k >= 1,"g = {gg}."\n',
     'data/conclusions.csv, row 1 (line 2), column statement: the statement prints "{gg}", which is not a number '
     'of the synthesis. Did you mean "g"?'),
    ('x,1,therapy,cbt,k >= 1,"A."\ny,1,therapy,ipt,k >= 1,"B."\n',
     'data/conclusions.csv, row 2 (line 3), column order: statement "y" has the same order (1) as statement "x"'),
    ('x,1,therapy,cbt,k >= 1,"A."\nx,2,therapy,ipt,k >= 1,"B."\n',
     'data/conclusions.csv, row 2 (line 3), id x: "x" appears twice'),
    ('x,1,overall,everything,k >= 1,"A."\n',
     'data/conclusions.csv, row 1 (line 2), column level: "everything" is not a level of the overall analysis.'),
    ('X Y,1,overall,all,k >= 1,"A."\n', "data/conclusions.csv, row 1 (line 2), column id"),
], ids=["level", "condition", "placeholder", "same-order", "same-id", "overall-level", "id"])
def test_a_faulty_conclusions_row_is_named(tmp_path, rows, message):
    folder = review_copy(tmp_path, HEADER + rows)
    with pytest.raises(LivingReviewError) as caught:
        load(folder)
    assert isinstance(caught.value, DataError) or getattr(caught.value, "errors", None)
    assert message in str(caught.value)


def test_a_broken_guard_names_the_statement_the_analysis_and_the_new_numbers(tmp_path):
    folder = review_copy(tmp_path, HEADER + 'ok,1,overall,all,k >= 10,"All: g = {g}."\n'
                         'strong,2,therapy,dyn,k >= 10 and ci_low > 0.5,"Psychodynamic therapy works (g = {g})."\n')
    load(folder)
    with pytest.raises(EvidenceError) as caught:
        pool(folder)
    message = str(caught.value)
    assert message.startswith('data/conclusions.csv, row 2 (line 3), statement strong: the conclusion statement '
                              '"Psychodynamic therapy works (g = {g})." no longer holds: its condition '
                              '`k >= 10 and ci_low > 0.5` fails at `ci_low > 0.5` for the therapy analysis, level dyn, '
                              'which now has k = ')
    assert "g = 0." in message and "95 % CI 0." in message and "tau2 = " in message
    assert "fix: reword or remove the statement" in message
    assert not (folder / "build" / "synthesis.csv").exists()


def test_a_statement_whose_analysis_lost_every_trial_is_named(tmp_path):
    folder = review_copy(tmp_path, HEADER + 'gone,1,therapy,dyn,k >= 1,"Psychodynamic therapy works."\n')
    keys = {c["key"] for c in json.loads(load(folder).read_text(encoding="utf-8"))["comparisons"]
            if c["psychotherapy"] == "dyn"}
    (folder / "data" / "decisions.csv").write_text(
        "key,status,reason\n" + "".join(f"{key},excluded,test\n" for key in sorted(keys)), encoding="utf-8")
    load(folder)
    with pytest.raises(EvidenceError) as caught:
        pool(folder)
    assert ('statement gone: the conclusion statement "Psychodynamic therapy works." has lost its evidence: no '
            'included trial contributes to the therapy analysis, level dyn') in str(caught.value)


def test_the_reviews_own_conclusions_hold(tmp_path):
    folder = review_copy(tmp_path, (REVIEW / "data" / "conclusions.csv").read_text(encoding="utf-8"))
    load(folder)
    pool(folder)
    assert (folder / "build" / "synthesis.csv").read_text(encoding="utf-8").startswith("analysis,level,k,")
