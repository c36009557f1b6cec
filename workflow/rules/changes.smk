"""Stage 5: the evidence snapshot of this build and the changes report since
the previous version (livingreview.snapshot, livingreview.report)."""

# The published release's snapshot: the baseline this build is compared with.
# The publisher copies release files with their modification times, so that
# publishing this rule's own output does not make it out of date; a snapshot
# that changes otherwise (git checkout of another output/) re-runs the rule.
# Where output/ has no snapshot yet, the first publication adds this input,
# which re-runs the rule once more (to the same result).
PUBLISHED_SNAPSHOT = f"{CFG['output_dir']}/evidence.json"


def published_snapshot(wildcards):
    """The published evidence.json, when there is one (before the first release there is none)."""
    return [PUBLISHED_SNAPSHOT] if Path(PUBLISHED_SNAPSHOT).is_file() else []


rule snapshot_evidence:
    """This build's evidence, numbering and paragraphs, with the baseline it is compared with."""
    input:
        evidence=f"{BUILD}/evidence.json",
        citations=f"{BUILD}/citations.json",
        markdown=f"{RELEASE}/review.md",
        published=published_snapshot,
        code=CODE,
    output:
        f"{RELEASE}/evidence.json",
    log:
        f"{BUILD}/logs/snapshot_evidence.log",
    run:
        step("snapshot-evidence", input.evidence, input.citations, input.markdown, PUBLISHED_SNAPSHOT,
             output[0], log=log[0])


rule report_changes:
    """changes.md and changes.html: what changed since the baseline, and why."""
    input:
        snapshot=f"{RELEASE}/evidence.json",
        style=f"{TEMPLATES}/changes/style.css",
        code=CODE,
    output:
        markdown=f"{RELEASE}/changes.md",
        html=f"{RELEASE}/changes.html",
    log:
        f"{BUILD}/logs/report_changes.log",
    run:
        step("report-changes", input.snapshot, input.style, output.markdown, output.html, log=log[0])
