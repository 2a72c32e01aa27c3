"""Baseline vs later-period rates per unit (evaluations.indicators.period_change), checked by hand."""
import pandas as pd
import pytest

from evaluations.indicators import period_change


def monthly(unit: str, start: str, counts: list[int], population: list[int]) -> pd.DataFrame:
    periods = pd.date_range(start, periods=len(counts), freq="MS")
    return pd.DataFrame({"unit": unit, "period": periods, "homicides": counts, "population": population})


def test_rates_are_annualised_over_the_months_of_each_period_and_use_mean_population():
    frame = pd.concat([
        # a: 12 deaths in 2020 among 100,000 people, then 12 in the first half of 2021
        monthly("a", "2020-01-01", [1] * 12 + [2] * 6, [100_000] * 18),
        # b: no deaths in 2020 (population 50,000 then 150,000: mean 100,000), 3 in 2021 H1 among 60,000
        monthly("b", "2020-01-01", [0] * 12 + [1, 0, 1, 0, 1, 0], [50_000] * 6 + [150_000] * 6 + [60_000] * 6),
    ])
    out = period_change(frame, "unit", "period", "homicides", "population",
                        baseline=("2020-01-01", "2020-12-31"), post=("2021-01-01", "2021-06-30")).set_index("unit")
    # a: 12 / 100,000 × 100,000 = 12 a year; post 12 / 100,000 × 100,000 / (6 / 12) = 24 a year
    assert out.loc["a", "baseline_rate"] == pytest.approx(12.0) and out.loc["a", "post_rate"] == pytest.approx(24.0)
    assert out.loc["a", "change"] == pytest.approx(12.0)
    # b: 0 / 100,000 = 0; post 3 / 60,000 × 100,000 = 5 in half a year → 10 a year
    assert out.loc["b", "baseline_rate"] == pytest.approx(0.0) and out.loc["b", "change"] == pytest.approx(10.0)


def test_without_annualising_the_rate_is_per_period():
    frame = monthly("a", "2020-01-01", [1] * 12 + [2] * 6, [100_000] * 18)
    out = period_change(frame, "unit", "period", "homicides", "population", baseline=("2020-01-01", "2020-12-31"),
                        post=("2021-01-01", "2021-06-30"), annualise=False).set_index("unit")
    assert out.loc["a", "post_rate"] == pytest.approx(12.0) and out.loc["a", "change"] == pytest.approx(0.0)
