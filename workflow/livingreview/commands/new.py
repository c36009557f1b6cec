"""``python -m livingreview new PATH --kind KIND`` (``make new REVIEW=PATH KIND=KIND``): start a review.

It writes a new review folder with a small example that builds at once
(``make review REVIEW=PATH``) and verifies (``make verify REVIEW=PATH``): its
``config/config.yaml``, its data (three studies for a narrative review; six
trials with their effect sizes, a database release, certainty rules and one
guarded conclusion for a meta-analysis), their BibTeX, an empty
``templates/`` folder and a README of its own. The example of each kind lies in
``workflow/livingreview/starters/KIND/``.

Templates are looked up in the review's ``templates/`` first, then in the
kind's default templates, then in the pipeline's shared ``templates/``
(:func:`livingreview.project.template_folders`): a new review starts with no
template of its own, whatever its kind (a narrative review's defaults are
the shared folder's section templates, a meta-analysis's those of
``templates/kinds/meta-analysis/``), and the author copies there only the
templates they change.

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
- `templates/`: your own templates (empty at first), looked up before the defaults of the
  kind ({defaults}) and the pipeline's shared ones (`templates/` in the project).
  To change a section's wording, copy its default here under the same name and edit the copy:
  `{example}` in the project → `templates/{example_name}` here. It then wins
  over the default. Copy only the templates you change: the others follow the pipeline's updates.
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
- `data/reference-corrections.csv`: bibliography entries you correct, replace or accept as incomplete.
- `data/methods-references.bib`: the works the Methods cite (Egger's test, I², the NNT...).
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
    defaults = "/".join(filter(None, ("templates", KINDS[kind].default_templates, "sections")))
    example_name = f"sections/{KINDS[kind].sections[-1]}.md.j2"
    shown = shown_path(review)
    (review / "README.md").write_text(README.format(
        title=title, kind=kind, project=ROOT, shown=shown, files=FILES[kind],
        defaults=f"`{defaults}/` in the project", example=f"{defaults}/{example_name.split('/')[-1]}",
        example_name=example_name, schemas="workflow/schemas/ in the project"), encoding="utf-8")
    (review / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    print(f"livingreview: wrote a new {kind} review in {shown}/ (an example to replace with your own evidence)\n"
          f"  next: make review REVIEW={shown}   then open {shown}/output/review.html\n"
          f"        make verify REVIEW={shown}   (see {shown}/README.md)", file=sys.stderr)
    return 0
