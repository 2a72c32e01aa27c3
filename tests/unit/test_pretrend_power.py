"""Pre-trend power (Roth 2022) against the printed example of the R package `pretrends`, and hand calculations.

[README] github.com/jonathandroth/pretrends README.md (commit 122731d), "Application to He and Wang (2017)":
beta, sigma and tVec are the package's `HeAndWangResults` (tests/data/pretrends_he_wang/, see SOURCE.md).
R computes the rectangle probabilities with `mvtnorm`'s randomised Genz integration (absolute error 1e-3 by
default) and the 50%-power slope with `uniroot` (x tolerance 1.2e-4), so its printed probabilities are compared
to 1e-4; an exact one-dimensional quadrature of the same probability (written in the test) checks ours to 1e-6.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, optimize, stats

from evaluations.did.pretrend_power import (
    linear_trend,
    pretrend_power,
    rejection_probability,
    slope_for_power,
    truncated_mean,
)
from evaluations.did.twfe import DidInputError

DATA = Path(__file__).resolve().parents[1] / "data" / "pretrends_he_wang"
R_SLOPE_50 = 0.05205871                                                   # [README] slope_for_power(0.5)
R_LINEAR = {"power": 0.4999776, "bayes_factor": 0.56901, "likelihood_ratio": 0.1057627}
R_QUADRATIC = {"power": 0.6624282, "bayes_factor": 0.3841516, "likelihood_ratio": 0.4332635}
# [README] df_eventplot: t, betahat, deltatrue, se, meanAfterPretesting (reference period -1 included as 0)
R_EVENTPLOT = [
    (-4, 0.066703148, -0.15617613, 0.09437463, -0.09230764),
    (-3, -0.007701792, -0.10411742, 0.07705139, -0.05555285),
    (-2, -0.030769054, -0.05205871, 0.05512372, -0.02790950),
    (-1, 0.000000000, 0.00000000, 0.00000000, 0.00000000),
    (0, 0.084030658, 0.05205871, 0.06264775, 0.06490184),
    (1, 0.242441818, 0.10411742, 0.08981034, 0.12084694),
    (2, 0.219878986, 0.15617613, 0.08877826, 0.16946498),
    (3, 0.191092536, 0.20823484, 0.09893648, 0.22453827),
]


def _power_by_quadrature(sigma, mean, c=1.96):
    """1 - P(|x_j| <= c se_j for all j), three coordinates: the last integrated numerically against the exact
    bivariate normal rectangle probability of the first two given it."""
    ub = c * np.sqrt(np.diag(sigma))
    s33 = sigma[2, 2]
    slope = sigma[:2, 2] / s33
    cond = sigma[:2, :2] - np.outer(sigma[:2, 2], sigma[2, :2]) / s33

    def density(x):
        return stats.norm.pdf(x, mean[2], np.sqrt(s33)) * stats.multivariate_normal.cdf(
            ub[:2], mean=mean[:2] + slope * (x - mean[2]), cov=cond, lower_limit=-ub[:2], abseps=1e-12, releps=0)

    return 1 - integrate.quad(density, -ub[2], ub[2], epsabs=1e-12, epsrel=1e-12, limit=200)[0]


@pytest.fixture(scope="module")
def he_wang():
    beta = pd.read_csv(DATA / "beta.csv")
    sigma = pd.read_csv(DATA / "sigma.csv").to_numpy()
    return beta["beta"].to_numpy(), sigma, beta["t"].to_numpy()


def test_slope_for_50_percent_power_matches_readme(he_wang):
    _, sigma, t = he_wang
    slope = slope_for_power(sigma[:3, :3], 0.5, t[:3], reference=-1)
    assert abs(slope - R_SLOPE_50) < 2e-5
    # the exact root has power 0.5; R's root (uniroot tolerance) has the printed 0.4999776
    assert abs(rejection_probability(slope * (t[:3] + 1), sigma[:3, :3]) - 0.5) < 1e-6


def test_linear_trend_matches_readme(he_wang):
    beta, sigma, t = he_wang
    res = pretrend_power(beta, sigma, t, reference=-1, slope=R_SLOPE_50)
    assert abs(res.power - R_LINEAR["power"]) < 1e-4
    assert abs(res.power - _power_by_quadrature(sigma[:3, :3], R_SLOPE_50 * (t[:3] + 1))) < 1e-6
    assert abs(res.bayes_factor - R_LINEAR["bayes_factor"]) < 2e-4
    assert abs(res.likelihood_ratio - R_LINEAR["likelihood_ratio"]) < 1e-7
    frame = res.to_frame()
    expected = np.array(R_EVENTPLOT)
    assert frame["event_time"].tolist() == expected[:, 0].astype(int).tolist()
    assert np.allclose(frame["estimate"], expected[:, 1], atol=1e-9)
    assert np.allclose(frame["hypothesised_trend"], expected[:, 2], atol=1e-8)
    assert np.allclose(frame["std_error"], expected[:, 3], atol=1e-8)
    assert np.allclose(frame["mean_after_pretest"], expected[:, 4], atol=1e-4)
    assert np.allclose(res.bias_post, expected[4:, 4], atol=1e-4)
    assert abs(res.bias_post_average - expected[4:, 4].mean()) < 1e-4


def test_quadratic_trend_matches_readme(he_wang):
    beta, sigma, t = he_wang
    res = pretrend_power(beta, sigma, t, reference=-1, delta=0.024 * (t + 1.0) ** 2)
    assert abs(res.power - R_QUADRATIC["power"]) < 1e-4
    assert abs(res.power - _power_by_quadrature(sigma[:3, :3], 0.024 * (t[:3] + 1.0) ** 2)) < 1e-6
    assert abs(res.bayes_factor - R_QUADRATIC["bayes_factor"]) < 2e-4
    assert abs(res.likelihood_ratio - R_QUADRATIC["likelihood_ratio"]) < 1e-7
    assert res.slope is None


def test_one_pre_period_by_hand():
    # one pre-period coefficient at t = -2 with se 0.5 and a post coefficient correlated 0.6 with it
    se, rho, c = 0.5, 0.6, 1.96
    sigma = np.array([[se**2, rho * se * 0.8], [rho * se * 0.8, 0.8**2]])
    power = lambda s: 1 - (stats.norm.cdf(c - s / se) - stats.norm.cdf(-c - s / se))  # noqa: E731  mean s*(-2+1)
    hand_80 = optimize.brentq(lambda s: power(s) - 0.8, 0, 10)
    assert abs(slope_for_power(sigma[:1, :1], 0.8, [-2], reference=-1) - hand_80) < 1e-9
    res = pretrend_power([0.1, 0.3], sigma, [-2, 0], reference=-1, slope=0.4)
    assert abs(res.power - power(0.4)) < 1e-12
    assert abs(res.size - 0.0499957903) < 1e-9                      # 2 * (1 - Phi(1.96))
    mu = -0.4
    hand_pre = stats.truncnorm.mean((-c * se - mu) / se, (c * se - mu) / se, loc=mu, scale=se)
    hand_post = 0.4 + (rho * 0.8 / se) * (hand_pre - mu)        # delta_post + Sigma_21 / Sigma_11 (E - mu)
    assert np.allclose(res.mean_after_pretest, [hand_pre, hand_post], atol=1e-10)


def test_truncated_mean_of_independent_coordinates_by_hand():
    mu, sd = np.array([0.3, -0.2, 0.0]), np.array([1.0, 0.5, 2.0])
    lo, hi = np.array([-1.0, -0.5, 0.5]), np.array([2.0, 1.0, 3.0])
    hand = [stats.truncnorm.mean((lo[i] - mu[i]) / sd[i], (hi[i] - mu[i]) / sd[i], loc=mu[i], scale=sd[i])
            for i in range(3)]
    assert np.allclose(truncated_mean(mu, np.diag(sd**2), lo, hi), hand, atol=1e-6)


def test_varying_base_trend_puts_the_slope_on_each_pre_period_change():
    # varying base: e = -1 is the change from -2 to -1, a pre-period coefficient; post ones are relative to -1
    assert linear_trend([-3, -2, -1, 0, 1], -1, 0.5, base="varying").tolist() == [0.5, 0.5, 0.5, 0.5, 1.0]
    assert linear_trend([-3, -2, 0, 1], -1, 0.5).tolist() == [-1.0, -0.5, 0.5, 1.0]


def test_default_trend_is_the_80_percent_power_slope(he_wang, tmp_path):
    beta, sigma, t = he_wang
    res = pretrend_power(beta, sigma, t, reference=-1)
    assert res.slope == res.slope_80 and abs(res.power - 0.8) < 1e-6
    assert 0 < res.slope_50 < res.slope_80
    d = res.to_dict()
    assert d["slope_80"] == res.slope_80 and len(d["coefficients"]) == 8 and d["coefficients"][3]["event_time"] == -1
    assert "80%" in res.summary()
    assert res.plot(tmp_path / "pretrend.png").stat().st_size > 1000


def test_bad_input(he_wang):
    beta, sigma, t = he_wang
    with pytest.raises(DidInputError, match="do not match"):
        pretrend_power(beta[:-1], sigma, t)
    with pytest.raises(DidInputError, match="no pre-period"):
        pretrend_power(beta, sigma, t + 10)
    with pytest.raises(DidInputError, match="symmetric"):
        pretrend_power(beta, sigma + np.triu(np.ones_like(sigma), 1) * 1e-3, t)
    with pytest.raises(DidInputError, match="target_power"):
        slope_for_power(sigma[:3, :3], 1.2, t[:3])
    with pytest.raises(DidInputError, match="either slope or delta"):
        pretrend_power(beta, sigma, t, slope=0.1, delta=np.zeros(7))
    # a pre-test that rejects under parallel trends more often than the target has no slope for that power
    many = np.eye(40) * 0.01
    assert slope_for_power(many, 0.5, np.arange(-41, -1), reference=-1) is None


def test_singular_covariance_by_hand():
    # two pre-period coefficients driven by one shock (covariance of rank 1, as with fewer clusters than
    # coefficients): X_j = delta_j + 0.5 Z, accepted iff Z lies in both boxes
    c, se = 1.96, 0.5
    sigma = np.array([[0.25, 0.25, 0.1], [0.25, 0.25, 0.1], [0.1, 0.1, 0.3]])
    slope = 0.3
    delta = slope * (np.array([-3, -2]) + 1)                       # -0.6, -0.3
    lo = max((-c * se - dj) / se for dj in delta)
    hi = min((c * se - dj) / se for dj in delta)
    hand_power = 1 - (stats.norm.cdf(hi) - stats.norm.cdf(lo))
    res = pretrend_power([0.0, 0.1, 0.2], sigma, [-3, -2, 0], reference=-1, slope=slope)
    assert abs(res.power - hand_power) < 1e-5
    assert any("singular" in n for n in res.notes)
    # E[Z | lo < Z < hi] moves both pre coefficients; the post one moves by cov / var times that shift
    shift = stats.truncnorm.mean(lo, hi) * se
    assert np.allclose(res.mean_after_pretest[:2], delta + shift, atol=1e-4)
    assert abs(res.mean_after_pretest[2] - (slope * 1 + 0.1 / 0.25 * shift)) < 1e-4
