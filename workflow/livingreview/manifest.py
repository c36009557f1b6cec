"""The release manifest: what went into a build, what came out, and with which tools.

``output/manifest.json`` records, for every input (data, bibliography,
templates, config, schemas, the pipeline's own code, the Snakefile and its
rules, requirements.lock) and every other release file, its path relative
to the project root, its size and its SHA-256; the versions of the tools
that shaped the output; and the review's version and date. It holds no
timestamp and no absolute path, and its keys are sorted, so the same inputs
with the same tools give the same bytes.

This module is imported by the Snakefile (to list the manifest rule's
inputs), so its top level uses the standard library only.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

MANIFEST = "manifest.json"
FORMAT = "livingreview-manifest/1"

# Inputs that are not named in the config: the code and environment of the build.
CODE_INPUTS = ["Snakefile", "config/config.yaml", "requirements.lock"]
CODE_GLOBS = ["workflow/rules/*.smk", "workflow/schemas/*.yaml", "workflow/livingreview/**/*.py"]
# Config keys naming one input file each.
DATA_KEYS = ["studies", "themes", "review", "bibliography"]

# Manifest key -> Python distribution whose version it records.
TOOL_DISTRIBUTIONS = {
    "snakemake": "snakemake",
    "typst": "typst",
    "jinja": "jinja2",
    "bibtexparser": "bibtexparser",
    "pypandoc-binary": "pypandoc-binary",
}


def _is_source(path: Path) -> bool:
    """A file that belongs to the sources (not a cache or an editor's leftover)."""
    return path.is_file() and "__pycache__" not in path.parts and not path.name.startswith(".")


def input_files(config: dict, root: str | Path = ".") -> list[str]:
    """Every file the build reads, as sorted POSIX paths relative to *root*.

    The data files named in *config*, every file under its templates folder,
    and the pipeline's code and pins (:data:`CODE_INPUTS`, :data:`CODE_GLOBS`).
    """
    root = Path(root)
    paths = {relative_path(root / config[key], root) for key in DATA_KEYS}
    paths.update(relative_path(root / name, root) for name in CODE_INPUTS)
    candidates = list((root / config["templates"]).rglob("*"))
    for pattern in CODE_GLOBS:
        candidates += root.glob(pattern)
    paths.update(relative_path(path, root) for path in candidates if _is_source(path))
    return sorted(paths)


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
    import platform
    from importlib.metadata import version

    from .convert import pandoc_version

    versions = {key: version(dist) for key, dist in TOOL_DISTRIBUTIONS.items()}
    versions["python"] = platform.python_version()
    versions["pandoc"] = pandoc_version()
    return versions


def typst_compiler_version(pdf: str | Path) -> str:
    """The version of the Typst compiler inside the typst package, as it names itself in *pdf*
    (its Creator field); "unknown" when the PDF does not say."""
    match = re.search(rb"Typst (\d+\.\d+\.\d+)", Path(pdf).read_bytes())
    return match.group(1).decode("ascii") if match else "unknown"


def review_identity(review: dict) -> dict[str, str]:
    """The review's title, DOI, version and publication date, from data/review.yaml."""
    return {
        "title": str(review["title"]),
        "doi": str(review["doi"]),
        "version": str(review["version"]),
        "date": str(review["dates"]["published"]),
    }


# Settings that change the outputs without changing any input file; verify
# rebuilds with the recorded values.
OUTPUT_OPTIONS = ("reference_style",)


def build_manifest(inputs: list[str], outputs: dict[str, str], review: dict, tools: dict[str, str],
                   options: dict[str, str] | None = None) -> dict:
    """The manifest as a dict.

    *inputs* are paths relative to the project root (the working directory);
    *outputs* maps each release file's published path (``output/review.md``)
    to the file to hash (the staged ``build/release/review.md``); *options*
    are the settings of :data:`OUTPUT_OPTIONS` the release was built with.
    """
    return {
        "format": FORMAT,
        "options": dict(sorted((options or {}).items())),
        "review": review_identity(review),
        "tools": dict(tools),
        "inputs": {relative_path(path): file_record(path) for path in inputs},
        "outputs": {relative_path(published): file_record(staged) for published, staged in outputs.items()},
    }


def write_manifest_step(out_json: str, review_yaml: str, output_dir: str, reference_style: str, *paths: str) -> None:
    """Write the manifest: ``OUT REVIEW_YAML OUTPUT_DIR STYLE RELEASE_FILE... --inputs INPUT...``.

    Release files are hashed where they are staged (beside *out_json*) and
    recorded under *output_dir*, where they are published.
    """
    import yaml

    from .files import write_json

    if "--inputs" not in paths:
        raise ValueError("write-manifest: expected --inputs before the list of inputs")
    split = paths.index("--inputs")
    release, inputs = paths[:split], paths[split + 1:]
    with open(review_yaml, encoding="utf-8") as handle:
        review = yaml.safe_load(handle)
    staging = Path(out_json).parent
    outputs = {f"{output_dir}/{relative_path(staged, staging)}": staged for staged in release}
    tools = tool_versions()
    pdfs = [staged for staged in release if staged.endswith(".pdf")]
    if pdfs:
        tools["typst-compiler"] = typst_compiler_version(pdfs[0])
    write_json(out_json, build_manifest(list(inputs), outputs, review, tools,
                                        {"reference_style": reference_style}))


def release_is_current(root: Path, config: dict, staged: Path, published: Path, names: list[str]) -> bool:
    """Whether a build has nothing to do: the staged release was built from
    exactly the current inputs (the same files with the same SHA-256, the same
    Python version and options, as its manifest records) and *published*
    holds every file of it byte for byte. Any doubt answers False, and the
    build then runs Snakemake as usual.
    """
    import json
    import platform

    try:
        manifest = json.loads((staged / MANIFEST).read_text(encoding="utf-8"))
        recorded = manifest["inputs"]
        if manifest["options"] != {option: config[option] for option in OUTPUT_OPTIONS}:
            return False
        if manifest["tools"]["python"] != platform.python_version():
            return False
    except (OSError, ValueError, KeyError, TypeError):
        return False
    current = input_files(config, root)
    if sorted(recorded) != current or any(file_record(root / path) != recorded[path] for path in current):
        return False
    return all((staged / name).is_file() and (published / name).is_file()
               and (staged / name).read_bytes() == (published / name).read_bytes() for name in names)

