"""Shared fixtures: a temporary copy of the project and a real build in it."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow"))

from livingreview import pandoc  # noqa: E402
from livingreview.project import PIPELINE  # noqa: E402

# Tests that call pypandoc use the pinned pandoc the pipeline runs, never
# another one on PATH (pypandoc would take the newest it finds).
os.environ["PYPANDOC_PANDOC"] = str(pandoc.binary())

# The evidence the tests build: a frozen copy of the shipped example, so that
# an author updating data/ and references.bib does not break the tests (the
# release built from the live data is checked by `make verify`).
EXAMPLE = ROOT / "tests" / "fixtures" / "example"
EXAMPLE_FILES = ["data", "references.bib"]
REVIEW_FILES = ["config"]


def _copy(source: Path, target: Path) -> None:
    if source.is_dir():
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
    elif source.exists():
        shutil.copy2(source, target)


def copy_project(target: Path, release: Path | None = None) -> Path:
    """A project in *target*: this checkout's pipeline, the example evidence, and
    *release* (a built output/ folder) as its published release, if given."""
    target.mkdir(parents=True, exist_ok=True)
    for name in [*PIPELINE, *REVIEW_FILES]:
        _copy(ROOT / name, target / name)
    for name in EXAMPLE_FILES:
        _copy(EXAMPLE / name, target / name)
    if release is not None:
        _copy(release, target / "output")
    return target


def cli_environment(project: Path, env: dict | None = None) -> dict:
    """The environment of a command run in *project*: its own code first on the path."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    environment["PYTHONPATH"] = str(project / "workflow")
    environment.update(env or {})
    return environment


def run_cli(project: Path, *args: str, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run ``python -m livingreview ARGS`` in *project* (a real build: Snakemake, pandoc, Typst)."""
    return subprocess.run([sys.executable, "-m", "livingreview", *args], cwd=project, env=cli_environment(project, env),
                          capture_output=True, text=True, timeout=timeout)


def run_snakemake(project: Path, *args: str, env: dict | None = None,
                  timeout: int = 300) -> subprocess.CompletedProcess:
    """Run plain ``snakemake ARGS`` in *project*, as a Snakemake user would."""
    snakemake = Path(sys.executable).parent / "snakemake"
    return subprocess.run([str(snakemake), *args], cwd=project, env=cli_environment(project, env),
                          capture_output=True, text=True, timeout=timeout)


def output_hashes(project: Path, folder: str = "output") -> dict[str, str]:
    """SHA-256 of every file under the project's *folder*."""
    return {str(p.relative_to(project)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((project / folder).rglob("*")) if p.is_file()}


def leftovers(project: Path) -> list[str]:
    """What a failed or killed build must not leave behind: staging folders and temporary files."""
    found = [p for p in project.rglob("*") if p.name.endswith(".livingreview.tmp") or p.name.endswith(".publish")]
    return sorted(str(p.relative_to(project)) for p in found)


@contextlib.contextmanager
def built_once(tmp_path_factory, name: str):
    """A folder *name* for a build made once per test run and shared by the pytest-xdist workers (without
    xdist, once per session): yields (folder, to_build). The first worker to need it holds a lock while
    the ``with`` body builds into the folder (*to_build* True); the others wait for the lock and find it
    done. A body that fails does not mark the folder done: the next worker builds it again."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the run's own temporary folder, above each worker's
    folder, done = shared / name, shared / f"{name}.done"
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        to_build = not done.exists()
        if to_build:
            shutil.rmtree(folder, ignore_errors=True)
        yield folder, to_build
        if to_build:
            done.touch()


@pytest.fixture(scope="session")
def built_project(tmp_path_factory) -> Path:
    """One real build of the example from nothing: its output/ is the example's
    first release. Shared by read-only tests (and the test workers); copy it to change it."""
    with built_once(tmp_path_factory, "built") as (folder, to_build):
        project = folder / "project"
        if to_build:
            copy_project(project)
            # Snakemake's own cache folder, beside the project: test_project_folder checks what is left in it
            result = run_cli(project, "build", env={"XDG_CACHE_HOME": str(folder / "cache")})
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


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    """A fresh copy of the project with nothing built or published: for tests that run stages in this process
    (tests/in_process.py) and need no release."""
    return copy_project(tmp_path / "project")


# The longest whole-pipeline tests (a 2,000-reference build, the Metapsy review's update from a fresh clone, the
# interrupted builds) start first, so that with two workers (make test: pytest -n 2) neither waits for one at the
# end. The order of the other tests is kept; the tests do not depend on their order.
START_FIRST = ("test_scale.py", "test_interrupt.py", "test_metapsy_review.py", "test_pipeline.py")


def pytest_collection_modifyitems(session, config, items):
    def rank(item):
        name = item.path.name
        return START_FIRST.index(name) if name in START_FIRST else len(START_FIRST)
    items.sort(key=rank)  # stable: the order within each file is kept
