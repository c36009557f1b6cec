"""Load and check the evidence: the study dataset, the themes, the review
metadata, and their agreement with the bibliography.

Everything an author types is checked here, before any text is produced, and
every problem becomes a :class:`~livingreview.errors.DataError` (or
:class:`~livingreview.errors.EvidenceError`) naming the file, the row and
line, the column or key, what is wrong and how to fix it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .bibliography import read_bibliography
from .errors import DataError, ErrorList, EvidenceError, LivingReviewError, closest, combined, did_you_mean
from .files import write_json
from .inputs import parse_yaml, read_csv_rows, read_input, row_place, yaml_line
from .markdown import CITE_CLOSE, CITE_OPEN
from .records import Reference
from .schemas import explain_error, load_schema, schema_errors, violation_rank

RESERVED = (CITE_OPEN, CITE_CLOSE)
# The fix printed after the tenth problem when more were found.
FIX_OTHERS = "fix the problems listed above, then build again to see the others"


def _coerce(value: str, spec: dict):
    """Convert a CSV cell to the type its schema property asks for."""
    types = spec.get("type", "string")
    types = types if isinstance(types, list) else [types]
    if value == "" and "null" in types:
        return None
    if "integer" in types and re.fullmatch(r"\s*-?[0-9]+\s*", value):
        return int(value)
    if "array" in types:
        return value.split()
    return value


def missing_column_error(path: str, column: str, header: list[str], properties: dict) -> DataError:
    """The error for a required *column* missing from *header*, suggesting a misspelt column."""
    unknown = [c for c in header if c not in properties]
    near = closest(column, unknown)
    description = properties[column].get("description", "").strip()
    if near:
        return DataError(path, f"line 1 (header), column {near}",
                         f'the required column "{column}" is missing, and "{near}" is not a known column.'
                         f' Did you mean "{column}"?', f'rename the column "{near}" to "{column}"')
    return DataError(path, "line 1 (header)", f'the required column "{column}" is missing',
                     f'add a column named exactly "{column}" ({description})')


@dataclass
class Table:
    """The rows of a CSV table, the problems found in them, and the rows those problems are in."""

    rows: list[dict] = field(default_factory=list)
    problems: list[DataError] = field(default_factory=list)
    faulty: set[int] = field(default_factory=set)  # numbers (``_row``) of the rows with a problem

    def sound_rows(self) -> list[dict]:
        """The rows without a problem of their own."""
        return [row for row in self.rows if row["_row"] not in self.faulty]


def read_table(path: str | Path, schema_name: str, kind: str, key_column: str) -> Table:
    """Read a CSV table and check every row against its schema.

    Each row comes back as a dict of typed values plus ``_row`` (1-based data
    row) and ``_line`` (line in the file), with the problems found in the rows
    (a cell the schema rejects, a duplicate key). Raises :class:`DataError`
    when the table itself cannot be read (a missing column, no rows).
    """
    path = str(path)
    header, records = read_csv_rows(read_input(path, kind), path, kind)
    schema = load_schema(schema_name)
    properties = schema["properties"]
    for column in schema.get("required", []):
        if column not in header:
            raise missing_column_error(path, column, header, properties)
    table = Table()
    seen: dict[str, int] = {}
    for row, (line, cells) in enumerate(records, start=1):
        record = dict(zip(header, cells, strict=True))
        where = row_place(row, line)
        problems = [DataError(path, f"{where}, column {column}", "contains a reserved private-use character "
                               "(U+E000 or U+E001)", "delete the character")
                     for column, value in record.items() if any(ch in value for ch in RESERVED)]
        typed = {c: (_coerce(v, properties[c]) if c in properties else v) for c, v in record.items()}
        cells = {}  # column -> its most basic violation (an empty cell, not also its missing full stop)
        for error in sorted(schema_errors(typed, schema_name), key=violation_rank):
            key_path, problem, fix = explain_error(error, schema, schema_name)
            cells.setdefault(key_path[0] if key_path else key_column, (problem, fix))
        problems += [DataError(path, f"{where}, column {column}", problem, fix)
                     for column, (problem, fix) in cells.items()]
        key = typed[key_column]
        if key in seen and key_column not in cells:
            problems.append(DataError(path, f"{where}, {key_column} {key}",
                                      f'"{key}" appears twice (also in row {seen[key]})',
                                      "keep one row per " + key_column + " and merge or delete the other"))
        seen.setdefault(key, row)
        typed["_row"], typed["_line"] = row, line
        table.rows.append(typed)
        table.problems += problems
        if problems:
            table.faulty.add(row)
    if not table.rows:
        raise DataError(path, None, f"the {kind} has a header but no rows", f"add at least one row to the {kind}")
    return table


def read_review(path: str | Path) -> dict:
    """Read and validate the review metadata YAML."""
    path = str(path)
    text = read_input(path, "review metadata")
    data = parse_yaml(text, path, "review metadata", DataError)
    if not isinstance(data, dict):
        raise DataError(path, None, "the review metadata must be a YAML mapping (key: value lines)",
                        "start from the shipped data/review.yaml")
    schema = load_schema("review")
    errors = schema_errors(data, "review")
    if errors:
        # an unknown key first: it is usually the misspelling of a missing one
        error = min(errors, key=lambda e: e.validator != "additionalProperties")
        key_path, problem, fix = explain_error(error, schema, "review")
        line = yaml_line(text, key_path) if error.validator != "required" else None
        where = ", ".join(filter(None, [f"line {line}" if line else None,
                                        "key " + ".".join(str(p) for p in key_path)]))
        raise DataError(path, where, problem, fix)
    for item in data.get("framing", {}).values():
        if any(ch in item for ch in RESERVED):
            raise DataError(path, "key framing", "contains a reserved private-use character", "delete it")
    ids = [a["id"] for a in data["affiliations"]]
    for number, author in enumerate(data["authors"], start=1):
        if author["affiliation"] not in ids:
            raise DataError(path, f"key authors.{number - 1}.affiliation",
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


def cross_check_problems(studies: Table, themes: Table, bibliography: dict[str, Reference] | None,
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
        where = row_place(study["_row"], study["_line"])
        if check_themes and study["theme"] not in theme_ids:
            problems.append(DataError(studies_path, f"{where}, column theme",
                                      f'unknown theme "{study["theme"]}".' + did_you_mean(study["theme"], theme_ids),
                                      f"use a theme listed in {themes_path}, or add the theme there"))
        if bibliography is not None and study["key"] not in bibliography:
            problems.append(DataError(studies_path, f"{where}, key {study['key']}",
                                      f'the key "{study["key"]}" has no entry in {bib_path}.'
                                      + did_you_mean(study["key"], bibliography),
                                      f"add an entry @article{{{study['key']}, ...}} to {bib_path} or correct the key"))
    for theme in themes.sound_rows():
        where = row_place(theme["_row"], theme["_line"])
        problems += [DataError(themes_path, f"{where}, column also_requires",
                               f'unknown theme "{needed}".' + did_you_mean(needed, theme_ids),
                               "list themes from the `theme` column, separated by spaces")
                     for needed in theme["also_requires"] if needed not in theme_ids]
        if theme["statement"] and theme["conclusion_order"] is None:
            problems.append(DataError(themes_path, f"{where}, column conclusion_order",
                                      "the theme has a statement but no conclusion_order",
                                      "give the statement its position in the Conclusion (1, 2, ...)"))
    if not studies.faulty and not any(s["status"] == "included" for s in studies.rows):
        problems.append(DataError(studies_path, None,
                                  "no study has status \"included\"; the review would cite nothing",
                                  "set status to included for at least one study"))
    return problems


def narrative_order(studies: list[dict], themes: list[dict]) -> list[dict]:
    """Included studies in narrative order: by theme order, then by row order."""
    theme_rank = {t["theme"]: (t["order"], t["theme"]) for t in themes}
    included = [s for s in studies if s["status"] == "included"]
    return sorted(included, key=lambda s: (theme_rank[s["theme"]], s["_row"]))


def conclusion_statements(themes: list[dict], included: list[dict], themes_path: str) -> list[dict]:
    """The Conclusion's statements in order, each with the studies that support it.

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
                "cell, or drop the theme from `also_requires`)",
            )
        support = [s for s in included if s["theme"] in needed]
        statements.append({"theme": theme["theme"], "label": theme["label"], "statement": theme["statement"],
                           "studies": support})
    return statements


def in_reading_order(problems: list[LivingReviewError], files: list[str]) -> list[LivingReviewError]:
    """*problems* by file (in the order of *files*), then by line, as an author goes through them."""
    def position(problem: LivingReviewError) -> tuple[int, int]:
        line = re.search(r"line (\d+)", problem.where or "")
        rank = files.index(problem.file) if problem.file in files else len(files)
        return rank, int(line.group(1)) if line else 0
    return sorted(problems, key=position)


def load_evidence_step(studies_path: str, themes_path: str, review_path: str, bib_path: str,
                       out_json: str) -> None:
    """Study dataset, themes, review metadata and references.bib -> evidence.json.

    Everything the author edits is read and cross-checked here, so that a
    mistake stops the build before any text is produced.
    """
    problems: list[LivingReviewError] = []

    def read(reader, *args, **kwargs):
        """What *reader* returns, or None with its problems noted: every file is read before the build stops."""
        try:
            return reader(*args, **kwargs)
        except LivingReviewError as exc:
            problems.extend(exc.errors if isinstance(exc, ErrorList) else [exc])
            return None

    review = read(read_review, review_path)
    theme_table = read(read_table, themes_path, "themes", "themes table", "theme")
    study_table = read(read_table, studies_path, "studies", "study dataset", "key")
    bibliography = read(read_bibliography, bib_path,
                        keys=[s["key"] for s in study_table.rows] if study_table is not None else [])
    references, bib_problems = bibliography if bibliography is not None else (None, [])
    for table in (theme_table, study_table):
        problems += table.problems if table is not None else []
    problems += bib_problems
    if theme_table is not None and study_table is not None:
        problems += cross_check_problems(study_table, theme_table, None if bib_problems else references,
                                         studies_path, themes_path, bib_path)
    if problems:
        raise combined(in_reading_order(problems, [review_path, themes_path, studies_path, bib_path]), FIX_OTHERS)
    themes, studies = theme_table.rows, study_table.rows
    included = narrative_order(studies, themes)
    statements = conclusion_statements(themes, included, themes_path)
    evidence = {
        "review": review,
        "themes": themes,
        "studies": studies,
        "included": included,
        "statements": [dict(s, studies=[x["key"] for x in s["studies"]]) for s in statements],
        "references": {s["key"]: references[s["key"]].to_dict() for s in studies},
        "sources": {"studies": studies_path, "themes": themes_path, "review": review_path,
                    "bibliography": bib_path},
    }
    write_json(out_json, evidence)
