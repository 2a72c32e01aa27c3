"""Diagnostics for difference-in-differences designs.

* `wald_pretest` / `pretrend_test` — joint Wald test that every pre-treatment ATT(g,t) of a
  Callaway-Sant'Anna estimate is zero (chi-square, influence-function covariance; R `did`'s
  pre-test). `CSResult.pretest` computes it on first use.
* `placebo_test` — a fake treatment date: every cohort is pretended to start `shift` periods
  early and only the cells between the fake and the true start (truly untreated periods) are
  kept; their cohort-size-weighted average (with its full influence function) should be zero.
* `bacon_decomposition` — Goodman-Bacon (2021) decomposition of the static TWFE coefficient
  with staggered, absorbing binary treatment on a balanced panel into all 2x2 comparisons
  (treated vs never treated, earlier vs later treated, later vs already treated) and their
  weights; the weights sum to one and the weighted sum reproduces the TWFE coefficient.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from . import bootstrap as _boot
from .cs import att_gt
from .cs_result import CSResult
from .panel import prepare_panel
from .twfe import DidInputError
from .values import plain_number


@dataclass
class TestResult:
    name: str
    statistic: float | None
    df: int
    p_value: float | None
    estimate: float | None = None
    std_error: float | None = None
    n_cells: int = 0
    notes: list = field(default_factory=list)

    def rejects(self, alpha: float = 0.05) -> bool:
        if self.p_value is None:
            raise ValueError(f"{self.name}: test not available ({'; '.join(self.notes)})")
        return self.p_value < alpha

    def to_dict(self) -> dict:
        return {"name": self.name, "statistic": self.statistic, "df": self.df, "p_value": self.p_value,
                "estimate": self.estimate, "std_error": self.std_error, "n_cells": self.n_cells,
                "notes": list(self.notes)}


def wald_pretest(att, IF, n, table, codes=None, n_clusters=None) -> dict:
    """Joint Wald test that all pre-treatment ATT(g,t) are zero (R `did` pre-test).

    W = att_pre' Sigma^-1 att_pre with Sigma the influence-function covariance (clustered when
    a cluster variable is given); chi-square with as many degrees of freedom as pre cells.
    """
    pre = (~table["post"].to_numpy()) & (~table["reference"].to_numpy())
    k = int(pre.sum())
    if k == 0:
        return {"statistic": None, "df": 0, "p_value": None, "reason": "no pre-treatment cells"}
    sums = _boot.cluster_sums(IF[:, pre], codes, n_clusters)
    singular = {"statistic": None, "df": k, "p_value": None,
                "reason": f"singular covariance of the {k} pre-treatment ATT(g,t) "
                          f"({sums.shape[0]} independent units/clusters)"}
    if k > sums.shape[0]:
        return singular
    Sigma = sums.T @ sums / n**2
    try:
        L = np.linalg.cholesky(Sigma)
    except np.linalg.LinAlgError:
        return singular
    d = np.diag(L)
    if d.min() <= 1e-7 * d.max():
        return singular
    a = att[pre]
    u = np.linalg.solve(L, a)
    W = float(u @ u)
    return {"statistic": W, "df": k, "p_value": float(stats.chi2.sf(W, k)), "reason": None}


def pretrend_test(result: CSResult) -> TestResult:
    """Joint Wald test of H0: all pre-treatment ATT(g,t) = 0."""
    pt = result.pretest
    notes = [pt["reason"]] if pt.get("reason") else []
    if result.base_period == "varying":
        notes.append("varying base period: pre-treatment cells are period-to-period placebo effects")
    return TestResult("pre-trend Wald test", pt["statistic"], pt["df"], pt["p_value"], n_cells=pt["df"], notes=notes)


def placebo_test(df: pd.DataFrame, outcome: str, unit: str, time: str, cohort: str, shift: int = 1,
                 **att_gt_kwargs) -> TestResult:
    """Placebo with a fake treatment date `shift` periods before each cohort's true start.

    Returns the weighted average placebo ATT over the fake post-treatment cells that are truly
    pre-treatment (z test, normal) and, in `statistic`/`p_value`, the joint Wald test of those
    cells. Extra keyword arguments go to `att_gt` (control, covariates, method, ...).
    """
    if int(shift) != shift or shift < 1:
        raise DidInputError(f"shift must be a positive integer number of periods, got {shift!r}")
    if cohort not in df.columns or time not in df.columns:
        raise DidInputError(f"column {cohort if cohort not in df.columns else time!r} not in data")
    times = np.sort(pd.to_numeric(df[time]).unique())
    g = pd.to_numeric(df[cohort]).fillna(0).to_numpy(float)
    pos = np.searchsorted(times, g)
    treated = g > 0
    if not treated.any():
        raise DidInputError(f"no treated units in {cohort!r}")
    on_grid = np.isin(g[treated], times)
    if not on_grid.all():
        raise DidInputError(f"cohort value {g[treated][~on_grid][0]!r} is not a period of {time!r}")
    fake_pos = pos - shift
    fake = np.where(treated & (fake_pos >= 0), times[np.clip(fake_pos, 0, len(times) - 1)], g)
    fake = np.where(treated & (fake_pos < 0), times[0], fake)  # no pre-period left: dropped by att_gt
    shifted = df.copy()
    fake_col = f"__placebo_{cohort}"
    shifted[fake_col] = fake
    res = att_gt(shifted, outcome, unit, time, fake_col, **att_gt_kwargs)
    cells = res.cells
    fake_to_true = dict(zip(fake[treated], g[treated]))
    true_of_cell = cells["group"].map(fake_to_true).to_numpy()
    keep = np.flatnonzero(cells["post"].to_numpy() & (cells["time"].to_numpy() < true_of_cell - res.anticipation))
    notes = list(res.notes)
    if len(keep) == 0:
        return TestResult("placebo (fake treatment date)", None, 0, None, notes=notes + ["no placebo cells"])
    att = cells["estimate"].to_numpy()
    IF = res._if
    n = res.n_units
    # cohort-size weighted average of the placebo cells, with the estimated-weights term
    cohorts = res._cohort_values
    gidx = np.searchsorted(cohorts, cells["group"].to_numpy()[keep])
    Ind = (res._G[:, None] == cohorts[None, :]) * res._w[:, None]
    pg = Ind.mean(axis=0)
    wts = pg[gidx]
    S = wts.sum()
    a = wts / S
    theta = float(a @ att[keep])
    c = np.zeros(len(cohorts))
    np.add.at(c, gidx, (att[keep] - theta) / S)
    psi = IF[:, keep] @ a + (Ind - pg) @ c
    se = float(_boot.analytic_se(psi[:, None], n, res._cluster_codes, res.n_clusters)[0])
    sums = _boot.cluster_sums(IF[:, keep], res._cluster_codes, res.n_clusters)
    Sigma = sums.T @ sums / n**2
    try:
        W = float(att[keep] @ np.linalg.solve(Sigma, att[keep]))
        p_joint = float(stats.chi2.sf(W, len(keep)))
    except np.linalg.LinAlgError:
        W, p_joint = None, None
        notes.append("singular covariance of placebo cells: joint test not available")
    z = theta / se if se > 0 else np.nan
    notes.append(f"average placebo ATT {theta:.4g} (se {se:.4g}, z {z:.3g}, "
                 f"p {2 * stats.norm.sf(abs(z)):.4g}) over {len(keep)} cells, shift {shift} period(s)")
    return TestResult("placebo (fake treatment date)", W, len(keep), p_joint, estimate=theta, std_error=se,
                      n_cells=len(keep), notes=notes)


@dataclass
class BaconDecomposition:
    comparisons: pd.DataFrame   # type, treated, control, estimate, weight
    twfe_estimate: float        # TWFE coefficient from the two-way-demeaned treatment
    weighted_sum: float         # sum(weight * estimate), equals twfe_estimate
    n_units: int
    n_periods: int

    def by_type(self) -> pd.DataFrame:
        c = self.comparisons
        out = c.groupby("type").apply(
            lambda d: pd.Series({"weight": d["weight"].sum(),
                                 "estimate": (d["weight"] * d["estimate"]).sum() / d["weight"].sum()
                                 if d["weight"].sum() > 0 else np.nan}), include_groups=False)
        return out.reset_index()

    def to_dict(self) -> dict:
        return {"twfe_estimate": self.twfe_estimate, "weighted_sum": self.weighted_sum,
                "n_units": self.n_units, "n_periods": self.n_periods,
                "comparisons": [{k: (plain_number(v) if k in ("treated", "control") and v is not None and np.isfinite(v)
                                     else v) for k, v in r.items()}
                                for r in self.comparisons.replace({np.inf: None}).to_dict("records")]}


def bacon_decomposition(df: pd.DataFrame, outcome: str, unit: str, time: str, cohort: str) -> BaconDecomposition:
    """Goodman-Bacon decomposition of y_it = a_i + l_t + b D_it + e_it with D_it = 1{t >= G_i}.

    `cohort` is the first treated period (0/NaN never treated). Balanced panel required.
    Units treated in or before the first period are kept as the "always treated" group.
    """
    p = prepare_panel(df, outcome, unit, time, cohort, anticipation=-10**9)  # keep always-treated units
    Y, G, times = p.Y, p.G, p.times
    n, T = Y.shape
    D = (times[None, :] >= G[:, None]).astype(float)
    # TWFE coefficient via the two-way-demeaned treatment (balanced panel)
    Dt = D - D.mean(1, keepdims=True) - D.mean(0, keepdims=True) + D.mean()
    if np.sum(Dt**2) <= 1e-12:
        raise DidInputError(f"treatment defined by {cohort!r} has no within-unit and within-period variation")
    beta = float(np.sum(Dt * Y) / np.sum(Dt**2))
    groups = np.unique(G)                      # includes inf = never treated
    share_treated = {gv: float((times >= gv).mean()) for gv in groups}
    n_g = {gv: float((G == gv).mean()) for gv in groups}
    ybar = {gv: Y[G == gv].mean(axis=0) for gv in groups}    # mean outcome path per timing group
    rows = []
    for i, k in enumerate(groups):
        for l in groups[i + 1:]:                # k treated earlier than l (l may be never treated)
            Dk, Dl = share_treated[k], share_treated[l]
            if Dk <= Dl:
                continue
            nk, nl = n_g[k], n_g[l]
            nkl = nk / (nk + nl)
            # (a) k treated, l not yet treated: window t < l, k's pre t < k, post k <= t < l
            if Dk < 1:
                win = times < l
                pre, post = win & (times < k), win & (times >= k)
                est = (ybar[k][post].mean() - ybar[k][pre].mean()) - (ybar[l][post].mean() - ybar[l][pre].mean())
                wt = ((nk + nl) * (1 - Dl)) ** 2 * nkl * (1 - nkl) * ((Dk - Dl) / (1 - Dl)) * ((1 - Dk) / (1 - Dl))
                kind = "treated vs never treated" if np.isinf(l) else "earlier vs later treated"
                rows.append({"type": kind, "treated": k, "control": l, "estimate": est, "weight": wt})
            # (b) l treated, k already treated: window t >= k, pre k <= t < l, post t >= l
            if Dl > 0:
                win = times >= k
                pre, post = win & (times < l), win & (times >= l)
                est = (ybar[l][post].mean() - ybar[l][pre].mean()) - (ybar[k][post].mean() - ybar[k][pre].mean())
                wt = ((nk + nl) * Dk) ** 2 * nkl * (1 - nkl) * (Dl / Dk) * ((Dk - Dl) / Dk)
                kind = "later vs always treated" if Dk == 1 else "later vs earlier treated"
                rows.append({"type": kind, "treated": l, "control": k, "estimate": est, "weight": wt})
    if not rows:
        raise DidInputError("no 2x2 comparisons: need at least two timing groups with different treatment shares")
    comp = pd.DataFrame(rows)
    comp["weight"] = comp["weight"] / comp["weight"].sum()
    comp["treated"] = comp["treated"].astype(float)
    comp["control"] = comp["control"].astype(float)
    return BaconDecomposition(comp, beta, float((comp["weight"] * comp["estimate"]).sum()), n, T)
