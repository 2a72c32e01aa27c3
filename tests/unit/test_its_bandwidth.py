"""Newey & West (1994) automatic lag of the ITS estimator, the quadratic trend and the counterfactual
range check. Expected values come from a hand calculation written out here (plain loops) and from
statsmodels, never from `evaluations.its` itself.

The lag convention was also checked once, outside the test suite, against R sandwich 3.0-2:
bwNeweyWest(matrix(HAND), prewhite = 0) = 2.683831 (floor 2, as below), and
NeweyWest(lm, lag = L, prewhite = FALSE, adjust = TRUE) equals `hac_covariance(X, resid, L)` to 1e-14
on the ITS design of tests/unit/test_its.py (seeds 7 and 3, automatic L = 6 and 3).
"""
import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.tsa.stattools import acf

from evaluations.its import ITSInputError, fit_its, newey_west_bandwidth, newey_west_lags

MONTHS = pd.date_range("2015-01-01", "2025-06-01", freq="MS")
BREAK = pd.Timestamp("2021-10-01")
T0 = 81  # months from January 2015 to October 2021

# 20 numbers, a slow swing: strongly positively autocorrelated at lags 1 and 2
HAND = [0.8, 1.1, 0.9, 1.4, 0.6, -0.2, -0.7, -1.0, -0.4, 0.3, 0.9, 1.2, 0.5, -0.1, -0.8, -1.3, -0.9, -0.2, 0.4, 0.7]


def reference_lags(u) -> int:
    """Newey & West (1994), Bartlett kernel, written out with loops over plain floats."""
    u = [float(v) for v in u]
    T = len(u)
    n = min(math.floor(4 * (T / 100) ** (2 / 9)), T - 1)
    sigma = []
    for j in range(n + 1):
        total = 0.0
        for t in range(j, T):
            total += u[t] * u[t - j]
        sigma.append(total / T)
    s0 = sigma[0]
    s1 = 0.0
    for j in range(1, n + 1):
        s0 += 2 * sigma[j]
        s1 += 2 * j * sigma[j]
    gamma = 1.1447 * ((s1 / s0) ** 2) ** (1 / 3)
    return max(0, min(math.floor(gamma * T ** (1 / 3)), T - 2))


def test_bandwidth_on_a_short_series_by_hand():
    # T = 20: n = floor(4 * 0.2^(2/9)) = floor(2.80) = 2
    # sum u_t^2 = 13.10 -> sigma_0 = 0.655; sum u_t u_{t-1} = 9.54 -> sigma_1 = 0.477;
    # sum u_t u_{t-2} = 2.82 -> sigma_2 = 0.141
    # s0 = 0.655 + 2 (0.477 + 0.141) = 1.891; s1 = 2 (0.477 + 2 * 0.141) = 1.518
    # gamma = 1.1447 * (1.518 / 1.891)^(2/3) = 0.98873; gamma * 20^(1/3) = 2.6838 -> 2 lags
    u = np.array(HAND)
    assert sum(v * v for v in HAND) == pytest.approx(13.10)
    assert sum(HAND[t] * HAND[t - 1] for t in range(1, 20)) == pytest.approx(9.54)
    assert sum(HAND[t] * HAND[t - 2] for t in range(2, 20)) == pytest.approx(2.82)
    assert 1.1447 * (1.518 / 1.891) ** (2 / 3) * 20 ** (1 / 3) == pytest.approx(2.6838, abs=1e-4)
    assert reference_lags(HAND) == 2
    assert newey_west_bandwidth(u) == 2
    # T = 4, alternating: n = 1, sigma_0 = 1, sigma_1 = -3/4, s0 = -1/2, s1 = -3/2,
    # gamma * 4^(1/3) = 1.1447 * 9^(1/3) * 4^(1/3) = 3.78 -> 3, capped at T - 2 = 2
    assert newey_west_bandwidth(np.array([1.0, -1.0, 1.0, -1.0])) == reference_lags([1, -1, 1, -1]) == 2
    assert newey_west_bandwidth(np.zeros(30)) == 0


@pytest.mark.parametrize("seed", range(6))
def test_bandwidth_equals_the_loops_on_random_series(seed):
    rng = np.random.default_rng(seed)
    T = [24, 60, 126, 200, 300, 500][seed]
    e = rng.normal(size=T)
    x = np.zeros(T)
    for i in range(T):
        x[i] = (0.6 * x[i - 1] if i else 0.0) + e[i]
    assert newey_west_bandwidth(e) == reference_lags(e)
    assert newey_west_bandwidth(x) == reference_lags(x)


def ar1(rho, T, seed):
    e = np.random.default_rng(seed).normal(size=T)
    x = np.zeros(T)
    for i in range(T):
        x[i] = (rho * x[i - 1] if i else 0.0) + e[i]
    return e, x


def test_strong_autocorrelation_gets_more_lags_than_white_noise():
    white, persistent = ar1(0.9, 126, seed=0)
    assert newey_west_bandwidth(persistent) > newey_west_bandwidth(white)
    # T = 126 monthly values (the ITS series): the rule of thumb gives 4 lags whatever the data;
    # the automatic rule gives an AR(1) with rho = 0.9 more than that, over many draws too
    assert newey_west_lags(126) == 4
    pairs = np.array([[newey_west_bandwidth(w), newey_west_bandwidth(p)] for w, p in (ar1(0.9, 126, s) for s in range(30))])
    assert np.median(pairs[:, 1]) > np.median(pairs[:, 0])
    assert pairs[:, 1].min() > newey_west_lags(126)


def simulated(quadratic=0.0, noise=1.0, seed=7, level=-3.0, slope=0.1):
    t = np.arange(len(MONTHS), dtype=float)
    post = (t >= T0).astype(float)
    season = 2.0 * np.sin(2 * np.pi * (MONTHS.month.to_numpy() - 1) / 12)
    _, e = ar1(0.7, len(t), seed)
    y = 100 + 0.2 * t + quadratic * t ** 2 + level * post + slope * (t - T0) * post + season + noise * e
    return pd.Series(y, index=MONTHS)


def design(quadratic: bool) -> pd.DataFrame:
    t = np.arange(len(MONTHS), dtype=float)
    post = (MONTHS >= BREAK).astype(float)
    X = pd.DataFrame({"const": 1.0, "time": t})
    if quadratic:
        X["time_sq"] = t ** 2
    X["level"] = post
    X["slope"] = (t - T0) * post
    for m in range(2, 13):
        X[f"month_{m}"] = (MONTHS.month == m).astype(float)
    return X


def test_automatic_lags_match_statsmodels_hac():
    y = simulated(noise=2.0)
    X = design(quadratic=False)
    ols = sm.OLS(y.to_numpy(), X).fit()
    lags = reference_lags(ols.resid)
    assert lags > newey_west_lags(len(y))  # rho = 0.7 errors: more than the rule of thumb's 4
    ref = sm.OLS(y.to_numpy(), X).fit(cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True})
    fit = fit_its(y, BREAK)
    assert fit.hac_lags == lags and fit.hac_rule == "newey_west_1994_automatic"
    np.testing.assert_allclose(fit.cov.loc[X.columns, X.columns].to_numpy(), ref.cov_params().to_numpy(), rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(np.sqrt(np.diag(fit.cov.loc[X.columns, X.columns])), ref.bse.to_numpy(), rtol=1e-8)
    assert fit.residual_autocorrelation == pytest.approx(acf(ols.resid, nlags=1, fft=False)[1], rel=1e-10)
    d = fit.to_dict()
    assert (d["hac_rule"], d["hac_lags"], d["trend"]) == ("newey_west_1994_automatic", lags, "linear")
    assert d["residual_autocorrelation"] == fit.residual_autocorrelation
    # the placebo chooses its own lag on its own residuals
    assert fit.placebo.hac_rule == "newey_west_1994_automatic"
    fixed = fit_its(y, BREAK, hac_lags=2)
    assert (fixed.hac_lags, fixed.hac_rule, fixed.placebo.hac_rule, fixed.to_dict()["hac_rule"]) == (2, "fixed", "fixed", "fixed")


def test_quadratic_trend_matches_statsmodels():
    y = simulated(quadratic=0.004, noise=1.5, seed=11)
    X = design(quadratic=True)
    ols = sm.OLS(y.to_numpy(), X).fit()
    lags = reference_lags(ols.resid)
    ref = sm.OLS(y.to_numpy(), X).fit(cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True})
    fit = fit_its(y, BREAK, trend="quadratic")
    assert fit.trend == "quadratic" and fit.to_dict()["trend"] == "quadratic" and fit.hac_lags == lags
    assert list(fit.params.index) == list(X.columns)
    np.testing.assert_allclose(fit.params[X.columns].to_numpy(), ref.params.to_numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(np.sqrt(np.diag(fit.cov.loc[X.columns, X.columns])), ref.bse.to_numpy(), rtol=1e-8)
    assert (fit.level.estimate, fit.slope.estimate) == (pytest.approx(ref.params["level"], rel=1e-8),
                                                        pytest.approx(ref.params["slope"], rel=1e-8))
    # counterfactual: level and slope switched off, the parabola and the season kept
    cf = X.copy()
    cf[["level", "slope"]] = 0.0
    np.testing.assert_allclose(fit.frame["counterfactual"], cf.to_numpy() @ ref.params.to_numpy(), rtol=1e-9)
    assert fit.placebo.trend == "quadratic" and "time_sq" in fit.placebo.params.index


def test_quadratic_trend_recovers_a_noise_free_change():
    y = simulated(quadratic=0.004, noise=0.0, level=5.0, slope=0.3)
    fit = fit_its(y, trend="quadratic")
    assert fit.level.estimate == pytest.approx(5.0, abs=1e-7)
    assert fit.slope.estimate == pytest.approx(0.3, abs=1e-9)
    assert fit.params["time_sq"] == pytest.approx(0.004, abs=1e-11)
    assert fit.placebo.level.estimate == pytest.approx(0.0, abs=1e-7)
    # a linear trend cannot absorb the curvature: it reports a spurious change
    assert abs(fit_its(y).level.estimate - 5.0) > 0.5


def test_unknown_trend_is_refused_by_name():
    with pytest.raises(ITSInputError, match=r"trend must be one of 'linear', 'quadratic', got 'cubic'"):
        fit_its(simulated(), trend="cubic")


def test_counterfactual_in_range():
    rng = np.random.default_rng(2)
    flat = pd.Series(50 + rng.normal(0, 1, len(MONTHS)), index=MONTHS)
    assert fit_its(flat, seasonality=False).counterfactual_in_range() is True
    # 9 pre-break months rising 5 a month (10 .. 50), flat afterwards: the pre-break range widened by
    # half of it is [-10, 70]; the counterfactual keeps climbing to 10 + 5 * 50 = 260 by December 2025
    months = pd.date_range("2021-01-01", "2025-12-01", freq="MS")
    t = np.arange(len(months), dtype=float)
    y = np.where(t < 9, 10 + 5 * t, 50.0) + np.tile([0.3, -0.3], len(t) // 2)
    fit = fit_its(pd.Series(y, index=months), seasonality=False, placebo_shift=None)
    assert fit.counterfactual_in_range() is False
    assert fit.frame["counterfactual"].iloc[-1] > 70
