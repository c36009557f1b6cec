"""Issue 21, item 4: every numeric edge of a meta-analysis names its trial and row.

Non-finite, tiny, zero or huge standard errors and effects, counts that are
not numbers, and rows repeated under another id are refused with the file,
the row, the column, the trial and a fix, never a traceback or a silent
double pooling; an exact duplicate row of a release is imported once.
"""

from __future__ import annotations

import csv
import io
import shutil

import pandas as pd
import pytest
from conftest import ROOT
from livingreview import kinds, meta_analysis
from livingreview.errors import DataError
from livingreview.importers import metapsy
from livingreview.tables import read_table

EXAMPLE = ROOT / "examples" / "metapsy-depression"
HEADER = ("id,key,label,psychotherapy,control,arm1,arm2,format,outcome_type,instrument,rating,time,time_weeks,g,"
          "g_se,n_arm1,n_arm2,rand_arm1,rand_arm2,n_sessions,rob,sg,ac,ba,itt")
ROW = "{id},smith2020,\"Smith, 2020\",cbt,cau,,,ind,msd,bdi-2,self-report,post,12,{g},{se},{n},40,,,8,2,1,1,sr,1"


def table(tmp_path, *rows: dict):
    path = tmp_path / "comparisons.csv"
    lines = [HEADER] + [ROW.format(**({"id": f"c{i}", "g": "0.5", "se": "0.2", "n": "40"} | row))
                        for i, row in enumerate(rows, start=1)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    comparisons = read_table(path, meta_analysis.COMPARISONS_SCHEMA, "comparison table", "id")
    return [*meta_analysis.number_cell_problems(comparisons, str(path)),
            *meta_analysis.numeric_problems(comparisons, str(path))], str(path)


@pytest.mark.parametrize(("cell", "column", "problem"), [
    ({"se": "1e-300"}, "g_se", "a standard error of 1e-300 is not plausible (outside 0.001 to 10); it would give "
                               "the trial all the weight and make the pooling singular"),
    ({"se": "0.0000001"}, "g_se", "a standard error of 1e-07 is not plausible"),
    ({"se": "1e300"}, "g_se", "a standard error of 1e+300 is not plausible (outside 0.001 to 10); it would give "
                              "the trial no weight"),
    ({"se": "1e400"}, "g_se", "g_se is not a finite number (inf)"),
    ({"g": "1e400"}, "g", "g is not a finite number (inf)"),
    ({"g": "-1e300"}, "g", "an effect size of -1e+300 is not a plausible Hedges' g (beyond ±50)"),
    ({"g": "75"}, "g", "an effect size of 75 is not a plausible Hedges' g"),
    ({"n": "forty"}, "n_arm1", '"forty" in column n_arm1 is not a number'),
    ({"n": "4O"}, "n_arm1", '"4O" in column n_arm1 is not a number'),
    ({"g": "\"0,5\""}, "g", '"0,5" in column g is not a number'),
    ({"g": "nan"}, "g", '"nan" in column g is not a number'),
    ({"n": "1e999"}, "n_arm1", "n_arm1 is not a finite number (inf)"),
])
def test_a_number_pooling_cannot_take_names_trial_row_column_and_fix(tmp_path, cell, column, problem):
    problems, path = table(tmp_path, {}, cell)
    [error] = problems
    assert error.file == path and error.where == f"row 2 (line 3), column {column}" and error.line == 3
    assert error.problem.startswith('trial "Smith, 2020": ') and problem in error.problem
    assert error.fix


def test_a_zero_standard_error_says_greater_than_zero(tmp_path):
    [error], _ = table(tmp_path, {"se": "0"})
    assert error.where == "row 1 (line 2), column g_se"
    assert "greater than 0" in error.fix


def test_plausible_edges_pass(tmp_path):
    problems, _ = table(tmp_path, {"g": "-50", "se": "0.001"}, {"g": "15.96", "se": "10", "n": ""})
    assert problems == []


def test_a_row_repeated_under_another_id_is_refused_not_pooled_twice(tmp_path):
    problems, path = table(tmp_path, {"id": "a"}, {"id": "b", "g": "0.7"}, {"id": "a-copy"})
    [error] = problems
    assert error.where == "row 3 (line 4), id a-copy"
    assert "the row repeats row 1 (id a)" in error.problem and "pooled twice" in error.problem
    assert error.fix.startswith("delete one of the two rows")


def test_the_same_id_twice_is_refused(tmp_path):
    problems, _ = table(tmp_path, {"id": "a"}, {"id": "a"})
    assert any('"a" appears twice (also in row 1)' in p.problem for p in problems)


def test_the_build_s_evidence_stage_refuses_a_tiny_standard_error_with_the_trial(tmp_path, monkeypatch):
    """The whole evidence stage of the Metapsy review, one cell changed: one plain error, no traceback."""
    review = tmp_path / "review"
    shutil.copytree(EXAMPLE / "data", review / "data")
    shutil.copy(EXAMPLE / "references.bib", review / "references.bib")
    path = review / "data" / "comparisons.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    rows[4]["g_se"] = "1e-300"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    before = {p.name: p.read_bytes() for p in (review / "data").iterdir()}
    monkeypatch.chdir(review)
    data = {"studies": "data/studies.csv", "comparisons": "data/comparisons.csv", "decisions": "data/decisions.csv",
            "conclusions": "data/conclusions.csv", "database": "data/database.yaml",
            "certainty": "data/certainty.yaml", "reference_corrections": "data/reference-corrections.csv",
            "review": "data/review.yaml", "bibliography": "references.bib"}
    with pytest.raises(DataError) as caught:
        kinds.get("meta-analysis").read_evidence(data)
    text = str(caught.value)
    assert text.startswith(f'data/comparisons.csv, row 5 (line 6), column g_se: trial "{rows[4]["label"]}": '
                           "a standard error of 1e-300 is not plausible")
    assert "\n  fix: " in text and "Traceback" not in text
    assert {p.name: p.read_bytes() for p in (review / "data").iterdir()} == before


def test_an_exact_duplicate_row_of_a_release_is_imported_once_and_reported():
    release = metapsy.read_release(ROOT / "tests" / "fixtures" / "metapsy" / "release")
    once = metapsy.make_tables(release.frame)
    frame = pd.concat([release.frame.iloc[:3], release.frame.iloc[[1]], release.frame.iloc[3:]], ignore_index=True)
    twice = metapsy.make_tables(frame)
    assert twice.comparisons == once.comparisons and twice.studies == once.studies
    assert twice.merged_rows == [(4, 2)]
