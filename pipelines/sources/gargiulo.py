"""Gargiulo, Aburto & Floridi: municipal homicides by month of occurrence, 2000–2021 (pipe-separated, gzip)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .base import Problems, SourceSpec, per_distinct, read_text_csv, require_columns, to_count

COLUMNS = ["ent_mun", "year", "month", "homicides", "pop_est", "homicide_rate"]


def parse_municipal(path: Path) -> pd.DataFrame:
    # As categories: 651,288 rows but a few thousand distinct values per column (see base.per_distinct).
    frame, lines = read_text_csv(path, "a pipe-separated (optionally gzip) text file", sep="|", dtype="category")
    require_columns(frame, COLUMNS, path)
    problems = Problems(path, lines)
    codes = frame["ent_mun"].map(str.strip)  # per distinct value; still categorical unless two strip alike
    problems.rows(per_distinct(codes, lambda v: ~v.str.fullmatch(r"\d{5}")).astype(bool), "ent_mun",
                  "a 5-digit INEGI municipality code", codes)
    year = to_count(frame["year"], problems, "year", allow_blank=False)
    month = to_count(frame["month"], problems, "month", allow_blank=False)
    homicides = to_count(frame["homicides"], problems, "homicides", allow_blank=False)
    problems.rows(month.notna() & ~month.between(1, 12), "month", "a month from 1 to 12", frame["month"])
    problems.check()
    return pd.DataFrame({
        "cvegeo": codes,
        "year": year.astype("int64"),
        "month": month.astype("int64"),
        "homicides": homicides.astype("int64"),
        "pop_est": per_distinct(frame["pop_est"], lambda v: pd.to_numeric(v.replace("", None), errors="coerce")),
        "source_line": lines,
    })


SPECS = (
    SourceSpec(
        name="gargiulo_homicides",
        family="homicides",
        title="Municipal homicides by month of occurrence, 2000–2021 (Gargiulo, Aburto & Floridi, from INEGI)",
        title_es=("Homicidios por municipio y mes de ocurrencia, 2000–2021 (Gargiulo, Aburto y Floridi, a partir de "
                  "datos del INEGI)"),
        files=("homicides/gargiulo/mexico-muni-month-homicide-rates-2000-2021.csv.gz",),
        parse=parse_municipal,
        key=("cvegeo", "year", "month"),
        publisher="Gargiulo, Aburto & Floridi (OSF 10.17605/OSF.IO/U8DC3), from INEGI death records",
        licence="CC BY 4.0",
        publisher_es=("Gargiulo, Aburto y Floridi (OSF 10.17605/OSF.IO/U8DC3), a partir de los registros de "
                      "defunciones del INEGI"),
        names_en=("CC BY 4.0",),
        url="https://doi.org/10.17605/OSF.IO/U8DC3", retrieved="2023-02-21",  # version date: thegargiulian/mexico-homicide-rates commit 4ac920ac
        description="Homicide victims by municipality and month of occurrence; pipe-separated; codes kept as text.",
    ),
)
