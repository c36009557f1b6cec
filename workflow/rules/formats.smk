"""Stage formats: review.md as one standalone HTML page and as a PDF, with
pandoc and Typst (livingreview.stages.formats). The figures, referenced from
review.md, are put inline into the page and drawn into the PDF by the pandoc
filter pandoc/figures.lua."""

from livingreview.stages import formats  # noqa: E402


rule html:
    """review.md -> review.html (pandoc with pandoc/html.yaml and html/template.html)."""
    input:
        markdown=staged("review.md"),
        evidence=f"{BUILD}/evidence.json",
        citations=f"{BUILD}/citations.json",
        defaults=template("pandoc/html.yaml"),
        common=template("pandoc/common.yaml"),
        template=template("html/template.html"),
        style=template("html/style.css"),
        figures=list(FIGURE_FILES.values()),
        filter=template("pandoc/figures.lua"),
    output:
        html=report(staged("review.html"), category="Article", caption="../report/article.rst"),
        variables=f"{BUILD}/pandoc/html.yaml",
    log:
        f"{BUILD}/logs/html.log",
    params:
        code=CODE,
    run:
        formats.html(markdown=input.markdown, evidence=input.evidence, citations=input.citations,
                     defaults=input.defaults, template=input.template, figures=RELEASE,
                     variables=output.variables, out=output.html, log=log[0])


rule pdf:
    """review.md -> review.typ (pandoc with pandoc/typst.yaml and pdf/template.typ) -> review.pdf (Typst)."""
    input:
        markdown=staged("review.md"),
        evidence=f"{BUILD}/evidence.json",
        defaults=template("pandoc/typst.yaml"),
        common=template("pandoc/common.yaml"),
        template=template("pdf/template.typ"),
        fonts=font_files(TEMPLATES),
        figures=list(FIGURE_FILES.values()),
        filter=template("pandoc/figures.lua"),
    output:
        pdf=report(staged("review.pdf"), category="Article", caption="../report/article.rst"),
        typst=f"{BUILD}/review.typ",
        variables=f"{BUILD}/pandoc/typst.yaml",
    log:
        f"{BUILD}/logs/pdf.log",
    params:
        code=CODE,
        fonts=[f"{folder}/pdf/fonts" for folder in TEMPLATES],
    run:
        formats.pdf(markdown=input.markdown, evidence=input.evidence, defaults=input.defaults,
                    template=input.template, fonts=params.fonts, figures=RELEASE, variables=output.variables,
                    typst=output.typst, out=output.pdf, log=log[0])
