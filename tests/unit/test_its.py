"""ITS estimator: known level and slope changes are recovered; coefficients and Newey–West SEs equal
statsmodels OLS with HAC covariance; placebo, counterfactual and input errors."""
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from evaluations.its import ITSInputError, fit_its, newey_west_lags

MONTHS = pd.date_range("2015-01-01", "2025-06-01", freq="MS")
BREAK = pd.Timestamp("2021-10-01")


def simulated(level=5.0, slope=0.3, noise=0.0, seed=1):
    t = np.arange(len(MONTHS), dtype=float)
    t0 = 81  # months from Jan 2015 to Oct 2021
    season = 2.0 * np.sin(2 * np.pi * (MONTHS.month.to_numpy() - 1) / 12)
    post = (t >= t0).astype(float)
    rng = np.random.default_rng(seed)
    e = np.zeros(len(t))
    shocks = rng.normal(0, noise, len(t))
    for i in range(len(t)):  # AR(1) errors, rho 0.5
        e[i] = (0.5 * e[i - 1] if i else 0.0) + shocks[i]
    y = 100 + 0.2 * t + level * post + slope * (t - t0) * post + season + e
    return pd.Series(y, index=MONTHS)


def test_noise_free_series_recovers_level_and_slope_exactly():
    fit = fit_its(simulated(level=5.0, slope=0.3))
    assert fit.level.estimate == pytest.approx(5.0, abs=1e-9)
    assert fit.slope.estimate == pytest.approx(0.3, abs=1e-10)
    assert fit.pre_slope.estimate == pytest.approx(0.2, abs=1e-10)
    assert (fit.n_pre, fit.n_post) == (81, len(MONTHS) - 81)
    # placebo on the pre-break months only: a pure trend + season has no change at the fake date
    assert fit.placebo.break_date == pd.Timestamp("2020-10-01")
    assert fit.placebo.level.estimate == pytest.approx(0.0, abs=1e-9)
    # counterfactual = fitted minus the level and slope terms after the break
    f = fit.frame
    t = np.arange(len(f))
    gap = np.where(t >= 81, 5.0 + 0.3 * (t - 81), 0.0)
    np.testing.assert_allclose(f["fitted"] - f["counterfactual"], gap, atol=1e-8)


def test_noisy_series_covers_the_truth_and_the_placebo_finds_nothing():
    hits = 0
    for seed in range(40):
        fit = fit_its(simulated(level=5.0, slope=0.3, noise=1.0, seed=seed))
        hits += fit.level.ci_low <= 5.0 <= fit.level.ci_high
    # nominal 95% coverage with a HAC estimator on 126 months: at least 80% of 40 runs
    assert hits >= 32
    fit = fit_its(simulated(level=5.0, slope=0.3, noise=1.0, seed=3))
    assert abs(fit.level.estimate - 5.0) < 4 * fit.level.std_error
    assert fit.placebo.level.ci_low <= 0 <= fit.placebo.level.ci_high


def test_matches_statsmodels_ols_with_hac_standard_errors():
    y = simulated(level=-3.0, slope=0.1, noise=2.0, seed=7)
    # a fixed lag (the rule of thumb): the default is now the automatic lag, compared with statsmodels
    # in test_its_bandwidth.py
    fit = fit_its(y, BREAK, hac_lags=newey_west_lags(len(y)))
    assert (fit.hac_lags, fit.hac_rule) == (4, "fixed")
    # independent design: trend, post dummy, post trend, 11 month dummies
    t = np.arange(len(y), dtype=float)
    post = (MONTHS >= BREAK).astype(float)
    X = pd.DataFrame({"const": 1.0, "time": t, "level": post, "slope": (t - 81) * post})
    for m in range(2, 13):
        X[f"month_{m}"] = (MONTHS.month == m).astype(float)
    lags = newey_west_lags(len(y))
    # the small-sample factor n / (n - k) is statsmodels' use_correction=True
    ref = sm.OLS(y.to_numpy(), X).fit(cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True})
    np.testing.assert_allclose(fit.params[X.columns].to_numpy(), ref.params.to_numpy(), rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(np.sqrt(np.diag(fit.cov.loc[X.columns, X.columns])), ref.bse.to_numpy(), rtol=1e-8)
    assert fit.level.p_value == pytest.approx(ref.pvalues["level"], rel=1e-8)
    lo, hi = ref.conf_int().loc["level"]
    assert (fit.level.ci_low, fit.level.ci_high) == (pytest.approx(lo, rel=1e-8), pytest.approx(hi, rel=1e-8))


def test_newey_west_lag_rule():
    # floor(4 (n/100)^(2/9)): n = 100 -> 4; n = 126 -> 4; n = 20 -> 2 (4 * 0.2^0.222 = 2.80)
    assert [newey_west_lags(n) for n in (100, 126, 20, 1000)] == [4, 4, 2, 6]


def test_bad_input_is_one_clear_error():
    s = simulated()
    with pytest.raises(ITSInputError, match="2015-01-01 appears more than once"):
        fit_its(pd.concat([s.iloc[:1], s]))
    with pytest.raises(ITSInputError, match="at least 6 on each side"):
        fit_its(s[s.index < "2022-01-01"])
    frame = pd.DataFrame({"month": MONTHS, "y": s.to_numpy()})
    with pytest.raises(ITSInputError, match="column 'value' not in the data"):
        fit_its(frame, time="month", value="value")
    with pytest.raises(ITSInputError, match="not the first day of a month"):
        fit_its(pd.Series(s.to_numpy(), index=MONTHS + pd.Timedelta(days=3)))
