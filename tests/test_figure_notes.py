"""Every figure's text stands within the figure: a long note under a figure is wrapped to the figure's width
(livingreview.stages.figures.note_lines), never cut off at its right edge (Figure 2's note was: "... or its
largest or smalles"). Checked on the drawn figures with matplotlib's renderer, at the figures stage."""

from __future__ import annotations

from pathlib import Path

from livingreview.stages import figures
from livingreview.stages.synthesis import read_results

ROOT = Path(__file__).resolve().parents[1]
SYNTHESIS = ROOT / "examples" / "metapsy-depression" / "output" / "synthesis.csv"


def outside(figure) -> list[str]:
    """The texts of *figure* whose drawn extent leaves the figure (a pixel of tolerance)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    bounds = figure.bbox
    return [text.get_text() for text in figure.findobj(lambda a: hasattr(a, "get_text") and a.get_text())
            if (box := text.get_window_extent(renderer)).x0 < bounds.x0 - 1 or box.x1 > bounds.x1 + 1
            or box.y0 < bounds.y0 - 1 or box.y1 > bounds.y1 + 1]


def test_a_long_note_is_wrapped_to_the_width_given():
    text = " ".join(["a note that goes on"] * 8)
    lines = figures.note_lines(text, 3.0)
    assert len(lines) >= 3 and " ".join(lines) == text
    figure = figures.new_figure(3.2, 2.0)
    note = figures.draw_note(figure, 0.1, 0.06, lines)
    assert outside(figure) == []
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    assert note.get_window_extent(canvas.get_renderer()).width <= 3.0 * figure.dpi + 1


def test_the_forest_plot_and_its_note_stand_within_the_figure():
    rows = figures.forest_rows(read_results(SYNTHESIS))
    figure = figures.draw_forest(rows)
    assert outside(figure) == []
    notes = [t.get_text() for t in figure.texts if t.get_text().startswith("Random effects")]
    assert notes and notes[0].replace("\n", " ").endswith("or its largest or smallest effect size. Participants: summed over the trials that report them.")


def test_the_funnel_plot_and_its_note_stand_within_the_figure():
    effects, ses = [0.2 + 0.1 * i for i in range(12)], [0.05 + 0.03 * i for i in range(12)]
    egger = {"limit_g": 0.1234, "slope": 2.0}
    assert outside(figures.draw_funnel(effects, ses, 0.71, egger)) == []


def test_a_note_breaks_at_spaces_not_at_no_break_spaces():
    lines = figures.note_lines("the limit estimate at SE\u00a0=\u00a00 " * 6, 1.5)
    assert all("SE\u00a0=\u00a00" in line or "SE" not in line for line in lines)
