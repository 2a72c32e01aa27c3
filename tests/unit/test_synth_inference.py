"""Placebo, bootstrap and jackknife standard errors for synthetic DiD on Proposition 99.

Reference numbers:

[AER]  Arkhangelsky et al. (2021), AER 111(12), Table 1: DID placebo standard error 17.7 (200 placebo
       draws; `vignettes/paper-results.Rmd` of github.com/synth-inference/synthdid, lines 114–133).
[AZ]   R `synthdid` 0.0.9 run through rpy2 by the azcausal project (github.com/amazon-science/azcausal,
       commit 9f4f78d), California and Wyoming treated from 1989: 5,000 placebo estimates
       (tests/estimators/panel/sdid/correct/placebo.pkl, from tests/estimators/panel/sdid/custom.r) and
       5,000 bootstrap estimates (correct/bootstrap.pkl, from synthdid's bootstrap_sample via r_sdid.py).
       Their standard deviations (1/B denominator, as synthdid's standard errors) are 6.969366 and 9.167285.
[PEER] diff-diff 3.13 `SyntheticDiD` (pinned test dependency): with the same seed it draws the same
       permutations and resamples, so its placebo and bootstrap standard errors must equal ours exactly.

Placebo and bootstrap draws differ from R's random numbers, so those standard errors are compared
within their Monte Carlo error: with B draws the standard error of a standard-deviation estimate is
about sd / sqrt(2B), 5% for B = 200 and 7% for B = 100; the tolerances below are three of those.
The jackknife is deterministic and is compared with R to full precision in test_synth.py.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from evaluations.synth import SynthInputError, panel_matrices, synthdid
from evaluations.synth.estimate import fit_panel
from evaluations.synth.inference import standard_error

PROP99 = Path(__file__).resolve().parents[1] / "data" / "california_prop99" / "california_prop99.csv"
COLUMNS = {"unit": "State", "time": "Year", "outcome": "PacksPerCapita", "treatment": "treated"}
R_PLACEBO_SD_WITH_WYOMING = 6.969366
R_BOOTSTRAP_SD_WITH_WYOMING = 9.167285
AER_DID_PLACEBO_SE = 17.7


@pytest.fixture(scope="module")
def prop99() -> pd.DataFrame:
    return pd.read_csv(PROP99, sep=";")


@pytest.fixture(scope="module")
def with_wyoming(prop99) -> pd.DataFrame:
    out = prop99.copy()
    out.loc[(out.State == "Wyoming") & (out.Year >= 1989), "treated"] = 1
    return out


def test_placebo_se_is_seeded_and_reproducible(prop99):
    panel = panel_matrices(prop99, **COLUMNS)
    fit = fit_panel(panel, "sdid")
    first, draws = standard_error(panel, fit, "placebo", replications=10, seed=5)
    again, draws_again = standard_error(panel, fit, "placebo", replications=10, seed=5)
    other, _ = standard_error(panel, fit, "placebo", replications=10, seed=6)
    assert first == again and list(draws) == list(draws_again)
    assert other != first
    assert len(draws) == 10 and first > 0
    assert first == pytest.approx(float(np.sqrt(np.mean((draws - draws.mean()) ** 2))), rel=1e-12)


def test_ci_is_normal_95_percent(prop99):
    r = synthdid(prop99, **COLUMNS, estimator="did", se="placebo", replications=50, seed=1)
    z = stats.norm.ppf(0.975)
    assert r.ci == pytest.approx((r.estimate - z * r.std_error, r.estimate + z * r.std_error), abs=1e-12)


def test_did_placebo_se_matches_the_published_table(prop99):
    r = synthdid(prop99, **COLUMNS, estimator="did", se="placebo", replications=5000, seed=2)
    assert r.std_error == pytest.approx(AER_DID_PLACEBO_SE, rel=0.15)


def test_sdid_placebo_se_matches_r_placebo_distribution(with_wyoming):
    r = synthdid(with_wyoming, **COLUMNS, se="placebo", replications=200, seed=3)
    assert r.std_error == pytest.approx(R_PLACEBO_SD_WITH_WYOMING, rel=0.15)


def test_sdid_bootstrap_se_matches_r_bootstrap_distribution(with_wyoming):
    r = synthdid(with_wyoming, **COLUMNS, se="bootstrap", replications=100, seed=4)
    assert r.std_error == pytest.approx(R_BOOTSTRAP_SD_WITH_WYOMING, rel=0.21)
    assert len(r.replicates) == 100


@pytest.mark.parametrize("se", ["bootstrap", "jackknife"])
def test_one_treated_unit_rejects_bootstrap_and_jackknife(prop99, se):
    with pytest.raises(ValueError, match=f"se='{se}' needs at least 2 treated units; the panel has 1 .*placebo"):
        synthdid(prop99, **COLUMNS, se=se)


def test_bad_se_options_are_named(prop99):
    with pytest.raises(SynthInputError, match="se must be one of placebo, bootstrap, jackknife or None; got 'wild'"):
        synthdid(prop99, **COLUMNS, se="wild")
    with pytest.raises(SynthInputError, match="replications must be an integer of at least 2"):
        synthdid(prop99, **COLUMNS, se="placebo", replications=1)


def test_placebo_needs_more_controls_than_treated(prop99):
    small = prop99[prop99.State.isin(["California", "Nevada", "Utah", "Texas"])].copy()
    small.loc[small.State.isin(["Texas", "Utah"]) & (small.Year >= 1989), "treated"] = 1
    with pytest.raises(SynthInputError, match="se='placebo' needs more control units than treated units"):
        synthdid(small, **COLUMNS, se="placebo")


@pytest.mark.parametrize("se", ["placebo", "bootstrap"])
def test_seeded_se_equals_diff_diff_with_the_same_seed(with_wyoming, se):
    """diff-diff 3.13 (pinned test dependency, an independent implementation of R synthdid's vcov)
    draws its placebo permutations and bootstrap resamples from numpy's default generator in the
    same way, so with the same seed both give the same draws and the same standard error."""
    diff_diff = pytest.importorskip("diff_diff")
    block = with_wyoming.assign(treated=with_wyoming.State.isin(["California", "Wyoming"]).astype(int))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer = diff_diff.SyntheticDiD(variance_method=se, n_bootstrap=30, seed=8).fit(
            block, outcome="PacksPerCapita", treatment="treated", unit="State", time="Year",
            post_periods=list(range(1989, 2001)))
    ours = synthdid(with_wyoming, **COLUMNS, se=se, replications=30, seed=8)
    assert ours.estimate == pytest.approx(peer.att, abs=1e-9)
    assert ours.std_error == pytest.approx(peer.se, abs=1e-9)
