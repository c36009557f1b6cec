"""Stage sections: render each section of the article from its template,
one job per section (livingreview.stages.sections); the names a template
receives are the review's kind's (livingreview.kinds), from the evidence and,
when the kind pools effects, synthesis.csv."""

from livingreview.stages import sections  # noqa: E402


rule sections:
    """Render sections/<section>.md.j2 into Markdown whose citations are pandoc citations ([@key])."""
    input:
        # The section's part of the evidence (livingreview.parts); evidence.json only when the data could not be read.
        part=parts.section_part_path(BUILD, "{section}"),
        checked=CHECKED,
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
        section="|".join(KIND.sections),
    run:
        sections.render(kind=KIND, section=wildcards.section, evidence=input.part, synthesis=SYNTHESIS,
                        templates=params.templates, out=output[0], log=log[0])


# Sections of the article that are release files of their own too (a meta-analysis's PRISMA 2020
# checklist, output/prisma-checklist.md): the rendered section as it is.
for section_name, release_name in KIND.section_files.items():

    rule:
        name:
            f"section_file_{section_name}"
        input:
            f"{BUILD}/sections/{section_name}.md",
        output:
            staged(release_name),
        log:
            f"{BUILD}/logs/sections/{section_name}-file.log",
        params:
            code=stage_code("sections"),
        run:
            sections.publish_section(section=input[0], out=output[0], log=log[0])
