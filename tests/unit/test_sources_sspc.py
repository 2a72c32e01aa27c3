"""SSPC daily reports: the clean-up in SOURCE.md (cumulative July 2020, doubled August 2020,
dd/mm/yy dates) gives the national totals stated there."""
from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from pipelines.sources import sspc

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def daily() -> pd.DataFrame:
    spec = sspc.SPECS[0]
    return pd.concat([spec.parse(DATA / f) for f in spec.files], ignore_index=True)


def test_national_totals_after_cleanup_match_source_md(daily):
    totals = daily.groupby("year")["homicides"].sum()
    assert totals[2019] == 27_987 and totals[2020] == 26_646
    assert not daily.duplicated(list(sspc.SPECS[0].key)).any()


def test_no_month_is_counted_twice(daily):
    # naive concatenation of the files counts Jan–Sep 2020 several times
    naive = 0.0
    for f in sspc.SPECS[0].files:
        if "/2020/" in f:
            with open(DATA / f, encoding="utf-8", newline="") as handle:
                naive += sum(float(r["Homicidios"]) for r in csv.DictReader(handle))
    assert naive > 1.5 * daily[daily["year"] == 2020]["homicides"].sum()
    per_file = daily.groupby("month_file")["month"].nunique()
    assert (per_file == 1).all()
    july = daily[daily["month_file"] == "2020/07_july_2020.csv"]
    assert july["file_rows"].iloc[0] == 13_345 and set(july["month"]) == {7}
    august = daily[daily["month_file"] == "2020/08_august_2020.csv"]
    assert august["file_rows"].iloc[0] == 2_902 and len(august) <= 1_451


def test_ddmmyy_dates_are_read_as_day_first(daily):
    march = daily[daily["month_file"] == "2019/03_march_2019.csv"]
    assert (march["report_date"] == "2019-03-08").sum() >= 43
    assert march["report_date"].str.startswith("2019-03").all()


def test_names_matched_to_codes(daily):
    assert daily["cvegeo"].dropna().str.fullmatch(r"\d{5}").all()
    matched_share = daily.loc[daily["cvegeo"].notna(), "homicides"].sum() / daily["homicides"].sum()
    assert matched_share > 0.98
    naucalpan = daily[daily["municipality_name"].str.contains("Naucalpan", na=False)]
    assert (naucalpan["cvegeo"] == "15057").all() and not naucalpan["municipality_name"].str.contains("\n").any()
