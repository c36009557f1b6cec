"""Stage ``evidence``: read and cross-check the study dataset, the themes, the
review metadata and the bibliography, and write ``evidence.json``.

Everything an author types is checked here, before any text is produced:
every problem found in the files (up to ten at a time) is reported in one
go, each a :class:`~livingreview.errors.DataError` (or
:class:`~livingreview.errors.BibliographyError`,
:class:`~livingreview.errors.EvidenceError`) naming the file, the row and
line, the column or key, what is wrong and how to fix it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .. import meta_analysis
from ..bibtex import read_bibliography
from ..citations import CITE_CLOSE, CITE_OPEN
from ..errors import DataError, EvidenceError, LivingReviewError, combined, did_you_mean, flatten, in_reading_order
from ..files import parse_yaml, read_input, write_json, write_log, yaml_line
from ..schemas import explain_error, is_valid, load_schema, schema_errors
from ..tables import Table, read_table, row_place
from . import stage


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


def cross_check_problems(studies: Table, themes: Table, bibliography: dict | None,
                         studies_path: str, themes_path: str, bib_path: str) -> list[DataError]:
    """Every study whose theme or key does not exist, every theme whose references do not resolve.

    Only what can be checked soundly is: rows with a problem of their own
    are left out, themes are checked only when every themes row is sound,
    keys only when the bibliography (*bibliography*, None when it had
    problems) was read whole, and "nothing included" only when every study
    row is sound. The rest shows once the problems found are fixed.
    """
    theme_ids = [t["theme"] for t in themes.rows]
    check_themes = not themes.faulty
    problems: list[DataError] = []
    for study in studies.sound_rows():
        where, line = row_place(study["_row"], study["_line"]), study["_line"]
        if check_themes and study["theme"] not in theme_ids:
            problems.append(DataError(studies_path, f"{where}, column theme",
                                      f'unknown theme "{study["theme"]}".' + did_you_mean(study["theme"], theme_ids),
                                      f"use a theme listed in {themes_path}, or add the theme there", line=line))
        if bibliography is not None and study["key"] not in bibliography:
            problems.append(DataError(studies_path, f"{where}, key {study['key']}",
                                      f'the key "{study["key"]}" has no entry in {bib_path}.'
                                      + did_you_mean(study["key"], bibliography),
                                      f"add an entry @article{{{study['key']}, ...}} to {bib_path} or correct the key",
                                      line=line))
    if not themes.faulty:
        problems += same_order_problems(themes.rows, "order", themes_path)
        problems += same_order_problems([t for t in themes.rows if t["statement"]], "conclusion_order", themes_path)
    for theme in themes.sound_rows():
        where, line = row_place(theme["_row"], theme["_line"]), theme["_line"]
        problems += [DataError(themes_path, f"{where}, column also_requires",
                               f'unknown theme "{needed}".' + did_you_mean(needed, theme_ids),
                               "list themes from the `theme` column, separated by spaces", line=line)
                     for needed in theme["also_requires"] if needed not in theme_ids]
        if theme["statement"] and theme["conclusion_order"] is None:
            problems.append(DataError(themes_path, f"{where}, column conclusion_order",
                                      "the theme has a statement but no conclusion_order",
                                      "give the statement its position in the Conclusion (1, 2, ...)", line=line))
    if not studies.faulty and not any(s["status"] == "included" for s in studies.rows):
        problems.append(DataError(studies_path, None,
                                  "no study has status \"included\"; the review would cite nothing",
                                  "set status to included for at least one study"))
    return problems


def same_order_problems(themes: list[dict], column: str, themes_path: str) -> list[DataError]:
    """A problem for each theme whose *column* (order, conclusion_order) repeats an earlier theme's:
    the text would have no order for them."""
    first: dict[int, dict] = {}
    problems = []
    for theme in themes:
        value = theme[column]
        if value is None:
            continue
        if value in first:
            other = first[value]
            problems.append(DataError(themes_path, f"{row_place(theme['_row'], theme['_line'])}, column {column}",
                                      f'theme "{theme["theme"]}" has the same {column} ({value}) as theme '
                                      f'"{other["theme"]}" (row {other["_row"]})',
                                      f"give each theme its own {column}", line=theme["_line"]))
        first.setdefault(value, theme)
    return problems


def narrative_order(studies: list[dict], themes: list[dict]) -> list[dict]:
    """Included studies in narrative order: by theme order, then by row order."""
    theme_rank = {t["theme"]: (t["order"], t["theme"]) for t in themes}
    included = [s for s in studies if s["status"] == "included"]
    return sorted(included, key=lambda s: (theme_rank[s["theme"]], s["_row"]))


def conclusion_statements(themes: list[dict], included: list[dict], themes_path: str) -> list[dict]:
    """The Conclusion's statements in order, each with the keys of the studies that support it.

    A statement needs at least one included study of its own theme and of
    every theme in ``also_requires``; when one is missing the build stops
    with an :class:`EvidenceError` naming the statement and the evidence.
    """
    by_theme: dict[str, list[dict]] = {}
    for study in included:
        by_theme.setdefault(study["theme"], []).append(study)
    statements = []
    for theme in sorted((t for t in themes if t["statement"]), key=lambda t: (t["conclusion_order"], t["theme"])):
        needed = [theme["theme"], *theme["also_requires"]]
        missing = [n for n in needed if not by_theme.get(n)]
        if missing:
            raise EvidenceError(
                themes_path, f"{row_place(theme['_row'], theme['_line'])}, theme {theme['theme']}",
                f'the conclusion statement "{theme["statement"][:90]}" has lost its evidence: no included study of '
                + ", ".join(f'theme "{m}"' for m in missing),
                "include a study of that theme, or reword or remove the statement (empty the `statement` "
                "cell, or drop the theme from `also_requires`)", line=theme["_line"])
        support = [s["key"] for s in included if s["theme"] in needed]
        statements.append({"theme": theme["theme"], "label": theme["label"], "statement": theme["statement"],
                           "studies": support})
    return statements


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
def load(*, studies: str, themes: str, review: str, bibliography: str, out: str, log: str,
         allow_invisible: bool = False) -> None:
    """The study dataset, themes, review metadata and bibliography -> evidence.json.

    Every file is read before the build stops, so that all their problems
    are reported together. Invisible and direction-changing characters are
    refused unless *allow_invisible*.
    """
    problems: list[LivingReviewError] = []
    read = reader_noting(problems)

    metadata = read(read_review, review, allow_invisible)
    theme_table = read(read_table, themes, "themes", "themes table", "theme", allow_invisible=allow_invisible)
    for theme in theme_table.rows if theme_table is not None else []:
        theme["also_requires"] = theme["also_requires"].split()
    study_table = read(read_table, studies, "studies", "study dataset", "key", allow_invisible=allow_invisible)
    cited = [s["key"] for s in study_table.rows] if study_table is not None else []
    references, bib_problems = read(read_bibliography, bibliography, cited, allow_invisible) or (None, [])
    for table in (theme_table, study_table):
        problems += table.problems if table is not None else []
    problems += bib_problems
    if theme_table is not None and study_table is not None:
        problems += cross_check_problems(study_table, theme_table, None if bib_problems else references,
                                         studies, themes, bibliography)
    if problems:
        raise combined(in_reading_order(problems, [review, themes, studies, bibliography]))
    included = narrative_order(study_table.rows, theme_table.rows)
    statements = conclusion_statements(theme_table.rows, included, themes)
    write_json(out, {
        "review": metadata,
        "themes": theme_table.rows,
        "studies": study_table.rows,
        "included": [s["key"] for s in included],
        "statements": statements,
        "references": {s["key"]: references[s["key"]].to_dict() for s in study_table.rows},
        "sources": {"studies": studies, "themes": themes, "review": review, "bibliography": bibliography},
    })
    write_log(log, f"{len(study_table.rows)} studies ({len(included)} included), {len(theme_table.rows)} themes, "
                   f"{len(statements)} conclusion statements, {len(references)} bibliography entries")


@stage
def load_meta_analysis(*, studies: str, comparisons: str, decisions: str, conclusions: str, database: str,
                       review: str, bibliography: str, out: str, log: str, allow_invisible: bool = False) -> None:
    """A meta-analytic review's tables (studies, comparisons, the author's decisions and conclusion
    statements), the database release's metadata, the review metadata and the bibliography -> evidence.json.

    Every file is read before the build stops, so that all their problems are reported together.
    """
    problems: list[LivingReviewError] = []
    read = reader_noting(problems)

    metadata = read(read_review, review, allow_invisible)
    release = read(read_checked_yaml, database, meta_analysis.DATABASE_SCHEMA, "database metadata",
                   "import the release again (make import)", allow_invisible)
    release = release[0] if release else None
    study_table = read(read_table, studies, meta_analysis.STUDIES_SCHEMA, "study table", "key",
                       allow_invisible=allow_invisible)
    comparison_table = read(read_table, comparisons, meta_analysis.COMPARISONS_SCHEMA, "comparison table", "id",
                            allow_invisible=allow_invisible)
    decision_table = read(read_table, decisions, meta_analysis.DECISIONS_SCHEMA, "decisions table", "key",
                          allow_empty=True, allow_invisible=allow_invisible)
    conclusion_table = read(read_table, conclusions, meta_analysis.CONCLUSIONS_SCHEMA, "conclusions table", "id",
                            allow_empty=True, allow_invisible=allow_invisible)
    cited = [s["key"] for s in study_table.rows] if study_table is not None else []
    cited += [release["citation_key"]] if release else []
    references, bib_problems = read(read_bibliography, bibliography, cited, allow_invisible) or (None, [])
    for table in (study_table, comparison_table, decision_table, conclusion_table):
        problems += table.problems if table is not None else []
    problems += bib_problems
    paths = {"studies": studies, "comparisons": comparisons, "decisions": decisions, "conclusions": conclusions,
             "database": database, "bibliography": bibliography}
    if None not in (study_table, comparison_table, decision_table):
        problems += meta_analysis.cross_check_problems(study_table, comparison_table, decision_table,
                                                       None if bib_problems else references, release, paths)
    if conclusion_table is not None:
        problems += meta_analysis.conclusion_problems(conclusion_table, conclusions)
    if problems:
        raise combined(in_reading_order(problems, [review, database, studies, comparisons, decisions, conclusions,
                                                   bibliography]))
    rows = meta_analysis.merge_decisions(study_table.rows, decision_table.rows)
    included = sorted((s for s in rows if s["status"] == "included"), key=meta_analysis.study_order)
    if not included:
        raise DataError(decisions, None, "every study is excluded or retracted; the review would cite nothing",
                        "include at least one study (delete its row from the decisions table)")
    keys = [s["key"] for s in rows] + [release["citation_key"]]
    write_json(out, {
        "kind": "meta-analysis",
        "review": metadata,
        "database": release,
        "studies": rows,
        "comparisons": [{k: v for k, v in c.items() if not k.startswith("_")} for c in comparison_table.rows],
        "decisions": decision_table.rows,
        "conclusions": sorted(conclusion_table.rows, key=lambda c: (c["order"], c["id"])),
        "included": [s["key"] for s in included],
        "references": {key: references[key].to_dict() for key in keys},
        "sources": {**paths, "review": review},
    })
    write_log(log, f"{len(rows)} studies ({len(included)} included), {len(comparison_table.rows)} comparisons, "
                   f"{len(decision_table.rows)} decisions, {len(conclusion_table.rows)} conclusion statements, "
                   f"{len(references)} bibliography entries")
