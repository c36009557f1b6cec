"""Facts about the project that several places need, each stated once.

A *review folder* holds one review's config, data, bibliography, own
templates and published release (the repository's top level is the seed
review; ``examples/*`` are others). The *pipeline* is the code that builds
any review folder: the Snakefile, ``workflow/`` and the shared templates.
"""

from __future__ import annotations

from pathlib import Path

# The pipeline this package is part of (the Snakefile beside workflow/): where its schemas are, and
# what `verify` and the benchmarks copy. A build never relies on it: it runs the Snakefile of the
# project the review folder is in (find_project), and the workflow checks that the package it imports
# is that project's own (check_package).
ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "workflow" / "schemas"
SHARED_TEMPLATES = ROOT / "templates"

# The pipeline's code, as globs relative to the repository root: the manifest
# hashes every file of it (the whole package, the logger plugin, the Snakefile,
# the rules, the schemas, the profile and the lock); each rule depends on the
# part its stage runs (:func:`livingreview.codegraph.stage_code_files`).
CODE = [
    "Snakefile",
    "profiles/default/config.yaml",
    "requirements.lock",
    "workflow/rules/*.smk",
    "workflow/schemas/*.yaml",
    "workflow/report/*.rst",
    "workflow/livingreview/**/*.py",
    "workflow/snakemake_logger_plugin_livingreview/*.py",
]
# What else the pipeline is made of (copied with the code by `verify`, the
# benchmark and the tests; each input it reads is hashed in the manifest).
PIPELINE = ["Snakefile", "profiles", "workflow", "templates", "requirements.lock"]
# What a review folder holds besides its release.
REVIEW_SOURCES = ["config", "data", "references.bib", "templates"]

# The sections of a narrative review's article, in document order: one template and one job each (a
# kind of review may have others: livingreview.kinds.ReviewKind.sections).
SECTIONS = ("introduction", "description", "conclusion")

# The release: what the workflow stages under <build_dir>/release/ and
# publishes to <output_dir>/ as one set: these files, and those of the
# review's kind (livingreview.kinds.ReviewKind.all_release_files). The
# manifest, which hashes the others, comes last.
MANIFEST = "manifest.json"
SNAPSHOT = "evidence.json"
# The changes report a living review publishes with each version after the first (stage changes).
CHANGES_REPORT = "changes.html"
RELEASE_FILES = ("review.md", "review.html", "review.pdf", "review.docx", "review.jats.xml", SNAPSHOT, "changes.md",
                 CHANGES_REPORT, MANIFEST)
# A meta-analytic review's pooled effects: every number its text prints about them.
SYNTHESIS = "synthesis.csv"
# Its other results, written with the pooled effects (rule synthesis): Egger's test for small-study
# effects, the tests of subgroup differences, and the summary of findings (certainty, NNT).
SMALL_STUDY_EFFECTS = "small_study_effects.csv"
SUBGROUP_DIFFERENCES = "subgroup_differences.csv"
SUMMARY_OF_FINDINGS = "summary_of_findings.csv"
SYNTHESIS_RESULTS = (SYNTHESIS, SMALL_STUDY_EFFECTS, SUBGROUP_DIFFERENCES, SUMMARY_OF_FINDINGS)


def code_files(root: str | Path = ROOT) -> list[Path]:
    """The files of :data:`CODE` under *root* (caches and hidden files left out), sorted."""
    root = Path(root)
    files = {path for pattern in CODE for path in root.glob(pattern)}
    return sorted(path for path in files if path.is_file() and "__pycache__" not in path.parts
                  and not path.name.startswith("."))


def fingerprint(files: list[str | Path]) -> str:
    """One SHA-256 of the contents of *files* (a rule's code), in the order given.

    Each rule takes it as a parameter: a change to that code re-runs the
    rule (Snakemake itself notices only a change to a rule's own lines).
    """
    import hashlib

    digest = hashlib.sha256()
    for path in files:
        digest.update(Path(path).as_posix().encode() + b"\0" + hashlib.sha256(Path(path).read_bytes()).digest())
    return digest.hexdigest()


def find_project(review: str | Path, fallback: str | Path | None = None) -> Path:
    """The project that review folder *review* belongs to: the first of *review* and the folders above
    it that holds a Snakefile beside ``workflow/livingreview`` (the folder itself for the seed review,
    the repository for ``examples/NAME``). A review folder outside any project (``make new
    REVIEW=../my-review``) belongs to the project of *fallback* (default: the working directory, where
    ``make`` runs). Raises :class:`ConfigError` when there is none."""
    from .errors import ConfigError

    for start in (Path(review), Path.cwd() if fallback is None else Path(fallback)):
        folder = start.resolve()
        for candidate in (folder, *folder.parents):
            if (candidate / "Snakefile").is_file() and (candidate / "workflow" / "livingreview").is_dir():
                return candidate
    raise ConfigError(str(review), None, "this folder is not inside a livingreview project (no Snakefile beside "
                      "workflow/livingreview/ in it or above it), and neither is the working directory",
                      "run the command in the project folder, with REVIEW= naming the review folder")


def check_package(project: str | Path) -> None:
    """Raise :class:`ConfigError` when the ``livingreview`` package imported is not the one in
    *project*'s ``workflow/`` (a virtual environment made for another copy of the project): the build
    would run that copy's code on this project's files."""
    from .errors import ConfigError

    own = (Path(project) / "workflow").resolve()
    if ROOT / "workflow" != own:
        raise ConfigError(str(Path(__file__).resolve()), None,
                          f"the livingreview package comes from {ROOT / 'workflow'}, not from this project's "
                          f"{own} (the virtual environment was made for another copy of the project)",
                          f"run `make review` in {project} (it points the environment at this copy), "
                          f"or put {own} first on PYTHONPATH")


def template_folders(review_templates: str | Path, shared: str | Path = SHARED_TEMPLATES,
                     kind_defaults: str | None = None) -> list[Path]:
    """Where templates are looked up: the review's own folder first, then its kind's default templates
    (*kind_defaults*, a folder of the shared one: ``kinds/meta-analysis``, see
    :attr:`livingreview.kinds.ReviewKind.default_templates`), then the shared one."""
    folders = [Path(review_templates), *([Path(shared) / kind_defaults] if kind_defaults else []), Path(shared)]
    unique = []
    for folder in folders:
        if not any(folder.resolve() == seen.resolve() for seen in unique):
            unique.append(folder)
    return unique


def find_template(name: str, folders: list[Path]) -> Path | None:
    """The file of template *name* (``pdf/template.typ``) in the first of *folders* that has it, or None."""
    for folder in folders:
        if (folder / name).is_file():
            return folder / name
    return None


def release_address(review: dict, name: str = "") -> str:
    """Where file *name* of this version's release (a file of ``output/``; "" for the release itself) is
    published: under the review's ``release_url`` (data/review.yaml), its ``{version}`` replaced by this
    version, so that a link to it works in every format, the PDF, Word and JATS files downloaded too; without
    ``release_url``, *name* itself, a link relative to the release's web page (review.html) that works only
    beside it."""
    base = review.get("release_url")
    if not base:
        return name
    base = base.replace("{version}", review["version"])
    return base + ("" if base.endswith("/") else "/") + name
