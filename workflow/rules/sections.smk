"""Stage sections: render each section of the article from its template,
one job per section (livingreview.stages.sections); the names a template
receives are the review's kind's (livingreview.kinds), from the evidence and,
when the kind pools effects, synthesis.csv."""

from livingreview.stages import sections  # noqa: E402


rule sections:
    """Render sections/<section>.md.j2 into Markdown whose citations are markers of the keys cited."""
    input:
        evidence=f"{BUILD}/evidence.json",
        synthesis=SYNTHESIS_FILES,
        template=section_template,
    output:
        f"{BUILD}/sections/{{section}}.md",
    log:
        f"{BUILD}/logs/sections/{{section}}.log",
    params:
        code=stage_code("sections"),
        templates=TEMPLATES,
    wildcard_constraints:
        section="|".join(project.SECTIONS),
    run:
        sections.render(kind=KIND, section=wildcards.section, evidence=input.evidence, synthesis=SYNTHESIS,
                        templates=params.templates, out=output[0], log=log[0])
