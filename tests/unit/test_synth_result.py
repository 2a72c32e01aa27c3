"""The synthetic-DiD result object: summary, tidy table, JSON and the two figures.

The checks tie each output to a quantity computed independently here: the effect curve and the
unit contributions must average back to the estimate (Arkhangelsky et al. 2021, eq. 1: the
estimate is the omega-weighted average of each control unit's DiD contrast with the treated
mean, and the mean over post periods of the per-period effects), and the effect arrow in the
figure must have the length of the estimate.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evaluations.synth import synthdid
from evaluations.synth.plots import diagram, unit_contributions

PROP99 = Path(__file__).resolve().parents[1] / "data" / "california_prop99" / "california_prop99.csv"
COLUMNS = {"unit": "State", "time": "Year", "outcome": "PacksPerCapita", "treatment": "treated"}


@pytest.fixture(scope="module")
def prop99() -> pd.DataFrame:
    return pd.read_csv(PROP99, sep=";")


@pytest.fixture(scope="module")
def result(prop99):
    return synthdid(prop99, **COLUMNS, se="placebo", replications=20, seed=9)


def test_to_dict_is_json_safe_and_complete(result):
    d = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert set(d["att"]) >= {"estimate", "std_error", "ci_low", "ci_high"}
    assert d["att"]["estimate"] == pytest.approx(result.estimate)
    assert d["att"]["ci_low"] < d["att"]["estimate"] < d["att"]["ci_high"]
    assert sum(d["unit_weights"].values()) == pytest.approx(1.0)
    assert list(d["time_weights"])[:2] == ["1970", "1971"] and len(d["time_weights"]) == 19
    assert d["treated_units"] == ["California"]
    assert (d["se_method"], d["replications"], d["seed"]) == ("placebo", 20, 9)


def test_to_dict_without_standard_error_has_nulls(prop99):
    d = synthdid(prop99, **COLUMNS, estimator="sc", se=None).to_dict()
    json.dumps(d, allow_nan=False)
    assert d["att"]["std_error"] is None and d["att"]["ci_low"] is None
    assert d["dimensions"]["t_pre_effective"] is None


def test_tidy_and_summary(result):
    row = result.tidy().iloc[0]
    assert row["term"] == "att" and row["estimator"] == "sdid"
    assert row["estimate"] == result.estimate and row["std_error"] == result.std_error
    assert (row["ci_low"], row["ci_high"]) == result.ci
    text = result.summary()
    assert "sdid" in text and f"{result.estimate:.4f}" in text and "placebo, 20 replications, seed 9" in text
    assert "Nevada 0.124" in text and "1988 0.427" in text


def test_effect_curve_and_unit_contributions_average_to_the_estimate(result):
    assert result.effect_curve().mean() == pytest.approx(result.estimate, abs=1e-10)
    contrib = unit_contributions(result)
    assert float(np.dot(result.unit_weights.to_numpy(), contrib)) == pytest.approx(result.estimate, abs=1e-10)


def test_effect_arrow_has_the_length_of_the_estimate(result):
    d = diagram(result)
    assert d["treated_post"] - d["counterfactual_post"] == pytest.approx(result.estimate, abs=1e-10)
    assert 1986 < d["pre_time"] < 1988 and d["post_time"] == pytest.approx(1994.5)


@pytest.mark.parametrize("estimator", ["sdid", "sc"])
def test_plots_are_written(prop99, result, tmp_path, estimator):
    r = result if estimator == "sdid" else synthdid(prop99, **COLUMNS, estimator="sc", se=None)
    for path in (r.plot(tmp_path / f"{estimator}.png"), r.plot_units(tmp_path / f"{estimator}_units.png")):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000
