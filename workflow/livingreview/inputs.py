"""Read the files an author edits by hand, and say plainly what is wrong with them.

Pure functions shared by every reader (CSV, YAML, BibTeX, config): decoding
(UTF-8 with or without a byte-order mark, any line ends), YAML syntax
errors with their line, the shape of a CSV table (every record as wide as
its header, every quote closed) and the presence of the files a build reads.
Each problem is raised as the caller's :class:`~livingreview.errors.LivingReviewError`
subclass, naming the file, the line and what to do.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

import yaml

from .errors import DataError, LivingReviewError, closest

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def decode_text(raw: bytes, path: str, kind: str, error: type[LivingReviewError] = DataError) -> str:
    """Decode *raw* as UTF-8 (a byte-order mark is dropped) with ``\\n`` line ends.

    Raises *error* for UTF-16 files, bytes that are not UTF-8 (naming the
    line and column of the first one) and files with no content.
    """
    if raw.startswith(_UTF16_BOMS):
        raise error(path, "line 1", f"the {kind} file is saved as UTF-16, not UTF-8",
                    "save it again as UTF-8 (in a spreadsheet: 'CSV UTF-8'; in an editor: encoding UTF-8)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1:].decode("utf-8", errors="replace")) + 1
        guess = _legacy_guess(raw)
        raise error(path, f"line {line}, column {column}",
                    f"the {kind} file is not valid UTF-8 (byte 0x{raw[exc.start]:02x}){guess}",
                    "save the file as UTF-8 (spreadsheet programs offer 'CSV UTF-8'; editors 'Save with encoding')"
                    ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise error(path, None, f"the {kind} file is empty", f"fill in the {kind}, or restore it from version control")
    return text


def _legacy_guess(raw: bytes) -> str:
    """A hint at the encoding a non-UTF-8 file was probably saved in."""
    try:
        raw.decode("cp1252")
    except UnicodeDecodeError:
        return ""
    return "; it looks like Windows-1252 or Latin-1"


def read_input(path: str | Path, kind: str, error: type[LivingReviewError] = DataError,
               fix_missing: str = "create it, or point config/config.yaml at the right path") -> str:
    """Read and decode the text file at *path* (see :func:`decode_text`)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise error(str(path), None, f"the {kind} file does not exist.{near_file(path)}", fix_missing) from None
    except IsADirectoryError:
        raise error(str(path), None, f"the {kind} path is a folder, not a file", fix_missing) from None
    return decode_text(raw, str(path), kind, error)


def _siblings(path: Path) -> list[str]:
    parent = path.parent if str(path.parent) else Path(".")
    return sorted(p.name for p in parent.iterdir()) if parent.is_dir() else []


def near_file(path: Path, exclude: Iterable[Path] = ()) -> str:
    """' Did you mean "x"?' for the file beside *path* whose name is closest (compared without extensions)."""
    excluded = set(exclude)
    names = [n for n in _siblings(path) if path.parent / n not in excluded]
    stems = {Path(n).name.split(".")[0]: n for n in names}
    near = closest(path.name.split(".")[0], stems)
    return f' Did you mean "{stems[near]}"?' if near else ""


# The C loader (libyaml) when PyYAML has it: same results, several times faster.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _TextDatesLoader(_SAFE_LOADER):
    """YAML's safe loader, but dates stay text (a schema checks them, naming the key)."""


_TextDatesLoader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def parse_yaml(text: str, path: str, kind: str, error: type[LivingReviewError] = DataError):
    """Parse YAML *text* (dates are kept as text); a syntax error names its line and column."""
    try:
        return yaml.load(text, Loader=_TextDatesLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context = getattr(exc, "context", None)
        raise error(path, where, f"YAML syntax error in the {kind}: {problem}" + (f" ({context})" if context else ""),
                    "check the indentation (spaces, not tabs) and put values that contain ': ', '#' "
                    "or start with a special character in double quotes") from None


def row_place(row: int, line: int) -> str:
    """Where a CSV row is, as messages name it: ``row 3 (line 4)`` (data row, line in the file)."""
    return f"row {row} (line {line})"


def read_csv_rows(text: str, path: str, kind: str,
                  error: type[LivingReviewError] = DataError) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Parse CSV *text* into its header (names stripped) and its data rows.

    Each row comes with the line it starts on (a quoted cell may span
    lines); blank lines are skipped. Every cell is text. Every row must have
    as many cells as the header: a spreadsheet program can silently shift
    columns when a cell holds a comma without quotes. Raises *error* naming
    the row and line, an unclosed quote, or a header that is not a header.
    """
    reader = csv.reader(io.StringIO(text), strict=True)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    line = 1
    try:
        for record in reader:
            if header is None and record:
                header = _checked_header(record, line, path, kind, error)
            elif record:
                if len(record) != len(header):
                    raise error(path, row_place(len(rows) + 1, line),
                                f"the row has {_cells(len(record))} but the header has {_cells(len(header))}",
                                "put every cell that contains a comma in double quotes, and check that no cell "
                                "was added or lost")
                rows.append((line, record))
            line = reader.line_num + 1
    except csv.Error:
        raise error(path, row_place(len(rows) + 1, line),
                    "a double quote opens a cell that is never closed (or a quote inside a quoted cell is "
                    "not doubled)",
                    'close the cell with a double quote; write a quote inside a cell as two quotes ("")') from None
    return header or [], rows


def _cells(n: int) -> str:
    return f"{n} cell" if n == 1 else f"{n} cells"


def _checked_header(header: list[str], line: int, path: str, kind: str,
                    error: type[LivingReviewError]) -> list[str]:
    """The column names of *header* (on *line*), stripped; raises *error* for a header that is not one."""
    names = [h.strip() for h in header]
    if len(names) == 1 and ";" in names[0]:
        raise error(path, f"line {line} (header)", f"the {kind} uses ';' to separate columns",
                    "save it as comma-separated values (CSV UTF-8, comma)")
    seen: set[str] = set()
    for number, name in enumerate(names, start=1):
        if not name:
            raise error(path, f"line {line} (header), column {number}", "a column has no name",
                        "name the column, or delete it if it is empty")
        if name in seen:
            raise error(path, f"line {line} (header), column {name}", f'the column "{name}" appears twice',
                        "keep one column of that name")
        seen.add(name)
    return names


def missing_inputs(paths: Iterable[str], root: str | Path = ".") -> list[str]:
    """The files among *paths* (relative to *root*) that do not exist, in order."""
    root = Path(root)
    return [p for p in dict.fromkeys(paths) if not (root / p).is_file()]


def check_inputs_exist(paths: Iterable[str], root: str | Path = ".", templates: str = "templates") -> None:
    """Raise a :class:`LivingReviewError` for the first file of *paths* that does not exist.

    The build reads these files; Snakemake would otherwise stop with a
    MissingInputException that names no fix. The message suggests the closest
    existing file in the same folder.
    """
    paths = list(dict.fromkeys(paths))
    needed = {Path(root) / p for p in paths}
    for path in missing_inputs(paths, root):
        full = Path(root) / path
        near = near_file(full, needed)
        if path.startswith(templates.rstrip("/") + "/"):
            fix = "restore the template from version control (git checkout -- FILE), or create it"
        else:
            fix = "restore the file, or point config/config.yaml (or --config) at the right path"
        raise LivingReviewError(path, None, f"the file does not exist, but the build needs it.{near}", fix)


def yaml_line(text: str, path: Iterable[str | int]) -> int | None:
    """The line of the YAML node at *path* (keys and list indexes) in *text*.

    For a path that does not exist, the line of its deepest existing parent;
    None when *text* cannot be composed.
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    line = node.start_mark.line + 1 if node is not None else None
    for part in path:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == str(part)), None)
            key = next((k for k, v in node.value if k.value == str(part)), None)
            line = key.start_mark.line + 1 if key is not None else line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line
