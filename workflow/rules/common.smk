"""Shared set-up: the package on the path, the validated config, paths, and
the command every rule runs (``python -m livingreview.step``)."""

import shlex
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
# (Snakemake itself only notices changes to a rule's shell command).
CODE = sorted(str(path.relative_to(workflow.basedir)) for path in Path(LIB, "livingreview").glob("*.py"))

# Each rule runs one step of the package in a light Python process, with a
# fixed locale and time zone; its stderr goes to the rule's log.
STEP = " ".join([
    # PYTHONDONTWRITEBYTECODE= (empty) lets Python cache the package's
    # bytecode: every step is a fresh process, and compiling the package
    # again each time costs a tenth of a second per step.
    "env", "LC_ALL=C.UTF-8", "TZ=UTC", "PYTHONHASHSEED=0", "PYTHONDONTWRITEBYTECODE=",
    f"PYTHONPATH={shlex.quote(LIB)}", f"LIVINGREVIEW_ERRORS={shlex.quote(BUILD + '/errors.txt')}",
    shlex.quote(sys.executable), "-m", "livingreview.step",
])
