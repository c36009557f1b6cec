"""Builds stopped at any point, and builds started at once, never cost the published article.

A real build is started and stopped with SIGINT (to its process group, as
Ctrl-C does), SIGTERM or SIGKILL when it reaches a given stage. output/
must then hold exactly the old release or exactly the new one, never a
mixture; and the next build must finish without anyone cleaning up
Snakemake's incomplete markers or locks.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import run_cli
from test_errors import output_hashes

# Files whose appearance (newer than the start of the build) marks a stage.
STAGES = {
    "start": None,  # right after the process starts (Snakemake parsing the Snakefile)
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


def start_build(project: Path) -> subprocess.Popen:
    """Start ``python -m livingreview build`` in its own process group."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    environment["PYTHONPATH"] = str(project / "workflow")
    return subprocess.Popen([sys.executable, "-m", "livingreview", "build"], cwd=project, env=environment,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def wait_for_stage(project: Path, stage: str, since: float, process: subprocess.Popen, timeout: float = 60) -> bool:
    """Wait until *stage*'s file is written after *since*; False if the build ended first."""
    marker = STAGES[stage]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        if marker is None:
            time.sleep(0.3)
            return True
        path = project / marker
        if path.exists() and path.stat().st_mtime >= since:
            return True
        time.sleep(0.02)
    raise AssertionError(f"the build never reached stage {stage}")


def stop(process: subprocess.Popen, how: signal.Signals) -> str:
    """Send *how* the way a person would: Ctrl-C reaches the whole group, kill the process."""
    if how == signal.SIGINT:
        os.killpg(process.pid, signal.SIGINT)
    else:
        process.send_signal(how)
    _, err = process.communicate(timeout=120)
    return err


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=lambda s: s.name)
def test_a_build_stopped_at_any_stage_leaves_output_whole_and_the_next_build_finishes(project, how):
    old = output_hashes(project)
    # a change, so that a half-published release would show
    change_the_data(project)
    for stage in STAGES:
        since = time.time() - 0.01
        process = start_build(project)
        reached = wait_for_stage(project, stage, since, process)
        err = stop(process, how) if reached else process.communicate()[1]
        assert "Traceback" not in err, err
        if reached and how != signal.SIGKILL and process.returncode != 0:
            # handled (130) - or, at the very start, before Python had set its handlers up
            assert process.returncode == 130 or (stage == "start" and process.returncode == -how), err
            assert process.returncode != 130 or "build interrupted; output/ was left unchanged" in err, err
            assert "build interrupted; output/ was left unchanged" in err, err
        now = output_hashes(project)
        if process.returncode != 0:
            assert now == old, f"output/ changed although the build stopped at stage {stage}"
        else:  # the build won the race and published: the new set, whole
            old = now
    result = run_cli(project, "build")
    assert result.returncode == 0, result.stderr
    for name in ("review.md", "review.html"):  # every format was rebuilt from the changed data
        assert MARK in (project / "output" / name).read_text(encoding="utf-8")
    assert not list((project / "build").rglob("*.tmp"))


def test_two_builds_at_once_wait_for_each_other(project):
    change_the_data(project)
    since = time.time() - 0.01
    first = start_build(project)
    assert wait_for_stage(project, "evidence", since, first)
    second = start_build(project)
    first_err = first.communicate(timeout=180)[1]
    second_err = second.communicate(timeout=180)[1]
    assert first.returncode == 0, first_err
    assert second.returncode == 0, second_err
    assert "another build is running here" in second_err and "waiting" in second_err
    md = (project / "output" / "review.md").read_text(encoding="utf-8")
    assert MARK in md
    assert run_cli(project, "build").stdout.strip() == "livingreview: output/ is up to date"


SIGTERM_WHILE_LOCKED = """
import os, signal, sys, threading
sys.path.insert(0, sys.argv[1])
from livingreview.cli import interruptible

lock, handled = threading.Lock(), threading.Event()

def graceful(signum, frame):  # as Snakemake's scheduler: note the request under its lock
    with lock:
        handled.set()

with interruptible() as stop:
    signal.signal(signal.SIGTERM, graceful)
    with lock:  # the signal comes while the main thread holds the lock
        os.kill(os.getpid(), signal.SIGTERM)
        sum(range(100000))
    print(handled.wait(10), stop.signal == signal.SIGTERM)
"""


def test_sigterm_while_snakemake_holds_its_scheduler_lock_does_not_deadlock():
    """Snakemake's SIGTERM handler takes a lock the interrupted main thread may hold; it must not wait forever."""
    workflow = str(Path(__file__).resolve().parents[1] / "workflow")
    result = subprocess.run([sys.executable, "-c", SIGTERM_WHILE_LOCKED, workflow], capture_output=True, text=True,
                            timeout=30)
    assert result.stdout.split() == ["True", "True"], result.stdout + result.stderr
