"""Stage evidence: read and cross-check the review's data and bibliography
(livingreview.stages.evidence). Which data files, and how they are checked,
is the review's kind's (livingreview.kinds): a narrative review's studies
and themes, or a meta-analysis's studies, comparisons, the author's
decisions and conclusion statements, and the imported database release."""

from livingreview import parts  # noqa: E402
from livingreview.stages import evidence  # noqa: E402

# Each section's and figure's part of the evidence, written now (before Snakemake builds its graph) when its
# content changed (livingreview.parts): a job re-runs only when what it reads changed. When the data could
# not be read, the parts' readers wait for the evidence rule, which names the problem (CHECKED).
SPLIT = parts.split(KIND, {key: CFG[key] for key in KIND.all_data_files()}, BUILD, SECTION_TEMPLATES, TEMPLATES,
                    CODE_FILES, allow_invisible=CFG["allow_invisible_characters"])
CHECKED = [f"{BUILD}/evidence.json"] if SPLIT is None else []


rule evidence:
    """Validate the data files and the bibliography against the schemas and each other; write evidence.json."""
    input:
        **{key: CFG[key] for key in KIND.all_data_files()},
    output:
        f"{BUILD}/evidence.json",
    log:
        f"{BUILD}/logs/evidence.log",
    params:
        code=stage_code("evidence"),
        allow_invisible=CFG["allow_invisible_characters"],
        strict=CFG["strict"],
    run:
        evidence.load(kind=KIND, data={key: input[key] for key in KIND.all_data_files()},
                      allow_invisible=params.allow_invisible, strict=params.strict, out=output[0], log=log[0])
