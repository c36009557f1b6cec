"""Builds stopped at any stage, and builds started at once, never cost the published article.

A real build (``python -m livingreview build``, which becomes ``snakemake``)
is stopped with SIGINT (to its process group, as Ctrl-C does), SIGTERM or
SIGKILL while a given stage is held at its start. output/ must then hold
exactly the old release, or, when the held stage was the publication and
Snakemake let the running job finish, exactly the new one; the exit status
is not 0; and the next build finishes.

Nothing here races a clock: the stage is held by the pause hook of
:mod:`livingreview.stages` (it blocks on a named pipe, the environment says
which stage), the test knows the stage was reached when its own opening of
the pipe returns, it signals, it waits until Snakemake has announced the
interrupt (a line of the logger plugin, read from the build's stderr), and
only then lets the stage go on.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import cli_environment, leftovers, output_hashes, run_cli, run_snakemake
from livingreview.stages import PAUSE_AT, PAUSE_FIFO

# The stages a build is held at (their functions' names), in the order the build meets them.
STAGES = ("load", "render", "assemble", "pdf", "publish")
# A test run started in the background (``make test &``, a CI job without a terminal) may inherit SIGINT
# ignored, and so would every build it starts: Ctrl-C could not reach them. A build started at a terminal
# has SIGINT as Python sets it; so have the builds of these tests (a handled signal is reset for a child).
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
MARK = "changed since the release"
# What the logger plugin prints once Snakemake has taken an interrupt in (SIGINT or SIGTERM).
INTERRUPT_SEEN = "livingreview: build interrupted"


def change_the_data(project: Path, note: str = "") -> None:
    """Edit a study's population (again, with *note*), so that the next release differs from output/ (and a
    mixture would show), and the build held at a stage has that stage to run: a section reads its own part of
    the evidence (livingreview.parts), so a build stopped while the evidence was checked may have rendered
    the sections already."""
    studies = project / "data" / "studies.csv"
    text = studies.read_text(encoding="utf-8")
    studies.write_text(re.sub(r",recurrent depression[^,]*,", f",recurrent depression {MARK}{note},", text,
                              count=1), encoding="utf-8")


class HeldBuild:
    """A build started with stage *stage* held at its start, in its own process group."""

    def __init__(self, project: Path, stage: str, fifo: Path):
        os.mkfifo(fifo)
        self.fifo = fifo
        env = {PAUSE_AT: stage, PAUSE_FIFO: str(fifo)}
        self.process = subprocess.Popen([sys.executable, "-m", "livingreview", "build"], cwd=project,
                                        env=cli_environment(project, env), stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.messages: list[str] = []
        self.writer = None

    def reach(self) -> None:
        """Return once the stage is held; fail with the build's messages if it ended first."""
        def release_if_ended():  # a build that ended never opens the pipe: open it, so that ours returns
            self.process.wait()
            os.close(os.open(self.fifo, os.O_RDONLY | os.O_NONBLOCK))
        threading.Thread(target=release_if_ended, daemon=True).start()
        self.writer = open(self.fifo, "w")  # returns when the stage (or release_if_ended) opened it
        if self.process.poll() is not None:
            raise AssertionError(f"the build ended before the stage was held:\n{self.process.stderr.read()}")

    def wait_for_line(self, text: str) -> None:
        """Read the build's messages until one holds *text*."""
        for line in self.process.stderr:
            self.messages.append(line)
            if text in line:
                return
        raise AssertionError(f"the build never said {text!r}:\n{''.join(self.messages)}")

    def let_go(self) -> str:
        """Let the held stage go on; wait for the build to end; its messages."""
        self.writer.close()
        self.messages.append(self.process.stderr.read())
        self.process.wait(timeout=300)
        return "".join(self.messages)


def stop(build: HeldBuild, how: signal.Signals) -> str:
    """Send *how* as a person would (Ctrl-C reaches the whole group); then let the held stage go on."""
    if how == signal.SIGINT:
        os.killpg(build.process.pid, signal.SIGINT)
    else:
        build.process.send_signal(how)
    if how != signal.SIGKILL:
        build.wait_for_line(INTERRUPT_SEEN)
    return build.let_go()


def whole_release(project: Path) -> bool:
    """Whether every file of output/ is the one output/manifest.json records (one release, not a mixture)."""
    manifest = json.loads((project / "output" / "manifest.json").read_text(encoding="utf-8"))
    return all(hashlib.sha256((project / path).read_bytes()).hexdigest() == record["sha256"]
               for path, record in manifest["outputs"].items() if path != "output/manifest.json")


def next_build_finishes(project: Path) -> None:
    """The next build finishes and publishes the changed data in every format."""
    result = run_cli(project, "build")
    assert result.returncode == 0, result.stderr
    for name in ("review.md", "review.html"):
        assert MARK in (project / "output" / name).read_text(encoding="utf-8")
    assert whole_release(project)
    assert leftovers(project) == []


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=lambda s: s.name)
def test_a_build_stopped_at_any_stage_leaves_output_whole_and_the_next_build_finishes(project, tmp_path, how):
    old = output_hashes(project)
    change_the_data(project)  # so that a half-published release would show
    for stage in STAGES:
        change_the_data(project, f" before {stage}")
        build = HeldBuild(project, stage, tmp_path / f"{stage}.fifo")
        build.reach()
        messages = stop(build, how)
        code = build.process.returncode
        assert code != 0, messages
        assert "Traceback" not in messages, messages
        if how == signal.SIGKILL:
            assert code == -signal.SIGKILL
            assert output_hashes(project) == old, f"output/ changed although the build was killed at {stage}"
            assert run_snakemake(project, "--unlock").returncode == 0  # the lock a killed build leaves
        elif stage == "publish":  # Snakemake lets a running job finish: the publication, whole
            assert "output/ holds the new release, whole" in messages, messages
            assert MARK in (project / "output" / "review.md").read_text(encoding="utf-8")
            assert whole_release(project)
            old = output_hashes(project)
        else:
            assert "build failed; output/ was left unchanged" in messages, messages
            assert output_hashes(project) == old, f"output/ changed although the build stopped at {stage}"
    next_build_finishes(project)


def test_two_builds_at_once_do_not_mix(project, tmp_path):
    change_the_data(project)
    first = HeldBuild(project, "load", tmp_path / "first.fifo")
    first.reach()  # the first build holds Snakemake's lock on the folder now
    second = run_cli(project, "build")
    assert second.returncode == 1, second.stdout + second.stderr
    assert "another build is running in this folder" in second.stderr, second.stderr
    messages = first.let_go()
    assert first.process.returncode == 0, messages
    assert MARK in (project / "output" / "review.md").read_text(encoding="utf-8")
    again = run_cli(project, "build")
    assert again.returncode == 0 and "nothing to be done" in again.stdout, again.stdout + again.stderr
