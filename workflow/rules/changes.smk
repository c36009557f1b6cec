"""Stage changes: this release's evidence snapshot, and the report of what
changed since the previous release (livingreview.stages.changes)."""

from livingreview.stages import changes  # noqa: E402

# The published release's snapshot: the baseline this build is compared with.
PUBLISHED_SNAPSHOT = f"{OUTPUT}/{project.SNAPSHOT}"


def published_snapshot(wildcards):
    """The published snapshot, when there is one (before the first release there is none)."""
    return [PUBLISHED_SNAPSHOT] if Path(PUBLISHED_SNAPSHOT).is_file() else []


rule snapshot:
    """This build's evidence, numbering and paragraphs, with the baseline it is compared with."""
    input:
        evidence=f"{BUILD}/evidence.json",
        citations=f"{BUILD}/citations.json",
        ast=f"{BUILD}/review.json",
        published=published_snapshot,
    output:
        staged(project.SNAPSHOT),
    log:
        f"{BUILD}/logs/snapshot.log",
    params:
        code=CODE,
    run:
        changes.snapshot(evidence=input.evidence, citations=input.citations, ast=input.ast,
                         published=PUBLISHED_SNAPSHOT, out=output[0], log=log[0])


rule changes:
    """changes.md (template changes/changes.md.j2) and changes.html (pandoc): what changed, and why."""
    input:
        snapshot=staged(project.SNAPSHOT),
        report=template("changes/changes.md.j2"),
        defaults=template("pandoc/changes.yaml"),
        common=template("pandoc/common.yaml"),
        template=template("changes/template.html"),
        style=template("changes/style.css"),
    output:
        markdown=staged("changes.md"),
        html=report(staged("changes.html"), category="Changes", caption="../report/changes.rst"),
        variables=f"{BUILD}/pandoc/changes.yaml",
    log:
        f"{BUILD}/logs/changes.log",
    params:
        code=CODE,
        templates=TEMPLATES,
    run:
        changes.report(snapshot=input.snapshot, templates=params.templates, defaults=input.defaults,
                       template=input.template, variables=output.variables, markdown=output.markdown,
                       html=output.html, log=log[0])
