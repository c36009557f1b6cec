"""Stage ``evidence``: read and cross-check a review's data files and write ``evidence.json``.

Which files, and how they are checked against each other, is the review's
kind's (:meth:`livingreview.kinds.ReviewKind.read_evidence`); the readers
every kind shares are here: the review metadata (:func:`read_review`), a
YAML file checked against its schema (:func:`read_checked_yaml`), the
bibliography with the Methods' own when the kind has one
(:func:`read_references`), and :func:`reader_noting`, which lets a kind
read every file before it stops.

Everything an author types is checked here, before any text is produced:
every problem found in the files (up to ten at a time) is reported in one
go, each a :class:`~livingreview.errors.DataError` (or
:class:`~livingreview.errors.BibliographyError`,
:class:`~livingreview.errors.EvidenceError`) naming the file, the row and
line, the column or key, what is wrong and how to fix it.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .. import parts
from ..bibtex import read_bibliography
from ..citations import CITE_CLOSE, CITE_OPEN
from ..errors import BibliographyError, DataError, LivingReviewError, combined, did_you_mean, flatten
from ..files import parse_yaml, read_input, write_json, write_log, yaml_line
from ..schemas import explain_error, is_valid, load_schema, schema_errors
from . import stage

if TYPE_CHECKING:
    from ..kinds import ReviewKind


def read_checked_yaml(path: str, schema_name: str, kind: str, start_from: str,
                      allow_invisible: bool = False) -> tuple[dict, str]:
    """A YAML mapping checked against schema *schema_name*, and its text; a :class:`DataError` naming the
    line and key of the first problem (an unknown key first: usually the misspelling of a missing one)."""
    text = read_input(path, kind, allow_invisible=allow_invisible)
    data = parse_yaml(text, path, kind, DataError)
    if not isinstance(data, dict):
        raise DataError(path, None, f"the {kind} must be a YAML mapping (key: value lines)", start_from)
    if not is_valid(data, schema_name):
        schema = load_schema(schema_name)
        error = min(schema_errors(data, schema_name), key=lambda e: e.validator != "additionalProperties")
        key_path, problem, fix = explain_error(error, schema, schema_name)
        line = yaml_line(text, key_path) if error.validator != "required" else None
        where = ", ".join(filter(None, [f"line {line}" if line else None,
                                        "key " + ".".join(str(p) for p in key_path)]))
        raise DataError(path, where, problem, fix, line=line)
    return data, text


def read_review(path: str | Path, allow_invisible: bool = False) -> dict:
    """Read the review metadata (YAML) and check it against its schema and itself."""
    path = str(path)
    data, text = read_checked_yaml(path, "review", "review metadata", "start from the shipped data/review.yaml",
                                   allow_invisible)
    _check_dates(data, text, path)
    for name, item in data.get("framing", {}).items():
        if CITE_OPEN in item or CITE_CLOSE in item:
            raise DataError(path, f"key framing.{name}", "contains a reserved private-use character", "delete it")
    ids = [a["id"] for a in data["affiliations"]]
    for number, author in enumerate(data["authors"]):
        if author["affiliation"] not in ids:
            raise DataError(path, f"key authors.{number}.affiliation",
                            f'affiliation "{author["affiliation"]}" is not an id in affiliations.'
                            + did_you_mean(author["affiliation"], ids), "use one of: " + ", ".join(ids))
    corresponding = [i for i, a in enumerate(data["authors"]) if a.get("corresponding")]
    if not corresponding:
        raise DataError(path, "key authors", "no author is marked `corresponding: true`",
                        "mark the corresponding author (with an email)")
    if not data["authors"][corresponding[0]].get("email"):
        raise DataError(path, f"key authors.{corresponding[0]}.email",
                        "the corresponding author has no email (the article prints it as the address for "
                        "correspondence)", "add `email: name@example.org` to that author")
    return data


# The manuscript's dates in the order they happen.
DATE_ORDER = ("received", "editor_assigned", "reviewed", "revised", "published")


def _check_dates(review: dict, text: str, path: str) -> None:
    """Every manuscript date is a real day of the calendar, and they follow each other in order."""
    days = {}
    for name, value in review["dates"].items():
        try:
            days[name] = dt.date.fromisoformat(value)
        except ValueError:
            line = yaml_line(text, ["dates", name])
            raise DataError(path, f"line {line}, key dates.{name}", f'"{value}" is not a date of the calendar',
                            f"write the date as year-month-day, e.g. dates.{name}: 2025-12-29", line=line) from None
    present = [name for name in DATE_ORDER if name in days]
    for earlier, later in zip(present, present[1:], strict=False):
        if days[later] < days[earlier]:
            line = yaml_line(text, ["dates", later])
            raise DataError(path, f"line {line}, key dates.{later}",
                            f"{later} ({days[later]}) is before {earlier} ({days[earlier]})",
                            f"correct the dates: {' ≤ '.join(present)}", line=line)
    _check_versions(review, text, path)


def _check_versions(review: dict, text: str, path: str) -> None:
    """A living review's earlier versions (``previous_versions``) are listed oldest first, each a real day
    before this version's publication, and none is this version: the article says it was first published
    on the first one's date."""
    def fail(number: int, problem: str, fix: str) -> DataError:
        line = yaml_line(text, ["previous_versions", number])
        return DataError(path, f"line {line}, key previous_versions.{number}", problem, fix, line=line)

    previous = None
    for number, version in enumerate(review.get("previous_versions") or []):
        try:
            day = dt.date.fromisoformat(version["published"])
        except ValueError:
            raise fail(number, f'"{version["published"]}" is not a date of the calendar',
                       "write the date as year-month-day, e.g. published: 2025-12-29") from None
        if version["version"] == review["version"]:
            raise fail(number, f"version {version['version']} is this version (key version), not an earlier one",
                       "list only the versions published before this one")
        if previous is not None and day < previous:
            raise fail(number, f"version {version['version']} ({day}) is listed after a later one",
                       "list the earlier versions oldest first")
        if day > dt.date.fromisoformat(review["dates"]["published"]):
            raise fail(number, f"version {version['version']} ({day}) is dated after this version "
                       f"(dates.published: {review['dates']['published']})",
                       "correct the date, or move that version out of previous_versions")
        previous = day


def read_references(data: dict[str, str], cited: list[str], problems: list[LivingReviewError],
                    allow_invisible: bool = False) -> tuple[dict | None, dict, list[LivingReviewError]]:
    """The entries of the bibliography (*data*'s ``bibliography``, which must hold the *cited* keys; None
    when it cannot be read), those of the Methods' bibliography when the kind reads one (config
    ``methods_bibliography``: the works the templates cite, Egger's test, I²...; the author's file, which an
    import, rewriting the bibliography, leaves alone; else none), and the problems of their entries. A
    file that cannot be read, and a key in both files, are noted in *problems* (as :func:`reader_noting`)."""
    read = reader_noting(problems)
    bibliography, methods = data["bibliography"], data.get("methods_bibliography")
    references, found = read(read_bibliography, bibliography, cited, allow_invisible) or (None, [])
    methods_references, methods_found = ((read(read_bibliography, methods, None, allow_invisible) or ({}, []))
                                         if methods else ({}, []))
    if references is not None:
        problems += [BibliographyError(methods, f"key {key}", f'"{key}" is also an entry of {bibliography}',
                                       f"remove one of the two entries (or rename its key in {methods} and "
                                       "in the templates that cite it)", line=methods_references[key].line)
                     for key in methods_references if key in references]
    return references, methods_references, found + methods_found


def reader_noting(problems: list[LivingReviewError]):
    """A ``read(reader, *args, **kwargs)`` that returns what *reader* returns, or None with the
    :class:`LivingReviewError` it raised noted in *problems* (so that every file is read before a stop)."""
    def read(reader, *args, **kwargs):
        """What *reader* returns, or None with its problems noted."""
        try:
            return reader(*args, **kwargs)
        except LivingReviewError as exc:
            problems.extend(flatten([exc]))
            return None
    return read


@stage
def load(*, kind: ReviewKind, data: dict[str, str], out: str, log: str, allow_invisible: bool = False,
         strict: bool = False) -> None:
    """The data files of a review of *kind* (*data*: config key -> path, the kind's
    :meth:`~livingreview.kinds.ReviewKind.all_data_files`) -> evidence.json.

    Every file is read before the build stops, so that all their problems are
    reported together. Invisible and direction-changing characters are
    refused unless *allow_invisible*.

    What would be published although it should not be, as the kind judges it
    (:meth:`~livingreview.kinds.ReviewKind.publication_warnings`: a meta-analysis's
    incomplete references the author has not accepted), is a warning on the
    terminal and in the log; with *strict* (config ``strict``, ``make review
    STRICT=1``) it stops the build instead, each named with its fix.
    """
    evidence, summary = parts.read_evidence(kind, data, allow_invisible)  # read once with the workflow, if it was
    warnings = kind.publication_warnings(evidence)
    if warnings and strict:
        refused = [type(w)(w.file, w.where, f"{w.problem}; a strict build (config strict) refuses to publish it",
                           w.fix, line=w.line) for w in warnings]
        raise combined(refused, "correct or accept each entry as its fix says, then build again", limit=50)
    for warning in warnings:
        print(f"livingreview: warning: {warning}", file=sys.stderr, flush=True)
    write_json(out, evidence)
    write_log(log, "\n".join([summary, *(f"warning: {warning}" for warning in warnings)]))
