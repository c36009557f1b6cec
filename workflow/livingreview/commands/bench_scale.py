"""``python -m livingreview bench-scale`` (``make bench-scale``): build times and memory at scale.

For each size N, a temporary copy of the project gets N synthetic studies
(:mod:`livingreview.commands.synthetic`: valid rows and ``@article`` entries
spread over the seed review's themes) and is built as an author builds it,
with ``make review``: cold (no ``build/``, no Snakemake metadata), then with
nothing to do, then after one finding was edited. For each, the wall-clock
time, the CPU time of the whole process tree (user and system, which a
shared machine changes less than the wall-clock time) and its peak memory
(the build and every pandoc and Typst it starts, sampled every 50 ms with
psutil) are printed, and, between two sizes, how time grows (the exponent k
of time ~ N^k).
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from ..project import PIPELINE, REVIEW_SOURCES, find_project
from .bench import BenchmarkError, children_cpu, clean, edit_one_finding
from .synthetic import write_review
from .verify import copy_files, fixed_files

SCENARIOS = ("cold build", "no-op", "one finding edited")


class PeakMemory:
    """The largest total resident memory of a process and its descendants while it runs."""

    def __init__(self, pid: int, every: float = 0.05):
        self.pid, self.every, self.peak = pid, every, 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        while not self._done.is_set():
            total = 0
            try:
                for process in [root, *root.children(recursive=True)]:
                    try:
                        total += process.memory_info().rss
                    except psutil.NoSuchProcess:
                        pass
            except psutil.NoSuchProcess:
                break
            self.peak = max(self.peak, total)
            self._done.wait(self.every)

    def stop(self) -> int:
        """Stop sampling; the peak in bytes."""
        self._done.set()
        self._thread.join()
        return self.peak


def measured(command: list[str], cwd: Path, env: dict) -> tuple[float, int, float]:
    """Seconds, peak tree memory (bytes) and CPU seconds of the tree of *command*; raises
    :class:`BenchmarkError` when it fails."""
    cpu = children_cpu()
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    memory = PeakMemory(process.pid)
    out, err = process.communicate()
    elapsed, peak = time.perf_counter() - start, memory.stop()
    if process.returncode != 0:
        raise BenchmarkError(f"`{' '.join(command)}` failed:\n{out}{err}")
    return elapsed, peak, children_cpu() - cpu


def run(root: Path, sizes: list[int]) -> dict[int, dict[str, tuple[float, int, float]]]:
    """Time and memory of each scenario at each size."""
    venv = Path(sys.executable).parent.parent
    make = ["make", "--no-print-directory", "review", f"VENV={venv}", "INSTALL="]
    results: dict[int, dict[str, tuple[float, int, float]]] = {}
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="livingreview-scale-") as tmp:
            project = Path(tmp) / "project"
            copy_files(root, project, fixed_files(root, [*PIPELINE, "Makefile", *REVIEW_SOURCES]))
            shutil.rmtree(project / "output", ignore_errors=True)
            write_review(project, n, root)
            env = dict(os.environ, PYTHONPATH=str(project / "workflow"))
            clean(project)
            cold = measured(make, project, env)
            noop = measured(make, project, env)
            edit_one_finding(project / "data" / "studies.csv", 1)
            edit = measured(make, project, env)
            results[n] = dict(zip(SCENARIOS, (cold, noop, edit), strict=True))
            print(f"  N = {n}: done", file=sys.stderr, flush=True)
    return results


def format_report(results: dict[int, dict[str, tuple[float, int, float]]]) -> str:
    """A table of times, CPU times and peak memory, and the growth of the cold build between sizes."""
    lines = [f"{'studies':>8}  {'scenario':<20}{'time':>9}{'CPU (tree)':>12}{'peak memory (tree)':>22}"]
    for n, scenarios in results.items():
        for name, (seconds, peak, cpu) in scenarios.items():
            lines.append(f"{n:>8}  {name:<20}{seconds:>8.2f}s{cpu:>11.2f}s{peak / 2**20:>18.0f} MiB")
    sizes = sorted(results)
    for small, large in zip(sizes, sizes[1:], strict=False):
        t_small, t_large = results[small]["cold build"][0], results[large]["cold build"][0]
        exponent = math.log(t_large / t_small) / math.log(large / small)
        lines.append(f"cold build from {small} to {large} studies: time grows as N^{exponent:.2f}")
    return "\n".join(lines)


def main(sizes: list[int]) -> int:
    """Run the scale benchmark for *sizes* and print its table."""
    print(f"livingreview bench-scale: {', '.join(map(str, sizes))} studies, {os.cpu_count()} CPUs (load "
          f"{os.getloadavg()[0]:.2f}), Python {sys.version.split()[0]}", flush=True)
    try:
        print(format_report(run(find_project(Path.cwd()), sizes)))
    except BenchmarkError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print("load average (1, 5, 15 min) at the end: " + " ".join(f"{n:.2f}" for n in os.getloadavg()))
    return 0
