"""Facts about the project that several places need, each stated once.

A *review folder* holds one review's config, data, bibliography, own
templates and published release (the repository's top level is the seed
review; ``examples/*`` are others). The *pipeline* is the code that builds
any review folder: the Snakefile, ``workflow/`` and the shared templates.
"""

from __future__ import annotations

from pathlib import Path

# The repository: the Snakefile beside workflow/.
ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "workflow" / "schemas"
SHARED_TEMPLATES = ROOT / "templates"
PROFILE = ROOT / "profiles" / "default" / "config.yaml"

# The pipeline's code, as globs relative to the repository root: every rule
# depends on it (Snakemake only notices a change to a rule's own code), the
# manifest hashes it, and `verify` and the tests copy it. It is every file of
# code that can change an output: the whole package (its commands, e.g. build.py
# which runs Snakemake, and its importers included), the Snakefile, the rules,
# the schemas, the profile, the lock file and the logger plugin; the templates
# are hashed as the inputs of the rules that read them.
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
RELEASE_FILES = ("review.md", "review.html", "review.pdf", "review.docx", "review.jats.xml", SNAPSHOT, "changes.md",
                 "changes.html", MANIFEST)
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
    """One SHA-256 of the contents of *files* (the pipeline's code), in the order given.

    Every rule takes it as a parameter: a change to the code re-runs the
    rules (Snakemake itself notices only a change to a rule's own lines),
    and it costs one pass over the code when the workflow is read.
    """
    import hashlib

    digest = hashlib.sha256()
    for path in files:
        digest.update(Path(path).as_posix().encode() + b"\0" + hashlib.sha256(Path(path).read_bytes()).digest())
    return digest.hexdigest()


def template_folders(review_templates: str | Path, shared: str | Path = SHARED_TEMPLATES) -> list[Path]:
    """Where templates are looked up: the review's own folder first, then the shared one."""
    folders = [Path(review_templates), Path(shared)]
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
