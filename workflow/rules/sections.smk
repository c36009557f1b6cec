"""Stage 2: render each section from its template, one job per section."""


rule render_section:
    """Render templates/sections/<section>.md.j2 into Markdown with citation markers."""
    input:
        evidence=f"{BUILD}/evidence.json",
        template=f"{TEMPLATES}/sections/{{section}}.md.j2",
        macros=f"{TEMPLATES}/macros.md.j2",
        code=CODE,
    output:
        f"{BUILD}/sections/{{section}}.md",
    log:
        f"{BUILD}/logs/render_section/{{section}}.log",
    wildcard_constraints:
        section="|".join(SECTIONS),
    run:
        step("render-section", wildcards.section, input.evidence, TEMPLATES, output[0], log=log[0])
