"""``python -m livingreview verify [REVIEW]``: rebuild a review and compare it with its published release.

The project's tracked files (``git ls-files`` in a git checkout, otherwise
the pipeline and the review folder's sources), the committed ``output/``
included, are copied into a temporary folder; the review is built there,
with this Python environment and a build folder of its own; and the rebuilt
release is compared byte for byte with the committed ``output/`` and its
``manifest.json``. The project itself, ``output/`` included, is only read.

The verdict is PASS when every release file is identical, or FAIL with one
problem per differing output (with its first differing lines, for a PDF its
first differing page, for a DOCX its first differing part), per input whose
hash no longer matches the manifest, per tool whose version differs from the
manifest's, and per installed package that differs from ``requirements.lock``.

Asked for one (``--certificate PATH``), the verification is also written as
a certificate a journal can archive (:func:`certificate`): the verdict, the
commit, what was rebuilt from which inputs with which tools, and each
release file's hashes (published and rebuilt) and verdict.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import io
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..config import CONFIG_FILE
from ..errors import ConfigError, LivingReviewError
from ..files import parse_yaml, read_input, write_json
from ..kinds import get as review_kind
from ..project import MANIFEST, PIPELINE, RELEASE_FILES, REVIEW_SOURCES, find_project
from ..stages.release import OUTPUT_OPTIONS, file_record

# Installed by ``python -m venv`` itself, not by requirements.lock; the build does not use them.
BOOTSTRAP_PACKAGES = {"pip", "setuptools"}
DIFF_LINES = 4  # lines shown per side of the first difference in a text file
LINE_WIDTH = 160  # longer diff lines are cut


CERTIFICATE_FORMAT = "livingreview-verification/1"

# Where a user's own configuration of the tools lives, besides HOME: unset for the rebuild
# (:func:`rebuild_environment`), as on the editor's clean machine.
USER_CONFIGURATION = ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_DIRS", "XDG_DATA_DIRS",
                      "SNAKEMAKE_PROFILE", "MPLCONFIGDIR", "MATPLOTLIBRC")


@dataclass
class Verdict:
    """The outcome of a verification: what was compared and every problem found."""

    compared: list[str]
    inputs: int
    problems: list[str] = field(default_factory=list)
    folder: Path | None = None  # the rebuild's folder, when kept
    # Each release file: its SHA-256 published and rebuilt (None: absent) and its verdict.
    files: dict[str, dict] = field(default_factory=dict)
    manifest: dict | None = None  # the rebuilt manifest (inputs, tools, options, review), if the rebuild succeeded

    @property
    def passed(self) -> bool:
        """True when nothing differs."""
        return not self.problems


def git_files(root: Path) -> list[str] | None:
    """The files git tracks under *root*, or None when *root* is not (the top of) a git checkout."""
    if shutil.which("git") is None:
        return None
    result = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True)
    files = [name for name in result.stdout.decode("utf-8", "surrogateescape").split("\0") if name]
    return files if result.returncode == 0 and "Snakefile" in files else None


def fixed_files(root: Path, names: list[str]) -> list[str]:
    """Every file under *names* (files or folders) in *root*, caches and hidden files left out."""
    files = []
    for name in names:
        path = root / name
        candidates = [path] if path.is_file() else sorted(path.rglob("*"))
        files += [p.relative_to(root).as_posix() for p in candidates
                  if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")]
    return files


def source_files(root: Path, review: str, inputs: list[str] = ()) -> list[str]:
    """The project's sources to copy: git's tracked files, else the pipeline, the review folder's
    sources and release (see :func:`fixed_files`) and the *inputs* its manifest lists (relative to
    the review folder: e.g. a CSL style kept elsewhere in it)."""
    tracked = git_files(root)
    if tracked is not None:
        return sorted(tracked)
    # only paths inside the project (a manifest edited to name others is reported, never followed)
    listed = [name for name in (os.path.normpath(f"{review}/{path}") for path in inputs)
              if not os.path.isabs(name) and name.split(os.sep)[0] != ".."]
    names = [*PIPELINE, *(f"{review}/{name}" for name in [*REVIEW_SOURCES, "output"]), *listed]
    return sorted(set(fixed_files(root, [name for name in names if (root / name).exists()])))


def outside(review: str) -> bool:
    """True when review folder *review* (relative to the project) lies outside the project (``../my-review``)."""
    return review.split("/")[0] == ".."


def project_copy(root: Path, review: str, scratch: Path) -> Path:
    """Where in *scratch* the project is copied: ``project/``, or, for a review folder outside the project,
    the project's folder below the folder that holds both (the manifest names the pipeline's files
    relative to the review folder, e.g. ``../livingreview/Snakefile``, so the copy keeps that layout)."""
    if not outside(review):
        return scratch / "project"
    base = Path(os.path.commonpath([root.resolve(), (root / review).resolve()]))
    return scratch / "project" / root.resolve().relative_to(base)


def review_files(folder: Path, inputs: list[str] = ()) -> list[str]:
    """The sources and release of a review folder outside the project (relative to *folder*), and the
    *inputs* its manifest lists inside it."""
    listed = [name for name in (os.path.normpath(path) for path in inputs)
              if not os.path.isabs(name) and name.split(os.sep)[0] != ".."]
    names = [*REVIEW_SOURCES, "output", *listed]
    return sorted(set(fixed_files(folder, [name for name in names if (folder / name).exists()])))


def copy_files(root: Path, target: Path, files: list[str]) -> None:
    """Copy *files* (relative to *root*) into *target*; tracked files deleted from the checkout are skipped."""
    for name in files:
        source = root / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target / name)


def rebuild_environment(project: Path, home: Path) -> dict[str, str]:
    """The rebuild's environment: this one, with the copy's code on the path and none of this user's own
    configuration, as on a clean machine: ``HOME`` is the empty folder *home*, and the variables of
    :data:`USER_CONFIGURATION` are unset. (Else a build that read, say, pandoc's data folder in ``HOME``,
    with its reference.docx, would pass here and fail on the editor's machine.)"""
    env = {name: value for name, value in os.environ.items() if name not in USER_CONFIGURATION}
    return dict(env, HOME=str(home), PYTHONPATH=str(project / "workflow"))


def rebuild(project: Path, review: str, build_dir: Path,
            options: dict[str, str] | None = None, output: str = "output") -> subprocess.CompletedProcess:
    """Run ``python -m livingreview build REVIEW`` in *project* with its own code, building into *build_dir*
    and publishing to *output* (relative to the copied review folder), whatever its config says, in
    :func:`rebuild_environment` (its ``HOME`` is ``home/`` beside *build_dir*).

    *options* are the settings the release was built with (the manifest's ``options``): only those the
    manifest records (:data:`~livingreview.stages.release.OUTPUT_OPTIONS`); any other is reported by
    :func:`manifest_problems`, never passed on.
    """
    home = build_dir.parent / "home"
    home.mkdir(parents=True, exist_ok=True)
    env = rebuild_environment(project, home)
    settings = [f"build_dir={build_dir}", f"output_dir={output}",
                *(f"{k}={v}" for k, v in sorted((options or {}).items()) if k in OUTPUT_OPTIONS)]
    return subprocess.run([sys.executable, "-m", "livingreview", "build", review, "--config", *settings],
                          cwd=project, env=env, capture_output=True, text=True)


def _first_change(diff: list[str]) -> int:
    """Column where the first removed and the first added line of *diff* start to differ."""
    removed = next((line[1:] for line in diff[2:] if line.startswith("-")), "")
    added = next((line[1:] for line in diff[2:] if line.startswith("+")), "")
    return len(os.path.commonprefix([removed, added]))


def _cut(line: str, start: int) -> str:
    """A long diff line cut to :data:`LINE_WIDTH` characters of its text from column *start*."""
    sign, text = line[:1], line[1:]
    if sign not in "+-" or len(text) <= LINE_WIDTH:
        return line
    start = min(start, len(text) - LINE_WIDTH)
    return (sign + ("[...]" if start else "") + text[start:start + LINE_WIDTH]
            + (" [...]" if start + LINE_WIDTH < len(text) else ""))


def _side(lines: list[str], sign: str, limit: int, start: int) -> list[str]:
    """The first *limit* lines of one side (``-`` or ``+``) of a diff hunk, cut."""
    side = [_cut(line, start) for line in lines if line.startswith(sign)]
    return side[:limit] + ([f"{sign}[... {len(side) - limit} more lines]"] if len(side) > limit else [])


def text_difference(committed: str, rebuilt: str, limit: int = DIFF_LINES) -> list[str]:
    """The first differing lines of two texts: the first hunk of a unified diff, without context.

    At most *limit* lines are shown per side; long lines are shown from a
    little before the first differing character.
    """
    diff = list(difflib.unified_diff(committed.splitlines(), rebuilt.splitlines(), "published", "rebuilt",
                                     n=0, lineterm=""))
    if not diff:
        return ["same lines; only line endings or the final newline differ"]
    starts = [i for i, line in enumerate(diff) if line.startswith("@@")]
    hunk = diff[starts[0] + 1:starts[1] if len(starts) > 1 else len(diff)]
    start = max(0, _first_change(diff) - LINE_WIDTH // 4)
    shown = diff[:2] + [diff[starts[0]]] + _side(hunk, "-", limit, start) + _side(hunk, "+", limit, start)
    more = len(starts) - 1
    return shown + ([f"[... and {more} more place{'s' if more > 1 else ''} further on]"] if more else [])


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page of a PDF (pypdf)."""
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def pdf_difference(committed: bytes, rebuilt: bytes) -> list[str]:
    """The first page whose text differs, or that only the bytes differ."""
    try:
        old, new = pdf_pages(committed), pdf_pages(rebuilt)
    except Exception as exc:  # a damaged PDF: pypdf raises many kinds of errors
        return [f"the PDF text cannot be compared ({type(exc).__name__}: {exc}); the bytes differ"]
    notes = [f"{len(old)} pages committed, {len(new)} rebuilt"] if len(old) != len(new) else []
    for number, (old_text, new_text) in enumerate(zip(old, new, strict=False), start=1):
        if old_text != new_text:
            return notes + [f"page {number} text differs:"] + text_difference(old_text, new_text)
    return notes or ["only bytes differ: every page has the same text"]


def docx_difference(committed: bytes, rebuilt: bytes) -> list[str]:
    """The parts of two DOCX packages that differ, and the first differing lines of the first of them."""
    try:
        old, new = zipfile.ZipFile(io.BytesIO(committed)), zipfile.ZipFile(io.BytesIO(rebuilt))
        parts = sorted(set(old.namelist()) | set(new.namelist()))
        differing = [part for part in parts if part not in old.namelist() or part not in new.namelist()
                     or old.read(part) != new.read(part)]
    except (zipfile.BadZipFile, OSError) as exc:
        return [f"the DOCX packages cannot be compared ({exc}); the bytes differ"]
    if not differing:
        return ["only bytes differ: every part of the package has the same contents"]
    first = differing[0]
    details = []
    if first in old.namelist() and first in new.namelist():
        details = text_difference(old.read(first).decode("utf-8", "replace").replace("><", ">\n<"),
                                  new.read(first).decode("utf-8", "replace").replace("><", ">\n<"))
    return [f"parts that differ: {', '.join(differing)}", *(f"{first}: {line}" for line in details[2:])]


def file_difference(name: str, committed: bytes, rebuilt: bytes) -> list[str]:
    """How two versions of a release file differ: text lines, PDF page text, DOCX parts, or bytes."""
    if name.endswith(".pdf"):
        return pdf_difference(committed, rebuilt)
    if name.endswith(".docx"):
        return docx_difference(committed, rebuilt)
    try:
        return text_difference(committed.decode("utf-8"), rebuilt.decode("utf-8"))
    except UnicodeDecodeError:
        return [f"the bytes differ ({len(committed)} bytes committed, {len(rebuilt)} rebuilt)"]


def _indent(lines: list[str]) -> str:
    return "".join(f"\n    {line}" for line in lines)


def shown(path: str) -> str:
    """*path* as a message shows it: as it is, or quoted with escapes when it holds a control character (a
    newline in a file name would otherwise read as two lines of the report)."""
    return path if path.isprintable() else json.dumps(path)


def _inside(path: Path, top: Path) -> str | None:
    """*path* (resolved) relative to the resolved folder *top*, or None when it is outside it."""
    try:
        return path.resolve().relative_to(top.resolve()).as_posix()
    except ValueError:
        return None


def link_problems(root: Path, files: list[str], release: str | None = None) -> list[str]:
    """A problem for each of the sources *files* (relative to the project *root*) reached through a symbolic
    link to something a clean clone of the project does not have: a file outside the project, a file that
    is not one of *files* (git does not track it), or nothing. The copy follows links, so the rebuild here
    reads that file; the editor's clone has only the link. The release folder *release* (relative to
    *root*) is left to :func:`published_problems`."""
    listed, problems = set(files), []
    for name in files:
        if release is not None and (name == release or name.startswith(release + "/")):
            continue
        target = _inside(root / name, root)
        if target == name or target in listed:
            continue
        where = ("a file outside the project" if target is None else f"{shown(target)}, "
                 + ("not one of the files git tracks" if (root / name).exists() else "which does not exist"))
        problems.append(f"{shown(name)} is a symbolic link to {where}: a clean clone of the project does not have "
                        "that file, so the rebuild here is not the editor's; commit the file itself in its place")
    return problems


def published_problems(committed_dir: Path, names: list[str] | tuple[str, ...], label: str,
                       tracked: set[str] | None = None) -> list[str]:
    """Problems with how the release in *committed_dir* is published, whatever its bytes: the folder or a
    release file in *names* that is a symbolic link (a clean clone has the link, not the file), and, in a
    git checkout, a release file that git does not track (*tracked*: the names of those it does; a clean
    clone has no such file)."""
    if committed_dir.is_symlink():
        return [f"{label} is a symbolic link: a clean clone has the link, not the release; publish the release "
                f"in {label}/ itself"]
    problems = []
    for name in names:
        path, shown_path = committed_dir / name, shown(f"{label}/{name}")
        if _inside(path, committed_dir) != name:
            problems.append(f"{shown_path} is a symbolic link: a clean clone has the link, not the file; publish "
                            "the file itself")
        elif tracked is not None and path.is_file() and name not in tracked:
            problems.append(f"{shown_path} is not tracked by git: a clean clone of the repository has no such file "
                            "(git add it and commit)")
    return problems


def release_problems(committed_dir: Path, rebuilt_dir: Path, names: list[str], label: str) -> dict[str, str]:
    """``{path: problem}`` for each release file in *names* missing from, or differing in, *committed_dir*.

    *label* is how the committed folder is named in messages (``output``).
    """
    problems = {}
    for name in names:
        committed, rebuilt, path = committed_dir / name, rebuilt_dir / name, f"{label}/{name}"
        if not committed.is_file():
            problems[path] = f"{path} is missing (the rebuild makes it)"
        elif committed.read_bytes() != rebuilt.read_bytes():
            details = file_difference(name, committed.read_bytes(), rebuilt.read_bytes())
            problems[path] = f"{path} differs from the rebuild:" + _indent(details)
    return problems


def extra_files(committed_dir: Path, names: tuple[str, ...] | list[str], label: str) -> dict[str, str]:
    """``{path: problem}`` for each file (or link) in *committed_dir* that is not one of the release's *names*:
    a file beside the release (e.g. an ``index.html`` a web server would show first) that the manifest
    does not vouch for fails the verification by name."""
    problems = {}
    if not committed_dir.is_dir():
        return problems
    for top, folders, files in os.walk(committed_dir):  # links are listed, never followed
        for name in sorted(files + [folder for folder in folders if Path(top, folder).is_symlink()]):
            relative = Path(top, name).relative_to(committed_dir).as_posix()
            if relative not in names:
                path = f"{label}/{relative}"
                kind = "a symbolic link" if Path(top, name).is_symlink() else "a file"
                problems[path] = (f"{shown(path)} is {kind} the release does not have (the build does not make "
                                  f"it): readers would take it for part of the verified release; remove it, or "
                                  f"keep it outside {label}/")
    return problems


def _records_problems(kind: str, recorded: dict, current: dict, label: str, skip: set[str] = frozenset(),
                      absent: str | Callable[[str], str] = "the rebuild does not read it") -> list[str]:
    """Problems between the manifest's ``{path: {sha256, size}}`` and the rebuild's; *label* names the manifest,
    *absent* says why a recorded path is not the rebuild's (or, called with the path, returns why)."""
    problems = []
    for path in sorted(set(recorded) | set(current)):
        if path in skip or recorded.get(path) == current.get(path):
            continue
        if path not in current:
            why = absent(path) if callable(absent) else absent
            problems.append(f"{kind} {shown(path)}: listed in {label}, but {why}")
        elif path not in recorded:
            problems.append(f"{kind} {shown(path)}: not listed in {label}")
        else:
            problems.append(f"{kind} {shown(path)}: its SHA-256 differs from the one in {label}")
    return problems


def _value_problems(kind: str, recorded: dict, current: dict, label: str, where: str) -> list[str]:
    """Problems between the manifest's ``{name: value}`` and the rebuild's (tools, review)."""
    return [f"{kind} {name}: {recorded.get(name, 'not recorded')} in {label}, {current.get(name, 'none')} {where}"
            for name in sorted(set(recorded) | set(current)) if recorded.get(name) != current.get(name)]


def manifest_problems(recorded: dict, rebuilt: dict, label: str, differing_outputs: set[str],
                      sources: set[str] | None = None) -> list[str]:
    """How the committed manifest (*label*) differs from the rebuilt one: inputs, tools, options, review,
    outputs.

    Outputs already reported as differing files (*differing_outputs*) are named once, together: the
    manifest records them as published, the rebuilt one as rebuilt. *sources* are the copied sources
    (relative to the review folder; None: not known): a recorded input the rebuild did not read is named
    as one the copy does not have (git does not track it) or as one the build no longer reads.
    """
    def absent(path: str) -> str:
        if sources is None or path in sources:
            return "the rebuild does not read it"
        return "the copied sources do not have it (git does not track it: a clean clone does not have it)"

    problems = _records_problems("input", recorded.get("inputs", {}), rebuilt.get("inputs", {}), label,
                                 absent=absent)
    problems += _value_problems("tool", recorded.get("tools", {}), rebuilt.get("tools", {}), label,
                                "in this environment")
    problems += _value_problems("option", recorded.get("options", {}), rebuilt.get("options", {}), label,
                                "in the rebuild")
    problems += _value_problems("review", recorded.get("review", {}), rebuilt.get("review", {}), label,
                                "in the data")
    outputs, rebuilt_outputs = recorded.get("outputs", {}), rebuilt.get("outputs", {})
    problems += _records_problems("release file", outputs, rebuilt_outputs, label, differing_outputs,
                                  "the build does not make it")
    records = sorted(path for path in differing_outputs if outputs.get(path) != rebuilt_outputs.get(path))
    if records:
        problems.append(f"{label}: its records of {', '.join(shown(path) for path in records)} are not those of "
                        "the rebuild (the files are named below)")
    if recorded.get("format") != rebuilt.get("format"):
        problems.append(f"{label}: format {recorded.get('format')!r}, expected {rebuilt.get('format')!r}")
    return problems


def canonical_name(name: str) -> str:
    """A package name normalised as pip compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_versions(lock_text: str) -> dict[str, str]:
    """``{package: version}`` from a pip-compile lock file (``name==version \\``)."""
    pins = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", lock_text, flags=re.MULTILINE)
    return {canonical_name(name): version for name, version in pins}


def installed_versions() -> dict[str, str]:
    """``{package: version}`` of the distributions installed in this environment."""
    from importlib.metadata import distributions

    return {canonical_name(dist.metadata["Name"]): dist.version for dist in distributions()}


def environment_problems(locked: dict[str, str], installed: dict[str, str]) -> list[str]:
    """Pinned packages missing or installed at another version; installed packages not pinned.

    pip and setuptools (:data:`BOOTSTRAP_PACKAGES`) come with the virtual
    environment itself and need no pin.
    """
    problems = []
    for name, version in sorted(locked.items()):
        if name not in installed:
            problems.append(f"package {name}: pinned at {version} in requirements.lock but not installed")
        elif installed[name] != version:
            problems.append(f"package {name}: {installed[name]} installed, {version} pinned in requirements.lock")
    for name in sorted(set(installed) - set(locked) - BOOTSTRAP_PACKAGES):
        problems.append(f"package {name}: {installed[name]} installed but not pinned in requirements.lock")
    return problems


def _read_manifest(path: Path) -> tuple[dict | None, str | None]:
    """The manifest at *path*, or None and why it cannot be read."""
    if not path.is_file():
        return None, "is missing"
    try:
        return json.loads(path.read_text(encoding="utf-8")), None
    except (ValueError, UnicodeDecodeError) as exc:
        return None, f"is not valid JSON ({exc})"


def compare(root: Path, rebuilt_dir: Path, output_dir: str, names: tuple[str, ...] = RELEASE_FILES,
            tracked: set[str] | None = None, sources: set[str] | None = None) -> list[str]:
    """Every problem between the rebuilt release in *rebuilt_dir* and ``root/output_dir``.

    The causes come first (inputs and tools that differ from the manifest),
    then the release files that differ, then those published as no clean
    clone has them (:func:`published_problems`; *tracked*: the release files
    git tracks, None outside git). *sources* are the copied sources, relative
    to *root* (see :func:`manifest_problems`).
    """
    committed_dir = root / output_dir
    differing = release_problems(committed_dir, rebuilt_dir, [name for name in names if name != MANIFEST], output_dir)
    differing.update(extra_files(committed_dir, names, output_dir))
    published = published_problems(committed_dir, names, output_dir, tracked)
    label = f"{output_dir}/{MANIFEST}"
    recorded, why = _read_manifest(committed_dir / MANIFEST)
    if recorded is None:
        return [f"{label} {why}", *differing.values(), *published]
    committed, rebuilt = (committed_dir / MANIFEST).read_bytes(), (rebuilt_dir / MANIFEST).read_bytes()
    causes = []
    if committed != rebuilt:
        causes = manifest_problems(recorded, json.loads(rebuilt), label, set(differing), sources) or [
            f"{label} differs from the rebuilt manifest:" + _indent(file_difference(MANIFEST, committed, rebuilt))]
    return [*causes, *differing.values(), *published]


def failed_rebuild_problems(result: subprocess.CompletedProcess, recorded: dict | None, review: Path,
                            label: str) -> list[str]:
    """Why the rebuild failed (the end of its message), and which recorded inputs changed since the
    manifest (*label*) was written (paths are relative to the copied *review* folder)."""
    failure = (result.stderr or result.stdout).strip().splitlines()[-25:]
    problems = ["the rebuild failed:" + _indent(failure)]
    if recorded is not None:
        inputs = recorded.get("inputs", {})
        current = {path: file_record(review / path) for path in inputs if (review / path).is_file()}
        problems += _records_problems("input", inputs, current, label, absent="the copied sources do not have it")
    return problems


def review_config(review: Path) -> dict:
    """The review folder's config/config.yaml as written (no defaults filled in)."""
    path = review / CONFIG_FILE
    return parse_yaml(read_input(path, "configuration", ConfigError), str(path), "configuration", ConfigError) or {}


def output_dir(review: Path) -> str:
    """The review's output folder, as its config names it (``output`` by default)."""
    return str(review_config(review).get("output_dir", "output"))


def review_release_files(review: Path) -> tuple[str, ...]:
    """The release files of the review folder *review*: those of its kind (config key ``kind``)."""
    return review_kind(str(review_config(review).get("kind", "narrative"))).all_release_files()


def relative_output(review: Path, output: str) -> str | None:
    """The output folder *output* (as the config names it) relative to the *review* folder, or None when it
    is outside it: the rebuild publishes to that place inside its own copy, never to the published folder."""
    relative = Path(os.path.relpath(os.path.abspath(review / output), os.path.abspath(review))).as_posix()
    return None if relative == ".." or relative.startswith("../") or relative == "." else relative


def verify(root: Path, review: str, keep: bool = False) -> Verdict:
    """Copy the project's sources, rebuild review folder *review* (relative to *root*) in a temporary
    folder and compare it with its published release. With *keep*, the temporary folder
    (``project/`` and ``build/``) is left in place.

    The rebuild always builds and publishes inside the temporary folder: its
    ``build_dir`` and ``output_dir`` are set there, whatever the config says
    (an absolute ``output_dir`` is taken relative to the review folder, and
    one outside it fails the verification), so the published release is
    only ever read.
    """
    configured = output_dir(root / review)
    names = review_release_files(root / review)
    output = relative_output(root / review, configured)
    if output is None:
        return Verdict([], 0, [f'output_dir "{configured}" (config/config.yaml) is not a folder inside the review '
                               "folder: verify rebuilds only a release published inside the project (a rebuild "
                               "must never publish to the published folder); set output_dir to a folder inside "
                               "the review folder, e.g. output"])
    names = review_release_files(root / review)
    lock = root / "requirements.lock"
    environment = environment_problems(locked_versions(lock.read_text(encoding="utf-8")), installed_versions()) \
        if lock.is_file() else ["requirements.lock is missing: the environment cannot be checked"]
    scratch = Path(tempfile.mkdtemp(prefix="livingreview-verify-"))
    verdict = Verdict([f"{output}/{name}" for name in names], 0, folder=scratch if keep else None)
    label = f"{output}/{MANIFEST}"
    try:
        project, build_dir = project_copy(root, review, scratch), scratch / "build"
        recorded, _ = _read_manifest(root / review / output / MANIFEST)
        inputs = list((recorded or {}).get("inputs", {}))
        if outside(review):
            copy_files(root, project, files := source_files(root, ".", []))
            folder = (root / review).resolve()
            copy_files(folder, (project / review).resolve(), own := review_files(folder, inputs))
            links = link_problems(root, files) + link_problems(folder, own)
        else:
            copy_files(root, project, files := source_files(root, review, inputs))
            links = link_problems(root, files, Path(os.path.normpath(f"{review}/{output}")).as_posix())
        environment += links
        result = rebuild(project, review, build_dir, (recorded or {}).get("options"), output)
        if result.returncode != 0:
            verdict.problems = environment + failed_rebuild_problems(result, recorded, project / review, label)
            verdict.files = file_verdicts(root / review / output, None, output, names)
            return verdict
        manifest = json.loads((build_dir / "release" / MANIFEST).read_text(encoding="utf-8"))
        verdict.inputs = len(manifest["inputs"])
        verdict.manifest = manifest
        sources = None if outside(review) else {Path(os.path.relpath(name, review)).as_posix() for name in files}
        verdict.problems = environment + compare(root / review, build_dir / "release", output, names,
                                                 tracked_release(root, review, output), sources)
        verdict.files = file_verdicts(root / review / output, build_dir / "release", output, names)
        return verdict
    finally:
        if not keep:
            shutil.rmtree(scratch, ignore_errors=True)


def tracked_release(root: Path, review: str, output: str) -> set[str] | None:
    """The files of the release folder *output* of review folder *review* that git tracks (relative to that
    folder), or None when *root* is no git checkout (or the review folder lies outside the project)."""
    tracked = git_files(root)
    if tracked is None or outside(review):
        return None
    prefix = Path(os.path.normpath(f"{review}/{output}")).as_posix() + "/"
    return {name[len(prefix):] for name in tracked if name.startswith(prefix)}


def _sha256(path: Path) -> str | None:
    return file_record(path)["sha256"] if path.is_file() else None


def file_verdicts(committed_dir: Path, rebuilt_dir: Path | None, label: str,
                  names: tuple[str, ...] = RELEASE_FILES) -> dict[str, dict]:
    """``{output/<name>: {published_sha256, rebuilt_sha256, verdict}}`` for each release file; the verdict
    is "identical", "differs", "not published" or "not rebuilt" (*rebuilt_dir* None: the rebuild failed)."""
    files = {}
    for name in names:
        published = _sha256(committed_dir / name)
        rebuilt = _sha256(rebuilt_dir / name) if rebuilt_dir is not None else None
        if rebuilt is None:
            verdict = "not rebuilt"
        elif published is None:
            verdict = "not published"
        else:
            verdict = "identical" if published == rebuilt else "differs"
        files[f"{label}/{name}"] = {"published_sha256": published, "rebuilt_sha256": rebuilt, "verdict": verdict}
    return files


def changed_files(root: Path, files: list[str]) -> list[str]:
    """The tracked *files* whose contents on disk are not those of the commit checked out in *root*: deleted,
    edited, or a link changed. Their contents are hashed as git would store them, so that an edit
    ``git status`` does not show (``git update-index --assume-unchanged`` or ``--skip-worktree``) counts too."""
    listing = subprocess.run(["git", "ls-tree", "-r", "-z", "HEAD"], cwd=root, capture_output=True)
    committed = {}
    for entry in listing.stdout.decode("utf-8", "surrogateescape").split("\0"):
        meta, _, name = entry.partition("\t")
        if name and meta.split()[1] == "blob":  # not a submodule's commit
            committed[name] = meta.split()[2]
    links = [name for name in files if (root / name).is_symlink()]
    regular = [name for name in files if name not in links and (root / name).is_file()]
    hashed = subprocess.run(["git", "hash-object", "--stdin-paths"], cwd=root, capture_output=True,
                            input="".join(f"{name}\n" for name in regular).encode("utf-8", "surrogateescape"))
    on_disk = dict(zip(regular, hashed.stdout.decode().split(), strict=False))
    for name in links:  # a link is stored as its target's path
        target = os.readlink(root / name).encode("utf-8", "surrogateescape")
        on_disk[name] = subprocess.run(["git", "hash-object", "--stdin"], cwd=root, input=target,
                                       capture_output=True).stdout.decode().strip()
    return sorted(name for name in set(files) | set(committed)
                  if on_disk.get(name) != committed.get(name) and not (root / name).is_dir())


def git_commit(root: Path) -> dict | None:
    """The commit checked out in *root* and whether tracked files differ from it (:func:`changed_files`, or
    what ``git status`` shows); None outside git."""
    files = git_files(root)
    if files is None:
        return None
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True)
    if head.returncode != 0:
        return None
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                            capture_output=True, text=True)
    changed = bool(status.stdout.strip()) or bool(changed_files(root, files))
    return {"id": head.stdout.strip(), "tracked_files_changed": changed}


def certificate(verdict: Verdict, root: Path, review: str, command: str, when: dt.datetime) -> dict:
    """The verification as a record a journal can archive (written as JSON with sorted keys).

    It holds the verdict and every problem; the commit verified (and whether
    tracked files had uncommitted changes, which the rebuild includes); the
    review (title, DOI, version, date), the options and every input (path
    and SHA-256) it was rebuilt from, with the tools' versions; each release
    file's published and rebuilt SHA-256 with its verdict; the command, the
    machine (system, architecture) and the time of the verification (UTC).
    """
    manifest = verdict.manifest or {}
    recorded, _ = _read_manifest(root / review / output_dir(root / review) / MANIFEST)
    return {
        "format": CERTIFICATE_FORMAT,
        "verdict": "PASS" if verdict.passed else "FAIL",
        "problems": list(verdict.problems),
        "review_folder": review,
        "commit": git_commit(root),
        "review": manifest.get("review") or (recorded or {}).get("review"),
        "options": manifest.get("options") or (recorded or {}).get("options"),
        "inputs": {path: record["sha256"] for path, record in sorted(manifest.get("inputs", {}).items())},
        "tools": manifest.get("tools") or {"python": platform.python_version()},
        "files": verdict.files,
        "command": command,
        "machine": {"system": platform.system(), "architecture": platform.machine()},
        "verified_at": when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def report(verdict: Verdict) -> str:
    """The verdict as the text printed on the terminal."""
    if verdict.passed:
        lines = [f"PASS: {', '.join(verdict.compared)} are byte-identical to a rebuild from the "
                 f"{verdict.inputs} inputs listed in the manifest, with the same tool versions."]
    else:
        count = len(verdict.problems)
        lines = [f"FAIL: the rebuild does not reproduce the published release "
                 f"({count} problem{'s' if count != 1 else ''}):"]
        lines += [f"  - {problem}" for problem in verdict.problems]
        if not verdict.folder:
            lines.append("To inspect the rebuild, keep it: .venv/bin/python -m livingreview verify --keep REVIEW")
    if verdict.folder:
        lines.append(f"The copy and its rebuild are kept in {verdict.folder}/ (project/, build/release/).")
    return "\n".join(lines)


@contextlib.contextmanager
def signals_as_interrupts(numbers: tuple[int, ...] = (signal.SIGTERM, signal.SIGHUP)):
    """Within the block, SIGTERM and SIGHUP raise :class:`KeyboardInterrupt` as Ctrl-C does, so that
    :func:`verify`'s ``finally`` removes its temporary folder (and the rebuild is stopped) however
    the verification is interrupted; the previous handlers are restored after."""
    def interrupt(number, frame):
        raise KeyboardInterrupt(f"signal {number}")

    previous = {number: signal.signal(number, interrupt) for number in numbers}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def check_certificate_path(path: Path, root: Path, review: str) -> None:
    """Raise :class:`LivingReviewError` when the certificate may not be written to *path*: into the review's
    release folder (which verify only reads, and where the certificate would be a file the release does
    not have), or over a file that is not a certificate (a source, the manifest) or a folder."""
    published = root / review / (relative_output(root / review, output_dir(root / review)) or "output")
    if _inside(path, published) is not None:
        raise LivingReviewError(str(path), None, f"the certificate would be written into the published release "
                                f"({Path(os.path.relpath(published, root)).as_posix()}/), which verify only reads",
                                "write it beside the clone, e.g. CERTIFICATE=../verification.json")
    record = _read_manifest(path)[0]
    if path.is_dir() or (path.exists() and not (isinstance(record, dict)
                                                and record.get("format") == CERTIFICATE_FORMAT)):
        raise LivingReviewError(str(path), None, "the certificate would replace a file that is not a verification "
                                "certificate", "name a new file, e.g. CERTIFICATE=../verification.json")


def main(review: Path, keep: bool = False, certificate_path: Path | None = None) -> int:
    """Verify review folder *review* of this project; print the verdict, and write the certificate to
    *certificate_path* when given (:func:`check_certificate_path` first). 0 on PASS, 1 on FAIL."""
    root = find_project(review)
    relative = Path(os.path.relpath(review.resolve(), root)).as_posix()
    if certificate_path is not None:
        check_certificate_path(certificate_path, root, relative)
    print(f"livingreview: rebuilding {relative} in a temporary folder to compare it with its published release ...",
          file=sys.stderr, flush=True)
    with signals_as_interrupts():
        verdict = verify(root, relative, keep=keep)
    print(report(verdict))
    if certificate_path is not None:
        shown = Path(os.path.relpath(certificate_path.resolve(), root)).as_posix() \
            if root in certificate_path.resolve().parents else certificate_path.name
        command = f"python -m livingreview verify {relative} --certificate {shown}"
        write_json(certificate_path, certificate(verdict, root, relative, command, dt.datetime.now(dt.UTC)))
        print(f"livingreview: verification certificate written to {certificate_path}")
    return 0 if verdict.passed else 1
