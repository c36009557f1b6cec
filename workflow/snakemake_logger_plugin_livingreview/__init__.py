"""A Snakemake logger plugin: what ``make review`` shows on the terminal.

Snakemake still writes its complete log under ``.snakemake/log/``; on the
terminal this handler keeps only what an author needs: Snakemake's warnings
and errors, except those of failed stages, which the command that started
the build (:mod:`livingreview.commands.build`) reports itself, plainly, from
the exceptions the stages raised. Plain ``snakemake`` can use it too
(``snakemake --logger livingreview`` with ``workflow/`` on ``PYTHONPATH``).
"""

import logging
import sys
from dataclasses import dataclass

from snakemake_interface_logger_plugins.base import LogHandlerBase
from snakemake_interface_logger_plugins.common import LogEvent
from snakemake_interface_logger_plugins.settings import LogHandlerSettingsBase


@dataclass
class LogHandlerSettings(LogHandlerSettingsBase):
    """The plugin has no settings."""


class LogHandler(LogHandlerBase):
    """Print Snakemake's warnings and errors to stderr, except those about jobs that failed."""

    def __post_init__(self) -> None:
        self.job_failed = False

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "event", None)
        if event in (LogEvent.JOB_ERROR, LogEvent.GROUP_ERROR):
            self.job_failed = True  # its stage's error is reported by the build command
            return
        if record.levelno < logging.WARNING or getattr(record, "exception", None) == "RuleException":
            return
        if self.job_failed and record.levelno >= logging.ERROR and event is None:
            return  # the scheduler's words about stopping after the failed job
        text = record.getMessage().strip()
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
