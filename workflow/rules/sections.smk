"""Stage sections: render each section of the article from its template,
one job per section (livingreview.stages.sections); the names a template
receives follow the review's kind (narrative or meta-analysis)."""

from livingreview.stages import sections  # noqa: E402

RENDER_SECTION = sections.render_meta_analysis if CFG["kind"] == "meta-analysis" else sections.render


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
        RENDER_SECTION(section=wildcards.section, evidence=input.evidence, templates=params.templates,
                       out=output[0], log=log[0])
