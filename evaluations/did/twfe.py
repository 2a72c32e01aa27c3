"""Two-way fixed effects DiD: y_it = beta * D_it + X_it'gamma + a_i + l_t + e_it (linearmodels PanelOLS)."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from linearmodels.panel import PanelOLS
from linearmodels.panel.results import PanelEffectsResults

from .results import Coefficient, RegressionResult

VCOV_TYPES = {"iid": "unadjusted", "robust": "robust", "cluster": "clustered"}


class DidInputError(ValueError):
    """The data cannot support the requested design (named column, reason)."""


def complete_rows(df: pd.DataFrame, columns: Sequence[str], unit: str, time: str) -> tuple[pd.DataFrame, int]:
    """Keep the needed columns, drop incomplete rows (counted), refuse duplicate unit-periods."""
    missing = [c for c in dict.fromkeys(columns) if c not in df.columns]
    if missing:
        raise DidInputError(f"column {missing[0]!r} not in data (columns: {', '.join(map(str, df.columns))})")
    data = df[list(dict.fromkeys(columns))]
    complete = data.dropna()
    dropped = len(data) - len(complete)
    if complete.empty:
        raise DidInputError("no complete rows left after dropping missing values")
    duplicated = complete.duplicated([unit, time])
    if duplicated.any():
        row = complete[duplicated].iloc[0]
        raise DidInputError(f"duplicate observation for {unit}={row[unit]!r}, {time}={row[time]!r}")
    return complete, dropped


def fit_panel(
    data: pd.DataFrame, outcome: str, regressors: list[str], unit: str, time: str,
    weights: str | None, vcov: str, cluster: str | None,
) -> tuple[PanelEffectsResults, int | None]:
    """Fit PanelOLS with unit and time effects; returns the linearmodels result and the cluster count."""
    if vcov not in VCOV_TYPES:
        raise DidInputError(f"vcov must be one of {sorted(VCOV_TYPES)}, got {vcov!r}")
    indexed = data.set_index([unit, time]).sort_index()
    exog = indexed[regressors].astype(float)
    constant = [c for c in regressors if exog[c].nunique() <= 1]
    if constant:
        raise DidInputError(f"regressor {constant[0]!r} does not vary in the estimation sample")
    model = PanelOLS(
        indexed[outcome].astype(float), exog, entity_effects=True, time_effects=True,
        weights=indexed[weights].astype(float) if weights else None, drop_absorbed=False, check_rank=True,
    )
    fit_args: dict = {"cov_type": VCOV_TYPES[vcov]}
    n_clusters = None
    if vcov == "cluster":
        if cluster is None or cluster == unit:
            fit_args["cluster_entity"] = True
            n_clusters = int(indexed.index.get_level_values(0).nunique())
        else:
            codes = pd.factorize(indexed[cluster])[0]
            fit_args["clusters"] = pd.DataFrame({cluster: codes}, index=indexed.index)
            n_clusters = int(np.unique(codes).size)
    if demean_in_one_sweep(indexed.index, weighted=bool(weights)):
        fit_args["low_memory"] = True
    return model.fit(**fit_args), n_clusters


def demean_in_one_sweep(index: pd.MultiIndex, weighted: bool) -> bool:
    """Whether PanelOLS can remove unit and period effects by alternating group means (``low_memory=True``).

    On a balanced, unweighted panel, subtracting unit means and then period means is exactly the two-way
    within transform (every unit has every period, so the period means of unit-demeaned data are the
    period means minus the grand mean), so linearmodels' iteration stops at its first convergence check and
    the estimates equal those of its default dummy-variable path to rounding, at a fraction of the cost
    (a TWFE fit on the 177k-row municipal panel: 0.6 s instead of 11 s of CPU with OpenBLAS threads on the
    loaded development machine; 1.2 s instead of 3.5 s for the event study on one thread). Otherwise
    (missing unit-periods, or weights) the iteration would only converge to a tolerance, so linearmodels'
    default, exact path is kept.
    """
    n_units, n_periods = (index.get_level_values(level).nunique() for level in (0, 1))
    return not weighted and index.is_unique and len(index) == n_units * n_periods


def coefficients_of(fit, terms: list[str], rename: dict[str, str] | None = None) -> list[Coefficient]:
    rename = rename or {}
    ci = fit.conf_int()
    return [
        Coefficient(
            rename.get(t, t), float(fit.params[t]), float(fit.std_errors[t]), float(fit.tstats[t]),
            float(fit.pvalues[t]), float(ci.loc[t, "lower"]), float(ci.loc[t, "upper"]),
        )
        for t in terms
    ]


def twfe(
    df: pd.DataFrame, outcome: str, unit: str, time: str, treatment: str,
    covariates: Sequence[str] = (), weights: str | None = None,
    vcov: str = "cluster", cluster: str | None = None,
) -> RegressionResult:
    """TWFE estimate of the effect of a (0/1 or continuous) treatment with unit and period effects.

    `vcov` is "iid", "robust" or "cluster" (by `cluster`, default the unit).
    """
    columns = [unit, time, outcome, treatment, *covariates] + ([weights] if weights else [])
    columns += [cluster] if (vcov == "cluster" and cluster) else []
    data, dropped = complete_rows(df, columns, unit, time)
    fit, n_clusters = fit_panel(data, outcome, [treatment, *covariates], unit, time, weights, vcov, cluster)
    notes = [f"{dropped:,} rows dropped for missing values"] if dropped else []
    return RegressionResult(
        design="twfe", outcome=outcome, headline=treatment,
        coefficients=coefficients_of(fit, [treatment, *covariates]),
        n_obs=int(fit.nobs), n_units=int(data[unit].nunique()), n_periods=int(data[time].nunique()),
        n_clusters=n_clusters, vcov=vcov, dropped_rows=dropped, notes=notes,
    )
