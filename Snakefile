"""livingreview: regenerate the review from data/ and references.bib.

Stages: parse the bibliography and load the evidence; render each section;
assemble review.md; convert it to HTML and PDF; snapshot the evidence and
report the changes since the previous version; write the manifest. The
release is staged under build/release/ and published to output/ as a set by
`python -m livingreview build` (see README).
"""

from snakemake.utils import min_version

min_version("9.16")


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/evidence.smk"
include: "workflow/rules/sections.smk"
include: "workflow/rules/article.smk"
include: "workflow/rules/html.smk"
include: "workflow/rules/pdf.smk"
include: "workflow/rules/changes.smk"
include: "workflow/rules/manifest.smk"
include: "workflow/rules/checks.smk"


rule all:
    """The staged release (livingreview.release.RELEASE_FILES) under build/release/."""
    default_target: True
    input:
        [f"{RELEASE}/{name}" for name in RELEASE_FILES],
