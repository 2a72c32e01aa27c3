"""CDC VSRR 12-month-ending counts and CDC WONDER annual deaths."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipelines.sources import cdc
from pipelines.sources.base import SourceFormatError

DATA = Path(__file__).resolve().parents[2] / "data"


def _load(i: int) -> pd.DataFrame:
    spec = cdc.SPECS[i]
    return pd.concat([spec.parse(DATA / f) for f in spec.files], ignore_index=True)


def test_state_counts_are_the_official_12_month_ending_values():
    state = _load(0)
    assert len(state) == 4875 and state["state_abbr"].nunique() == 50
    assert not {"LA", "PA", "US", "YC"} & set(state["state_abbr"])
    # suppressed months stay empty; 125 rows say 'missing' in the file
    assert state["deaths_12mo_ending"].isna().sum() == (state["value_type"] == "missing").sum() == 125
    # Connecticut, 12 months ending Jan 2015 = 96 (first row of the file)
    ct = state[(state["state_abbr"] == "CT") & (state["period_end_month"] == "2015-01-01")]
    assert int(ct["deaths_12mo_ending"].iloc[0]) == 96
    assert "count_est_float" not in state.columns  # the republisher's de-convolved estimates are not loaded


def test_states_sum_below_the_national_series():
    """LA, PA and New York City are not in the state file, so states sum below the nation,
    by 5–20 % in years when nearly every jurisdiction reports."""
    state, national = _load(0), _load(1)
    dec = state[state["month"] == 12].groupby("year")["deaths_12mo_ending"].sum()
    nat = national[national["month"] == 12].set_index("year")["deaths_12mo_ending"]
    assert nat[2021] == 65550 and nat[2023] == 67666
    for year in (2021, 2022, 2023, 2024):
        share = dec[year] / nat[year]
        assert 0.80 < share < 0.95, (year, share)
    assert (dec.loc[2015:2024] <= nat.loc[2015:2024]).all()


def test_wonder_rates_recompute_from_deaths_and_population():
    w = _load(2)
    assert len(w) == 867 and w["state_name"].nunique() == 51
    reliable = w[w["crude_rate_reliable"]]
    recomputed = reliable["deaths"] / reliable["population"] * 100_000
    assert (recomputed - reliable["crude_rate_per_100k"]).abs().max() <= 0.05 + 1e-9
    assert (w.loc[~w["crude_rate_reliable"], "deaths"] < 20).all()
    assert w.groupby("year")["deaths"].sum()[2015] > w.groupby("year")["deaths"].sum()[1999]


def test_wrong_period_is_rejected(tmp_path):
    p = DATA / cdc.VSRR / "state_synthetic_opioid_overdose_monthly_counts_estimated.csv"
    text = p.read_text(encoding="utf-8").replace("12 month-ending", "monthly", 1)
    (tmp_path / p.name).write_text(text, encoding="utf-8")
    with pytest.raises(SourceFormatError, match="12 month-ending"):
        cdc.parse_vsrr_state(tmp_path / p.name)
