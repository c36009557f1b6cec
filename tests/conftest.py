"""Shared fixtures: a temporary copy of the project and a real build in it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow"))

from livingreview.convert import pandoc_path  # noqa: E402
from livingreview.verify import CODE_SOURCES  # noqa: E402

# Tests that call pypandoc use the pinned pandoc the pipeline runs, never
# another one on PATH (pypandoc would take the newest it finds).
os.environ["PYPANDOC_PANDOC"] = pandoc_path()

# The pipeline's code, read from this checkout.
CODE_FILES = CODE_SOURCES
# The evidence the tests build: a frozen copy of the shipped example, so that
# an author updating data/ and references.bib does not break the tests (the
# release built from the live data is checked by `make verify`).
EXAMPLE = ROOT / "tests" / "fixtures" / "example"
EXAMPLE_FILES = ["data", "references.bib"]


def _copy(source: Path, target: Path) -> None:
    if source.is_dir():
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
    elif source.exists():
        shutil.copy2(source, target)


def copy_project(target: Path, release: Path | None = None) -> Path:
    """A project in *target*: this checkout's code, the example evidence, and
    *release* (a built output/ folder) as its published release, if given."""
    target.mkdir(parents=True, exist_ok=True)
    for name in CODE_FILES:
        _copy(ROOT / name, target / name)
    for name in EXAMPLE_FILES:
        _copy(EXAMPLE / name, target / name)
    if release is not None:
        _copy(release, target / "output")
    return target


def run_cli(project: Path, *args: str, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run ``python -m livingreview ARGS`` in *project* (a real build: Snakemake, pandoc, Typst)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    environment["PYTHONPATH"] = str(project / "workflow")
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "livingreview", *args], cwd=project, env=environment,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def built_project(tmp_path_factory) -> Path:
    """One real build of the example from nothing: its output/ is the example's
    first release. Shared by read-only tests; copy it to change it."""
    project = copy_project(tmp_path_factory.mktemp("built") / "project")
    result = run_cli(project, "build")
    assert result.returncode == 0, result.stderr
    return project


@pytest.fixture(scope="session")
def example_release(built_project) -> Path:
    """The output/ folder of the example's first release."""
    return built_project / "output"


@pytest.fixture
def project(tmp_path: Path, example_release: Path) -> Path:
    """A fresh copy of the project, with the example's first release published."""
    return copy_project(tmp_path / "project", example_release)
