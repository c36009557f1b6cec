"""Stage 3: number the citations, format the references, assemble review.md."""


rule assemble_article:
    """Join the sections, number citations by first appearance, add the reference list."""
    input:
        evidence=f"{BUILD}/evidence.json",
        sections=expand(f"{BUILD}/sections/{{section}}.md", section=SECTIONS),
        template=f"{TEMPLATES}/article.md.j2",
        style=f"{TEMPLATES}/references/{CFG['reference_style']}.md.j2",
        code=CODE,
    output:
        markdown=f"{RELEASE}/review.md",
        citations=f"{BUILD}/citations.json",
    log:
        f"{BUILD}/logs/assemble_article.log",
    run:
        step("assemble-article", input.evidence, TEMPLATES, CFG["reference_style"], output.markdown,
             output.citations, *input.sections, log=log[0])
