"""A second, separate implementation of the review's synthesis, to check the pipeline's numbers against.

Written from the formulas, not from the pipeline's code, and without
statsmodels or scipy:

- a study's effects combined as metafor's ``aggregate(struct="CS", rho)``:
  ``V = diag(se) R diag(se)``, ``W = V⁻¹`` (an explicit inverse), estimate
  ``sum(W y) / sum(W)``, variance ``1 / sum(W)``;
- Paule-Mandel tau-squared as the root of ``Q(τ²) = Σ wᵢ (yᵢ - μ(τ²))² = k - 1``
  with ``wᵢ = 1 / (vᵢ + τ²)``, found by bisection (Q decreases in τ²), 0 when
  ``Q(0) < k - 1``;
- the random-effects mean, its standard error ``1 / sqrt(Σ wᵢ)`` and a
  normal 95 % interval (the quantile from the standard library);
- I² from Cochran's Q (Higgins and Thompson).
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

Z = NormalDist().inv_cdf(0.975)


def aggregate(effects: list[float], ses: list[float], rho: float = 0.5) -> tuple[float, float]:
    """One trial's effects as GLS with an explicit inverse of V = S R S (R: 1 on the diagonal, rho elsewhere)."""
    k = len(effects)
    r = np.array([[1.0 if i == j else rho for j in range(k)] for i in range(k)])
    s = np.diag(ses)
    w = np.linalg.inv(s @ r @ s)
    return float((w @ np.array(effects)).sum() / w.sum()), float(1 / w.sum())


def generalised_q(y: np.ndarray, v: np.ndarray, tau2: float) -> float:
    """The generalised Q of effects *y* with variances *v* at between-trial variance *tau2*."""
    w = 1 / (v + tau2)
    mu = (w * y).sum() / w.sum()
    return float((w * (y - mu) ** 2).sum())


def paule_mandel(y: np.ndarray, v: np.ndarray) -> float:
    """tau2 solving Q(tau2) = k - 1 by bisection (0 when Q(0) <= k - 1)."""
    k = len(y)
    if k < 2 or generalised_q(y, v, 0.0) <= k - 1:
        return 0.0
    low, high = 0.0, 1.0
    while generalised_q(y, v, high) > k - 1:
        high *= 2
    for _ in range(200):
        middle = (low + high) / 2
        if generalised_q(y, v, middle) > k - 1:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def pool(effects: list[float], variances: list[float]) -> dict:
    """Random-effects pooling (Paule-Mandel tau2, normal 95 % interval) and I² from the fixed-effect Q."""
    y, v = np.array(effects), np.array(variances)
    tau2 = paule_mandel(y, v)
    w = 1 / (v + tau2)
    mu = float((w * y).sum() / w.sum())
    se = 1 / math.sqrt(w.sum())
    fixed_w = 1 / v
    q = float((fixed_w * (y - (fixed_w * y).sum() / fixed_w.sum()) ** 2).sum())
    i2 = max(0.0, (q - (len(y) - 1)) / q) * 100 if len(y) > 1 and q > 0 else 0.0
    return {"k": len(y), "g": mu, "ci_low": mu - Z * se, "ci_high": mu + Z * se, "tau2": tau2, "i2": i2}


def analyses(comparisons: list[dict]) -> dict[tuple[str, str], dict]:
    """Every analysis of the review from post-treatment comparisons (dicts with key, psychotherapy, control,
    time, g, g_se as numbers or text)."""
    post = [c for c in comparisons if c["time"] == "post"]
    groups: dict[tuple[str, str], list[dict]] = {("overall", "all"): post}
    for c in post:
        groups.setdefault(("control", c["control"]), []).append(c)
        groups.setdefault(("therapy", c["psychotherapy"]), []).append(c)
    results = {}
    for name, rows in groups.items():
        studies: dict[str, list[dict]] = {}
        for c in rows:
            studies.setdefault(c["key"], []).append(c)
        pairs = [aggregate([float(c["g"]) for c in cs], [float(c["g_se"]) for c in cs]) for cs in studies.values()]
        results[name] = pool([p[0] for p in pairs], [p[1] for p in pairs])
    return results


# --- robustness: prediction interval, sensitivity analyses, Egger, Q between, NNT ---------------------------
# Written from the formulas too; the distributions' tails from the regularised incomplete beta and gamma
# functions (continued fractions and series, Numerical Recipes ch. 6), not from scipy.


def prediction_interval(mu: float, se: float, tau2: float) -> tuple[float, float]:
    """metafor predict(): mu ± z sqrt(tau2 + se²)."""
    half = Z * math.sqrt(tau2 + se * se)
    return mu - half, mu + half


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz)."""
    tiny, c, d = 1e-300, 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 10000):
        for numerator in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1 + numerator * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + numerator / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1) < 1e-15:
            break
    return h


def incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1) / (a + b + 2):
        return front * _beta_fraction(a, b, x) / a
    return 1 - front * _beta_fraction(b, a, 1 - x) / b


def t_two_sided_p(t: float, df: int) -> float:
    """P(|T| >= |t|) for Student's t with df degrees of freedom: I_{df/(df+t²)}(df/2, 1/2)."""
    return incomplete_beta(df / 2, 0.5, df / (df + t * t))


def t_quantile(p: float, df: int) -> float:
    """The upper-tail quantile of Student's t (P(T > q) = p), by bisection on the two-sided p."""
    low, high = 0.0, 1000.0
    for _ in range(200):
        middle = (low + high) / 2
        if t_two_sided_p(middle, df) / 2 > p:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def chi2_sf(q: float, df: int) -> float:
    """P(X >= q) for chi-squared with df degrees of freedom: the regularised upper incomplete gamma Q(df/2, q/2)."""
    a, x = df / 2, q / 2
    if x <= 0:
        return 1.0
    if x < a + 1:  # series for P, then 1 - P
        term = total = 1 / a
        n = a
        while abs(term) > abs(total) * 1e-16:
            n += 1
            term *= x / n
            total += term
        return 1 - total * math.exp(-x + a * math.log(x) - math.lgamma(a))
    tiny, b = 1e-300, x + 1 - a  # continued fraction for Q
    c, d = 1 / tiny, 1 / b
    h = d
    for i in range(1, 10000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = 1 / (d if abs(d) > tiny else tiny)
        c = b + an / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        if abs(d * c - 1) < 1e-15:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h


def egger(effects: list[float], variances: list[float]) -> dict:
    """Egger's test as metafor's regtest(model="lm", predictor="sei"): weighted least squares of y on
    (1, se) with weights 1/v by the normal equations, residual variance sigma² = RSS_w / (k - 2), the
    slope's t and p (k - 2 df), the intercept with its t interval."""
    y, v = np.array(effects), np.array(variances)
    k = len(y)
    x = np.column_stack([np.ones(k), np.sqrt(v)])
    w = np.diag(1 / v)
    xtwx_inv = np.linalg.inv(x.T @ w @ x)
    beta = xtwx_inv @ x.T @ w @ y
    residuals = y - x @ beta
    sigma2 = float(residuals @ w @ residuals) / (k - 2)
    se = np.sqrt(np.diag(xtwx_inv) * sigma2)
    t = float(beta[1] / se[1])
    q = t_quantile(0.025, k - 2)
    return {"k": k, "statistic": t, "p": t_two_sided_p(t, k - 2), "limit_g": float(beta[0]),
            "ci_low": float(beta[0] - q * se[0]), "ci_high": float(beta[0] + q * se[0])}


def q_between(estimates: list[float], ses: list[float]) -> dict:
    """The test of subgroup differences: Cochran's Q of the subgroup estimates with weights 1/se², J - 1 df."""
    w = 1 / np.array(ses) ** 2
    y = np.array(estimates)
    mean = (w * y).sum() / w.sum()
    q = float((w * (y - mean) ** 2).sum())
    return {"q_between": q, "df": len(y) - 1, "p": chi2_sf(q, len(y) - 1)}


def nnt(g: float, cer: float) -> float:
    """Furukawa (1999): NNT = 1 / (Φ(g + Φ⁻¹(CER)) - CER), with the standard library's normal distribution."""
    normal = NormalDist()
    return 1 / (normal.cdf(g + normal.inv_cdf(cer)) - cer)


def _trials(rows: list[dict]) -> dict[str, list[dict]]:
    studies: dict[str, list[dict]] = {}
    for c in rows:
        studies.setdefault(c["key"], []).append(c)
    return studies


def _pooled_trials(rows: list[dict]) -> tuple[dict, list[float], list[float]]:
    """One aggregate per trial (in key order), pooled, with the prediction interval and the pooled g's SE."""
    pairs = [aggregate([float(c["g"]) for c in cs], [float(c["g_se"]) for c in cs])
             for _, cs in sorted(_trials(rows).items())]
    effects, variances = [p[0] for p in pairs], [p[1] for p in pairs]
    return _with_pi(pool(effects, variances), effects, variances), effects, variances


def _with_pi(result: dict, effects: list[float], variances: list[float]) -> dict:
    se = (result["ci_high"] - result["ci_low"]) / (2 * Z)
    result["se"] = se
    result["pi_low"], result["pi_high"] = prediction_interval(result["g"], se, result["tau2"])
    return result



def _all_four_met(c: dict) -> bool:
    """Whether an effect size meets the four risk-of-bias criteria, from its ratings (1, or "sr" for blinding of
    outcome assessment, as the Methods define it), or from its score 4 when it has no rating at all."""
    ratings = [c.get("sg"), c.get("ac"), c.get("itt"), c.get("ba")]
    if all(r in (None, "") for r in ratings):
        return c.get("rob") not in (None, "") and float(c["rob"]) == 4
    return [str(r) for r in ratings[:3]] == ["1", "1", "1"] and str(ratings[3]) in ("1", "sr")

def robustness(comparisons: list[dict]) -> dict:
    """Everything beyond the pooled rows, from post-treatment comparisons: each analysis with its
    prediction interval (``rows``), the sensitivity analyses of the overall effect (the trials whose arms
    analyse more participants than were randomised left out: when there are any), Egger's test on the
    overall per-trial effects, Q between for control and therapy."""
    post = [c for c in comparisons if c["time"] == "post"]
    groups: dict[tuple[str, str], list[dict]] = {("overall", "all"): post}
    for c in post:
        groups.setdefault(("control", c["control"]), []).append(c)
        groups.setdefault(("therapy", c["psychotherapy"]), []).append(c)
    rows = {name: _pooled_trials(members)[0] for name, members in groups.items()}
    overall, effects, variances = _pooled_trials(post)
    low = {key for key, cs in _trials(post).items() if all(_all_four_met(c) for c in cs)}
    if low:
        rows[("sensitivity", "low-rob")] = _pooled_trials([c for c in post if c["key"] in low])[0]
    keys = sorted(_trials(post))
    outliers = {key for key, y, v in zip(keys, effects, variances, strict=True)
                if y + Z * math.sqrt(v) < overall["ci_low"] or y - Z * math.sqrt(v) > overall["ci_high"]}
    rows[("sensitivity", "outliers-removed")] = _pooled_trials([c for c in post if c["key"] not in outliers])[0]
    # the trials with an arm whose participants analysed outnumber those randomised to it
    oversized = {c["key"] for c in post for arm in ("1", "2")
                 if c.get(f"n_arm{arm}") not in (None, "") and c.get(f"rand_arm{arm}") not in (None, "")
                 and float(c[f"n_arm{arm}"]) > float(c[f"rand_arm{arm}"])}
    if oversized:
        rows[("sensitivity", "oversized-arms-removed")] = _pooled_trials(
            [c for c in post if c["key"] not in oversized])[0]
    for level, pick in (("largest", max), ("smallest", min)):
        chosen = [pick(sorted(cs, key=lambda c: str(c["id"])), key=lambda c: float(c["g"]))
                  for _, cs in sorted(_trials(post).items())]
        ys, vs = [float(c["g"]) for c in chosen], [float(c["g_se"]) ** 2 for c in chosen]
        rows[("sensitivity", level)] = _with_pi(pool(ys, vs), ys, vs)
    between = {}
    for analysis in ("control", "therapy"):
        subgroups = [row for (name, _), row in sorted(rows.items()) if name == analysis]
        if len(subgroups) >= 2:
            between[analysis] = q_between([r["g"] for r in subgroups], [r["se"] for r in subgroups])
    return {"rows": rows, "egger": egger(effects, variances), "between": between}
