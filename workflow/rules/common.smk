"""Shared set-up: the package on the path, the validated config, paths, and
``step``, which every rule's ``run:`` block calls."""

import sys
from pathlib import Path

LIB = str(Path(workflow.basedir) / "workflow")
sys.path.insert(0, LIB)

from livingreview.article import SECTIONS  # noqa: E402  (document order: introduction, description, conclusion)
from livingreview.config import checked_config  # noqa: E402
from livingreview.release import RELEASE_FILES  # noqa: E402

CFG = checked_config(config, error_file=Path(config.get("build_dir", "build")) / "errors.txt")
BUILD = CFG["build_dir"]
TEMPLATES = CFG["templates"]
RELEASE = f"{BUILD}/release"
# Every rule runs the package's code, so a change to it re-runs the rules
# (Snakemake itself only notices changes to a rule's own code).
CODE = sorted(str(path.relative_to(workflow.basedir)) for path in Path(LIB, "livingreview").glob("*.py"))


def step(name, *args, log):
    """Run step *name* of livingreview.step with *args* (paths and names) and the rule's *log*.

    The build (``python -m livingreview build``) runs jobs in threads of its
    own process, so a step costs no Python start-up; with plain
    ``snakemake``, each ``run:`` job is a Python process of its own.
    """
    from livingreview.step import run_step

    run_step(name, [str(arg) for arg in args], log, f"{BUILD}/errors.txt")
