"""Stage synthesis, for a kind of review that pools effects (a meta-analysis): the pooled effects of
every analysis, written as synthesis.csv, and every conclusion statement's condition checked against them
(livingreview.stages.synthesis)."""

from livingreview.stages import synthesis  # noqa: E402

# The pooled effects, when the review's kind has them (None otherwise): the sections, the snapshot and
# the figures that print them read them.
SYNTHESIS = staged(project.SYNTHESIS) if KIND.synthesis else None
SYNTHESIS_FILES = [SYNTHESIS] if SYNTHESIS else []


if KIND.synthesis:

    rule synthesis:
        """Pool the included trials' post-treatment effects (overall, by control, by psychotherapy); check the guards."""
        input:
            evidence=f"{BUILD}/evidence.json",
        output:
            SYNTHESIS,
        log:
            f"{BUILD}/logs/synthesis.log",
        params:
            code=stage_code("synthesis"),
        run:
            synthesis.pool_effects(evidence=input.evidence, out=output[0], log=log[0])
