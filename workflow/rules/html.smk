"""Stage 4a: convert review.md to one standalone HTML page with pandoc."""


rule convert_html:
    """review.md -> review.html via templates/pandoc/html.yaml and templates/html/."""
    input:
        markdown=f"{RELEASE}/review.md",
        evidence=f"{BUILD}/evidence.json",
        citations=f"{BUILD}/citations.json",
        look=[f"{TEMPLATES}/pandoc/common.yaml", f"{TEMPLATES}/pandoc/html.yaml",
              f"{TEMPLATES}/html/template.html", f"{TEMPLATES}/html/style.css"],
        code=CODE,
    output:
        f"{RELEASE}/review.html",
    log:
        f"{BUILD}/logs/convert_html.log",
    run:
        step("convert-html", input.markdown, input.evidence, input.citations, TEMPLATES, output[0], log=log[0])
