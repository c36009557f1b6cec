"""Shared set-up: the livingreview package on the path, the checked config,
the folders, the template lookup and the pipeline's code (an input of every
rule). The working directory is the review folder (`snakemake -d DIR`)."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(workflow.basedir) / "workflow"))

from livingreview import config as review_config  # noqa: E402
from livingreview import kinds as review_kinds  # noqa: E402
from livingreview import project  # noqa: E402
from livingreview.csl import is_csl_style  # noqa: E402
from livingreview.files import remove_leftovers  # noqa: E402
from livingreview.templates import template_file  # noqa: E402

CFG = review_config.check(config, pipeline=workflow.basedir)
BUILD = CFG["build_dir"]
RELEASE = f"{BUILD}/release"
OUTPUT = CFG["output_dir"]
# Where the published release's files are recorded once publishing succeeded.
PUBLISHED = f"{BUILD}/published.json"
# Template folders: the review's own first, then the shared ones of the pipeline.
TEMPLATES = [os.path.relpath(folder) for folder in project.template_folders(CFG["templates"])]
# The pipeline's code, and its fingerprint: a parameter of every rule, so that
# a change to the code re-runs the rules (Snakemake itself only notices a
# change to a rule's own lines).
CODE_FILES = [os.path.relpath(path) for path in project.code_files(workflow.basedir)]
CODE = project.fingerprint(CODE_FILES)


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
    """The template of the section being rendered."""
    return SECTION_TEMPLATES[wildcards.section]


def staged(name):
    """A file of the release, as staged before it is published."""
    return f"{RELEASE}/{name}"


# The review's kind (config key `kind`): its plugin, asked whatever differs between kinds of review.
KIND = review_kinds.get(CFG["kind"])
# The release files of this kind of review (the manifest last).
RELEASE_FILES = KIND.all_release_files()
# Each section's template (the kind's sections), found when the workflow is read (a missing one is named at once).
SECTION_TEMPLATES = {section: template(f"sections/{section}.md.j2") for section in KIND.sections}
# The published release's snapshot: the baseline this build is compared with.
PUBLISHED_SNAPSHOT = f"{OUTPUT}/{project.SNAPSHOT}"


def published_snapshot(wildcards):
    """The published snapshot, when there is one (before the first release there is none)."""
    return [PUBLISHED_SNAPSHOT] if Path(PUBLISHED_SNAPSHOT).is_file() else []



onstart:
    # What a build killed with SIGKILL may have left half written (never output/: see rule publish).
    remove_leftovers(BUILD)
