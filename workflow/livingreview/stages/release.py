"""Stage ``release``: the manifest of the release, and its publication to ``output/``.

``manifest.json`` records, for every input (data, bibliography, templates,
config, schemas, the pipeline's own code, requirements.lock) and every other
release file, its path relative to the review folder, its size and its
SHA-256; the versions of the tools that shaped the output; and the review's
version and date. It holds no timestamp and no absolute path, and its keys
are sorted, so the same inputs with the same tools give the same bytes.

Publishing makes ``output/`` hold the staged release as one set: all new or
all old. The release files are copied into a staging folder beside
``output/``, next to a copy of everything else already in it; then the
staging folder and ``output/`` are swapped in one atomic
``renameat2(RENAME_EXCHANGE)`` system call. A build killed at any moment
leaves ``output/`` either exactly as it was or exactly the new set.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import hashlib
import os
import platform
import re
import shutil
import stat
from importlib.metadata import version as distribution_version
from pathlib import Path

from .. import pandoc
from ..errors import PublishError, file_system_error
from ..files import read_json, symbolic_links, write_atomic, write_json, write_log
from . import stage

FORMAT = "livingreview-manifest/1"

# Manifest key -> Python distribution whose version it records.
TOOL_DISTRIBUTIONS = {
    "snakemake": "snakemake",
    "typst": "typst",
    "jinja": "jinja2",
    "bibtexparser": "bibtexparser",
    "pandas": "pandas",
    "pypandoc": "pypandoc-binary",
    "matplotlib": "matplotlib",
    "statsmodels": "statsmodels",
}

# Settings that change the outputs without changing any input file; `verify`
# rebuilds with the recorded values.
OUTPUT_OPTIONS = ("reference_style",)


def relative_path(path: str | Path, root: str | Path = ".") -> str:
    """*path* relative to *root*, normalised, with forward slashes."""
    return Path(os.path.relpath(os.path.abspath(path), os.path.abspath(root))).as_posix()


def file_record(path: str | Path) -> dict:
    """Size in bytes and SHA-256 (hex) of one file."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return {"sha256": digest.hexdigest(), "size": size}


def tool_versions() -> dict[str, str]:
    """Versions of Python, pandoc (the binary) and the Python tools in :data:`TOOL_DISTRIBUTIONS`."""
    versions = {key: distribution_version(dist) for key, dist in TOOL_DISTRIBUTIONS.items()}
    versions["python"] = platform.python_version()
    versions["pandoc"] = pandoc.version()
    return versions


def typst_compiler_version(pdf: str | Path) -> str:
    """The version of the Typst compiler inside the typst package, as it names itself in *pdf*
    (its Creator field); "unknown" when the PDF does not say."""
    match = re.search(rb"Typst (\d+\.\d+\.\d+)", Path(pdf).read_bytes())
    return match.group(1).decode("ascii") if match else "unknown"


def review_identity(review: dict) -> dict[str, str]:
    """The review's title, DOI, version and publication date."""
    return {"title": str(review["title"]), "doi": str(review["doi"]), "version": str(review["version"]),
            "date": str(review["dates"]["published"])}


def build_manifest(inputs: list[str], outputs: dict[str, str], review: dict, tools: dict[str, str],
                   options: dict[str, str]) -> dict:
    """The manifest as a dict.

    *inputs* are paths relative to the review folder (the working
    directory); *outputs* maps each release file's published path
    (``output/review.md``) to the file to hash (the staged one); *options*
    are the settings of :data:`OUTPUT_OPTIONS` the release was built with.
    """
    return {
        "format": FORMAT,
        "options": dict(sorted(options.items())),
        "review": review_identity(review),
        "tools": dict(sorted(tools.items())),
        "inputs": {relative_path(path): file_record(path) for path in sorted(set(inputs))},
        "outputs": {relative_path(published): file_record(staged) for published, staged in sorted(outputs.items())},
    }


@stage
def manifest(*, release: list[str], inputs: list[str], evidence: str, output_dir: str, options: dict,
             out: str, log: str) -> None:
    """Hash the *inputs* and the staged *release* files (recorded as published under *output_dir*)."""
    staging = Path(out).parent
    outputs = {f"{output_dir}/{relative_path(staged, staging)}": staged for staged in release}
    tools = tool_versions()
    pdfs = [staged for staged in release if staged.endswith(".pdf")]
    if pdfs:
        tools["typst-compiler"] = typst_compiler_version(pdfs[0])
    chosen = {name: str(options[name]) for name in OUTPUT_OPTIONS}
    write_json(out, build_manifest(list(inputs), outputs, read_json(evidence)["review"], tools, chosen))
    write_log(log, f"{len(set(inputs))} inputs, {len(outputs)} release files")


# --- publishing -----------------------------------------------------------------

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False where unsupported."""
    libc_name = ctypes.util.find_library("c")
    renameat2 = getattr(ctypes.CDLL(libc_name, use_errno=True), "renameat2", None) if libc_name else None
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) != 0:
        number = ctypes.get_errno()
        if number in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):  # the file system cannot exchange
            return False
        raise OSError(number, os.strerror(number), str(a))
    return True


def staging_folder(output: Path) -> Path:
    """Where a release is staged before the swap: beside *output*, on the same file system."""
    return output.parent / f".{output.name}.publish"


def files_differ(release: Path, output: Path, names: list[str]) -> list[str]:
    """Names of release files that are missing from, or differ in, *output*."""
    return [name for name in names
            if not (output / name).is_file() or (release / name).read_bytes() != (output / name).read_bytes()]


def _remove(folder: Path) -> None:
    """Delete *folder*, making read-only parts of it writable first."""
    if not folder.exists():
        return
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir() and not path.is_symlink():
            path.chmod(path.stat().st_mode | stat.S_IRWXU)
    shutil.rmtree(folder)


def refuse_symbolic_links(output: Path) -> None:
    """Raise :class:`PublishError` naming the first link :func:`symbolic_links` finds (and how many)."""
    found = symbolic_links(output)
    if found:
        first = found[0]
        more = f" ({len(found)} links in all: {', '.join(str(p) for p in found[:5])})" if len(found) > 1 else ""
        raise PublishError(str(first), None, f"{first} is a symbolic link (to {os.readlink(first)}); publishing "
                           f"never writes through a link, which could overwrite a file outside {output}/" + more,
                           f"remove the link (rm {first}; its target is not touched), or, for a folder, "
                           "replace it with a real folder, then build again")


def recover(output: Path) -> None:
    """Undo a publication killed between the two renames of the fallback (file systems without an
    atomic exchange): put the previous release back; then delete what a killed publication left
    (a link in the staging folder's place is removed, never followed)."""
    staging = staging_folder(output)
    if staging.is_symlink():
        staging.unlink()
        return
    previous = staging / "previous"
    if not output.exists() and previous.is_dir() and not previous.is_symlink():
        os.rename(previous, output)
    _remove(staging)


def _writable(output: Path) -> None:
    """Raise :class:`PublishError` when *output* (or a file in it) cannot be written by this user."""
    for path in [output, *(p for p in output.rglob("*") if not p.is_symlink())] if output.is_dir() else []:
        if not os.access(path, os.W_OK):
            raise PublishError(str(path), None, f"{'the folder' if path.is_dir() else 'the file'} is read-only, "
                               f"so the release cannot be published to {output}/",
                               f"make it writable (chmod -R u+w {output}) and build again")


def _copy_contents(source: Path, target: Path) -> None:
    """Copy what folder *source* holds into *target* (writable, links as links), raising the first
    error as it is (``shutil.copytree`` would turn it into text)."""
    for path in sorted(source.rglob("*")):
        copy = target / path.relative_to(source)
        if path.is_symlink():
            copy.symlink_to(os.readlink(path))
        elif path.is_dir():
            copy.mkdir()
        else:
            shutil.copy2(path, copy)
            copy.chmod(copy.stat().st_mode | stat.S_IWUSR)


def swap_in(release: Path, output: Path, names: list[str]) -> None:
    """Make *output* hold the release's *names* (and whatever else it held), all at once."""
    staging = staging_folder(output)
    staging.mkdir(parents=True)
    new = staging / "output"
    new.mkdir()
    if output.is_dir():
        _copy_contents(output, new)
    for name in names:
        target = new / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(release / name, target)  # keeps mtimes, so published files look no newer than staged ones
    for path in sorted(new.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    if not output.is_dir():
        os.rename(new, output)
    elif not _exchange(new, output):
        os.rename(output, staging / "previous")
        os.rename(new, output)
    _remove(staging)


def publish_release(release: str | Path, output: str | Path, names: list[str]) -> list[str]:
    """Publish *names* from the staged *release* to *output* as one set; return the names that changed.

    Nothing is touched when every file is already identical. A failure
    (permissions, a full disk) is a :class:`PublishError`, with *output*
    left as it was and nothing left behind; so is a symbolic link in or on
    the way to *output* (:func:`refuse_symbolic_links`): nothing is ever
    written through one.
    """
    release, output = Path(release), Path(output)
    refuse_symbolic_links(output)
    recover(output)
    changed = files_differ(release, output, names)
    if not changed:
        return []
    _writable(output)
    try:
        swap_in(release, output, names)
    except OSError as exc:
        recover(output)
        raise (file_system_error(exc, f"publishing to {output}/", PublishError)
               or PublishError(str(exc.filename or output), None, f"publishing to {output}/ stopped: {exc.strerror}",
                               "fix the cause named, then build again")) from None
    return changed


# Beside the record of the last publication (build/published.json): the SHA-256 of every input it was built
# from, in the format of `sha256sum -c` (paths relative to the review folder), for the Makefile's fast path.
INPUT_HASHES = "inputs.sha256"


def input_hashes(record: str | Path) -> dict[str, str]:
    """``{path: sha256}`` of the inputs the publication recorded in *record* (build/published.json) built from."""
    record = Path(record)
    return dict(read_json(record).get("inputs", {})) if record.is_file() else {}


def touch_changed_inputs(review: str | Path, record: str | Path) -> list[str]:
    """Give every input whose content differs from what the last publication (*record*: its
    build/published.json) was built from, but whose modification time is not newer than that record, the
    time of now; return their paths.

    Staleness is decided by content: an edit saved with an older modification
    time (``cp -p``, ``rsync -a``, an unzipped file, a clock that was ahead)
    is still rebuilt, since Snakemake (9.27) compares modification times and
    consults checksums only for inputs newer than the outputs.
    """
    review, record = Path(review), Path(record)
    if not record.is_file():
        return []
    published_at = record.stat().st_mtime_ns
    touched = []
    for path, digest in sorted(input_hashes(record).items()):
        file = review / path
        if file.is_file() and not file.is_symlink() and file.stat().st_mtime_ns <= published_at \
                and file_record(file)["sha256"] != digest:
            os.utime(file)
            touched.append(path)
    return touched


@stage
def publish(*, release: str, names: list[str], output: str, out: str, log: str) -> None:
    """Publish the staged release to *output*; record the published files' hashes in *out*, with the
    inputs' hashes (from the staged manifest: what the release was built from) in *out* and, in the format
    of ``sha256sum -c``, in :data:`INPUT_HASHES` beside it."""
    changed = publish_release(release, output, names)
    if changed:
        where = Path(output).resolve()
        print(f"livingreview: published {', '.join(changed)} to {output}/ ({where})", flush=True)
        if "review.html" in names:
            print(f"livingreview: read it: {where / 'review.html'}", flush=True)
    else:
        print(f"livingreview: {output}/ already holds this release", flush=True)
    inputs = {path: record["sha256"] for path, record in read_json(Path(release) / "manifest.json")["inputs"].items()}
    write_atomic(Path(out).parent / INPUT_HASHES, "".join(f"{digest}  {path}\n" for path, digest in inputs.items()))
    write_json(out, {"output": output, "files": {name: file_record(Path(output) / name)["sha256"] for name in names},
                     "inputs": inputs})
    write_log(log, f"published {', '.join(changed)}" if changed else "nothing changed")
