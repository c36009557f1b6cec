"""Stage synthesis, for a kind of review that pools effects (a meta-analysis): the pooled effects of
every analysis with their sensitivity analyses, written as synthesis.csv, Egger's test
(small_study_effects.csv), the tests of subgroup differences (subgroup_differences.csv) and the summary
of findings (summary_of_findings.csv), and every conclusion statement's condition checked against them
(livingreview.stages.synthesis)."""

from livingreview.stages import synthesis  # noqa: E402

# The pooled effects, when the review's kind has them (None otherwise): the sections, the snapshot and
# the figures that print them read them.
SYNTHESIS = staged(project.SYNTHESIS) if KIND.synthesis else None
# All the synthesis stage writes (the sections, snapshot and figures read them beside synthesis.csv).
SYNTHESIS_FILES = [staged(name) for name in project.SYNTHESIS_RESULTS] if KIND.synthesis else []


if KIND.synthesis:

    rule synthesis:
        """Pool the included trials' post-treatment effects (overall, by control, by psychotherapy, sensitivity);
        test small-study effects and subgroup differences; rate the certainty; check the guards."""
        input:
            evidence=f"{BUILD}/evidence.json",
        output:
            synthesis=SYNTHESIS,
            small_study=staged(project.SMALL_STUDY_EFFECTS),
            subgroups=staged(project.SUBGROUP_DIFFERENCES),
            findings=staged(project.SUMMARY_OF_FINDINGS),
        log:
            f"{BUILD}/logs/synthesis.log",
        params:
            code=stage_code("synthesis"),
            control_event_rate=CFG["control_event_rate"],
        run:
            synthesis.pool_effects(evidence=input.evidence, out=output.synthesis, small_study=output.small_study,
                                   subgroups=output.subgroups, findings=output.findings,
                                   control_event_rate=params.control_event_rate, log=log[0])
