"""The pre-trend power diagnostic of the staggered designs (evaluations.designs.pretrend_power) on mpdta.

The numbers themselves are validated in test_pretrend_power.py (R `pretrends`) and test_event_vcov.py (diff-diff);
here: the diagnostic tests exactly the check shown beside it (each pre-treatment event-time effect against its
band: the band's critical value, the covariance scaled to the band's standard errors), and its sentence.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evaluations.designs.pretrend_power import pretrend_power_diagnostic, pretrend_power_diagnostics
from evaluations.did.cs import att_gt
from evaluations.did.event_vcov import event_vcov
from evaluations.did.pretrend_power import pretrend_power, rejection_probability

MPDTA = Path(__file__).resolve().parents[1] / "data" / "mpdta" / "mpdta.csv"
UNITS = {"en": "log points", "es": "puntos logarítmicos"}


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    return pd.read_csv(MPDTA)


def test_analytic_bands_use_the_influence_covariance_and_1_96(mpdta):
    cs = att_gt(mpdta, "lemp", "countyreal", "year", "first.treat")
    dynamic = cs.aggregate("dynamic")
    d = pretrend_power_diagnostic(cs, dynamic, UNITS)
    assert abs(d["threshold"] - 1.959963984540054) < 1e-12
    ev = event_vcov(cs)
    ref = pretrend_power(ev.betahat, ev.sigma, ev.event_times, -1, threshold=d["threshold"], base="varying")
    assert abs(d["slope_80"] - ref.slope_80) < 1e-3 * ref.slope_80
    assert abs(d["bias_post_average_at_slope_80"] - abs(ref.bias_post_average)) < 1e-2 * abs(ref.bias_post_average)
    assert d["pre_event_times"] == 3 and d["post_event_times"] == 4 and d["base_period"] == "varying"
    # the trend that produces the whole average effect: slope * mean(e + 1) over e = 0..3 = estimate
    assert abs(d["slope_explaining_estimate"] - abs(dynamic.overall["estimate"]) / 2.5) < 1e-12
    hand = rejection_probability(np.full(3, d["slope_explaining_estimate"]), ev.sigma[:3, :3], d["threshold"])
    assert abs(d["power_against_explaining_slope"] - hand) < 2e-3


def test_bootstrap_bands_use_their_critical_value_and_standard_errors(mpdta):
    cs = att_gt(mpdta, "lemp", "countyreal", "year", "first.treat", bootstrap=999, seed=7)
    dynamic = cs.aggregate("dynamic")
    assert dynamic.band_kind == "simultaneous"
    d = pretrend_power_diagnostic(cs, dynamic, UNITS)
    assert d["threshold"] == dynamic.critical_value and d["threshold"] > 2
    ev = event_vcov(cs)
    se = dynamic.by["std_error"].to_numpy()
    scaled = ev.sigma * np.outer(se / ev.std_errors, se / ev.std_errors)
    ref = pretrend_power(ev.betahat, scaled, ev.event_times, -1, threshold=dynamic.critical_value, base="varying")
    assert abs(d["slope_80"] - ref.slope_80) < 1e-3 * ref.slope_80
    assert d["size"] < 0.05


def test_sentence_names_the_slope_the_bias_and_the_units(mpdta):
    cs = att_gt(mpdta, "lemp", "countyreal", "year", "first.treat")
    out = pretrend_power_diagnostics(cs, cs.aggregate("dynamic"), UNITS)
    d = out["pretrend_power"]
    en, es = d["label"]["en"], d["label"]["es"]
    slope = f"{d['slope_80']:.3f}"
    assert slope in en and slope in es
    assert "(log points) each month" in en and "(puntos logarítmicos) cada mes" in es
    assert f"{d['bias_post_average_at_slope_80']:.3f}" in en and "80%" in en and "80%" in es


def test_no_pre_period_gives_no_diagnostic(mpdta):
    cs = att_gt(mpdta, "lemp", "countyreal", "year", "first.treat")
    dynamic = cs.aggregate("dynamic", min_e=0)
    assert pretrend_power_diagnostics(cs, dynamic, UNITS) == {}


def test_sentences_end_without_a_period_and_cover_an_oversized_check():
    from evaluations.designs.pretrend_power import _sentence
    d = {"slope_80": None, "size": 0.85}
    text = _sentence(d, UNITS)
    assert "85%" in text["en"] and "85%" in text["es"] and "even under parallel trends" in text["en"]
    assert not text["en"].endswith(".") and not text["es"].endswith(".")
    full = _sentence({"slope_80": 0.5, "bias_post_average_at_slope_80": 1.25, "slope_explaining_estimate": 0.1,
                      "power_against_explaining_slope": 0.04}, UNITS)
    assert full["en"].endswith("would be detected with probability 4%)") and "by up to 1.25" in full["en"]
    assert full["es"].endswith("se detectaría con probabilidad de 4%)") and "hasta en 1.25" in full["es"]
