"""Stage 1: load and cross-check the evidence: study dataset, themes, review
metadata and bibliography."""


rule load_evidence:
    """Validate data/ and references.bib against workflow/schemas and each other; write evidence.json."""
    input:
        studies=CFG["studies"],
        themes=CFG["themes"],
        review=CFG["review"],
        bib=CFG["bibliography"],
        schemas=[f"workflow/schemas/{name}.schema.yaml" for name in ("studies", "themes", "review")],
        code=CODE,
    output:
        f"{BUILD}/evidence.json",
    log:
        f"{BUILD}/logs/load_evidence.log",
    run:
        step("load-evidence", input.studies, input.themes, input.review, input.bib, output[0], log=log[0])
