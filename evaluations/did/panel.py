"""Panel preparation for Callaway & Sant'Anna (the pre-processing step of R `did`'s `pre_process_did`).

`prepare_panel` validates long panel data (columns, numeric types, duplicates, attributes that
must be constant per unit, balance) and pivots it to a balanced wide `Panel`. Every row it drops
is counted in `Panel.dropped` and explained in `Panel.notes`.

Conventions: the cohort column holds the first treated period; 0 or NaN means never treated.
Periods must be numeric (event time = t - g in the same units).
"""
from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .twfe import DidInputError
from .values import plain_number, show_value


@dataclass
class Panel:
    """A balanced panel in wide form, ready for estimation."""

    unit_ids: np.ndarray          # (n,)
    times: np.ndarray             # (T,) sorted period values
    Y: np.ndarray                 # (n, T) outcome
    G: np.ndarray                 # (n,) first treated period, +inf = never treated
    w: np.ndarray                 # (n,) unit weights, mean 1
    X: dict[str, np.ndarray]      # covariate -> (n, T)
    cluster_codes: np.ndarray | None
    n_clusters: int | None
    n_rows_input: int
    n_rows_used: int
    dropped: dict[str, int]       # reason -> rows dropped
    notes: list[str]


def _numeric(df: pd.DataFrame, col: str) -> np.ndarray:
    s = df[col]
    if not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)):
        converted = pd.to_numeric(s, errors="coerce")
        bad = s[converted.isna() & s.notna()]
        if len(bad):
            raise DidInputError(f"column {col!r} must be numeric; found value {show_value(bad.iloc[0])}")
        s = converted
    return s.to_numpy(dtype=float)


def prepare_panel(
    df: pd.DataFrame, outcome: str, unit: str, time: str, cohort: str,
    covariates: Sequence[str] = (), weights: str | None = None, cluster: str | None = None,
    anticipation: int = 0, balance: str = "raise",
) -> Panel:
    """Validate long panel data and pivot it to a balanced wide panel.

    `balance` decides what happens to units not observed (with complete data) in every
    period: "raise" (default) refuses with a message naming how many and an example;
    "drop" drops those units and records the rows in `Panel.dropped`.
    """
    if balance not in ("raise", "drop"):
        raise DidInputError(f"balance must be 'raise' or 'drop', got {balance!r}")
    needed = [unit, time, outcome, cohort, *covariates] + [c for c in (weights, cluster) if c]
    for col in needed:
        if col not in df.columns:
            raise DidInputError(f"column {col!r} not in data (columns: {', '.join(map(str, df.columns))})")
    if len(set(needed)) != len(needed):
        raise DidInputError(f"the same column is used twice among {needed}")
    n_input = len(df)
    if n_input == 0:
        raise DidInputError("the data has no rows")
    dropped: dict[str, int] = {}
    notes: list[str] = []

    t_all = _numeric(df, time)
    y_all = _numeric(df, outcome)
    g_all = _numeric(df, cohort)
    if np.isnan(t_all).any():
        raise DidInputError(f"column {time!r} has {int(np.isnan(t_all).sum())} missing values")
    if (g_all < 0).any():
        raise DidInputError(f"column {cohort!r} has negative value {float(g_all[g_all < 0][0]):g}; "
                            "use the first treated period, 0 or empty for never treated")
    g_all = np.where(np.isnan(g_all) | (g_all == 0), np.inf, g_all)
    x_all = {c: _numeric(df, c) for c in covariates}
    w_all = _numeric(df, weights) if weights else np.ones(n_input)
    if weights and (w_all[~np.isnan(w_all)] < 0).any():
        raise DidInputError(f"column {weights!r} has negative weights")

    complete = ~np.isnan(y_all) & ~np.isnan(w_all)
    for c in covariates:
        complete &= ~np.isnan(x_all[c])
    if cluster:
        complete &= df[cluster].notna().to_numpy()
    if (~complete).any():
        dropped["missing outcome, covariate, weight or cluster"] = int((~complete).sum())

    u_codes, u_ids = pd.factorize(df[unit])            # hash-based; then relabel in sorted order
    if (u_codes < 0).any():
        raise DidInputError(f"column {unit!r} has {int((u_codes < 0).sum())} missing values")
    order = u_ids.argsort()
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    u_codes, u_ids = rank[u_codes], u_ids[order]
    t_vals = np.sort(pd.unique(t_all))
    t_codes = np.searchsorted(t_vals, t_all)
    n, T = len(u_ids), len(t_vals)
    if T < 2:
        raise DidInputError(f"column {time!r} has a single period ({t_vals[0]!r}); DiD needs two or more")

    key = u_codes.astype(np.int64) * T + t_codes
    if np.bincount(key, minlength=n * T).max() > 1:
        dup = pd.Series(key).duplicated().to_numpy()
        i = int(np.argmax(dup))
        raise DidInputError(f"duplicate observation for {unit}={show_value(u_ids[u_codes[i]])}, "
                            f"{time}={plain_number(t_all[i])}")

    # Unit-level attributes must not vary over time (missing values are judged by completeness).
    def unit_level(values: np.ndarray, name: str) -> np.ndarray:
        wide = np.full((n, T), np.nan)
        wide[u_codes, t_codes] = values
        lo = np.fmin.reduce(wide, axis=1)
        hi = np.fmax.reduce(wide, axis=1)
        varying = np.flatnonzero((lo != hi) & ~(np.isnan(lo) & np.isnan(hi)))
        if len(varying):
            raise DidInputError(f"column {name!r} changes over time within {unit}={show_value(u_ids[varying[0]])}; "
                                "it must be constant per unit")
        return hi

    G_unit = unit_level(g_all, cohort)
    w_unit = unit_level(w_all, weights) if weights else np.ones(n)
    cl_codes = None
    n_clusters = None
    if cluster:
        cl_row_codes, _ = pd.factorize(df[cluster])
        cl_unit = unit_level(np.where(cl_row_codes < 0, np.nan, cl_row_codes), cluster)

    # Balance: a unit is kept only if it has complete data in every period.
    counts = np.bincount(u_codes[complete], minlength=n)
    incomplete_units = counts < T
    if incomplete_units.any():
        n_bad = int(incomplete_units.sum())
        example = u_ids[np.flatnonzero(incomplete_units)[0]]
        msg = (f"unbalanced panel: {n_bad:,} of {n:,} units ({unit}) are not observed with complete data "
               f"in all {T} periods of {time!r} (e.g. {unit}={show_value(example)} has {counts[incomplete_units][0]})")
        if balance == "raise":
            raise DidInputError(msg + "; fix the data or pass balance='drop' to drop those units")
        rows_bad = int(np.isin(u_codes, np.flatnonzero(incomplete_units)).sum()) - dropped.get(
            "missing outcome, covariate, weight or cluster", 0)
        dropped["unbalanced units (all their rows)"] = max(rows_bad, 0)
        notes.append(msg + "; those units were dropped")
        warnings.warn(msg + "; dropping them", stacklevel=3)

    keep_unit = ~incomplete_units
    # Cohorts treated in (or before) the first period + anticipation have no pre-period.
    early = np.isfinite(G_unit) & (G_unit <= t_vals[0] + anticipation) & keep_unit
    if early.any():
        rows = int(np.isin(u_codes, np.flatnonzero(early)).sum())
        dropped["already treated in the first period"] = rows
        early_cohorts = sorted(plain_number(x) for x in set(G_unit[early].tolist()))
        msg = (f"{int(early.sum()):,} units of cohorts {early_cohorts} are "
               f"treated by the first period {plain_number(t_vals[0])} (+{anticipation} anticipation) and have no "
               "pre-period: dropped")
        notes.append(msg)
        warnings.warn(msg, stacklevel=3)
        keep_unit &= ~early
    late = np.isfinite(G_unit) & (G_unit > t_vals[-1]) & keep_unit
    if late.any():
        notes.append(f"{int(late.sum()):,} units first treated after the last period {plain_number(t_vals[-1])} "
                     "are counted as never treated")
        G_unit = np.where(late, np.inf, G_unit)
    if not keep_unit.any():
        raise DidInputError("no units left after dropping unbalanced and already-treated units")

    keep_row = keep_unit[u_codes] & complete
    new_index = np.cumsum(keep_unit) - 1
    n_keep = int(keep_unit.sum())
    rows_u = new_index[u_codes[keep_row]]
    rows_t = t_codes[keep_row]
    Y = np.empty((n_keep, T))
    Y[rows_u, rows_t] = y_all[keep_row]
    X = {}
    for c in covariates:
        Xc = np.empty((n_keep, T))
        Xc[rows_u, rows_t] = x_all[c][keep_row]
        X[c] = Xc
    if cluster:
        cl_codes, cl_uniques = pd.factorize(cl_unit[keep_unit])
        n_clusters = len(cl_uniques)
    w = w_unit[keep_unit].astype(float)
    if not (w > 0).any():
        raise DidInputError(f"all weights in {weights!r} are zero")
    w = w / w.mean()
    return Panel(
        unit_ids=np.asarray(u_ids)[keep_unit], times=t_vals, Y=Y, G=G_unit[keep_unit], w=w, X=X,
        cluster_codes=cl_codes, n_clusters=n_clusters, n_rows_input=n_input, n_rows_used=int(keep_row.sum()),
        dropped=dropped, notes=notes,
    )
