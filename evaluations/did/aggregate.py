"""Aggregations of ATT(g,t) into summary parameters (Callaway & Sant'Anna 2021, §3; R `aggte`).

* ``simple``   — average of post-treatment ATT(g,t) weighted by cohort size;
* ``dynamic``  — event-study effects by event time e = t - g (cohort-size weights), overall =
  mean of the e >= 0 effects; ``balance_e`` keeps only cohorts observed for at least e+1
  post periods and event times in [balance_e - (T_last - T_first), balance_e];
* ``group``    — average post-treatment effect per cohort, overall = cohort-size-weighted mean;
* ``calendar`` — average effect per calendar period across treated cohorts, overall = mean.

Every aggregated parameter theta = sum_k a_k ATT_k is represented by its cell weights `a` and,
because the weights are estimated cohort shares, by an extra influence-function term that is
linear in the cohort indicators (R's "wif"):
``(1/S) sum_k (ATT_k - theta) (w 1{G = g_k} - p_{g_k})`` with ``S = sum_k p_{g_k}``.
Cohort shares p_g are weighted by the unit sampling weights, as in R's `aggte` (moderndid 0.2
uses unweighted shares, so its weighted aggregations differ). Standard errors use the full
influence function (analytic) or the same multiplier-bootstrap draws as the ATT(g,t) (then the
by-level bands are simultaneous within the aggregation).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse, stats

from . import bootstrap as _boot
from .twfe import DidInputError
from .values import plain_number

KINDS = ("simple", "dynamic", "group", "calendar")
_LEVEL = {"dynamic": "event_time", "group": "group", "calendar": "time"}


@dataclass
class Aggregation:
    kind: str
    overall: dict                  # estimate, std_error, ci_low, ci_high, p_value
    by: pd.DataFrame               # level column + estimate, std_error, ci_low, ci_high, p_value
    band_kind: str                 # "simultaneous" or "pointwise"
    critical_value: float
    balance_e: int | None = None
    _influence: np.ndarray | None = field(default=None, repr=False)
    _lazy: tuple | None = field(default=None, repr=False)
    _by_terms: tuple | None = field(default=None, repr=False)   # (A, C, Ind, pg) of the by-level parameters

    @property
    def influence(self) -> np.ndarray:
        """Influence function (n_units,) of the overall parameter."""
        if self._influence is None:
            assert self._lazy is not None   # `aggregate` sets one of the two
            result, a0, c0, Ind, pg = self._lazy
            self._influence = np.asarray(result._if @ a0.toarray().ravel()) + (Ind - pg) @ c0
        return self._influence

    def to_dict(self) -> dict:
        if self.kind == "simple":
            return dict(self.overall)
        level = _LEVEL[self.kind]
        by = []
        for r in self.by.itertuples(index=False):
            row = {level: plain_number(getattr(r, level))}
            row.update({c: _clean(getattr(r, c)) for c in ("estimate", "std_error", "ci_low", "ci_high", "p_value")})
            by.append(row)
        out = {"overall": dict(self.overall), "by": by, "band": self.band_kind,
               "critical_value": float(self.critical_value)}
        if self.kind == "dynamic":
            out["balance_e"] = self.balance_e
        return out

    def summary(self) -> str:
        o = self.overall
        lines = [f"{self.kind} aggregation: ATT {o['estimate']:.4f} (se {o['std_error']:.4f}, "
                 f"CI [{o['ci_low']:.4f}, {o['ci_high']:.4f}], p {o['p_value']:.4f})"]
        if self.kind != "simple":
            level = _LEVEL[self.kind]
            lines.append(f"{level:>12}{'estimate':>11}{'std.err':>10}   {self.band_kind} band")
            for r in self.by.itertuples(index=False):
                lines.append(f"{getattr(r, level):>12g}{r.estimate:>11.4f}{r.std_error:>10.4f}   "
                             f"[{r.ci_low:.4f}, {r.ci_high:.4f}]")
        return "\n".join(lines)


def _clean(x):
    x = float(x)
    return None if not np.isfinite(x) else x


def _params_for(keep_sets: list[np.ndarray], weights_sets: list[np.ndarray], att: np.ndarray, gidx: np.ndarray,
                n_cells: int, n_coh: int, with_wif: bool):
    """Cell-weight matrix A (cells x m, sparse) and cohort-term matrix C (cohorts x m) for m parameters."""
    m = len(keep_sets)
    cell = np.concatenate(keep_sets)
    param = np.repeat(np.arange(m), [len(s) for s in keep_sets])
    wts = np.concatenate(weights_sets).astype(float)
    S = np.bincount(param, weights=wts, minlength=m)
    a = wts / S[param]
    theta = np.bincount(param, weights=a * att[cell], minlength=m)
    A = sparse.csr_matrix((a, (cell, param)), shape=(n_cells, m))
    C = np.zeros((n_coh, m))
    if with_wif:
        np.add.at(C, (gidx[cell], param), (att[cell] - theta[param]) / S[param])
    return A, C, theta


def aggregate(result, kind: str = "simple", balance_e: int | None = None,
              min_e: float = -np.inf, max_e: float = np.inf) -> Aggregation:
    """Aggregate the ATT(g,t) of a `CSResult` (see module docstring for the definitions)."""
    if kind not in KINDS:
        raise DidInputError(f"aggregation must be one of {KINDS}, got {kind!r}")
    cells = result.cells
    att = cells["estimate"].to_numpy()
    group = cells["group"].to_numpy()
    time = cells["time"].to_numpy()
    e = cells["event_time"].to_numpy()
    post = cells["post"].to_numpy()
    cohorts = result._cohort_values
    gidx = np.searchsorted(cohorts, group)
    w, G = result._w, result._G
    n = len(w)
    Ind = (G[:, None] == cohorts[None, :]) * w[:, None]          # (n x cohorts)
    pg = Ind.mean(axis=0)
    pgg = pg[gidx]
    k = len(att)
    levels: list = []
    keep_sets: list[np.ndarray] = []
    if kind == "simple":
        keep = np.flatnonzero(post & (time <= group + max_e))
        if len(keep) == 0:
            raise DidInputError("no post-treatment ATT(g,t) to aggregate")
        A, C, theta = _params_for([keep], [pgg[keep]], att, gidx, k, len(cohorts), True)
        overall_A, overall_C = A, C[:, 0]
        by_A = by_C = None
    elif kind == "dynamic":
        include = np.ones(k, bool)
        t_first, t_last = time.min(), time.max()
        eseq = np.unique(e)
        if balance_e is not None:
            include = (t_last - group) >= balance_e
            eseq = np.unique(e[include])
            eseq = eseq[(eseq <= balance_e) & (eseq >= balance_e - (t_last - t_first))]
        eseq = eseq[(eseq >= min_e) & (eseq <= max_e)]
        for ev in eseq:
            keep = np.flatnonzero((e == ev) & include)
            if len(keep):
                levels.append(ev)
                keep_sets.append(keep)
        if not levels:
            raise DidInputError(f"no event times left for the dynamic aggregation (balance_e={balance_e})")
        by_A, by_C, theta = _params_for(keep_sets, [pgg[s] for s in keep_sets], att, gidx, k, len(cohorts), True)
        epos = np.asarray(levels) >= 0
        if not epos.any():
            raise DidInputError("no post-treatment event times for the overall dynamic effect")
        overall_A = by_A[:, np.flatnonzero(epos)].mean(axis=1)
        overall_C = by_C[:, epos].mean(axis=1)
    elif kind == "group":
        for j, g in enumerate(cohorts):
            keep = np.flatnonzero((gidx == j) & post & (time <= g + max_e))
            if len(keep):
                levels.append(g)
                keep_sets.append(keep)
        if not levels:
            raise DidInputError("no post-treatment ATT(g,t) to aggregate by group")
        by_A, by_C, theta = _params_for(keep_sets, [np.ones(len(s)) for s in keep_sets], att, gidx, k,
                                        len(cohorts), False)
        gi = np.searchsorted(cohorts, np.asarray(levels))
        S = pg[gi].sum()
        weights = pg[gi] / S
        overall_theta = weights @ theta
        overall_A = by_A @ weights[:, None]
        overall_C = np.zeros(len(cohorts))
        np.add.at(overall_C, gi, (theta - overall_theta) / S)
    else:  # calendar
        for t in np.unique(time[time >= cohorts.min()]):
            keep = np.flatnonzero((time == t) & post & (time <= group + max_e))
            if len(keep):
                levels.append(t)
                keep_sets.append(keep)
        if not levels:
            raise DidInputError("no post-treatment ATT(g,t) to aggregate by calendar time")
        by_A, by_C, theta = _params_for(keep_sets, [pgg[s] for s in keep_sets], att, gidx, k, len(cohorts), True)
        overall_A, overall_C = by_A.mean(axis=1), by_C.mean(axis=1)

    # Stack overall (column 0) and by-level parameters, then compute IFs / draws at once.
    overall_A = (overall_A.tocsr() if sparse.issparse(overall_A)
                 else sparse.csr_matrix(np.asarray(overall_A).reshape(-1, 1)))
    A = overall_A if by_A is None else sparse.hstack([overall_A, by_A]).tocsr()
    C = overall_C[:, None] if by_C is None else np.column_stack([overall_C, by_C])
    est = A.T @ att
    AT = A.T.tocsr()
    alpha = result.alpha
    z = stats.norm.ppf(1 - alpha / 2)
    if result._draws is not None:
        # SEs and bands from the draws; the overall parameter's IF is built only if asked for
        IF0 = None
        lazy = (result, A[:, [0]], C[:, 0], Ind, pg)
        draws = np.asarray(AT @ result._draws) + C.T @ result._Vcoh - np.outer(pg @ C, result._Vone)
        se = _boot.iqr_se(draws)
        crit = _boot.uniform_critical_value(draws[1:], se[1:], alpha) if A.shape[1] > 1 else z
        band_kind = "simultaneous"
        if not np.isfinite(crit):
            crit, band_kind = z, "pointwise"
    else:
        IFagg = (AT @ result._if.T).T + Ind @ C - pg @ C
        IF0 = IFagg[:, 0]
        lazy = None
        se = _boot.analytic_se(IFagg, n, result._cluster_codes, result.n_clusters)
        crit, band_kind = z, "pointwise"
    se = np.where(se < _boot.DEGENERATE, 0.0, se)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(se > 0, 2 * stats.norm.sf(np.abs(est / np.where(se > 0, se, 1))), np.nan)
    overall = {"estimate": float(est[0]), "std_error": float(se[0]), "ci_low": float(est[0] - z * se[0]),
               "ci_high": float(est[0] + z * se[0]), "p_value": _clean(p[0])}
    by = pd.DataFrame(columns=["estimate", "std_error", "ci_low", "ci_high", "p_value"])
    if kind != "simple":
        by = pd.DataFrame({
            _LEVEL[kind]: np.asarray(levels, float), "estimate": est[1:], "std_error": se[1:],
            "ci_low": est[1:] - crit * se[1:], "ci_high": est[1:] + crit * se[1:], "p_value": p[1:],
        })
    return Aggregation(kind=kind, overall=overall, by=by, band_kind=band_kind, critical_value=float(crit),
                       balance_e=balance_e if kind == "dynamic" else None, _influence=IF0, _lazy=lazy,
                       _by_terms=(A[:, 1:], C[:, 1:], Ind, pg) if kind != "simple" else None)
