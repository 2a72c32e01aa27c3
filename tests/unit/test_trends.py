"""Baseline (36 months before October 2021) vs post comparison, checked by hand."""
import numpy as np
import pandas as pd
import pytest

from evaluations.trends import baseline_comparison


def test_means_change_and_trend_by_hand():
    months = pd.date_range("2017-01-01", "2022-09-01", freq="MS")
    values = np.where(months < "2021-10-01", 10.0, 13.0)
    values[months < "2018-10-01"] = 1000.0        # before the 36-month baseline: must be ignored
    c = baseline_comparison(pd.Series(values, index=months))
    assert c.baseline == {"start": "2018-10-01", "nominal_start": "2018-10-01", "end": "2021-09-30", "mean": 10.0,
                          "months": 36, "months_expected": 36, "first_month_with_data": "2018-10-01"}
    assert (c.post["start"], c.post["end"], c.post["mean"], c.post["months"]) == ("2021-10-01", "2022-09-30", 13.0, 12)
    assert c.change == 3.0 and c.percent_change == pytest.approx(30.0)
    assert c.trend_per_year == pytest.approx(0.0, abs=1e-9)
    assert c.change_estimate["estimate"] == pytest.approx(3.0)


def test_post_trend_per_year_and_missing_months():
    months = pd.date_range("2018-10-01", "2023-09-01", freq="MS")
    post = months >= "2021-10-01"
    values = np.where(post, 5 + 0.5 * np.arange(len(months)), 5.0)   # +0.5 a month after the start = 6 a year
    s = pd.Series(values, index=months)
    s.iloc[3] = np.nan                                                 # a missing baseline month is not counted
    c = baseline_comparison(s)
    assert c.trend_per_year == pytest.approx(6.0)
    assert c.baseline["months"] == 35 and c.baseline["mean"] == 5.0
    expected_post_mean = np.mean(5 + 0.5 * np.arange(len(months))[post])
    assert c.post["mean"] == pytest.approx(expected_post_mean)


def test_series_starting_after_the_framework_has_no_baseline():
    s = pd.Series([1.0, 2.0, 3.0], index=pd.date_range("2024-10-01", periods=3, freq="MS"))
    c = baseline_comparison(s)
    assert c.baseline is None and c.change is None and c.change_estimate is None
    assert c.post["mean"] == 2.0


def test_baseline_window_starts_at_its_first_month_with_data():
    # one baseline month (September 2021), as the OFAC scrape history has: the window printed is that month,
    # not the nominal October 2018 start
    s = pd.Series([10.0, 5.0, 6.0], index=pd.to_datetime(["2021-09-01", "2021-10-01", "2021-11-01"]))
    c = baseline_comparison(s)
    assert (c.baseline["start"], c.baseline["nominal_start"], c.baseline["months"]) == ("2021-09-01", "2018-10-01", 1)
