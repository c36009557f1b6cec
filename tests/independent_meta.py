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
