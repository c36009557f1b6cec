"""The stages of the workflow: one module per rule file of ``workflow/rules``.

Each rule's ``run:`` block calls one function of its stage's module with
named arguments (the rule's input, output and log paths), e.g.
``sections.render(kind=KIND, section=wildcards.section, ..., out=output[0], log=log[0])``.
Those functions are marked :func:`stage`. When one raises, its message is
written to the job's log file (``log=``): the plain message of a
:class:`~livingreview.errors.LivingReviewError` (a problem an author can
fix), or "internal error" with the traceback (a bug); the exception goes on
to Snakemake, which fails the job, and the logger plugin ``livingreview``
shows the failed job's log on the terminal. Nothing is kept in this process,
so a job may run in a thread of Snakemake or in a process of its own.

A test can stop a stage at its start, deterministically (tests/test_interrupt.py):
with ``LIVINGREVIEW_PAUSE_AT=NAME`` (a stage function, e.g. ``publish``) and
``LIVINGREVIEW_PAUSE_FIFO=PATH`` (a named pipe) in the environment, that
stage's first job opens the pipe for reading before it does anything, which
blocks until the test opens it for writing (the stage has then been reached),
and reads until the test closes it (the stage then goes on).
"""

from __future__ import annotations

import functools
import os
import select
import sys
import threading
import traceback

from ..errors import LivingReviewError, file_system_error

# The environment variables of the pause (see the module's docstring).
PAUSE_AT = "LIVINGREVIEW_PAUSE_AT"
PAUSE_FIFO = "LIVINGREVIEW_PAUSE_FIFO"
# What the log of a stage that failed on a bug starts with.
INTERNAL_ERROR = "internal error (a bug in livingreview; please report it with this message):"


def pause_if_asked(name: str) -> None:
    """Block until the test holding the named pipe lets stage *name* go on (see the module's docstring).

    Only the first job of the stage to get here is held (a stage such as ``render`` has one job per
    section, run at once): it creates ``PIPE.taken``, which the others find there.
    """
    fifo = os.environ.get(PAUSE_FIFO)
    if os.environ.get(PAUSE_AT) != name or not fifo:
        return
    try:
        os.close(os.open(f"{fifo}.taken", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return
    with open(fifo, encoding="utf-8") as pipe:
        # Held until the test closes the pipe, or until the build's main thread has ended (the interpreter
        # waits for this job's thread at its exit): a held job never keeps a finished build alive.
        while not select.select([pipe], [], [], 0.1)[0]:
            if not threading.main_thread().is_alive():
                return
        pipe.read()


def failure_text(exc: BaseException) -> str:
    """What the log of a job whose stage raised *exc* says: ``error: <message>`` for an author's
    problem, else "internal error" and the traceback."""
    if isinstance(exc, LivingReviewError):
        return f"error: {exc}\n"
    return INTERNAL_ERROR + "\n" + "".join(traceback.format_exception(exc))


def write_failure(log: str | None, exc: BaseException) -> None:
    """Write :func:`failure_text` to the job's *log*; print it to stderr when there is no log or it
    cannot be written (a full disk), so that the message is not lost."""
    text = failure_text(exc)
    if log:
        try:
            with open(log, "w", encoding="utf-8") as handle:
                handle.write(text)
            return
        except OSError:
            pass
    print(text, end="", file=sys.stderr, flush=True)


def stage(function):
    """Mark *function* as the entry point a rule calls (see the module's docstring)."""
    @functools.wraps(function)
    def run(**kwargs):
        pause_if_asked(function.__name__)
        try:
            return function(**kwargs)
        except OSError as exc:  # a full disk, a folder without permission: the machine's, not a bug
            plain = file_system_error(exc, f"stage {function.__module__.rsplit('.', 1)[-1]}")
            write_failure(kwargs.get("log"), plain or exc)
            if plain is None:
                raise
            raise plain from exc
        except Exception as exc:
            write_failure(kwargs.get("log"), exc)
            raise
    return run
