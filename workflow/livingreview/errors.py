"""The exceptions the pipeline raises for problems an author can fix.

Each error names the file, where in it (line, row, key or column), what is
wrong and how to fix it; ``str(error)`` renders that as the one message the
author sees. *line* is kept as a number too, so that several problems can
be listed in reading order.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class LivingReviewError(Exception):
    """A problem in the author's inputs, reported without a traceback."""

    def __init__(self, file: str, where: str | None, problem: str, fix: str | None = None, *,
                 line: int | None = None):
        self.file = str(file)
        self.where = where
        self.problem = problem
        self.fix = fix
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        place = f"{self.file}, {self.where}" if self.where else self.file
        text = f"{place}: {self.problem}"
        if self.fix:
            text += f"\n  fix: {self.fix}"
        return text

    def __reduce__(self):  # picklable with its keyword argument
        return _rebuild, (type(self), self.file, self.where, self.problem, self.fix, self.line)


def _rebuild(cls, file, where, problem, fix, line):
    return cls(file, where, problem, fix, line=line)


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


class PublishError(LivingReviewError):
    """The release could not be written to the output folder (permissions, a full disk)."""


class FileSystemError(LivingReviewError):
    """A file could not be written or read: a full disk, a folder without permission, a read-only disk."""


def file_system_error(exc: OSError, doing: str,
                      kind: type[LivingReviewError] = FileSystemError) -> LivingReviewError | None:
    """A plain message for an operating-system error met while *doing* something (e.g. "building the
    review"), or None for an error that is not the machine's (a missing file, a bug)."""
    import errno

    where = str(exc.filename or "")
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return kind(where, None, f"the disk is full: {doing} stopped", "free some space on that disk (or set "
                    "build_dir or output_dir to a folder on another disk) and build again")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return kind(where, None, f"permission denied: {doing} stopped", "make the file and its folder writable "
                    "by you (chmod u+w), then build again")
    if exc.errno == errno.EROFS:
        return kind(where, None, f"the disk is read-only: {doing} stopped", "build on a writable disk")
    return None


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The one of *choices* closest to *word* (a likely misspelling), or None."""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ' Did you mean "x"?' for the closest of *choices*, or ''."""
    near = closest(word, choices)
    return f' Did you mean "{near}"?' if near else ""


class ErrorList(LivingReviewError):
    """Several problems found together (e.g. every unreadable block of a BibTeX file).

    Renders as one message per problem, each after ``error: `` as the first.
    """

    def __init__(self, errors: list[LivingReviewError]):
        self.errors = list(errors)
        first = self.errors[0]
        super().__init__(first.file, first.where, first.problem, first.fix, line=first.line)

    def __str__(self) -> str:
        return "\nerror: ".join(LivingReviewError.__str__(e) for e in self.errors)

    def __reduce__(self):
        return ErrorList, (self.errors,)


def flatten(errors: Iterable[LivingReviewError]) -> list[LivingReviewError]:
    """Every single problem of *errors* (an :class:`ErrorList` stands for its members)."""
    return [single for error in errors for single in (error.errors if isinstance(error, ErrorList) else [error])]


def in_reading_order(problems: Iterable[LivingReviewError], files: list[str]) -> list[LivingReviewError]:
    """*problems* by file (in the order of *files*, others after), then by line, as an author reads them."""
    def position(problem: LivingReviewError) -> tuple[int, int]:
        rank = files.index(problem.file) if problem.file in files else len(files)
        return rank, problem.line or 0
    return sorted(problems, key=position)


# The fix printed after the last problem shown when more were found.
FIX_OTHERS = "fix the problems listed above, then build again to see the others"


def combined(errors: list[LivingReviewError], more_fix: str = FIX_OTHERS, limit: int = 10) -> LivingReviewError:
    """One error for all *errors*: the first *limit* of them, then how many more there are."""
    errors = flatten(errors)
    listed = list(errors[:limit])
    hidden = errors[limit:]
    if hidden:
        files = ", ".join(dict.fromkeys(error.file for error in hidden))
        count = f"{len(hidden)} more problem is" if len(hidden) == 1 else f"{len(hidden)} more problems are"
        listed.append(LivingReviewError(files, None, f"{count} not shown", more_fix))
    return listed[0] if len(listed) == 1 else ErrorList(listed)
