"""Routes around bugs of the pinned Snakemake (requirements.lock), each small and applied when the
workflow is read (workflow/rules/common.smk), so that plain ``snakemake`` gets them as ``make review``
does. Each names the Snakemake code it mends; remove it when Snakemake is fixed.
"""

from __future__ import annotations

import logging
import sys


def _exit_gracefully(self, *args) -> None:
    """Snakemake's SIGTERM handler without its lock: the handler runs in the main thread, which may
    hold that lock already, and then waits for it forever."""
    self._user_kill = "graceful"  # one attribute written: the handler needs no lock for it
    self._open_jobs.release()


def apply() -> None:
    """Mend the SIGTERM deadlock of Snakemake's job scheduler.

    ``snakemake/scheduling/job_scheduler.py`` (9.27.1) registers ``JobScheduler.exit_gracefully``
    for SIGTERM; it takes ``self._lock``, a non-reentrant ``threading.Lock`` that the main thread
    holds while it collects finished jobs (``schedule``, ``with self._lock: self._finish_jobs()``).
    A SIGTERM that arrives then runs the handler in that same thread, which waits for the lock it
    holds: the build hangs instead of stopping (seen in tests/test_interrupt.py). No upstream issue
    was found for it; the mended handler does what Snakemake's does, without the lock.
    """
    from snakemake.scheduling.job_scheduler import JobScheduler

    JobScheduler.exit_gracefully = _exit_gracefully


class _AfterTearDown(logging.Handler):
    """What Snakemake logs after its logging was shut down, which Python's last-resort handler would
    print whole: shown as a plain line, except the tear-down error of an interrupted build."""

    def emit(self, record: logging.LogRecord) -> None:
        if logging.getLogger("snakemake.logging").handlers:
            return  # Snakemake's logging is running: the logger plugin shows the record
        message = record.getMessage()
        if "Cannot close a running event loop" in message:
            return  # Snakemake's tear-down after Ctrl-C; the logger plugin has said the build was interrupted
        print(message.strip().splitlines()[-1] if message.strip() else message, file=sys.stderr)


def quiet_tear_down() -> None:
    """Keep Snakemake's tear-down error after Ctrl-C off the terminal.

    After a KeyboardInterrupt, ``SnakemakeApi._cleanup`` (snakemake/api.py, 9.27.1) first stops its
    logging (every handler removed), then closes the workflow's asyncio runner, which raises
    ``RuntimeError: Cannot close a running event loop``; ``snakemake.cli.main`` then logs it with no
    handler left, and Python's last-resort handler prints two tracebacks under the plugin's "build
    interrupted". No upstream issue was found. A handler on the parent logger ``snakemake`` takes
    what is logged then: that error is dropped, anything else is shown as its last line. Installed
    by ``python -m livingreview build`` (plain ``snakemake`` still prints the tracebacks).
    """
    parent = logging.getLogger("snakemake")
    if not any(isinstance(handler, _AfterTearDown) for handler in parent.handlers):
        parent.addHandler(_AfterTearDown())


def end_idle_timers() -> None:
    """Cancel the job scheduler's pending re-evaluation timers once the jobs are done (called by the
    workflow's ``onsuccess`` and ``onerror``), so that Snakemake's process ends at once.

    ``snakemake/scheduling/job_scheduler.py`` (9.27.1) starts a ``threading.Timer`` on each pass of
    ``schedule`` (``_schedule_reevalutation``, for its job rate limit, ``--max-jobs-per-timespan``,
    default ``100/1s``). The timers are not daemon threads: Python waits for the last one at exit,
    up to 1 s after the build has finished (measured: a seed build's process ended 1.0 s after
    ``schedule`` returned). A shorter timespan cannot be set: ``MaxJobsPerTimespan.arg_re`` reads
    ``100ms`` as 100 minutes. No upstream issue was found. A cancelled timer's only action, releasing
    the scheduler's semaphore, is not needed once the scheduler has returned.
    """
    import threading

    for thread in threading.enumerate():
        if (isinstance(thread, threading.Timer)
                and "JobScheduler._schedule_reevalutation" in getattr(thread.function, "__qualname__", "")):
            thread.cancel()
