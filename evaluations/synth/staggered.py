"""Staggered adoption: cohort-wise synthetic DiD and its weighted average (Clarke, Pailañir, Athey & Imbens 2024).

Each adoption cohort (units first treated in the same period) is estimated on its own block
design: the cohort's units against the never-treated units, with the periods before adoption
as the pre period and every period from adoption on as the post period. The overall effect
is the average of the cohort estimates weighted by their treated unit-periods
(treated units × post periods), as Stata `sdid` reports it.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evaluations.synth.estimate import BlockPanel, SynthInputError, fit_panel, tau, validate
from evaluations.synth.result import SynthResult, json_value
from evaluations.synth.weights import sum_normalize


@dataclass
class StaggeredResult:
    """The weighted average of cohort estimates, with each cohort's own result."""

    estimator: str
    outcome: str
    cohorts: dict[object, SynthResult]
    std_error: float = math.nan
    se_method: str | None = None

    @property
    def weights(self) -> pd.Series:
        """Each cohort's share of treated unit-periods."""
        cells = pd.Series({a: r.panel.n1 * r.panel.t1 for a, r in self.cohorts.items()}, dtype=float)
        return cells / cells.sum()

    @property
    def estimate(self) -> float:
        est = pd.Series({a: r.estimate for a, r in self.cohorts.items()})
        return float((self.weights * est).sum())

    def tidy(self) -> pd.DataFrame:
        """One row per cohort, then the weighted average (cohort "all")."""
        rows = [{
            "cohort": a, "estimate": r.estimate, "n_treated": r.panel.n1, "t_post": r.panel.t1, "t_pre": r.panel.t0,
            "n_control": r.panel.n0, "weight": float(self.weights[a]),
        } for a, r in self.cohorts.items()]
        rows.append({"cohort": "all", "estimate": self.estimate, "n_treated": sum(r.panel.n1 for r in self.cohorts.values()),
                     "t_post": math.nan, "t_pre": math.nan, "n_control": next(iter(self.cohorts.values())).panel.n0,
                     "weight": 1.0})
        return pd.DataFrame(rows)

    def to_dict(self) -> dict:
        return {
            "estimator": self.estimator, "outcome": self.outcome, "se_method": self.se_method,
            "att": {"estimate": json_value(self.estimate), "std_error": json_value(self.std_error)},
            "cohorts": [{k: json_value(v) if k != "cohort" else str(v) for k, v in row.items()}
                        for row in self.tidy().iloc[:-1].to_dict("records")],
        }

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, **kwargs)

    def summary(self) -> str:
        lines = [f"{self.estimator} (staggered adoption, {len(self.cohorts)} cohorts) — outcome: {self.outcome}",
                 f"estimate {self.estimate:.4f} (average of cohort estimates weighted by treated unit-periods)",
                 f"std. error {self.std_error:.4g} ({self.se_method})" if self.se_method else "std. error not computed",
                 f"{'cohort':<10}{'estimate':>12}{'treated':>9}{'post':>6}{'pre':>6}{'weight':>9}"]
        for cohort, r in self.cohorts.items():
            lines.append(f"{cohort!s:<10}{r.estimate:>12.4f}{r.panel.n1:>9}{r.panel.t1:>6}{r.panel.t0:>6}"
                         f"{self.weights[cohort]:>9.3f}")
        return "\n".join(lines)


def cohort_panels(df: pd.DataFrame, unit: str, time: str, outcome: str, treatment: str) -> dict[object, BlockPanel]:
    """One block design per adoption period: never-treated units first, then the cohort's units."""
    missing = [c for c in (unit, time, outcome, treatment) if c not in df.columns]
    if missing:
        raise SynthInputError(f"panel has no column {missing[0]!r} (columns: {list(df.columns)})")
    data = df[[unit, time, outcome, treatment]]
    if data.duplicated([unit, time]).any():
        row = int(np.flatnonzero(data.duplicated([unit, time]).to_numpy())[0])
        raise SynthInputError(f"panel has two rows for {unit}={data[unit].iloc[row]!r}, {time}={data[time].iloc[row]!r}")
    Y = data.pivot(index=unit, columns=time, values=outcome).sort_index(axis=0).sort_index(axis=1)
    W = data.pivot(index=unit, columns=time, values=treatment).reindex_like(Y)
    if Y.isna().to_numpy().any() or W.isna().to_numpy().any():
        u, t = np.argwhere(Y.isna().to_numpy() | W.isna().to_numpy())[0]
        raise SynthInputError(f"panel is not balanced: no value for {unit}={Y.index[u]!r}, {time}={Y.columns[t]!r}")
    Wm = W.to_numpy()
    if not np.isin(Wm, (0, 1)).all():
        raise SynthInputError(f"column {treatment!r} must be 0/1")
    Wm = Wm.astype(bool)
    treated = Wm.any(axis=1)
    if not treated.any() or treated.all():
        raise SynthInputError(f"column {treatment!r}: need both never-treated and treated units")
    first = np.where(treated, Wm.argmax(axis=1), -1)
    for u in np.flatnonzero(treated):
        if not Wm[u, first[u]:].all():
            raise SynthInputError(f"column {treatment!r}: unit {Y.index[u]!r} leaves treatment after adopting it "
                                  "(staggered synthetic DiD needs absorbing treatment)")
        if first[u] == 0:
            raise SynthInputError(f"no pre-treatment periods: unit {Y.index[u]!r} is treated in the first period "
                                  f"{Y.columns[0]!r} (column {treatment!r})")
    controls = np.flatnonzero(~treated)
    values = Y.to_numpy(dtype=float)
    panels = {}
    for start in np.unique(first[treated]):
        rows = np.concatenate([controls, np.flatnonzero(first == start)])
        panels[Y.columns[start]] = BlockPanel(values[rows], len(controls), int(start), [Y.index[i] for i in rows],
                                              list(Y.columns))
    return panels


def synthdid_staggered(
    df: pd.DataFrame, unit: str, time: str, outcome: str, treatment: str, estimator: str = "sdid",
    se: str | None = None,
) -> StaggeredResult:
    """Cohort-wise `estimator` estimates on a panel with staggered, absorbing adoption, and their weighted average.

    `se` is None or "jackknife" (Stata `sdid`'s fixed-weight jackknife; every cohort needs at
    least 2 treated units).
    """
    if se not in (None, "jackknife"):
        raise SynthInputError(f"se for staggered adoption must be 'jackknife' or None; got {se!r}")
    panels = cohort_panels(df, unit, time, outcome, treatment)
    small = [str(c) for c, p in panels.items() if p.n1 < 2]
    if se == "jackknife" and small:
        raise SynthInputError(
            f"se='jackknife' needs at least 2 treated units in every cohort; cohorts with one: {', '.join(small)}")
    results = {}
    for cohort, panel in panels.items():
        try:
            validate(panel)
        except SynthInputError as exc:
            raise SynthInputError(f"cohort adopting at {time}={cohort!r}: {exc}") from None
        results[cohort] = SynthResult(estimator, outcome, panel, fit_panel(panel, estimator))
    out = StaggeredResult(estimator, outcome, results)
    if se == "jackknife":
        out.std_error, out.se_method = staggered_jackknife(out), "jackknife"
    return out


def staggered_jackknife(result: StaggeredResult) -> float:
    """Leave-one-unit-out standard error with every cohort's weights held fixed (unit weights renormalised)."""
    first = next(iter(result.cohorts.values())).panel
    units = list(first.units[: first.n0]) + [u for r in result.cohorts.values() for u in r.panel.units[r.panel.n0:]]
    estimates = np.empty(len(units))
    for j, dropped in enumerate(units):
        taus, cells = [], []
        for r in result.cohorts.values():
            p, wts = r.panel, r.fit.weights
            keep = np.array([u != dropped for u in p.units])
            n0 = int(keep[: p.n0].sum())
            omega = sum_normalize(wts.omega[keep[: p.n0]])
            taus.append(tau(p.Y[keep], n0, p.t0, omega, wts.lambda_))
            cells.append((int(keep.sum()) - n0) * p.t1)
        estimates[j] = np.dot(cells, taus) / np.sum(cells)
    n = len(units)
    return float(np.sqrt((n - 1) / n * (n - 1) * np.var(estimates, ddof=1)))
