"""Event-study covariance matrices (evaluations.did.event_vcov) on mpdta.

References, none computed by the code under test:
* diff-diff 3.13 (pinned peer), `CallawaySantAnna(...).fit(..., aggregate="event_study").event_study_vcov`: the
  influence-function covariance of the event-time effects, as R `did`/HonestDiD build it
  (``t(IF) %*% IF / n^2`` of ``aggte(type="dynamic")$inf.function$dynamic.inf.func.e``);
* R `did`'s printed dynamic point estimates for mpdta ([MAN] in test_did_cs.py);
* statsmodels OLS with unit and year dummies and a clustered covariance, rescaled by hand from its small-sample
  factor to fixest's, for the TWFE event study.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evaluations.did import event_study
from evaluations.did.cs import att_gt
from evaluations.did.event_vcov import EventCovariance, event_vcov
from evaluations.did.twfe import DidInputError

MPDTA = Path(__file__).resolve().parents[1] / "data" / "mpdta" / "mpdta.csv"


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    return pd.read_csv(MPDTA)


def _cs(df, **kw):
    return att_gt(df, "lemp", "countyreal", "year", "first.treat", **kw)


def _dd_vcov(df, base_period):
    dd = pytest.importorskip("diff_diff")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = dd.CallawaySantAnna(control_group="never_treated", base_period=base_period, n_bootstrap=0).fit(
            df, outcome="lemp", unit="countyreal", time="year", first_treat="first.treat", aggregate="event_study")
    return [int(e) for e in fit.event_study_vcov_index], np.asarray(fit.event_study_vcov)


@pytest.mark.parametrize("base_period", ["varying", "universal"])
def test_cs_dynamic_covariance_equals_diff_diff(mpdta, base_period):
    ev = event_vcov(_cs(mpdta, base_period=base_period))
    index, V = _dd_vcov(mpdta, base_period)
    pos = [index.index(e) for e in ev.event_times]
    assert np.allclose(ev.sigma, V[np.ix_(pos, pos)], rtol=1e-8, atol=1e-14)
    assert ev.reference == -1 and ev.source == "cs_dynamic" and ev.base == base_period
    if base_period == "universal":          # the reference period, an exact zero, is left out
        assert ev.event_times.tolist() == [-4, -3, -2, 0, 1, 2, 3]
    else:                                   # [MAN] aggte(type="dynamic") on mpdta
        assert ev.event_times.tolist() == [-3, -2, -1, 0, 1, 2, 3]
        assert np.allclose(ev.betahat, [0.0305, -0.0006, -0.0245, -0.0199, -0.0510, -0.1373, -0.1008], atol=0.5e-4)
    pre_end = -1 if base_period == "varying" else -2     # a varying base's e = -1 is the change from -2 to -1
    assert ev.pre.tolist() == (ev.event_times <= pre_end).tolist()
    assert ev.post.tolist() == (ev.event_times >= 0).tolist()


def test_cs_dynamic_covariance_diagonal_is_the_analytic_se(mpdta):
    res = _cs(mpdta)
    ev = event_vcov(res)
    se = res.aggregate("dynamic").by.set_index("event_time")["std_error"]
    assert np.allclose(ev.std_errors, se.loc[ev.event_times].to_numpy(), rtol=1e-12)
    betahat, sigma, times, reference = ev        # unpacks as a 4-tuple
    assert sigma.shape == (7, 7) and np.allclose(sigma, sigma.T) and np.linalg.eigvalsh(sigma).min() > 0


def test_cs_clustered_covariance_sums_within_clusters(mpdta):
    state = mpdta.assign(state=mpdta["countyreal"] // 1000)
    res = _cs(state, cluster="state")
    ev = event_vcov(res)
    # hand: cluster sums of the unclustered influence functions (same units, same order)
    agg = res.aggregate("dynamic")
    A, C, Ind, pg = agg._by_terms
    IF = np.asarray(A.T @ res._if.T).T + Ind @ C - pg @ C
    codes = pd.factorize(state.groupby("countyreal")["state"].first())[0]
    S = np.zeros((codes.max() + 1, IF.shape[1]))
    for g in range(codes.max() + 1):
        S[g] = IF[codes == g].sum(axis=0)
    expected = S.T @ S / IF.shape[0] ** 2
    assert np.allclose(ev.sigma, expected, rtol=1e-10)
    assert np.allclose(ev.std_errors, agg.by["std_error"].to_numpy(), rtol=1e-10)
    assert not np.allclose(ev.sigma, event_vcov(_cs(mpdta)).sigma)


def test_bootstrapped_estimate_still_gives_the_analytic_covariance(mpdta):
    boot = event_vcov(_cs(mpdta, bootstrap=99, seed=1))
    assert np.allclose(boot.sigma, event_vcov(_cs(mpdta)).sigma, rtol=1e-12)


def test_twfe_event_study_covariance_equals_statsmodels_with_fixest_factor(mpdta):
    sm = pytest.importorskip("statsmodels.formula.api")
    es = event_study(mpdta, "lemp", "countyreal", "year", "first.treat", window=(-3, 3))
    ev = event_vcov(es)
    assert ev.event_times.tolist() == [-3, -2, 0, 1, 2, 3] and ev.reference == -1 and ev.source == "twfe"
    assert np.allclose(ev.std_errors, [c.std_error for c in es.coefficients], rtol=1e-10)
    data = mpdta.copy()
    rel = np.where(data["first.treat"] > 0, np.clip(data["year"] - data["first.treat"], -3, 3), np.nan)
    names = []
    for e in [-3, -2, 0, 1, 2, 3]:
        name = f"e{e + 3}"
        data[name] = (rel == e).astype(float)
        names.append(name)
    fit = sm.ols(f"lemp ~ {' + '.join(names)} + C(countyreal) + C(year)", data).fit(
        cov_type="cluster", cov_kwds={"groups": data["countyreal"]})
    n, g = len(data), data["countyreal"].nunique()
    k_all = len(names) + g + data["year"].nunique() - 1       # statsmodels counts every dummy
    k_fixest = len(names) + data["year"].nunique()            # county effects nested in the clusters
    rescale = (n - k_all) / (n - k_fixest)                     # (n-1)/(n-K) differ only in K
    expected = fit.cov_params().loc[names, names].to_numpy() * rescale
    assert np.allclose(ev.sigma, expected, rtol=1e-6)
    assert np.allclose(ev.betahat, fit.params[names].to_numpy(), rtol=1e-8)


def test_event_vcov_refuses_other_results(mpdta):
    from evaluations.did import twfe
    res = twfe(mpdta.assign(d=((mpdta["first.treat"] > 0) & (mpdta["year"] >= mpdta["first.treat"])).astype(float)),
               "lemp", "countyreal", "year", "d")
    with pytest.raises(DidInputError, match="event-study or Callaway"):
        event_vcov(res)
    with pytest.raises(DidInputError, match="event-study or Callaway"):
        event_vcov({"betahat": [1.0]})
    es = event_study(mpdta, "lemp", "countyreal", "year", "first.treat", window=(-3, 3))
    assert isinstance(event_vcov(es), EventCovariance)
