"""Stage article: number the citations, format the references and assemble
review.md (livingreview.stages.article)."""

from livingreview.stages import article  # noqa: E402


rule article:
    """Join the sections, number citations by first appearance, add the reference list and the front and back matter."""
    input:
        evidence=f"{BUILD}/evidence.json",
        sections=expand(f"{BUILD}/sections/{{section}}.md", section=project.SECTIONS),
        template=template("article.md.j2"),
        style=template(f"references/{CFG['reference_style']}.md.j2"),
    output:
        markdown=staged("review.md"),
        citations=f"{BUILD}/citations.json",
    log:
        f"{BUILD}/logs/article.log",
    params:
        code=CODE,
        templates=TEMPLATES,
        style=CFG["reference_style"],
    run:
        article.assemble(evidence=input.evidence, sections=input.sections, templates=params.templates,
                         style=params.style, out=output.markdown,
                         citations=output.citations, log=log[0])
