"""Canonical 2x2 difference-in-differences, for panels or repeated cross-sections.

* Repeated cross-sections (no `unit`): OLS of ``y = a + b D + c P + ATT (D x P) + X'g + e``.
* Panel (`unit` given): each unit's mean outcome change ``dY_i = mean(post) - mean(pre)`` is
  regressed on ``1 + D + X`` (X averaged over the unit's pre-period rows); the coefficient on D
  is the DiD (identical to the interaction coefficient with unit fixed effects on a balanced
  panel). Units seen only before or only after are dropped and counted, never silently.

`vcov`: "iid" (classical), "robust" (HC1) or "cluster" (CR1 with G/(G-1)(N-1)/(N-K), by
`cluster`, default the unit for panels). Inference uses t(N-K), or t(G-1) when clustered.
Optional analytic `weights` (WLS). Returns a `RegressionResult` (see `results`).
"""
from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .results import RegressionResult, coefficient
from .twfe import DidInputError
from .values import show_value

VCOVS = ("iid", "robust", "cluster")


def _binary(df: pd.DataFrame, col: str) -> pd.Series:
    s = df[col]
    if pd.api.types.is_bool_dtype(s):
        return s.astype(float)
    vals = pd.to_numeric(s, errors="coerce")
    bad = s[(vals.isna() & s.notna()) | (vals.notna() & ~vals.isin([0, 1]))]
    if len(bad):
        raise DidInputError(f"column {col!r} must be 0/1 (or boolean); found value {show_value(bad.iloc[0])}")
    return vals


def ols(y: np.ndarray, X: np.ndarray, names: list[str], w: np.ndarray | None, vcov: str,
        clusters: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, int]:
    """(beta, covariance, inference df) of weighted least squares with the chosen vcov."""
    n, k = X.shape
    if n <= k:
        raise DidInputError(f"{n} observations are too few for {k} regressors")
    if np.linalg.matrix_rank(X) < k:
        raise DidInputError(f"singular design matrix: regressors {names} are collinear (or constant)")
    w = np.ones(n) if w is None else w
    XtW = X.T * w
    bread = np.linalg.inv(XtW @ X)
    beta = bread @ (XtW @ y)
    e = y - X @ beta
    if vcov == "iid":
        s2 = np.sum(w * e**2) / (n - k)
        return beta, s2 * bread, n - k
    if vcov == "robust":
        scores = X * (w * e)[:, None]
        return beta, bread @ (scores.T @ scores) @ bread * n / (n - k), n - k
    if vcov == "cluster":
        codes, uniq = pd.factorize(clusters)
        G = len(uniq)
        if G < 2:
            raise DidInputError("clustered standard errors need at least 2 clusters")
        sums = np.zeros((G, k))
        np.add.at(sums, codes, X * (w * e)[:, None])
        factor = G / (G - 1) * (n - 1) / (n - k)
        return beta, bread @ (sums.T @ sums) @ bread * factor, G - 1
    raise DidInputError(f"vcov must be one of {VCOVS}, got {vcov!r}")


def did_2x2(
    df: pd.DataFrame, outcome: str, group: str, post: str, unit: str | None = None,
    covariates: Sequence[str] = (), weights: str | None = None, vcov: str | None = None,
    cluster: str | None = None,
) -> RegressionResult:
    """Canonical 2x2 DiD: treated group `group` (0/1) x post period `post` (0/1)."""
    covariates = list(covariates)
    if vcov is None:
        vcov = "cluster" if (unit or cluster) else "robust"
    if vcov not in VCOVS:
        raise DidInputError(f"vcov must be one of {VCOVS}, got {vcov!r}")
    needed = [outcome, group, post, *covariates] + [c for c in (unit, weights, cluster) if c]
    for col in needed:
        if col not in df.columns:
            raise DidInputError(f"column {col!r} not in data (columns: {', '.join(map(str, df.columns))})")
    data = df[list(dict.fromkeys(needed))].copy()
    n_input = len(data)
    complete = data.notna().all(axis=1)
    dropped = int((~complete).sum())
    data = data[complete]
    notes = [f"{dropped:,} rows dropped for missing values"] if dropped else []
    if data.empty:
        raise DidInputError("no complete rows left after dropping missing values")
    data[group] = _binary(data, group)
    data[post] = _binary(data, post)
    for col in [outcome, *covariates] + ([weights] if weights else []):
        if not pd.api.types.is_numeric_dtype(data[col]):
            raise DidInputError(f"column {col!r} must be numeric; found value {show_value(data[col].iloc[0])}")
    for col, label in ((group, "treated"), (post, "post")):
        if data[col].nunique() < 2:
            raise DidInputError(f"column {col!r} has only the value {data[col].iloc[0]:g}: "
                                f"the 2x2 design needs both {label} = 0 and 1")
    if weights and (data[weights] < 0).any():
        raise DidInputError(f"column {weights!r} has negative weights")
    term = f"{group}:{post}"
    if unit is None:
        D, P = data[group].to_numpy(float), data[post].to_numpy(float)
        X = np.column_stack([np.ones(len(data)), D, P, D * P] + [data[c].to_numpy(float) for c in covariates])
        names = ["const", group, post, term, *covariates]
        y = data[outcome].to_numpy(float)
        w = data[weights].to_numpy(float) if weights else None
        cl = data[cluster].to_numpy() if vcov == "cluster" else None
        if vcov == "cluster" and cluster is None:
            raise DidInputError("vcov='cluster' on repeated cross-sections needs a cluster column")
        n_units = None
        form = "repeated cross-sections"
    else:
        g_per_unit = data.groupby(unit)[group].nunique()
        if (g_per_unit > 1).any():
            changing = g_per_unit[g_per_unit > 1].index[0]
            raise DidInputError(f"column {group!r} changes within {unit}={show_value(changing)}: "
                                "treatment group must be fixed per unit in a panel")
        for col in [c for c in (weights, cluster) if c]:
            varying = data.groupby(unit)[col].nunique() > 1
            if varying.any():
                raise DidInputError(f"column {col!r} changes within {unit}={show_value(varying[varying].index[0])}")
        means = data.groupby([unit, post])[outcome].mean().unstack(post)
        both = means.notna().all(axis=1)
        one_sided = means.index[~both]
        if len(one_sided):
            rows = int(data[unit].isin(one_sided).sum())
            msg = (f"{len(one_sided):,} units ({unit}) observed only before or only after "
                   f"(e.g. {show_value(one_sided[0])}): their {rows:,} rows are dropped")
            notes.append(msg)
            warnings.warn(msg, stacklevel=2)
            dropped += rows
            data = data[~data[unit].isin(one_sided)]
            means = means[both]
        if len(means) < 3:
            raise DidInputError("fewer than 3 units observed both before and after")
        per_unit = data.groupby(unit).first()
        units = means.index
        pre_x = []
        if covariates:
            pre_means = data[data[post] == 0].groupby(unit)[covariates].mean()
            pre_x = [pre_means.loc[units, c].to_numpy(float) for c in covariates]
        y = (means[1.0] - means[0.0]).to_numpy(float)
        D = per_unit.loc[units, group].to_numpy(float)
        X = np.column_stack([np.ones(len(units)), D] + pre_x)
        names = ["const", term, *covariates]
        w = per_unit.loc[units, weights].to_numpy(float) if weights else None
        cl = (per_unit.loc[units, cluster].to_numpy() if cluster else units.to_numpy()) if vcov == "cluster" else None
        n_units = len(units)
        form = "panel (first differences of unit means)"
    beta, V, dof = ols(y, X, names, w, vcov, cl)
    se = np.sqrt(np.diag(V))
    coefs = [coefficient(nm, b, s, df=dof) for nm, b, s in zip(names, beta, se) if nm != "const"]
    n_clusters = int(pd.Series(cl).nunique()) if cl is not None else None
    notes.append(f"form: {form}")
    return RegressionResult(
        design="2x2", outcome=outcome, headline=term, coefficients=coefs,
        n_obs=int(len(data)), n_units=int(n_units) if n_units is not None else int(len(data)),
        n_periods=2, n_clusters=n_clusters, vcov=vcov, dropped_rows=dropped, notes=notes,
        extra={"form": "panel" if unit else "repeated_cross_sections", "n_rows_input": int(n_input),
               "n_treated": int((data[group] == 1).sum() if unit is None else D.sum()),
               "n_control": int((data[group] == 0).sum() if unit is None else (1 - D).sum())},
    )
