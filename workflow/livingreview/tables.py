"""Read the review's CSV tables with pandas and validate them against their JSON Schema.

This is the Snakemake catalog's idiom for a sample sheet (``pd.read_csv``,
then :func:`snakemake.utils.validate` of the data frame), with what an
author needs when a table is wrong: every problem, each naming its row, the
line of the file it is on, and its column. The lines come from a pass of
Python's ``csv`` module over the same text, which also checks the table's
shape (every row as wide as the header, every quote closed) before pandas
reads it.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from .citations import CITE_CLOSE, CITE_OPEN
from .errors import DataError, closest
from .files import read_input
from .schemas import explain_error, is_valid, load_schema, schema_errors, violation_rank

# The longest cell a table may have. The csv module's default limit (131,072 characters) is below what a
# long abstract or a pasted report can reach; past this one, the cell is no table data.
MAX_CELL = 10_000_000
csv.field_size_limit(MAX_CELL)


def row_place(row: int, line: int) -> str:
    """Where a CSV row is, as messages name it: ``row 3 (line 4)`` (data row, line in the file)."""
    return f"row {row} (line {line})"


def _cells(n: int) -> str:
    return f"{n} cell" if n == 1 else f"{n} cells"


def csv_shape(text: str, path: str, kind: str) -> tuple[list[str], list[int]]:
    """The header (names stripped) of CSV *text* and the line each data row starts on.

    Blank lines are skipped; a quoted cell may span lines. Every row must
    have as many cells as the header: a spreadsheet program can silently
    shift columns when a cell holds a comma without quotes. Raises
    :class:`DataError` naming the row and line of a row of the wrong width or
    an unclosed quote, or a header that is not one.
    """
    reader = csv.reader(io.StringIO(text), strict=True)
    header: list[str] | None = None
    lines: list[int] = []
    line = 1
    try:
        for record in reader:
            if header is None and record:
                header = _checked_header(record, line, path, kind)
            elif record:
                if len(record) != len(header):
                    raise DataError(path, row_place(len(lines) + 1, line),
                                    f"the row has {_cells(len(record))} but the header has {_cells(len(header))}",
                                    "put every cell that contains a comma in double quotes, and check that no cell "
                                    "was added or lost", line=line)
                lines.append(line)
            line = reader.line_num + 1
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise DataError(path, row_place(len(lines) + 1, line),
                            f"a cell is longer than {MAX_CELL:,} characters (or a quote opens a cell that runs to "
                            "the end of the file)", "shorten the cell, or close its quote", line=line) from None
        raise DataError(path, row_place(len(lines) + 1, line),
                        "a double quote opens a cell that is never closed (or a quote inside a quoted cell is "
                        "not doubled)",
                        'close the cell with a double quote; write a quote inside a cell as two quotes ("")',
                        line=line) from None
    return header or [], lines


def _checked_header(header: list[str], line: int, path: str, kind: str) -> list[str]:
    """The column names of *header* (on *line*), stripped; raises for a header that is not one."""
    names = [h.strip() for h in header]
    where = f"line {line} (header)"
    if len(names) == 1 and ";" in names[0]:
        raise DataError(path, where, f"the {kind} uses ';' to separate columns",
                        "save it as comma-separated values (CSV UTF-8, comma)", line=line)
    seen: set[str] = set()
    for number, name in enumerate(names, start=1):
        if not name:
            raise DataError(path, f"{where}, column {number}", "a column has no name",
                            "name the column, or delete it if it is empty", line=line)
        if name in seen:
            raise DataError(path, f"{where}, column {name}", f'the column "{name}" appears twice',
                            "keep one column of that name", line=line)
        seen.add(name)
    return names


def missing_column_error(path: str, column: str, header: list[str], properties: dict) -> DataError:
    """The error for a required *column* missing from *header*, suggesting a misspelt column."""
    unknown = [c for c in header if c not in properties]
    near = closest(column, unknown)
    description = properties[column].get("description", "").strip()
    if near:
        return DataError(path, f"line 1 (header), column {near}",
                         f'the required column "{column}" is missing, and "{near}" is not a known column.'
                         f' Did you mean "{column}"?', f'rename the column "{near}" to "{column}"', line=1)
    return DataError(path, "line 1 (header)", f'the required column "{column}" is missing',
                     f'add a column named exactly "{column}" ({description})', line=1)


_INTEGER = re.compile(r"\s*-?[0-9]+\s*")
_NUMBER = re.compile(r"\s*-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\s*")


def typed_cell(value: str, spec: dict):
    """A CSV cell as the type its schema property asks for: a whole number, a number, None for an
    empty cell where nothing is allowed, else the text as it is."""
    types = spec.get("type", "string")
    types = types if isinstance(types, list) else [types]
    if value == "" and "null" in types:
        return None
    if "integer" in types and _INTEGER.fullmatch(value):
        return int(value)
    if "number" in types and _NUMBER.fullmatch(value):
        return float(value)
    return value


@dataclass
class Table:
    """The rows of a CSV table, the problems found in them, and the rows those problems are in.

    Each row is a dict of typed cells plus ``_row`` (1-based data row) and
    ``_line`` (the line of the file it starts on).
    """

    rows: list[dict] = field(default_factory=list)
    problems: list[DataError] = field(default_factory=list)
    faulty: set[int] = field(default_factory=set)  # the ``_row`` of each row with a problem

    def sound_rows(self) -> list[dict]:
        """The rows without a problem of their own."""
        return [row for row in self.rows if row["_row"] not in self.faulty]


def read_table(path: str | Path, schema_name: str, kind: str, key_column: str, allow_empty: bool = False,
               allow_invisible: bool = False) -> Table:
    """Read a CSV table with pandas and check every row against schema *schema_name*.

    Raises :class:`DataError` when the table itself cannot be read (its
    shape, a missing column, no rows unless *allow_empty*); the problems of
    single rows (a cell the schema rejects, a duplicate key) are collected in
    the table.
    """
    import pandas as pd  # here, not at the top: the Snakefile imports this module, and a no-op build needs no pandas

    path = str(path)
    text = read_input(path, kind, allow_invisible=allow_invisible)
    header, lines = csv_shape(text, path, kind)
    properties = load_schema(schema_name)["properties"]
    for column in properties:
        if column not in header:
            raise missing_column_error(path, column, header, properties)
    if not lines:
        if allow_empty:
            return Table()
        raise DataError(path, None, f"the {kind} has a header but no rows", f"add at least one row to the {kind}")
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False)
    frame.columns = header
    for column, spec in properties.items():
        frame[column] = pd.Series([typed_cell(value, spec) for value in frame[column]], dtype=object)
    table = Table()
    records = frame.to_dict("records")
    problems = _reserved_characters(records, lines, path)
    faulty_keys: set[int] = set()
    if not is_valid(frame, schema_name):
        cell_problems, faulty_keys = _schema_problems(records, lines, path, schema_name, key_column)
        problems += cell_problems
    problems += _duplicate_keys(records, lines, path, key_column, faulty_keys)
    for row, (record, line) in enumerate(zip(records, lines, strict=True), start=1):
        record["_row"], record["_line"] = row, line
    row_of_line = {line: row for row, line in enumerate(lines, start=1)}
    table.rows = records
    table.problems = sorted(problems, key=lambda problem: problem.line or 0)
    table.faulty = {row_of_line[problem.line] for problem in problems}
    return table


def _reserved_characters(records: list[dict], lines: list[int], path: str) -> list[DataError]:
    """A problem for each cell holding a private-use character the pipeline reserves for citations."""
    return [DataError(path, f"{row_place(row, line)}, column {column}", "contains a reserved private-use character "
                      "(U+E000 or U+E001)", "delete the character", line=line)
            for row, (record, line) in enumerate(zip(records, lines, strict=True), start=1)
            for column, value in record.items()
            if isinstance(value, str) and (CITE_OPEN in value or CITE_CLOSE in value)]


def _schema_problems(records: list[dict], lines: list[int], path: str, schema_name: str,
                     key_column: str) -> tuple[list[DataError], set[int]]:
    """Every cell the schema rejects, one problem per cell (its most basic: an empty cell, not also
    its missing full stop); also the lines of the rows whose key is one of them."""
    schema = load_schema(schema_name)
    problems, faulty_keys = [], set()
    for row, (record, line) in enumerate(zip(records, lines, strict=True), start=1):
        present = {k: v for k, v in record.items() if v is not None}
        cells: dict[str, tuple[str, str]] = {}
        for error in sorted(schema_errors(present, schema_name), key=violation_rank):
            key_path, problem, fix = explain_error(error, schema, schema_name)
            cells.setdefault(str(key_path[0]) if key_path else key_column, (problem, fix))
        columns = list(record)
        problems += [DataError(path, f"{row_place(row, line)}, column {column}", problem, fix, line=line)
                     for column, (problem, fix) in sorted(cells.items(), key=lambda item: columns.index(item[0])
                                                          if item[0] in columns else len(columns))]
        if key_column in cells:
            faulty_keys.add(line)
    return problems, faulty_keys


def _duplicate_keys(records: list[dict], lines: list[int], path: str, key_column: str,
                    faulty_keys: set[int]) -> list[DataError]:
    """A problem for each row whose key an earlier row has (a key the schema rejects is not compared)."""
    first: dict[str, int] = {}
    problems = []
    for row, (record, line) in enumerate(zip(records, lines, strict=True), start=1):
        key = record[key_column]
        if key in first and line not in faulty_keys:
            problems.append(DataError(path, f"{row_place(row, line)}, {key_column} {key}",
                                      f'"{key}" appears twice (also in row {first[key]})',
                                      f"keep one row per {key_column} and merge or delete the other", line=line))
        first.setdefault(key, row)
    return problems
