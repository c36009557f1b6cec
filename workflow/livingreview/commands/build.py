"""``python -m livingreview build`` (``make review``): run plain Snakemake on a review folder.

The command checks what Snakemake cannot name plainly (the project it is
run in, a package imported from another copy of the project, a syntax error
in ``config/config.yaml``), then runs Snakemake's own command line in this
process (``snakemake.cli.main``, what the ``snakemake`` command runs) with
the Snakefile of the project the review folder is in, the review folder as
its working directory and ``--logger livingreview``; Snakemake reads the
settings of ``profiles/default/config.yaml`` beside that Snakefile by
itself, as it does for plain ``snakemake``. Snakemake keeps its own lock,
signal handling, exit status and log (``.snakemake/log/``); the terminal
shows what the logger plugin ``livingreview`` lets through, which includes
the plain message of a stage that failed (see :mod:`livingreview.stages`).

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
from ..project import check_package, find_project
from ..stages.release import touch_changed_inputs
from ..templates import shown_path

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


def snakemake_arguments(project: Path, review: Path, pairs: list[str], targets: tuple[str, ...] = ()) -> list[str]:
    """The arguments of ``snakemake`` that build *review* with the Snakefile of *project*."""
    arguments = ["--snakefile", str(project / "Snakefile"), "--directory", str(review), "--logger", LOGGER]
    if pairs:
        arguments += ["--config", *pairs]
    return [*arguments, *targets]


def check_workflow_syntax(project: Path) -> None:
    """Parse the Snakefile and rule files of *project* with Snakemake's own parser, and raise a
    :class:`ConfigError` naming the file and line of a syntax error (a rule file edited by hand).

    A route around Snakemake: for a syntax error in an included rule file it reports a line of the
    code it generated, not of the file (snakemake/snakemake#2574, #3875), and when that line is not
    in its line map its own error formatter fails with a ``KeyError`` and prints two tracebacks.
    Parsing takes a few milliseconds; only the parser's ``workflow.sourcecache.open`` is needed.
    """
    from types import SimpleNamespace

    from snakemake.parser import parse
    from snakemake.sourcecache import LocalSourceFile

    sources = SimpleNamespace(sourcecache=SimpleNamespace(
        open=lambda source: open(source.get_path_or_uri(secret_free=True), encoding="utf-8")))
    for path in [project / "Snakefile", *sorted((project / "workflow" / "rules").glob("*.smk"))]:
        try:
            parse(LocalSourceFile(str(path)), sources, {})
        except SyntaxError as exc:
            line = exc.args[1][1] if len(exc.args) > 1 and exc.args[1] else exc.lineno
            raise ConfigError(shown_path(str(path)), f"line {line}",
                              f"Snakemake cannot read this workflow file (SyntaxError): {exc.args[0]}",
                              "correct that line, or restore the file from version control (git checkout -- FILE)",
                              line=line) from None


def build(review: Path, pairs: list[str]) -> int:
    """Build the review in folder *review* and publish it with Snakemake's command line, whose exit
    status (0, or 1 for a failed or interrupted build) ends the process (it raises SystemExit). A problem
    found before Snakemake starts raises :class:`ConfigError`."""
    parse_overrides(pairs)  # a malformed pair, named plainly
    config = read_config_file(review)  # a syntax error, with its line (Snakemake would not name it)
    # Staleness by content: an input changed since the last publication but dated before it is dated now.
    touch_changed_inputs(review, review / str(config.get("build_dir", "build")) / "published.json")
    project = find_project(review)
    check_package(project)  # this process runs the project's own package, or the build is refused
    try:
        check_workflow_syntax(project)
    except ConfigError as exc:  # told as Snakemake's logger plugin tells a workflow it cannot read
        from snakemake_logger_plugin_livingreview import FAILED

        print(f"error: {exc}\n{FAILED}", file=sys.stderr)
        return 1
    # Jobs Snakemake starts as processes of their own (without force-use-threads) import it too.
    paths = [str(project / "workflow"), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    print(f"livingreview: building {review} (Snakemake's log: .snakemake/log/)", file=sys.stderr, flush=True)
    from snakemake.cli import main as snakemake

    from ..snakemake_fixes import quiet_tear_down

    quiet_tear_down()

    # Snakemake's command line ends by raising SystemExit with its status, and the process ends the ordinary
    # way: Snakemake's logging thread has said everything (an os._exit here lost "build interrupted" now
    # and then, tests/test_interrupt.py) and the exit handlers run. Its idle scheduler timers are cancelled
    # by the workflow's onsuccess/onerror (livingreview.snakemake_fixes.end_idle_timers).
    return snakemake(snakemake_arguments(project, review, pairs))


def exit_status(exc: SystemExit) -> int:
    """The exit status Python would give for *exc*: its code, 0 for none, 1 for a message."""
    return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
