"""Issue 21, item 5: staleness by content.

An input edited but saved with an older modification time (``cp -p``,
``rsync -a``, unzip, a clock that was ahead) is rebuilt and published: the
build dates it now when its content differs from what the last publication
was built from (build/published.json, build/inputs.sha256), and the
Makefile's fast path compares those hashes as well as the times.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, cli_environment
from livingreview.stages.release import touch_changed_inputs


def published_record(folder: Path, inputs: dict[str, bytes]) -> Path:
    import hashlib

    record = folder / "build" / "published.json"
    record.parent.mkdir(parents=True)
    for path, data in inputs.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(data)
    record.write_text(json.dumps({"inputs": {p: hashlib.sha256(d).hexdigest() for p, d in inputs.items()}}),
                      encoding="utf-8")
    return record


def test_an_edit_dated_before_the_publication_is_dated_now(tmp_path):
    record = published_record(tmp_path, {"data/review.yaml": b"version: 1\n", "data/studies.csv": b"key\na\n"})
    os.utime(record, (1_500_000_000, 1_500_000_000))
    edited = tmp_path / "data" / "review.yaml"
    edited.write_bytes(b"version: 2\n")
    os.utime(edited, (1_000_000_000, 1_000_000_000))  # as `cp -p` of an old file would leave it
    os.utime(tmp_path / "data" / "studies.csv", (1_000_000_000, 1_000_000_000))
    assert touch_changed_inputs(tmp_path, record) == ["data/review.yaml"]
    assert edited.stat().st_mtime > record.stat().st_mtime  # now: newer than the record
    assert (tmp_path / "data" / "studies.csv").stat().st_mtime == 1_000_000_000  # unchanged content: untouched
    assert touch_changed_inputs(tmp_path, record) == []  # now newer than the record: Snakemake sees it


def test_without_a_record_nothing_is_touched(tmp_path):
    assert touch_changed_inputs(tmp_path, tmp_path / "build" / "published.json") == []


def make_review(project: Path) -> subprocess.CompletedProcess:
    venv = Path(sys.executable).parent.parent
    return subprocess.run(["make", "--no-print-directory", "review", f"VENV={venv}", "INSTALL="], cwd=project,
                          env=cli_environment(project), capture_output=True, text=True, timeout=600)


def test_an_old_dated_edit_is_published_by_make_review(project):
    shutil.copy2(ROOT / "Makefile", project / "Makefile")
    first = make_review(project)
    assert first.returncode == 0, first.stdout + first.stderr
    assert (project / "build" / "inputs.sha256").is_file()
    review = project / "data" / "review.yaml"
    old = review.stat().st_mtime_ns
    review.write_text(review.read_text(encoding="utf-8").replace('acknowledgement: "None."',
                                                                 'acknowledgement: "The editors."'),
                      encoding="utf-8")
    os.utime(review, ns=(old - 10**12, old - 10**12))  # dated well before the publication
    again = make_review(project)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "up to date" not in again.stdout
    assert "The editors." in (project / "output" / "review.md").read_text(encoding="utf-8")
    assert "up to date" in make_review(project).stdout  # and then it is
