"""CONAPO municipal population estimates and projections, 1990–2040 (one column per year)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .base import SourceFormatError, SourceSpec, require_columns, to_count


def parse_population(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError) as error:
        raise SourceFormatError(path, f"a UTF-8 comma-separated file: {error}") from None
    require_columns(frame, ["CVE", "Entidad", "Municipio"], path)
    years = [c for c in frame.columns if c.strip().isdigit()]
    if not years:
        raise SourceFormatError(path, "one column per year (1990, 1991, ...) after CVE, Entidad, Municipio", 1)
    codes = frame["CVE"].str.strip()
    bad = ~codes.str.fullmatch(r"\d{5}")
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise SourceFormatError(path, f"a 5-digit INEGI municipality code, found {codes.iloc[i]!r}", i + 2, "CVE")
    for year in years:
        to_count(frame[year], path, year)
    long = frame.assign(CVE=codes, source_line=range(2, len(frame) + 2)).melt(
        id_vars=["CVE", "Entidad", "Municipio", "source_line"], value_vars=years,
        var_name="year", value_name="population",
    )
    return pd.DataFrame({
        "cvegeo": long["CVE"],
        "entidad": long["Entidad"],
        "municipio": long["Municipio"],
        "year": long["year"].astype("int64"),
        "population": pd.to_numeric(long["population"].replace("", None)).astype("Int64"),
        "source_line": long["source_line"],
    })


SPECS = (
    SourceSpec(
        name="conapo_population",
        family="population",
        title="CONAPO municipal population, 1990–2040 (estimates and projections)",
        files=("population/conapo/poblacion.csv",),
        parse=parse_population,
        key=("cvegeo", "year"),
        publisher="CONAPO (via lapanquecita/incidencia-delictiva)",
        licence="Mexican open government data; repository MIT",
        description="Mid-year population by municipality and year; wide year columns unpivoted to one row per year.",
    ),
)
