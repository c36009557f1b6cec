"""``python -m livingreview bench-preview REVIEW...`` (``make bench-preview``): save → page ready.

For each review folder, in a copy of the project: start ``python -m
livingreview preview`` on a free port, wait for its first version, then edit
one data file (the one-edit scenario of ``make bench``: a narrative review's
finding, a meta-analytic review's decision) and time from the write to the
moment the preview's state announces the new version *and* the served page
has been read back. The medians (and the slowest run) are printed.

:class:`PreviewProcess` is also what the tests use to drive a preview: it
waits on the states the preview announces (``/__livingreview__/state.json``),
never on a fixed sleep.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from ..config import read_file as read_config_file
from ..project import PIPELINE, REVIEW_SOURCES, find_project
from .bench import edit_one
from .preview import STATE_PATH
from .verify import copy_files, fixed_files

URL = re.compile(r"preview of .* at (http://127\.0\.0\.1:\d+/)")


class PreviewError(RuntimeError):
    """The preview did not reach the state waited for."""


class PreviewProcess:
    """``python -m livingreview preview REVIEW --port 0`` run in *project*, as a context manager."""

    def __init__(self, project: Path, review: str, timeout: float = 300):
        self.project, self.review, self.timeout = project, review, timeout
        self.lines: list[str] = []
        self.url: str | None = None
        self.started = threading.Event()

    def __enter__(self) -> PreviewProcess:
        env = dict(os.environ, PYTHONPATH=str(self.project / "workflow"), PYTHONUNBUFFERED="1")
        env.pop("LIVINGREVIEW_PROGRESS", None)
        self.process = subprocess.Popen([sys.executable, "-m", "livingreview", "preview", self.review, "--port", "0"],
                                        cwd=self.project, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True)
        threading.Thread(target=self._read, daemon=True).start()
        if not self.started.wait(self.timeout) or self.url is None:
            self.stop()
            raise PreviewError("the preview did not start:\n" + "".join(self.lines))
        return self

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)
            found = URL.search(line)
            if found:
                self.url = found[1]
                self.started.set()
        self.started.set()

    def state(self) -> dict:
        with urllib.request.urlopen(self.url + STATE_PATH.lstrip("/"), timeout=10) as response:
            return json.load(response)

    def page(self) -> str:
        with urllib.request.urlopen(self.url, timeout=10) as response:
            return response.read().decode("utf-8")

    def wait(self, ready, timeout: float | None = None) -> dict:
        """Poll the announced state until ``ready(state)`` holds; raise :class:`PreviewError` after *timeout*."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise PreviewError("the preview stopped:\n" + "".join(self.lines))
            state = self.state()
            if ready(state):
                return state
            time.sleep(0.005)
        raise PreviewError(f"the preview did not reach the state waited for:\n{''.join(self.lines[-30:])}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def __exit__(self, *exc) -> None:
        self.stop()


def measure(root: Path, review: str, runs: int) -> list[float]:
    """Seconds from saving one data file to the new page being served, *runs* times, in a copy of the project."""
    kind = read_config_file(root / review).get("kind", "narrative")
    with tempfile.TemporaryDirectory(prefix="livingreview-bench-preview-") as tmp:
        project = Path(tmp) / "project"
        names = [*PIPELINE, *(f"{review}/{name}" for name in [*REVIEW_SOURCES, "output"])]
        copy_files(root, project, fixed_files(root, names))
        folder = project / review
        times = []
        with PreviewProcess(project, review) as preview:
            version = preview.wait(lambda s: s["status"] in ("ready", "error"))["version"]
            for run in range(runs + 1):  # the first edit warms the bytecode and file caches
                start = time.perf_counter()
                edit_one(folder, kind, run)
                state = preview.wait(lambda s, v=version: s["version"] > v or s["status"] == "error")
                if state["status"] == "error":
                    raise PreviewError(f"the edited review failed to build: {state['error']}")
                version = state["version"]
                preview.page()
                if run:
                    times.append(time.perf_counter() - start)
        return times


def main(reviews: list[Path], runs: int = 5) -> int:
    """Measure and print save → page ready for each review folder."""
    print(f"livingreview bench-preview: {runs} edits per review, {os.cpu_count()} CPUs", flush=True)
    for review in reviews:
        root = find_project(review)
        relative = os.path.relpath(review.resolve(), root)
        times = measure(root, relative, runs)
        print(f"{relative}: save -> page ready, median {statistics.median(times):.2f} s, slowest {max(times):.2f} s "
              f"({', '.join(f'{t:.2f}' for t in times)})", flush=True)
    return 0
