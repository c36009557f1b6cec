"""Stage article: the article with its citations and references formatted by
pandoc's citeproc: its syntax tree and review.md (livingreview.stages.article)."""

from livingreview.stages import article  # noqa: E402


rule article:
    """Join the sections with the front and back matter; pandoc's citeproc numbers and formats the citations and the reference list with the CSL style."""
    input:
        evidence=f"{BUILD}/evidence.json",
        sections=expand(f"{BUILD}/sections/{{section}}.md", section=KIND.sections),
        template=template("article.md.j2"),
        style=REFERENCE_STYLE_FILE,
        citeproc_defaults=template("pandoc/citeproc.yaml"),
        markdown_defaults=template("pandoc/markdown.yaml"),
        common=template("pandoc/common.yaml"),
    output:
        markdown=staged("review.md"),
        ast=f"{BUILD}/review.json",
        citeproc=directory(f"{BUILD}/citeproc"),
    log:
        f"{BUILD}/logs/article.log",
    params:
        code=stage_code("article"),
        templates=TEMPLATES,
        style=CFG["reference_style"],
    run:
        article.assemble(evidence=input.evidence, sections=input.sections, templates=params.templates,
                         style=input.style, name=params.style,
                         defaults={"citeproc": input.citeproc_defaults, "markdown": input.markdown_defaults},
                         out=output.markdown, ast=output.ast, citeproc=output.citeproc, log=log[0])
