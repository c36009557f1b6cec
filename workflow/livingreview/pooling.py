"""Pooling effect sizes: one effect per study, then a random-effects meta-analysis.

Within an analysis, a study with several effect sizes (several instruments,
arms or control groups) contributes one: its estimates are combined as
metafor's ``aggregate(..., struct="CS", rho=0.5)`` does, by generalised least
squares under a compound-symmetric covariance (every pair of a study's
estimates correlated *rho*): with ``V = diag(se) R diag(se)``, the study's
effect is ``1'V⁻¹y / 1'V⁻¹1`` and its variance ``1 / 1'V⁻¹1``
(:func:`aggregate_cs`). The studies' effects are then pooled with
statsmodels' ``combine_effects``: random effects, tau-squared by Paule and
Mandel (``method_re="iterated"``), a 95 % confidence interval from the normal
distribution (:func:`pool`). I-squared is Higgins and Thompson's, from
Cochran's Q with inverse-variance weights (:func:`i_squared`).

Every number the review prints goes through :func:`fixed`, the one rounding
function: the synthesis table is written with it, and the text rounds the
table's values with it again.

NumPy and statsmodels are imported inside the functions that use them: the
Snakefile imports the stage modules when it is read, and a build with
nothing to do must not pay for them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# The correlation assumed between a study's effect sizes (metapsyTools' default, rho = 0.5).
RHO = 0.5
# The two-sided level of the confidence intervals.
LEVEL = 0.95
# Paule-Mandel: how close the generalised Q must come to k - 1 (statsmodels' ``atol``). A tighter
# tolerance lets floating-point noise make the estimating equation slightly negative, which
# statsmodels' iteration (0.15) answers by setting tau-squared to 0.
PM_TOLERANCE = 1e-5
# The analyses of a meta-analytic review, in the order they are computed: name -> the comparison
# column whose codes are its levels (None: one level, "all").
ANALYSES = {"overall": None, "control": "control", "therapy": "psychotherapy"}
OVERALL_LEVEL = "all"
# The columns of the synthesis table (output/synthesis.csv) and the decimals of each number.
COLUMNS = ("analysis", "level", "k", "participants", "g", "ci_low", "ci_high", "tau2", "i2")
DECIMALS = {"g": 4, "ci_low": 4, "ci_high": 4, "tau2": 4, "i2": 1}
# Decimals of the numbers as the text prints them.
TEXT_DECIMALS = {"g": 2, "ci_low": 2, "ci_high": 2, "tau2": 2, "i2": 0}


def fixed(value, places: int) -> str:
    """*value* (a float, a Decimal or the text of a number) rounded half away from zero to *places*
    decimals, as text with exactly that many (``fixed(0.73495, 2)`` is ``"0.73"``, ``fixed("0.7350", 2)``
    is ``"0.74"``); never ``"-0.00"``."""
    number = Decimal(value if isinstance(value, (str, Decimal)) else repr(float(value)))
    text = f"{number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text


def aggregate_cs(effects: Sequence[float], ses: Sequence[float], rho: float = RHO) -> tuple[float, float]:
    """One study's effect sizes combined into one: ``(estimate, variance)``.

    As metafor's ``aggregate.escalc(struct="CS", rho=rho)``: the sampling
    errors of a study's *k* estimates are assumed correlated *rho* pairwise,
    ``V = diag(ses) R diag(ses)`` with ``R`` = 1 on the diagonal and *rho*
    elsewhere; the estimate is the GLS mean ``1'V⁻¹y / 1'V⁻¹1`` and its
    variance ``1 / 1'V⁻¹1``. One estimate is returned as it is (variance se²).
    """
    import numpy as np

    y = np.asarray(effects, dtype=float)
    s = np.asarray(ses, dtype=float)
    if y.shape != s.shape or y.ndim != 1 or not len(y):
        raise ValueError("aggregate_cs needs as many standard errors as estimates, and at least one")
    correlation = np.full((len(y), len(y)), rho)
    np.fill_diagonal(correlation, 1.0)
    covariance = correlation * np.outer(s, s)
    weights = np.linalg.solve(covariance, np.ones(len(y)))  # V⁻¹1
    total = float(weights.sum())
    return float(weights @ y) / total, 1.0 / total


def i_squared(q: float, k: int) -> float:
    """I² in percent (Higgins and Thompson 2002): ``max(0, (Q - (k - 1)) / Q) * 100``, with Q Cochran's
    heterogeneity statistic (inverse-variance weights); 0 for one study or Q = 0."""
    if k < 2 or q <= 0:
        return 0.0
    return max(0.0, (q - (k - 1)) / q) * 100.0


def cochran_q(effects: Sequence[float], variances: Sequence[float]) -> float:
    """Cochran's Q: the inverse-variance weighted sum of squared deviations from the fixed-effect mean."""
    import numpy as np

    y, v = np.asarray(effects, dtype=float), np.asarray(variances, dtype=float)
    w = 1.0 / v
    mean = float(w @ y / w.sum())
    return float(w @ (y - mean) ** 2)


@dataclass(frozen=True)
class Pooled:
    """A random-effects estimate: k studies, the pooled g with its standard error and confidence
    interval, tau-squared (Paule-Mandel), Cochran's Q and I² (percent)."""

    k: int
    g: float
    se: float
    ci_low: float
    ci_high: float
    tau2: float
    q: float
    i2: float


def pool(effects: Sequence[float], variances: Sequence[float]) -> Pooled:
    """The random-effects meta-analysis of one effect per study (statsmodels ``combine_effects``,
    Paule-Mandel tau-squared, normal 95 % interval).

    The Paule-Mandel estimating equation is checked at the solution (the
    generalised Q equals k - 1, or tau-squared is 0 and Q is below it), so a
    result of an iteration that did not converge is never printed.
    """
    import numpy as np
    from scipy import stats

    y, v = np.asarray(effects, dtype=float), np.asarray(variances, dtype=float)
    k = len(y)
    if k == 0 or v.shape != y.shape or np.any(v <= 0) or not np.all(np.isfinite(y)):
        raise ValueError("pool needs at least one finite estimate and a positive variance for each")
    z = float(stats.norm.isf((1 - LEVEL) / 2))
    if k == 1:
        se = float(np.sqrt(v[0]))
        return Pooled(1, float(y[0]), se, float(y[0]) - z * se, float(y[0]) + z * se, 0.0, 0.0, 0.0)
    from statsmodels.stats.meta_analysis import combine_effects

    with np.errstate(divide="ignore", invalid="ignore"):  # statsmodels' own I² divides by Q
        result = combine_effects(y, v, method_re="iterated", use_t=False, alpha=1 - LEVEL,
                                 atol=PM_TOLERANCE, maxiter=1000)
    tau2 = float(result.tau2)
    _check_paule_mandel(y, v, tau2)
    g, se = float(result.mean_effect_re), float(result.sd_eff_w_re)
    low, high = (float(x) for x in result.conf_int(alpha=1 - LEVEL, use_t=False)[1])
    q = float(result.q)
    return Pooled(k, g, se, low, high, tau2, q, i_squared(q, k))


def _check_paule_mandel(y, v, tau2: float) -> None:
    """Raise when *tau2* does not solve the Paule-Mandel equation for effects *y* with variances *v* (arrays)."""
    w = 1.0 / (v + tau2)
    mean = float(w @ y / w.sum())
    generalised_q = float(w @ (y - mean) ** 2)
    target = len(y) - 1
    solved = (abs(generalised_q - target) <= PM_TOLERANCE if tau2 > 0
              else generalised_q <= target + PM_TOLERANCE)
    if not solved:
        raise ArithmeticError(f"the Paule-Mandel iteration did not converge (tau2={tau2}, Q={generalised_q}, "
                              f"k-1={target})")


def participants(comparisons: Iterable[dict]) -> float:
    """The participants in the arms of *comparisons*: each arm counted once, with the largest n analysed
    its comparisons give it (a control arm compared with two psychotherapies is one arm); arms without n
    are left out. An arm is its trial, its condition (the psychotherapy of arm 1, the control condition of
    arm 2: the code books share no code) and its specification (``arm1``, ``arm2``: a multi-arm trial's
    arms of one condition)."""
    arms: dict[tuple, float] = {}
    for comparison in comparisons:
        for side, condition in ((1, "psychotherapy"), (2, "control")):
            n = comparison.get(f"n_arm{side}")
            if n is not None:
                arm = (comparison["key"], comparison[condition], comparison.get(f"arm{side}") or "")
                arms[arm] = max(arms.get(arm, 0.0), float(n))
    return sum(arms.values())


def analysis_row(analysis: str, level: str, comparisons: list[dict], rho: float = RHO) -> dict:
    """One row of the synthesis table, numbers unrounded: the comparisons of one analysis level,
    aggregated to one effect per study (by key, in key order) and pooled."""
    by_study: dict[str, list[dict]] = {}
    for comparison in sorted(comparisons, key=lambda c: (c["key"], c["id"])):
        by_study.setdefault(comparison["key"], []).append(comparison)
    effects, variances = [], []
    for rows in by_study.values():
        estimate, variance = aggregate_cs([r["g"] for r in rows], [r["g_se"] for r in rows], rho)
        effects.append(estimate)
        variances.append(variance)
    try:
        pooled = pool(effects, variances)
    except (ValueError, ArithmeticError) as exc:
        raise ArithmeticError(f"the {analysis} analysis, level {level}, cannot be pooled: {exc}") from None
    return {"analysis": analysis, "level": level, "k": pooled.k, "participants": participants(comparisons),
            "g": pooled.g,
            "ci_low": pooled.ci_low, "ci_high": pooled.ci_high, "tau2": pooled.tau2, "i2": pooled.i2}


def synthesis(comparisons: list[dict], included: Iterable[str], time: str = "post") -> list[dict]:
    """Every analysis of the review, unrounded: overall, by control condition and by psychotherapy, each
    level with at least one study, from the included studies' comparisons at *time*; sorted by analysis
    and level."""
    keys = set(included)
    rows = [c for c in comparisons if c["key"] in keys and c["time"] == time]
    results = []
    for analysis, column in ANALYSES.items():
        levels = [OVERALL_LEVEL] if column is None else sorted({c[column] for c in rows})
        for level in levels:
            members = rows if column is None else [c for c in rows if c[column] == level]
            if members:
                results.append(analysis_row(analysis, level, members))
    return sorted(results, key=lambda r: (r["analysis"], r["level"]))


def table_row(row: dict) -> dict[str, str]:
    """A synthesis row as the table writes it: fixed decimals (:data:`DECIMALS`), whole numbers for k and
    the participants."""
    cells = {"analysis": row["analysis"], "level": row["level"], "k": str(int(row["k"])),
             "participants": fixed(row["participants"], 0)}
    cells.update({name: fixed(row[name], places) for name, places in DECIMALS.items()})
    return cells


def table_text(rows: list[dict]) -> str:
    """The synthesis table as CSV text (header :data:`COLUMNS`, ``\\n`` line ends, quotes only where needed)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(table_row(row) for row in rows)
    return out.getvalue()
