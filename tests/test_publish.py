"""Publishing is all or nothing, even when it fails half way."""

from __future__ import annotations

import shutil

import pytest
from livingreview import publish as publish_module
from livingreview.publish import publish

NAMES = ["review.md", "review.html", "review.pdf"]


def make_release(folder, text):
    folder.mkdir(parents=True, exist_ok=True)
    for name in NAMES:
        (folder / name).write_text(f"{text} {name}", encoding="utf-8")


def snapshot(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_a_failure_while_copying_leaves_output_as_it_was(tmp_path, monkeypatch):
    make_release(tmp_path / "output", "old")
    make_release(tmp_path / "release", "new")
    before = snapshot(tmp_path / "output")
    copies, real_copy = [], shutil.copyfile

    def failing_copy(source, target, *args, **kwargs):
        copies.append(target)
        if len(copies) == 2:
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C between two files
        return real_copy(source, target)

    monkeypatch.setattr(publish_module.shutil, "copyfile", failing_copy)
    with pytest.raises(KeyboardInterrupt):
        publish(tmp_path / "release", tmp_path / "output", NAMES, tmp_path / "staging")
    assert snapshot(tmp_path / "output") == before
    monkeypatch.undo()
    # the next publish cleans the half-made staging folder and publishes the whole set
    assert publish(tmp_path / "release", tmp_path / "output", NAMES, tmp_path / "staging") == NAMES
    assert snapshot(tmp_path / "output") == snapshot(tmp_path / "release")
    assert not (tmp_path / "staging").exists()


def test_a_publication_killed_between_the_fallback_renames_is_undone(tmp_path):
    from livingreview.publish import recover

    output, staging = tmp_path / "output", tmp_path / ".output.publish"
    (staging / "previous").mkdir(parents=True)
    (staging / "previous" / "review.md").write_text("old release", encoding="utf-8")
    recover(output, staging)
    assert (output / "review.md").read_text(encoding="utf-8") == "old release"
