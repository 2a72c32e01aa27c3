"""Restricted wild cluster bootstrap: a published example and a brute-force enumeration written out here."""
from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evaluations.did.wild_bootstrap import (
    WEBB_POINTS,
    WildBootstrapError,
    bootstrap_weights,
    wild_cluster_bootstrap,
)

VOTERS = Path(__file__).resolve().parents[1] / "data" / "voters" / "voters.csv"


def voters_design() -> tuple[pd.DataFrame, pd.DataFrame]:
    data = pd.read_csv(VOTERS)
    factors = pd.get_dummies(data[["Q1_immigration", "Q2_defense"]].astype(str), drop_first=True).astype(float)
    x = pd.concat([pd.Series(1.0, index=data.index, name="const"), data[["treatment", "log_income"]], factors], axis=1)
    return data, x


def test_fwildclusterboot_readme_example():
    # R fwildclusterboot 0.14.3 README (commit 336bb57), "The boottest() function":
    #   lm(proposition_vote ~ treatment + log_income + as.factor(Q1_immigration) + as.factor(Q2_defense))
    #   boottest(lm_fit, clustid = "group_id1", B = 9999, param = "treatment")   (WCR11, Rademacher)
    #   estimate 0.079, statistic 3.983, p.value 0.001, conf.low 0.039, conf.high 0.119; 40 clusters.
    # The draws differ from R's, so the p-value and bounds agree up to Monte Carlo error: with the p-value near
    # 0.0005, the printed 0.001 means fewer than 15 of 9,999 draws as extreme; the bounds are checked with
    # 99,999 draws (their Monte Carlo spread is about 5e-4 with 9,999).
    data, x = voters_design()
    result = wild_cluster_bootstrap(data["proposition_vote"], x, data["group_id1"], "treatment", draws=9999, seed=1)
    assert result.n_clusters == 40 and not result.enumerated and result.draws == 9999
    assert round(result.estimate, 3) == 0.079
    assert round(result.t_stat, 3) == 3.983
    assert result.p_value < 0.0015
    precise = wild_cluster_bootstrap(data["proposition_vote"], x, data["group_id1"], "treatment", draws=99999, seed=2)
    assert precise.ci[0] == pytest.approx(0.039, abs=0.001)
    assert precise.ci[1] == pytest.approx(0.119, abs=0.001)


def cluster_t(y: np.ndarray, x: np.ndarray, cluster: np.ndarray, j: int, r: float) -> float:
    """OLS and its CRV1 t statistic for beta_j = r, with (n-1)/(n-k) * G/(G-1), written out directly."""
    n, k = x.shape
    xtx_inv = np.linalg.inv(x.T @ x)
    beta = xtx_inv @ x.T @ y
    resid = y - x @ beta
    groups = np.unique(cluster)
    meat = sum(np.outer(x[cluster == g].T @ resid[cluster == g], x[cluster == g].T @ resid[cluster == g])
               for g in groups)
    g_count = len(groups)
    vcov = (n - 1) / (n - k) * g_count / (g_count - 1) * xtx_inv @ meat @ xtx_inv
    return float((beta[j] - r) / np.sqrt(vcov[j, j]))


def brute_force_p(y: np.ndarray, x: np.ndarray, cluster: np.ndarray, j: int, r: float) -> float:
    """Every Rademacher sign vector: restricted fit, y* = fitted + v_g * residual, refit, share |t*| >= |t|."""
    others = np.delete(x, j, axis=1)
    target = y - r * x[:, j]
    gamma = np.linalg.lstsq(others, target, rcond=None)[0]
    fitted = others @ gamma + r * x[:, j]
    restricted_resid = target - others @ gamma
    t = cluster_t(y, x, cluster, j, r)
    groups = np.unique(cluster)
    extreme = 0
    signs = list(itertools.product((-1.0, 1.0), repeat=len(groups)))
    for v in signs:
        weight = np.select([cluster == g for g in groups], v)
        t_star = cluster_t(fitted + weight * restricted_resid, x, cluster, j, r)
        extreme += abs(t_star) >= abs(t) - 1e-9
    return extreme / len(signs)


def small_sample(seed: int = 7, n: int = 120, clusters: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cluster = rng.integers(0, clusters, n)
    x1 = rng.normal(size=n) + 0.3 * cluster
    x2 = rng.normal(size=n)
    y = 1 + 0.15 * x1 - 0.5 * x2 + rng.normal(size=n) + rng.normal(size=clusters)[cluster]
    return pd.DataFrame({"const": 1.0, "x1": x1, "x2": x2, "y": y, "cluster": cluster})


@pytest.mark.parametrize("null", [0.0, 0.2])
def test_enumeration_equals_brute_force_loop(null):
    data = small_sample()
    x = data[["const", "x1", "x2"]]
    result = wild_cluster_bootstrap(data["y"], x, data["cluster"], "x1", null=null, draws=999)
    assert result.enumerated and result.draws == 2**8
    expected = brute_force_p(data["y"].to_numpy(), x.to_numpy(), data["cluster"].to_numpy(), 1, null)
    assert result.p_value == pytest.approx(expected, abs=1e-12)
    assert result.t_stat == pytest.approx(cluster_t(data["y"].to_numpy(), x.to_numpy(), data["cluster"].to_numpy(), 1, null))


def test_absorbed_unit_effects_equal_the_dummy_model():
    # units nested in clusters, period dummies in x: demeaning by unit gives the p-value of the model with
    # unit dummies, enumerated by brute force
    rng = np.random.default_rng(3)
    units, periods = 14, 5
    unit = np.repeat(np.arange(units), periods)
    period = np.tile(np.arange(periods), units)
    cluster = unit // 2
    treated = (unit % 3 == 0) & (period >= 2)
    y = 0.3 * treated + rng.normal(size=units)[unit] + 0.2 * period + rng.normal(size=units * periods)
    time_dummies = pd.get_dummies(period, prefix="t", drop_first=True).astype(float)
    x = pd.concat([pd.Series(treated.astype(float), name="d"), time_dummies], axis=1)
    result = wild_cluster_bootstrap(y, x, cluster, "d", draws=200, absorb=unit)
    assert result.enumerated and result.draws == 2**7
    full = np.column_stack([x.to_numpy(), pd.get_dummies(unit).astype(float).to_numpy()])
    assert result.p_value == pytest.approx(brute_force_p(y, full, cluster, 0, 0.0), abs=1e-12)


def test_interval_is_where_the_test_stops_rejecting():
    data = small_sample(seed=11, clusters=12)
    x = data[["const", "x1", "x2"]]
    result = wild_cluster_bootstrap(data["y"], x, data["cluster"], "x1", draws=999, weights="webb", seed=5)
    low, high = result.ci
    assert low < result.estimate < high
    width = high - low
    for bound, outward in ((low, -1), (high, 1)):
        outside = wild_cluster_bootstrap(data["y"], x, data["cluster"], "x1", null=bound + outward * 1e-3 * width,
                                         draws=999, weights="webb", seed=5)
        inside = wild_cluster_bootstrap(data["y"], x, data["cluster"], "x1", null=bound - outward * 1e-3 * width,
                                        draws=999, weights="webb", seed=5)
        assert outside.p_value < 0.05 <= inside.p_value


def test_weights_seeded_and_webb_points():
    first, enumerated = bootstrap_weights(12, 500, "webb", np.random.default_rng(9))
    again, _ = bootstrap_weights(12, 500, "webb", np.random.default_rng(9))
    assert not enumerated and first.shape == (12, 500)
    np.testing.assert_array_equal(first, again)
    assert set(np.round(np.unique(first), 12)) == set(np.round(WEBB_POINTS, 12))
    assert sorted(WEBB_POINTS**2) == pytest.approx([0.5, 0.5, 1, 1, 1.5, 1.5])
    signs, enumerated = bootstrap_weights(4, 16, "rademacher", np.random.default_rng(0))
    assert enumerated and {tuple(c) for c in signs.T} == set(itertools.product((-1.0, 1.0), repeat=4))
    _, enumerated = bootstrap_weights(4, 15, "rademacher", np.random.default_rng(0))
    assert not enumerated


def test_bad_input_is_named():
    data = small_sample()
    x = data[["const", "x1", "x2"]]
    with pytest.raises(WildBootstrapError, match="weights must be one of"):
        wild_cluster_bootstrap(data["y"], x, data["cluster"], "x1", weights="mammen")
    with pytest.raises(WildBootstrapError, match="term 'x3'"):
        wild_cluster_bootstrap(data["y"], x, data["cluster"], "x3")
    with pytest.raises(WildBootstrapError, match="spans several clusters"):
        wild_cluster_bootstrap(data["y"], x, data["cluster"], "x1", absorb=np.arange(len(data)) % 3)


def test_twfe_coefficient_on_mpdta():
    # the statistic is the TWFE t of the fixest convention (checked against a hand formula in
    # test_did_regressions); 500 county clusters, Webb weights
    from evaluations.did import twfe
    from evaluations.did.wild_bootstrap import panel_wild_bootstrap

    data = pd.read_csv(Path(__file__).resolve().parents[1] / "data" / "mpdta" / "mpdta.csv")
    data["post"] = ((data["first.treat"] > 0) & (data["year"] >= data["first.treat"])).astype(float)
    reference = twfe(data, "lemp", "countyreal", "year", "post").att
    result = panel_wild_bootstrap(data, "lemp", "countyreal", "year", ["post"], "post", draws=999,
                                  weights="webb", seed=3)
    assert result.estimate == pytest.approx(reference.estimate, rel=1e-10)
    assert result.t_stat == pytest.approx(reference.t_stat, rel=1e-8)
    assert result.n_clusters == 500 and not result.enumerated
    # with 500 clusters the bootstrap agrees with the asymptotic test to Monte Carlo error
    assert abs(result.p_value - reference.p_value) < 0.01
    assert result.ci[0] < reference.estimate < result.ci[1]
