"""``python -m livingreview bench``: time cold, no-op and one-finding rebuilds.

Each scenario runs the real command an author runs (a fresh
``python -m livingreview build`` process) in a temporary copy of the
project's sources as they are on disk, so the author's own ``build/`` and
``output/`` are never touched. Medians are
printed with every run's time.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .verify import copy_files, fixed_files


class BenchmarkError(RuntimeError):
    """A build failed while being timed."""


def timed_build(project: Path) -> float:
    """Seconds taken by one ``python -m livingreview build`` in *project*."""
    env = dict(os.environ, PYTHONPATH=str(project / "workflow"))
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "livingreview", "build"], cwd=project, env=env,
                            capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise BenchmarkError(f"the build failed during the benchmark:\n{result.stdout}{result.stderr}")
    return elapsed


def edit_one_finding(studies_csv: Path, run: int) -> None:
    """Change the `description` finding of the first study (a different text each run)."""
    text = studies_csv.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    rows[0]["description"] = rows[0]["description"].split(" (benchmark edit")[0] + f" (benchmark edit {run})."
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    studies_csv.write_text(out.getvalue(), encoding="utf-8")


def run_benchmark(root: Path, runs: int = 5) -> dict[str, list[float]]:
    """Time each scenario *runs* times; return the seconds per scenario."""
    times: dict[str, list[float]] = {"cold build": [], "no-op rebuild": [], "one finding edited": []}
    with tempfile.TemporaryDirectory(prefix="livingreview-bench-") as tmp:
        project = Path(tmp) / "project"
        copy_files(root, project, fixed_files(root))
        timed_build(project)  # warm the file system cache and Python's bytecode cache
        for run in range(runs):
            shutil.rmtree(project / "build", ignore_errors=True)
            shutil.rmtree(project / ".snakemake", ignore_errors=True)
            times["cold build"].append(timed_build(project))
            times["no-op rebuild"].append(timed_build(project))
            edit_one_finding(project / "data" / "studies.csv", run)
            times["one finding edited"].append(timed_build(project))
    return times


def format_report(times: dict[str, list[float]]) -> str:
    """A table of medians, with every run's time."""
    lines = [f"{'scenario':<22}{'median':>8}   runs (s)"]
    for name, values in times.items():
        runs = " ".join(f"{v:.2f}" for v in values)
        lines.append(f"{name:<22}{statistics.median(values):>7.2f}s   {runs}")
    return "\n".join(lines)


# A fixed amount of pure Python work in a fresh interpreter: comparable across
# versions of the pipeline and of its packages.
YARDSTICK = "sum(i * i for i in range(3_000_000))"


def machine_speed(runs: int = 3) -> float:
    """Median seconds of ``python -c YARDSTICK``: printed with the figures, since a shared or
    throttled machine can be much slower one hour than the next."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", YARDSTICK], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(root: Path, runs: int) -> int:
    """Run the benchmark and print its table."""
    print(f"livingreview bench: {runs} runs per scenario, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; "
          f"yardstick: '{YARDSTICK}' takes {machine_speed():.2f}s")
    try:
        print(format_report(run_benchmark(root, runs)))
    except BenchmarkError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
