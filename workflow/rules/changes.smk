"""Stage changes: this release's evidence snapshot, and the report of what
changed since the previous release (livingreview.stages.changes)."""

from livingreview.stages import changes  # noqa: E402

# A meta-analytic review's snapshot holds its pooled effects too, and its report has a template of its own.
SNAPSHOT_SYNTHESIS = [staged(project.SYNTHESIS)] if CFG["kind"] == "meta-analysis" else []
CHANGES_TEMPLATE = "changes/meta-analysis.md.j2" if CFG["kind"] == "meta-analysis" else "changes/changes.md.j2"


rule snapshot:
    """This build's evidence, numbering and paragraphs, with the baseline it is compared with."""
    input:
        evidence=f"{BUILD}/evidence.json",
        synthesis=SNAPSHOT_SYNTHESIS,
        citations=f"{BUILD}/citations.json",
        ast=f"{BUILD}/review.json",
        published=published_snapshot,
    output:
        staged(project.SNAPSHOT),
    log:
        f"{BUILD}/logs/snapshot.log",
    params:
        code=stage_code("changes"),
    run:
        changes.snapshot(evidence=input.evidence, synthesis=SNAPSHOT_SYNTHESIS[0] if SNAPSHOT_SYNTHESIS else None,
                         citations=input.citations, ast=input.ast,
                         published=input.published[0] if input.published else None, out=output[0], log=log[0])


rule changes:
    """changes.md (template changes/changes.md.j2, or changes/meta-analysis.md.j2) and changes.html (pandoc)."""
    input:
        snapshot=staged(project.SNAPSHOT),
        report=template(CHANGES_TEMPLATE),
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
        code=stage_code("changes"),
        templates=TEMPLATES,
    run:
        changes.report(snapshot=input.snapshot, templates=params.templates, name=CHANGES_TEMPLATE,
                       defaults=input.defaults,
                       template=input.template, variables=output.variables, markdown=output.markdown,
                       html=output.html, log=log[0])
