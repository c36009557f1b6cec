"""Stage article: the article with its citations and references formatted by
pandoc's citeproc: its syntax tree (rule article), and review.md written from it
(rule markdown) (livingreview.stages.article)."""

from livingreview.stages import article  # noqa: E402


rule article:
    """Join the sections with the front and back matter; pandoc's citeproc numbers and formats the citations and the reference list with the CSL style."""
    input:
        evidence=f"{BUILD}/evidence.json",
        sections=expand(f"{BUILD}/sections/{{section}}.md", section=KIND.sections),
        template=template("article.md.j2"),
        style=REFERENCE_STYLE_FILE,
        citeproc_defaults=template("pandoc/citeproc.yaml"),
        common=template("pandoc/common.yaml"),
    output:
        ast=f"{BUILD}/review.json",
        citeproc=directory(f"{BUILD}/citeproc"),
    log:
        f"{BUILD}/logs/article.log",
    params:
        code=stage_code("article"),
        templates=TEMPLATES,
        style=CFG["reference_style"],
        # Citeproc's work, kept across builds (livingreview.citeproc_cache); not an output, which Snakemake deletes.
        cache=f"{BUILD}/cache/citeproc",
    run:
        article.assemble(evidence=input.evidence, sections=input.sections, templates=params.templates,
                         style=input.style, name=params.style,
                         defaults={"citeproc": input.citeproc_defaults}, ast=output.ast, citeproc=output.citeproc,
                         cache=params.cache, log=log[0])


rule markdown:
    """review.md: the article as the templates laid it out, each citation and the reference list the Markdown of what citeproc made of them (pandoc's Markdown writer)."""
    input:
        ast=f"{BUILD}/review.json",
        citeproc=f"{BUILD}/citeproc",
        defaults=template("pandoc/markdown.yaml"),
    output:
        staged("review.md"),
    log:
        f"{BUILD}/logs/markdown.log",
    resources:
        article_copies=article_copies,  # it holds the whole article (rules/common.smk)
    params:
        code=stage_code("article"),
    run:
        article.markdown(ast=input.ast, cited=f"{input.citeproc}/article.md", defaults=input.defaults,
                         out=output[0], log=log[0])
