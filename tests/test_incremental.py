"""An edit re-runs only the jobs that read what it changed (livingreview.parts): shown with `snakemake -n`
on a copy of a built project, for the seed review (one study's description) and the Metapsy review (one
effect size); a dry run of unchanged data writes nothing."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from conftest import run_snakemake
from test_metapsy_review import NAME, metapsy_built  # noqa: F401 - the fixture, shared with those tests


def planned_jobs(project: Path, *args: str) -> list[str]:
    """The jobs a dry run of plain Snakemake in *project* plans, each as ``rule`` or ``rule:wildcards``."""
    result = run_snakemake(project, "-n", *args)
    assert result.returncode == 0, result.stdout + result.stderr
    jobs = []
    for block in re.split(r"\n(?=(?:local)?rule \w+:)", result.stdout):
        rule = re.match(r"(?:local)?rule (\w+):", block.strip())
        if rule:
            wildcards = re.search(r"wildcards: (\S+)", block)
            jobs.append(rule.group(1) + (f":{wildcards.group(1)}" if wildcards else ""))
    return sorted(jobs)


def edit_row(path: Path, row: int, old: str, new: str) -> None:
    """Replace *old* by *new* in line *row* (1: the header) of the CSV file *path*."""
    lines = path.read_text(encoding="utf-8").split("\n")
    assert old in lines[row - 1]
    lines[row - 1] = lines[row - 1].replace(old, new, 1)
    path.write_text("\n".join(lines), encoding="utf-8")


def copy_built(project: Path, target: Path) -> Path:
    """A copy of the built *project* (its build folder and Snakemake's records too, with their times)."""
    shutil.copytree(project, target, symlinks=True, ignore=shutil.ignore_patterns("__pycache__", "locks"))
    return target


def times(folder: Path) -> dict[str, int]:
    """Every file under *folder* (but Snakemake's own records, and the caches of the code in __pycache__:
    Python's bytecode, livingreview.codegraph's graph) with its modification time."""
    return {str(p): p.stat().st_mtime_ns for p in folder.rglob("*")
            if p.is_file() and ".snakemake" not in p.parts and "__pycache__" not in p.parts}


def test_a_description_edit_reruns_its_section_not_the_others_nor_the_design_map(built_project, tmp_path):
    project = copy_built(built_project, tmp_path / "project")
    before = times(project)
    # After a first release only the jobs that compare with it are left (the baseline is new), none that render.
    assert not any(job.startswith(("evidence", "sections", "design_map", "article", "html"))
                   for job in planned_jobs(project))
    assert times(project) == before, "a dry run of unchanged data wrote something"
    edit_row(project / "data" / "studies.csv", 2, "highlights that", "shows that")  # its description column
    jobs = planned_jobs(project)
    assert "sections:section=description" in jobs
    assert not any(job.startswith(("design_map", "sections:section=introduction", "sections:section=conclusion"))
                   for job in jobs), jobs
    assert {"evidence", "article", "html", "pdf", "docx", "jats"} <= set(jobs)


def test_an_effect_size_edit_does_not_redraw_the_flow_diagram(metapsy_built, tmp_path):  # noqa: F811
    project = copy_built(metapsy_built, tmp_path / "project")
    review = project / NAME
    assert planned_jobs(project, "-d", str(review)) == []
    comparisons = review / "data" / "comparisons.csv"
    row = comparisons.read_text(encoding="utf-8").split("\n")[1]
    effect = row.split(",")[13]  # column g
    edit_row(comparisons, 2, f",{effect},", f",{float(effect) + 0.01!r},")
    jobs = planned_jobs(project, "-d", str(review))
    assert {"evidence", "synthesis", "forest_plot", "article"} <= set(jobs), jobs
    assert "flow_diagram" not in jobs


def test_an_edit_of_the_kinds_methods_reruns_the_methods_that_extend_it(metapsy_built, tmp_path):  # noqa: F811
    """The Metapsy review's Methods extends the kind's (livingreview.templates.FolderLoader): the kind's
    template is an input of that section's job (livingreview.templates.template_files), so an edit of it
    re-runs the Methods, and no other section."""
    project = copy_built(metapsy_built, tmp_path / "project")
    methods = project / "templates" / "kinds" / "meta-analysis" / "sections" / "methods.md.j2"
    methods.write_text(methods.read_text(encoding="utf-8").replace("**Counting words.**", "**Counting terms.**"),
                       encoding="utf-8")
    jobs = planned_jobs(project, "-d", str(project / NAME))
    assert "sections:section=methods" in jobs and "manifest" in jobs
    assert [job for job in jobs if job.startswith("sections:")] == ["sections:section=methods"], jobs
