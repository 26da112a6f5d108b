"""Statistics across seeds: intervals, robust centres and tests against a baseline.

numpy and scipy only. Every function takes plain sequences of floats; non-finite values are
the caller's to keep or drop (NaN means "undefined" and is dropped by :func:`describe`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

Z95 = 1.959963984540054  # the 97.5% quantile of the standard normal
ALPHA = 0.05
BOOTSTRAP_RESAMPLES = 9999
BCA_MIN_N = 5


@dataclass(frozen=True)
class Interval:
    low: float | None
    high: float | None
    method: str


def wilson_interval(failures: int, n: int, z: float = Z95) -> Interval:
    """Wilson score interval for a proportion (good at 0 of n and n of n, unlike Wald's)."""
    if n == 0:
        return Interval(None, None, "no trials")
    p = failures / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return Interval(max(0.0, centre - half), min(1.0, centre + half), "Wilson")


def mean_interval(values: Sequence[float], seed: int = 0) -> Interval:
    """95% bootstrap interval of the mean: BCa, or percentile where BCa degenerates (fewer
    than 5 values, or BCa undefined); zero width when all values are equal."""
    x = np.asarray(values, dtype=float)
    if len(x) < 2:
        return Interval(None, None, f"none (n={len(x)})")
    if not np.isfinite(x).all():
        return Interval(None, None, "none (non-finite values)")
    if np.all(x == x[0]):
        return Interval(float(x[0]), float(x[0]), "all values equal")
    methods = ["BCa", "percentile"] if len(x) >= BCA_MIN_N else ["percentile"]
    for method in methods:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = stats.bootstrap(
                (x,),
                np.mean,
                confidence_level=0.95,
                n_resamples=BOOTSTRAP_RESAMPLES,
                method=method,
                rng=np.random.default_rng(seed),
            )
        low, high = result.confidence_interval
        if np.isfinite(low) and np.isfinite(high):
            return Interval(float(low), float(high), f"bootstrap {method}")
    return Interval(None, None, "none (bootstrap undefined)")


def interquartile_mean(values: Sequence[float]) -> float:
    """Mean of the middle half (25% trimmed from each end)."""
    return float(stats.trim_mean(np.asarray(values, dtype=float), 0.25))


def describe(values: Sequence[float], seed: int = 0) -> dict[str, object]:
    """n, mean with its interval, median and IQM of one cell's values (NaN dropped)."""
    x = np.asarray([v for v in values if not math.isnan(v)], dtype=float)
    if len(x) == 0:
        return {"n": 0}
    interval = mean_interval(x, seed)
    return {
        "n": len(x),
        "mean": float(np.mean(x)),
        "ci_low": interval.low,
        "ci_high": interval.high,
        "ci_method": interval.method,
        "median": float(np.median(x)),
        "iqm": interquartile_mean(x),
    }


def probability_of_improvement(
    x: Sequence[float], y: Sequence[float], higher_is_better: bool
) -> float:
    """P(a value of x is better than one of y), ties counting half: U / (n_x n_y)."""
    a = np.asarray(x, dtype=float)[:, None]
    b = np.asarray(y, dtype=float)[None, :]
    wins = (a > b) if higher_is_better else (a < b)
    return float((wins.sum() + 0.5 * (a == b).sum()) / (a.size * b.size))


def mann_whitney_p(x: Sequence[float], y: Sequence[float]) -> float:
    """Two-sided Mann-Whitney U p-value (exact for small samples without ties). Samples
    that are all one and the same value give 1: there is nothing to tell apart."""
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(np.unique(np.concatenate([a, b]))) == 1:
        return 1.0
    return float(stats.mannwhitneyu(a, b, alternative="two-sided").pvalue)


def welch_p(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Welch's two-sided t-test p-value; None where it is undefined (fewer than two values
    on a side, no variance, non-finite values)."""
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if min(len(a), len(b)) < 2 or not (np.isfinite(a).all() and np.isfinite(b).all()):
        return None
    if np.var(a) == 0 and np.var(b) == 0:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = stats.ttest_ind(a, b, equal_var=False).pvalue
    return float(p) if np.isfinite(p) else None


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values (family-wise error control), in the input order."""
    p = np.asarray(pvalues, dtype=float)
    m = len(p)
    adjusted = np.empty(m)
    running = 0.0
    for rank, index in enumerate(np.argsort(p, kind="stable")):
        running = max(running, min(1.0, (m - rank) * p[index]))
        adjusted[index] = running
    return adjusted.tolist()


def verdict(adjusted_p: float, improvement: float, n_cell: int, n_baseline: int) -> str:
    """better / worse only when the corrected Mann-Whitney test rejects and the direction of
    the probability of improvement agrees; otherwise say what the data cannot show."""
    if adjusted_p < ALPHA and improvement > 0.5:
        return "better"
    if adjusted_p < ALPHA and improvement < 0.5:
        return "worse"
    n = f"{n_cell}" if n_cell == n_baseline else f"{n_cell} vs {n_baseline}"
    return f"no detectable difference at n={n} seeds"
