"""``python -m livingreview bench [REVIEW]`` (``make bench``): how long builds take, beside a peer.

Each scenario runs what an author runs, in a temporary copy of the project
(the pipeline and the review folder, as they are on disk), so the author's
own ``build/`` and ``output/`` are never touched:

- cold build: ``make review`` with no ``build/`` and no Snakemake metadata;
- no-op: ``make review`` again;
- one edit: ``make review`` after one study's description was changed (a meta-analytic review: one
  comparison's effect size);
- plain Snakemake, cold: ``snakemake`` (the workflow profile) with no ``build/``;
- the peer: pandoc by hand from the same review.md to the same four formats, one after another
  (:func:`peer_commands`: HTML, PDF via pdflatex where there is one, else via Typst, DOCX, JATS),
  the plainest way to make them.

The scenarios are interleaved (each run does them all in turn). Medians are
printed with every run's time, and the median CPU time (user and system, of
the command and every process it waited for: Snakemake, its stage
processes, pandoc, Typst), the ratios the issue's bars name, the load
average, and a yardstick: how long a fresh Python takes for a fixed sum,
since a shared machine can be much slower one hour than the next.
"""

from __future__ import annotations

import csv
import io
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .. import pandoc
from ..config import read_file as read_config_file
from ..project import PIPELINE, REVIEW_SOURCES, find_project
from .verify import copy_files, fixed_files

YARDSTICK = "sum(i * i for i in range(3_000_000))"
# The peer's scenario: pandoc by hand to the same four formats (see peer_commands).
PEER = "peer: pandoc by hand, 4 formats"


class BenchmarkError(RuntimeError):
    """A build failed while being timed."""


def children_cpu() -> float:
    """CPU seconds (user and system) of this process's children that ended, and of every process they
    waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measured(command: list[str], cwd: Path, env: dict | None = None) -> tuple[float, float]:
    """Seconds taken by *command* in *cwd*, on the clock and of CPU (user and system, its own and that of every
    process it waited for: :func:`children_cpu`); raises :class:`BenchmarkError` when it fails."""
    cpu = children_cpu()
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise BenchmarkError(f"`{' '.join(command)}` failed during the benchmark:\n{result.stdout}{result.stderr}")
    return elapsed, children_cpu() - cpu


def timed(command: list[str], cwd: Path, env: dict | None = None) -> float:
    """Seconds taken by *command* in *cwd* on the clock (:func:`measured`)."""
    return measured(command, cwd, env)[0]


def edit_one_finding(studies_csv: Path, run: int) -> None:
    """Change the `description` finding of the first study (a different text each run)."""
    rows = list(csv.DictReader(io.StringIO(studies_csv.read_text(encoding="utf-8"))))
    rows[0]["description"] = rows[0]["description"].split(" (benchmark edit")[0] + f" (benchmark edit {run})."
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    studies_csv.write_text(out.getvalue(), encoding="utf-8")


def edit_one(folder: Path, kind: str, run: int) -> None:
    """The one-edit scenario: a narrative review's finding (one study's description), or a meta-analytic
    review's effect size (one comparison's)."""
    if kind == "meta-analysis":
        edit_one_effect(folder / "data" / "comparisons.csv", run)
    else:
        edit_one_finding(folder / "data" / "studies.csv", run)


def clean(review: Path) -> None:
    """Remove what makes a build warm: the build folder and Snakemake's metadata."""
    shutil.rmtree(review / "build", ignore_errors=True)
    shutil.rmtree(review / ".snakemake", ignore_errors=True)


def peer_commands(markdown: Path, folder: Path) -> tuple[str, list[list[str]]]:
    """The peer: pandoc by hand from the same review.md to the same four formats, one after another: HTML
    (``-s``), PDF (via pdflatex when there is one, else via Typst: pandoc writes ``.typ``, the ``typst``
    package the pipeline uses compiles it), DOCX and JATS; its name and its commands.

    pandoc's LaTeX writer reads a div whose id starts with ``ref-`` as a
    citeproc bibliography entry and fails outside a bibliography, so the
    peer converts a copy of review.md whose reference anchors are renamed.
    """
    source = folder / "peer.md"
    if (markdown.parent / "figures").is_dir():  # the figures, where review.md names them
        shutil.copytree(markdown.parent / "figures", folder / "figures", dirs_exist_ok=True)
    source.write_text(markdown.read_text(encoding="utf-8").replace("#ref-", "#reference-"), encoding="utf-8")
    binary = str(pandoc.binary())
    if shutil.which("pdflatex"):
        name, pdf = "pdflatex", [[binary, str(source), "-o", str(folder / "peer.pdf")]]
    else:
        typst_source = folder / "peer.typ"
        name = "Typst"
        pdf = [[binary, str(source), "-s", "-o", str(typst_source)],
               [sys.executable, "-c", f"import typst; typst.compile({str(typst_source)!r}, "
                                      f"output={str(folder / 'peer.pdf')!r})"]]
    return name, [[binary, str(source), "-s", "-o", str(folder / "peer.html")], *pdf,
                  [binary, str(source), "-o", str(folder / "peer.docx")],
                  [binary, str(source), "-s", "-t", "jats", "-o", str(folder / "peer.xml")]]


def edit_one_effect(comparisons_csv: Path, run: int) -> None:
    """Change the effect size (column ``g``) of a meta-analytic review's first comparison (by a different
    amount each run)."""
    rows = list(csv.DictReader(io.StringIO(comparisons_csv.read_text(encoding="utf-8"))))
    rows[0]["g"] = repr(round(float(rows[0]["g"] or 0) + 0.001 * (run + 1), 6))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    comparisons_csv.write_text(out.getvalue(), encoding="utf-8")


def run_benchmark(root: Path, review: str, runs: int = 5) -> dict[str, list[tuple[float, float]]]:
    """Time each scenario *runs* times; return the seconds per scenario, on the clock and of CPU."""
    venv = Path(sys.executable).parent.parent
    make = ["make", "--no-print-directory", "review", f"REVIEW={review}", f"VENV={venv}", "INSTALL="]
    kind = read_config_file(root / review).get("kind", "narrative")
    edited = "one effect size edited (make review)" if kind == "meta-analysis" else "one finding edited (make review)"
    times: dict[str, list[tuple[float, float]]] = {
        "cold build (make review)": [], "no-op (make review)": [], edited: [], "cold build (plain snakemake)": [],
        PEER: []}
    with tempfile.TemporaryDirectory(prefix="livingreview-bench-") as tmp:
        project = Path(tmp) / "project"
        names = [*PIPELINE, "Makefile", *(f"{review}/{name}" for name in [*REVIEW_SOURCES, "output"])]
        copy_files(root, project, fixed_files(root, names))
        folder = project / review
        env = dict(os.environ, PYTHONPATH=str(project / "workflow"))
        snakemake = [str(venv / "bin" / "snakemake"), "-d", str(folder)]
        timed(make, project, env)  # warm the file system cache and Python's bytecode cache
        engine, peer = peer_commands(folder / "build" / "release" / "review.md", Path(tmp))
        print(f"peer: pandoc by hand, HTML, PDF via {engine}, DOCX and JATS, one after another", flush=True)
        for run in range(runs):
            clean(folder)
            times["cold build (make review)"].append(measured(make, project, env))
            times["no-op (make review)"].append(measured(make, project, env))
            edit_one(folder, kind, run)
            times[edited].append(measured(make, project, env))
            clean(folder)
            times["cold build (plain snakemake)"].append(measured(snakemake, project, env))
            if peer:
                try:
                    each = [measured(c, Path(tmp)) for c in peer]
                    times[PEER].append((sum(w for w, _ in each), sum(c for _, c in each)))
                except BenchmarkError as exc:  # pdflatex cannot set every character the pipeline's PDF prints
                    reason = next((line.strip() for line in str(exc).splitlines() if "rror" in line), "see pandoc")
                    print(f"peer: not timed, {engine} failed ({reason[:120]})", flush=True)
                    peer = None
    return {name: values for name, values in times.items() if values}


def format_report(measures: dict[str, list[tuple[float, float]]]) -> str:
    """A table of medians (clock and CPU), with every run's time, and the ratio of the cold build to the peer."""
    times = {name: [wall for wall, _ in values] for name, values in measures.items()}
    lines = [f"{'scenario':<42}{'median':>8}{'CPU':>8}   runs (s)"]
    for name, values in times.items():
        cpu = statistics.median(c for _, c in measures[name])
        lines.append(f"{name:<42}{statistics.median(values):>7.2f}s{cpu:>7.2f}s   "
                     + " ".join(f"{v:.2f}" for v in values))
    cold = statistics.median(times["cold build (make review)"])
    for name, values in times.items():
        if name.startswith("one "):
            lines.append(f"{name} / cold build: {statistics.median(values) / cold:.2f}x")
    peer = times.get(PEER)
    if peer:
        lines.append(f"cold build (make review) / peer: {cold / statistics.median(peer):.2f}x")
    else:
        lines.append("peer: not timed (pandoc failed on this review; see above)")
    return "\n".join(lines)


def machine_speed(runs: int = 3) -> float:
    """Median seconds of ``python -c YARDSTICK``."""
    return statistics.median(timed([sys.executable, "-c", YARDSTICK], Path.cwd()) for _ in range(runs))


def main(review: Path, runs: int) -> int:
    """Run the benchmark for review folder *review* and print its table."""
    root = find_project(review)
    relative = os.path.relpath(review.resolve(), root)
    print(f"livingreview bench: {relative}, {runs} runs per scenario, {os.cpu_count()} CPUs (load "
          f"{os.getloadavg()[0]:.2f}), Python {sys.version.split()[0]}; yardstick: '{YARDSTICK}' takes "
          f"{machine_speed():.2f}s", flush=True)
    try:
        print(format_report(run_benchmark(root, relative, runs)))
    except BenchmarkError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print("load average (1, 5, 15 min) at the end: " + " ".join(f"{n:.2f}" for n in os.getloadavg()))
    return 0
