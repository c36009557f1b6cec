"""Issue 21, items 7 and 8: paths and false text.

Cells past the csv module's default field limit work; Git merge-conflict
markers in any input (a table, YAML, the bibliography, the published
snapshot) are refused with the file and line; templates must be inside the
project; and a missing published snapshot is recovered from git, or stops
the build, but never makes a later version "the first release".
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess

import pytest
from conftest import ROOT
from livingreview import config as review_config
from livingreview.errors import ConfigError, DataError
from livingreview.files import read_input
from livingreview.stages.changes import SNAPSHOT_FORMAT, previous_or_recovered, read_previous
from livingreview.tables import MAX_CELL, read_table


def seed_table(tmp_path, replace: tuple[str, str] | None = None):
    path = tmp_path / "studies.csv"
    shutil.copy(ROOT / "data" / "studies.csv", path)
    if replace:
        path.write_text(path.read_text(encoding="utf-8").replace(*replace, 1), encoding="utf-8")
    return path


def test_a_cell_longer_than_the_csv_module_s_default_limit_is_read(tmp_path):
    long = "A long description. " * 10_000  # 200,000 characters: past the default 131,072
    path = seed_table(tmp_path, ("recurrent depression", long.strip()))
    table = read_table(path, "studies", "study dataset", "key")
    assert table.problems == [] and table.rows[2]["population"] == long.strip()


def test_an_absurdly_long_cell_is_one_plain_error(tmp_path):
    path = seed_table(tmp_path)
    csv.field_size_limit(100)  # as if the cell were longer than MAX_CELL
    try:
        with pytest.raises(DataError) as caught:
            read_table(path, "studies", "study dataset", "key")
    finally:
        csv.field_size_limit(MAX_CELL)
    assert caught.value.where == "row 1 (line 2)" and "a cell is longer than 10,000,000 characters" in \
        caught.value.problem
    assert "never closed" not in caught.value.problem


CONFLICT = "<<<<<<< HEAD\n{ours}\n=======\n{theirs}\n>>>>>>> other-branch\n"


@pytest.mark.parametrize(("name", "text", "line"), [
    ("studies.csv", "key,theme\n" + CONFLICT.format(ours="a,x", theirs="a,y"), 2),
    ("review.yaml", "title: T\n" + CONFLICT.format(ours="version: 1.0.0", theirs="version: 1.1.0"), 2),
    ("references.bib", "@article{a, title={T}}\n\n>>>>>>> 3f2a9c1\n", 3),
])
def test_a_git_conflict_marker_in_an_input_is_refused_with_file_and_line(tmp_path, name, text, line):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as caught:
        read_input(path, "input")
    error = caught.value
    assert error.file == str(path) and error.where == f"line {line}" and error.line == line
    assert "holds a Git merge-conflict marker" in error.problem and "resolve the conflict" in error.fix


def test_a_line_of_equals_signs_alone_is_no_conflict(tmp_path):
    path = tmp_path / "review.yaml"
    path.write_text('abstract: |\n  Title\n  =======\n  text\n', encoding="utf-8")
    assert "=======" in read_input(path, "review metadata")


def test_a_conflict_in_the_published_snapshot_stops_the_changes_report(tmp_path):
    path = tmp_path / "evidence.json"
    path.write_text('{\n<<<<<<< HEAD\n "format": "a"\n=======\n "format": "b"\n>>>>>>> main\n}\n', encoding="utf-8")
    with pytest.raises(DataError) as caught:
        read_previous(path)
    assert caught.value.where == "line 2" and "Git merge-conflict marker" in caught.value.problem


@pytest.mark.parametrize("templates", ["{outside}", "../../elsewhere"])
def test_templates_outside_the_project_are_refused(tmp_path, monkeypatch, templates):
    review, outside = tmp_path / "project" / "review", tmp_path / "elsewhere"
    review.mkdir(parents=True)
    outside.mkdir()
    monkeypatch.chdir(review)
    monkeypatch.setattr(review_config, "is_valid", lambda config, schema: True)
    monkeypatch.setattr(review_config, "data_files", lambda config: ())
    config = {"reference_style": "apa", "build_dir": "build", "output_dir": "output",
              "templates": templates.format(outside=outside)}
    with pytest.raises(ConfigError) as caught:
        review_config.check(config, pipeline=tmp_path / "project")
    assert caught.value.problem.startswith(f'templates "{config["templates"]}" is outside the project')
    assert "copy the templates into the review folder" in caught.value.fix


def snapshot_file(version: str) -> dict:
    return {"format": SNAPSHOT_FORMAT, "snapshot": {"version": version}, "baseline": None}


def write_manifest(folder, version):
    (folder / "output").mkdir(parents=True, exist_ok=True)
    (folder / "output" / "manifest.json").write_text(json.dumps({"review": {"version": version}}), encoding="utf-8")


def test_a_missing_snapshot_with_a_manifest_stops_rather_than_say_first_release(tmp_path, monkeypatch):
    write_manifest(tmp_path, "1.0.0")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError) as caught:
        previous_or_recovered("output/evidence.json")
    error = caught.value
    assert error.file == "output/evidence.json"
    assert "output/manifest.json records version 1.0.0" in error.problem and "first release" in error.problem
    assert "git checkout -- output/evidence.json" in error.fix


def test_a_missing_snapshot_is_recovered_from_git(tmp_path, monkeypatch, capsys):
    write_manifest(tmp_path, "1.0.0")
    (tmp_path / "output" / "evidence.json").write_text(json.dumps(snapshot_file("1.0.0")), encoding="utf-8")
    env = dict(os.environ, GIT_AUTHOR_NAME="a", GIT_AUTHOR_EMAIL="a@b", GIT_COMMITTER_NAME="a",
               GIT_COMMITTER_EMAIL="a@b")
    for command in (["init", "-q"], ["add", "."], ["commit", "-qm", "1.0.0"]):
        subprocess.run(["git", *command], cwd=tmp_path, check=True, env=env, capture_output=True)
    (tmp_path / "output" / "evidence.json").unlink()
    monkeypatch.chdir(tmp_path)
    recovered = previous_or_recovered("output/evidence.json")
    assert recovered["snapshot"]["version"] == "1.0.0"
    assert "compares with the one committed to git (version 1.0.0)" in capsys.readouterr().err
    assert not (tmp_path / "output" / "evidence.json").exists()  # recovered in memory, output/ untouched


def test_without_a_manifest_there_is_no_baseline(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert previous_or_recovered("output/evidence.json") is None


@pytest.mark.parametrize("name", ["database.yaml", "studies.csv", "references.bib"])
def test_no_field_of_an_input_can_cite(tmp_path, name):
    """A citation marker (U+E000 key U+E001) in a database's name would cite a study, even a retracted one."""
    path = tmp_path / name
    path.write_text('name: "Depression \ue000retracted2020\ue001 database"\n', encoding="utf-8")
    with pytest.raises(DataError) as caught:
        read_input(path, "input", allow_invisible=True)
    assert caught.value.where == "line 1, column 19"
    assert "a private-use character the pipeline reserves for citations" in caught.value.problem
