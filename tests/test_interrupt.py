"""Builds stopped at any point, and builds started at once, never cost the published article.

A real build is started and stopped with SIGINT (to its process group, as
Ctrl-C does), SIGTERM or SIGKILL when it reaches a given stage. output/
must then hold exactly the old release or exactly the new one, never a
mixture; and the next build must finish.

No test here races the build: a signal is sent only once the build has
announced that it handles signals ("livingreview: building ...", printed
after its handlers are in place) or once a stage's file exists, and every
outcome the code promises for that moment is accepted: exit 130 with its
message, or exit 0 when the build had already published (it won the race
fairly: the signal came after the last job).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import cli_environment, leftovers, output_hashes, run_cli, run_snakemake

ANNOUNCEMENT = "livingreview: building"
# Files whose appearance (newer than the start of the build) marks a stage; None: the announcement.
STAGES = {
    "start": None,
    "evidence": "build/evidence.json",
    "sections": "build/sections/description.md",
    "markdown": "build/release/review.md",
    "typst": "build/review.typ",
}
MARK = "changed since the release"


def change_the_data(project: Path) -> None:
    """Edit a study's population, so that the next release differs from output/ (and a mixture would show)."""
    studies = project / "data" / "studies.csv"
    text = studies.read_text(encoding="utf-8")
    studies.write_text(text.replace(",adults with depression,", f",adults with depression {MARK},", 1),
                       encoding="utf-8")


def start_build(project: Path, log: Path) -> subprocess.Popen:
    """Start ``python -m livingreview build`` in its own process group, its messages going to *log*."""
    with open(log, "w") as err:
        return subprocess.Popen([sys.executable, "-m", "livingreview", "build"], cwd=project,
                                env=cli_environment(project), stdout=subprocess.DEVNULL, stderr=err,
                                start_new_session=True)


def wait_for(condition, process: subprocess.Popen, what: str, timeout: float = 120) -> bool:
    """Wait until *condition()* holds; False if the build ended first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        if process.poll() is not None:
            return condition()
        time.sleep(0.01)
    raise AssertionError(f"the build never reached {what}")


def reach(project: Path, stage: str, since: float, process: subprocess.Popen, log: Path) -> bool:
    """Wait for the announcement, then for *stage*'s file; False if the build ended first."""
    if not wait_for(lambda: ANNOUNCEMENT in log.read_text(), process, "its announcement"):
        return False
    marker = STAGES[stage]
    if marker is None:
        return True
    path = project / marker
    return wait_for(lambda: path.exists() and path.stat().st_mtime >= since, process, f"stage {stage}")


def stop(process: subprocess.Popen, how: signal.Signals) -> None:
    """Send *how* the way a person would: Ctrl-C reaches the whole group, kill the process."""
    if how == signal.SIGINT:
        import os

        os.killpg(process.pid, signal.SIGINT)
    else:
        process.send_signal(how)
    process.wait(timeout=120)


def next_build_finishes(project: Path) -> None:
    """The next build finishes; after a SIGKILL, once the lock Snakemake left is removed as the message says."""
    result = run_cli(project, "build")
    if result.returncode != 0:
        assert "left Snakemake's lock behind" in result.stderr and "make unlock" in result.stderr, result.stderr
        assert run_snakemake(project, "--unlock").returncode == 0
        result = run_cli(project, "build")
    assert result.returncode == 0, result.stderr
    for name in ("review.md", "review.html"):  # every format was rebuilt from the changed data
        assert MARK in (project / "output" / name).read_text(encoding="utf-8")
    assert leftovers(project) == []


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=lambda s: s.name)
def test_a_build_stopped_at_any_stage_leaves_output_whole_and_the_next_build_finishes(project, tmp_path, how):
    old = output_hashes(project)
    change_the_data(project)  # so that a half-published release would show
    for stage in STAGES:
        since = time.time() - 0.01
        log = tmp_path / f"{stage}.log"
        process = start_build(project, log)
        if reach(project, stage, since, process, log):
            stop(process, how)
        else:
            process.wait(timeout=120)
        messages = log.read_text()
        assert "Traceback" not in messages, messages
        if how == signal.SIGKILL:
            assert process.returncode in (-signal.SIGKILL, 0), messages
        else:
            assert process.returncode in (130, 0), messages
            if process.returncode == 130:
                assert "build interrupted; output/ holds the previous release" in messages, messages
        now = output_hashes(project)
        if process.returncode != 0:
            assert now == old, f"output/ changed although the build stopped at stage {stage}"
        else:  # the build won the race and published: the new set, whole
            old = now
        if how == signal.SIGKILL and process.returncode != 0:
            assert run_snakemake(project, "--unlock").returncode == 0  # the lock a killed build leaves
    next_build_finishes(project)


def test_two_builds_at_once_do_not_mix(project, tmp_path):
    change_the_data(project)
    since = time.time() - 0.01
    first = start_build(project, tmp_path / "first.log")
    assert reach(project, "evidence", since, first, tmp_path / "first.log")
    second = run_cli(project, "build")
    first.wait(timeout=180)
    assert first.returncode == 0, (tmp_path / "first.log").read_text()
    if second.returncode != 0:  # it met the first build's lock
        assert "another build is running in this folder" in second.stderr, second.stderr
    assert MARK in (project / "output" / "review.md").read_text(encoding="utf-8")
    again = run_cli(project, "build")
    assert again.returncode == 0 and "output/ is up to date" in again.stdout, again.stdout + again.stderr
