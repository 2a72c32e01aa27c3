"""Two-way fixed effects DiD: y_it = beta * D_it + X_it'gamma + a_i + l_t + e_it (linearmodels PanelOLS)."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from linearmodels.panel import PanelOLS
from linearmodels.panel.results import PanelEffectsResults

from .results import Coefficient, RegressionResult, coefficient

VCOV_TYPES = {"iid": "unadjusted", "robust": "robust", "cluster": "clustered"}
SSC_CONVENTIONS = ("fixest", "linearmodels")


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
    weights: str | None, vcov: str, cluster: str | None, ssc: str = "fixest",
) -> tuple[PanelEffectsResults, int | None, float | None]:
    """Fit PanelOLS with unit and time effects.

    Returns the linearmodels result, the cluster count and, for clustered errors with ``ssc="fixest"``, the
    factor that turns the result's covariance into the fixest one (the result is then fitted with no
    small-sample scaling: ``debiased=False`` and no effects counted); None otherwise, when the result's own
    covariance is used.
    """
    if vcov not in VCOV_TYPES:
        raise DidInputError(f"vcov must be one of {sorted(VCOV_TYPES)}, got {vcov!r}")
    if ssc not in SSC_CONVENTIONS:
        raise DidInputError(f"ssc must be one of {', '.join(SSC_CONVENTIONS)}, got {ssc!r}")
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
    factor = None
    if vcov == "cluster":
        if cluster is None or cluster == unit:
            fit_args["cluster_entity"] = True
            codes = pd.factorize(indexed.index.get_level_values(0))[0]
        else:
            codes = pd.factorize(indexed[cluster])[0]
            fit_args["clusters"] = pd.DataFrame({cluster: codes}, index=indexed.index)
        n_clusters = int(np.unique(codes).size)
        if ssc == "fixest":
            fit_args.update(auto_df=False, count_effects=False, debiased=False)
            effects = [indexed.index.get_level_values(level) for level in (0, 1)]
            k = fixest_k(len(regressors), effects, codes)
            factor = (len(indexed) - 1) / (len(indexed) - k) * n_clusters / (n_clusters - 1)
    if demean_in_one_sweep(indexed.index, weighted=bool(weights)):
        fit_args["low_memory"] = True
    return model.fit(**fit_args), n_clusters, factor


def fixest_k(n_regressors: int, effects: Sequence[Sequence], clusters: np.ndarray) -> int:
    """Parameters counted in the small-sample factor (n - 1) / (n - K) by fixest's default
    ``ssc(adj = TRUE, fixef.K = "nested", cluster.adj = TRUE)`` (as Stata's reghdfe): the regressors and the
    fixed effects, less the fixed effects nested in the clusters (each of whose groups lies in one cluster).
    With F effects of sizes m_f, the full count is regressors + sum(m_f) - (F - 1); a nested effect gives
    back m_f - 1, and when every effect is nested only an intercept is left (regressors + 1)."""
    sizes, nested = [], []
    for effect in effects:
        frame = pd.DataFrame({"effect": np.asarray(effect), "cluster": clusters})
        sizes.append(frame["effect"].nunique())
        nested.append(bool((frame.groupby("effect")["cluster"].nunique() == 1).all()))
    if all(nested):
        return n_regressors + 1
    full = n_regressors + sum(sizes) - (len(sizes) - 1)
    return full - sum(size - 1 for size, is_nested in zip(sizes, nested) if is_nested)


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


def coefficients_of(
    fit, terms: list[str], rename: dict[str, str] | None = None,
    factor: float | None = None, n_clusters: int | None = None,
) -> list[Coefficient]:
    """The terms' estimates with their inference: linearmodels' own, or, when `factor` is given, its
    covariance scaled by `factor` with t(G - 1) p-values and intervals (fixest's clustered inference)."""
    rename = rename or {}
    if factor is not None and n_clusters is not None:
        return [
            coefficient(rename.get(t, t), float(fit.params[t]), float(fit.std_errors[t]) * float(np.sqrt(factor)),
                        df=n_clusters - 1)
            for t in terms
        ]
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
    vcov: str = "cluster", cluster: str | None = None, ssc: str = "fixest",
) -> RegressionResult:
    """TWFE estimate of the effect of a (0/1 or continuous) treatment with unit and period effects.

    `vcov` is "iid", "robust" or "cluster" (by `cluster`, default the unit). `ssc` is the small-sample
    convention of clustered errors: "fixest" (the default; fixest's and Stata reghdfe's, see `fixest_k`:
    (n - 1) / (n - K) * G / (G - 1) with the effects nested in the clusters left out of K, and t(G - 1)
    p-values and intervals) or "linearmodels" (PanelOLS's defaults: n / (n - K) with every effect and regressor
    in K, no G / (G - 1), t(n - K) inference).
    """
    columns = [unit, time, outcome, treatment, *covariates] + ([weights] if weights else [])
    columns += [cluster] if (vcov == "cluster" and cluster) else []
    data, dropped = complete_rows(df, columns, unit, time)
    fit, n_clusters, factor = fit_panel(data, outcome, [treatment, *covariates], unit, time, weights, vcov, cluster, ssc)
    notes = [f"{dropped:,} rows dropped for missing values"] if dropped else []
    return RegressionResult(
        design="twfe", outcome=outcome, headline=treatment,
        coefficients=coefficients_of(fit, [treatment, *covariates], factor=factor, n_clusters=n_clusters),
        n_obs=int(fit.nobs), n_units=int(data[unit].nunique()), n_periods=int(data[time].nunique()),
        n_clusters=n_clusters, vcov=vcov, dropped_rows=dropped, notes=notes,
        extra={"ssc": ssc} if vcov == "cluster" else {},
    )
