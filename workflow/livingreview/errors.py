"""The exceptions the pipeline raises for problems an author can fix.

Each error names the file, where in it (line, row, key or column), what is
wrong and how to fix it; :func:`LivingReviewError.__str__` renders that as the
one message the author sees on the terminal.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from contextlib import contextmanager


class LivingReviewError(Exception):
    """A problem in the author's inputs, reported without a traceback."""

    def __init__(self, file: str, where: str | None, problem: str, fix: str | None = None):
        self.file = str(file)
        self.where = where
        self.problem = problem
        self.fix = fix
        super().__init__(str(self))

    def __str__(self) -> str:
        place = f"{self.file}, {self.where}" if self.where else self.file
        text = f"{place}: {self.problem}"
        if self.fix:
            text += f"\n  fix: {self.fix}"
        return text


class DataError(LivingReviewError):
    """The study dataset, the themes or the review metadata are invalid."""


class BibliographyError(LivingReviewError):
    """``references.bib`` cannot be parsed or lacks what the style needs."""


class TemplateError(LivingReviewError):
    """A Jinja template is missing, malformed, or uses an undefined name."""


class ConfigError(LivingReviewError):
    """The pipeline configuration is invalid."""


class EvidenceError(LivingReviewError):
    """A conclusion statement lost the evidence it declares it needs."""


class ConversionError(LivingReviewError):
    """Pandoc or Typst failed to convert the assembled article."""


def report_error(message: str, error_file) -> None:
    """Append *message* to the build's error file, read by the command-line front end."""
    from pathlib import Path

    path = Path(error_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(message.rstrip() + "\n\n")


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The one of *choices* closest to *word* (a likely misspelling), or None."""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return close[0] if close else None


@contextmanager
def recorded(error_file):
    """Record a LivingReviewError raised in the block in *error_file* (for the front end), then re-raise it."""
    try:
        yield
    except LivingReviewError as exc:
        report_error(f"error: {exc}", error_file)
        raise


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ' Did you mean "x"?' for the closest of *choices*, or ''."""
    near = closest(word, choices)
    return f' Did you mean "{near}"?' if near else ""


class ErrorList(LivingReviewError):
    """Several problems found together (e.g. every unreadable block of a BibTeX file).

    Renders as one message per problem, each after ``error: `` as the step
    prints the first.
    """

    def __init__(self, errors: list[LivingReviewError]):
        self.errors = list(errors)
        first = self.errors[0]
        super().__init__(first.file, first.where, first.problem, first.fix)

    def __str__(self) -> str:
        return "\nerror: ".join(LivingReviewError.__str__(e) for e in self.errors)


def combined(errors: list[LivingReviewError], more_fix: str, limit: int = 10) -> LivingReviewError:
    """One error for all *errors*: the first *limit* of them, then how many more there are."""
    listed = list(errors[:limit])
    hidden = errors[limit:]
    if hidden:
        files = ", ".join(dict.fromkeys(error.file for error in hidden))
        count = f"{len(hidden)} more problem is" if len(hidden) == 1 else f"{len(hidden)} more problems are"
        listed.append(LivingReviewError(files, None, f"{count} not shown", more_fix))
    return listed[0] if len(listed) == 1 else ErrorList(listed)
