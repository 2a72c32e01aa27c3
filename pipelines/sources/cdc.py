"""U.S. overdose deaths: CDC VSRR provisional 12-month-ending counts and CDC WONDER annual counts.

* ``cdc_vsrr_synthetic_opioid_deaths_state``: synthetic opioids excl. methadone (T40.4),
  deaths in the 12 months ending in each month, by state, 2015 – Sep 2025. Only the
  official CDC value (``rolling_12mo_count``) is kept; the republisher's de-convolved
  monthly estimates (``count``, ``count_est_float``) are not loaded. Suppressed months
  (``source_value_type = missing``) keep an empty value.
* ``cdc_vsrr_synthetic_opioid_deaths_national``: the national 12-month-ending series.
* ``cdc_wonder_drug_induced_deaths_state``: drug-induced deaths, population and crude
  rate by state and year, 1999–2015 (published as UTF-8 with BOM and CR-only line endings, crude
  rate 'Unreliable' under 20 deaths).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .base import Problems, SourceSpec, read_text_csv, require_columns

FAMILY = "cdc"
VSRR = "cdc/cdc_vsrr_overdose_synthetic_opioids_state_2015_2025"
WONDER = "cdc/cdc_wonder_drug_induced_deaths_state_1999_2015"
T404 = "Synthetic opioids, excl. methadone (T40.4)"
VALUE_TYPES = ("data_value", "predicted_value", "missing")


def _month_start(df: pd.DataFrame, problems: Problems, column: str) -> pd.Series:
    good = df[column].str.fullmatch(r"\d{4}-\d{2}-01")
    problems.rows(~good, column, "expected a month date YYYY-MM-01", df[column])
    return df[column].where(good)


def _deaths(df: pd.DataFrame, problems: Problems, column: str, allow_empty: pd.Series | None = None) -> pd.Series:
    num = pd.to_numeric(df[column], errors="coerce")
    empty = df[column].str.strip() == ""
    bad = (num.isna() & ~empty) | (num < 0) | (num.notna() & (num != num.round()))
    if allow_empty is not None:
        bad |= empty & ~allow_empty
    else:
        bad |= empty
    problems.rows(bad, column, "expected a non-negative whole number of deaths", df[column])
    return num.round().astype("Int64")


# Every column of the state file as published: month_abbr, count, count_est_float, count_is_estimated and
# estimation_method are not loaded but belong to it; a column beyond these is refused like in every source.
VSRR_STATE_COLUMNS = ["state_abbr", "state_name", "variable", "date", "year", "month_num", "month_abbr", "count",
                      "count_est_float", "rolling_12mo_count", "source_value_type", "period", "percent_complete",
                      "percent_pending_investigation", "count_is_estimated", "estimation_method"]


def parse_vsrr_state(path: Path) -> pd.DataFrame:
    path = Path(path)
    df, lines = read_text_csv(path, "expected a CSV file")
    require_columns(df, VSRR_STATE_COLUMNS, path)
    problems = Problems(path, lines)
    for column, good, expected in (
        ("period", df["period"].eq("12 month-ending"), "expected '12 month-ending' counts only"),
        ("variable", df["variable"].eq(T404), f"expected {T404!r}"),
        ("source_value_type", df["source_value_type"].isin(VALUE_TYPES), f"expected one of {VALUE_TYPES}"),
        ("state_abbr", df["state_abbr"].str.fullmatch(r"[A-Z]{2}"), "expected a 2-letter state code"),
    ):
        problems.rows(~good, column, expected, df[column])
    date = _month_start(df, problems, "date")
    missing = df["source_value_type"].eq("missing")
    deaths = _deaths(df, problems, "rolling_12mo_count", allow_empty=missing)
    problems.rows(missing & deaths.notna(), "rolling_12mo_count",
                  "expected an empty value where source_value_type is 'missing'", df["rolling_12mo_count"])
    problems.duplicates(pd.DataFrame({"state": df["state_abbr"], "date": date}), ["state", "date"], "date",
                        "expected one row per state and month", valid=date.notna())
    problems.check()
    return pd.DataFrame({
        "state_abbr": df["state_abbr"], "state_name": df["state_name"], "period_end_month": date,
        "year": date.str[:4].astype("int64"), "month": date.str[5:7].astype("int64"),
        "drug_indicator": "synthetic_opioids_t40_4",
        "deaths_12mo_ending": deaths, "value_type": df["source_value_type"],
        "percent_complete": pd.to_numeric(df["percent_complete"], errors="coerce"),
        "percent_pending_investigation": pd.to_numeric(df["percent_pending_investigation"], errors="coerce"),
    })


def parse_vsrr_national(path: Path) -> pd.DataFrame:
    path = Path(path)
    df, lines = read_text_csv(path, "expected a CSV file")
    require_columns(df, ["variable", "date", "count"], path)
    problems = Problems(path, lines)
    problems.rows(~df["variable"].eq("Synthetic opioid overdose deaths"), "variable",
                  "expected 'Synthetic opioid overdose deaths'", df["variable"])
    date = _month_start(df, problems, "date")
    deaths = _deaths(df, problems, "count")
    problems.check()
    return pd.DataFrame({
        "period_end_month": date, "year": date.str[:4].astype("int64"), "month": date.str[5:7].astype("int64"),
        "drug_indicator": "synthetic_opioids_t40_4",
        "deaths_12mo_ending": deaths.astype("int64"),
    })


WONDER_COLUMNS = ["State", "Year", "Deaths", "Population", "Crude Rate", "Crude Rate Lower 95% Confidence Interval",
                  "Crude Rate Upper 95% Confidence Interval", "Crude Rate Standard Error"]


def parse_wonder(path: Path) -> pd.DataFrame:
    path = Path(path)
    # UTF-8 with a BOM and CR-only line ends as published; the shared reader also takes LF or CRLF, with or without BOM
    df, lines = read_text_csv(path, "expected a CSV file")
    require_columns(df, WONDER_COLUMNS, path)
    problems = Problems(path, lines)
    deaths = _deaths(df, problems, "Deaths")
    population = _deaths(df, problems, "Population")
    unreliable = df["Crude Rate"].str.strip().eq("Unreliable")
    rate = pd.to_numeric(df["Crude Rate"], errors="coerce")
    problems.rows(rate.isna() & ~unreliable, "Crude Rate", "expected a rate or 'Unreliable'", df["Crude Rate"])
    year = pd.to_numeric(df["Year"], errors="coerce")
    problems.rows(year.isna(), "Year", "expected a year", df["Year"])
    problems.check()
    return pd.DataFrame({
        "state_name": df["State"].str.strip(), "year": year.astype("int64"), "deaths": deaths.astype("int64"),
        "population": population.astype("int64"), "crude_rate_per_100k": rate, "crude_rate_reliable": ~unreliable,
        "crude_rate_lower_95": pd.to_numeric(df["Crude Rate Lower 95% Confidence Interval"], errors="coerce"),
        "crude_rate_upper_95": pd.to_numeric(df["Crude Rate Upper 95% Confidence Interval"], errors="coerce"),
        "crude_rate_standard_error": pd.to_numeric(df["Crude Rate Standard Error"], errors="coerce"),
    })


SPECS: tuple[SourceSpec, ...] = (
    SourceSpec(
        name="cdc_vsrr_synthetic_opioid_deaths_state", family=FAMILY,
        title="CDC VSRR provisional synthetic-opioid (T40.4) overdose deaths, 12-month-ending, by state, 2015 – Sep 2025",
        title_es=("Muertes por sobredosis de opioides sintéticos (T40.4), cifras provisionales de los CDC (VSRR) en "
                  "periodos móviles de 12 meses, por estado de EE. UU., 2015 – sep. 2025"),
        files=(f"{VSRR}/state_synthetic_opioid_overdose_monthly_counts_estimated.csv",), parse=parse_vsrr_state,
        key=("state_abbr", "period_end_month"),
        publisher="CDC / NCHS, VSRR Provisional Drug Overdose Death Counts (via a third-party extract)",
        licence="U.S. public domain",
        publisher_es=("CDC / NCHS (Centro Nacional de Estadísticas de Salud de EE. UU.), serie Provisional Drug "
                      "Overdose Death Counts del programa VSRR (mediante un extracto hecho por un tercero)"),
        licence_es="dominio público (EE. UU.)", names_en=("Provisional Drug Overdose Death Counts",),
        url="https://data.cdc.gov/d/xkb8-kh2a", retrieved="2026-03-05",  # version date: ntimbs/CNX_Mapping_Project commit a21f2fe1
        description="Official 12-month-ending counts only; LA and PA absent; suppressed months empty.",
        tags={"unit": "deaths (12 months ending)", "geography": "U.S. state", "period": "month"},
    ),
    SourceSpec(
        name="cdc_vsrr_synthetic_opioid_deaths_national", family=FAMILY,
        title="CDC VSRR provisional synthetic-opioid overdose deaths, 12-month-ending, United States, 2015 – Jul 2025",
        title_es=("Muertes por sobredosis de opioides sintéticos, cifras provisionales de los CDC (VSRR) en periodos "
                  "móviles de 12 meses, Estados Unidos, 2015 – jul. 2025"),
        files=(f"{VSRR}/overdoseDeathsData_cleaned.csv",), parse=parse_vsrr_national,
        key=("period_end_month",),
        publisher="CDC / NCHS, VSRR Provisional Drug Overdose Death Counts", licence="U.S. public domain",
        publisher_es=("CDC / NCHS (Centro Nacional de Estadísticas de Salud de EE. UU.), serie Provisional Drug "
                      "Overdose Death Counts del programa VSRR"),
        licence_es="dominio público (EE. UU.)", names_en=("Provisional Drug Overdose Death Counts",),
        url="https://data.cdc.gov/d/xkb8-kh2a", retrieved="2026-03-05",  # version date: ntimbs/CNX_Mapping_Project commit a21f2fe1
        description="National 12-month-ending series.",
        tags={"unit": "deaths (12 months ending)", "geography": "United States", "period": "month"},
    ),
    SourceSpec(
        name="cdc_wonder_drug_induced_deaths_state", family=FAMILY,
        title="CDC WONDER drug-induced deaths and crude rates by state and year, 1999–2015",
        title_es="Muertes inducidas por drogas y tasas brutas por estado de EE. UU. y año, de CDC WONDER, 1999–2015",
        files=(f"{WONDER}/drug_induced_deaths_1999-2015.csv",), parse=parse_wonder,
        key=("state_name", "year"),
        publisher="CDC WONDER, Underlying Cause of Death", licence="U.S. public domain",
        publisher_es=("CDC WONDER (sistema de consulta de datos de los CDC), base Underlying Cause of Death (causa "
                      "básica de defunción)"),
        licence_es="dominio público (EE. UU.)", names_en=("CDC WONDER", "Underlying Cause of Death"),
        url="https://wonder.cdc.gov/ucd-icd10.html", retrieved="2019-06-05",  # version date: info201a-s19/project-kathylamb commit e525c654
        description="Crude rate per 100,000; 'Unreliable' (< 20 deaths) loaded as empty with crude_rate_reliable = false.",
        tags={"unit": "deaths", "geography": "U.S. state", "period": "year"},
    ),
)
