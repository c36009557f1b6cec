"""Publishing is all or nothing, even when it fails half way."""

from __future__ import annotations

import errno
import shutil

import pytest
from livingreview.errors import PublishError
from livingreview.stages import release as release_module
from livingreview.stages.release import publish_release, recover, staging_folder

NAMES = ["review.md", "review.html", "review.pdf"]


def make_release(folder, text):
    folder.mkdir(parents=True, exist_ok=True)
    for name in NAMES:
        (folder / name).write_text(f"{text} {name}", encoding="utf-8")


def snapshot(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_a_release_is_published_whole_beside_what_output_already_holds(tmp_path):
    make_release(tmp_path / "output", "old")
    (tmp_path / "output" / "notes.txt").write_text("the author's", encoding="utf-8")
    make_release(tmp_path / "release", "new")
    assert publish_release(tmp_path / "release", tmp_path / "output", NAMES) == NAMES
    assert snapshot(tmp_path / "output") == snapshot(tmp_path / "release") | {"notes.txt": b"the author's"}
    assert publish_release(tmp_path / "release", tmp_path / "output", NAMES) == []  # nothing to change
    assert not staging_folder(tmp_path / "output").exists()


def test_a_failure_while_copying_leaves_output_as_it_was(tmp_path, monkeypatch):
    make_release(tmp_path / "output", "old")
    make_release(tmp_path / "release", "new")
    before = snapshot(tmp_path / "output")
    copies, real_copy = [], shutil.copyfile

    def failing_copy(source, target, *args, **kwargs):
        copies.append(target)
        if len(copies) == 5:
            raise KeyboardInterrupt  # as if the build were stopped between two files
        return real_copy(source, target)

    monkeypatch.setattr(release_module.shutil, "copyfile", failing_copy)
    with pytest.raises(KeyboardInterrupt):
        publish_release(tmp_path / "release", tmp_path / "output", NAMES)
    assert snapshot(tmp_path / "output") == before
    monkeypatch.undo()
    # the next publication cleans the half-made staging folder and publishes the whole set
    assert publish_release(tmp_path / "release", tmp_path / "output", NAMES) == NAMES
    assert snapshot(tmp_path / "output") == snapshot(tmp_path / "release")
    assert not staging_folder(tmp_path / "output").exists()


def test_a_full_disk_is_one_plain_error_and_leaves_nothing_behind(tmp_path, monkeypatch):
    make_release(tmp_path / "output", "old")
    make_release(tmp_path / "release", "new")
    before = snapshot(tmp_path / "output")

    def full(source, target, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    monkeypatch.setattr(release_module.shutil, "copyfile", full)
    with pytest.raises(PublishError) as caught:
        publish_release(tmp_path / "release", tmp_path / "output", NAMES)
    assert "the disk is full" in caught.value.problem and "free some space" in caught.value.fix
    assert snapshot(tmp_path / "output") == before
    assert not staging_folder(tmp_path / "output").exists()


def test_a_publication_killed_between_the_fallback_renames_is_undone(tmp_path):
    output = tmp_path / "output"
    staging = staging_folder(output)
    (staging / "previous").mkdir(parents=True)
    (staging / "previous" / "review.md").write_text("old release", encoding="utf-8")
    recover(output)
    assert (output / "review.md").read_text(encoding="utf-8") == "old release"
    assert not staging.exists()


def test_a_build_deletes_only_the_temporary_files_a_killed_build_left(tmp_path):
    from livingreview.files import remove_leftovers

    left = [tmp_path / "release" / ".review.md.k2j4.livingreview.tmp", tmp_path / ".evidence.json.x.livingreview.tmp"]
    others = [tmp_path / ".session.tmp", tmp_path / "notes.livingreview.tmp.txt", tmp_path / "review.md"]
    for path in left + others:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    assert sorted(remove_leftovers(tmp_path)) == sorted(left)
    assert not any(path.exists() for path in left) and all(path.exists() for path in others)
