"""Stage evidence: read and cross-check the study dataset, the themes, the
review metadata and the bibliography (livingreview.stages.evidence)."""

from livingreview.stages import evidence  # noqa: E402


rule evidence:
    """Validate the data and the bibliography against the schemas and each other; write evidence.json."""
    input:
        studies=CFG["studies"],
        themes=CFG["themes"],
        review=CFG["review"],
        bibliography=CFG["bibliography"],
    output:
        f"{BUILD}/evidence.json",
    log:
        f"{BUILD}/logs/evidence.log",
    params:
        code=CODE,
        allow_invisible=CFG["allow_invisible_characters"],
    run:
        evidence.load(studies=input.studies, themes=input.themes, review=input.review,
                      bibliography=input.bibliography, allow_invisible=params.allow_invisible,
                      out=output[0], log=log[0])
