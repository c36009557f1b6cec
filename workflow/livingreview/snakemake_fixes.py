"""Routes around bugs of the pinned Snakemake (requirements.lock), each small and applied when the
workflow is read (workflow/rules/common.smk), so that plain ``snakemake`` gets them as ``make review``
does. Each names the Snakemake code it mends; remove it when Snakemake is fixed.
"""

from __future__ import annotations


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
