"""DiD diagnostics with known answers: Bacon decomposition, pre-trend test, placebo, 2x2 DiD."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from evaluations.did.cs import att_gt
from evaluations.did.diagnostics import bacon_decomposition, placebo_test, pretrend_test
from evaluations.did.twfe import DidInputError, twfe
from evaluations.did.twobytwo import did_2x2


def staggered_panel(seed=1, n=400, T=10, cohorts=(4, 6, 8), always=20, effect=1.0, dynamic=0.2,
                    pretrend=0.0):
    """Balanced panel; cohort 0 = never treated, cohort 1 = always treated (treated in period 1).

    `pretrend` adds a violation of parallel trends: treated cohorts drift by `pretrend` per
    period relative to the never treated before their treatment.
    """
    rng = np.random.default_rng(seed)
    G = rng.choice([0, *cohorts], size=n)
    G[:always] = 1
    t = np.arange(1, T + 1)
    e = t[None, :] - G[:, None]
    treated = (G[:, None] > 0) & (e >= 0)
    tau = np.where(treated, effect + dynamic * e * (G[:, None] % 3 + 1) / 2, 0.0)   # heterogeneous, dynamic
    drift = np.where((G[:, None] > 1) & ~treated, pretrend * t[None, :], 0.0)
    y = rng.normal(size=(n, 1)) + 0.3 * t[None, :] + tau + drift + rng.normal(size=(n, T))
    return pd.DataFrame({"id": np.repeat(np.arange(n), T), "t": np.tile(t, n), "g": np.repeat(G, T),
                         "y": y.ravel(), "d": treated.ravel().astype(float)})


# ---------------------------------------------------------------------------------------------
# Goodman-Bacon decomposition
# ---------------------------------------------------------------------------------------------
def test_bacon_weights_sum_to_one_and_reproduce_twfe():
    df = staggered_panel()
    bacon = bacon_decomposition(df, "y", "id", "t", "g")
    # independent TWFE: linearmodels PanelOLS with unit and time effects (evaluations.did.twfe)
    reference = twfe(df, "y", "id", "t", "d", vcov="robust").att.estimate
    assert abs(bacon.comparisons["weight"].sum() - 1) < 1e-12
    assert (bacon.comparisons["weight"] >= 0).all()
    assert abs(bacon.weighted_sum - reference) < 1e-9
    assert abs(bacon.twfe_estimate - reference) < 1e-9
    kinds = set(bacon.comparisons["type"])
    assert kinds == {"treated vs never treated", "earlier vs later treated", "later vs earlier treated",
                     "later vs always treated"}
    by_type = bacon.by_type()
    assert abs(by_type["weight"].sum() - 1) < 1e-12
    # one 2x2 by hand: cohort 6 vs never treated over all periods
    row = bacon.comparisons.query("treated == 6 and control == inf").iloc[0]
    m = df.groupby(["g", df.t >= 6])["y"].mean()
    assert abs(row["estimate"] - ((m[6, True] - m[6, False]) - (m[0, True] - m[0, False]))) < 1e-12


def test_bacon_single_cohort_is_the_canonical_2x2():
    df = staggered_panel(cohorts=(5,), always=0, dynamic=0.0)
    bacon = bacon_decomposition(df, "y", "id", "t", "g")
    assert len(bacon.comparisons) == 1
    row = bacon.comparisons.iloc[0]
    assert row["weight"] == pytest.approx(1.0)
    m = df.groupby(["g", df.t >= 5])["y"].mean()
    assert abs(row["estimate"] - ((m[5, True] - m[5, False]) - (m[0, True] - m[0, False]))) < 1e-12
    assert abs(row["estimate"] - twfe(df, "y", "id", "t", "d").att.estimate) < 1e-9


def test_bacon_needs_variation():
    df = staggered_panel(cohorts=(5,), always=0)
    df["g"] = 0
    with pytest.raises(DidInputError, match="no within-unit and within-period variation"):
        bacon_decomposition(df, "y", "id", "t", "g")


# ---------------------------------------------------------------------------------------------
# Pre-trend test and placebo
# ---------------------------------------------------------------------------------------------
def test_pretrend_test_rejects_planted_pretrend_and_not_parallel_trends():
    clean = att_gt(staggered_panel(seed=3, always=0), "y", "id", "t", "g")
    bad = att_gt(staggered_panel(seed=3, always=0, pretrend=0.25), "y", "id", "t", "g")
    ok, violated = pretrend_test(clean), pretrend_test(bad)
    assert ok.df == violated.df == int((~clean.cells.post).sum())
    assert not ok.rejects(0.05), ok
    assert violated.rejects(0.001), violated


def test_placebo_does_not_reject_without_effect_and_rejects_pretrend():
    clean = staggered_panel(seed=7, always=0)
    res = placebo_test(clean, "y", "id", "t", "g", shift=2)
    assert res.n_cells > 0 and res.p_value is not None
    assert not res.rejects(0.05), res
    assert abs(res.estimate) < 3 * res.std_error
    drifting = staggered_panel(seed=7, always=0, pretrend=0.25)
    bad = placebo_test(drifting, "y", "id", "t", "g", shift=2)
    assert bad.rejects(0.001), bad
    assert bad.estimate > 0


def test_placebo_cells_are_truly_pretreatment():
    df = staggered_panel(seed=2, always=0)
    res = placebo_test(df, "y", "id", "t", "g", shift=1)
    # shift 1: exactly one fake post cell per cohort (t = g - 1, compared with base g - 2)
    assert res.n_cells == 3
    with pytest.raises(DidInputError, match="shift must be a positive integer"):
        placebo_test(df, "y", "id", "t", "g", shift=0)


# ---------------------------------------------------------------------------------------------
# Canonical 2x2
# ---------------------------------------------------------------------------------------------
def two_by_two_data(seed=0, n=600):
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(n // 2), 2)
    post = np.tile([0, 1], n // 2)
    treated = (unit % 3 == 0).astype(int)
    x = rng.normal(size=n)
    cl = unit % 25
    y = 1 + 0.5 * treated + 0.3 * post + 2.0 * treated * post + 0.7 * x + rng.normal(size=n) + 0.3 * rng.normal(size=25)[cl]
    return pd.DataFrame({"unit": unit, "post": post, "treated": treated, "x": x, "cl": cl, "y": y})


@pytest.mark.parametrize("vcov", ["iid", "robust", "cluster"])
def test_2x2_repeated_cross_sections_match_statsmodels(vcov):
    sm = pytest.importorskip("statsmodels.api")
    df = two_by_two_data()
    res = did_2x2(df, "y", "treated", "post", covariates=["x"], vcov=vcov, cluster="cl" if vcov == "cluster" else None)
    X = sm.add_constant(np.column_stack([df.treated, df.post, df.treated * df.post, df.x]))
    kw = {"iid": {}, "robust": {"cov_type": "HC1"},
          "cluster": {"cov_type": "cluster", "cov_kwds": {"groups": df.cl.to_numpy()}}}[vcov]
    ref = sm.OLS(df.y.to_numpy(), X).fit(**kw)
    att = res.att
    assert res.headline == "treated:post"
    assert abs(att.estimate - ref.params[3]) < 1e-10
    assert abs(att.std_error / ref.bse[3] - 1) < 1e-8
    assert res.n_obs == 600 and res.dropped_rows == 0


def test_2x2_panel_equals_difference_of_mean_changes_and_cs():
    df = two_by_two_data(seed=4)
    res = did_2x2(df, "y", "treated", "post", unit="unit")
    m = df.groupby(["treated", "post"])["y"].mean()
    assert abs(res.att.estimate - ((m[1, 1] - m[1, 0]) - (m[0, 1] - m[0, 0]))) < 1e-12
    cs = att_gt(df.assign(g=np.where(df.treated == 1, 1, 0), t=df.post), "y", "unit", "t", "g")
    assert abs(cs.cells.estimate.iloc[0] - res.att.estimate) < 1e-12
    assert res.n_units == 300 and res.n_clusters == 300


def test_2x2_drops_one_sided_units_loudly_and_validates_values():
    df = two_by_two_data()
    df = df.drop(index=df.index[(df.unit == 5) & (df.post == 1)])
    with pytest.warns(UserWarning, match="only before or only after"):
        res = did_2x2(df, "y", "treated", "post", unit="unit")
    assert res.dropped_rows == 1 and res.n_units == 299
    bad = df.assign(treated=df.treated.replace(1, 2))
    with pytest.raises(DidInputError, match="'treated' must be 0/1 .* found value 2"):
        did_2x2(bad, "y", "treated", "post")
    with pytest.raises(DidInputError, match="singular design matrix"):
        did_2x2(df.assign(x2=2 * df.x), "y", "treated", "post", covariates=["x", "x2"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DidInputError, match="column 'missing' not in data"):
            did_2x2(df, "y", "missing", "post")
