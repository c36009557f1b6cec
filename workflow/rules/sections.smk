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
    shell:
        f"{STEP} render-section {{wildcards.section}} {{input.evidence:q}} {shlex.quote(TEMPLATES)}"
        f" {{output:q}} 2> {{log:q}}"
