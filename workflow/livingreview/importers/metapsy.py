"""Import a release of a Metapsy database ("Depression: psychotherapy vs. control") into a review folder.

The release is read as published (``data.csv`` with a ``;`` separator, ``,``
as the decimal mark and ``NA``; ``metadata/*``), its text is repaired where
it is mojibake (with ftfy, every repair recorded per cell), and the review's
own tables are written from it, deterministically:

- ``data/studies.csv``: one row per study (its BibTeX key, its Metapsy label,
  year, country, target group, formats, participants, risk of bias, ...);
- ``data/comparisons.csv``: one row per effect size, one comparison's Hedges' g
  on one instrument at one time point (psychotherapy and control codes, g and
  its standard error, instrument, time point, the arms' n);
- ``data/database.yaml``: the release's metadata (search date, search flow,
  authors, licence) for the text and the next release's changes report;
- ``references.bib``: every reference string parsed into an entry
  (:mod:`livingreview.importers.references`), plus the database itself;
- ``import-report.md``: what was read, repaired, normalised and not parsed.

Those files are the importer's own (:data:`OWNED_FILES`); it records what it
wrote in ``data/import.json`` and never overwrites an owned file that was
edited by hand since. The author's files are read, never written (each is
created, its header only, when missing): the decisions
(``data/decisions.csv``), the corrections of the database's texts, such as a
misspelt exclusion reason (``data/corrections.csv``, applied to
``database.yaml``), and of the bibliography entries the import could not
complete, or made wrong from a wrong string (``data/reference-corrections.csv``:
corrected, replaced or accepted as they are); every other file of the review is never written either.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import DataError, combined
from ..files import recover_transaction, replace_together
from ..markdown import escape_inline
from ..meta_analysis import possible_duplicates
from ..search_flow import check_flow, outside_text, unaccounted_text
from .references import OTHERS, ParsedReference, ReferenceRepair, entry_problems, parse_reference, repair_from_release

# What the importer writes, relative to the review folder (and nothing else, except decisions.csv when absent).
STUDIES = "data/studies.csv"
COMPARISONS = "data/comparisons.csv"
DATABASE = "data/database.yaml"
BIBLIOGRAPHY = "references.bib"
REPORT = "import-report.md"
RECORD = "data/import.json"
DECISIONS = "data/decisions.csv"
OWNED_FILES = (STUDIES, COMPARISONS, DATABASE, BIBLIOGRAPHY, REPORT)
DECISIONS_HEADER = "key,status,reason\n"
# The author's corrections, which the import reads and never writes (it creates each, its header only, when
# it is missing): of the database's own texts (data/corrections.csv, schema meta_corrections), and of the
# bibliography entries it could not complete (data/reference-corrections.csv, schema meta_reference_corrections).
CORRECTIONS = "data/corrections.csv"
REFERENCE_CORRECTIONS = "data/reference-corrections.csv"
REFERENCE_FIELDS = ("author", "title", "journal", "year", "volume", "number", "pages", "doi")
AUTHOR_FILES = {DECISIONS: DECISIONS_HEADER, CORRECTIONS: "field,original,corrected,reason\n",
                REFERENCE_CORRECTIONS: "key,status," + ",".join(REFERENCE_FIELDS) + ",reason\n"}

# The database as its authors ask it to be cited (ODC-By 1.0 attribution).
DATABASE_KEY = "metapsy-depression-psyctr"
DATABASE_DOI = "10.5281/zenodo.7254845"
DATABASE_NAME = "Depression: psychotherapy vs. control"
DATABASE_URL = "https://github.com/metapsy-project/data-depression-psyctr"
LICENCE = "ODC-By 1.0 (Open Data Commons Attribution License)"

# Values outside the codes the review's schemas allow (workflow/schemas/meta_*.schema.yaml), by column of
# the written tables, and the code each is counted under. Each use is listed in the import report; a value
# neither allowed nor mapped here stops the import (check_written), naming its row of data.csv.
# A code the schemas allow is kept as the database writes it, even where a coarser one would do: the
# database's "adol&yadul" (adolescents and young adults) is not "yadul", and the text counts its trials.
CODE_DRIFT = {
    "target_group": {"older adult": "old", "stu": "stud", "other": "oth", "4 & 5": "oth", "med+ppd": "oth"},
    "age_group": {"Not specified": ""},
    "format": {"mixed": "oth", "tsf": "oth"},
    "diagnosis": {"modd": "mood"},
}

# Letters that do not decompose into an ASCII letter and a mark.
_ASCII_LETTERS = {"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ß": "ss", "ł": "l", "Ł": "L", "đ": "d", "ı": "i",
                  "þ": "th", "ð": "d", "œ": "oe"}
# cp1252 text read as Mac OS Roman ("M¸ller" for Müller, "D·vila-Rom·n" for Dávila-Román): ftfy only
# undoes UTF-8 read as a single-byte code page, so this one is undone here, inside a word of the author list
# of a reference string only: elsewhere it cannot be told from correct text (a Catalan "Col·legi") or from
# damage that re-reading makes worse ("Fran¸ois" -> "Franüois"); a Catalan "l·l" is never re-read.
_MAC_ROMAN_WORD = re.compile(r"\w*[A-Za-z][\u00b7\u00b8]\w+")
_CATALAN_L = re.compile("l\u00b7l", re.IGNORECASE)
# The author list of a reference string ends at its "(year" (APA), else at its first full stop (Vancouver).
_APA_YEAR = re.compile(r"\((?:1[89]|20)\d\d")
_FIRST_STOP = re.compile(r"\.(?:\s|$)")


# The text columns of data.csv the import uses (the references come from metadata/references.json).
TEXT_COLUMNS = ("study", "condition_arm1", "condition_arm2", "multi_arm1", "multi_arm2", "outcome_type", "instrument",
                "rating", "time", "format", "country", "age_group", "recruitment", "diagnosis", "target_group",
                "comorbid_mental", "ba", ".id")


@dataclass(frozen=True)
class Repair:
    """One cell (or reference string) whose text was changed, and how."""

    where: str  # "data.csv row 12, column full_ref" or "references.json, Aagaard, 2017"
    before: str
    after: str
    how: str


@dataclass
class Release:
    """A release as read: its rows (text repaired), references, metadata, and what reading found."""

    name: str
    frame: object  # pandas.DataFrame, one row per comparison
    references: dict[str, str]
    metadata: dict
    columns: int
    repairs: list[Repair] = field(default_factory=list)
    unrepaired: list[Repair] = field(default_factory=list)
    data_path: str = "data.csv"  # the release's data.csv, as messages name it
    row_names: bool = True  # whether data.csv's first column was R's row names (left out)
    published: str = ""  # the date the release was published (sources/releases.yaml), "" when not known


# --- text --------------------------------------------------------------------------

def _ftfy_config():
    """ftfy's settings for the import: repair mojibake and nothing else (quotes, line breaks, ligatures and
    character widths from the source stay as they are; no HTML unescaping), and NFC."""
    import ftfy

    return ftfy.TextFixerConfig(uncurl_quotes=False, fix_line_breaks=False, fix_latin_ligatures=False,
                                fix_character_width=False, unescape_html=False, normalization="NFC")


def repair_text(text: str) -> tuple[str, str]:
    """*text* with its mojibake repaired by ftfy (``â€“`` -> ``–``), and how ("" when nothing changed)."""
    import ftfy

    fixed, steps = ftfy.fix_and_explain(text, config=_ftfy_config())
    how = "ftfy: " + ", ".join(f"{action} {parameter}" for action, parameter in steps)
    return fixed, how if fixed != text else ""


def repair_names(text: str) -> str:
    """*text* (names) with each word whose cp1252 bytes were read as Mac OS Roman re-read (``M¸ller`` ->
    ``Müller``): only when the result is letters, and never a word with a Catalan ``l·l``."""
    def mac_roman(match: re.Match) -> str:
        """The matched word re-read, or as it is (see :func:`repair_names`)."""
        word = match.group(0)
        if _CATALAN_L.search(word):
            return word
        try:
            repaired = word.encode("mac_roman").decode("cp1252")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return word
        return repaired if repaired.replace("-", "").isalpha() else word

    return _MAC_ROMAN_WORD.sub(mac_roman, text)


def author_list_end(reference: str) -> int:
    """Where the author list of a reference string ends: at its "(year" (APA), else at its first full stop."""
    found = _APA_YEAR.search(reference) or _FIRST_STOP.search(reference)
    return found.start() if found else len(reference)


def repair_reference(text: str) -> tuple[str, str]:
    """A reference string with its mojibake repaired, and how: :func:`repair_text`, then, in its author list
    only, :func:`repair_names` (Mac OS Roman, which ftfy does not undo)."""
    fixed, how = repair_text(text)
    end = author_list_end(fixed)
    names = repair_names(fixed[:end])
    if names != fixed[:end]:
        how = "; ".join(filter(None, [how, "cp1252 read as Mac OS Roman, re-read in the author list (livingreview)"]))
    return names + fixed[end:], how


def suspicious(text: str) -> bool:
    """True when *text* still holds what usually is mojibake (``Ã``, ``â€``, a cedilla or middle dot in a word
    other than a Catalan ``l·l``)."""
    return bool(re.search(r"Ã.|â€|(?i:(?!l\u00b7l)\w[\u00b7\u00b8]\w)|\ufffd", text))


def ascii_fold(text: str) -> str:
    """*text* in ASCII letters: accents dropped ("Burmaoğlu" -> "Burmaoglu"), "ø" -> "o", "ß" -> "ss"."""
    text = "".join(_ASCII_LETTERS.get(ch, ch) for ch in text)
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def study_key(label: str) -> str:
    """The BibTeX key of a study label: "Abbas, 2023a" -> "abbas2023a", "De Jong, 2018" -> "dejong2018",
    "Burmaoğlu, 2021" -> "burmaoglu2021"."""
    name, _, year = label.rpartition(",")
    return re.sub(r"[^a-z0-9]", "", ascii_fold(name).lower()) + year.strip().lower()


# --- reading -----------------------------------------------------------------------

# The columns of data.csv the import cannot do without (the others are used when present).
REQUIRED_COLUMNS = ("study", "condition_arm1", "condition_arm2", ".g", ".g_se")
FIX_RELEASE = ("vendor the release's files as published (data.csv and metadata/ of a tag of "
               "metapsy-project/data-depression-psyctr; see sources/README.md)")


def read_data(path: Path):
    """``data.csv`` as a data frame (``;``, ``,`` as the decimal mark, ``NA``), with R's row names left out when
    its first column is one (an empty header); a :class:`DataError` for a file that cannot be read so, that lacks
    a column of :data:`REQUIRED_COLUMNS` or has no rows. Returns (frame, columns read, row names left out)."""
    import pandas as pd

    try:
        frame = pd.read_csv(path, sep=";", decimal=",", na_values=["NA"], keep_default_na=False, encoding="utf-8")
    except FileNotFoundError:
        raise DataError(str(path), None, "the release has no data.csv", FIX_RELEASE) from None
    except UnicodeDecodeError as exc:
        raise DataError(str(path), None, f"the file is not UTF-8 (byte 0x{exc.object[exc.start]:02x} at offset "
                        f"{exc.start})", FIX_RELEASE) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(str(path), None, f"the file cannot be read as the database's data (';' between cells): "
                        f"{' '.join(str(exc).split())}", FIX_RELEASE) from None
    columns = frame.shape[1]
    row_names = bool(columns) and str(frame.columns[0]).startswith("Unnamed: 0")  # pandas' name for an empty header
    if row_names:
        frame = frame.drop(columns=[frame.columns[0]])
    missing = [column for column in REQUIRED_COLUMNS if column not in frame.columns]
    if missing:
        raise DataError(str(path), "line 1 (header)", "the column" + ("s " if len(missing) > 1 else " ")
                        + ", ".join(f'"{column}"' for column in missing) + " the import needs "
                        + ("are" if len(missing) > 1 else "is") + " missing", FIX_RELEASE, line=1)
    if frame.empty:
        raise DataError(str(path), None, "the file has a header but no rows (no comparisons)", FIX_RELEASE)
    for row, label in enumerate(frame["study"], start=1):
        if not isinstance(label, str) or not label.strip():
            raise DataError(str(path), f"row {row}, column study", "the row has no study label", FIX_RELEASE)
    return frame, columns, row_names


def read_json_file(path: Path, what: str, required: bool = False):
    """The JSON in *path* (*what* it holds, for messages), or None when it is absent and not *required*; a
    :class:`DataError` for a missing required file, or for a file that is not UTF-8 JSON."""
    if not path.is_file():
        if required:
            raise DataError(str(path), None, f"the file of {what} does not exist", FIX_RELEASE)
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise DataError(str(path), None, f"the file of {what} is not UTF-8", FIX_RELEASE) from None
    except json.JSONDecodeError as exc:
        raise DataError(str(path), f"line {exc.lineno}, column {exc.colno}", f"the file of {what} is not valid "
                        f"JSON: {exc.msg}", FIX_RELEASE, line=exc.lineno) from None


def read_references(path: Path) -> dict[str, str]:
    """``metadata/references.json``: study label -> reference string; a :class:`DataError` when it is missing,
    empty or not such a mapping."""
    raw = read_json_file(path, "reference strings", required=True)
    if not isinstance(raw, dict) or not all(isinstance(text, str) for text in raw.values()):
        raise DataError(str(path), None, "the file is not a JSON object of study labels and reference strings",
                        FIX_RELEASE)
    if not raw:
        raise DataError(str(path), None, "the file holds no reference strings", FIX_RELEASE)
    return raw


def read_release(folder: str | Path) -> Release:
    """Read the release in *folder* (``data.csv`` and ``metadata/``) with pandas; repair its text.

    Every text cell is passed through :func:`repair_text`, every reference
    string through :func:`repair_reference`; each change is a :class:`Repair`,
    and text that still looks damaged is listed as unrepaired. A release that
    cannot be read is a :class:`DataError` naming the file and what is wrong.
    """
    import pandas as pd

    folder = Path(folder)
    frame, columns, row_names = read_data(folder / "data.csv")
    repairs, unrepaired = [], []
    for column in frame.columns:
        if column not in TEXT_COLUMNS:
            continue
        values = []
        for row, value in enumerate(frame[column], start=1):
            if isinstance(value, str):
                fixed, how = repair_text(value)
                where = f"data.csv row {row}, column {column}"
                if how:
                    repairs.append(Repair(where, value, fixed, how))
                if suspicious(fixed):
                    unrepaired.append(Repair(where, fixed, fixed, "still looks damaged"))
                value = fixed
            values.append(value)
        frame[column] = pd.Series(values, index=frame.index, dtype=object)
    metadata_folder = folder / "metadata"
    raw_references = read_references(metadata_folder / "references.json")
    references = {}
    for label, text in raw_references.items():
        fixed, how = repair_reference(text)
        if how:
            repairs.append(Repair(f"references.json, {label}", text, fixed, how))
        if suspicious(fixed):
            unrepaired.append(Repair(f"references.json, {label}", fixed, fixed, "still looks damaged"))
        references[label] = fixed
    metadata = read_metadata(metadata_folder)
    return Release(folder.name, frame, references, metadata, columns, repairs, unrepaired,
                   data_path=str(folder / "data.csv"), row_names=row_names, published=release_date(folder))


# Beside the vendored releases: when each was published (schema meta_releases), which their files do not say.
RELEASES = "releases.yaml"


def release_date(folder: Path) -> str:
    """The date the release in *folder* was published, as the ``releases.yaml`` beside it gives it (schema
    ``meta_releases``); "" when that file is missing or has no row for the release."""
    from ..stages.evidence import read_checked_yaml

    path = folder.parent / RELEASES
    if not path.is_file():
        return ""
    data, _ = read_checked_yaml(str(path), "meta_releases", "list of vendored releases",
                                "start from examples/metapsy-depression/sources/releases.yaml")
    return next((row["published"] for row in data["releases"] if row["release"] == folder.name), "")


# A source's heading in metadata/search_string.txt: its name in bold on a line of its own ("**PubMed**").
_SOURCE_HEADING = re.compile(r"^\*\*([^*\n]+)\*\*[ \t]*$", re.MULTILINE)


def search_sources(text: str) -> list[str]:
    """The sources a release's search strings are for, in their order: the bold headings of
    metadata/search_string.txt, each above its string (none when the file has none)."""
    return list(dict.fromkeys(name.strip() for name in _SOURCE_HEADING.findall(text) if name.strip()))


def read_metadata(folder: Path) -> dict:
    """The release's metadata files: authors, last search, number of studies, search flow, and the rest."""
    def text(name: str) -> str:
        """The text of metadata file *name*, stripped ("" when the release has no such file)."""
        path = folder / name
        try:
            return path.read_text(encoding="utf-8").strip() if path.is_file() else ""
        except UnicodeDecodeError:
            raise DataError(str(path), None, "the file is not UTF-8", FIX_RELEASE) from None

    def data(name: str):
        """The JSON of metadata file *name* (None when the release has no such file)."""
        return read_json_file(folder / name, name)

    number = text("number_studies.txt")
    if number and not number.isdigit():
        raise DataError(str(folder / "number_studies.txt"), None, f'"{number[:40]}" is not a number of studies',
                        FIX_RELEASE)
    authors = data("authors.json") or []
    if not isinstance(authors, list) or not all(isinstance(a, dict) and isinstance(a.get("name"), str)
                                                for a in authors):
        raise DataError(str(folder / "authors.json"), None, 'the file is not a JSON list of authors with a "name"',
                        FIX_RELEASE)
    return {
        "authors": [a["name"] for a in authors],
        "last_search": text("last_search.txt"),
        "number_studies": int(number or 0),
        "comparisons": text("comparisons.txt"),
        "shorthand": text("shorthand.txt"),
        "registration": text("registration.txt"),
        "search_sources": search_sources(text("search_string.txt")),
        "risk_of_bias": text("risk_of_bias.txt"),
        "outcome_calculation": text("outcome_calculation.txt"),
        "search_flow": data("search_flow.json") or {},
    }


# --- tables --------------------------------------------------------------------------

def _present(value) -> bool:
    """True for a value a cell holds: not None, not NaN (pandas' missing value), not empty."""
    return value is not None and not (isinstance(value, float) and value != value) and value != ""


def cell(value) -> str:
    """A value as a CSV cell: nothing for a missing value, whole numbers without ".0", floats at full precision."""
    if not _present(value):
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if hasattr(value, "item"):  # a NumPy scalar
        return cell(value.item())
    return str(value)


def normalise_code(column: str, value, drift: list[tuple[str, str, str, str]], label: str):
    """The review's code for *value* of *column* (see :data:`CODE_DRIFT`); each change noted in *drift*."""
    if not _present(value):
        return ""
    mapped = CODE_DRIFT.get(column, {}).get(value)
    if mapped is None:
        return value
    drift.append((column, value, mapped or "(empty)", label))
    return mapped


def comparison_id(row: dict) -> str:
    """The comparison's id as the release's own ``.id`` (metapsyTools' in release 24.0.2) are written: the row's
    label and codes joined by "_", without spaces ("Arjadi_2018_msd_ids_post_10_self-report_bat_otherctr_NA_NA")."""
    parts = [row["study"].replace(", ", "_"), row.get("outcome_type"), row.get("instrument"), row.get("time"),
             row.get("time_weeks"), row.get("rating"), row["condition_arm1"], row["condition_arm2"],
             row.get("multi_arm1"), row.get("multi_arm2")]
    return "_".join(cell(part) or "NA" for part in parts).replace(" ", "")


def _arm_column(row: dict, arm: int) -> str | None:
    """The column of data.csv that gives the number of participants analysed in an arm: of the means, the
    change scores or the events, the first the row fills (None when it fills none)."""
    return next((column for column in (f"n_arm{arm}", f"n_change_arm{arm}", f"totaln_arm{arm}", f".totaln_arm{arm}")
                 if _present(row.get(column))), None)


def _arm_n(row: dict, arm: int) -> float | None:
    """The number of participants analysed in an arm (:func:`_arm_column`)."""
    column = _arm_column(row, arm)
    return float(row[column]) if column else None


def arm_size_problems(row: dict) -> list[tuple[str, str, str]]:
    """The arm sizes of a data.csv row that cannot be right as they stand: ``(column, value, problem)`` for a
    number of participants analysed that is not a whole number (a shifted column, or an arm the database
    split between comparisons), or that is larger than the arm's randomised participants (``rand_armN``: an
    error, or clusters randomised). Fewer analysed than randomised is attrition, not flagged."""
    found = []
    for arm in (1, 2):
        column = _arm_column(row, arm)
        if column is None:
            continue
        n = float(row[column])
        if not n.is_integer():
            found.append((column, cell(n), "not a whole number of participants"))
        randomised = row.get(f"rand_arm{arm}")
        if _present(randomised) and n > float(randomised):
            found.append((column, cell(n), f"more than the {cell(float(randomised))} randomised (rand_arm{arm})"))
    return found


COMPARISON_COLUMNS = ["id", "key", "label", "psychotherapy", "control", "arm1", "arm2", "format", "outcome_type",
                      "instrument", "rating", "time", "time_weeks", "g", "g_se", "n_arm1", "n_arm2", "rand_arm1",
                      "rand_arm2", "n_sessions", "rob", "sg", "ac", "ba", "itt"]
STUDY_COLUMNS = ["key", "label", "year", "country", "age_group", "target_group", "recruitment", "diagnosis",
                 "comorbid_mental", "formats", "mean_age", "percent_women", "comparisons", "arms", "n_analysed",
                 "n_randomised", "rob", "sg", "ac", "itt"]


@dataclass
class Tables:
    """The rows of the study and comparison tables, and what making them found."""

    studies: list[dict]
    comparisons: list[dict]
    drift: list[tuple[str, str, str, str]] = field(default_factory=list)  # (column, value, code, study label)
    conflicts: list[tuple[str, str, str, str]] = field(default_factory=list)  # (label, column, values, kept)
    made_ids: list[str] = field(default_factory=list)  # labels of the rows whose .id was missing
    repeated_ids: list[str] = field(default_factory=list)
    # Rows of data.csv identical in every column to an earlier row: (row, earlier row); each is imported once.
    merged_rows: list[tuple[int, int]] = field(default_factory=list)
    comparison_rows: dict[str, int] = field(default_factory=dict)  # comparison id -> its data.csv row
    # Arm sizes to check (arm_size_problems): (data.csv row, study label, column, value, problem).
    arm_sizes: list[tuple[int, str, str, str, str]] = field(default_factory=list)
    study_rows: dict[str, list[int]] = field(default_factory=dict)  # study key -> its data.csv rows


def make_tables(frame) -> Tables:
    """The study and comparison rows of a release's data frame (one comparison per row)."""
    records = frame.to_dict("records")
    tables = Tables([], [])
    seen: dict[str, int] = {}
    by_study: dict[str, list[dict]] = {}
    first_of: dict[tuple, int] = {}
    for number, row in enumerate(records, start=1):
        # The rule for an exact duplicate row (every column equal, the .id included): it is one comparison
        # written twice, imported once (never pooled twice) and named in the import report.
        whole = tuple(str(value) for value in row.values())
        if whole in first_of:
            tables.merged_rows.append((number, first_of[whole]))
            continue
        first_of[whole] = number
        label = row["study"]
        by_study.setdefault(label, []).append(row)
        tables.study_rows.setdefault(study_key(label), []).append(number)
        identifier = row.get(".id") if _present(row.get(".id")) else None
        if identifier is None:
            identifier = comparison_id(row)
            tables.made_ids.append(label)
        seen[identifier] = seen.get(identifier, 0) + 1
        if seen[identifier] > 1:
            tables.repeated_ids.append(identifier)
            identifier = f"{identifier}#{seen[identifier]}"
        tables.comparison_rows[identifier] = number
        tables.arm_sizes += [(number, label, *problem) for problem in arm_size_problems(row)]
        n1, n2 = _arm_n(row, 1), _arm_n(row, 2)
        tables.comparisons.append({
            "id": identifier, "key": study_key(label), "label": label,
            "psychotherapy": normalise_code("psychotherapy", row["condition_arm1"], tables.drift, label),
            "control": normalise_code("control", row["condition_arm2"], tables.drift, label),
            "arm1": cell(row.get("multi_arm1")), "arm2": cell(row.get("multi_arm2")),
            "format": normalise_code("format", row.get("format"), tables.drift, label),
            "outcome_type": cell(row.get("outcome_type")), "instrument": cell(row.get("instrument")),
            "rating": cell(row.get("rating")), "time": cell(row.get("time")), "time_weeks": cell(row.get("time_weeks")),
            "g": cell(row[".g"]), "g_se": cell(row[".g_se"]), "n_arm1": cell(n1), "n_arm2": cell(n2),
            "rand_arm1": cell(row.get("rand_arm1")), "rand_arm2": cell(row.get("rand_arm2")),
            "n_sessions": cell(row.get("n_sessions_arm1")), "rob": cell(row.get("rob")), "sg": cell(row.get("sg")),
            "ac": cell(row.get("ac")), "ba": cell(row.get("ba")), "itt": cell(row.get("itt")),
        })
    comparisons_by_study: dict[str, list[dict]] = {}
    for comparison in tables.comparisons:
        comparisons_by_study.setdefault(comparison["label"], []).append(comparison)
    for label in sorted(by_study, key=lambda lab: (study_key(lab), lab)):
        tables.studies.append(study_row(label, by_study[label], comparisons_by_study[label], tables))
    tables.comparisons.sort(key=lambda c: (c["key"], c["id"]))
    return tables


def _one(label: str, rows: list[dict], column: str, tables: Tables) -> str:
    """A study-level value of *column*: the value of its rows; when they differ, the lowest, noted as a
    conflict with the values from the lowest. The value does not depend on the order of the release's rows
    (a release that only reorders a study's rows does not revise it)."""
    values = sorted({value for value in (cell(r.get(column)) for r in rows) if value}, key=_number_or_text)
    if not values:
        return ""
    if len(values) > 1:
        tables.conflicts.append((label, column, " / ".join(values), values[0]))
    return values[0]


def _number_or_text(value: str):
    """A sort key that orders numbers by value, before any text (a study's lowest risk of bias)."""
    try:
        return (0, float(value), "")
    except ValueError:
        return (1, 0.0, value)


def study_row(label: str, rows: list[dict], comparisons: list[dict], tables: Tables) -> dict:
    """One study's row: its characteristics (the same in every row, else the lowest, noted), its arms and n."""
    arms: dict[tuple[str, str], float] = {}
    randomised: dict[tuple[str, str], float] = {}
    for row in rows:
        for arm in (1, 2):
            name = (row[f"condition_arm{arm}"], cell(row.get(f"multi_arm{arm}")))
            n = _arm_n(row, arm)
            if n is not None:
                arms[name] = max(arms.get(name, 0.0), n)
            if _present(row.get(f"rand_arm{arm}")):
                randomised[name] = max(randomised.get(name, 0.0), float(row[f"rand_arm{arm}"]))
    arm_names = {(r[f"condition_arm{arm}"], cell(r.get(f"multi_arm{arm}"))) for r in rows for arm in (1, 2)}
    codes = {}
    for column in ("country", "age_group", "target_group", "recruitment", "diagnosis", "comorbid_mental"):
        values = sorted({normalise_code(column, r.get(column), tables.drift, label) for r in rows} - {""})
        if len(values) > 1:
            tables.conflicts.append((label, column, " / ".join(values), values[0]))
        codes[column] = values[0] if values else ""
    return {
        "key": study_key(label), "label": label, "year": _one(label, rows, "year", tables),
        **codes,
        "formats": " ".join(sorted({c["format"] for c in comparisons if c["format"]})),
        "mean_age": _one(label, rows, "mean_age", tables),
        "percent_women": _one(label, rows, "percent_women", tables),
        "comparisons": str(len(rows)), "arms": str(len(arm_names)),
        "n_analysed": cell(sum(arms.values())) if arms else "",
        "n_randomised": cell(sum(randomised.values())) if randomised and len(randomised) == len(arm_names) else "",
        "rob": _one(label, rows, "rob", tables), "sg": _one(label, rows, "sg", tables),
        "ac": _one(label, rows, "ac", tables), "itt": _one(label, rows, "itt", tables),
    }


def csv_text(rows: list[dict], columns: list[str]) -> str:
    """Rows as CSV text (comma-separated, "\\n" line ends, quotes only where needed)."""
    import csv

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", extrasaction="raise")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


# --- the author's corrections ------------------------------------------------------------------

@dataclass
class Corrections:
    """The review author's corrections: of the database's texts (rows of data/corrections.csv) and of
    bibliography entries (data/reference-corrections.csv, by key)."""

    labels: list[dict] = field(default_factory=list)
    references: dict[str, dict] = field(default_factory=dict)


def read_corrections(review: Path) -> Corrections:
    """The correction files of review folder *review*, each row checked against its schema (a missing file
    has no rows); one :class:`DataError` listing every faulty row."""
    from ..tables import read_table

    found = Corrections()
    problems = []
    for name, schema, key in ((CORRECTIONS, "meta_corrections", "original"),
                              (REFERENCE_CORRECTIONS, "meta_reference_corrections", "key")):
        path = review / name
        if not path.is_file():
            continue
        table = read_table(path, schema, "correction table", key, allow_empty=True)
        problems += table.problems
        rows = [row for row in table.rows if row["_row"] not in table.faulty]
        if name == CORRECTIONS:
            found.labels = rows
        else:
            found.references = {row["key"]: row for row in rows}
    if problems:
        raise combined(problems, "correct the rows listed above, then import again")
    return found


def correct_metadata(metadata: dict, rows: list[dict]) -> tuple[dict, list[tuple[dict, int]]]:
    """The release's metadata with the author's corrections of its texts applied (a renamed exclusion reason
    keeps its place and count), and each correction with the number of places it changed (0: this release
    does not have the text). A corrected reason that another reason of the flow already has is an error."""
    metadata = dict(metadata)
    flow = dict(metadata.get("search_flow") or {})
    reasons = dict(flow.get("full.text.excluded.reasons") or {})
    uses = []
    for row in rows:
        original, corrected = row["original"], row["corrected"]
        if row["field"] == "exclusion_reason":
            if original not in reasons:
                uses.append((row, 0))
                continue
            if corrected in reasons:
                raise DataError(CORRECTIONS, f"row {row['_row']} (line {row['_line']}), column corrected",
                                f'the search flow already has the exclusion reason "{corrected}"',
                                "correct the label to one the flow does not have, or delete the row", line=row["_line"])
            reasons = {corrected if name == original else name: n for name, n in reasons.items()}
            uses.append((row, 1))
        else:
            text = metadata.get(row["field"], "")
            uses.append((row, text.count(original)))
            metadata[row["field"]] = text.replace(original, corrected)
    if reasons:
        flow["full.text.excluded.reasons"] = reasons
        metadata["search_flow"] = flow
    return metadata, uses


def parse_bibtex_names(text: str) -> list[tuple[str, str, str]]:
    """Authors written as BibTeX writes them ("Family, G. and Other, Jr, H. and others") as :data:`Person`
    tuples (family, given, suffix)."""
    people = []
    for name in (part.strip() for part in re.split(r"\s+and\s+", text.strip())):
        parts = [part.strip() for part in name.split(",")]
        if name == "others":
            people.append(OTHERS)
        elif len(parts) >= 3:
            people.append((parts[0], ", ".join(parts[2:]), parts[1]))
        elif len(parts) == 2:
            people.append((parts[0], parts[1], ""))
        else:
            given, _, family = name.rpartition(" ")
            people.append((family, given, ""))
    return people


def apply_reference_correction(result: ParsedReference, row: dict) -> None:
    """*result* as the author's correction *row* says: status ``corrected``, its non-empty cells in place of
    what was parsed (the other fields as parsed); status ``replaced``, its non-empty cells and nothing else
    (the string describes another publication: nothing parsed from it is kept). Its problems are then those of
    the corrected entry only (the author has read the string)."""
    if row["status"] == "replaced":
        result.entry_type, result.authors, result.fields = "misc", [], {}
    for name in REFERENCE_FIELDS:
        value = (row.get(name) or "").strip()
        if not value:
            continue
        if name == "author":
            result.authors = parse_bibtex_names(value)
        else:
            result.fields[name] = value
    if result.fields.get("journal"):
        result.entry_type = "article"
    result.problems = entry_problems(result.entry_type, result.authors, result.fields)


# --- bibliography ------------------------------------------------------------------------

def bibtex_value(text: str) -> str:
    """*text* as a braced BibTeX value that reads back as *text* (braces, backslashes, ~ and $ escaped)."""
    replacements = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "$": r"\$"}
    return "{" + "".join(replacements.get(ch, ch) for ch in text) + "}"


def bibtex_person(person: tuple[str, str, str]) -> str:
    """A person as BibTeX writes one: "Family, Given", "Family, Jr, Given", or "others"; each part escaped as
    :func:`bibtex_value` escapes a field (a brace or backslash in a name is text), a family name of several
    words braced whole ("{van der Gaag}")."""
    if person == OTHERS:
        return "others"
    family, given, suffix = (bibtex_value(part)[1:-1] for part in person)
    family = "{" + family + "}" if " " in family else family
    return ", ".join(part for part in (family, suffix, given) if part)


FIELD_ORDER = ("author", "title", "journal", "year", "volume", "number", "pages", "doi", "howpublished", "note",
               "url")


def bibtex_entry(key: str, entry_type: str, authors: list[tuple[str, str, str]], fields: dict[str, str]) -> str:
    """One BibTeX entry, its fields in :data:`FIELD_ORDER`."""
    values = dict(fields)
    if authors:
        values["author"] = " and ".join(bibtex_person(p) for p in authors)
    lines = [f"@{entry_type}{{{key},"]
    for name in FIELD_ORDER:
        if values.get(name):
            value = values[name].replace("-", "--") if name == "pages" else values[name]
            lines.append(f"  {name} = " + (bibtex_value(value) if name != "author" else "{" + value + "}") + ",")
    lines.append("}")
    return "\n".join(lines)


def split_person(name: str) -> tuple[str, str, str]:
    """"Constantin Yves Plessen" -> ("Plessen", "Constantin Yves", "")."""
    given, _, family = name.strip().rpartition(" ")
    return (family, given, "")


def database_year(release: Release) -> str:
    """The year of the database entry: the year the release was published (``sources/releases.yaml``; a
    release's own files give no date: Metapsy's 24.0.2, whose search ran to 2024-01-01, was published on
    2025-08-29), else the year of its last search (as the import report says); "" when neither is a date."""
    match = re.match(r"(\d{4})-\d\d-\d\d$", release.published or release.metadata["last_search"])
    return match.group(1) if match else ""


def database_entry(release: Release) -> str:
    """The bibliography entry of the database release itself (the attribution ODC-By asks for)."""
    year = database_year(release)
    fields = {"title": f"{DATABASE_NAME} (Metapsy database depression-psyctr, release {release.name})", "year": year,
              "doi": DATABASE_DOI, "howpublished": "Metapsy project", "url": DATABASE_URL,
              "note": f"Licence {LICENCE}; last search {release.metadata['last_search']}"}
    return bibtex_entry(DATABASE_KEY, "misc", [split_person(a) for a in release.metadata["authors"]], fields)


@dataclass
class Bibliography:
    """The bibliography written from the reference strings, each parse, and how entries were completed."""

    text: str
    parsed: dict[str, tuple[str, ParsedReference]]  # key -> (label, parse, after the repairs and corrections)
    repairs: list[ReferenceRepair] = field(default_factory=list)  # completed from the rest of the release
    corrected: dict[str, dict] = field(default_factory=dict)  # key -> the author's row (corrected or replaced)
    accepted: dict[str, dict] = field(default_factory=dict)  # key -> the author's row (status accepted)
    unused: list[dict] = field(default_factory=list)  # the author's rows whose key is not in this release
    complete_as_parsed: int = 0  # entries complete as the parser read their string alone, not corrected


def make_bibliography(release: Release, studies: list[dict], corrections: Corrections | None = None) -> Bibliography:
    """Every study's reference parsed into an entry (keyed by the study's key), completed from the rest of
    the release where it can be (:func:`~livingreview.importers.references.repair_from_release`), then
    corrected as the author's data/reference-corrections.csv says; then the database's entry."""
    corrections = corrections or Corrections()
    items: dict[str, tuple[str, ParsedReference]] = {}
    labels = {}
    for study in studies:
        label = study["label"]
        labels[study["key"]] = label
        items[study["key"]] = (release.references.get(label, ""),
                               parse_reference(release.references.get(label, ""), str(study["year"])))
    complete = {key for key, (_, result) in items.items() if result.complete}
    repairs = repair_from_release(items)
    corrected, accepted = {}, {}
    for key, row in corrections.references.items():
        if key not in items:
            continue
        if row["status"] in ("corrected", "replaced"):
            apply_reference_correction(items[key][1], row)
            corrected[key] = row
        else:
            accepted[key] = row
    as_parsed = len(complete - set(corrected))
    parsed = {key: (labels[key], result) for key, (_, result) in items.items()}
    entries = [bibtex_entry(key, result.entry_type, result.authors, result.fields)
               for key, (_, result) in parsed.items()]
    header = (f"% Written by `make import` from the Metapsy database \"{DATABASE_NAME}\", release {release.name}\n"
              f"% (metadata/references.json, licence {LICENCE}); a new import replaces this file.\n"
              "% The author's own decisions belong in data/decisions.csv, corrections of entries in\n"
              "% data/reference-corrections.csv.\n\n")
    unused = [row for key, row in sorted(corrections.references.items()) if key not in items]
    return Bibliography(header + "\n\n".join([database_entry(release), *entries]) + "\n", parsed, repairs,
                        corrected, accepted, unused, as_parsed)


# --- metadata, report ---------------------------------------------------------------------

def database_metadata(release: Release, tables: Tables) -> dict:
    """``data/database.yaml``: what the text says about the database, and the search flow for PRISMA."""
    meta = release.metadata
    return {
        "name": DATABASE_NAME,
        "shorthand": meta["shorthand"] or "depression-psyctr",
        "release": release.name,
        "citation_key": DATABASE_KEY,
        "doi": DATABASE_DOI,
        "url": DATABASE_URL,
        "licence": LICENCE,
        "authors": meta["authors"],
        "last_search": meta["last_search"],
        "number_studies": meta["number_studies"],
        "comparisons": meta["comparisons"],
        "registration": meta["registration"],
        "search_sources": meta["search_sources"],
        "risk_of_bias": meta["risk_of_bias"],
        "outcome_calculation": meta["outcome_calculation"],
        "search_flow": meta["search_flow"],
        "imported": {"rows": len(tables.comparisons), "studies": len(tables.studies)},
    }


def yaml_text(data: dict) -> str:
    """YAML with the keys in the order given, Unicode kept, and no line wrapping."""
    header = "# Written by `make import` from the release's metadata/; a new import replaces this file.\n"
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1 << 20)


def coverage(parsed: dict[str, tuple[str, ParsedReference]]) -> tuple[int, int]:
    """(complete structured entries, all entries)."""
    return sum(p.complete for _, p in parsed.values()), len(parsed)


def report_text(release: Release, tables: Tables, bibliography: Bibliography,
                label_uses: list[tuple[dict, int]] | None = None) -> str:
    """``import-report.md``: rows, studies, the search flow's arithmetic, the references (how many are
    complete, how the others were completed, corrected or accepted, and which remain incomplete), the
    author's corrections, repairs, normalised codes, conflicts and comparison ids."""
    complete, total = coverage(bibliography.parsed)
    incomplete = sorted(k for k, (_, p) in bibliography.parsed.items() if not p.complete)
    open_keys = [k for k in incomplete if k not in bibliography.accepted]
    share = f"{100 * complete / total:.1f} %" if total else "-"
    corrected_complete = sum(1 for k in bibliography.corrected if bibliography.parsed[k][1].complete)
    lines = [
        f"# Import of the Metapsy database \"{DATABASE_NAME}\", release {release.name}",
        "",
        f"Written by `make import` from `sources/{release.name}/` (licence {LICENCE}; cite doi:{DATABASE_DOI}).",
        "A new import of the same release writes the same bytes.",
        "",
        "## What was read",
        "",
        f"- `data.csv`: {len(release.frame)} rows (effect sizes) and {release.columns} columns"
        + (", the first of them R's row names under an empty header (left out)." if release.row_names else "."),
        f"- Studies: {len(tables.studies)} (the release's `number_studies.txt` says "
        f"{release.metadata['number_studies']}); effect sizes (the rows of `data/comparisons.csv`; each "
        f"study's number is its column `comparisons` of `data/studies.csv`): {len(tables.comparisons)}.",
        f"- `metadata/references.json`: {len(release.references)} reference strings.",
        f"- Last search: {release.metadata['last_search']}.",
        f"- The database's own entry in `references.bib` (`{DATABASE_KEY}`) has the year {database_year(release)}, "
        + (f"the year the release was published ({release.published}, `sources/{RELEASES}`); its last search ran "
           f"to {release.metadata['last_search']}." if release.published else
           f"the year of the release's last search ({release.metadata['last_search']}): the release's metadata give "
           f"no date of publication, and `sources/{RELEASES}` none."),
        *flow_lines(release, tables),
        "",
        "## References",
        "",
        f"{complete} of {total} references ({share}) are complete structured `@article` entries (authors, "
        "title, journal, year, and the volume, issue and pages the string has; a journal that does not end in "
        "\"of\", \"and\", \"&\" or \"the\" and holds no DOI or URL note, a title that holds no journal, volume and "
        f"pages): {bibliography.complete_as_parsed} as parsed from their string, "
        f"{len(bibliography.repairs)} completed from the rest of the release (below), {corrected_complete} "
        f"corrected or replaced by the review's authors (`{REFERENCE_CORRECTIONS}`, below).",
        "",
    ]
    if bibliography.repairs:
        lines += ["| key | field | in the string | written | how |", "|---|---|---|---|---|"]
        lines += [f"| {r.key} | {r.field} | {escape_inline(r.before)} | {escape_inline(r.after)} | "
                  f"{escape_inline(r.how)} |" for r in bibliography.repairs]
        lines.append("")
    if bibliography.corrected:
        lines += [f"Corrected by the review's authors (`{REFERENCE_CORRECTIONS}`: status corrected, the fields "
                  "named written in place of those parsed; status replaced, the entry written from the fields "
                  "named alone, nothing parsed from the string kept):", "",
                  "| key | study | status | fields | reason | the string |", "|---|---|---|---|---|---|"]
        lines += [f"| {key} | {escape_inline(bibliography.parsed[key][0])} | {row['status']} | "
                  f"{', '.join(n for n in REFERENCE_FIELDS if (row.get(n) or '').strip())} | "
                  f"{escape_inline(row['reason'])} | "
                  f"{escape_inline(release.references.get(bibliography.parsed[key][0], '(none)'))} |"
                  for key, row in sorted(bibliography.corrected.items())]
        lines.append("")
    lines += [f"{len(incomplete)} remain incomplete (an `@misc` entry when no journal was found; all still format in "
              f"every reference style): {len(incomplete) - len(open_keys)} accepted as they are by the review's "
              f"authors (`{REFERENCE_CORRECTIONS}`, status accepted), {len(open_keys)} not"
              + (" (each a warning at every build; `make review STRICT=1` refuses to publish them: correct or "
                 f"accept each in `{REFERENCE_CORRECTIONS}`)." if open_keys else "."), ""]
    if incomplete:
        lines += ["| key | study | entry | what is missing or wrong | the author's decision | the string |",
                  "|---|---|---|---|---|---|"]
        for key in incomplete:
            label, result = bibliography.parsed[key]
            decision = (f"accepted: {bibliography.accepted[key]['reason']}" if key in bibliography.accepted
                        else "none (a warning at every build)")
            lines.append(f"| {key} | {escape_inline(label)} | @{result.entry_type} | "
                         f"{escape_inline('; '.join(result.problems))} | {escape_inline(decision)} | "
                         f"{escape_inline(release.references.get(label, '(none)'))} |")
        lines.append("")
    if bibliography.unused:
        lines += [f"Rows of `{REFERENCE_CORRECTIONS}` for entries this release does not have (not used): "
                  + ", ".join(row["key"] for row in bibliography.unused) + ".", ""]
    lines += ["## Corrections of the database's texts by the review's authors", "",
              f"From `{CORRECTIONS}`, applied to `{DATABASE}` (the release's files stay as published):", ""]
    if label_uses:
        lines += ["| what | the release writes | the review prints | reason | applied |", "|---|---|---|---|---|"]
        lines += [f"| {row['field']} | {escape_inline(row['original'])} | {escape_inline(row['corrected'])} | "
                  f"{escape_inline(row['reason'])} | {'yes' if used else 'no: not in this release'} |"
                  for row, used in label_uses]
    else:
        lines.append("None.")
    lines.append("")
    lines += ["## Repairs", "",
              f"{len(release.repairs)} text cells (of the columns the import uses) or reference strings were repaired "
              "(mojibake undone):", ""]
    if release.repairs:
        lines += ["| where | before | after | how |", "|---|---|---|---|"]
        lines += [f"| {escape_inline(r.where)} | {escape_inline(_excerpt(r.before, r.after))} | "
                  f"{escape_inline(_excerpt(r.after, r.before))} | {escape_inline(r.how)} |" for r in release.repairs]
        lines.append("")
    lines += [f"{len(release.unrepaired)} still look damaged and were left as they are"
              + (":" if release.unrepaired else "."), ""]
    if release.unrepaired:
        lines += ["| where | text |", "|---|---|"]
        lines += [f"| {escape_inline(r.where)} | {escape_inline(r.before[:120])} |" for r in release.unrepaired]
        lines.append("")
    lines += ["## Codes mapped to the review's codes", "",
              "Values outside the codes the review's schemas allow (`workflow/schemas/meta_*.schema.yaml`), and the "
              f"code each is counted under (`CODE_DRIFT` in `{CODE_DRIFT_HOME}`):", ""]
    drift = sorted(set(tables.drift))
    if drift:
        lines += ["| column | value | counted as | study |", "|---|---|---|---|"]
        lines += [f"| {c} | {escape_inline(v)} | {escape_inline(m)} | {escape_inline(s)} |" for c, v, m, s in drift]
    else:
        lines.append("None.")
    lines += ["", *arm_size_lines(tables), "", *duplicate_lines(tables, bibliography)]
    lines += ["", "## Study-level values that differ between a study's rows", "",
              "The study table keeps one value per study: the lowest of its rows' values (for risk of bias, the most "
              "cautious rating), whatever the order of the release's rows; the values are listed from the lowest. "
              "Where a study's rows give different mean ages or shares of women (each comparison those of its "
              "own arms), the table's value is one of them, not the whole study's; the review's tables and "
              "analyses do not use these two columns.", ""]
    if tables.conflicts:
        lines += ["| study | column | values | kept |", "|---|---|---|---|"]
        lines += [f"| {escape_inline(s)} | {c} | {escape_inline(v)} | {escape_inline(k)} |"
                  for s, c, v, k in sorted(set(tables.conflicts))]
    else:
        lines.append("None.")
    lines += ["", "## Comparison ids", "",
              f"{len(tables.made_ids)} rows have no `.id`; their id was made from the row's fields as the release "
              "writes its own (the order of release 24.0.2's ids, spaces removed). "
              f"{len(tables.repeated_ids)} ids occur more than once and got a suffix `#2`, `#3`, ...", ""]
    if tables.merged_rows:
        lines += [f"{len(tables.merged_rows)} rows of data.csv repeat an earlier row in every column; each was "
                  "imported once (it would otherwise be pooled twice): "
                  + ", ".join(f"row {row} (as row {first})" for row, first in tables.merged_rows) + ".", ""]
    return "\n".join(lines).rstrip() + "\n"


def arm_size_lines(tables: Tables) -> list[str]:
    """The report's section on the arm sizes that cannot be right as they stand (:func:`arm_size_problems`),
    each with its row of data.csv."""
    lines = ["## Arm sizes to check", "",
             "Numbers of participants analysed that are not a whole number, or larger than the arm's randomised "
             "participants. The import keeps them as the release gives them, and the review counts them so: "
             f"exclude a trial whose data are wrong in `{DECISIONS}` (status excluded, with the reason).", ""]
    if not tables.arm_sizes:
        return [*lines, "None."]
    trials = len({label for _, label, *_ in tables.arm_sizes})
    lines += [f"{len(tables.arm_sizes)} arm sizes in {trials} {'trial' if trials == 1 else 'trials'}:", "",
              "| data.csv row | study | column | value | problem |", "|---|---|---|---|---|"]
    return lines + [f"| {number} | {escape_inline(label)} | {column} | {value} | {problem} |"
                    for number, label, column, value, problem in tables.arm_sizes]


def duplicate_lines(tables: Tables, bibliography: Bibliography) -> list[str]:
    """The report's section on the pairs of studies that may be two reports of one trial
    (:func:`livingreview.meta_analysis.possible_duplicates`: the same arms, an author in common)."""
    authors = {key: {"authors": [{"family": person[0]} for person in result.authors if person != OTHERS]}
               for key, (_, result) in bibliography.parsed.items()}
    pairs = possible_duplicates(tables.studies, tables.comparisons, authors)
    lines = ["## Studies that may be one trial", "",
             "Pairs of studies with the same arms (the same psychotherapy and control condition, the same numbers "
             "of participants analysed in each arm, and randomised where the release gives them) and an author "
             "in common: they may be two reports of one trial, which the review would pool twice. The review's "
             f"Methods name them; if they are one trial, exclude the later or lesser report in `{DECISIONS}` "
             "(status excluded, with the reason).", ""]
    if not pairs:
        return [*lines, "None."]
    lines += ["| studies | randomised | analysed | effect sizes |", "|---|---|---|---|"]
    return lines + [f"| {escape_inline(first['label'])}; {escape_inline(second['label'])} | "
                    f"{pair['randomised'] or 'not given'} | {pair['analysed']} | "
                    f"{'the same' if pair['same_effects'] else 'different'} |"
                    for pair in pairs for first, second in [pair["trials"]]]


def flow_lines(release: Release, tables: Tables) -> list[str]:
    """The report's lines on the search flow's full-text stage: its arithmetic, and each difference named
    (:mod:`livingreview.search_flow`)."""
    check = check_flow(release.metadata.get("search_flow") or {}, len(tables.studies))
    if check is None:
        return ["- Search flow: the release's `search_flow.json` lacks the full-text counts or the number "
                "included; the flow diagram shows what it has."]
    lines = [f"- Search flow (`metadata/search_flow.json`): {check.full_texts:,} full texts assessed, "
             f"{check.excluded:,} excluded with a reason, {check.included:,} included; the data hold "
             f"{check.trials:,} trials."]
    if check.unaccounted:
        lines.append(f"  {check.full_texts:,} less {check.excluded:,} is {check.remaining:,}, not {check.included:,}: "
                     f"{abs(check.unaccounted):,} reports are not accounted for ({unaccounted_text(check)}); the "
                     "flow diagram names them.")
    if check.outside:
        lines.append(f"  {abs(check.outside):,} of the flow's included studies are not trials of this database "
                     f"({outside_text(check, release.metadata.get('comparisons', ''))}); the flow diagram names "
                     "them." if check.outside > 0 else
                     f"  The data hold {-check.outside:,} trials more than the flow includes "
                     f"({outside_text(check, release.metadata.get('comparisons', ''))}); the flow diagram names them.")
    return lines


def _excerpt(text: str, other: str, width: int = 60) -> str:
    """The part of *text* around its first difference from *other*."""
    start = next((i for i, (a, b) in enumerate(zip(text, other, strict=False)) if a != b), min(len(text), len(other)))
    begin = max(0, start - width // 2)
    return ("..." if begin else "") + text[begin:begin + width] + ("..." if begin + width < len(text) else "")


# --- writing -------------------------------------------------------------------------------

def sha256(text: str) -> str:
    """The SHA-256 of *text* as UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def import_files(release: Release, corrections: Corrections | None = None) -> tuple[dict[str, str], Bibliography]:
    """Every file the import writes (path relative to the review folder -> text), and the bibliography,
    with the author's *corrections* applied (none when None); a :class:`DataError` when the build would
    reject a written table (see :func:`check_written`)."""
    import dataclasses

    corrections = corrections or Corrections()
    metadata, label_uses = correct_metadata(release.metadata, corrections.labels)
    release = dataclasses.replace(release, metadata=metadata)
    tables = make_tables(release.frame)
    bibliography = make_bibliography(release, tables.studies, corrections)
    files = {
        STUDIES: csv_text(tables.studies, STUDY_COLUMNS),
        COMPARISONS: csv_text(tables.comparisons, COMPARISON_COLUMNS),
        DATABASE: yaml_text(database_metadata(release, tables)),
        BIBLIOGRAPHY: bibliography.text,
        REPORT: report_text(release, tables, bibliography, label_uses),
    }
    check_written(files, tables, release)
    return files, bibliography


# The data.csv column each column of the written tables comes from, for messages (a column not listed has the
# same name in data.csv).
SOURCE_COLUMNS = {"id": ".id", "key": "study", "label": "study", "psychotherapy": "condition_arm1",
                  "control": "condition_arm2", "arm1": "multi_arm1", "arm2": "multi_arm2", "g": ".g", "g_se": ".g_se",
                  "n_sessions": "n_sessions_arm1", "formats": "format", "comparisons": "study", "arms": "multi_arm1",
                  "n_analysed": "n_arm1", "n_randomised": "rand_arm1"}
TABLE_SCHEMAS = {STUDIES: ("meta_studies", "key"), COMPARISONS: ("meta_comparisons", "id")}
CODE_DRIFT_HOME = "workflow/livingreview/importers/metapsy.py"


def check_written(files: dict[str, str], tables: Tables, release: Release) -> None:
    """Read the written tables back as the build reads them (each cell typed and validated with its schema,
    :mod:`livingreview.schemas`), and the database metadata; raise one :class:`DataError` listing every value
    the build would reject, each naming the row and column of the release's data.csv it came from."""
    import csv

    import pandas as pd

    from ..files import parse_yaml
    from ..meta_analysis import DATABASE_SCHEMA
    from ..schemas import explain_error, is_valid, load_schema, schema_errors
    from ..tables import typed_cell

    found: list[tuple[int, DataError]] = []  # (data.csv row, problem)
    for name, (schema_name, key_column) in TABLE_SCHEMAS.items():
        schema = load_schema(schema_name)
        properties = schema["properties"]
        rows = [{column: typed_cell(value, properties.get(column, {})) for column, value in row.items()}
                for row in csv.DictReader(io.StringIO(files[name]))]
        if is_valid(pd.DataFrame(rows, dtype=object), schema_name):
            continue
        for row in rows:
            present = {k: v for k, v in row.items() if v is not None}
            for error in schema_errors(present, schema_name):
                path, problem, _ = explain_error(error, schema, schema_name)
                column = str(path[0]) if path else key_column
                found.append(_release_problem(release, tables, name, row, column, problem, schema))
    problems = [problem for _, problem in sorted(found, key=lambda item: item[0])]
    database = parse_yaml(files[DATABASE], DATABASE, "database metadata")
    for error in schema_errors(database, DATABASE_SCHEMA):
        path, problem, _ = explain_error(error, load_schema(DATABASE_SCHEMA), DATABASE_SCHEMA)
        problems.append(DataError(str(Path(release.data_path).parent / "metadata"), None,
                                  f"the import would write {DATABASE} with a {'.'.join(map(str, path))} the build "
                                  f"rejects: {problem}",
                                  FIX_RELEASE))
    if problems:
        raise combined(problems, "fix the problems listed above, then import again to see the others")


def _release_problem(release: Release, tables: Tables, name: str, row: dict, column: str, problem: str,
                     schema: dict) -> tuple[int, DataError]:
    """The data.csv row (0 when unknown) and the error for a value of *column* of written table *name* (its
    *row*) that its schema rejects: at the data.csv row and column it came from, with the fix (a mapping in
    :data:`CODE_DRIFT` for a coded column)."""
    source = SOURCE_COLUMNS.get(column, column)
    value = row.get(column)
    if name == COMPARISONS:
        number = tables.comparison_rows.get(row["id"])
    else:
        numbers = tables.study_rows.get(row["key"], [])
        frame = release.frame
        matching = [n for n in numbers if source in frame.columns and cell(frame.iloc[n - 1][source]) == str(value)]
        number = (matching or numbers or [None])[0]
    node = schema["properties"].get(column, {})
    if "enum" in node or "oneOf" in node:
        fix = (f'add a mapping of "{value}" to one of the allowed codes to CODE_DRIFT["{column}"] in '
               f"{CODE_DRIFT_HOME}, then import again")
    else:
        fix = (f"the release has a value the review cannot use: correct it in the importer ({CODE_DRIFT_HOME}), "
               "or ask the database's maintainers")
    where = ", ".join(filter(None, [f"row {number}" if number else None, f"column {source}"]))
    return number or 0, DataError(release.data_path, where, f'the import would write {name} with {column} '
                                  f'"{value}", which the build rejects: {problem}', fix)


def edited_by_hand(review: Path, record: dict) -> list[str]:
    """The owned files that exist and differ from what the last import (*record*) wrote."""
    written = record.get("files", {})
    edited = []
    for name in OWNED_FILES:
        path = review / name
        if path.is_file() and written.get(name) != sha256(path.read_text(encoding="utf-8")):
            edited.append(name)
    return edited


def write_import(review: Path, files: dict[str, str], release: str, force: bool = False) -> list[str]:
    """Write *files* into *review*; return the names whose bytes changed.

    Refuses (a :class:`DataError`) to overwrite an owned file that an import
    did not write as it is now (a hand edit, or a file of the same name from
    elsewhere), unless *force*. Creates the author's files (:data:`AUTHOR_FILES`:
    decisions and corrections, a header only) when they do not exist, and never
    writes them otherwise. Every file is replaced in one transaction
    (:func:`~livingreview.files.replace_together`): after a failure (a full
    disk, a read-only folder: one plain error) or a kill, the review is
    exactly as before and the next import works.
    """
    recover_transaction(review)  # what a killed import left: rolled back, so the check below sees the review as before
    record_path = review / RECORD
    record = json.loads(record_path.read_text(encoding="utf-8")) if record_path.is_file() else {}
    edited = [] if force else edited_by_hand(review, record)
    if edited:
        raise DataError(str(review / edited[0]), None,
                        f"{', '.join(edited)} differ from what the last import wrote (edited by hand?), and an import "
                        "would overwrite them",
                        "move your changes to data/decisions.csv (exclusions, retractions) or data/review.yaml, "
                        "or import with --force to replace them")
    writes = {name: text for name, text in files.items()
              if not (review / name).is_file() or (review / name).read_text(encoding="utf-8") != text}
    writes.update({name: header for name, header in AUTHOR_FILES.items() if not (review / name).exists()})
    new_record = {"release": release, "files": {name: sha256(text) for name, text in sorted(files.items())}}
    record_text = json.dumps(new_record, indent=2, sort_keys=True) + "\n"
    if not record_path.is_file() or record_path.read_text(encoding="utf-8") != record_text:
        writes[RECORD] = record_text
    # all of them or none: staged beside the review's files, then swapped in (files.replace_together)
    replace_together(review, writes, f"importing release {release}")
    return [*(name for name in files if name in writes), *(name for name in AUTHOR_FILES if name in writes),
            *([RECORD] if RECORD in writes else [])]
