"""Indicator trends against the pre-Framework baseline (descriptive; no causal claim).

Baseline = the `baseline_months` (default 36) calendar months before the Framework's start
(October 2021), i.e. October 2018 – September 2021; post = from October 2021 to the last month
with data. Reported: the mean of each window (over the months with data, counted), the change
and percent change of the means, the linear trend per year within the post window (and within
the baseline), and an interval for the change in means from a regression of the series on a
post dummy with Newey–West standard errors (autocorrelated monthly data; lags chosen from the residuals by the
Newey & West 1994 automatic bandwidth, as in the ITS).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .its import FRAMEWORK_START, hac_covariance, newey_west_bandwidth

CAVEAT = {
    "en": "Descriptive comparison of means before and after October 2021: it does not isolate the effect of the "
          "Framework from anything else that changed at the same time.",
    "es": "Comparación descriptiva de promedios antes y después de octubre de 2021: no aísla el efecto del Entendimiento "
          "de cualquier otra cosa que haya cambiado al mismo tiempo.",
}


class TrendInputError(ValueError):
    pass


def _slope_per_year(frame: pd.DataFrame) -> float | None:
    if len(frame) < 3:
        return None
    t = (frame["period"].dt.year * 12 + frame["period"].dt.month).to_numpy(float)
    return float(np.polyfit(t, frame["value"].to_numpy(float), 1)[0] * 12)


@dataclass
class BaselineComparison:
    baseline: dict | None
    post: dict | None
    change: float | None
    percent_change: float | None
    trend_per_year: float | None
    baseline_trend_per_year: float | None
    change_estimate: dict | None   # estimate, std_error, ci_low, ci_high, p_value of the change in means
    hac_lags: int | None
    post_mean_estimate: dict | None = None   # the post mean with a Newey–West interval

    def to_dict(self) -> dict:
        return {"baseline": self.baseline, "post": self.post, "change": self.change,
                "percent_change": self.percent_change, "trend_per_year": self.trend_per_year,
                "baseline_trend_per_year": self.baseline_trend_per_year, "caveat": dict(CAVEAT)}


def baseline_comparison(series: pd.Series, start=FRAMEWORK_START, baseline_months: int = 36,
                        alpha: float = 0.05, name: str = "series") -> BaselineComparison:
    """Compare a monthly series (indexed by first-of-month dates) before and after `start`."""
    start = pd.Timestamp(start)
    frame = pd.DataFrame({"period": pd.to_datetime(pd.Series(series.index)), "value": pd.to_numeric(pd.Series(series.to_numpy()), errors="coerce")})
    if frame["period"].duplicated().any():
        raise TrendInputError(f"{name}: period {frame.loc[frame['period'].duplicated(), 'period'].iloc[0].date()} appears twice")
    frame = frame.dropna().sort_values("period")
    base_start = start - pd.DateOffset(months=baseline_months)
    base = frame[(frame["period"] >= base_start) & (frame["period"] < start)]
    post = frame[frame["period"] >= start]

    def window(part: pd.DataFrame, first: pd.Timestamp, expected: int | None) -> dict | None:
        # the window printed is the one used: it starts at its first month with data, never at a nominal
        # start with no data (publication rule baseline_window_as_used)
        if part.empty:
            return None
        last = part["period"].iloc[-1] + pd.offsets.MonthEnd(0)
        return {"start": str(part["period"].iloc[0].date()), "nominal_start": str(first.date()),
                "end": str(last.date()), "mean": float(part["value"].mean()),
                "months": int(len(part)), "months_expected": expected,
                "first_month_with_data": str(part["period"].iloc[0].date())}

    last_post = post["period"].iloc[-1] if not post.empty else None
    expected_post = None if last_post is None else (last_post.year - start.year) * 12 + last_post.month - start.month + 1
    b, p = window(base, base_start, baseline_months), window(post, start, expected_post)
    change = pct = est = lags = None
    if b and p:
        change = p["mean"] - b["mean"]
        pct = 100 * change / b["mean"] if b["mean"] != 0 else None
        both = pd.concat([base, post])
        X = np.column_stack([np.ones(len(both)), (both["period"] >= start).to_numpy(float)])
        y = both["value"].to_numpy(float)
        beta, *_ = np.linalg.lstsq(X, y, rcond=None)
        lags = newey_west_bandwidth(y - X @ beta)   # lags chosen from the residuals (Newey & West 1994)
        if len(y) > 2:
            se = float(math.sqrt(hac_covariance(X, y - X @ beta, lags)[1, 1]))
            z = stats.norm.ppf(1 - alpha / 2)
            est = {"estimate": float(beta[1]), "std_error": se, "ci_low": float(beta[1] - z * se),
                   "ci_high": float(beta[1] + z * se),
                   "p_value": float(2 * stats.norm.sf(abs(beta[1] / se))) if se > 0 else None}
    post_est = None
    if len(post) > 2:
        y = post["value"].to_numpy(float)
        X = np.ones((len(y), 1))
        m = float(y.mean())
        se = float(math.sqrt(hac_covariance(X, y - m, newey_west_bandwidth(y - m))[0, 0]))
        z = stats.norm.ppf(1 - alpha / 2)
        post_est = {"estimate": m, "std_error": se, "ci_low": m - z * se, "ci_high": m + z * se,
                    "p_value": float(2 * stats.norm.sf(abs(m / se))) if se > 0 else None}
    return BaselineComparison(b, p, change, pct, _slope_per_year(post), _slope_per_year(base), est, lags, post_est)
