"""Stage changes: this release's evidence snapshot, and the report of what
changed since the previous release (livingreview.stages.changes)."""

from livingreview.stages import changes  # noqa: E402

# When the published snapshot is missing, the stage is given where it would be (PUBLISHED_PLACE) and reads
# the manifest beside it: a later version must not be reported as the first release.

rule snapshot:
    """This build's evidence, numbering and paragraphs, with the baseline it is compared with."""
    input:
        evidence=f"{BUILD}/evidence.json",
        synthesis=SYNTHESIS_FILES,
        ast=f"{BUILD}/review.json",
        published=published_snapshot,
    output:
        staged(project.SNAPSHOT),
    log:
        f"{BUILD}/logs/snapshot.log",
    resources:
        article_copies=article_copies,  # it holds the whole article too (rules/common.smk)
    params:
        code=stage_code("changes"),
    run:
        changes.snapshot(kind=KIND, evidence=input.evidence, synthesis=SYNTHESIS, ast=input.ast,
                         published=input.published[0] if input.published else PUBLISHED_PLACE, out=output[0],
                         log=log[0])


rule changes:
    """changes.md (the template of the review's kind, e.g. changes/changes.md.j2) and changes.html (pandoc)."""
    input:
        snapshot=staged(project.SNAPSHOT),
        report=template(KIND.changes_template),
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
        changes.report(kind=KIND, snapshot=input.snapshot, templates=params.templates, defaults=input.defaults,
                       template=input.template, variables=output.variables, markdown=output.markdown,
                       html=output.html, log=log[0])
