"""TWFE and event-study regressions on small panels whose answer is known by construction."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from evaluations.did import DidInputError, event_study, event_study_table, twfe

MPDTA = Path(__file__).resolve().parents[1] / "data" / "mpdta" / "mpdta.csv"


def staggered_panel(effect_by_event_time, noise=0.0, seed=0):
    """12 units × 10 periods: cohorts 4 and 7 (4 units each) and 4 never-treated units.

    y = unit effect + period effect + effect(t - g) for treated unit-periods (+ noise).
    """
    rng = np.random.default_rng(seed)
    units, periods = np.arange(12), np.arange(1, 11)
    cohort = {u: (4 if u < 4 else 7 if u < 8 else 0) for u in units}
    rows = []
    for u in units:
        for t in periods:
            g = cohort[u]
            e = t - g if g else None
            y = 0.5 * u + 0.3 * t + (effect_by_event_time(e) if g and e >= 0 else 0.0)
            rows.append({"unit": u, "time": t, "cohort": g, "treated": float(bool(g) and t >= g),
                         "y": y + noise * rng.normal(), "state": u % 3})
    return pd.DataFrame(rows)


def test_twfe_recovers_a_constant_effect_exactly():
    panel = staggered_panel(lambda e: 2.0)
    result = twfe(panel, "y", "unit", "time", "treated", vcov="robust")
    assert result.att.estimate == pytest.approx(2.0, abs=1e-10)
    assert (result.n_obs, result.n_units, result.n_periods) == (120, 12, 10)


def test_twfe_two_by_two_equals_the_difference_of_mean_changes():
    # Two groups, two periods: beta = (treated after - before) - (control after - before), by hand.
    panel = pd.DataFrame({
        "unit": [1, 1, 2, 2, 3, 3, 4, 4], "time": [0, 1] * 4,
        "y": [1.0, 4.0, 2.0, 6.0, 1.0, 2.0, 3.0, 3.0],
        "treated": [0, 1, 0, 1, 0, 0, 0, 0],
    })
    expected = ((4 - 1) + (6 - 2)) / 2 - ((2 - 1) + (3 - 3)) / 2  # = 3.5 - 0.5 = 3.0
    assert twfe(panel, "y", "unit", "time", "treated", vcov="iid").att.estimate == pytest.approx(expected, abs=1e-12)


def test_event_study_recovers_dynamic_effects():
    effects = {0: 1.0, 1: 2.0, 2: 3.0, 3: 3.5, 4: 3.5, 5: 3.5, 6: 3.5}
    panel = staggered_panel(lambda e: effects[e])
    result = event_study(panel, "y", "unit", "time", "cohort", window=(-6, 6), bin_endpoints=False, vcov="robust")
    table = event_study_table(result).set_index("event_time")["estimate"]
    for e in range(-6, 7):
        assert table[e] == pytest.approx(effects.get(e, 0.0), abs=1e-9), e
    assert "event_time=-1" not in [c.term for c in result.coefficients]


def test_event_study_binning_keeps_all_rows_and_dropping_counts_them():
    panel = staggered_panel(lambda e: 1.0)
    binned = event_study(panel, "y", "unit", "time", "cohort", window=(-2, 2))
    assert binned.n_obs == 120 and binned.dropped_rows == 0
    dropped = event_study(panel, "y", "unit", "time", "cohort", window=(-2, 2), bin_endpoints=False)
    # cohort 4: t=1 (e=-3) and t=7..10 (e=3..6) → 5 rows × 4 units;
    # cohort 7: t=1..4 (e=-6..-3) and t=10 (e=3) → 5 rows × 4 units
    assert dropped.dropped_rows == 5 * 4 + 5 * 4


def _twfe_by_hand(panel: pd.DataFrame, cluster: str = "unit", ssc: str = "fixest") -> tuple[float, float]:
    """Estimate and clustered SE of y on `treated` with unit and period dummies, in plain numpy.

    Frisch–Waugh: residualise y and the treatment on the dummies by least squares, regress residual on
    residual; the clustered variance is bread · Σ_clusters (Σ x·e)² · bread, scaled
    - "fixest": by (n − 1) / (n − K) · G / (G − 1), with K = 1 regressor + the period effects (T − 1 dummies
      and the intercept): the unit effects are nested in the clusters (units, or states of units) and left
      out, as fixest's default ssc(adj = TRUE, fixef.K = "nested", cluster.adj = TRUE) does;
    - "linearmodels": by n / (n − dummies − 1) (the absorbed units + periods − 1 effects and the regressor,
      linearmodels' debiased default).
    """
    units, periods = pd.get_dummies(panel["unit"], dtype=float), pd.get_dummies(panel["time"], dtype=float)
    dummies = np.column_stack([units.to_numpy(), periods.to_numpy()[:, 1:]])

    def residual(v):
        return v - dummies @ np.linalg.lstsq(dummies, v, rcond=None)[0]

    x, y = residual(panel["treated"].to_numpy(float)), residual(panel["y"].to_numpy(float))
    beta = x @ y / (x @ x)
    scores = pd.Series(x * (y - beta * x)).groupby(panel[cluster].to_numpy()).sum().to_numpy()
    n, g = len(panel), len(scores)
    if ssc == "fixest":
        k = 1 + panel["time"].nunique()
        factor = (n - 1) / (n - k) * g / (g - 1)
    else:
        factor = n / (n - dummies.shape[1] - 1)
    return beta, float(np.sqrt(factor * (scores @ scores) / (x @ x) ** 2))


@pytest.mark.parametrize("ssc", ["fixest", "linearmodels"])
@pytest.mark.parametrize("drop_rows", [0, 3], ids=["balanced", "unbalanced"])
def test_twfe_matches_a_dummy_variable_regression_by_hand(drop_rows, ssc):
    # Balanced panels are demeaned by linearmodels' one-sweep path, unbalanced ones by its dummy path;
    # both must give the textbook dummy-variable estimate and clustered standard error.
    panel = staggered_panel(lambda e: 1.0 + 0.2 * e, noise=1.0, seed=3).iloc[drop_rows:]
    beta, se = _twfe_by_hand(panel, ssc=ssc)
    result = twfe(panel, "y", "unit", "time", "treated", vcov="cluster", ssc=ssc)
    assert result.att.estimate == pytest.approx(beta, rel=1e-10)
    assert result.att.std_error == pytest.approx(se, rel=1e-10)
    assert result.to_dict()["ssc"] == ssc


def test_clustered_standard_errors_use_the_cluster_column():
    # Units 0..11 in three states (unit mod 3): the scores are summed by state, not by unit.
    panel = staggered_panel(lambda e: 1.0, noise=1.0)
    beta, se = _twfe_by_hand(panel, cluster="state")
    result = twfe(panel, "y", "unit", "time", "treated", vcov="cluster", cluster="state")
    assert result.n_clusters == 3
    assert result.att.estimate == pytest.approx(beta, rel=1e-10)
    assert result.att.std_error == pytest.approx(se, rel=1e-10)
    # fixest's inference on a clustered coefficient: t with G − 1 = 2 degrees of freedom
    t = beta / se
    assert result.att.p_value == pytest.approx(2 * stats.t.sf(abs(t), 2), rel=1e-10)
    assert result.att.ci_high == pytest.approx(beta + stats.t.ppf(0.975, 2) * se, rel=1e-10)
    _, se_by_unit = _twfe_by_hand(panel, cluster="unit")
    assert abs(se - se_by_unit) > 0.01 * se_by_unit


def test_event_study_fixest_and_linearmodels_conventions_differ_by_their_factors():
    # same sandwich, two scalings: the ratio of the variances is the ratio of the two factors written out
    panel = staggered_panel(lambda e: 1.0 + 0.1 * e, noise=1.0, seed=5)
    fixest = event_study(panel, "y", "unit", "time", "cohort", window=(-3, 2), cluster="state")
    lm = event_study(panel, "y", "unit", "time", "cohort", window=(-3, 2), cluster="state", ssc="linearmodels")
    n, g, periods, units, terms = 120, 3, 10, 12, 5
    k_fixest = terms + periods          # unit effects nested in the states; period dummies and intercept
    k_lm = terms + units + periods - 1  # every effect and regressor
    expected = ((n - 1) / (n - k_fixest) * g / (g - 1)) / (n / (n - k_lm))
    for a, b in zip(fixest.coefficients, lm.coefficients):
        assert a.estimate == b.estimate
        assert (a.std_error / b.std_error) ** 2 == pytest.approx(expected, rel=1e-10)


def test_mpdta_twfe_clustered_se_is_fixests():
    # R did's mpdta (tests/data/mpdta): lemp on the post-treatment dummy with county and year effects,
    # clustered by county. fixest's default, written out: within transformation (balanced panel: county then
    # year demeaning), sandwich by county, (n − 1)/(n − K) · G/(G − 1) with n = 2,500, G = 500 counties and
    # K = 1 regressor + 5 years (county effects nested in the clusters, not counted).
    data = pd.read_csv(MPDTA)
    data["post"] = ((data["first.treat"] > 0) & (data["year"] >= data["first.treat"])).astype(float)
    indexed = data.set_index(["countyreal", "year"])

    def within(v):
        v = v - v.groupby(level=0).transform("mean")
        return v - v.groupby(level=1).transform("mean")

    x, y = within(indexed["post"]), within(indexed["lemp"])
    beta = x @ y / (x @ x)
    scores = (x * (y - beta * x)).groupby(level=0).sum()
    n, g, k = 2500, 500, 1 + 5
    se = np.sqrt((n - 1) / (n - k) * g / (g - 1) * (scores**2).sum()) / (x @ x)
    result = twfe(data, "lemp", "countyreal", "year", "post")
    assert result.n_clusters == 500
    assert result.att.estimate == pytest.approx(beta, rel=1e-10)
    assert result.att.std_error == pytest.approx(se, rel=1e-10)


def test_loud_failures():
    panel = staggered_panel(lambda e: 1.0)
    with pytest.raises(DidInputError, match="column 'missing'"):
        twfe(panel, "missing", "unit", "time", "treated")
    with pytest.raises(DidInputError, match="duplicate observation"):
        twfe(pd.concat([panel, panel.head(1)]), "y", "unit", "time", "treated")
    with pytest.raises(DidInputError, match="does not vary"):
        twfe(panel.assign(treated=0.0), "y", "unit", "time", "treated")
    with pytest.raises(DidInputError, match="vcov"):
        twfe(panel, "y", "unit", "time", "treated", vcov="bootstrap")
    with pytest.raises(DidInputError, match="ssc must be one of fixest, linearmodels"):
        twfe(panel, "y", "unit", "time", "treated", ssc="stata")
    with pytest.raises(DidInputError, match="window"):
        event_study(panel, "y", "unit", "time", "cohort", window=(0, 3))
    with_missing = panel.copy()
    with_missing.loc[0, "y"] = np.nan
    result = twfe(with_missing, "y", "unit", "time", "treated")
    assert result.dropped_rows == 1 and "1 rows dropped" in result.summary()


def test_result_exports():
    result = twfe(staggered_panel(lambda e: 2.0, noise=0.5), "y", "unit", "time", "treated")
    exported = result.to_dict()
    assert exported["att"]["estimate"] == pytest.approx(result.att.estimate)
    assert exported["coefficients"]["treated"]["std_error"] == pytest.approx(result.att.std_error)
    assert list(result.tidy().columns)[:3] == ["term", "estimate", "std_error"]
    assert '"design": "twfe"' in result.to_json()
