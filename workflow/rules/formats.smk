"""Stage formats: the article as one standalone HTML page, as a PDF (pandoc and
Typst), as a Word file and as JATS XML (livingreview.stages.formats), each
written from the article's syntax tree (rule article: formatted by pandoc's
citeproc, its citations Cite nodes that name their keys). The figures,
referenced from review.md, are put inline into the page and drawn into the PDF
by the pandoc filter pandoc/figures.lua, and embedded in the Word file."""

from livingreview.stages import formats  # noqa: E402


rule html:
    """The syntax tree -> review.html (pandoc with pandoc/html.yaml and html/template.html)."""
    input:
        ast=f"{BUILD}/review.json",
        evidence=f"{BUILD}/evidence.json",
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
    resources:
        article_copies=article_copies,
    params:
        code=stage_code("formats"),
    run:
        formats.html(ast=input.ast, evidence=input.evidence,
                     defaults=input.defaults, template=input.template, figures=RELEASE,
                     variables=output.variables, out=output.html, log=log[0])


rule pdf:
    """The syntax tree -> review.typ (pandoc with pandoc/typst.yaml and pdf/template.typ) -> review.pdf (Typst)."""
    input:
        ast=f"{BUILD}/review.json",
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
    resources:
        article_copies=article_copies,
    params:
        code=stage_code("formats"),
        fonts=[f"{folder}/pdf/fonts" for folder in TEMPLATES],
        links=CFG["pdf_citation_links"],
    run:
        formats.pdf(ast=input.ast, evidence=input.evidence, defaults=input.defaults,
                    template=input.template, fonts=params.fonts, figures=RELEASE, variables=output.variables,
                    typst=output.typst, out=output.pdf, log=log[0], links=params.links)


rule docx:
    """The syntax tree -> review.docx (pandoc with pandoc/docx.yaml; dated by the review, same bytes every build)."""
    input:
        ast=f"{BUILD}/review.json",
        markdown=staged("review.md"),
        evidence=f"{BUILD}/evidence.json",
        defaults=template("pandoc/docx.yaml"),
        common=template("pandoc/common.yaml"),
        pictures=list(PICTURE_FILES.values()),
        figures=list(FIGURE_FILES.values()),
    output:
        docx=staged("review.docx"),
        variables=f"{BUILD}/pandoc/docx.yaml",
    log:
        f"{BUILD}/logs/docx.log",
    resources:
        article_copies=article_copies,
    params:
        code=stage_code("formats"),
        line_numbers=CFG["docx_line_numbers"],
        page_numbers=CFG["docx_page_numbers"],
    run:
        formats.docx(ast=input.ast, markdown=input.markdown, evidence=input.evidence, defaults=input.defaults,
                     pictures=BUILD, figures=RELEASE, variables=output.variables, out=output.docx, log=log[0],
                     line_numbers=params.line_numbers, page_numbers=params.page_numbers)


rule jats:
    """The article's syntax tree -> review.jats.xml (pandoc's JATS writer, jats/template.xml), the references as structured entries."""
    input:
        ast=f"{BUILD}/review.json",
        evidence=f"{BUILD}/evidence.json",
        defaults=template("pandoc/jats.yaml"),
        template=template("jats/template.xml"),
        figures=list(FIGURE_FILES.values()),
    output:
        jats=staged("review.jats.xml"),
        variables=f"{BUILD}/pandoc/jats.yaml",
    log:
        f"{BUILD}/logs/jats.log",
    resources:
        article_copies=article_copies,
    params:
        code=stage_code("formats"),
    run:
        formats.jats(ast=input.ast, evidence=input.evidence, defaults=input.defaults,
                     template=input.template, figures=RELEASE, variables=output.variables,
                     out=output.jats, log=log[0])
