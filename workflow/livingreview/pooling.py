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
Cochran's Q with inverse-variance weights (:func:`i_squared`). Each estimate
has its 95 % prediction interval as metafor's ``predict()`` gives it for the
same model: ``g ± z·sqrt(τ² + SE²)``, z the normal quantile
(:func:`prediction_interval`).

The robustness analyses (:func:`synthesis`, :func:`small_study_effects`,
:func:`subgroup_differences`) are those of metapsyTools' ``runMetaAnalysis``:

- sensitivity analyses of the overall effect (rows ``analysis=sensitivity``):
  the trials at low risk of bias only (every effect size of the trial meets
  all four criteria, ``rob`` = 4); the trials left when those whose 95 % CI
  lies wholly outside the pooled 95 % CI are removed (outliers); the trials
  left when those with an arm that analyses more participants than were
  randomised to it are removed (:func:`oversized_arms`; not metapsyTools'
  own, a check of the database's arm sizes); one effect per trial, its
  largest or its smallest (instead of the CS aggregate);
- Egger's regression test for small-study effects on the per-trial effects
  of the overall analysis, as metafor's ``regtest(model="lm",
  predictor="sei")``: weighted least squares of the effect on its standard
  error with weights 1/SE², the t statistic of the slope with k - 2 degrees
  of freedom, and the limit estimate (the intercept, the effect at SE = 0)
  with its t interval;
- the test of subgroup differences (Q between) of each subgroup analysis, as
  R package meta's random-effects test with a separate τ² per subgroup:
  Cochran's Q of the subgroups' pooled estimates with weights 1/SE², J - 1
  degrees of freedom. A trial with arms in several subgroups counts in each,
  so the subgroups are not independent and the test is approximate;
- the number needed to treat from g by Furukawa's method (Furukawa 1999;
  Furukawa and Leucht 2011): ``NNT = 1 / (Φ(g + Φ⁻¹(CER)) - CER)`` for a
  control event rate CER (config ``control_event_rate``), :func:`nnt`.

Every number the review prints goes through :func:`fixed`, the one rounding
function: the synthesis table is written with it, and the text rounds the
table's values with it again, through :func:`printed`, which gives a negative
number the minus sign (U+2212) a typesetter expects in the article's text,
tables and figures; the data files (the CSV tables, evidence.json) keep the
hyphen-minus, so that they parse.

NumPy and statsmodels are imported inside the functions that use them: the
Snakefile imports the stage modules when it is read, and a build with
nothing to do must not pay for them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# The minus sign of a negative number in the article (U+2212; :func:`printed`).
MINUS = "\u2212"
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
COLUMNS = ("analysis", "level", "k", "participants", "g", "ci_low", "ci_high", "pi_low", "pi_high", "tau2", "i2")
DECIMALS = {"g": 4, "ci_low": 4, "ci_high": 4, "pi_low": 4, "pi_high": 4, "tau2": 4, "i2": 1}
# Decimals of the numbers as the text prints them.
TEXT_DECIMALS = {"g": 2, "ci_low": 2, "ci_high": 2, "pi_low": 2, "pi_high": 2, "tau2": 2, "i2": 0}
# The sensitivity analyses of the overall effect (rows analysis=sensitivity), in the order they are described.
SENSITIVITY = "sensitivity"
SENSITIVITY_LEVELS = ("low-rob", "outliers-removed", "oversized-arms-removed", "largest", "smallest")
# Risk of bias: the number of criteria of the Cochrane tool (version 1) a comparison meets at low risk.
LOW_ROB = 4
# The four criteria, each a column of the comparisons with its rating, and the ratings that meet it: 1 (low
# risk); for blinding of outcome assessment also "sr" (self-report), which the Metapsy database counts as met.
# Any other rating is not met: 0 (high risk), and a code the database does not define ("2" in a few rows).
# (The ratings are compared as text: the tables type sg, ac and itt as whole numbers, ba as text.)
ROB_CRITERIA = {"sg": ("1",), "ac": ("1",), "ba": ("1", "sr"), "itt": ("1",)}
# The small-study effects table (output/small_study_effects.csv) and its decimals.
# A row per test: the overall analysis's first, then those the certainty rating ran (analysis and level as in
# synthesis.csv; livingreview.certainty.publication_bias).
SMALL_STUDY_COLUMNS = ("analysis", "level", "test", "k", "statistic", "p", "limit_g", "ci_low", "ci_high")
SMALL_STUDY_DECIMALS = {"statistic": 4, "p": 6, "limit_g": 4, "ci_low": 4, "ci_high": 4}
# Egger's test needs at least this many trials (Sterne et al. 2011: at least 10).
EGGER_MIN_K = 10
# The subgroup-differences table (output/subgroup_differences.csv) and its decimals.
SUBGROUP_COLUMNS = ("analysis", "subgroups", "k", "q_between", "df", "p")
SUBGROUP_DECIMALS = {"q_between": 4, "p": 6}


def fixed(value, places: int) -> str:
    """*value* (a float, a Decimal or the text of a number) rounded half away from zero to *places*
    decimals, as text with exactly that many (``fixed(0.73495, 2)`` is ``"0.73"``, ``fixed("0.7350", 2)``
    is ``"0.74"``); never ``"-0.00"``."""
    number = Decimal(value if isinstance(value, (str, Decimal)) else repr(float(value)))
    text = f"{number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text


def printed(value, places: int | None = None) -> str:
    """*value* as the article prints it, in its text, tables and figures, in every format: rounded by
    :func:`fixed` to *places* decimals (as it is when *places* is None: a count, a rule's number), a
    negative number with the minus sign U+2212 (``printed(-0.504, 2)`` is ``"−0.50"``), not
    the hyphen-minus the data files keep. :func:`printed_number` reads it back."""
    text = fixed(value, places) if places is not None else str(value)
    return MINUS + text[1:] if text.startswith("-") else text


def printed_number(text) -> Decimal:
    """The number a text shows as :func:`printed` prints it (``"−0.50"`` is ``Decimal("-0.50")``), or
    as a data file has it (``"-0.50"``)."""
    return Decimal(str(text).replace(MINUS, "-", 1))


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


def arms_of(comparison: dict) -> list[tuple[int, tuple[str, str, str]]]:
    """The two arms of a comparison, ``(side, arm)``: side 1 (its psychotherapy) and 2 (its control). An arm
    is its trial, its condition (the psychotherapy of arm 1, the control condition of arm 2: the code books
    share no code) and its specification (``arm1``, ``arm2``: a multi-arm trial's arms of one condition), so
    that a control arm compared with two psychotherapies is one arm."""
    return [(side, (comparison["key"], comparison[condition], comparison.get(f"arm{side}") or ""))
            for side, condition in ((1, "psychotherapy"), (2, "control"))]


def participants(comparisons: Iterable[dict]) -> float:
    """The participants in the arms of *comparisons* (:func:`arms_of`): each arm counted once, with the
    largest n analysed its comparisons give it; arms without n are left out."""
    arms: dict[tuple, float] = {}
    for comparison in comparisons:
        for side, arm in arms_of(comparison):
            n = comparison.get(f"n_arm{side}")
            if n is not None:
                arms[arm] = max(arms.get(arm, 0.0), float(n))
    return sum(arms.values())


def oversized_arms(comparisons: Iterable[dict]) -> dict[tuple[str, str, str], tuple[float, float]]:
    """The arms of *comparisons* (:func:`arms_of`) that analyse more participants than were randomised to
    them (``n_armN`` larger than ``rand_armN``: an error of the source, or clusters randomised rather than
    participants), each once: arm -> (the largest n analysed its comparisons give it, and the n randomised
    that comparison gives)."""
    found: dict[tuple, tuple[float, float]] = {}
    for comparison in comparisons:
        for side, arm in arms_of(comparison):
            n, randomised = comparison.get(f"n_arm{side}"), comparison.get(f"rand_arm{side}")
            if (n is not None and randomised is not None and float(n) > float(randomised)
                    and float(n) > found.get(arm, (0.0, 0.0))[0]):
                found[arm] = (float(n), float(randomised))
    return found


def oversized_trials(comparisons: Iterable[dict]) -> set[str]:
    """The trials with an arm that analyses more participants than were randomised to it
    (:func:`oversized_arms`)."""
    return {key for key, _, _ in oversized_arms(comparisons)}


def reporting_trials(comparisons: Iterable[dict]) -> int:
    """The trials of *comparisons* that report how many participants an arm analysed (an arm's n that
    :func:`participants` counts): the trials its sum is over."""
    return len({c["key"] for c in comparisons if c.get("n_arm1") is not None or c.get("n_arm2") is not None})


def prediction_interval(g: float, se: float, tau2: float) -> tuple[float, float]:
    """The 95 % prediction interval of a random-effects estimate, as metafor's ``predict()`` gives it for a
    model fitted with normal intervals: ``g ± z·sqrt(τ² + SE²)`` (Riley et al. 2011), z the normal quantile."""
    from scipy import stats

    z = float(stats.norm.isf((1 - LEVEL) / 2))
    half = z * (tau2 + se * se) ** 0.5
    return g - half, g + half


def trial_effects(comparisons: list[dict], rho: float = RHO) -> tuple[list[str], list[float], list[float]]:
    """One effect per trial: the trials' keys (in key order), their effects and variances, each trial's
    comparisons combined by :func:`aggregate_cs`."""
    by_study: dict[str, list[dict]] = {}
    for comparison in sorted(comparisons, key=lambda c: (c["key"], c["id"])):
        by_study.setdefault(comparison["key"], []).append(comparison)
    effects, variances = [], []
    for rows in by_study.values():
        estimate, variance = aggregate_cs([r["g"] for r in rows], [r["g_se"] for r in rows], rho)
        effects.append(estimate)
        variances.append(variance)
    return list(by_study), effects, variances


def pooled_row(analysis: str, level: str, effects: list[float], variances: list[float],
               comparisons: list[dict]) -> dict:
    """A row of the synthesis table, numbers unrounded: the trials' *effects* pooled (:func:`pool`) with the
    prediction interval, and the participants of *comparisons*."""
    try:
        pooled = pool(effects, variances)
    except (ValueError, ArithmeticError) as exc:
        raise ArithmeticError(f"the {analysis} analysis, level {level}, cannot be pooled: {exc}") from None
    pi_low, pi_high = prediction_interval(pooled.g, pooled.se, pooled.tau2)
    return {"analysis": analysis, "level": level, "k": pooled.k, "participants": participants(comparisons),
            "g": pooled.g, "ci_low": pooled.ci_low, "ci_high": pooled.ci_high, "pi_low": pi_low,
            "pi_high": pi_high, "tau2": pooled.tau2, "i2": pooled.i2, "se": pooled.se}


def analysis_row(analysis: str, level: str, comparisons: list[dict], rho: float = RHO) -> dict:
    """One row of the synthesis table, numbers unrounded: the comparisons of one analysis level,
    aggregated to one effect per study (by key, in key order) and pooled (``se``: the pooled g's standard
    error, which the table does not print)."""
    _, effects, variances = trial_effects(comparisons, rho)
    return pooled_row(analysis, level, effects, variances, comparisons)


def criteria_met(comparison: dict) -> int | None:
    """How many of the four risk-of-bias criteria (:data:`ROB_CRITERIA`) one effect size meets, counted from
    its four ratings; its score ``rob`` (the number met, as its source gives it) when it has no rating at all;
    None when it is not rated, or only in part."""
    ratings = [comparison.get(column) for column in ROB_CRITERIA]
    if all(rating in (None, "") for rating in ratings):
        return rob_score(comparison)
    if any(rating in (None, "") for rating in ratings):
        return None
    return sum(str(rating) in met for rating, met in zip(ratings, ROB_CRITERIA.values(), strict=True))


def rob_score(comparison: dict) -> int | None:
    """One effect size's risk-of-bias score ``rob`` as its source gives it (the number of criteria met);
    None when it has none."""
    value = comparison.get("rob")
    return None if value in (None, "") else int(value)


def trial_criteria_met(comparisons: list[dict], met=criteria_met) -> dict[str, int | None]:
    """Each trial of *comparisons* -> the fewest criteria one of its effect sizes meets (by *met*: counted
    from the ratings, :func:`criteria_met`, or the database's :func:`rob_score`; None when one of them is not
    rated): a trial is only as sound as its least sound effect size."""
    trials: dict[str, int | None] = {}
    for comparison in comparisons:
        count, key = met(comparison), comparison["key"]
        known = trials.get(key, LOW_ROB)
        trials[key] = None if count is None or known is None else min(known, count)
    return trials


def low_rob_trials(comparisons: list[dict], met=criteria_met) -> set[str]:
    """The trials whose every effect size of *comparisons* meets all four risk-of-bias criteria (by *met*:
    :func:`trial_criteria_met`)."""
    return {key for key, count in trial_criteria_met(comparisons, met).items() if count == LOW_ROB}


def low_rob_trials_by_score(comparisons: list[dict]) -> set[str] | None:
    """The trials whose every effect size of *comparisons* has the score ``rob`` 4, as the database counts
    (the review counts from the ratings: :func:`low_rob_trials`); None when an effect size has no score."""
    if any(rob_score(c) is None for c in comparisons):
        return None
    return low_rob_trials(comparisons, rob_score)


def score_disagreements(comparisons: list[dict]) -> list[dict]:
    """The effect sizes whose score ``rob`` differs from the number of criteria their four ratings meet
    (:func:`criteria_met`, which counts from the ratings): ``{key, id, score, met}``, in the order given."""
    found = []
    for comparison in comparisons:
        given, met = rob_score(comparison), criteria_met(comparison)
        if given is not None and met is not None and given != met:
            found.append({"key": comparison["key"], "id": comparison["id"], "score": given, "met": met})
    return found


def outlier_trials(comparisons: list[dict], rho: float = RHO) -> set[str]:
    """The trials whose 95 % CI (of their one effect) lies wholly outside the pooled 95 % CI of
    *comparisons* (metapsyTools' "outliers removed")."""
    from scipy import stats

    z = float(stats.norm.isf((1 - LEVEL) / 2))
    keys, effects, variances = trial_effects(comparisons, rho)
    pooled = pool(effects, variances)
    return {key for key, y, v in zip(keys, effects, variances, strict=True)
            if y + z * v ** 0.5 < pooled.ci_low or y - z * v ** 0.5 > pooled.ci_high}


def extreme_effects(comparisons: list[dict], largest: bool) -> tuple[list[float], list[float]]:
    """One effect per trial, its largest (or smallest) g with that effect size's variance (ties: the first
    by id), trials in key order."""
    chosen: dict[str, dict] = {}
    for comparison in sorted(comparisons, key=lambda c: (c["key"], c["id"])):
        best = chosen.get(comparison["key"])
        if best is None or (comparison["g"] > best["g"] if largest else comparison["g"] < best["g"]):
            chosen[comparison["key"]] = comparison
    return [c["g"] for c in chosen.values()], [c["g_se"] ** 2 for c in chosen.values()]


def sensitivity_rows(rows: list[dict]) -> list[dict]:
    """The sensitivity analyses of the overall effect (:data:`SENSITIVITY_LEVELS`), unrounded, from the
    comparisons *rows* of the overall analysis; a level without trials is left out, and so is the analysis
    without the trials whose arms analyse more than randomised when there is no such trial (it would repeat
    the main analysis)."""
    results = []
    low = low_rob_trials(rows)
    members = [c for c in rows if c["key"] in low]
    if members:
        results.append(analysis_row(SENSITIVITY, "low-rob", members))
    outliers = outlier_trials(rows)
    members = [c for c in rows if c["key"] not in outliers]
    if members:
        results.append(analysis_row(SENSITIVITY, "outliers-removed", members))
    oversized = oversized_trials(rows)
    members = [c for c in rows if c["key"] not in oversized]
    if oversized and members:
        results.append(analysis_row(SENSITIVITY, "oversized-arms-removed", members))
    for level, largest in (("largest", True), ("smallest", False)):
        effects, variances = extreme_effects(rows, largest)
        results.append(pooled_row(SENSITIVITY, level, effects, variances, rows))
    return results


def post_comparisons(comparisons: list[dict], included: Iterable[str], time: str = "post") -> list[dict]:
    """The included trials' comparisons at *time*: what every analysis pools."""
    keys = set(included)
    return [c for c in comparisons if c["key"] in keys and c["time"] == time]


def synthesis(comparisons: list[dict], included: Iterable[str], time: str = "post") -> list[dict]:
    """Every analysis of the review, unrounded: overall, by control condition and by psychotherapy, each
    level with at least one study, and the sensitivity analyses of the overall effect, from the included
    studies' comparisons at *time*; sorted by analysis and level."""
    rows = post_comparisons(comparisons, included, time)
    results = []
    for analysis, column in ANALYSES.items():
        levels = [OVERALL_LEVEL] if column is None else sorted({c[column] for c in rows})
        for level in levels:
            members = rows if column is None else [c for c in rows if c[column] == level]
            if members:
                results.append(analysis_row(analysis, level, members))
    if rows:
        results += sensitivity_rows(rows)
    return sorted(results, key=lambda r: (r["analysis"], r["level"]))


def egger_test(effects: Sequence[float], variances: Sequence[float]) -> dict:
    """Egger's regression test as metafor's ``regtest(model="lm", predictor="sei")``: the effects regressed
    on their standard errors by weighted least squares (statsmodels ``WLS``, weights 1/variance, the
    residual variance estimated), the slope's t statistic and two-sided p on k - 2 degrees of freedom, and
    the limit estimate (the intercept: the effect at SE = 0) with its 95 % t interval; ``slope`` (not
    printed in the table) draws the regression line of the funnel plot."""
    import numpy as np
    from scipy import stats
    from statsmodels.regression.linear_model import WLS

    y, v = np.asarray(effects, dtype=float), np.asarray(variances, dtype=float)
    k = len(y)
    if k < 3:
        raise ValueError("Egger's test needs at least three trials")
    design = np.column_stack([np.ones(k), np.sqrt(v)])
    fit = WLS(y, design, weights=1.0 / v).fit()
    t = float(fit.tvalues[1])
    df = k - 2
    quantile = float(stats.t.isf((1 - LEVEL) / 2, df))
    limit, limit_se = float(fit.params[0]), float(fit.bse[0])
    return {"test": "egger", "k": k, "statistic": t, "p": float(2 * stats.t.sf(abs(t), df)), "limit_g": limit,
            "ci_low": limit - quantile * limit_se, "ci_high": limit + quantile * limit_se,
            "slope": float(fit.params[1])}


def small_study_effects(comparisons: list[dict], included: Iterable[str], time: str = "post") -> list[dict]:
    """The small-study effects table, unrounded: Egger's test (:func:`egger_test`) on the per-trial effects
    of the overall analysis; no row with fewer than :data:`EGGER_MIN_K` trials."""
    rows = post_comparisons(comparisons, included, time)
    _, effects, variances = trial_effects(rows)
    return ([dict(egger_test(effects, variances), analysis="overall", level=OVERALL_LEVEL)]
            if len(effects) >= EGGER_MIN_K else [])


def overall_tests(rows: Iterable[dict]) -> dict[str, dict]:
    """The small-study effects table's tests of the overall analysis, by test name (``egger``): those the
    text's ``egger`` names and the funnel plot read (the others are the certainty rating's)."""
    return {row["test"]: row for row in rows if row["analysis"] == "overall"}


def subgroup_test(rows: list[dict]) -> dict:
    """The test of subgroup differences of one subgroup analysis from its synthesis *rows* (unrounded,
    with ``se``): Q between = Σ wⱼ (gⱼ - ḡ)² with wⱼ = 1/SEⱼ² and ḡ their weighted mean (a separate τ² in
    each subgroup, as R package meta's random-effects test), J - 1 degrees of freedom, chi-squared p."""
    from scipy import stats

    estimates = [r["g"] for r in rows]
    q = cochran_q(estimates, [r["se"] ** 2 for r in rows])
    df = len(rows) - 1
    return {"subgroups": len(rows), "k": sum(int(r["k"]) for r in rows), "q_between": q, "df": df,
            "p": float(stats.chi2.sf(q, df)) if df > 0 else 1.0}


def subgroup_differences(results: list[dict]) -> list[dict]:
    """The test of subgroup differences (:func:`subgroup_test`) of each subgroup analysis of the synthesis
    *results* (:func:`synthesis`, unrounded) with at least two subgroups. ``k`` sums the subgroups' trials:
    a trial in several subgroups counts in each."""
    tests = []
    for analysis, column in ANALYSES.items():
        members = [r for r in results if r["analysis"] == analysis]
        if column is not None and len(members) >= 2:
            tests.append(dict(subgroup_test(members), analysis=analysis))
    return tests


def nnt(g: float, control_event_rate: float) -> float:
    """The number needed to treat for a standardised mean difference *g*, by Furukawa's method (Furukawa
    1999; Furukawa and Leucht 2011): ``1 / (Φ(g + Φ⁻¹(CER)) - CER)``, the control event rate CER given;
    infinite for g = 0, negative (a number needed to harm) for g < 0."""
    from scipy import stats

    if not 0 < control_event_rate < 1:
        raise ValueError("the control event rate must lie between 0 and 1")
    if g == 0:
        return float("inf")
    return 1.0 / (float(stats.norm.cdf(g + stats.norm.ppf(control_event_rate))) - control_event_rate)


def table_row(row: dict) -> dict[str, str]:
    """A synthesis row as the table writes it: fixed decimals (:data:`DECIMALS`), whole numbers for k and
    the participants."""
    cells = {"analysis": row["analysis"], "level": row["level"], "k": str(int(row["k"])),
             "participants": fixed(row["participants"], 0)}
    cells.update({name: fixed(row[name], places) for name, places in DECIMALS.items()})
    return cells


def table_text(rows: list[dict], columns: Sequence[str] = COLUMNS, cells=None) -> str:
    """A table as CSV text (header *columns*, ``\\n`` line ends, quotes only where needed), each row's cells
    made by *cells* (default :func:`table_row`, the synthesis table's)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows((cells or table_row)(row) for row in rows)
    return out.getvalue()


def small_study_row(row: dict) -> dict[str, str]:
    """A small-study effects row as its table writes it (:data:`SMALL_STUDY_DECIMALS`)."""
    return {"analysis": row["analysis"], "level": row["level"], "test": row["test"], "k": str(int(row["k"])),
            **{name: fixed(row[name], places) for name, places in SMALL_STUDY_DECIMALS.items()}}


def subgroup_row(row: dict) -> dict[str, str]:
    """A subgroup-differences row as its table writes it (:data:`SUBGROUP_DECIMALS`)."""
    return {"analysis": row["analysis"], "subgroups": str(row["subgroups"]), "k": str(row["k"]),
            "df": str(row["df"]), **{name: fixed(row[name], places) for name, places in SUBGROUP_DECIMALS.items()}}
