"""Stage synthesis (meta-analytic reviews only): the pooled effects of every analysis, written as
synthesis.csv, and every conclusion statement's condition checked against them
(livingreview.stages.synthesis)."""

from livingreview.stages import synthesis  # noqa: E402


if CFG["kind"] == "meta-analysis":

    rule synthesis:
        """Pool the included trials' post-treatment effects (overall, by control, by psychotherapy); check the guards."""
        input:
            evidence=f"{BUILD}/evidence.json",
        output:
            staged(project.SYNTHESIS),
        log:
            f"{BUILD}/logs/synthesis.log",
        params:
            code=stage_code("synthesis"),
        run:
            synthesis.pool_effects(evidence=input.evidence, out=output[0], log=log[0])
