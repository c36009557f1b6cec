"""Stage sections: render each section of the article from its template,
one job per section (livingreview.stages.sections)."""

from livingreview.stages import sections  # noqa: E402


rule sections:
    """Render sections/<section>.md.j2 into Markdown whose citations are markers of the keys cited."""
    input:
        evidence=f"{BUILD}/evidence.json",
        template=section_template,
    output:
        f"{BUILD}/sections/{{section}}.md",
    log:
        f"{BUILD}/logs/sections/{{section}}.log",
    params:
        code=CODE,
        templates=TEMPLATES,
    wildcard_constraints:
        section="|".join(project.SECTIONS),
    run:
        sections.render(section=wildcards.section, evidence=input.evidence, templates=params.templates,
                        out=output[0], log=log[0])
