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
- every other warning and error of Snakemake as it is;
- on a terminal (or with ``LIVINGREVIEW_PROGRESS=1``), the progress: one
  line, rewritten in place on a terminal, with the jobs done of the total
  and the stages running (``livingreview: [3/17] running sections, figures``).

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
# Set to 1 to show the progress when stderr is not a terminal (a line per change), 0 to hide it on a terminal.
PROGRESS_VARIABLE = "LIVINGREVIEW_PROGRESS"


def stage_of(rule: str) -> str:
    """The stage a rule belongs to, as the progress names it (``section_results`` → ``sections``)."""
    for prefix, stage in (("section", "sections"), ("figure", "figures")):
        if rule.startswith(prefix):
            return stage
    return "" if rule == "all" else rule


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
        self.running: dict[int, str] = {}  # job id → stage, of the jobs started and not finished
        self.done, self.total = 0, 0
        self.last_line = None
        self.progress_shown = False  # a progress line is on the terminal, to be rewritten
        setting = os.environ.get(PROGRESS_VARIABLE, "")
        self.progress = setting == "1" or (setting != "0" and sys.stderr.isatty())
        self.in_place = sys.stderr.isatty()

    def track(self, record: logging.LogRecord, event) -> bool:
        """Follow the jobs (started, finished, the count done of total) and show the progress line; True
        when *record* was a progress event and needs nothing else shown."""
        if event == LogEvent.JOB_INFO:
            rule = str(getattr(record, "rule_name", "") or "a job")
            if stage_of(rule):
                self.running[getattr(record, "jobid", 0)] = stage_of(rule)
            if rule == "publish":  # the summary it prints (stdout) ends the progress, on a line of its own
                if self.progress_shown:
                    sys.stderr.write("\n")
                self.progress_shown = self.progress = False
        elif event == LogEvent.JOB_FINISHED:
            self.running.pop(getattr(record, "job_id", getattr(record, "jobid", None)), None)
        elif event == LogEvent.PROGRESS:
            self.done, self.total = getattr(record, "done", 0), getattr(record, "total", 0)
        else:
            return False
        if self.progress and self.total:
            stages = ", ".join(dict.fromkeys(sorted(self.running.values())))
            line = f"livingreview: [{self.done}/{self.total} jobs done]" + (f" running {stages}" if stages else "")
            if line != getattr(self, "last_line", None):
                self.last_line = line
                if self.in_place:
                    sys.stderr.write("\r\033[K" + line[:200])
                    self.progress_shown = True
                elif stages:
                    sys.stderr.write(line + "\n")
                sys.stderr.flush()
        return True

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "event", None)
        if self.track(record, event):
            return
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

    def show(self, text: str) -> None:
        if text:
            if getattr(self, "progress_shown", False):  # the message replaces the progress line
                sys.stderr.write("\r\033[K")
                self.progress_shown = False
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
