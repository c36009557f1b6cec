"""``python -m livingreview build`` (``make review``): run the workflow in this process.

This is the same workflow plain ``snakemake`` runs, with the same settings
(read from ``profiles/default/config.yaml``), started through Snakemake's
public Python API rather than its command line, which saves the command
line's start-up (about a third of a second). Snakemake keeps its lock, its
signal handling and its log (``.snakemake/log/``); the terminal shows what
the logger plugin ``livingreview`` lets through, and a failed stage is
reported here from the exception it raised, without a traceback.

One signal is treated differently: SIGTERM is turned into the interrupt
Ctrl-C gives (see :class:`Interrupts`).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

import yaml

from ..config import read_file as read_config_file
from ..errors import ConfigError, LivingReviewError, combined, flatten
from ..project import PROFILE, ROOT
from ..stages import take_failures
from ..stages.release import touch_changed_inputs
from ..templates import shown_path

# The settings of profiles/default/config.yaml this command applies (any other is an error).
PROFILE_KEYS = ("cores", "scheduler", "force-use-threads", "rerun-incomplete")


def profile_settings(path: Path = PROFILE) -> dict:
    """The profile plain ``snakemake`` reads, as this command applies it."""
    settings = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    unknown = sorted(set(settings) - set(PROFILE_KEYS))
    if unknown:
        raise ConfigError(str(path), f"key {unknown[0]}", f'"{unknown[0]}" is a setting `make review` does not apply',
                          "run plain `snakemake` (which reads every setting of the profile), or remove the key")
    return settings


class Interrupted(Exception):
    """Ctrl-C or SIGTERM stopped the build."""


class Interrupts:
    """While active: SIGTERM stops the build as Ctrl-C does, and whether either came is known.

    Ctrl-C (SIGINT) keeps Python's own handler, which Snakemake and asyncio
    expect (asyncio's runner takes it over while it runs, to cancel its task
    cleanly). SIGTERM is blocked in every thread (threads started later
    inherit the mask) and waited for by one thread of its own, which then
    sends SIGINT to the main thread. Snakemake's own SIGTERM handler is so
    never run: it takes its scheduler's lock, which the interrupted main
    thread may hold, and then waits forever. Whether a signal came is read
    from a wake-up pipe the interpreter writes each signal's number into.
    """

    def __init__(self):
        self._sigterm = threading.Event()
        self._pipe: tuple[int, int] | None = None
        self._previous_fd = -1

    def __enter__(self):
        if threading.current_thread() is not threading.main_thread():
            return self
        self._pipe = os.pipe()
        for fd in self._pipe:
            os.set_blocking(fd, False)
        self._previous_fd = signal.set_wakeup_fd(self._pipe[1], warn_on_full_buffer=False)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
        main = threading.main_thread().ident
        threading.Thread(target=self._forward_sigterm, args=(main,), name="sigterm", daemon=True).start()
        return self

    def _forward_sigterm(self, main: int) -> None:
        signal.sigwait({signal.SIGTERM})
        self._sigterm.set()
        signal.pthread_kill(main, signal.SIGINT)

    def received(self) -> bool:
        """Whether Ctrl-C or SIGTERM came since the block started."""
        if self._sigterm.is_set():
            return True
        if self._pipe is None:
            return False
        try:
            numbers = os.read(self._pipe[0], 4096)
        except BlockingIOError:
            return False
        return signal.SIGINT in numbers

    def __exit__(self, *exc):
        if self._pipe is not None:
            signal.set_wakeup_fd(self._previous_fd)
            for fd in self._pipe:
                os.close(fd)
        return False


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


def run_workflow(review: Path, overrides: dict, settings: dict, targets: tuple[str, ...] = ()) -> None:
    """Run the Snakefile in the review folder *review* to its default target (or *targets*).

    Raises what Snakemake raises: a :class:`LivingReviewError` from the
    Snakefile (a bad config), Snakemake's own exceptions, and a
    ``WorkflowError`` when a job failed (its stage's exception is in
    :func:`~livingreview.stages.take_failures`).
    """
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import (
        ConfigSettings,
        DAGSettings,
        ExecutionSettings,
        OutputSettings,
        ResourceSettings,
        SchedulingSettings,
    )
    from snakemake_interface_scheduler_plugins.registry import SchedulerPluginRegistry
    from snakemake_logger_plugin_livingreview import LogHandlerSettings

    output = OutputSettings(log_handler_settings={"livingreview": LogHandlerSettings()})
    with SnakemakeApi(output) as api:
        workflow = api.workflow(resource_settings=ResourceSettings(cores=settings.get("cores", 1)),
                                config_settings=ConfigSettings(config=overrides),
                                snakefile=ROOT / "Snakefile", workdir=review)
        dag = workflow.dag(dag_settings=DAGSettings(targets=set(targets),
                                                    force_incomplete=bool(settings.get("rerun-incomplete"))))
        scheduler = SchedulerPluginRegistry().get_plugin(settings.get("scheduler", "ilp"))
        dag.execute_workflow(executor="local",
                             execution_settings=ExecutionSettings(use_threads=bool(settings.get("force-use-threads"))),
                             scheduling_settings=SchedulingSettings(scheduler=scheduler.name),
                             scheduler_settings=scheduler.settings_cls() if scheduler.settings_cls else None)


def behind(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    """The exception of type *kind* behind *exc*: itself, its cause or context, or an exception it
    carries among its arguments (Snakemake wraps what the Snakefile raises); None if there is none."""
    pending, seen = [exc], set()
    while pending:
        current = pending.pop(0)
        if current is None or id(current) in seen:
            continue
        if isinstance(current, kind):
            return current
        seen.add(id(current))
        pending += [current.__cause__, current.__context__,
                    *(arg for arg in getattr(current, "args", ()) if isinstance(arg, BaseException))]
    return None


def author_error(exc: BaseException) -> LivingReviewError | None:
    """The :class:`LivingReviewError` behind *exc*, if any."""
    return behind(exc, LivingReviewError)


def workflow_file_error(exc: BaseException) -> ConfigError | None:
    """A plain message for a syntax error in the Snakefile or a rule file (edited by hand), if that is the cause."""
    error = behind(exc, SyntaxError)
    if error is None or not error.filename:
        return None
    return ConfigError(shown_path(error.filename), f"line {error.lineno}",
                       f"Snakemake cannot read this workflow file (SyntaxError): {error.msg}",
                       "correct that line, or restore the file from version control (git checkout -- FILE)",
                       line=error.lineno)


def snakemake_message(exc: BaseException) -> str:
    """Snakemake's own message for an exception of its own (a broken rule file, a lock, a missing file)."""
    from snakemake.exceptions import format_exception_to_string

    return format_exception_to_string(exc).strip()


def lock_error(exc: BaseException, review: Path) -> ConfigError | None:
    """A plain message when Snakemake's lock on the review folder is held, if that is the cause."""
    from snakemake.exceptions import LockException

    # Snakemake raises FileNotFoundError when another build removes the lock folder while this one writes its lock.
    vanished = behind(exc, FileNotFoundError)
    parts = Path(str(vanished.filename or "")).parts if vanished is not None else ()
    lock_vanished = any(parts[i:i + 2] == (".snakemake", "locks") for i in range(len(parts)))
    if behind(exc, LockException) is None and not lock_vanished:
        return None
    return ConfigError(str(review), None, "another build is running in this folder, or one was killed (kill -9, a "
                       "power loss) and left Snakemake's lock behind",
                       f"wait for the other build to finish; if none is running, remove the lock with `make unlock "
                       f"REVIEW={review}` (snakemake --unlock) and build again")


def build(review: Path, overrides: dict) -> int:
    """Build the review in folder *review* and publish it; print what went wrong plainly.

    Returns 0, 1 (a problem in the inputs, or a failed build) or 130 (interrupted).
    """
    settings = profile_settings()
    config = read_config_file(review) | overrides  # a syntax error, with its line (Snakemake would not name it)
    record = review / str(config.get("build_dir", "build")) / "published.json"
    published_before = record.stat().st_mtime_ns if record.is_file() else None
    # staleness by content: an input changed since the last publication but dated before it is dated now
    touch_changed_inputs(review, record)
    with Interrupts() as interrupts:
        print(f"livingreview: building {review} (Snakemake's log: .snakemake/log/)", file=sys.stderr, flush=True)
        try:
            run_workflow(review, overrides, settings)
            failure = None
        except KeyboardInterrupt:
            raise Interrupted from None
        except Exception as exc:  # Snakemake raises what the workflow raised, or its own errors
            failure = exc
        failed_stages = take_failures()
        succeeded = failure is None and not failed_stages
        published = record.is_file() and record.stat().st_mtime_ns != published_before
        if interrupts.received():
            # A signal that came while Snakemake was starting may be swallowed by it, and the build then
            # runs to the end: once it has published, output/ holds the new release, whole, and says so.
            if not (succeeded and published):
                raise Interrupted
            print(f"livingreview: the interrupt came too late to stop the build; "
                  f"{config.get('output_dir', 'output')}/ holds the new release", file=sys.stderr)
    if succeeded:
        if not published:
            print(f"livingreview: {config.get('output_dir', 'output')}/ is up to date")
        return 0
    authors = [error for error in (author_error(exc) for exc in failed_stages) if error is not None]
    bugs = [exc for exc in failed_stages if author_error(exc) is None]
    if failure is not None and not failed_stages:
        found = author_error(failure) or workflow_file_error(failure) or lock_error(failure, review)
        if found is not None:
            authors.append(found)
        else:
            print(f"error: {snakemake_message(failure)}", file=sys.stderr)
    if authors:
        print(f"error: {combined(flatten(authors))}", file=sys.stderr)
    for bug in bugs:
        import traceback

        print("internal error (a bug in livingreview; please report it with this message):\n"
              + "".join(traceback.format_exception(bug)), file=sys.stderr)
    print("livingreview: build failed; output/ was left unchanged", file=sys.stderr)
    return 1
