"""Command-line front end: ``python -m livingreview {build,verify,check-bib,bench}``.

``build`` runs the Snakemake DAG (in this process, with Snakemake's own
output kept in ``<build_dir>/snakemake.log``), prints the author's errors
plainly, and publishes the staged release to ``output/`` as one set.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import enum
import fcntl
import os
import shutil
import signal
import sys
import threading
import traceback
from pathlib import Path

import yaml

from .config import check_config, read_config_file
from .diagnostics import snakemake_error, tidy_path
from .errors import ConfigError, LivingReviewError
from .files import TEMPORARY_SUFFIX
from .release import RELEASE_FILES

ROOT = Path(__file__).resolve().parents[2]
INTERRUPTED_MESSAGE = ("livingreview: build interrupted; output/ was left unchanged. Run the same command again "
                       "to finish: it picks up where this one stopped.")


class ExitStatus(enum.IntEnum):
    """Exit statuses of the command line."""

    OK = 0
    ERROR = 1  # the inputs have a problem, or verification failed
    USAGE = 2
    INTERRUPTED = 130  # stopped by Ctrl-C or SIGTERM; output/ is left as it was


def parse_overrides(pairs: list[str]) -> dict:
    """``key=value`` pairs (as for ``snakemake --config``), values read as YAML."""
    overrides = {}
    for pair in pairs:
        if "=" not in pair:
            raise LivingReviewError("--config", pair, "expected key=value", "e.g. --config reference_style=vancouver")
        key, value = pair.split("=", 1)
        try:
            overrides[key.strip()] = yaml.safe_load(value) if value else ""
        except yaml.YAMLError:
            raise ConfigError("--config", f"key {key.strip()}", f"the value {value!r} cannot be read",
                              "write plain text, a number, true or false (quote text with special characters)"
                              ) from None
    return overrides


def load_config(root: Path, overrides: dict) -> dict:
    """config/config.yaml with *overrides*, checked against its schema."""
    config = read_config_file(root)
    config.update(overrides)
    return check_config(config)


class BuildLock:
    """An exclusive lock on the build folder; a second build waits for the first."""

    def __init__(self, path: Path):
        self.path = path
        self.handle = None

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = open(self.path, "a+")
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.handle.seek(0)
            holder = self.handle.read().strip() or "another process"
            print(f"livingreview: another build is running here ({holder}); waiting for it to finish...",
                  file=sys.stderr, flush=True)
            fcntl.flock(self.handle, fcntl.LOCK_EX)
        self.handle.seek(0)
        self.handle.truncate()
        self.handle.write(f"pid {os.getpid()}\n")
        self.handle.flush()
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


# The folders of the build folder that the steps write into.
WRITTEN_FOLDERS = (".", "sections", "release")


def remove_leftovers(build_dir: Path) -> None:
    """Delete the half-written files (``.<name>.<random>.livingreview.tmp``) a killed build left.

    Only the build holding the build lock writes in *build_dir*, so every
    such file there is a leftover; nothing else is touched.
    """
    for folder in WRITTEN_FOLDERS:
        for leftover in (build_dir / folder).glob(f".*{TEMPORARY_SUFFIX}"):
            leftover.unlink(missing_ok=True)


def discard_staged_release(build_dir: Path) -> None:
    """Delete the staged release after a failed build.

    Snakemake deletes the output of a failed job, but it does not re-run the
    jobs after it whose own outputs are still there: without this, the next
    build would publish a manifest of the faulty inputs beside the previous
    release files. The next build makes the release again from the evidence.
    """
    shutil.rmtree(build_dir / "release", ignore_errors=True)


def run_snakemake(root: Path, overrides: dict, log_path: Path) -> int:
    """Run the DAG to its ``all`` target in this process; Snakemake's output goes to *log_path*.

    Snakemake is driven through its Python API rather than its command line,
    whose argument parser imports every report plugin (a third of a second
    here). The settings are those of ``snakemake --cores 4 --scheduler greedy
    --rerun-incomplete --nolock --force-use-threads all``, except that no
    Snakemake profile is read (a build does not depend on the user's
    ``$SNAKEMAKE_PROFILE``) and no log is written under .snakemake/log.
    With threads, every rule's ``run:`` block runs in this process: a job
    costs no Python start-up, and each library is imported once per build.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = (os.dup(1), os.dup(2))
    log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    os.close(log_fd)
    try:
        return _execute_workflow(root, overrides)
    except KeyboardInterrupt:
        return ExitStatus.INTERRUPTED
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])


def _execute_workflow(root: Path, overrides: dict) -> int:
    """The Snakemake API calls of one build; 0 when every job succeeded, else 1 (the error is logged)."""
    from snakemake.api import SnakemakeApi
    from snakemake.scheduling.greedy import SchedulerSettings as GreedySchedulerSettings
    from snakemake.settings.types import (
        ConfigSettings,
        DAGSettings,
        ExecutionSettings,
        OutputSettings,
        ResourceSettings,
        SchedulingSettings,
    )

    # Jobs are short and often wait for pandoc, so running more jobs than the
    # two cores at once shortens a build. Snakemake's own log file under
    # .snakemake/log is not written: its output is *log_path*.
    with SnakemakeApi(OutputSettings(nocolor=True, enable_file_logging=False)) as api:
        try:
            workflow = api.workflow(resource_settings=ResourceSettings(cores=4),
                                    config_settings=ConfigSettings(config=overrides),
                                    snakefile=root / "Snakefile", workdir=root)
            dag = workflow.dag(dag_settings=DAGSettings(targets={"all"}, force_incomplete=True))
            dag.execute_workflow(executor="local", execution_settings=ExecutionSettings(lock=False, use_threads=True),
                                 scheduling_settings=SchedulingSettings(scheduler="greedy"),
                                 scheduler_settings=GreedySchedulerSettings())
        except (Exception, SystemExit) as exc:  # a failed job or a broken Snakefile is raised
            try:
                api.print_exception(exc)
            except Exception:  # Snakemake 9.16 fails to map a syntax error in an included file to its line
                if isinstance(exc, SyntaxError):
                    print(f'{type(exc).__name__} in file "{exc.filename}", line {exc.lineno}:\n{exc.msg}',
                          file=sys.stderr)
                else:
                    traceback.print_exception(exc)
            return 1
    return 0


@dataclasses.dataclass
class _Stop:
    """What :func:`interruptible` saw: the signal that stopped the build, if any.

    With *defer* set, a signal is only noted (the build finishes publishing).
    """

    signal: int | None = None
    defer: bool = False


@contextlib.contextmanager
def interruptible():
    """Turn SIGTERM into KeyboardInterrupt (as Ctrl-C) for the block, and note which signal came.

    The build then stops before publishing, leaving output/ as it was.
    Snakemake installs its own SIGTERM handler while it schedules jobs (it
    lets running jobs finish and starts no new one); that handler is wrapped
    so that the signal is still noted.
    """
    stop = _Stop()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    install = signal.signal

    def handler(signum, frame):
        stop.signal = signum
        if not stop.defer:
            raise KeyboardInterrupt

    def noting(signum, new_handler):
        if signum in (signal.SIGINT, signal.SIGTERM) and callable(new_handler) and new_handler is not handler:
            inner = new_handler

            def new_handler(number, frame):
                stop.signal = number
                if inner is signal.default_int_handler:  # raises KeyboardInterrupt: in the main thread
                    return inner(number, frame)
                # Snakemake's SIGTERM handler takes its scheduler's lock, which the
                # interrupted main thread may be holding: run it beside the main thread,
                # where it waits for the lock instead of deadlocking.
                threading.Thread(target=inner, args=(number, frame), daemon=True).start()
        return install(signum, new_handler)

    previous = {sig: install(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    signal.signal = noting
    try:
        yield stop
    finally:
        signal.signal = install
        for sig, old in previous.items():
            install(sig, old)


def build(root: Path, overrides: dict, stop: _Stop | None = None) -> ExitStatus:
    """Build the review and publish it; print what changed or what is wrong.

    *stop* (from :func:`interruptible`) tells whether a signal came while
    Snakemake ran; a signal that comes while publishing waits until the
    release is published whole.
    """
    from .manifest import release_is_current
    from .publish import publish, publish_staging

    stop = stop or _Stop()
    config = load_config(root, overrides)
    build_dir = root / config["build_dir"]
    with BuildLock(build_dir / ".lock"):
        remove_leftovers(build_dir)
        errors = build_dir / "errors.txt"
        errors.unlink(missing_ok=True)
        log = build_dir / "snakemake.log"
        output_dir = root / config["output_dir"]
        # Nothing changed since the published release was built: answer without
        # starting Snakemake (its start-up alone takes most of a second).
        if release_is_current(root, config, build_dir / "release", output_dir, RELEASE_FILES):
            print(f"livingreview: {config['output_dir']}/ is up to date")
            return ExitStatus.OK
        code = run_snakemake(root, overrides, log)
        if stop.signal or code == ExitStatus.INTERRUPTED:
            raise KeyboardInterrupt
        if code != 0:
            discard_staged_release(build_dir)
            report_failure(errors, log)
            return ExitStatus.ERROR
        stop.defer = True  # a signal now waits until the release is published whole
        republished = republished_version_note(output_dir / "evidence.json", build_dir / "release" / "evidence.json")
        changed = publish(build_dir / "release", output_dir, RELEASE_FILES, publish_staging(output_dir))
    if changed:
        print(f"livingreview: published {', '.join(changed)} to {config['output_dir']}/")
        if republished:
            print(republished, file=sys.stderr)
    else:
        print(f"livingreview: {config['output_dir']}/ is up to date")
    return ExitStatus.OK


def republished_version_note(published: Path, staged: Path) -> str | None:
    """A note for the author when the staged release replaces a different release of the same version."""
    from .files import read_json
    from .snapshot import republished_version

    if not published.is_file() or not staged.is_file():
        return None
    version = republished_version(read_json(published), read_json(staged))
    if version is None:
        return None
    return (f"livingreview: note: version {version} was already published with other evidence; the changes "
            f"report still describes {version} against the version before it. If this is a new release, "
            "raise `version` in the review metadata (data/review.yaml) and build again.")


def report_failure(errors: Path, log: Path) -> None:
    """Print the authors' errors, or the end of Snakemake's log when there are none."""
    recorded = errors.read_text(encoding="utf-8").strip() if errors.is_file() else ""
    if recorded:
        print(recorded, file=sys.stderr)
    else:
        text = log.read_text(encoding="utf-8", errors="replace") if log.is_file() else ""
        print(f"error: {snakemake_error(text)}", file=sys.stderr)
    print(f"livingreview: build failed; output/ was left unchanged (details: {tidy_path(str(log), os.getcwd())})",
          file=sys.stderr)


def check_bib(root: Path, file: str, style: str | None, show: bool) -> ExitStatus:
    """Format every entry of *file* with *style*; print the problems by key and a summary."""
    from .bibcheck import check_bibliography, report_lines

    config = load_config(root, {"reference_style": style} if style else {})
    report = check_bibliography(file, root / config["templates"], config["reference_style"])
    for line in report_lines(report, show):
        print(line, file=sys.stdout if show and not line.startswith(("error:", "warning:")) else sys.stderr)
    return ExitStatus.OK if report.ok else ExitStatus.ERROR


def verify_release(root: Path, keep: bool = False) -> ExitStatus:
    """Rebuild the review from its tracked sources and compare with output/ (see livingreview.verify)."""
    from .verify import report, verify

    config = load_config(root, {})
    print(f"livingreview: rebuilding the review in a temporary folder to compare it with {config['output_dir']}/ ...",
          flush=True)
    verdict = verify(root, config, keep=keep)
    print(report(verdict))
    return ExitStatus.OK if verdict.passed else ExitStatus.ERROR


def make_parser() -> argparse.ArgumentParser:
    """All commands and options, declared in one place."""
    parser = argparse.ArgumentParser(prog="python -m livingreview", description=__doc__.splitlines()[0])
    parser.add_argument("--traceback", action="store_true", help="show the full Python traceback on errors")
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser("build", help="build the review and publish it to output/")
    build_cmd.add_argument("--config", nargs="*", default=[], metavar="KEY=VALUE",
                           help="override config/config.yaml, as with snakemake --config")
    bench_cmd = commands.add_parser("bench", help="time cold, no-op and one-finding rebuilds (medians)")
    bench_cmd.add_argument("--runs", type=int, default=5, help="runs per scenario (default 5)")
    verify_cmd = commands.add_parser("verify", help="rebuild in a temporary folder and compare with output/ "
                                                    "and its manifest; exit 0 on PASS, 1 on FAIL")
    verify_cmd.add_argument("--keep", action="store_true", help="keep the temporary folder to inspect the rebuild")
    bib_cmd = commands.add_parser("check-bib", help="format every entry of a BibTeX file with a reference style "
                                  "and report, by key, what cannot be read or formatted")
    bib_cmd.add_argument("file", help="the BibTeX file (e.g. references.bib)")
    bib_cmd.add_argument("--style", default=None, help="reference style (default: reference_style of the config)")
    bib_cmd.add_argument("--show", action="store_true", help="also print every formatted reference")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = make_parser().parse_args(argv)
    with interruptible() as stop:
        try:
            if args.command == "build":
                return build(ROOT, parse_overrides(args.config), stop=stop)
            if args.command == "check-bib":
                return check_bib(ROOT, args.file, args.style, args.show)
            if args.command == "verify":
                return verify_release(ROOT, keep=args.keep)
            if args.command == "bench":
                from .bench import main as bench_main

                return bench_main(ROOT, args.runs)
        except LivingReviewError as exc:
            if args.traceback:
                raise
            print(f"error: {exc}", file=sys.stderr)
            return ExitStatus.ERROR
        except KeyboardInterrupt:
            print(INTERRUPTED_MESSAGE, file=sys.stderr)
            return ExitStatus.INTERRUPTED
    return ExitStatus.USAGE
