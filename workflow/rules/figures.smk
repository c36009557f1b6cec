"""Stage figures: one rule, and one job, per figure of the review (livingreview.stages.figures), each an
SVG file of the release (project.FIGURES): a meta-analytic review's PRISMA 2020 flow diagram and forest
plot, a narrative review's map of its studies by theme and design."""

from livingreview.stages import figures  # noqa: E402

FIGURE_FILES = {name: staged(path) for name, path in project.FIGURES[CFG["kind"]].items()}
# Each figure as a PNG too, for the Word file (pandoc cannot give Word an SVG without a converter):
# build/figures/NAME.png beside the release's figures/NAME.svg.
PICTURE_FILES = {name: f"{BUILD}/{Path(path).with_suffix('.png')}"
                 for name, path in project.FIGURES[CFG["kind"]].items()}


if CFG["kind"] == "meta-analysis":

    rule flow_diagram:
        """The PRISMA 2020 flow diagram: the database release's search flow, and this version's trials."""
        input:
            evidence=f"{BUILD}/evidence.json",
            # The previous version, for the boxes of an update; its modification time is not a change
            # (publishing rewrites it), its content follows the version in evidence.json.
            published=lambda wildcards: [ancient(path) for path in published_snapshot(wildcards)],
        output:
            svg=FIGURE_FILES["flow"],
            png=PICTURE_FILES["flow"],
        log:
            f"{BUILD}/logs/figures/flow.log",
        params:
            code=stage_code("figures"),
        run:
            figures.flow_diagram(evidence=input.evidence, published=input.published[0] if input.published else None,
                                 out=output.svg,
                                 picture=output.png, log=log[0])

    rule forest_plot:
        """The forest plot of the pooled estimates by control condition and by psychotherapy (synthesis.csv)."""
        input:
            synthesis=staged(project.SYNTHESIS),
        output:
            svg=FIGURE_FILES["forest"],
            png=PICTURE_FILES["forest"],
        log:
            f"{BUILD}/logs/figures/forest.log",
        params:
            code=stage_code("figures"),
        run:
            figures.forest_plot(synthesis=input.synthesis, out=output.svg, picture=output.png, log=log[0])

else:

    rule design_map:
        """The map of the included studies by theme (in narrative order) and design."""
        input:
            evidence=f"{BUILD}/evidence.json",
        output:
            svg=FIGURE_FILES["designs"],
            png=PICTURE_FILES["designs"],
        log:
            f"{BUILD}/logs/figures/designs.log",
        params:
            code=stage_code("figures"),
        run:
            figures.design_map(evidence=input.evidence, out=output.svg, picture=output.png, log=log[0])
