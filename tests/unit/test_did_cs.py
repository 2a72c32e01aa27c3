"""Callaway-Sant'Anna ATT(g,t), aggregations and inference, validated on mpdta.

Reference numbers are the ones *printed* by R's `did` package (Callaway & Sant'Anna) in its
documentation, compared at their printed precision (4 decimals; 5 for the pre-test p-value):

[MAN]  CRAN reference manual of `did` 2.1.2 ("Package 'did'", Date/Publication 2022-07-20),
       examples of `aggte` (att_gt on mpdta, xformla=NULL: simple, dynamic, group, calendar) and
       of `att_gt` (out1: xformla=NULL; out2: xformla=~lpop; out3: xformla=~lpop,
       control_group="notyettreated"; all est_method="dr", never-treated unless stated).
[README] github.com/bcallaway11/did README.md (commit 0c4287f43c2964a580e3291cdc00e6bcdcfd1317),
       att_gt(xformla=~1, est_method="reg"): ATT(g,t), aggte dynamic and group.
[BASICS] github.com/bcallaway11/did docs/articles/did-basics.html (commit 8b2201d5, pkgdown site
       of did 2.1.2), "An example with real data": aggte dynamic with balance_e = 1.
[DDML] github.com/thomaswiemann/ddml articles/did.md (commit e130f6eb), which prints R `did`'s
       att_gt(xformla=~lpop) and aggte(type="dynamic") output.

The printed R standard errors come from its random bootstrap, so analytic standard errors are
checked against an independent implementation, the `diff-diff` package (pinned test
dependency), and against R's printed pre-test p-values (which use the analytic covariance).
Numbers that R's documentation does not print (not-yet-treated without covariates) are checked
against hand computations from group means in this file.
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evaluations.did.cs import att_gt
from evaluations.did.twfe import DidInputError

MPDTA = Path(__file__).resolve().parents[1] / "data" / "mpdta" / "mpdta.csv"
PRINTED = 0.5e-4 + 1e-12       # a number printed with 4 decimals
CELLS = [(2004, 2004), (2004, 2005), (2004, 2006), (2004, 2007), (2006, 2004), (2006, 2005),
         (2006, 2006), (2006, 2007), (2007, 2004), (2007, 2005), (2007, 2006), (2007, 2007)]

# [MAN] out1 / aggte examples, [README], [BASICS] (identical for dr and reg without covariates)
R_NEVER = [-0.0105, -0.0704, -0.1373, -0.1008, 0.0065, -0.0028, -0.0046, -0.0412, 0.0305, -0.0027, -0.0311, -0.0261]
# [MAN] out2 and [DDML]: xformla = ~lpop, doubly robust, never treated
R_NEVER_LPOP = [-0.0145, -0.0764, -0.1404, -0.1069, -0.0005, -0.0062, 0.0010, -0.0413, 0.0267, -0.0046, -0.0284, -0.0288]
# [MAN] out3: xformla = ~lpop, doubly robust, not yet treated
R_NOTYET_LPOP = [-0.0212, -0.0816, -0.1382, -0.1069, -0.0075, -0.0046, 0.0087, -0.0413, 0.0269, -0.0042, -0.0284, -0.0288]


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    return pd.read_csv(MPDTA)


def fit(df, **kw):
    return att_gt(df, "lemp", "countyreal", "year", "first.treat", **kw)


def cell_map(res) -> dict:
    return {(int(g), int(t)): (a, s) for g, t, a, s in zip(res.cells.group, res.cells.time, res.cells.estimate,
                                                          res.cells.std_error)}


def assert_printed(values, printed, what):
    values = np.asarray(values, float)
    printed = np.asarray(printed, float)
    assert values.shape == printed.shape, what
    worst = np.max(np.abs(values - printed))
    assert worst <= PRINTED, f"{what}: {values.round(5)} vs R {printed} (max diff {worst:.2e})"


# ---------------------------------------------------------------------------------------------
# Point estimates vs R's printed numbers
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["dr", "reg", "ipw"])
def test_att_gt_never_treated_unconditional_matches_r(mpdta, method):
    m = cell_map(fit(mpdta, method=method))
    assert_printed([m[c][0] for c in CELLS], R_NEVER, f"ATT(g,t) never treated, {method}")


def test_att_gt_with_lpop_matches_r(mpdta):
    never = cell_map(fit(mpdta, covariates=["lpop"]))
    notyet = cell_map(fit(mpdta, covariates=["lpop"], control="notyet"))
    assert_printed([never[c][0] for c in CELLS], R_NEVER_LPOP, "ATT(g,t) ~lpop never treated")
    assert_printed([notyet[c][0] for c in CELLS], R_NOTYET_LPOP, "ATT(g,t) ~lpop not yet treated")


def test_pretest_p_values_match_r(mpdta):
    # [MAN]/[README]/[BASICS]: 0.16812; [MAN]/[DDML] ~lpop: 0.23267; [MAN] out3: 0.23326
    for kw, printed in [({}, 0.16812), ({"covariates": ["lpop"]}, 0.23267),
                        ({"covariates": ["lpop"], "control": "notyet"}, 0.23326)]:
        pt = fit(mpdta, **kw).pretest
        assert pt["df"] == 5
        assert abs(pt["p_value"] - printed) <= 0.5e-5, (kw, pt)


def test_aggregations_never_treated_match_r(mpdta):
    res = fit(mpdta)
    simple = res.aggregate("simple").overall["estimate"]
    assert abs(simple - (-0.04)) <= PRINTED                                        # [MAN] simple
    dyn = res.aggregate("dynamic")
    assert abs(dyn.overall["estimate"] - (-0.0772)) <= PRINTED                     # [MAN], [README], [BASICS]
    assert dyn.by["event_time"].tolist() == [-3, -2, -1, 0, 1, 2, 3]
    assert_printed(dyn.by["estimate"], [0.0305, -0.0006, -0.0245, -0.0199, -0.0510, -0.1373, -0.1008], "dynamic")
    grp = res.aggregate("group")
    assert abs(grp.overall["estimate"] - (-0.031)) <= PRINTED                      # [MAN], [README]
    assert grp.by["group"].tolist() == [2004, 2006, 2007]
    assert_printed(grp.by["estimate"], [-0.0797, -0.0229, -0.0261], "group")
    cal = res.aggregate("calendar")
    assert abs(cal.overall["estimate"] - (-0.0417)) <= PRINTED                     # [MAN] calendar
    assert cal.by["time"].tolist() == [2004, 2005, 2006, 2007]
    assert_printed(cal.by["estimate"], [-0.0105, -0.0704, -0.0488, -0.0371], "calendar")
    bal = res.aggregate("dynamic", balance_e=1)                                     # [BASICS]
    assert abs(bal.overall["estimate"] - (-0.0288)) <= PRINTED
    assert bal.by["event_time"].tolist() == [-2, -1, 0, 1]
    assert_printed(bal.by["estimate"], [0.0065, -0.0028, -0.0066, -0.0510], "dynamic balance_e=1")


def test_dynamic_with_lpop_matches_r(mpdta):
    dyn = fit(mpdta, covariates=["lpop"]).aggregate("dynamic")                     # [DDML]
    assert abs(dyn.overall["estimate"] - (-0.0804)) <= PRINTED
    assert_printed(dyn.by["estimate"], [0.0267, -0.0036, -0.0232, -0.0211, -0.0530, -0.1404, -0.1069],
                   "dynamic ~lpop")


# ---------------------------------------------------------------------------------------------
# Not-yet-treated without covariates: hand computation from group means
# ---------------------------------------------------------------------------------------------
def _hand_att(df, g, t, base, control_mask_fn):
    wide = df.pivot(index="countyreal", columns="year", values="lemp")
    G = df.groupby("countyreal")["first.treat"].first()
    change = wide[t] - wide[base]
    treated = change[G == g].mean()
    control = change[control_mask_fn(G)].mean()
    return treated - control


def test_not_yet_treated_unconditional_by_hand(mpdta):
    res = fit(mpdta, control="notyet")
    m = cell_map(res)
    for g, t in CELLS:
        base = g - 1 if t >= g else t - 1
        threshold = max(t, base)
        hand = _hand_att(mpdta, g, t, base, lambda G, g=g, thr=threshold: (G == 0) | ((G > thr) & (G != g)))
        assert abs(m[(g, t)][0] - hand) < 1e-12, (g, t)
    # simple aggregation = cohort-size weighted mean of post-treatment cells
    sizes = mpdta.groupby("countyreal")["first.treat"].first().value_counts()
    post = [(g, t) for g, t in CELLS if t >= g]
    w = np.array([sizes[g] for g, _ in post], float)
    hand_simple = np.sum(w * np.array([m[c][0] for c in post])) / w.sum()
    assert abs(res.aggregate("simple").overall["estimate"] - hand_simple) < 1e-12
    # calendar 2006 = size-weighted mean of (2004, 2006) and (2006, 2006)
    hand_2006 = (sizes[2004] * m[(2004, 2006)][0] + sizes[2006] * m[(2006, 2006)][0]) / (sizes[2004] + sizes[2006])
    cal = res.aggregate("calendar").by.set_index("time")
    assert abs(cal.loc[2006, "estimate"] - hand_2006) < 1e-12


def test_anticipation_and_universal_base_by_hand(mpdta):
    # with one period of anticipation the 2004 cohort has no pre-period: dropped loudly and recorded
    with pytest.warns(UserWarning, match=r"cohorts \[2004\] are treated by the first period 2003 \(\+1 anticipation\)"):
        res = fit(mpdta, anticipation=1)
    assert res.dropped == {"already treated in the first period": 100} and res.n_units == 480
    ant = cell_map(res)
    assert (2004, 2005) not in ant
    hand = _hand_att(mpdta, 2006, 2006, 2004, lambda G: G == 0)
    assert abs(ant[(2006, 2006)][0] - hand) < 1e-12
    uni = fit(mpdta, base_period="universal")
    var = cell_map(fit(mpdta))
    u = cell_map(uni)
    for g, t in CELLS:
        if t >= g:
            assert abs(u[(g, t)][0] - var[(g, t)][0]) < 1e-12      # post cells do not depend on the base
    assert u[(2007, 2006)] == (0.0, 0.0)                            # reference period normalised to 0
    hand_pre = _hand_att(mpdta, 2007, 2004, 2006, lambda G: G == 0)
    assert abs(u[(2007, 2004)][0] - hand_pre) < 1e-12               # long difference to g - 1


# ---------------------------------------------------------------------------------------------
# Analytic standard errors vs diff-diff (independent implementation)
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def diffdiff():
    dd = pytest.importorskip("diff_diff")
    return dd


def _dd_fit(dd, df, control, covariates=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = dd.CallawaySantAnna(control_group=control, n_bootstrap=0)
        return est.fit(df, outcome="lemp", unit="countyreal", time="year", first_treat="first.treat",
                       covariates=covariates)


@pytest.mark.parametrize("control,dd_control,covariates", [
    ("never", "never_treated", None), ("notyet", "not_yet_treated", None),
    ("never", "never_treated", ["lpop"]), ("notyet", "not_yet_treated", ["lpop"]),
])
def test_analytic_standard_errors_match_diff_diff(mpdta, diffdiff, control, dd_control, covariates):
    ours = fit(mpdta, control=control, covariates=covariates or [])
    ref = _dd_fit(diffdiff, mpdta, dd_control, covariates)
    m = cell_map(ours)
    for (g, t), eff in ref.group_time_effects.items():
        assert abs(m[(int(g), int(t))][1] / eff["se"] - 1) < 1e-4, (g, t)
    rel = lambda a, b: abs(a / b - 1)  # noqa: E731
    simple = ref.aggregate("simple").to_dataframe().iloc[0]
    assert rel(ours.aggregate("simple").overall["std_error"], simple["se"]) < 1e-4
    es = ref.aggregate("event_study").to_dataframe().set_index("event_time")
    dyn = ours.aggregate("dynamic").by.set_index("event_time")
    for e in dyn.index:
        assert rel(dyn.loc[e, "std_error"], es.loc[e, "se"]) < 1e-4, e
    grp_ref = ref.aggregate("group").to_dataframe()
    grp = ours.aggregate("group").by.set_index("group")
    assert len(grp_ref) == len(grp)
    for _, row in grp_ref.iterrows():
        assert rel(grp.loc[float(row["label"]), "std_error"], row["se"]) < 1e-4, row["label"]
    if covariates is None:   # diff-diff's DR normalises control weights differently (STACK.md)
        for (g, t), eff in ref.group_time_effects.items():
            assert abs(m[(int(g), int(t))][0] - eff["effect"]) < 1e-12


def test_cluster_equal_to_unit_gives_unclustered_se(mpdta):
    base = fit(mpdta)
    df = mpdta.assign(cl=mpdta["countyreal"] * 7)
    clustered = att_gt(df, "lemp", "countyreal", "year", "first.treat", cluster="cl")
    assert np.allclose(clustered.cells.std_error, base.cells.std_error, rtol=1e-12)
    state = mpdta.assign(state=mpdta["countyreal"] // 1000)
    by_state = att_gt(state, "lemp", "countyreal", "year", "first.treat", cluster="state")
    assert by_state.n_clusters == state["state"].nunique()
    assert not np.allclose(by_state.cells.std_error, base.cells.std_error)


def test_weights_by_hand(mpdta):
    rng = np.random.default_rng(0)
    wu = pd.Series(rng.uniform(0.5, 2.0, mpdta.countyreal.nunique()), index=np.sort(mpdta.countyreal.unique()))
    df = mpdta.assign(w=mpdta["countyreal"].map(wu))
    res = att_gt(df, "lemp", "countyreal", "year", "first.treat", weights="w")
    wide = df.pivot(index="countyreal", columns="year", values="lemp")
    G = df.groupby("countyreal")["first.treat"].first()
    ch = wide[2006] - wide[2005]
    hand = np.average(ch[G == 2006], weights=wu[G == 2006]) - np.average(ch[G == 0], weights=wu[G == 0])
    assert abs(cell_map(res)[(2006, 2006)][0] - hand) < 1e-12
    same = att_gt(mpdta.assign(w=3.0), "lemp", "countyreal", "year", "first.treat", weights="w")
    assert np.allclose(same.cells.std_error, fit(mpdta).cells.std_error, rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# Bootstrap
# ---------------------------------------------------------------------------------------------
def test_bootstrap_seeded_and_close_to_analytic(mpdta):
    a = fit(mpdta, bootstrap=999, seed=11)
    b = fit(mpdta, bootstrap=999, seed=11)
    c = fit(mpdta, bootstrap=999, seed=12)
    assert a.cells.std_error.equals(b.cells.std_error)
    assert not a.cells.std_error.equals(c.cells.std_error)
    analytic = fit(mpdta).cells.std_error.to_numpy()
    ratio = a.cells.std_error.to_numpy() / analytic
    assert np.all(np.abs(ratio - 1) < 0.15), ratio
    crit = a.bootstrap["uniform_critical_value"]
    assert 1.96 < crit < 4.0                          # a simultaneous band is wider than a pointwise one
    width = (a.cells.ci_high - a.cells.ci_low) / (2 * a.cells.std_error)
    assert np.allclose(width, crit)
    agg = a.aggregate("dynamic")
    assert agg.band_kind == "simultaneous" and agg.critical_value > 1.96
    assert abs(agg.overall["std_error"] / fit(mpdta).aggregate("dynamic").overall["std_error"] - 1) < 0.15


def test_bootstrap_simultaneous_band_covers_at_nominal_rate():
    """Monte Carlo check of the uniform band: no effect, 60 replications, coverage near 95%."""
    rng = np.random.default_rng(5)
    covered = 0
    reps = 60
    for _ in range(reps):
        n, T = 150, 5
        G = rng.choice([0, 3, 4], n)
        Y = rng.normal(size=(n, 1)) + rng.normal(size=(n, T))
        df = pd.DataFrame({"id": np.repeat(np.arange(n), T), "t": np.tile(np.arange(1, T + 1), n),
                           "g": np.repeat(G, T), "y": Y.ravel()})
        r = att_gt(df, "y", "id", "t", "g", bootstrap=199, seed=int(rng.integers(1 << 30)))
        covered += bool(((r.cells.ci_low <= 0) & (r.cells.ci_high >= 0)).all())
    assert 0.85 <= covered / reps <= 1.0


# ---------------------------------------------------------------------------------------------
# Loud failures and bookkeeping
# ---------------------------------------------------------------------------------------------
def test_unbalanced_panel_raises_or_drops_with_counts(mpdta):
    holey = mpdta.drop(index=mpdta.index[(mpdta.countyreal == 8001) & (mpdta.year == 2005)])
    with pytest.raises(DidInputError, match="unbalanced panel: 1 of 500 units"):
        fit(holey)
    with pytest.warns(UserWarning, match="unbalanced"):
        res = fit(holey, balance="drop")
    assert res.n_units == 499 and res.n_obs == 499 * 5 and res.n_rows_input == 2499
    assert res.dropped == {"unbalanced units (all their rows)": 4}
    missing = mpdta.copy()
    missing.loc[missing.index[0], "lemp"] = np.nan
    with pytest.raises(DidInputError, match="unbalanced"):
        fit(missing)
    with pytest.warns(UserWarning):
        r2 = fit(missing, balance="drop")
    assert r2.dropped["missing outcome, covariate, weight or cluster"] == 1
    assert r2.dropped["unbalanced units (all their rows)"] == 4


def test_input_errors_name_the_problem(mpdta):
    with pytest.raises(DidInputError, match="'nope' not in data"):
        att_gt(mpdta, "nope", "countyreal", "year", "first.treat")
    dup = pd.concat([mpdta, mpdta.iloc[[0]]])
    with pytest.raises(DidInputError, match="duplicate observation for countyreal=8001, year=2003"):
        fit(dup)
    moving = mpdta.copy()
    moving.loc[moving.index[0], "first.treat"] = 2006
    with pytest.raises(DidInputError, match="'first.treat' changes over time within countyreal=8001"):
        fit(moving)
    text = mpdta.assign(lemp=mpdta["lemp"].astype(str))
    text.loc[text.index[3], "lemp"] = "n/a"
    with pytest.raises(DidInputError, match="'lemp' must be numeric; found value 'n/a'"):
        fit(text)
    with pytest.raises(DidInputError, match="no never-treated units"):
        fit(mpdta[mpdta["first.treat"] > 0])
    collinear = mpdta.assign(lpop2=2 * mpdta["lpop"] + 1)
    with pytest.raises(DidInputError, match="singular covariate matrix"):
        fit(collinear, covariates=["lpop", "lpop2"])
    with pytest.raises(DidInputError, match="control must be"):
        fit(mpdta, control="sometimes")


def test_not_yet_without_never_treated_is_recorded(mpdta):
    treated_only = mpdta[mpdta["first.treat"] > 0]
    res = fit(treated_only, control="notyet")
    assert any("no never-treated units: cohort 2007" in n for n in res.notes)
    assert sorted(res.cohorts) == [2004.0, 2006.0]
    assert res.cells.time.max() < 2007
    assert (res.cells.n_control > 0).all() and not res.skipped_cells
    # ATT(2006, 2006) compares cohort 2006 with cohort 2007 (not yet treated in 2006)
    hand = _hand_att(treated_only, 2006, 2006, 2005, lambda G: G == 2007)
    assert abs(cell_map(res)[(2006, 2006)][0] - hand) < 1e-12


def test_already_treated_units_are_dropped_and_counted(mpdta):
    early = mpdta.copy()
    early.loc[early.countyreal.isin(early.countyreal.unique()[:3]), "first.treat"] = 2003
    with pytest.warns(UserWarning, match="treated by the first period"):
        res = fit(early)
    assert res.dropped["already treated in the first period"] == 15
    assert res.n_units == 497


def test_result_object_outputs(mpdta, tmp_path):
    res = fit(mpdta)
    tidy = res.tidy()
    assert list(tidy.columns[:8]) == ["group", "time", "event_time", "base_time", "post", "estimate",
                                      "std_error", "ci_low"]
    assert len(tidy) == 12 and tidy.n_treated.tolist()[:4] == [20] * 4 and (tidy.n_control == 309).all()
    text = res.summary()
    for needle in ("units 500", "rows used 2,500 of 2,500", "cohorts 3", "never treated 309", "p = 0.16812",
                   "calendar ATT -0.0417"):
        assert needle in text, needle
    d = json.loads(res.to_json())
    assert d["n_units"] == 500 and d["n_obs"] == 2500 and d["cohort_sizes"] == {"2004": 20, "2006": 40, "2007": 131}
    assert abs(d["att"]["estimate"] - (-0.04)) <= PRINTED
    assert set(d["aggregations"]) == {"simple", "dynamic", "group", "calendar"}
    assert d["aggregations"]["dynamic"]["by"][0]["event_time"] == -3
    png = res.plot_event_study(tmp_path / "es.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000


@pytest.mark.parametrize("method", ["reg", "ipw"])
@pytest.mark.parametrize("control,dd_control", [("never", "never_treated"), ("notyet", "not_yet_treated")])
def test_reg_and_ipw_with_covariates_match_diff_diff(mpdta, diffdiff, method, control, dd_control):
    """Outcome regression and IPW carry no weight-normalisation difference: exact agreement."""
    ours = cell_map(fit(mpdta, control=control, covariates=["lpop"], method=method))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = diffdiff.CallawaySantAnna(control_group=dd_control, estimation_method=method, n_bootstrap=0).fit(
            mpdta, outcome="lemp", unit="countyreal", time="year", first_treat="first.treat", covariates=["lpop"])
    assert len(ref.group_time_effects) == 12
    for (g, t), eff in ref.group_time_effects.items():
        est, se = ours[(int(g), int(t))]
        assert abs(est - eff["effect"]) < 1e-10, (g, t)
        assert abs(se / eff["se"] - 1) < 1e-8, (g, t)
