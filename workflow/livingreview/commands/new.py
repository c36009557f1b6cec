"""``python -m livingreview new PATH --kind KIND`` (``make new REVIEW=PATH KIND=KIND``): start a review.

It writes a new review folder with a small example that builds at once
(``make review REVIEW=PATH``) and verifies (``make verify REVIEW=PATH``): its
``config/config.yaml``, its data (three studies for a narrative review; six
trials with their effect sizes, a database release, certainty rules and one
guarded conclusion for a meta-analysis), their BibTeX, a ``templates/``
folder and a README of its own. The example of each kind lies in
``workflow/livingreview/starters/KIND/``.

Templates are looked up in the review's ``templates/`` first, then in the
pipeline's shared ``templates/``: a narrative review starts with no template
of its own (the shared section templates are the narrative kind's), and the
author copies only the templates they change. The shared folder has no
section templates of the meta-analysis kind (its section names, such as
``introduction``, are also the narrative kind's), so a meta-analysis starts
with its own copy of them in ``templates/sections/``.

The folder may lie outside the project (``make new REVIEW=../my-review``):
a build finds the project from the working directory then (see
:func:`livingreview.project.find_project`).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from ..errors import ConfigError
from ..kinds import KINDS
from ..project import ROOT

# The examples that `new` copies, one folder per kind of review.
STARTERS = Path(__file__).resolve().parents[1] / "starters"

README = """\
# {title}

A living review built with [livingreview]({project}) (kind: {kind}). `make new` wrote this folder
with a small example: replace it with your own evidence.

## The files

{files}
- `templates/`: your own templates, looked up before the pipeline's shared ones
  ({shared}). Copy a template there only when you change it.{own_templates}
- `output/`: the published release (written by `make review`; commit it).
- `build/`, `.snakemake/`: intermediate files (not to commit).

## The commands (run them in the project folder, `{project}`)

    make review REVIEW={shown}     # build and publish output/review.{{md,html,pdf,docx,jats.xml}}
    make verify REVIEW={shown}     # rebuild in a temporary folder and compare with output/
    make clean REVIEW={shown}      # remove build/ and .snakemake/ (never output/)

Every data file and config key is described by a JSON Schema in {schemas}.
"""

FILES = {
    "narrative": """\
- `config/config.yaml`: where the data are, the reference style, the build and output folders.
- `data/studies.csv`: one row per study (its theme and the sentences the article says about it).
- `data/themes.csv`: the themes, in article order, and the conclusion statement of each.
- `data/review.yaml`: title, authors, journal, dates, licence, the framing sentences.
- `references.bib`: one BibTeX entry per study (the key links the two).""",
    "meta-analysis": """\
- `config/config.yaml`: where the data are, the control event rate, the build and output folders.
- `data/studies.csv`: one row per trial (its characteristics and risk of bias).
- `data/comparisons.csv`: one row per effect size (Hedges' g and its standard error).
- `data/database.yaml`: the database release the trials come from, with its search flow.
- `data/decisions.csv`: the trials you exclude, and why.
- `data/conclusions.csv`: conclusion statements, each with the condition on the pooled numbers
  under which it is printed (a guarded conclusion).
- `data/certainty.yaml`: the GRADE-style rules of the certainty of the evidence.
- `data/reference-corrections.csv`: bibliography entries you correct or accept as incomplete.
- `data/review.yaml`: title, authors, journal, dates, licence, the framing sentences.
- `references.bib`: one BibTeX entry per trial, and the database's.""",
}

GITIGNORE = "build/\n.snakemake/\n.output.publish/\n"


def refuse_existing(folder: Path) -> None:
    """Raise :class:`ConfigError` when *folder* exists and is a file or a folder with anything in it."""
    if folder.is_file() or (folder.exists() and not folder.is_dir()):
        raise ConfigError(str(folder), None, "this path exists and is not a folder; `new` writes a new review folder",
                          "choose another path for the review (REVIEW=...)")
    if folder.is_dir() and any(folder.iterdir()):
        found = sorted(path.name for path in folder.iterdir())
        shown = ", ".join(found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
        raise ConfigError(str(folder), None, f"this folder exists and is not empty ({shown}); `new` never writes "
                          "over files", "choose a new path for the review (REVIEW=...), or empty that folder first")


def shown_path(folder: Path) -> str:
    """*folder* as the author would type it in the project folder (relative to the working directory)."""
    relative = os.path.relpath(folder.resolve(), Path.cwd())
    return relative if len(relative) <= len(str(folder.resolve())) else str(folder.resolve())


def new(review: Path, kind: str) -> int:
    """Write a new review folder *review* of kind *kind* with the kind's example; print the next steps."""
    if kind not in KINDS or not (STARTERS / kind).is_dir():
        raise ConfigError("KIND", kind, f"there is no kind of review named {kind!r}",
                          "use KIND=" + " or KIND=".join(sorted(KINDS)))
    refuse_existing(review)
    shutil.copytree(STARTERS / kind, review, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", ".*"))
    (review / "templates").mkdir(exist_ok=True)
    import yaml

    title = yaml.safe_load((review / "data" / "review.yaml").read_text(encoding="utf-8"))["title"]
    own = sorted(path.relative_to(review / "templates").as_posix()
                 for path in (review / "templates").rglob("*") if path.is_file())
    own_templates = ("\n  This review's kind has no shared section templates: its own are in `templates/sections/` "
                     "(" + ", ".join(f"`{name}`" for name in own) + ").") if own else ""
    shown = shown_path(review)
    (review / "README.md").write_text(README.format(
        title=title, kind=kind, project=ROOT, shown=shown, files=FILES[kind],
        shared="templates/ in the project", own_templates=own_templates,
        schemas="workflow/schemas/ in the project"), encoding="utf-8")
    (review / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    print(f"livingreview: wrote a new {kind} review in {shown}/ (an example to replace with your own evidence)\n"
          f"  next: make review REVIEW={shown}   then open {shown}/output/review.html\n"
          f"        make verify REVIEW={shown}   (see {shown}/README.md)", file=sys.stderr)
    return 0
