"""Stage sections: render each section of the article from its template,
one job per section (livingreview.stages.sections); the names a template
receives follow the review's kind (narrative or meta-analysis: then also the
pooled effects of synthesis.csv)."""

from livingreview.stages import sections  # noqa: E402


if CFG["kind"] == "meta-analysis":

    rule sections:
        """Render sections/<section>.md.j2 with the evidence and the pooled effects; citations stay markers of keys."""
        input:
            evidence=f"{BUILD}/evidence.json",
            synthesis=staged(project.SYNTHESIS),
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
            sections.render_meta_analysis(section=wildcards.section, evidence=input.evidence,
                                          synthesis=input.synthesis, templates=params.templates, out=output[0],
                                          log=log[0])

else:

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
            code=stage_code("sections"),
            templates=TEMPLATES,
        wildcard_constraints:
            section="|".join(project.SECTIONS),
        run:
            sections.render(section=wildcards.section, evidence=input.evidence, templates=params.templates,
                            out=output[0], log=log[0])
