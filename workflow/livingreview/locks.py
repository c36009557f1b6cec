"""Locks that keep builds from stepping on each other, even after a build was killed.

``BuildLock`` (in :mod:`livingreview.cli`) lets one build at a time run in a
build folder. A build killed with SIGKILL cannot stop the jobs it started:
they run on and write into the build folder. Every job therefore holds a
shared lock on ``<build_dir>/.jobs.lock`` while it runs (:func:`job_running`),
and a new build first takes that lock exclusively (:func:`wait_for_jobs`),
which waits until the jobs left over from a killed build have finished.
"""

from __future__ import annotations

import fcntl
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

JOBS_LOCK = ".jobs.lock"


def _open(build_dir: str | Path):
    path = Path(build_dir) / JOBS_LOCK
    path.parent.mkdir(parents=True, exist_ok=True)
    return open(path, "a")


@contextmanager
def job_running(build_dir: str | Path) -> Iterator[None]:
    """Hold a shared lock on the build folder's jobs lock while one job runs."""
    with _open(build_dir) as handle:
        fcntl.flock(handle, fcntl.LOCK_SH)
        yield


def wait_for_jobs(build_dir: str | Path) -> bool:
    """Wait until no job of an earlier (killed) build is still running; True if one was."""
    with _open(build_dir) as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return False
        except BlockingIOError:
            print("livingreview: jobs of an interrupted build are still running; waiting for them to finish...",
                  file=sys.stderr, flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
            return True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
