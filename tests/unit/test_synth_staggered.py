"""Staggered-adoption synthetic DiD on the gender-quota panel (Clarke, Pailañir, Athey & Imbens 2024).

Reference numbers: the R package `Ssynthdid` (github.com/TJhon/ssynthdid, README.md at commit 7317d9d,
"estimate$att_estimate" and "estimate$att_table") prints, for `ssynth_estimate(quota_df, "country",
"year", "quota", "womparl")`, the overall ATT 8.034102 and the cohort estimates 8.39, 6.97, 14.0, −3.45,
2.75, 21.8, −0.820 with weights (treated units × post periods) 16, 28, 26, 11, 6, 4, 3.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from evaluations.synth import SynthInputError, synthdid, synthdid_staggered

QUOTA = Path(__file__).resolve().parents[1] / "data" / "quota_example" / "quota_example.csv"
PROP99 = Path(__file__).resolve().parents[1] / "data" / "california_prop99" / "california_prop99.csv"
COLUMNS = {"unit": "country", "time": "year", "outcome": "womparl", "treatment": "quota"}
R_ATT = 8.034102
R_COHORTS = {  # cohort: (printed estimate, its decimals, treated units × post periods)
    2000: (8.39, 2, 16), 2002: (6.97, 2, 28), 2003: (14.0, 1, 26), 2005: (-3.45, 2, 11), 2010: (2.75, 2, 6),
    2012: (21.8, 1, 4), 2013: (-0.820, 3, 3),
}


@pytest.fixture(scope="module")
def quota() -> pd.DataFrame:
    return pd.read_csv(QUOTA)


@pytest.fixture(scope="module")
def result(quota):
    return synthdid_staggered(quota, **COLUMNS)


def test_overall_att_equals_r(result):
    assert abs(result.estimate - R_ATT) <= 0.5e-6 + 1e-12


def test_cohort_estimates_and_weights_equal_r(result):
    table = result.tidy().set_index("cohort")
    assert list(result.cohorts) == list(R_COHORTS)
    for cohort, (tau, decimals, cells) in R_COHORTS.items():
        assert abs(table.loc[cohort, "estimate"] - tau) <= 0.5 * 10.0**-decimals + 1e-12
        assert table.loc[cohort, "n_treated"] * table.loc[cohort, "t_post"] == cells
        assert table.loc[cohort, "n_control"] == 110
    assert table["weight"].iloc[:-1].sum() == pytest.approx(1.0)
    assert table.loc["all", "estimate"] == result.estimate


def test_one_cohort_equals_the_block_estimate():
    prop99 = pd.read_csv(PROP99, sep=";")
    cols = {"unit": "State", "time": "Year", "outcome": "PacksPerCapita", "treatment": "treated"}
    staggered = synthdid_staggered(prop99, **cols)
    assert list(staggered.cohorts) == [1989]
    assert staggered.estimate == synthdid(prop99, **cols, se=None).estimate


def test_summary_and_json(result):
    text = result.summary()
    assert "7 cohorts" in text and "8.0341" in text
    d = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert d["att"]["estimate"] == pytest.approx(R_ATT, abs=1e-6) and len(d["cohorts"]) == 7


def test_reversal_and_treated_from_the_start_are_rejected(quota):
    leaves = quota.copy()
    leaves.loc[(leaves.country == "Albania") & (leaves.year.between(2000, 2004)), "quota"] = 1
    with pytest.raises(SynthInputError, match="'Albania' leaves treatment"):
        synthdid_staggered(leaves, **COLUMNS)
    early = quota.copy()
    early.loc[early.country == "Albania", "quota"] = 1
    with pytest.raises(ValueError, match="no pre-treatment periods: unit 'Albania'"):
        synthdid_staggered(early, **COLUMNS)


def test_jackknife_with_one_cohort_equals_r_block_jackknife():
    prop99 = pd.read_csv(PROP99, sep=";")
    prop99.loc[(prop99.State == "Wyoming") & (prop99.Year >= 1989), "treated"] = 1
    cols = {"unit": "State", "time": "Year", "outcome": "PacksPerCapita", "treatment": "treated"}
    r = synthdid_staggered(prop99, **cols, se="jackknife")
    # R synthdid 0.0.9 via azcausal, tests/estimators/panel/test_sdid.py line 50 (see test_synth.py)
    assert r.std_error == pytest.approx(17.867241960405, abs=1e-9)
    assert r.to_dict()["att"]["std_error"] == pytest.approx(17.867241960405, abs=1e-9)


def test_jackknife_on_two_cohorts_and_its_options(quota):
    keep = set(quota.country[quota.quota == 0]) - set(quota.country[quota.quota == 1])
    keep |= {"Djibouti", "Morocco", "Jordan", "Rwanda"}
    r = synthdid_staggered(quota[quota.country.isin(keep)], **COLUMNS, se="jackknife")
    assert list(r.cohorts) == [2002, 2003] and r.weights.to_list() == pytest.approx([28 / 54, 26 / 54])
    assert r.std_error > 0 and "jackknife" in r.summary()
    with pytest.raises(SynthInputError, match="se='jackknife' needs at least 2 treated units in every cohort"):
        synthdid_staggered(quota, **COLUMNS, se="jackknife")
    with pytest.raises(SynthInputError, match="se for staggered adoption must be 'jackknife' or None; got 'placebo'"):
        synthdid_staggered(quota, **COLUMNS, se="placebo")
