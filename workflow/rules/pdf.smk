"""Stage 4b: convert review.md to Typst with pandoc and compile the PDF with Typst."""


rule render_pdf:
    """review.md -> review.typ -> review.pdf (bundled fonts only, dated by the review)."""
    input:
        markdown=f"{RELEASE}/review.md",
        evidence=f"{BUILD}/evidence.json",
        look=[f"{TEMPLATES}/pandoc/common.yaml", f"{TEMPLATES}/pandoc/typst.yaml",
              f"{TEMPLATES}/pdf/template.typ"],
        code=CODE,
    output:
        typst=f"{BUILD}/review.typ",
        pdf=f"{RELEASE}/review.pdf",
    log:
        f"{BUILD}/logs/render_pdf.log",
    run:
        step("render-pdf", input.markdown, input.evidence, TEMPLATES, output.typst, output.pdf, log=log[0])
