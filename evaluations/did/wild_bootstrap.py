"""Restricted wild cluster bootstrap (WCR) for one coefficient of a linear model with clustered errors.

The bootstrap of Cameron, Gelbach & Miller (2008) with the null imposed, computed as in Roodman, Nielsen,
MacKinnon & Webb (2019), "Fast and wild: bootstrap inference in Stata using boottest": every bootstrap
statistic is a ratio of a linear and a quadratic form in the cluster weights, so a draw costs O(G) and no
regression is refitted. It is the "11" variant (CRV1 variance, residuals unchanged) of R `fwildclusterboot`
and Python `wildboottest`, with their defaults: the null imposed, Rademacher weights, every one of the 2^G
sign vectors when 2^G is at most the number of draws, and the symmetric two-sided p-value.

A fixed effect whose groups each lie in one cluster (unit effects with clusters of units or of states) can be
absorbed by demeaning (`absorb`); the result is then that of the model with the effect's dummies, because
the restricted residuals have mean zero in each of its groups. Other fixed effects (periods) go in `x` as
dummies.

With few treated clusters the bootstrap distribution is lumpy and, with Rademacher weights, bounded
(MacKinnon & Webb 2018, "The wild bootstrap for few (treated) clusters"): on the joint-operations panel
(29 state clusters, 7 treated) no Rademacher draw reaches the observed t while Webb's six points do; report
the weights with the p-value, and prefer Webb's when the treated clusters are few.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

WEIGHTS = ("rademacher", "webb")
WEBB_POINTS = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])


class WildBootstrapError(ValueError):
    """The model or the options cannot support the wild cluster bootstrap (named argument, reason)."""


@dataclass(frozen=True)
class WildBootstrapResult:
    """The bootstrap test of `term` = `null` and the test-inverted confidence interval."""

    term: str
    estimate: float
    null: float
    t_stat: float
    p_value: float
    ci: tuple[float, float]
    level: float
    draws: int
    weights: str
    enumerated: bool
    n_clusters: int
    seed: int | None

    def to_dict(self) -> dict:
        return {
            "term": self.term, "estimate": self.estimate, "null": self.null, "t_stat": self.t_stat,
            "p_value": self.p_value, "ci_low": self.ci[0], "ci_high": self.ci[1], "level": self.level,
            "draws": self.draws, "weights": self.weights, "enumerated": self.enumerated,
            "n_clusters": self.n_clusters, "seed": self.seed,
        }


def bootstrap_weights(n_clusters: int, draws: int, weights: str, rng: np.random.Generator) -> tuple[np.ndarray, bool]:
    """The G x B matrix of cluster weights, and whether it enumerates every Rademacher sign vector."""
    if weights not in WEIGHTS:
        raise WildBootstrapError(f"weights must be one of {', '.join(WEIGHTS)}, got {weights!r}")
    if weights == "rademacher" and n_clusters < 63 and 2**n_clusters <= draws:
        signs = np.array(list(itertools.product((1.0, -1.0), repeat=n_clusters)))
        return signs.T, True
    if weights == "rademacher":
        return rng.choice(np.array([-1.0, 1.0]), size=(n_clusters, draws)), False
    return rng.choice(WEBB_POINTS, size=(n_clusters, draws)), False


def _group_sums(values: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Column sums of `values` (n x m) within each group: n_groups x m."""
    out = np.zeros((n_groups, values.shape[1]))
    np.add.at(out, codes, values)
    return out


def _absorb(matrix: np.ndarray, groups: np.ndarray) -> np.ndarray:
    frame = pd.DataFrame(matrix)
    return (frame - frame.groupby(groups).transform("mean")).to_numpy()


class _Statistics:
    """The bootstrap t statistics of the null beta_j = r as functions of r, for fixed weights V.

    With A = (X'X)^-1 and a_i = (A x_i)_j, the restricted residuals are u(r) = u0 - r u1 (u0 from regressing y
    on X without column j, u1 from regressing x_j on it). Under weights v the bootstrap numerator is
    s(r)'v with s_g = sum over cluster g of a_i u_i, and the cluster scores of the bootstrap residuals are
    (diag(s) - C) v with C[g, h] = c_g' S_h, c_g = A sum_g x_i a_i and S_h = sum_h x_i u_i; all are linear in r.
    """

    def __init__(self, y: np.ndarray, x: np.ndarray, column: int, codes: np.ndarray, n_clusters: int, v: np.ndarray):
        xtx_inv = np.linalg.inv(x.T @ x)
        a = x @ xtx_inv[:, column]
        others = np.delete(x, column, axis=1)
        if others.shape[1]:
            project = lambda z: z - others @ np.linalg.lstsq(others, z, rcond=None)[0]  # noqa: E731
        else:
            project = lambda z: z  # noqa: E731
        self.beta = float(a @ y)
        residual = y - x @ (xtx_inv @ (x.T @ y))
        self.scores = _group_sums((a * residual)[:, None], codes, n_clusters)[:, 0]
        c = xtx_inv @ _group_sums(x * a[:, None], codes, n_clusters).T
        parts = []
        for u in (project(y), project(x[:, column])):
            s = _group_sums((a * u)[:, None], codes, n_clusters)[:, 0]
            big_s = _group_sums(x * u[:, None], codes, n_clusters).T
            k = np.diag(s) - c.T @ big_s
            parts.append((s @ v, k @ v))
        (self.n0, kv0), (self.n1, kv1) = parts
        self.q00 = np.einsum("gb,gb->b", kv0, kv0)
        self.q01 = np.einsum("gb,gb->b", kv0, kv1)
        self.q11 = np.einsum("gb,gb->b", kv1, kv1)

    def t_boot(self, r: float, ssc: float) -> np.ndarray:
        numerator = self.n0 - r * self.n1
        variance = ssc * (self.q00 - 2 * r * self.q01 + r * r * self.q11)
        with np.errstate(divide="ignore", invalid="ignore"):
            return numerator / np.sqrt(variance)

    def std_error(self, ssc: float) -> float:
        return float(np.sqrt(ssc * self.scores @ self.scores))


def _p_value(t: float, t_boot: np.ndarray) -> float:
    """Share of bootstrap statistics at least as large as |t| in absolute value (ties, as the all-ones draw
    that reproduces t itself, counted as at least as large)."""
    return float(np.mean(np.abs(t_boot) >= abs(t) * (1 - 1e-10)))


def wild_cluster_bootstrap(
    y: np.ndarray | pd.Series, x: pd.DataFrame, cluster: np.ndarray | pd.Series, term: str,
    null: float = 0.0, draws: int = 9999, weights: str = "rademacher", seed: int | None = None,
    level: float = 0.95, absorb: np.ndarray | pd.Series | None = None, ssc: float | None = None,
) -> WildBootstrapResult:
    """WCR test of `term` = `null` in the regression of `y` on the columns of `x` (include a constant column
    when the model has one), errors clustered by `cluster`; p-value and test-inverted `level` interval.

    `absorb` is a fixed effect nested in the clusters, removed by demeaning. `ssc` is the small-sample factor
    of the variance, applied to the statistic and to every bootstrap statistic alike (so it leaves the
    p-value and interval unchanged); by default (n - 1) / (n - K) * G / (G - 1), K the columns of `x`.
    """
    if term not in x.columns:
        raise WildBootstrapError(f"term {term!r} is not a column of x (columns: {', '.join(map(str, x.columns))})")
    if draws < 1:
        raise WildBootstrapError(f"draws must be a positive integer, got {draws}")
    if not 0 < level < 1:
        raise WildBootstrapError(f"level must be between 0 and 1, got {level}")
    yv = np.asarray(y, dtype=float)
    xv = x.to_numpy(dtype=float)
    codes, labels = pd.factorize(np.asarray(cluster))
    n_clusters = len(labels)
    if (codes < 0).any():
        raise WildBootstrapError("cluster has missing values")
    if n_clusters < 2:
        raise WildBootstrapError(f"at least 2 clusters are needed, got {n_clusters}")
    if absorb is not None:
        groups = np.asarray(absorb)
        nesting = pd.DataFrame({"fe": groups, "cluster": codes}).groupby("fe")["cluster"].nunique()
        if (nesting > 1).any():
            raise WildBootstrapError(f"absorb: group {nesting.index[nesting > 1][0]!r} spans several clusters "
                                     "(only a fixed effect nested in the clusters can be absorbed)")
        yv = _absorb(yv[:, None], groups)[:, 0]
        xv = _absorb(xv, groups)
    n, k = xv.shape
    if ssc is None:
        ssc = (n - 1) / (n - k) * n_clusters / (n_clusters - 1)
    v, enumerated = bootstrap_weights(n_clusters, draws, weights, np.random.default_rng(seed))
    stats = _Statistics(yv, xv, list(x.columns).index(term), codes, n_clusters, v)
    se = stats.std_error(ssc)

    def p_at(r: float) -> float:
        return _p_value((stats.beta - r) / se, stats.t_boot(r, ssc))

    alpha = 1 - level
    ci = (_bound(p_at, stats.beta, -se, alpha), _bound(p_at, stats.beta, se, alpha))
    return WildBootstrapResult(
        term=term, estimate=stats.beta, null=float(null), t_stat=(stats.beta - null) / se, p_value=p_at(null),
        ci=ci, level=level, draws=v.shape[1], weights=weights, enumerated=enumerated, n_clusters=n_clusters,
        seed=seed,
    )


def _bound(p_at, estimate: float, step: float, alpha: float) -> float:
    """The null value beyond which the test rejects at `alpha`, on the side of `step`: bracketed by doubling
    the distance from the estimate, then bisected until the bracket is below 1e-9 of a standard error."""
    inside, outside = estimate, estimate + 2 * step
    for _ in range(60):
        if p_at(outside) < alpha:
            break
        inside, outside = outside, estimate + 2 * (outside - estimate)
    else:
        return float(np.inf if step > 0 else -np.inf)
    while abs(outside - inside) > 1e-9 * abs(step):
        middle = (inside + outside) / 2
        if p_at(middle) < alpha:
            outside = middle
        else:
            inside = middle
    return float((inside + outside) / 2)


def panel_wild_bootstrap(
    data: pd.DataFrame, outcome: str, unit: str, time: str, regressors: list[str], term: str,
    cluster: str | None = None, **options,
) -> WildBootstrapResult:
    """WCR test of a TWFE or event-study coefficient: `outcome` on `regressors` with unit and period effects,
    clustered by `cluster` (default the unit; the units must be nested in it). The unit effects are absorbed,
    the period effects enter as dummies; `options` are those of `wild_cluster_bootstrap`. The statistic uses
    the fixest small-sample factor of `evaluations.did.twfe` (K = regressors + periods), so it equals
    the t statistic of `twfe(..., ssc="fixest")` on the same rows."""
    columns = list(dict.fromkeys([unit, time, outcome, *regressors, *([cluster] if cluster else [])]))
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise WildBootstrapError(f"column {missing[0]!r} not in data")
    frame = data[columns].dropna()
    periods = pd.get_dummies(frame[time], prefix="_period", drop_first=True).astype(float)
    x = pd.concat([frame[regressors].astype(float), periods], axis=1)
    groups = frame[cluster if cluster else unit]
    n, k, g = len(frame), len(regressors) + frame[time].nunique(), groups.nunique()
    options.setdefault("ssc", (n - 1) / (n - k) * g / (g - 1))
    return wild_cluster_bootstrap(frame[outcome].astype(float), x, groups, term, absorb=frame[unit], **options)
