"""Reading and writing the pipeline's files.

Reading: the files an author edits by hand are decoded as UTF-8 (with or
without a byte-order mark, any line ends), and YAML syntax errors name
their line; each problem is raised as the caller's
:class:`~livingreview.errors.LivingReviewError` subclass, naming the file,
the line and what to do. Writing: atomically (a temporary file renamed into
place), JSON with sorted keys, so the same data gives the same bytes.
"""

from __future__ import annotations

import errno
import json
import os
import re
import tempfile
import unicodedata
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
                    "save it again as UTF-8 (in a spreadsheet: 'CSV UTF-8'; in an editor: encoding UTF-8)", line=1)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1:].decode("utf-8", errors="replace")) + 1
        guess = _legacy_guess(raw)
        raise error(path, f"line {line}, column {column}",
                    f"the {kind} file is not valid UTF-8 (byte 0x{raw[exc.start]:02x}){guess}",
                    "save the file as UTF-8 (spreadsheet programs offer 'CSV UTF-8'; editors 'Save with encoding')",
                    line=line) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise error(path, None, f"the {kind} file is empty", f"fill in the {kind}, or restore it from version control")
    return text


# C0 and C1 control characters other than tab and line feed (carriage returns are line ends, made \n).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Characters that change what a reader sees without being seen: every format character (Unicode category
# Cf): zero-width spaces and marks, bidirectional embeddings, overrides and isolates ("evil" with U+202E before
# it shows as "live"), the Arabic letter mark U+061C, the word joiner and invisible operators U+2060-2064, a
# byte-order mark inside the text, the soft hyphen U+00AD, the Mongolian vowel separator U+180E, tag characters
# U+E0000-E007F, ... (the ranges are those of Unicode 15; tests/test_trust_text.py checks them against the
# Python in use). The zero-width joiner and non-joiner are checked apart (:data:`_JOINER_MISPLACED`).
_FORMAT = ("\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b\u200e\u200f\u202a-\u202e"
           "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
           "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f")
# The rule for the zero-width joiner and non-joiner (U+200C, U+200D): scripts such as Persian, the Indic
# scripts and emoji sequences need them between two of their characters, so they are kept between two
# characters beyond Latin (from U+0370 on, not spaces); anywhere else (e.g. inside a Latin word) they are refused.
_BEYOND_LATIN = "[^\x00-\u036f\\s]"
_JOINER_MISPLACED = f"(?<!{_BEYOND_LATIN})[\u200c\u200d]|[\u200c\u200d](?!{_BEYOND_LATIN})"
_INVISIBLE = re.compile(f"[{_FORMAT}]|{_JOINER_MISPLACED}")
# The citation markers (livingreview.citations.CITE_OPEN, CITE_CLOSE): text between them cites a study.
_RESERVED = re.compile("[\ue000\ue001]")


def check_characters(text: str, path: str, kind: str, error: type[LivingReviewError] = DataError,
                     allow_invisible: bool = False) -> None:
    """Raise *error* for the first control character in *text* (and, unless *allow_invisible*, the first
    invisible or direction-changing one), naming its line and column and how many there are."""
    checks = [(_CONTROL, "a control character", "delete it (it cannot be printed; it may come from a copy "
                         "and paste or a binary file)"),
              (_RESERVED, "a private-use character the pipeline reserves for citations (no field of an input "
                          "may cite: only the templates cite, from data the evidence stage checked)",
               "delete it")]
    if not allow_invisible:
        checks.append((_INVISIBLE, "an invisible character that changes what readers see",
                       "delete it; if the text needs it (e.g. for right-to-left scripts), set "
                       "allow_invisible_characters: true in config/config.yaml"))
    for pattern, what, fix in checks:
        found = list(pattern.finditer(text))
        if found:
            start = found[0].start()
            line = text.count("\n", 0, start) + 1
            column = start - (text.rfind("\n", 0, start) + 1) + 1
            char = text[start]
            more = f" ({len(found)} in the file)" if len(found) > 1 else ""
            raise error(path, f"line {line}, column {column}",
                        f"the {kind} file contains {what}, U+{ord(char):04X} {unicodedata.name(char, '')}".rstrip()
                        + more, fix, line=line)


def _legacy_guess(raw: bytes) -> str:
    """A hint at the encoding a non-UTF-8 file was probably saved in."""
    try:
        raw.decode("cp1252")
    except UnicodeDecodeError:
        return ""
    return "; it looks like Windows-1252 or Latin-1"


# Git's merge-conflict markers: a line starting "<<<<<<< " or ">>>>>>> " (or a line of exactly "=======" in a
# file that has one of them): the file holds two versions at once, and whichever a reader takes is wrong.
_CONFLICT = re.compile(r"^(?:<{7}|>{7})(?: |$)", re.MULTILINE)


def check_conflict_markers(text: str, path: str, kind: str, error: type[LivingReviewError] = DataError) -> None:
    """Raise *error* naming the line of the first Git merge-conflict marker in *text*."""
    found = _CONFLICT.search(text)
    if found:
        line = text.count("\n", 0, found.start()) + 1
        raise error(path, f"line {line}", f"the {kind} file holds a Git merge-conflict marker "
                    f"({text[found.start():found.start() + 7]}): it has two versions of some lines at once",
                    "resolve the conflict: keep the right lines, delete the lines <<<<<<<, ======= and >>>>>>>, "
                    "then git add the file", line=line)


def read_input(path: str | Path, kind: str, error: type[LivingReviewError] = DataError,
               fix_missing: str = "create it, or point config/config.yaml at the right path",
               allow_invisible: bool = False) -> str:
    """Read and decode the text file at *path* (see :func:`decode_text`); reject Git merge-conflict markers
    (:func:`check_conflict_markers`) and the characters :func:`check_characters` rejects."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise error(str(path), None, f"the {kind} file does not exist.{near_file(path)}", fix_missing) from None
    except IsADirectoryError:
        raise error(str(path), None, f"the {kind} path is a folder, not a file", fix_missing) from None
    text = decode_text(raw, str(path), kind, error)
    check_conflict_markers(text, str(path), kind, error)
    check_characters(text, str(path), kind, error, allow_invisible)
    return text


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


# Bounds of a YAML file an author edits (config, review metadata, database metadata): far above any real
# one (the largest shipped is under 2 kB), far below what exhausts the memory. An alias repeats a node;
# aliases of aliases multiply (the "billion laughs" bomb), so the limit is on the document as expanded.
MAX_YAML_BYTES = 1_000_000
MAX_YAML_NODES = 100_000
MAX_YAML_ALIASES = 1_000


def _yaml_limit_error(error, path: str, kind: str, node, problem: str):
    line = node.start_mark.line + 1 if node is not None and node.start_mark else None
    return error(path, f"line {line}" if line else None, f"the {kind} file {problem}",
                 "write the values out instead of repeating them with anchors (&name) and aliases (*name); a "
                 "review's YAML file needs neither", line=line)


def _check_expansion(root, path: str, kind: str, error) -> None:
    """Raise *error* when the YAML node graph under *root*, with every alias expanded, would exceed
    :data:`MAX_YAML_NODES` nodes, uses more than :data:`MAX_YAML_ALIASES` aliases, or refers to itself."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    aliases = 0
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = ([n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode)
                    else list(node.value) if isinstance(node, yaml.SequenceNode) else [])
        if done:
            on_path.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in children)
            if sizes[key] > MAX_YAML_NODES:
                raise _yaml_limit_error(error, path, kind, node, f"expands to more than {MAX_YAML_NODES:,} values "
                                        "through aliases (a YAML alias bomb?), more than a review's data can be")
            continue
        if key in sizes:  # a node met again: an alias
            aliases += 1
            if aliases > MAX_YAML_ALIASES:
                raise _yaml_limit_error(error, path, kind, node, f"uses more than {MAX_YAML_ALIASES:,} aliases")
            continue
        if key in on_path:
            raise _yaml_limit_error(error, path, kind, node, "has an alias inside the node it names (a loop)")
        on_path.add(key)
        stack.append((node, True))
        for child in reversed(children):
            if id(child) in on_path:
                raise _yaml_limit_error(error, path, kind, child, "has an alias inside the node it names (a loop)")
            stack.append((child, False))


def parse_yaml(text: str, path: str, kind: str, error: type[LivingReviewError] = DataError):
    """Parse YAML *text* (dates are kept as text); a syntax error names its line and column.

    Only plain data is built (the safe loader), and within bounds: a file
    over :data:`MAX_YAML_BYTES`, or whose aliases expand it beyond
    :data:`MAX_YAML_NODES` values, is refused before anything is built.
    """
    if len(text) > MAX_YAML_BYTES:
        raise error(path, None, f"the {kind} file is {len(text):,} characters long, more than the "
                    f"{MAX_YAML_BYTES:,} a {kind} file may have", "check that this is the right file; a review's "
                    "YAML files hold a few kilobytes")
    loader = _TextDatesLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_expansion(node, path, kind, error)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context = getattr(exc, "context", None)
        raise error(path, where, f"YAML syntax error in the {kind}: {problem}" + (f" ({context})" if context else ""),
                    "check the indentation (spaces, not tabs) and put values that contain ': ', '#' "
                    "or start with a special character in double quotes", line=line) from None
    finally:
        loader.dispose()


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


def symbolic_links(folder: str | Path) -> list[Path]:
    """The symbolic links writing into *folder* would meet: on the way to it (each folder of a relative
    *folder*, from the review folder, the working directory), *folder* itself, and anything under it.

    Links are listed, never followed: a link at ``output/review.html`` or ``output/figures/`` would make
    publishing write wherever it points, outside the release folder.
    """
    folder = Path(folder)
    way = [Path(*folder.parts[:i]) for i in range(1, len(folder.parts) + 1)] if not folder.is_absolute() \
        else [folder]
    found = [path for path in way if path.is_symlink()]
    if not found and folder.is_dir():
        for top, folders, files in os.walk(folder):  # os.walk never descends into a linked folder
            found += [Path(top, name) for name in sorted(folders + files) if Path(top, name).is_symlink()]
    return found


# Ending of the temporary files :func:`write_atomic` writes beside their target
# (``.review.md.<random>.livingreview.tmp``): a killed build can leave one behind.
TEMPORARY_SUFFIX = ".livingreview.tmp"


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Write *data* to *path* through a temporary file and an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMPORARY_SUFFIX)
    try:
        with os.fdopen(fd, mode, **({} if isinstance(data, bytes) else {"encoding": "utf-8", "newline": "\n"})) as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# PyYAML's C emitter (libyaml) when it has one: the same YAML text, some 40 times faster on long strings.
_YAML_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def pandoc_yaml(data) -> str:
    """*data* as the YAML of a file pandoc reads (a defaults or metadata file): keys sorted, Unicode as it
    is, no line folded."""
    return yaml.dump(data, Dumper=_YAML_DUMPER, allow_unicode=True, sort_keys=True, width=1 << 20)


def json_text(data) -> str:
    """*data* as sorted, indented JSON, Unicode as it is (stable text: :func:`write_json`)."""
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def write_json(path: str | Path, data) -> None:
    """Write *data* as sorted, indented UTF-8 JSON (stable bytes: :func:`json_text`)."""
    write_atomic(path, json_text(data))


def read_json(path: str | Path):
    """Read a JSON file written by :func:`write_json`."""
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def write_log(path: str | Path, text: str) -> None:
    """Write a rule's log: what its stage did (counts, notes), one line or a few."""
    write_atomic(path, text.rstrip("\n") + "\n")


def remove_leftovers(folder: str | Path) -> list[Path]:
    """Delete the half-written files (``.<name>.<random>.livingreview.tmp``) a killed build left under *folder*.

    Only this pipeline writes such files, and only one build runs in a
    folder at a time (Snakemake's lock), so each one found is a leftover.
    """
    found = sorted(Path(folder).rglob(f".*{TEMPORARY_SUFFIX}")) if Path(folder).is_dir() else []
    for path in found:
        path.unlink(missing_ok=True)
    return found


# --- replacing several files as one set (a transaction) ------------------------------

# The folder, inside the folder whose files are replaced, where :func:`replace_together` stages the new files
# and keeps the old ones until every rename is done; its journal says how far a killed run got.
TRANSACTION = ".livingreview-transaction"
JOURNAL = "journal.json"
# A test hook: with LIVINGREVIEW_STOP_AT=<step> (staged, swapping, swapped), replace_together kills its own process
# at that step (after the first rename for "swapping"), so a kill midway is tested without a timing race.
STOP_AT = "LIVINGREVIEW_STOP_AT"


def _stop_at(step: str) -> None:
    if os.environ.get(STOP_AT) == step:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


def _write_staged(path: Path, data: bytes) -> None:
    """Write one staged file and flush it to the disk (the writer a test may make fail, e.g. a full disk)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(path, 0o644)


def _remove_tree(folder: Path) -> None:
    import shutil

    if folder.is_symlink():
        folder.unlink()
    elif folder.exists():
        shutil.rmtree(folder)


def recover_transaction(root: str | Path) -> str | None:
    """Finish what a killed :func:`replace_together` in *root* left: "rolled back" (the files are as before
    it started), "rolled forward" (every new file was in place) or None (nothing was left).

    Without a journal the new files were still being staged, and nothing in
    *root* was touched; with one, each file already moved aside is put back
    and each new file that had no predecessor is removed.
    """
    root = Path(root)
    folder = root / TRANSACTION
    if not os.path.lexists(folder):
        return None
    journal_path = folder / JOURNAL
    outcome = "rolled back"
    if folder.is_dir() and not folder.is_symlink() and journal_path.is_file():
        journal = json.loads(journal_path.read_text(encoding="utf-8"))
        if journal.get("state") == "swapped":
            outcome = "rolled forward"
        else:
            for name in journal["names"]:
                old = folder / "old" / name
                if old.is_file():
                    os.replace(old, root / name)
                elif name not in journal["existed"] and not (folder / "new" / name).exists() \
                        and (root / name).is_file():  # moved in, with no predecessor
                    (root / name).unlink()
    _remove_tree(folder)
    return outcome


def replace_together(root: str | Path, files: dict[str, str | bytes], doing: str = "writing",
                     error: type[LivingReviewError] = DataError) -> None:
    """Replace *files* (paths relative to *root* -> contents) all together or not at all.

    The new files are first written (and flushed) into a staging folder
    inside *root* (:data:`TRANSACTION`, on the same disk); only when all are
    there does a journal record the set, and each file is swapped in by
    renames, its predecessor kept aside until the last rename is done. A
    failure midway (a full disk, a read-only file) undoes what was done and
    is raised as a plain *error* (*doing* says what stopped); a kill midway
    is undone (or finished, if every file was in place) by
    :func:`recover_transaction` at the start of the next run.
    """
    from .errors import file_system_error

    root = Path(root)
    recover_transaction(root)
    folder = root / TRANSACTION
    names = sorted(files)
    if not names:
        return
    try:
        folder.mkdir(parents=True)
        for name in names:
            data = files[name]
            _write_staged(folder / "new" / name, data.encode("utf-8") if isinstance(data, str) else data)
        journal = {"names": names, "existed": [name for name in names if (root / name).is_file()], "state": "staged"}
        write_atomic(folder / JOURNAL, json.dumps(journal, sort_keys=True))
        _stop_at("staged")
        for number, name in enumerate(names):
            if (root / name).is_file():
                (folder / "old" / name).parent.mkdir(parents=True, exist_ok=True)
                os.replace(root / name, folder / "old" / name)
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(folder / "new" / name, root / name)
            if number == 0:
                _stop_at("swapping")
        write_atomic(folder / JOURNAL, json.dumps(dict(journal, state="swapped"), sort_keys=True))
        _stop_at("swapped")
        _remove_tree(folder)
    except OSError as exc:
        recover_transaction(root)
        plain = file_system_error(exc, doing, error)
        problem = (plain.problem if plain else f"{doing} stopped: {exc.strerror}") + f"; nothing in {root}/ was changed"
        fix = ("free some space on that disk" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else
               f"make {root}/ and its files writable by you (chmod -R u+w {root})" if exc.errno in (errno.EACCES,
                                                                                                  errno.EPERM) else
               f"copy {root}/ to a writable disk and work there" if exc.errno == errno.EROFS else
               "fix the cause named")
        raise error(str(exc.filename or root), None, problem, fix + ", then run the same command again") from None
    except BaseException:
        recover_transaction(root)
        raise
