"""The stages of the workflow: one module per rule file of ``workflow/rules``.

Each rule's ``run:`` block calls one function of its stage's module with
named arguments (the rule's input, output and log paths), e.g.
``sections.render(kind=KIND, section=wildcards.section, ..., out=output[0], log=log[0])``.
Those functions are marked :func:`stage`: the exceptions they raise are
kept, as objects, for the command that started the build in this process
(``python -m livingreview build`` runs jobs in threads of its own process)
to report plainly, and raised on to Snakemake, which fails the job.
"""

from __future__ import annotations

import functools
import threading

from ..errors import file_system_error

# The exceptions raised by the stages that failed in this process, in the order they failed.
_failures: list[BaseException] = []
_failures_lock = threading.Lock()


def stage(function):
    """Mark *function* as the entry point a rule calls (see the module's docstring)."""
    @functools.wraps(function)
    def run(**kwargs):
        try:
            return function(**kwargs)
        except OSError as exc:  # a full disk, a folder without permission: the machine's, not a bug
            plain = file_system_error(exc, f"stage {function.__module__.rsplit('.', 1)[-1]}")
            if plain is None:
                _fail(exc)
                raise
            _fail(plain)
            raise plain from exc
        except Exception as exc:
            _fail(exc)
            raise
    return run


def _fail(exc: BaseException) -> None:
    with _failures_lock:
        _failures.append(exc)


def take_failures() -> list[BaseException]:
    """The exceptions of the stages that failed since the last call (and forget them)."""
    with _failures_lock:
        failures = list(_failures)
        _failures.clear()
    return failures
