"""Interrupted time series: segmented regression with a level and a slope change at a date.

Model for a monthly series y_t (t = months since the first observation, t0 = the break month):

    y_t = b0 + b1 t [+ q t^2] + b2 1{t >= t0} + b3 (t - t0) 1{t >= t0} + sum_m s_m 1{month(t) = m} + e_t

with month-of-year dummies (January is the reference) when `seasonality` is on, and the t^2 term
(`time_sq`) only with `trend="quadratic"` (the pre-existing trend, and so the counterfactual, is then a
parabola; `pre_slope` is b1, the slope at the first month). b2 is the level change at the break, b3
the change in the monthly slope. Standard errors are Newey–West (Bartlett kernel)
heteroskedasticity- and autocorrelation-consistent with the small-sample factor n / (n - k) (as
Stata's `newey`; statsmodels' `cov_type="HAC"` with `use_correction=True`; R sandwich's
`NeweyWest(..., prewhite = FALSE, adjust = TRUE)`). Unless `hac_lags` is given, the lag is chosen
from the data: the Newey & West (1994) automatic bandwidth for the Bartlett kernel computed on the
OLS residuals (`newey_west_bandwidth`; `hac_rule` "newey_west_1994_automatic", else "fixed"), so a
strongly autocorrelated series gets more lags than the rule of thumb floor(4 (n/100)^(2/9)) (which
`newey_west_lags` keeps for other modules). The lag-1 autocorrelation of the residuals is reported.
Intervals are normal.

The placebo refits the same model (same trend, same lag rule) on the months before the real break
only, with a fake break `placebo_shift` months earlier: a "change" there would mean the design picks
up something else. The counterfactual is the fitted series with the level and slope changes switched
off; `counterfactual_in_range` says whether it stays near the range of the pre-break observations
(a trend projected years ahead can leave any plausible range).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

FRAMEWORK_START = pd.Timestamp("2021-10-01")
TRENDS = ("linear", "quadratic")


class ITSInputError(ValueError):
    """A series the ITS cannot use; the message names the column and the problem."""


@dataclass
class ITSEstimate:
    term: str
    estimate: float
    std_error: float
    ci_low: float
    ci_high: float
    p_value: float

    def to_dict(self) -> dict:
        return {"estimate": self.estimate, "std_error": self.std_error, "ci_low": self.ci_low,
                "ci_high": self.ci_high, "p_value": self.p_value}


@dataclass
class ITSResult:
    break_date: pd.Timestamp
    level: ITSEstimate
    slope: ITSEstimate
    pre_slope: ITSEstimate
    params: pd.Series
    cov: pd.DataFrame
    n_obs: int
    n_pre: int
    n_post: int
    hac_lags: int
    seasonality: bool
    start: pd.Timestamp
    end: pd.Timestamp
    frame: pd.DataFrame                      # period, observed, fitted, counterfactual
    placebo: "ITSResult | None" = None
    notes: list = field(default_factory=list)
    hac_rule: str = "newey_west_1994_automatic"   # or "fixed" (lags given by the caller)
    residual_autocorrelation: float = 0.0        # lag-1 autocorrelation of the OLS residuals
    trend: str = "linear"                        # or "quadratic"

    def counterfactual_in_range(self) -> bool:
        """Whether the counterfactual over the post-break months stays within [min, max] of the observed
        pre-break values widened by half their range on each side."""
        f = self.frame
        pre = f.loc[f["period"] < self.break_date, "observed"]
        post = f.loc[f["period"] >= self.break_date, "counterfactual"]
        low, high = float(pre.min()), float(pre.max())
        margin = (high - low) / 2
        return bool(((post >= low - margin) & (post <= high + margin)).all())

    def to_dict(self) -> dict:
        out = {
            "break_date": str(self.break_date.date()), "start": str(self.start.date()), "end": str(self.end.date()),
            "n_obs": self.n_obs, "n_pre": self.n_pre, "n_post": self.n_post, "hac_lags": self.hac_lags,
            "hac_rule": self.hac_rule, "residual_autocorrelation": self.residual_autocorrelation, "trend": self.trend,
            "seasonality": self.seasonality, "level_change": self.level.to_dict(),
            "slope_change": self.slope.to_dict(), "pre_slope": self.pre_slope.to_dict(), "notes": list(self.notes),
        }
        if self.placebo is not None:
            out["placebo"] = {"break_date": str(self.placebo.break_date.date()),
                              "level_change": self.placebo.level.to_dict(),
                              "slope_change": self.placebo.slope.to_dict(), "n_obs": self.placebo.n_obs}
        return out


def newey_west_lags(n: int) -> int:
    """Newey & West (1994) rule of thumb for the Bartlett kernel: floor(4 (n/100)^(2/9))."""
    return int(math.floor(4 * (n / 100) ** (2 / 9)))


def newey_west_bandwidth(resid: np.ndarray) -> int:
    """Newey & West (1994, Review of Economic Studies 61(4)) automatic lag for the Bartlett kernel,
    computed on the residual series u_1..u_T:

        n = floor(4 (T/100)^(2/9))                        (preliminary truncation, Table II C)
        sigma_j = (1/T) sum_{t=j+1..T} u_t u_{t-j},       j = 0..n
        s0 = sigma_0 + 2 sum_{j=1..n} sigma_j,  s1 = 2 sum_{j=1..n} j sigma_j
        gamma = 1.1447 ((s1/s0)^2)^(1/3)
        L = min(floor(gamma T^(1/3)), T - 2), at least 0

    L is the lag of `hac_covariance`, whose Bartlett weights are 1 - j/(L+1), j = 0..L. Convention:
    this is R sandwich's `NeweyWest(x, lag = NULL, prewhite = FALSE)`, which sets
    lag = floor(bwNeweyWest(x, prewhite = FALSE)) and weights seq(1, 0, by = -1/(lag + 1)), i.e. the
    same 1 - j/(lag+1); so `hac_covariance(X, resid, L)` equals `NeweyWest(fit, lag = L, prewhite =
    FALSE, adjust = TRUE)` (and statsmodels' HAC with maxlags = L, use_correction = True). (sandwich's
    other route, `kernHAC(kernel = "Bartlett", bw = bwNeweyWest)`, uses the unfloored bandwidth b in
    weights 1 - j/b, i.e. L = b - 1; we do not follow that one.) sandwich's bandwidth equals this one
    for a univariate series (an intercept-only model of u); on a regression it uses the sum of the
    non-intercept score columns x_t u_t instead of u_t, so its lag there can differ. The cap T - 2 is
    ours (sandwich does not truncate). A zero residual series gets 0 lags."""
    u = np.asarray(resid, dtype=float).ravel()
    T = len(u)
    if T < 3:
        return 0
    n = min(int(math.floor(4 * (T / 100) ** (2 / 9))), T - 1)
    sigma = np.array([u[j:] @ u[:T - j] / T for j in range(n + 1)])
    s0 = sigma[0] + 2 * sigma[1:].sum()
    s1 = 2 * (np.arange(1, n + 1) * sigma[1:]).sum()
    if s0 == 0:
        return 0 if s1 == 0 else T - 2
    gamma = 1.1447 * ((s1 / s0) ** 2) ** (1 / 3)
    lags = gamma * T ** (1 / 3)
    return int(max(0, min(math.floor(lags), T - 2))) if math.isfinite(lags) else T - 2


def lag1_autocorrelation(resid: np.ndarray) -> float:
    """sum (u_t - m)(u_{t-1} - m) / sum (u_t - m)^2 (the usual sample ACF at lag 1); 0 for a constant series."""
    u = np.asarray(resid, dtype=float).ravel()
    u = u - u.mean()
    denom = float(u @ u)
    return float(u[1:] @ u[:-1] / denom) if len(u) > 1 and denom > 0 else 0.0


def hac_covariance(X: np.ndarray, resid: np.ndarray, lags: int, small_sample: bool = True) -> np.ndarray:
    """Newey–West covariance of OLS coefficients: (X'X)^-1 S (X'X)^-1, Bartlett weights 1 - l/(L+1)."""
    n, k = X.shape
    scores = X * resid[:, None]
    S = scores.T @ scores
    for lag in range(1, lags + 1):
        w = 1 - lag / (lags + 1)
        gamma = scores[lag:].T @ scores[:-lag]
        S += w * (gamma + gamma.T)
    bread = np.linalg.inv(X.T @ X)
    cov = bread @ S @ bread
    return cov * n / (n - k) if small_sample else cov


def design_matrix(periods: pd.Series, break_date: pd.Timestamp, origin: pd.Timestamp,
                  seasonality: bool = True, trend: str = "linear") -> pd.DataFrame:
    """Columns const, time (+ time_sq with trend="quadratic"), level, slope (+ month_2..month_12) for
    monthly `periods`."""
    dates = pd.to_datetime(pd.Series(periods)).reset_index(drop=True)
    t = (dates.dt.year - origin.year) * 12 + (dates.dt.month - origin.month)
    t0 = (break_date.year - origin.year) * 12 + (break_date.month - origin.month)
    post = (t >= t0).astype(float)
    X = pd.DataFrame({"const": 1.0, "time": t.astype(float), "level": post, "slope": (t - t0) * post})
    if trend == "quadratic":
        X.insert(2, "time_sq", t.astype(float) ** 2)
    if seasonality:
        for m in range(2, 13):
            X[f"month_{m}"] = (dates.dt.month == m).astype(float)
    return X


def _estimate(term: str, params: pd.Series, cov: pd.DataFrame, alpha: float) -> ITSEstimate:
    b, se = float(params[term]), float(math.sqrt(cov.loc[term, term]))
    z = stats.norm.ppf(1 - alpha / 2)
    p = float(2 * stats.norm.sf(abs(b / se))) if se > 0 else float("nan")
    return ITSEstimate(term, b, se, b - z * se, b + z * se, p)


def _prepare(series: pd.Series | pd.DataFrame, time: str | None, value: str | None, name: str) -> pd.DataFrame:
    if isinstance(series, pd.Series):
        frame = pd.DataFrame({"period": series.index, "value": series.to_numpy()})
    else:
        for col in (time, value):
            if col not in series.columns:
                raise ITSInputError(f"{name}: column {col!r} not in the data (columns: {', '.join(map(str, series.columns))})")
        frame = series[[time, value]].rename(columns={time: "period", value: "value"})
    try:
        frame["period"] = pd.to_datetime(frame["period"])
    except (ValueError, TypeError) as error:
        raise ITSInputError(f"{name}: column {time or 'index'!r} is not a date ({error})") from None
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
    if frame["period"].duplicated().any():
        dup = frame.loc[frame["period"].duplicated(), "period"].iloc[0]
        raise ITSInputError(f"{name}: period {dup.date()} appears more than once; aggregate to one value per month first")
    if (frame["period"].dt.day != 1).any():
        bad = frame.loc[frame["period"].dt.day != 1, "period"].iloc[0]
        raise ITSInputError(f"{name}: period {bad.date()} is not the first day of a month")
    return frame.dropna(subset=["value"]).sort_values("period").reset_index(drop=True)


def fit_its(series: pd.Series | pd.DataFrame, break_date=FRAMEWORK_START, *, time: str | None = None,
            value: str | None = None, seasonality: bool = True, hac_lags: int | None = None,
            alpha: float = 0.05, placebo_shift: int | None = 12, min_side: int = 6, name: str = "series",
            trend: str = "linear") -> ITSResult:
    """Fit the segmented regression on a monthly series (a Series indexed by month, or a frame with
    `time` and `value` columns); months with a missing value are left out. `hac_lags=None` chooses the
    Newey–West lag from the OLS residuals (`newey_west_bandwidth`); `trend` is "linear" or "quadratic"."""
    if trend not in TRENDS:
        raise ITSInputError(f"{name}: trend must be one of {', '.join(map(repr, TRENDS))}, got {trend!r}")
    break_date = pd.Timestamp(break_date)
    frame = _prepare(series, time, value, name)
    n_pre = int((frame["period"] < break_date).sum())
    n_post = int(len(frame) - n_pre)
    if n_pre < min_side or n_post < min_side:
        raise ITSInputError(f"{name}: {n_pre} months before and {n_post} from {break_date.date()}; "
                            f"at least {min_side} on each side are needed")
    origin = frame["period"].iloc[0]
    X = design_matrix(frame["period"], break_date, origin, seasonality, trend)
    if seasonality:
        # a month of the year that never occurs (short series) has an all-zero dummy: drop it
        X = X.loc[:, (X != 0).any(axis=0) | ~X.columns.str.startswith("month_")]
    y = frame["value"].to_numpy(float)
    Xv = X.to_numpy(float)
    if np.linalg.matrix_rank(Xv) < Xv.shape[1]:
        raise ITSInputError(f"{name}: the design is rank deficient (too few distinct months)")
    beta, *_ = np.linalg.lstsq(Xv, y, rcond=None)
    resid = y - Xv @ beta
    lags = newey_west_bandwidth(resid) if hac_lags is None else int(hac_lags)
    cov = pd.DataFrame(hac_covariance(Xv, resid, lags), index=X.columns, columns=X.columns)
    params = pd.Series(beta, index=X.columns)
    counterfactual_X = Xv.copy()
    counterfactual_X[:, list(X.columns).index("level")] = 0.0
    counterfactual_X[:, list(X.columns).index("slope")] = 0.0
    out_frame = pd.DataFrame({"period": frame["period"], "observed": y, "fitted": Xv @ beta,
                              "counterfactual": counterfactual_X @ beta})
    result = ITSResult(
        break_date=break_date, level=_estimate("level", params, cov, alpha), slope=_estimate("slope", params, cov, alpha),
        pre_slope=_estimate("time", params, cov, alpha), params=params, cov=cov, n_obs=len(y), n_pre=n_pre,
        n_post=n_post, hac_lags=lags, seasonality=seasonality, start=frame["period"].iloc[0],
        end=frame["period"].iloc[-1], frame=out_frame, hac_rule="newey_west_1994_automatic" if hac_lags is None else "fixed",
        residual_autocorrelation=lag1_autocorrelation(resid), trend=trend,
    )
    if placebo_shift:
        fake = break_date - pd.DateOffset(months=int(placebo_shift))
        pre = frame[frame["period"] < break_date]
        try:
            result.placebo = fit_its(pre.set_index("period")["value"], fake, seasonality=seasonality, hac_lags=hac_lags,
                                     alpha=alpha, placebo_shift=None, min_side=min_side, name=f"{name} (placebo)",
                                     trend=trend)
        except ITSInputError as error:
            result.notes.append(f"placebo not estimated: {error}")
    return result


def comparative_series(treated: pd.Series, comparison: pd.Series) -> pd.Series:
    """Treated minus comparison, month by month (months present in both): the outcome of a comparative ITS."""
    joined = pd.concat([treated.rename("treated"), comparison.rename("comparison")], axis=1, join="inner")
    return (joined["treated"] - joined["comparison"]).rename("difference")


def plot_its(result: ITSResult, path: str | Path, title: str, ylabel: str, source_note: str = "", lang: str = "en") -> Path:
    """Observed series, fitted segments and the counterfactual (no level or slope change) after the break, in
    `lang` (evaluations.figures); the break and the start of the Framework marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import figures, formats

    f = result.frame
    fig, ax = plt.subplots(figsize=(8, 4.2), dpi=110)
    ax.plot(f["period"], f["observed"], color="#555555", lw=1, marker="o", ms=2.5, label=figures.word("observed", lang))
    pre, post = f["period"] < result.break_date, f["period"] >= result.break_date
    ax.plot(f.loc[pre, "period"], f.loc[pre, "fitted"], color="#1f4e79", lw=1.8, label=figures.word("fitted", lang))
    ax.plot(f.loc[post, "period"], f.loc[post, "fitted"], color="#1f4e79", lw=1.8)
    ax.plot(f.loc[post, "period"], f.loc[post, "counterfactual"], color="#c55a11", lw=1.8, ls="--",
            label=figures.word("counterfactual", lang))
    if result.break_date != FRAMEWORK_START:
        ax.axvline(result.break_date, color="grey", lw=0.8, ls="--",
                   label=figures.word("break", lang, month=formats.month_short(result.break_date, lang)))
    figures.mark_framework(ax, lang, result.start, result.end)
    figures.localize_axis(ax, lang)
    figures.set_title(ax, title)
    ax.set_ylabel(ylabel, fontsize=9)
    ax.legend(fontsize=8, frameon=False, loc="best")
    figures.footnote(fig, source_note)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return figures.save(fig, path)
