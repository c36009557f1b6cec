"""Stage ``figures``: the review's figures, one SVG file of the release each, drawn with matplotlib.

- a meta-analytic review's PRISMA 2020 flow diagram (:func:`flow_diagram`),
  from its database release's search flow, its trials and, for an update,
  the previous version's;
- its forest plot of the pooled estimates by control condition and by
  psychotherapy (:func:`forest_plot`), from ``synthesis.csv``, numbers
  rounded by the same function as the text's;
- its funnel plot (:func:`funnel_plot`): each trial's effect (its effect
  sizes combined, as the overall analysis pools them) against its standard
  error, with the pooled effect, the pseudo 95 % confidence region and
  Egger's regression line;
- a narrative review's map of its included studies by theme and design
  (:func:`design_map`).

The same inputs give the same bytes, whatever the machine, folder, time zone
or hash seed: the SVG backend's hash salt is fixed, the file carries no date,
every text is drawn as paths with the DejaVu Sans font that ships with
matplotlib (never a system font), and the figures are drawn with matplotlib's
object-oriented interface (no pyplot state), one at a time (matplotlib is not
thread-safe, and figure jobs may run in threads of one process). Text from
data is drawn as it is, never read as mathtext. Each file carries its text alternative (``<title>`` and
``<desc>``, ``role="img"``) and ids of its own (prefixed with the figure's
name), so that the HTML page can hold several figures inline; it has no XML
declaration, so that it can be pasted into the page as it is.

matplotlib is imported inside the functions that draw: the Snakefile imports
this module when it is read.
"""

from __future__ import annotations

import html
import io
import re
import textwrap
import threading
from pathlib import Path

from ..compare_meta import trial_flow
from ..files import read_json, write_atomic, write_log
from ..guards import text_numbers
from ..kinds.narrative import design_order
from ..meta_analysis import long_date, pooled_context
from ..pooling import OVERALL_LEVEL, egger_test, post_comparisons, printed, trial_effects
from ..schemas import labels
from ..search_flow import check_flow, outside_text, unaccounted_text
from ..templates import upper_first
from . import stage
from .changes import choose_baseline, make_snapshot, read_previous
from .synthesis import read_results, read_synthesis

# matplotlib is not thread-safe, and figure jobs may run in threads of one process (make review): one at a time.
_DRAWING = threading.Lock()
# The salt of the SVG backend's ids (clip paths, markers): any fixed text makes them reproducible.
HASH_SALT = "livingreview"
INK, MUTED, ACCENT, RULE = "#1b1b1b", "#555555", "#1f4e79", "#b8b8b8"
WIDTH = 6.3  # inches: the PDF's text width
MARGIN = 0.063  # inches: the space a note keeps from the figure's left and right edges


# --- drawing, and the SVG file -----------------------------------------------------------

def _font(size: float, bold: bool = False):
    """DejaVu Sans (or Bold) at *size* points, from matplotlib's own font files (never a system font)."""
    import matplotlib
    from matplotlib.font_manager import FontProperties

    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return FontProperties(fname=str(Path(matplotlib.get_data_path(), "fonts", "ttf", name)), size=size)


def new_figure(width: float, height: float):
    """A matplotlib figure of *width* x *height* inches with an SVG canvas (no pyplot), for reproducible SVG."""
    import matplotlib

    matplotlib.rcParams["svg.hashsalt"] = HASH_SALT
    matplotlib.rcParams["svg.fonttype"] = "path"
    matplotlib.rcParams["svg.image_inline"] = True
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height))
    FigureCanvasSVG(figure)
    return figure


def svg_text(figure, name: str, title: str, description: str) -> str:
    """*figure* as SVG text for the release: no XML declaration, doctype or metadata (the manifest records
    matplotlib's version), every id prefixed with *name*, ``role="img"`` with the *title* and *description*
    (escaped) as its text alternative."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, count=1, flags=re.DOTALL)  # matplotlib's own credits
    # matplotlib's style sheet (*{stroke-linejoin: round; stroke-linecap: butt}) would apply to the whole page
    # the figure is inlined into: the same strokes as attributes of the figure's root, which its shapes inherit.
    svg = re.sub(r"\s*<style[^>]*>.*?</style>", "", svg, count=1, flags=re.DOTALL)
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{name}-{m.group(1)}"', svg)
    svg = re.sub(r'(xlink:href|href)="#([^"]+)"', lambda m: f'{m.group(1)}="#{name}-{m.group(2)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{name}-{m.group(1)})", svg)
    opening = svg[:svg.index(">") + 1]
    labelled = (opening[:-1] + ' stroke-linejoin="round" stroke-linecap="butt"'
                f' role="img" aria-labelledby="{name}-title {name}-desc">')
    alternative = (f'\n <title id="{name}-title">{html.escape(title)}</title>'
                   f'\n <desc id="{name}-desc">{html.escape(description)}</desc>')
    return labelled + alternative + svg[len(opening):]


def save_figure(figure, name: str, title: str, description: str, out: str, picture: str) -> None:
    """Write *figure* as the release's SVG file *out* (see :func:`svg_text`) and as the PNG *picture* (for
    the Word file, which pandoc cannot give an SVG without a converter): 200 dpi, no metadata, so that the
    same figure gives the same bytes."""
    write_atomic(out, svg_text(figure, name, title, description))
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=200, metadata={"Software": None})
    write_atomic(picture, buffer.getvalue())


def _text(axes, x: float, y: float, text: str, size: float = 8, bold: bool = False, color: str = INK, **kwargs):
    """Draw *text* at (x, y) in DejaVu Sans: as it is, never read as mathtext ("$5 and $10" stays text)."""
    return axes.text(x, y, text, fontproperties=_font(size, bold), color=color, parse_math=False, **kwargs)


NOTE_SIZE = 6.5  # points: the note under a figure
NOTE_SPACING = 1.2  # its lines' spacing, in font sizes (matplotlib's default)


def note_lines(text: str, width: float, size: float = NOTE_SIZE) -> list[str]:
    """*text* broken at its spaces (not its no-break spaces) into lines each no wider than *width* inches
    in DejaVu Sans at *size* points, so that a figure's note never runs off its right edge: measured as the
    SVG draws it (text as paths) and as Agg draws it at 72, 100 (matplotlib's default) and 200 dpi (the
    PNG's), whose hinted glyphs differ in width by up to 8 %, the widest of them."""
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.textpath import TextToPath

    paths, font = TextToPath(), _font(size)
    renderers = [RendererAgg(1, 1, dpi) for dpi in (72, 100, 200)]

    def inches(line: str) -> float:
        return max(paths.get_text_width_height_descent(line, font, ismath=False)[0] / 72,
                   *(r.get_text_width_height_descent(line, font, ismath=False)[0] / r.dpi for r in renderers))

    lines: list[str] = []
    for word in text.split(" "):  # at spaces only: a no-break space ("SE\u00a0=\u00a00") holds
        joined = f"{lines[-1]} {word}" if lines else word
        if lines and inches(joined) <= width:
            lines[-1] = joined
        else:
            lines.append(word)
    return lines


def note_height(lines: list[str], size: float = NOTE_SIZE) -> float:
    """The height in inches of a note of *lines*, beyond its first line's (what it adds to a figure)."""
    return (len(lines) - 1) * size * NOTE_SPACING / 72


def draw_note(figure, x: float, y: float, lines: list[str], size: float = NOTE_SIZE):
    """Draw the note *lines* (:func:`note_lines`) with its bottom at (*x*, *y*), in inches from the figure's
    lower left corner, in the muted colour."""
    width, height = figure.get_size_inches()
    return figure.text(x / width, y / height, "\n".join(lines), fontproperties=_font(size), color=MUTED,
                       parse_math=False, va="bottom", linespacing=NOTE_SPACING)


def count(n) -> str:
    """A count with thousands separators ("21,563"); "not reported" when the release does not give it."""
    return f"{int(n):,}" if isinstance(n, (int, float)) and not isinstance(n, bool) else "not reported"


# --- the forest plot ------------------------------------------------------------------------

# The sensitivity analyses as the forest plot labels them: shorter than Table 3's labels
# (livingreview.meta_analysis.SENSITIVITY_LABELS), in its words ("effect size", one comparison's g).
FOREST_SENSITIVITY = {"low-rob": "Low risk of bias", "outliers-removed": "Outliers removed",
                      "oversized-arms-removed": "Analysed > randomised removed",
                      "largest": "Largest effect size per trial", "smallest": "Smallest effect size per trial"}


def forest_rows(table: dict[tuple[str, str], dict[str, str]]) -> list[dict]:
    """The rows of the forest plot in order: the overall estimate, a heading and each control condition, a
    heading and each psychotherapy (in the order of Table 2: :func:`livingreview.meta_analysis.by_trials`),
    a heading and each sensitivity analysis of the overall effect, with their numbers as the text prints
    them."""
    pooled = pooled_context(table)
    rows = [dict(pooled["overall"], kind="estimate", label="All trials")] if pooled["overall"] else []
    for analysis, heading in (("control", "By control condition"), ("therapy", "By psychotherapy")):
        if pooled[analysis]:
            rows.append({"kind": "heading", "label": heading})
            rows += [dict(row, kind="estimate", label=upper_first(row["label"]))
                     for row in pooled[analysis].values()]
    sensitivity = [(level, label) for level, label in FOREST_SENSITIVITY.items() if ("sensitivity", level) in table]
    if sensitivity:
        rows.append({"kind": "heading", "label": "Sensitivity analyses (all trials)"})
        rows += [dict(text_numbers(table[("sensitivity", level)]), kind="estimate", label=label,
                      analysis="sensitivity", code=level) for level, label in sensitivity]
    for row in rows:
        if row["kind"] == "estimate":
            raw = table[(row["analysis"], row["code"])]
            row["values"] = tuple(float(raw[name]) for name in ("g", "ci_low", "ci_high"))
    return rows


def forest_description(rows: list[dict]) -> str:
    """The forest plot as text: each estimate with its interval, trials and participants."""
    parts = ["Pooled Hedges' g with 95 % confidence intervals (random effects; positive values favour "
             "psychotherapy)."]
    for row in rows:
        if row["kind"] == "heading":
            parts.append(f"{row['label']}:")
        else:
            parts.append(f"{row['label']}: g = {row['g']} ({row['ci_low']} to {row['ci_high']}), {row['k']} trials, "
                         f"{row['participants']} participants.")
    return " ".join(parts)


def draw_forest(rows: list[dict]):
    """The forest plot's matplotlib figure: one line per estimate (diamond at g, line across its interval),
    with its trials, participants and numbers in columns."""
    import math

    from matplotlib.transforms import blended_transform_factory

    line = 0.24  # inches per row
    sensitivity = any(row.get("analysis") == "sensitivity" for row in rows)
    note = note_lines("Random effects (Paule-Mandel tau²), post-treatment; one effect per trial: its effect sizes "
                      "combined (correlation 0.5)" + (", or its largest or smallest effect size." if sensitivity
                                                      else ".")
                      + " Participants: summed over the trials that report them.", WIDTH - 2 * MARGIN)
    top, bottom = 0.45, 0.55 + note_height(note)
    height = top + bottom + line * len(rows)
    figure = new_figure(WIDTH, height)
    left, right = 0.54, 0.765
    axes = figure.add_axes((left, bottom / height, right - left, line * len(rows) / height))
    lows = [r["values"][1] for r in rows if r["kind"] == "estimate"]
    highs = [r["values"][2] for r in rows if r["kind"] == "estimate"]
    low = math.floor(min([0.0, *lows]) * 2) / 2
    high = math.ceil(max([0.5, *highs]) * 2) / 2
    axes.set_xlim(low, high)
    axes.set_ylim(len(rows) - 0.5, -0.5)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.spines["bottom"].set_color(MUTED)
    axes.set_yticks([])
    ticks = [low + 0.5 * i for i in range(int(round((high - low) / 0.5)) + 1)]
    axes.set_xticks(ticks, [printed(t, 1) for t in ticks], fontproperties=_font(7.5), color=INK)
    axes.tick_params(axis="x", colors=MUTED, length=3)
    axes.set_xlabel("Hedges' g (positive values favour psychotherapy)", fontproperties=_font(7.5), color=INK)
    axes.axvline(0, color=RULE, linewidth=0.8, linestyle=(0, (3, 2)), zorder=0)
    columns = blended_transform_factory(figure.transFigure, axes.transData)
    for x, text, align in ((0.01, "Analysis", "left"), (0.385, "Trials", "right"), (0.515, "Participants", "right"),
                           (0.78, "g (95 % CI)", "left")):
        _text(axes, x, -1.2, text, 7.5, True, transform=columns, ha=align, va="center")
    for index, row in enumerate(rows):
        if row["kind"] == "heading":
            _text(axes, 0.01, index, row["label"], 8, True, ACCENT, transform=columns, va="center")
            continue
        overall = row["analysis"] == "overall"
        g, ci_low, ci_high = row["values"]
        indent = 0.01 if overall else 0.025
        _text(axes, indent, index, row["label"], 8, overall, transform=columns, va="center")
        _text(axes, 0.385, index, row["k"], 8, overall, transform=columns, va="center", ha="right")
        _text(axes, 0.515, index, row["participants"], 8, overall, transform=columns, va="center", ha="right")
        _text(axes, 0.78, index, f"{row['g']} ({row['ci_low']} to {row['ci_high']})", 8, overall, transform=columns,
              va="center")
        axes.plot([ci_low, ci_high], [index, index], color=INK, linewidth=1.0, solid_capstyle="butt")
        size = 0.32 if overall else 0.22
        axes.fill([ci_low, g, ci_high, g], [index, index - size, index, index + size], color=ACCENT if overall
                  else INK, linewidth=0)
    draw_note(figure, MARGIN, 0.06, note)
    return figure


@stage
def forest_plot(*, synthesis: str, out: str, picture: str, log: str) -> None:
    """synthesis.csv -> the forest plot (SVG *out*, PNG *picture*) of the overall estimate and the estimates
    by control condition and by psychotherapy."""
    rows = forest_rows(read_synthesis(Path(synthesis).read_text(encoding="utf-8")))
    with _DRAWING:
        figure = draw_forest(rows)
        save_figure(figure, "forest", "Forest plot of the pooled effects", forest_description(rows), out, picture)
    write_log(log, f"forest plot: {sum(r['kind'] == 'estimate' for r in rows)} estimates")


# --- the funnel plot ---------------------------------------------------------------------------

def funnel_points(evidence: dict) -> tuple[list[float], list[float]]:
    """Each included trial's effect and standard error, as the overall analysis pools them."""
    _, effects, variances = trial_effects(post_comparisons(evidence["comparisons"], evidence["included"]))
    return effects, [v ** 0.5 for v in variances]


def funnel_description(k: int, g: str, egger: dict | None) -> str:
    """The funnel plot as text."""
    text = (f"Funnel plot of {k} trials: each trial's Hedges' g against its standard error (larger trials at the "
            f"top), around the pooled g = {g} with its pseudo 95 % confidence region.")
    if egger:
        text += (f" Egger's regression line meets the top of the plot (SE = 0) at the limit estimate g = "
                 f"{printed(egger['limit_g'], 2)}.")
    return text


def draw_funnel(effects: list[float], ses: list[float], g: float, egger: dict | None):
    """The funnel plot's matplotlib figure: the trials as points (g against SE, SE growing downwards), the
    pooled g as a vertical line, g ± 1.96 SE as the funnel, Egger's line from the limit estimate."""
    import math

    legend = f"Pooled g\u00a0=\u00a0{printed(g, 2)} (blue); pseudo 95\u00a0% region (shaded)"
    if egger:
        legend += (f"; Egger's line (red, dashed) to the limit estimate g\u00a0=\u00a0{printed(egger['limit_g'], 2)} "
                   "at SE\u00a0=\u00a00")
    note = note_lines(legend, WIDTH - 0.63 - MARGIN)
    extra = note_height(note)  # the figure grows by the note's lines beyond the first, below the axes
    height = 4.2 + extra
    figure = new_figure(WIDTH, height)
    axes = figure.add_axes((0.1, (0.13 * 4.2 + extra) / height, 0.86, 0.82 * 4.2 / height))
    top = max(ses) * 1.05
    z = 1.959963984540054
    axes.fill([g - z * top, g, g + z * top], [top, 0, top], color="#eef2f7", linewidth=0, zorder=0)
    axes.plot([g - z * top, g, g + z * top], [top, 0, top], color=RULE, linewidth=0.8, zorder=1)
    axes.axvline(g, color=ACCENT, linewidth=1.0, zorder=2)
    axes.axvline(0, color=RULE, linewidth=0.8, linestyle=(0, (3, 2)), zorder=1)
    axes.scatter(effects, ses, s=7, color=INK, alpha=0.55, linewidths=0, zorder=3)
    if egger:
        axes.plot([egger["limit_g"], egger["limit_g"] + egger["slope"] * top], [0, top], color="#b03a2e",
                  linewidth=1.0, linestyle=(0, (5, 2)), zorder=4)
    low = math.floor(min([*effects, g - z * top, 0.0]) * 2) / 2
    high = math.ceil(max([*effects, g + z * top]) * 2) / 2
    axes.set_xlim(low, high)
    axes.set_ylim(top, 0)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    for side in ("bottom", "left"):
        axes.spines[side].set_color(MUTED)
    ticks = [low + 0.5 * i for i in range(int(round((high - low) / 0.5)) + 1)]
    axes.set_xticks(ticks, [printed(t, 1) for t in ticks], fontproperties=_font(7.5), color=INK)
    steps = [0.1 * i for i in range(int(top / 0.1) + 1)]
    axes.set_yticks(steps, [printed(t, 1) for t in steps], fontproperties=_font(7.5), color=INK)
    axes.tick_params(colors=MUTED, length=3)
    axes.set_xlabel("Hedges' g (positive values favour psychotherapy)", fontproperties=_font(7.5), color=INK)
    axes.set_ylabel("Standard error", fontproperties=_font(7.5), color=INK)
    draw_note(figure, 0.63, 0.06, note)
    return figure


@stage
def funnel_plot(*, evidence: str, synthesis: str, out: str, picture: str, log: str) -> None:
    """evidence.json and synthesis.csv -> the funnel plot (SVG *out*, PNG *picture*) of the trials of the
    overall analysis, with Egger's line when the review has the test (small_study_effects.csv)."""
    data = read_json(evidence)
    results = read_results(synthesis)
    overall = results[("overall", OVERALL_LEVEL)]
    effects, ses = funnel_points(data)
    egger = egger_test(effects, [s * s for s in ses]) if "egger" in results.small_study else None
    with _DRAWING:
        figure = draw_funnel(effects, ses, float(overall["g"]), egger)
        save_figure(figure, "funnel", "Funnel plot of the trials", funnel_description(
            len(effects), printed(overall["g"], 2), egger), out, picture)
    write_log(log, f"funnel plot: {len(effects)} trials")


# --- the PRISMA 2020 flow diagram --------------------------------------------------------------

def decided_text(decided: list[dict]) -> str:
    """The flow diagram's box of the trials the review's authors left out (data/decisions.csv): those they
    excluded and those retracted, each named as what it is ("retracted" is not the authors' doing)."""
    excluded = sum(1 for s in decided if s["status"] == "excluded")
    retracted = len(decided) - excluded
    parts = ([f"Excluded by the review's authors (n = {count(excluded)})"] if excluded else []) + (
        [f"{'retracted' if excluded else 'Retracted'} (n = {count(retracted)})"] if retracted else [])
    return "; ".join(parts)


def flow_boxes(evidence: dict, baseline: dict | None) -> list[dict]:
    """The boxes of the flow diagram, top to bottom, each ``{row, column, text}`` (column 0: the main flow,
    1: what leaves it, or with ``joins`` what joins it; ``stage``: a main box below the full texts that
    belongs to the screening), from the database release's search flow
    (``search_flow.json``, its labels as the import corrected them) and this version's trials; for an
    update also the previous version's trials.

    Every box of the main flow follows from the one above it and the boxes beside it; where the release's
    counts do not (:mod:`livingreview.search_flow`), a box beside the flow names the difference and what
    the release says of it."""
    database = evidence["database"]
    flow = database.get("search_flow", {})
    hits, more = flow.get("database.hits"), flow.get("additional.records")
    screened, full_texts = flow.get("records.screened"), flow.get("full.text.assessed.for.eligibility")
    reasons = flow.get("full.text.excluded.reasons") or {}
    numbers = [n for n in (hits, more, screened, full_texts) if isinstance(n, (int, float))]
    boxes = [{"row": 0, "column": 0, "text": f"Records identified in databases (n = {count(hits)}) and from other "
              f"sources (n = {count(more)}); search until {long_date(database['last_search'])}"}]
    if len(numbers) == 4:
        boxes.append({"row": 0, "column": 1, "text": f"Duplicate records removed before screening "
                      f"(n = {count(hits + more - screened)})"})
        boxes.append({"row": 1, "column": 1, "text": f"Records excluded (n = {count(screened - full_texts)})"})
    boxes.append({"row": 1, "column": 0, "text": f"Records screened (n = {count(screened)})"})
    boxes.append({"row": 2, "column": 0,
                  "text": f"Full-text reports assessed for eligibility (n = {count(full_texts)})"})
    if reasons:
        listed = "\n".join(f"{reason}: {count(n)}" for reason, n in sorted(reasons.items(),
                                                                               key=lambda item: (-item[1], item[0])))
        total = sum(n for n in reasons.values() if isinstance(n, (int, float)))
        boxes.append({"row": 2, "column": 1, "text": f"Reports excluded (n = {count(total)}):\n{listed}"})
    release = database["release"]
    in_release = len(evidence["studies"])
    check = check_flow(flow, in_release)
    decided = [s for s in evidence["studies"] if s["status"] != "included"]
    # The rest of the main flow, from the full texts down, each box with what leaves it (or None).
    steps: list[tuple[str, str | None]] = []
    if check is not None and check.unaccounted:
        steps.append((f"Reports not excluded (n = {count(check.remaining)})",
                      f"Not accounted for (n = {count(abs(check.unaccounted))}): {unaccounted_text(check)}"))
    if check is not None and check.outside:
        steps.append((f"Included, as the release's search flow reports (n = {count(check.included)})",
                      ("Not in this database" if check.outside > 0 else "In this database, not in its search flow")
                      + f" (n = {count(abs(check.outside))}): " + outside_text(check, database.get("comparisons", ""))))
    as_reported = check is not None and not check.outside
    steps.append((f"Trials in the database, release {release} (n = {count(in_release)}"
                  + (", as its search flow reports)" if as_reported else ")"),
                  decided_text(decided) if decided else None))
    for row, (main, side) in enumerate(steps, start=3):
        screening = main.startswith("Reports not excluded")
        boxes.append({"row": row, "column": 0, "text": main, **({"stage": "Screening"} if screening else {})})
        if side:
            boxes.append({"row": row, "column": 1, "text": side})
    last = 3 + len(steps)
    current = make_snapshot(evidence, {}, [])
    trials = trial_flow(baseline, current)
    effect_sizes = sum(1 for c in evidence["comparisons"] if c["key"] in set(evidence["included"]))
    version = evidence["review"]["version"]
    text = f"Trials in this review, version {version} (n = {count(trials['now'])}; {count(effect_sizes)} effect sizes)"
    if baseline is not None:
        text += (f": {count(trials['carried'])} from version {baseline['version']}"
                 + (f" ({count(trials['renamed'])} renamed)" if trials["renamed"] else "")
                 + f", {count(trials['new'])} new")
        boxes.append({"row": last, "column": 1, "joins": True,
                      "text": f"Trials in the previous version, {baseline['version']} (release "
                      f"{baseline.get('database', {}).get('release', '?')}): n = {count(trials['previous'])}, of "
                      f"which {count(trials['left'])} are no longer included"})
    boxes.append({"row": last, "column": 0, "text": text})
    return boxes


def flow_description(boxes: list[dict]) -> str:
    """The flow diagram as text: its boxes in reading order."""
    return " ".join(" ".join(box["text"].split("\n")).rstrip(".") + "." for box in
                    sorted(boxes, key=lambda b: (b["row"], b["column"])))


def draw_flow(boxes: list[dict]):
    """The flow diagram's matplotlib figure: the main flow on the left, what leaves or joins it on the
    right, the PRISMA stages (identification, screening, included) in a band at the left edge."""
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    widths = {0: (8.0, 53.0), 1: (59.0, 100.0)}  # x from, x to (of 100)
    chars = {0: 47, 1: 43}
    line, pad, gap = 1.45, 0.9, 2.2  # in units of 0.1 inch
    rows = sorted({b["row"] for b in boxes})
    wrapped = {}
    for box in boxes:
        lines = []
        for paragraph in box["text"].split("\n"):
            # A count stays on one line with its "n =" or its reason's colon (wrapped with no-break spaces, drawn
            # with spaces).
            kept = re.sub(r"\bn = (?=\d)", "n\u00a0=\u00a0", re.sub(r": (?=[\d,]+$)", ":\u00a0", paragraph))
            lines += [line.replace("\u00a0", " ") for line in
                      textwrap.wrap(kept, chars[box["column"]], break_on_hyphens=False)] or [""]
        wrapped[id(box)] = lines
    row_height = {r: max(len(wrapped[id(b)]) for b in boxes if b["row"] == r) * line + 2 * pad for r in rows}
    if 0 in row_height:  # room for the stage's name, written upwards beside it
        row_height[0] = max(row_height[0], 8.5)
    total = sum(row_height.values()) + gap * (len(rows) + 1)
    figure = new_figure(WIDTH, total / 10)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, 100)
    axes.set_ylim(total, 0)
    axes.axis("off")
    top, y = {}, gap
    for r in rows:
        top[r] = y
        y += row_height[r] + gap
    placed = {}
    joining = {box["row"]: bool(box.get("joins")) for box in boxes if box["column"] == 1}
    for box in boxes:
        x0, x1 = widths[box["column"]]
        lines = wrapped[id(box)]
        height = len(lines) * line + 2 * pad
        y0 = top[box["row"]]
        axes.add_patch(FancyBboxPatch((x0, y0), x1 - x0, height, boxstyle="round,pad=0,rounding_size=0.8",
                                      facecolor="#ffffff", edgecolor=ACCENT if box["column"] == 0 else MUTED,
                                      linewidth=0.9))
        for index, text in enumerate(lines):
            _text(axes, x0 + 1.2, y0 + pad + (index + 0.5) * line, text, 7.5, va="center")
        placed[(box["row"], box["column"])] = (x0, x1, y0, height)

    def arrow(start, end):
        axes.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=8, color=MUTED, linewidth=0.9,
                                       shrinkA=0, shrinkB=0))

    for r in rows:
        if (r, 0) in placed and (r + 1, 0) in placed:
            x0, x1, y0, h = placed[(r, 0)]
            arrow(((x0 + x1) / 2, y0 + h), ((x0 + x1) / 2, top[r + 1]))
        if (r, 0) in placed and (r, 1) in placed:
            x0, x1, y0, h = placed[(r, 0)]
            middle = y0 + min(h, placed[(r, 1)][3]) / 2
            start, end = (x1, middle), (placed[(r, 1)][0], middle)
            arrow(*((end, start) if joining.get(r) else (start, end)))
    screening = [1, 2] + [b["row"] for b in boxes if b.get("stage") == "Screening"]
    stages = (("Identification", [0]), ("Screening", screening), ("Included", [r for r in rows if r > max(screening)]))
    for name, members in stages:
        present = [r for r in members if r in top]
        if not present:
            continue
        y0, y1 = top[present[0]], top[present[-1]] + row_height[present[-1]]
        axes.add_patch(FancyBboxPatch((0.5, y0), 5.5, y1 - y0, boxstyle="round,pad=0,rounding_size=0.8",
                                      facecolor="#e8eef5", edgecolor="none"))
        _text(axes, 3.25, (y0 + y1) / 2, name, 7.5, True, ACCENT, rotation=90, ha="center", va="center")
    return figure


@stage
def flow_diagram(*, evidence: str, published: str | None, out: str, picture: str, log: str) -> None:
    """its part of evidence.json (and the *published* release's snapshot, for an update) -> the PRISMA 2020 flow diagram
    (SVG *out*, PNG *picture*)."""
    data = read_json(evidence)
    previous = read_previous(published)
    baseline = choose_baseline(previous, {"version": data["review"]["version"]})
    boxes = flow_boxes(data, baseline)
    with _DRAWING:
        figure = draw_flow(boxes)
        save_figure(figure, "flow", "PRISMA 2020 flow diagram", flow_description(boxes), out, picture)
    write_log(log, f"flow diagram: {len(boxes)} boxes" + (f", update of version {baseline['version']}"
                                                        if baseline else ""))


# --- the seed review's map of studies by theme and design --------------------------------------

def design_counts(evidence: dict) -> tuple[list[str], list[str], dict[tuple[str, str], int]]:
    """The themes with included studies (narrative order, labels), the designs present (in the text's order,
    :func:`~livingreview.kinds.narrative.design_order`) and the number of included studies of each (theme, design)."""
    included = set(evidence["included"])
    studies = [s for s in evidence["studies"] if s["key"] in included]
    themes = sorted(evidence["themes"], key=lambda t: (t["order"], t["theme"]))
    theme_order = [t["theme"] for t in themes if any(s["theme"] == t["theme"] for s in studies)]
    totals: dict[str, int] = {}
    cells: dict[tuple[str, str], int] = {}
    for study in studies:
        totals[study["design"]] = totals.get(study["design"], 0) + 1
        cells[(study["theme"], study["design"])] = cells.get((study["theme"], study["design"]), 0) + 1
    designs = design_order(totals)
    return theme_order, designs, cells


def design_description(evidence: dict, themes: list[str], designs: list[str], cells: dict) -> str:
    """The map as text: each theme's studies by design."""
    theme_labels = {t["theme"]: t["label"] for t in evidence["themes"]}
    design_labels = labels("studies", "design")
    parts = ["Included studies by theme (in the order of the narrative) and design."]
    for theme in themes:
        found = [f"{design_labels[d][0]} ({cells[(theme, d)]})" for d in designs if (theme, d) in cells]
        parts.append(f"{theme_labels[theme]}: {', '.join(found)}.")
    return " ".join(parts)


def draw_design_map(evidence: dict, themes: list[str], designs: list[str], cells: dict):
    """The map's matplotlib figure: themes as rows, designs as columns, a circle (its area the number of
    studies, the number inside) where a theme has studies of a design."""
    theme_labels = {t["theme"]: t["label"] for t in evidence["themes"]}
    design_labels = labels("studies", "design")
    row, header = 0.3, 1.35
    height = header + row * len(themes) + 0.15
    figure = new_figure(WIDTH, height)
    left = 0.42
    axes = figure.add_axes((left, 0.15 / height, 0.76 - left, row * len(themes) / height))
    axes.set_xlim(-0.5, len(designs) - 0.5)
    axes.set_ylim(len(themes) - 0.5, -0.5)
    axes.axis("off")
    largest = max(cells.values()) if cells else 1
    for y, theme in enumerate(themes):
        axes.axhline(y + 0.5, color="#e4e4e4", linewidth=0.6, zorder=0)
        name = textwrap.shorten(theme_labels[theme], 52, placeholder="...")
        _text(axes, -0.6, y, name, 7.5, ha="right", va="center")
        for x, design in enumerate(designs):
            n = cells.get((theme, design), 0)
            if not n:
                continue
            size = 60 + 340 * (n / largest)
            axes.scatter([x], [y], s=size, color=ACCENT, linewidths=0, zorder=2)
            _text(axes, x, y, str(n), 7, True, "#ffffff", ha="center", va="center", zorder=3)
    for x, design in enumerate(designs):
        _text(axes, x - 0.1, -0.7, design_labels[design][0], 7, ha="left", va="bottom", rotation=40,
              rotation_mode="anchor")
    return figure


@stage
def design_map(*, evidence: str, out: str, picture: str, log: str) -> None:
    """Its part of evidence.json -> the map (SVG *out*, PNG *picture*) of the included studies by theme and design."""
    data = read_json(evidence)
    themes, designs, cells = design_counts(data)
    with _DRAWING:
        figure = draw_design_map(data, themes, designs, cells)
        save_figure(figure, "designs", "The included studies by theme and design",
                    design_description(data, themes, designs, cells), out, picture)
    write_log(log, f"design map: {len(themes)} themes, {len(designs)} designs")
