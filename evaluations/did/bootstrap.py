"""Multiplier bootstrap for influence-function-based estimators (Callaway & Sant'Anna 2021, §4).

Conventions follow R's `did` package (`mboot`):

* Mammen (1993) two-point weights, mean 0 and variance 1: ``(1 - sqrt 5)/2`` with probability
  ``(sqrt 5 + 1)/(2 sqrt 5)``, else ``(1 + sqrt 5)/2``;
* one weight per cluster (per unit when not clustered);
* the standard error is the interquartile range of the bootstrap draws divided by the
  interquartile range of the standard normal (robust to heavy tails);
* the uniform (simultaneous) critical value is the 1 - alpha quantile, R's type-1 sample
  quantile, of ``max_k |draw_k / se_k|`` over the estimated parameters.

The draws are generated once per estimate (seeded ``numpy.random.Generator``) and reused for
every aggregation, so all bands of one `CSResult` come from the same bootstrap sample.
"""
from __future__ import annotations

import numpy as np
from scipy import stats

SQRT5 = np.sqrt(5.0)
_MAMMEN_LOW = (1.0 - SQRT5) / 2.0
_MAMMEN_HIGH = (1.0 + SQRT5) / 2.0
_MAMMEN_P_LOW = (SQRT5 + 1.0) / (2.0 * SQRT5)
NORMAL_IQR = float(stats.norm.ppf(0.75) - stats.norm.ppf(0.25))
# Parameters whose bootstrap spread is below this are treated as degenerate (e.g. the
# reference cell of a universal base period), as R does with sqrt(.Machine$double.eps)*10.
DEGENERATE = np.sqrt(np.finfo(float).eps) * 10


def mammen_weights(n_clusters: int, n_draws: int, seed: int | None) -> np.ndarray:
    """(n_clusters x n_draws) Mammen multiplier weights from a seeded generator.

    Laid out one row per cluster (unit) so that gathering the rows of a cohort is a contiguous
    copy; every bootstrap array in this package is "parameters x draws".
    """
    if n_draws < 2:
        raise ValueError(f"bootstrap needs at least 2 draws, got {n_draws}")
    rng = np.random.default_rng(seed)
    # float32 uniforms (24-bit resolution) are ample for a Bernoulli(0.7236) draw and 3x cheaper
    low = rng.random((n_clusters, n_draws), dtype=np.float32) < np.float32(_MAMMEN_P_LOW)
    return np.where(low, _MAMMEN_LOW, _MAMMEN_HIGH)


def quantile_type1(draws: np.ndarray, prob: float, axis: int = -1) -> np.ndarray:
    """R's type-1 sample quantile (inverse of the empirical distribution function)."""
    n = draws.shape[axis]
    k = int(np.clip(np.ceil(n * prob) - 1, 0, n - 1))
    return np.take(np.partition(draws, k, axis=axis), k, axis=axis)


def iqr_se(draws: np.ndarray) -> np.ndarray:
    """Bootstrap SE per row of `draws` (parameters x draws): IQR / normal IQR (R `did`)."""
    n = draws.shape[1]
    k25 = int(np.clip(np.ceil(n * 0.25) - 1, 0, n - 1))
    k75 = int(np.clip(np.ceil(n * 0.75) - 1, 0, n - 1))
    ordered = np.sort(draws, axis=1)   # SIMD sort beats a two-kth partition by ~5x here
    return (ordered[:, k75] - ordered[:, k25]) / NORMAL_IQR


def uniform_critical_value(draws: np.ndarray, se: np.ndarray, alpha: float) -> float:
    """Sup-t critical value for a simultaneous (1 - alpha) band over the rows of `draws`.

    Rows with a degenerate SE (no sampling variation) are left out, as in R `did`.
    Returns NaN when no row is usable (the caller then falls back to a pointwise band).
    """
    keep = np.isfinite(se) & (se > DEGENERATE)
    if not keep.any():
        return float("nan")
    t_max = np.max(np.abs(draws[keep] / se[keep, None]), axis=0)
    return float(quantile_type1(t_max, 1.0 - alpha))


def cluster_sums(influence: np.ndarray, codes: np.ndarray | None, n_clusters: int | None) -> np.ndarray:
    """Sum the rows of an (n x k) influence matrix within clusters (identity without clusters)."""
    if codes is None:
        return influence
    assert n_clusters is not None   # cluster codes come with their count (did.panel.Panel)
    out = np.zeros((n_clusters, influence.shape[1]))
    np.add.at(out, codes, influence)
    return out


def analytic_se(influence: np.ndarray, n: int, codes: np.ndarray | None = None,
                n_clusters: int | None = None) -> np.ndarray:
    """sqrt(sum_c (sum_{i in c} psi_i)^2) / n for each column (cluster = unit when not given)."""
    sums = cluster_sums(influence, codes, n_clusters)
    return np.sqrt(np.einsum("ij,ij->j", sums, sums)) / n
