"""The folder is the project, and a code edit re-runs only what uses the code edited.

- A copy of a project (``cp -a``) builds with its own Snakefile, templates
  and code, even when the environment's package is another copy's, and its
  manifest lists only files inside it.
- Each rule's code parameter covers the modules its stage imports
  (:mod:`livingreview.codegraph`): after an edit to the JATS module, which
  only the formats stage imports, plain ``snakemake -n`` plans the formats'
  rules and the jobs that read their files, and nothing else.
- A build leaves nothing behind outside the project: ``python -m livingreview
  build`` leaves without the interpreter's tear-down (livingreview.__main__)
  but runs the exit handlers, one of which removes Snakemake's runtime cache.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, run_snakemake
from livingreview.codegraph import closure


def planned_jobs(project: Path) -> set[str]:
    """The rules plain ``snakemake -n`` would run in *project* (its job table)."""
    result = run_snakemake(project, "-n")
    assert result.returncode == 0, result.stderr
    text = result.stdout + result.stderr
    if "Nothing to be done" in text:
        return set()
    table = text.split("job ", 1)[1].split("total", 1)[0]
    return {match[0] for match in re.findall(r"^(\w+)\s+(\d+)$", table, re.M)}


def settled_copy(built_project: Path, target: Path) -> Path:
    """A copy of the built project after one more run of plain Snakemake, which then has nothing to do.

    (The first publication adds the published snapshot to the inputs of the rules that read it: the next
    run re-runs them once, and publishes the same bytes.)
    """
    shutil.copytree(built_project, target, symlinks=True)
    result = run_snakemake(target)
    assert result.returncode == 0, result.stderr
    assert planned_jobs(target) == set()
    return target


def append_comment(path: Path) -> None:
    """Edit a code file without changing what it does."""
    path.write_text(path.read_text(encoding="utf-8") + "# an edit\n", encoding="utf-8")


def test_a_module_is_in_the_code_of_the_stages_that_import_it_only():
    package = ROOT / "workflow" / "livingreview"
    jats = package / "jats.py"
    assert jats in closure(package, "livingreview.stages.formats")
    for stage in ("evidence", "synthesis", "sections", "figures", "article", "changes", "release"):
        assert jats not in closure(package, f"livingreview.stages.{stage}"), stage
    # An import of a module through another counts (figures -> changes), and so does the package's __init__.
    assert package / "stages" / "changes.py" in closure(package, "livingreview.stages.figures")
    assert package / "stages" / "__init__.py" in closure(package, "livingreview.stages.release")
    assert not any("commands" in path.parts for path in closure(package, "livingreview.stages.formats"))


def test_an_edit_to_one_module_re_runs_only_the_rules_that_use_it(built_project, tmp_path):
    project = settled_copy(built_project, tmp_path / "project")
    append_comment(project / "workflow" / "livingreview" / "jats.py")
    # The formats stage's rules (html, pdf, docx, jats), the manifest and the publication: not evidence,
    # sections, article (which writes the syntax tree), the figure, the snapshot or the changes report.
    assert planned_jobs(project) == {"html", "pdf", "docx", "jats", "manifest", "publish", "all"}


def test_an_edit_to_the_figures_module_re_runs_the_figure_and_what_shows_it(built_project, tmp_path):
    project = settled_copy(built_project, tmp_path / "project")
    append_comment(project / "workflow" / "livingreview" / "stages" / "figures.py")
    # The kind plugins name their drawing functions without importing the module: evidence, sections,
    # article, snapshot and changes do not re-run; the formats that show the figure do (JATS too: its
    # <alt-text> and <long-desc> are the figure's SVG title and description).
    assert planned_jobs(project) == {"design_map", "html", "pdf", "docx", "jats", "manifest", "publish", "all"}


def test_an_edit_to_code_no_stage_imports_re_runs_only_the_manifest(built_project, tmp_path):
    project = settled_copy(built_project, tmp_path / "project")
    append_comment(project / "workflow" / "livingreview" / "commands" / "bench.py")
    assert planned_jobs(project) == {"manifest", "publish", "all"}  # the manifest hashes all the code


def test_a_copied_project_builds_its_own_files(built_project, tmp_path):
    original = tmp_path / "original"
    shutil.copytree(built_project, original, symlinks=True)
    shutil.copy2(ROOT / "Makefile", original / "Makefile")
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-a", str(original), str(copy)], check=True)
    template = copy / "templates" / "sections" / "conclusion.md.j2"
    template.write_text(template.read_text(encoding="utf-8") + "\nOnly the copy says this.\n", encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}

    # An environment that imports the original's package (as a virtual environment made for it would):
    # the build is refused, with the fix.
    result = subprocess.run([sys.executable, "-m", "livingreview", "build"], cwd=copy,
                            env={**env, "PYTHONPATH": str(original / "workflow")}, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 1, result.stderr
    assert f"not from this project's {copy / 'workflow'}" in result.stderr and "fix: run `make review`" in \
        result.stderr, result.stderr

    # `make review` in the copy builds the copy's own files.
    venv = Path(sys.executable).parent.parent
    result = subprocess.run(["make", "--no-print-directory", "review", f"VENV={venv}", "INSTALL="], cwd=copy,
                            env={**env, "PYTHONPATH": str(original / "workflow")}, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Only the copy says this." in (copy / "output" / "review.md").read_text(encoding="utf-8")
    assert "Only the copy says this." not in (original / "output" / "review.md").read_text(encoding="utf-8")
    manifest = json.loads((copy / "output" / "manifest.json").read_text(encoding="utf-8"))
    outside = [path for path in manifest["inputs"] if path.startswith("..") or Path(path).is_absolute()]
    assert outside == [], outside
    assert "workflow/livingreview/stages/figures.py" in manifest["inputs"]
    assert "workflow/livingreview/commands/build.py" in manifest["inputs"]  # the whole package


def test_a_build_leaves_no_temporary_folder_in_snakemake_s_cache(built_project):
    """The session's build ran with XDG_CACHE_HOME beside the project (conftest.built_project): Snakemake
    made its runtime cache there, a temporary folder under snakemake-runtime-cache/, and it is gone."""
    runtime = built_project.parent / "cache" / "snakemake" / "snakemake" / "source-cache" / "snakemake-runtime-cache"
    assert runtime.is_dir()
    assert sorted(path.name for path in runtime.iterdir()) == []


def test_the_code_graph_is_read_from_the_source_once_until_a_module_changes(tmp_path, monkeypatch):
    """livingreview.codegraph keeps the graph in the package's __pycache__/codegraph.json, under a SHA-256 of
    every module: a second reading takes it from there; an edited module makes it read the source again."""
    from livingreview import codegraph

    package = tmp_path / "livingreview"
    shutil.copytree(ROOT / "workflow" / "livingreview", package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # PYTHONDONTWRITEBYTECODE: no cache is written
    codegraph.import_graph.__wrapped__(package)
    assert not (package / "__pycache__").exists()
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    read = []
    real = codegraph.imported_names
    monkeypatch.setattr(codegraph, "imported_names", lambda *args: read.append(args[1]) or real(*args))
    first = codegraph.import_graph.__wrapped__(package)
    assert len(read) == len(codegraph.module_files(package)) and (package / "__pycache__" / "codegraph.json").is_file()
    read.clear()
    assert codegraph.import_graph.__wrapped__(package) == first and read == []
    jats = package / "jats.py"
    jats.write_text(jats.read_text(encoding="utf-8") + "\nfrom . import pooling  # noqa\n", encoding="utf-8")
    graph = codegraph.import_graph.__wrapped__(package)
    assert read and "livingreview.pooling" in graph["livingreview.jats"] - first["livingreview.jats"]
