"""Issue 21, item 3: an import is a transaction.

Every file of an import is replaced together or not at all: after a full
disk, a read-only folder or a kill at any step, the review's files are
byte-identical to before, nothing is left in the staging folder, and the next
import works (no "edited by hand?" refusal).
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys

import pytest
from conftest import ROOT
from livingreview import files as files_module
from livingreview.errors import DataError
from livingreview.files import TRANSACTION, recover_transaction, replace_together
from livingreview.importers.metapsy import AUTHOR_FILES, OWNED_FILES, RECORD, write_import


def old_import(review):
    """A review folder after an import of release 1 (the author's files made by it)."""
    files = {name: f"release 1: {name}\n" for name in OWNED_FILES}
    write_import(review, files, "1")
    return files


def new_files():
    return {name: f"release 2: {name}\n" for name in OWNED_FILES}


def state(review):
    """Every file of the review folder with its bytes (the staging folder included, if left)."""
    return {p.relative_to(review).as_posix(): p.read_bytes() for p in sorted(review.rglob("*")) if p.is_file()}


@pytest.fixture
def review(tmp_path):
    folder = tmp_path / "review"
    folder.mkdir()
    old_import(folder)
    return folder


def test_an_import_writes_every_file_and_leaves_no_staging_folder(review):
    changed = write_import(review, new_files(), "2")
    assert changed == [*OWNED_FILES, RECORD]
    assert all((review / name).read_text(encoding="utf-8") == text for name, text in new_files().items())
    assert not (review / TRANSACTION).exists()
    assert write_import(review, new_files(), "2") == []  # the same again: nothing changes


@pytest.mark.parametrize("failing", [1, 3, 6])
def test_a_full_disk_midway_changes_nothing_and_says_so_plainly(review, monkeypatch, failing):
    before = state(review)
    written, real = [], files_module._write_staged

    def full(path, data):
        written.append(path)
        if len(written) == failing:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(path, data)

    monkeypatch.setattr(files_module, "_write_staged", full)
    with pytest.raises(DataError) as caught:
        write_import(review, new_files(), "2")
    error = caught.value
    assert error.problem.startswith("the disk is full: importing release 2 stopped; nothing in")
    assert error.fix == "free some space on that disk, then run the same command again"
    assert "Traceback" not in str(error)
    assert state(review) == before
    monkeypatch.undo()
    write_import(review, new_files(), "2")  # the next import works
    assert (review / "data" / "studies.csv").read_text(encoding="utf-8") == "release 2: data/studies.csv\n"


def test_a_failure_during_the_swap_is_rolled_back(review, monkeypatch):
    before = state(review)
    renames, real = [], os.replace

    def failing(source, target):
        renames.append(target)
        if len(renames) == 4:  # the second file: its predecessor moved aside, the new one not yet in
            raise OSError(errno.EIO, "Input/output error", str(target))
        real(source, target)

    monkeypatch.setattr(files_module.os, "replace", failing)
    with pytest.raises(DataError) as caught:
        write_import(review, new_files(), "2")
    assert "importing release 2 stopped: Input/output error; nothing in" in caught.value.problem
    monkeypatch.undo()
    assert state(review) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_review_folder_is_one_plain_error(review):
    before = state(review)
    os.chmod(review, 0o555)
    try:
        with pytest.raises(DataError) as caught:
            write_import(review, new_files(), "2")
    finally:
        os.chmod(review, 0o755)
    assert caught.value.problem.startswith("permission denied: importing release 2 stopped")
    assert f"chmod -R u+w {review}" in caught.value.fix
    assert state(review) == before


KILL = """
import sys
sys.path.insert(0, {workflow!r})
from pathlib import Path
from livingreview.importers.metapsy import OWNED_FILES, write_import
write_import(Path({review!r}), {{name: f"release 2: {{name}}\\n" for name in OWNED_FILES}}, "2")
"""


def killed_import(review, step):
    code = KILL.format(workflow=str(ROOT / "workflow"), review=str(review))
    result = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, LIVINGREVIEW_STOP_AT=step),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == -signal.SIGKILL, result.stderr


@pytest.mark.parametrize(("step", "outcome"), [("staged", "rolled back"), ("swapping", "rolled back"),
                                               ("swapped", "rolled forward")])
def test_a_kill_at_any_step_is_undone_or_finished_and_the_next_import_works(review, step, outcome):
    before = state(review)
    killed_import(review, step)
    assert (review / TRANSACTION).is_dir()  # what the kill left
    assert recover_transaction(review) == outcome
    after = state(review)
    if outcome == "rolled back":
        assert after == before
    else:
        assert all(after[name] == f"release 2: {name}\n".encode() for name in OWNED_FILES)
    assert not (review / TRANSACTION).exists()
    write_import(review, new_files(), "2")  # never "edited by hand?"
    assert state(review) == {**{name: f"release 2: {name}\n".encode() for name in OWNED_FILES},
                             **{name: before[name] for name in AUTHOR_FILES}, RECORD: state(review)[RECORD]}


def test_a_killed_first_import_removes_the_files_it_had_created(tmp_path):
    review = tmp_path / "review"
    review.mkdir()
    killed_import(review, "swapping")
    assert recover_transaction(review) == "rolled back"
    assert state(review) == {}


def test_replace_together_refuses_nothing_it_should_not_and_recovers_before_writing(tmp_path):
    (tmp_path / TRANSACTION / "new").mkdir(parents=True)  # a staging folder without journal: staging was killed
    (tmp_path / TRANSACTION / "new" / "a.txt").write_text("half", encoding="utf-8")
    (tmp_path / "a.txt").write_text("old", encoding="utf-8")
    replace_together(tmp_path, {"a.txt": "new", "sub/b.txt": b"bytes"})
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "new"
    assert (tmp_path / "sub" / "b.txt").read_bytes() == b"bytes"
    assert not (tmp_path / TRANSACTION).exists()


@pytest.mark.parametrize(("number", "problem", "fix"), [
    (errno.EROFS, "the disk is read-only: importing release 2 stopped", "copy {review}/ to a writable disk"),
    (errno.EACCES, "permission denied: importing release 2 stopped", "chmod -R u+w {review}")])
def test_a_read_only_disk_or_a_refused_permission_is_one_plain_error(review, monkeypatch, number, problem, fix):
    before = state(review)

    def refused(path, data):
        raise OSError(number, os.strerror(number), str(path))

    monkeypatch.setattr(files_module, "_write_staged", refused)
    with pytest.raises(DataError) as caught:
        write_import(review, new_files(), "2")
    assert caught.value.problem.startswith(problem) and fix.format(review=review) in caught.value.fix
    assert state(review) == before
