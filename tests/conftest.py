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

# What a clean clone holds that the build reads (output/ is the published release).
PROJECT_FILES = ["Snakefile", "config", "workflow", "templates", "data", "references.bib", "requirements.lock",
                 "output"]


def copy_project(target: Path) -> Path:
    """Copy the project's sources (not build/ or .snakemake/) into *target*."""
    target.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy2(source, target / name)
    return target


def run_cli(project: Path, *args: str, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run ``python -m livingreview ARGS`` in *project* (a real build: Snakemake, pandoc, Typst)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    environment["PYTHONPATH"] = str(project / "workflow")
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "livingreview", *args], cwd=project, env=environment,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A fresh copy of the project in a temporary folder."""
    return copy_project(tmp_path / "project")


@pytest.fixture(scope="session")
def built_project(tmp_path_factory) -> Path:
    """One real build of the shipped review, shared by read-only tests."""
    project = copy_project(tmp_path_factory.mktemp("built") / "project")
    shutil.rmtree(project / "output")
    result = run_cli(project, "build")
    assert result.returncode == 0, result.stderr
    return project
