"""Event-study regression: leads and lags around each unit's first treatment, reference period -1."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .event_vcov import coefficient_covariance
from .results import RegressionResult
from .twfe import DidInputError, coefficients_of, complete_rows, fit_panel


def event_time_terms(window: tuple[int, int]) -> list[int]:
    low, high = window
    if not low < -1 < high + 1 or low >= high:
        raise DidInputError(f"window must contain -1 and satisfy low < high, got {window}")
    return [e for e in range(low, high + 1) if e != -1]


def event_study(
    df: pd.DataFrame, outcome: str, unit: str, time: str, cohort: str,
    window: tuple[int, int] = (-5, 5), bin_endpoints: bool = True,
    covariates: Sequence[str] = (), weights: str | None = None,
    vcov: str = "cluster", cluster: str | None = None, ssc: str = "fixest",
) -> RegressionResult:
    """Dynamic TWFE with event-time dummies.

    `time` and `cohort` are integer periods on the same scale; `cohort` is the first
    treated period, 0 or missing for never treated. With `bin_endpoints`, event times
    beyond the window are pooled into the end bins; otherwise those observations are
    dropped (and counted). Terms are named ``event_time=-3`` etc. `vcov`, `cluster` and `ssc` (small-sample
    convention of clustered errors, "fixest" by default or "linearmodels") are those of `twfe`.
    """
    if cohort not in df.columns:
        raise DidInputError(f"column {cohort!r} not in data")
    frame = df.copy()
    frame[cohort] = frame[cohort].fillna(0)
    columns = [unit, time, outcome, cohort, *covariates] + ([weights] if weights else [])
    columns += [cluster] if (vcov == "cluster" and cluster) else []
    data, dropped = complete_rows(frame, columns, unit, time)
    terms = event_time_terms(window)
    treated = data[cohort] > 0
    if not treated.any():
        raise DidInputError(f"no treated units: {cohort!r} is 0 or missing everywhere")
    relative = np.where(treated, data[time] - data[cohort], np.nan)
    low, high = window
    outside = treated & ((relative < low) | (relative > high))
    if bin_endpoints:
        relative = np.clip(relative, low, high)
    elif outside.any():
        data, relative = data[~outside], relative[~outside.to_numpy()]
        dropped += int(outside.sum())
    names = {f"_e{e}".replace("-", "m"): f"event_time={e}" for e in terms}
    dummies = pd.DataFrame({col: (relative == e).astype(float) for col, e in zip(names, terms)}, index=data.index)
    empty = [names[c] for c in dummies if dummies[c].sum() == 0]
    if empty:
        raise DidInputError(f"no observations at {empty[0]}: narrow the window")
    data = pd.concat([data, dummies], axis=1)
    fit, n_clusters, factor = fit_panel(data, outcome, [*names, *covariates], unit, time, weights, vcov, cluster, ssc)
    notes = [f"{dropped:,} rows dropped (missing values or outside the window)"] if dropped else []
    if bin_endpoints:
        notes.append(f"event times below {low} and above {high} are binned into the end points")
    return RegressionResult(
        design="event_study", outcome=outcome, headline=None,
        coefficients=coefficients_of(fit, [*names, *covariates], rename=names, factor=factor, n_clusters=n_clusters),
        n_obs=int(fit.nobs), n_units=int(data[unit].nunique()), n_periods=int(data[time].nunique()),
        n_clusters=n_clusters, vcov=vcov, dropped_rows=dropped, notes=notes,
        extra={"window": list(window), "reference_period": -1,
               "n_treated_units": int(data.loc[data[cohort] > 0, unit].nunique()),
               **({"ssc": ssc} if vcov == "cluster" else {})},
        covariance=coefficient_covariance(fit, [*names, *covariates], rename=names, factor=factor),
    )


def event_study_table(result: RegressionResult) -> pd.DataFrame:
    """Event-time coefficients with the reference period (-1) added as zero, sorted by event time."""
    rows = [
        {"event_time": int(c.term.split("=")[1]), "estimate": c.estimate, "std_error": c.std_error,
         "ci_low": c.ci_low, "ci_high": c.ci_high}
        for c in result.coefficients if c.term.startswith("event_time=")
    ]
    rows.append({"event_time": -1, "estimate": 0.0, "std_error": 0.0, "ci_low": 0.0, "ci_high": 0.0})
    return pd.DataFrame(rows).sort_values("event_time").reset_index(drop=True)
