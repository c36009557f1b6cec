"""A build with nothing to do: `make review` answers at once, and plain Snakemake runs no job."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, cli_environment, output_hashes, run_cli, run_snakemake


def make_review(project: Path) -> subprocess.CompletedProcess:
    """`make review` in *project*, with this checkout's virtual environment."""
    venv = Path(sys.executable).parent.parent
    env = cli_environment(project)
    return subprocess.run(["make", "--no-print-directory", "review", f"VENV={venv}", "INSTALL="], cwd=project, env=env,
                          capture_output=True, text=True, timeout=300)


def logs(project: Path) -> list[str]:
    """Snakemake's logs: one per run that started its scheduler."""
    folder = project / ".snakemake" / "log"
    return sorted(os.listdir(folder)) if folder.is_dir() else []


def test_make_review_with_nothing_to_do_does_not_start_snakemake(project):
    shutil.copy2(ROOT / "Makefile", project / "Makefile")
    first = make_review(project)
    assert first.returncode == 0, first.stdout + first.stderr
    started = logs(project)
    again = make_review(project)
    assert again.returncode == 0 and "livingreview: ./output/ is up to date" in again.stdout, again.stdout
    assert logs(project) == started  # Snakemake did not run

    template = project / "templates" / "sections" / "conclusion.md.j2"
    template.write_text(template.read_text(encoding="utf-8") + "{# a comment #}\n", encoding="utf-8")
    edited = make_review(project)
    assert edited.returncode == 0 and len(logs(project)) == len(started) + 1  # a change starts Snakemake

    published = project / "output" / "review.md"
    original = published.read_bytes()
    published.write_bytes(original + b"\n")  # output/ edited by hand: the build publishes the release again
    repaired = make_review(project)
    assert repaired.returncode == 0 and "published review.md" in repaired.stdout, repaired.stdout + repaired.stderr
    assert published.read_bytes() == original


def test_plain_snakemake_with_nothing_to_do_runs_no_job(project):
    assert run_cli(project, "build").returncode == 0
    result = run_snakemake(project)
    assert result.returncode == 0, result.stderr
    assert "Nothing to be done" in result.stdout + result.stderr


def test_make_review_restores_a_deleted_output_folder_or_file(project):
    shutil.copy2(ROOT / "Makefile", project / "Makefile")
    assert make_review(project).returncode == 0
    published = output_hashes(project)
    assert "up to date" in make_review(project).stdout  # the fast path: nothing changed

    (project / "output" / "review.pdf").unlink()
    one = make_review(project)
    assert one.returncode == 0 and "published review.pdf" in one.stdout, one.stdout + one.stderr
    assert output_hashes(project) == published

    shutil.rmtree(project / "output")
    everything = make_review(project)
    assert everything.returncode == 0, everything.stdout + everything.stderr
    assert output_hashes(project) == published
