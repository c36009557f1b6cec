"""``python -m livingreview build`` (``make review``): run plain Snakemake on a review folder.

The command checks what Snakemake cannot name plainly (the project it is
run in, a syntax error in ``config/config.yaml``), then *becomes* the
``snakemake`` command line (``os.execv``): the Snakefile of the project the
review folder is in, the review folder as its working directory, and the
settings of ``profiles/default/config.yaml`` beside that Snakefile (which
Snakemake reads by itself, as it does for plain ``snakemake``). Snakemake
keeps its own lock, signal handling, exit status and log
(``.snakemake/log/``); the terminal shows what the logger plugin
``livingreview`` lets through, which includes the plain message of a stage
that failed (see :mod:`livingreview.stages`).

Starting the command line instead of Snakemake's Python API costs about
0.75 s of start-up on a build with nothing to do (0.83 s against 1.58 s,
README, "make review"); the Makefile's fast path skips Snakemake when
nothing changed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import yaml

from ..config import read_file as read_config_file
from ..errors import ConfigError
from ..project import find_project

# The logger plugin (workflow/snakemake_logger_plugin_livingreview) that shows what an author needs.
LOGGER = "livingreview"


def parse_overrides(pairs: list[str]) -> dict:
    """``key=value`` pairs (as for ``snakemake --config``), values read as YAML."""
    overrides = {}
    for pair in pairs:
        if "=" not in pair:
            raise ConfigError("--config", pair, "expected key=value", "e.g. --config reference_style=vancouver")
        key, value = pair.split("=", 1)
        try:
            overrides[key.strip()] = yaml.safe_load(value) if value else ""
        except yaml.YAMLError:
            raise ConfigError("--config", f"key {key.strip()}", f"the value {value!r} cannot be read",
                              "write plain text, a number, true or false (quote text with special characters)"
                              ) from None
    return overrides


def snakemake_command(project: Path, review: Path, pairs: list[str], targets: tuple[str, ...] = ()) -> list[str]:
    """The ``snakemake`` command line that builds *review* with the Snakefile of *project*."""
    command = [sys.executable, "-m", "snakemake", "--snakefile", str(project / "Snakefile"),
               "--directory", str(review), "--logger", LOGGER]
    if pairs:
        command += ["--config", *pairs]
    return [*command, *targets]


def snakemake_environment(project: Path, environ: dict | None = None) -> dict:
    """The environment Snakemake runs in: *project*'s ``workflow/`` first on the path, so that its
    package and logger plugin are the ones imported, whatever the virtual environment points at."""
    environment = dict(os.environ if environ is None else environ)
    paths = [str(project / "workflow"), *filter(None, environment.get("PYTHONPATH", "").split(os.pathsep))]
    environment["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    return environment


def build(review: Path, pairs: list[str]) -> int:
    """Build the review in folder *review* and publish it, by becoming ``snakemake`` (never returns
    unless a check fails first, which raises :class:`ConfigError`)."""
    parse_overrides(pairs)  # a malformed pair, named plainly
    read_config_file(review)  # a syntax error, with its line (Snakemake would not name it)
    project = find_project(review)
    print(f"livingreview: building {review} (Snakemake's log: .snakemake/log/)", file=sys.stderr, flush=True)
    sys.stdout.flush()
    command = snakemake_command(project, review, pairs)
    os.execve(command[0], command, snakemake_environment(project))
    return 1  # not reached: execve replaces this process
