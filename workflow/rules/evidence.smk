"""Stage evidence: read and cross-check the review's data and bibliography
(livingreview.stages.evidence). The data model is the config's `kind`: a
narrative review (studies, themes) or a meta-analysis (studies, comparisons,
the author's decisions and conclusion statements, and the imported database
release)."""

from livingreview.stages import evidence  # noqa: E402


if CFG["kind"] == "meta-analysis":

    rule evidence:
        """Validate the tables, decisions, conclusions, database metadata and bibliography; write evidence.json."""
        input:
            studies=CFG["studies"],
            comparisons=CFG["comparisons"],
            decisions=CFG["decisions"],
            conclusions=CFG["conclusions"],
            database=CFG["database"],
            review=CFG["review"],
            bibliography=CFG["bibliography"],
        output:
            f"{BUILD}/evidence.json",
        log:
            f"{BUILD}/logs/evidence.log",
        params:
            code=stage_code("evidence"),
            allow_invisible=CFG["allow_invisible_characters"],
        run:
            evidence.load_meta_analysis(studies=input.studies, comparisons=input.comparisons,
                                        decisions=input.decisions, conclusions=input.conclusions,
                                        database=input.database, review=input.review,
                                        bibliography=input.bibliography, allow_invisible=params.allow_invisible,
                                        out=output[0], log=log[0])

else:

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
            code=stage_code("evidence"),
            allow_invisible=CFG["allow_invisible_characters"],
        run:
            evidence.load(studies=input.studies, themes=input.themes, review=input.review,
                          bibliography=input.bibliography, allow_invisible=params.allow_invisible,
                          out=output[0], log=log[0])
