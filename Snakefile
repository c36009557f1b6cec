"""livingreview: regenerate a review article from its evidence (data/ and references.bib).

Stages, one rule file each under workflow/rules/: read and check the
evidence; pool the effects (a meta-analytic review); render each section;
draw each figure; assemble review.md; convert it to HTML and PDF;
snapshot the evidence and report the changes since the previous release;
write the manifest and publish the release to output/ as one set.
Run it in a review folder: `snakemake` here builds the seed review,
`snakemake -d examples/NAME` another (see README).
"""

from snakemake.utils import min_version

min_version("9.27")


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/evidence.smk"
include: "workflow/rules/synthesis.smk"
include: "workflow/rules/sections.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/article.smk"
include: "workflow/rules/formats.smk"
include: "workflow/rules/changes.smk"
include: "workflow/rules/release.smk"


rule all:
    """The release, published: output/ holds every release file built from the current evidence."""
    default_target: True
    input:
        PUBLISHED,
