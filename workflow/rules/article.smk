"""Stage article: number the citations, format the references and assemble
review.md (livingreview.stages.article)."""

from livingreview.stages import article  # noqa: E402


rule article:
    """Join the sections, number citations by first appearance, add the reference list and the front and back matter."""
    input:
        evidence=f"{BUILD}/evidence.json",
        sections=expand(f"{BUILD}/sections/{{section}}.md", section=project.SECTIONS),
        template=template("article.md.j2"),
        style=REFERENCE_STYLE_FILE,
        citeproc_defaults=template("pandoc/citeproc.yaml"),
        markdown_defaults=template("pandoc/markdown.yaml"),
        common=template("pandoc/common.yaml"),
    output:
        markdown=staged("review.md"),
        citations=f"{BUILD}/citations.json",
        citeproc=directory(f"{BUILD}/citeproc"),
    log:
        f"{BUILD}/logs/article.log",
    params:
        code=stage_code("article"),
        templates=TEMPLATES,
        style=CFG["reference_style"],
    run:
        article.assemble(evidence=input.evidence, sections=input.sections, templates=params.templates,
                         style=params.style, defaults={"citeproc": input.citeproc_defaults, "markdown": input.markdown_defaults},
                         out=output.markdown, citations=output.citations, citeproc=output.citeproc, log=log[0])
