"""Shared set-up: the livingreview package on the path, the checked config,
the folders, the template lookup and the code of each stage (a parameter of
its rules). The working directory is the review folder (`snakemake -d DIR`)."""

import functools
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(workflow.basedir) / "workflow"))

from livingreview import codegraph  # noqa: E402
from livingreview import config as review_config  # noqa: E402
from livingreview import kinds as review_kinds  # noqa: E402
from livingreview import project  # noqa: E402
from livingreview import snakemake_fixes  # noqa: E402
from livingreview.csl import is_csl_style  # noqa: E402
from livingreview.files import remove_leftovers  # noqa: E402
from livingreview.templates import template_file, template_files  # noqa: E402

# A SIGTERM must stop the build, not hang it (a bug of Snakemake's scheduler: livingreview.snakemake_fixes).
snakemake_fixes.apply()
# The package imported must be this project's own (not that of the copy a virtual environment was made for).
project.check_package(workflow.basedir)
CFG = review_config.check(config, pipeline=workflow.basedir)
BUILD = CFG["build_dir"]
RELEASE = f"{BUILD}/release"
OUTPUT = CFG["output_dir"]
# Where the published release's files are recorded once publishing succeeded.
PUBLISHED = f"{BUILD}/published.json"
# The review's kind (config key `kind`): its plugin, asked whatever differs between kinds of review.
KIND = review_kinds.get(CFG["kind"])
# Template folders: the review's own first, then the kind's defaults and the shared ones of the pipeline.
TEMPLATES = [os.path.relpath(folder)
             for folder in project.template_folders(CFG["templates"], Path(workflow.basedir) / "templates",
                                                    KIND.default_templates)]
# The pipeline's code: every file of it is an input of the manifest.
CODE_FILES = [os.path.relpath(path) for path in project.code_files(workflow.basedir)]


@functools.cache
def stage_code(stage):
    """The fingerprint of the code a rule of *stage* runs (its `params: code=`): the Snakefile,
    this file, workflow/rules/STAGE.smk, requirements.lock, and the module livingreview.stages.STAGE
    with every package module it imports (livingreview.codegraph). Snakemake re-runs a job whose
    parameters changed, so an edit to one module re-runs only the rules whose stage uses it (and the
    jobs that read their outputs); Snakemake itself notices only a change to a rule's own lines."""
    return project.fingerprint(codegraph.stage_code_files(workflow.basedir, stage))


def template(name):
    """The template file *name* (e.g. "pdf/template.typ"): the review's own, else the shared one."""
    return template_file(name, TEMPLATES)


def font_files(folders):
    """The font files the PDF may use: those under pdf/fonts/ of each template folder."""
    return sorted(str(path) for folder in folders for path in Path(folder, "pdf", "fonts").glob("*")
                  if path.suffix.lower() in (".ttf", ".otf", ".ttc"))


# The reference style's CSL file: a built-in style's (templates/references/NAME.csl), or the review's own.
REFERENCE_STYLE_FILE = (CFG["reference_style"] if is_csl_style(CFG["reference_style"])
                        else template(f"references/{CFG['reference_style']}.csl"))



def section_template(wildcards):
    """The template files of the section being rendered: its template and those it extends or includes."""
    return SECTION_TEMPLATE_FILES[wildcards.section]


def staged(name):
    """A file of the release, as staged before it is published."""
    return f"{RELEASE}/{name}"


# The release files of this kind of review (the manifest last).
RELEASE_FILES = KIND.all_release_files()
# Each section's template (the kind's sections), found when the workflow is read (a missing one is named at once).
SECTION_TEMPLATES = {section: template(f"sections/{section}.md.j2") for section in KIND.sections}
# And the files each is made of: its own and those of the templates it extends or includes (a review's
# Methods extends the kind's), the inputs of the section's job.
SECTION_TEMPLATE_FILES = {section: template_files(f"sections/{section}.md.j2", TEMPLATES) for section in KIND.sections}


# Where the published release's snapshot is, or would be (before the first release there is none).
PUBLISHED_PLACE = f"{OUTPUT}/{project.SNAPSHOT}"


def published_snapshot(wildcards):
    """The published release's snapshot, the baseline this build is compared with: an input of the rules
    that read it, when there is one (before the first release there is none)."""
    return [PUBLISHED_PLACE] if Path(PUBLISHED_PLACE).is_file() else []


def published_state():
    """The record of the last publication (its modification time), or None: whether this run published."""
    return os.stat(PUBLISHED).st_mtime_ns if os.path.isfile(PUBLISHED) else None


onstart:
    # What a build killed with SIGKILL may have left half written (never output/: see rule publish).
    remove_leftovers(BUILD)
    PUBLISHED_AT_START.append(published_state())


# The record's state when the jobs started (set by onstart; read by onerror).
PUBLISHED_AT_START = []


onsuccess:
    snakemake_fixes.end_idle_timers()


onerror:
    snakemake_fixes.end_idle_timers()
    # Snakemake's own account of the failure went before (the failed job's log, shown by the logger plugin).
    if PUBLISHED_AT_START and published_state() != PUBLISHED_AT_START[0]:
        print(f"livingreview: the build stopped after publishing; {OUTPUT}/ holds the new release, whole",
              file=sys.stderr)
    else:
        print(f"livingreview: build failed; {OUTPUT}/ was left unchanged", file=sys.stderr)


# The jobs that hold the whole article (rules markdown, html, pdf, docx, jats and snapshot; pandoc takes some 30
# bytes of memory per byte of review.json, 0.4 GB at 2,000 studies) ask for the resource article_copies,
# whose limit profiles/default/config.yaml sets to 2. A syntax tree larger than this (about 1,100 studies
# of the seed's kind) is a large article.
LARGE_ARTICLE_BYTES = 8 * 2**20


def article_copies(wildcards, input):
    """How much of the resource article_copies a job that holds the whole article asks for: 1, so that two
    run side by side, or, for a large article (a syntax tree of more than LARGE_ARTICLE_BYTES), 2, the
    profile's whole limit, so that it runs alone (Snakemake evaluates this once review.json exists)."""
    return 2 if os.path.getsize(input.ast) > LARGE_ARTICLE_BYTES else 1
