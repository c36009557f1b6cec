"""Stage figures: one rule, and one job, per figure of the review's kind (livingreview.kinds: its
`figures`, each drawn by a stage function of livingreview.stages.figures), each an SVG file of the release: a
meta-analytic review's PRISMA 2020 flow diagram and forest plot, a narrative review's map of its studies
by theme and design."""

from livingreview.stages import figures  # noqa: E402

FIGURES = {figure.name: figure for figure in KIND.figures}
FIGURE_FILES = {name: staged(path) for name, path in KIND.figure_files().items()}
# Each figure as a PNG too, for the Word file (pandoc cannot give Word an SVG without a converter):
# build/figures/NAME.png beside the release's figures/NAME.svg.
PICTURE_FILES = {name: f"{BUILD}/{Path(path).with_suffix('.png')}" for name, path in KIND.figure_files().items()}


def figure_inputs(figure):
    """The input files of *figure*'s rule, by the names of its inputs (livingreview.kinds.Figure)."""
    files = {
        # The figure's part of the evidence (livingreview.parts); evidence.json only when the data could not be read.
        "evidence": parts.figure_part_path(BUILD, figure.name),
        "synthesis": SYNTHESIS_FILES,
        # The previous version, for the boxes of an update; its modification time is not a change
        # (publishing rewrites it), its content follows the version in evidence.json.
        "published": lambda wildcards: [ancient(path) for path in published_snapshot(wildcards)],
    }
    return {"checked": CHECKED, **{name: files[name] for name in figure.inputs}}


def figure_arguments(name, input):
    """The path arguments of figure *name*'s drawing function: one per input it reads, from its rule's
    declared *input* (the published snapshot is None before the first release, when there is none)."""
    published = input.get("published")
    paths = {"evidence": parts.figure_part_path(BUILD, name), "synthesis": SYNTHESIS,
             "published": published[0] if published else None}
    return {key: paths[key] for key in FIGURES[name].inputs}


for figure in KIND.figures:

    rule:
        name:
            figure.rule
        input:
            **figure_inputs(figure),
        output:
            svg=FIGURE_FILES[figure.name],
            png=PICTURE_FILES[figure.name],
        log:
            f"{BUILD}/logs/figures/{figure.name}.log",
        params:
            code=stage_code("figures"),
            figure=figure.name,
        run:
            draw = getattr(figures, FIGURES[params.figure].function)
            draw(**figure_arguments(params.figure, input), out=output.svg, picture=output.png, log=log[0])
