"""SSPC daily preliminary homicide report ('fuentes abiertas'), municipality × day, Jan 2019 – Mar 2021.

One CSV per month as transcribed from the daily PDFs by PADeCI/CIDE
(``data/sspc/sspc_fuentes_abiertas_homicidios_mun_diario_2019_2021/<YYYY>/<NN>_<month>_<YYYY>.csv``).
The clean-up described in the folder's SOURCE.md is applied file by file:

1. rows whose ``Fecha`` is outside the month named by the file are dropped (the July 2020
   file is cumulative Jan–Sep 2020; keeping only July rows means no month is counted twice);
2. exact duplicate rows are dropped (August 2020 is listed twice; 1–3 stray duplicates elsewhere);
3. ``dd/mm/yy`` dates (43 rows of March 2019) are read as day/month/year;
4. names with an embedded newline (PDF line wrap) get a space instead.

Each returned row carries ``month_file``, ``rows_dropped_outside_month`` / ``duplicates_dropped`` of its
file so the clean-up is visible downstream. Municipality names are matched to INEGI codes
within state (``match_status``; unmatched rows keep an empty ``cvegeo``).
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .base import Problems, SourceFormatError, SourceSpec, read_text_csv, require_columns, whole_numbers
from .census import find_data_root, load_catalogue, match_municipalities

FAMILY = "sspc"
FOLDER = "sspc/sspc_fuentes_abiertas_homicidios_mun_diario_2019_2021"
MONTH_FILES = {1: "january", 2: "february", 3: "march", 4: "april", 5: "may", 6: "june", 7: "july",
               8: "august", 9: "september", 10: "october", 11: "november", 12: "december"}
PERIODS = [(y, m) for y in (2019, 2020) for m in range(1, 13)] + [(2021, m) for m in (1, 2, 3)]
COLUMNS = ["Entidad", "Municipio", "Homicidios", "Hombre", "Mujer", "No Identificado", "Fecha"]
_NAME = re.compile(r"^(\d{2})_([a-z]+)_(\d{4})\.csv$")


def _counts(df: pd.DataFrame, problems: Problems, column: str, allow_empty: bool) -> pd.Series:
    num, bad = whole_numbers(df[column], allow_blank=allow_empty)
    problems.rows(bad, column, "expected a non-negative whole count", df[column])
    return num.round().astype("Int64")


def parse_daily(path: Path) -> pd.DataFrame:
    path = Path(path)
    m = _NAME.match(path.name)
    if not m or MONTH_FILES.get(int(m.group(1))) != m.group(2):
        raise SourceFormatError(path, "expected a file name like 07_july_2020.csv (month number, English name, year)")
    year, month = int(m.group(3)), int(m.group(1))
    df, lines = read_text_csv(path, "expected a UTF-8 CSV")
    require_columns(df, COLUMNS, path)
    problems = Problems(path, lines)
    raw_rows = len(df)
    df = df[COLUMNS].copy()
    for col in ("Entidad", "Municipio"):
        df[col] = df[col].str.replace(r"\s*\n\s*", " ", regex=True).str.strip()
    text = df["Fecha"].str.strip()
    iso = pd.to_datetime(text.where(text.str.fullmatch(r"\d{4}-\d{2}-\d{2}")), format="%Y-%m-%d", errors="coerce")
    dmy = pd.to_datetime(text.where(text.str.fullmatch(r"\d{2}/\d{2}/\d{2}")), format="%d/%m/%y", errors="coerce")
    date = iso.fillna(dmy)
    problems.rows(date.isna(), "Fecha", "expected a date YYYY-MM-DD or dd/mm/yy", text)
    homicides = _counts(df, problems, "Homicidios", allow_empty=False)
    male = _counts(df, problems, "Hombre", allow_empty=True)
    female = _counts(df, problems, "Mujer", allow_empty=True)
    unident = _counts(df, problems, "No Identificado", allow_empty=True)
    problems.check()
    df["Fecha"] = date.dt.strftime("%Y-%m-%d")
    out = pd.DataFrame({
        "report_date": df["Fecha"], "year": date.dt.year.astype("int64"), "month": date.dt.month.astype("int64"),
        "state_name": df["Entidad"], "municipality_name": df["Municipio"],
        "homicides": homicides.astype("int64"), "male": male, "female": female, "sex_unidentified": unident,
    })
    inside = (out["year"] == year) & (out["month"] == month)
    if not inside.any():
        raise SourceFormatError(path, f"expected rows dated {year}-{month:02d}; the file has none", None, "Fecha")
    outside = int((~inside).sum())
    out = out[inside]
    before = len(out)
    out = out.drop_duplicates()
    duplicates = before - len(out)
    # A few municipality-days have two entries with different counts (separate lines of the
    # PDF, e.g. Tlajomulco 2019-10-26); both are kept and numbered, and they add up.
    out["entry_number"] = out.groupby(["report_date", "state_name", "municipality_name"]).cumcount() + 1
    sexes = out[["male", "female", "sex_unidentified"]]
    out["sex_breakdown_complete"] = sexes.notna().all(axis=1) & (sexes.fillna(0).sum(axis=1) == out["homicides"])
    catalogue = load_catalogue(find_data_root(path))
    out = match_municipalities(out, "state_name", "municipality_name", catalogue)
    out["month_file"] = f"{year}/{path.name}"
    out["file_rows"] = raw_rows
    out["rows_dropped_outside_month"] = outside
    out["duplicates_dropped"] = duplicates
    cols = ["report_date", "year", "month", "cve_ent", "state_name", "municipality_name", "entry_number", "cvegeo",
            "match_status", "homicides", "male", "female", "sex_unidentified", "sex_breakdown_complete", "month_file", "file_rows",
            "rows_dropped_outside_month", "duplicates_dropped"]
    return out[cols].reset_index(drop=True)


SPECS: tuple[SourceSpec, ...] = (
    SourceSpec(
        name="sspc_daily_homicides_municipal", family=FAMILY,
        title="SSPC daily preliminary homicide victims by municipality ('fuentes abiertas'), Jan 2019 – Mar 2021",
        title_es=("Víctimas de homicidio doloso por municipio, conteo diario preliminar de la SSPC (“fuentes "
                  "abiertas”), ene. 2019 – mar. 2021"),
        files=tuple(f"{FOLDER}/{y}/{m:02d}_{MONTH_FILES[m]}_{y}.csv" for y, m in PERIODS),
        parse=parse_daily, key=("report_date", "state_name", "municipality_name", "entry_number"),
        publisher="SSPC / Gabinete de Seguridad daily report, transcribed by PADeCI (CIDE)", licence="none stated",
        publisher_es="Informe diario de la SSPC y el Gabinete de Seguridad, transcrito por PADeCI (CIDE)",
        licence_es="no indicada",
        url="https://github.com/PADeCI/homicides-mx-data", retrieved="2021-04-06",  # version date: PADeCI/homicides-mx-data commit be2a0d89
        description="Preliminary open-source counts; cumulative/duplicated months removed; names matched to INEGI codes.",
        tags={"unit": "victims (preliminary)", "geography": "municipality", "period": "day"},
    ),
)
