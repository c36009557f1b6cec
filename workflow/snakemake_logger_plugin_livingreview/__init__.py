"""A Snakemake logger plugin: what ``make review`` (``snakemake --logger livingreview``) shows on the terminal.

Snakemake still writes its complete log under ``.snakemake/log/``; on the
terminal this handler keeps only what an author needs:

- a failed job: its log file, where the stage wrote its plain message
  (``error: FILE, PLACE: PROBLEM`` and ``fix: ...``, see
  :mod:`livingreview.stages`), instead of Snakemake's account of the job;
- an error met while Snakemake reads the workflow: the message of a
  livingreview error (a bad config, a missing template) without the
  traceback Snakemake adds, a syntax error in a workflow file with its file
  and line, a held lock with the command that removes it;
- an interrupt (Ctrl-C, SIGTERM), without the errors Snakemake reports while
  it stops, and "Nothing to be done" (on stdout);
- every other warning and error of Snakemake as it is.

It reads only what Snakemake hands every logger (the record's message and
its documented fields ``event``, ``exception`` and ``log``).
"""

import logging
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from snakemake_interface_logger_plugins.base import LogHandlerBase
from snakemake_interface_logger_plugins.common import LogEvent
from snakemake_interface_logger_plugins.settings import LogHandlerSettingsBase

# How Snakemake words an error it met in a workflow file (snakemake.exceptions.format_error).
WHERE = re.compile(r'^(?P<kind>\w+)(?: in rule \w+)? in file "(?P<file>[^"]+)", line (?P<line>\d+):\n', re.S)
# What Snakemake says when Ctrl-C (KeyboardInterrupt) or SIGTERM (a graceful stop) reached its scheduler.
INTERRUPTED = ("Terminating processes on user request", "Will exit after finishing currently running jobs")
NOTHING_TO_DO = "Nothing to be done"
# After an error met while reading the workflow: no job ran (after a failed job, the workflow's onerror says it).
FAILED = "livingreview: build failed before any job ran; the output folder was left unchanged"


@dataclass
class LogHandlerSettings(LogHandlerSettingsBase):
    """The plugin has no settings."""


def author_error_names() -> set[str]:
    """The class names of the livingreview errors an author can fix (their messages are plain)."""
    from livingreview import errors

    return {name for name, value in vars(errors).items()
            if isinstance(value, type) and issubclass(value, errors.LivingReviewError)}


def shown_path(path: str) -> str:
    """*path* relative to the working directory when it is inside it, else as it is."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def workflow_error(text: str, exception: str | None) -> str | None:
    """A plain message for an error Snakemake met while reading the workflow, or None to show *text*."""
    found = WHERE.match(text)
    if exception == "LockException":
        return ("error: another build is running in this folder, or one was killed (kill -9, a power loss) "
                "and left Snakemake's lock behind\n  fix: wait for the other build to finish; if none is "
                "running, remove the lock with `make unlock REVIEW=...` (snakemake --unlock) and build again\n"
                + FAILED)
    if found is None:
        return None
    body = text[found.end():].split('\n  File "', 1)[0].rstrip()
    if exception in author_error_names():
        return f"error: {body}\n{FAILED}"
    if exception == "SyntaxError":
        body = body.removesuffix(":\nNone").rstrip(":")  # Snakemake adds the line's text, which it may not have
        # Snakemake may number the line wrongly in a workflow file (https://github.com/snakemake/snakemake/issues/3875):
        # the number is shown as Snakemake gives it, and said to be Snakemake's.
        return (f"error: {shown_path(found['file'])}, line {found['line']} (as Snakemake counts): Snakemake cannot "
                f"read this workflow file (SyntaxError): {body}\n  fix: correct the rule near that line, or restore "
                f"the file from version control (git checkout -- FILE)\n{FAILED}")
    return None


def job_log(paths) -> str:
    """The text of a failed job's log files (what its stage wrote when it failed)."""
    texts = []
    for path in paths or ():
        file = Path(str(path))
        if file.is_file():
            texts.append(file.read_text(encoding="utf-8", errors="replace").strip())
    return "\n".join(text for text in texts if text)


class LogHandler(LogHandlerBase):
    """Print what an author needs to stderr (see the module's docstring)."""

    def __post_init__(self) -> None:
        self.job_failed = False
        self.interrupted = False

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "event", None)
        text = record.getMessage().strip()
        if event in (LogEvent.JOB_ERROR, LogEvent.GROUP_ERROR):
            self.job_failed = True
            shown = job_log(getattr(record, "log", None))
            self.show(shown or f"error: {text} (see Snakemake's log in .snakemake/log/)")
            return
        if text.startswith(INTERRUPTED):
            self.interrupted = True
            self.show("livingreview: build interrupted; Snakemake stops after the jobs running now")
            return
        if self.interrupted and record.levelno >= logging.ERROR:
            # What Snakemake says while it stops: that jobs did not complete, and, when Ctrl-C came while its
            # asyncio runner was running, a traceback of its tear-down ("Cannot close a running event loop",
            # Snakemake 9.27.1; no upstream issue found). The workflow's onerror says what became of output/.
            return
        if text.startswith(NOTHING_TO_DO):
            print("livingreview: nothing to be done; the published release is up to date", flush=True)
            return
        exception = getattr(record, "exception", None)
        if record.levelno < logging.WARNING or exception == "RuleException":
            return
        if self.job_failed and record.levelno >= logging.ERROR and event in (None, LogEvent.ERROR):
            return  # Snakemake's words about stopping after the failed job (its log was shown)
        if record.levelno >= logging.ERROR:
            text = workflow_error(text, exception) or text
        self.show(text)

    @staticmethod
    def show(text: str) -> None:
        if text:
            print(text, file=sys.stderr, flush=True)

    @property
    def writes_to_stream(self) -> bool:
        return True

    @property
    def writes_to_file(self) -> bool:
        return False

    @property
    def has_filter(self) -> bool:
        return True

    @property
    def has_formatter(self) -> bool:
        return True

    @property
    def needs_rulegraph(self) -> bool:
        return False
