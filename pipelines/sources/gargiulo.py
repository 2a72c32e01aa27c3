"""Gargiulo, Aburto & Floridi: municipal homicides by month of occurrence, 2000–2021 (pipe-separated, gzip)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .base import SourceFormatError, SourceSpec, first_row, per_distinct, refuse_first, require_columns, to_count

COLUMNS = ["ent_mun", "year", "month", "homicides", "pop_est", "homicide_rate"]


def parse_municipal(path: Path) -> pd.DataFrame:
    try:
        # As categories: 651,288 rows but a few thousand distinct values per column (see base.per_distinct).
        frame = pd.read_csv(path, sep="|", dtype="category", keep_default_na=False, compression="infer")
    except (UnicodeDecodeError, EOFError, OSError, pd.errors.ParserError) as error:
        raise SourceFormatError(path, f"a pipe-separated (optionally gzip) text file: {error}") from None
    require_columns(frame, COLUMNS, path)
    codes = frame["ent_mun"].map(str.strip)  # per distinct value; still categorical unless two strip alike
    refuse_first(path, per_distinct(codes, lambda v: ~v.str.fullmatch(r"\d{5}")).astype(bool), "ent_mun",
                 "a 5-digit INEGI municipality code", codes)
    out = pd.DataFrame({
        "cvegeo": codes,
        "year": to_count(frame["year"], path, "year").astype("int64"),
        "month": to_count(frame["month"], path, "month").astype("int64"),
        "homicides": to_count(frame["homicides"], path, "homicides").astype("int64"),
        "pop_est": per_distinct(frame["pop_est"], lambda v: pd.to_numeric(v.replace("", None), errors="coerce")),
    })
    bad_month = ~out["month"].between(1, 12)
    if bad_month.any():
        i = first_row(bad_month)
        raise SourceFormatError(path, f"a month from 1 to 12, found {out['month'].iloc[i]}", i + 2, "month")
    out["source_line"] = range(2, len(out) + 2)
    return out


SPECS = (
    SourceSpec(
        name="gargiulo_homicides",
        family="homicides",
        title="Municipal homicides by month of occurrence, 2000–2021 (Gargiulo, Aburto & Floridi, from INEGI)",
        files=("homicides/gargiulo/mexico-muni-month-homicide-rates-2000-2021.csv.gz",),
        parse=parse_municipal,
        key=("cvegeo", "year", "month"),
        publisher="Gargiulo, Aburto & Floridi (OSF 10.17605/OSF.IO/U8DC3), from INEGI death records",
        licence="CC BY 4.0",
        description="Homicide victims by municipality and month of occurrence; pipe-separated; codes kept as text.",
    ),
)
