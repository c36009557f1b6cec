"""The Metapsy import on releases that are not as expected: values the review's schemas reject, missing or
damaged files and columns; each is a plain error naming the release's file, row and column, never a traceback,
and nothing is written."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from conftest import copy_project, run_cli
from livingreview.errors import LivingReviewError
from livingreview.importers import metapsy

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "metapsy" / "release"


def release_copy(tmp_path: Path, edit=None, name: str = "release") -> Path:
    """A copy of the small fixture release, its data.csv changed by *edit* (a function of the data frame,
    every cell read as text, R's row-name column under an empty header as published)."""
    import pandas as pd

    folder = tmp_path / name
    shutil.copytree(FIXTURE, folder)
    if edit is not None:
        path = folder / "data.csv"
        frame = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, encoding="utf-8")
        frame = edit(frame)
        out = io.StringIO()
        frame.to_csv(out, sep=";", index=False, lineterminator="\n")
        text = out.getvalue()
        path.write_text(text.replace("Unnamed: 0;", '"";', 1) if text.startswith("Unnamed: 0;") else text,
                        encoding="utf-8")
    return folder


def import_error(folder: Path) -> str:
    """The message of the error the import of *folder* raises (it must raise one)."""
    with pytest.raises(LivingReviewError) as caught:
        metapsy.import_files(metapsy.read_release(folder))
    return str(caught.value)


def set_cells(rows: list[int], column: str, value: str):
    """An edit that writes *value* into *column* of data rows *rows* (1-based)."""
    def edit(frame):
        for row in rows:
            frame.loc[row - 1, column] = value
        return frame
    return edit


# --- values the schemas reject (#7) --------------------------------------------------------------------------

def test_a_study_code_outside_the_schema_names_its_row_and_column_and_code_drift(tmp_path):
    message = import_error(release_copy(tmp_path, set_cells([20, 21], "target_group", "5 & 6")))
    assert "data.csv, row 20, column target_group" in message
    assert '"5 & 6"' in message and 'CODE_DRIFT["target_group"]' in message
    assert "workflow/livingreview/importers/metapsy.py" in message


def test_a_psychotherapy_code_outside_the_schema_names_its_row_and_column(tmp_path):
    message = import_error(release_copy(tmp_path, set_cells([13], "condition_arm1", "supportive")))
    assert "data.csv, row 13, column condition_arm1" in message and 'CODE_DRIFT["psychotherapy"]' in message


def test_a_code_mapped_in_code_drift_imports(tmp_path, monkeypatch):
    monkeypatch.setitem(metapsy.CODE_DRIFT, "psychotherapy", {"supportive": "sup"})
    folder = release_copy(tmp_path, set_cells([13], "condition_arm1", "supportive"))
    files, _ = metapsy.import_files(metapsy.read_release(folder))
    assert "| psychotherapy | supportive | sup | Freedland, 2009 |" in files[metapsy.REPORT]


def test_an_effect_size_that_is_not_a_number_names_its_row(tmp_path):
    message = import_error(release_copy(tmp_path, set_cells([3], ".g", "n/a")))
    assert "data.csv, row 3, column .g" in message


def test_metadata_the_build_would_reject_is_named(tmp_path):
    folder = release_copy(tmp_path)
    (folder / "metadata" / "last_search.txt").unlink()
    message = import_error(folder)
    assert "metadata" in message and "database.yaml with a last_search the build rejects" in message


def test_the_report_says_where_the_code_mappings_come_from(tmp_path):
    files, _ = metapsy.import_files(metapsy.read_release(FIXTURE))
    report = files[metapsy.REPORT]
    assert "variable_description.json" not in report
    assert "CODE_DRIFT" in report and "workflow/schemas/meta_" in report


# --- malformed releases (#10) ----------------------------------------------------------------------------------

@pytest.mark.parametrize("column", ["study", "condition_arm1", ".g", ".g_se"])
def test_a_missing_column_is_named(tmp_path, column):
    message = import_error(release_copy(tmp_path, lambda frame: frame.drop(columns=[column])))
    assert "data.csv" in message and f'"{column}"' in message and "missing" in message


def test_missing_references_are_named(tmp_path):
    folder = release_copy(tmp_path)
    (folder / "metadata" / "references.json").unlink()
    message = import_error(folder)
    assert "references.json" in message and "does not exist" in message


@pytest.mark.parametrize("text, problem", [("{}", "no reference strings"), ("[1, 2]", "not a JSON object"),
                                           ('{"Aagaard, 2017": ', "not valid JSON")])
def test_empty_or_broken_references_are_named(tmp_path, text, problem):
    folder = release_copy(tmp_path)
    (folder / "metadata" / "references.json").write_text(text, encoding="utf-8")
    message = import_error(folder)
    assert "references.json" in message and problem in message


def test_a_release_without_rows_is_named(tmp_path):
    message = import_error(release_copy(tmp_path, lambda frame: frame.iloc[0:0]))
    assert "data.csv" in message and "no rows" in message


def test_a_data_file_that_is_not_utf8_is_named(tmp_path):
    folder = release_copy(tmp_path)
    path = folder / "data.csv"
    path.write_bytes(path.read_bytes().replace("Müller".encode(), "Müller".encode("cp1252")) + "ü".encode("cp1252"))
    message = import_error(folder)
    assert "data.csv" in message and "UTF-8" in message


def test_only_r_s_unnamed_row_name_column_is_left_out(tmp_path):
    """A release written without R's row names keeps its first column (and imports the same tables)."""
    without = release_copy(tmp_path, lambda frame: frame.drop(columns=[frame.columns[0]]), name="without")
    expected, _ = metapsy.import_files(metapsy.read_release(FIXTURE))
    files, _ = metapsy.import_files(metapsy.read_release(without))
    assert files[metapsy.STUDIES] == expected[metapsy.STUDIES]
    assert files[metapsy.COMPARISONS] == expected[metapsy.COMPARISONS]
    assert "R's row names" not in files[metapsy.REPORT].split("## References")[0]


def test_a_malformed_release_is_one_plain_message_and_nothing_is_written(tmp_path):
    project = copy_project(tmp_path / "project")
    review = project / "review"
    release_copy(review / "sources", set_cells([20, 21], "target_group", "5 & 6"), name="9.9.9")
    result = run_cli(project, "import", "--review", "review", "--release", "9.9.9")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "error: " in result.stderr and "row 20, column target_group" in result.stderr
    assert not (review / "data").exists() and not (review / "references.bib").exists()


# --- writing (#8) ----------------------------------------------------------------------------------------------

def test_an_import_that_fails_while_writing_leaves_every_file_whole(tmp_path, monkeypatch):
    review = tmp_path / "review"
    files, _ = metapsy.import_files(metapsy.read_release(FIXTURE))
    metapsy.write_import(review, files, "test")
    before = {name: (review / name).read_bytes() for name in (*metapsy.OWNED_FILES, metapsy.RECORD)}
    changed = {name: text + "% changed\n" for name, text in files.items()}

    def failing_replace(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("os.replace", failing_replace)
    with pytest.raises(LivingReviewError) as caught:  # one plain message (issue 21: import is a transaction)
        metapsy.write_import(review, changed, "test")
    assert caught.value.problem.startswith("the disk is full: importing release test stopped")
    assert {name: (review / name).read_bytes() for name in before} == before
    assert not [p for p in review.rglob("*") if p.is_file() and p.relative_to(review).as_posix() not in before
                and p.relative_to(review).as_posix() not in metapsy.AUTHOR_FILES]
