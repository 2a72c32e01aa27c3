"""CONAPO municipal population estimates and projections, 1990–2040 (one column per year)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .base import Problems, SourceFormatError, SourceSpec, read_text_csv, require_columns, to_count


def parse_population(path: Path) -> pd.DataFrame:
    frame, lines = read_text_csv(path, "a UTF-8 comma-separated file")
    years = [c for c in frame.columns if str(c).strip().isdigit()]
    require_columns(frame, ["CVE", "Entidad", "Municipio", *years], path)  # any other column is refused
    if not years:
        raise SourceFormatError(path, "one column per year (1990, 1991, ...) after CVE, Entidad, Municipio", 1)
    problems = Problems(path, lines)
    codes = frame["CVE"].str.strip()
    problems.rows(~codes.str.fullmatch(r"\d{5}"), "CVE", "a 5-digit INEGI municipality code", codes)
    for year in years:
        frame[year] = to_count(frame[year], problems, year)
    problems.check()
    long = frame.assign(CVE=codes, source_line=lines).melt(
        id_vars=["CVE", "Entidad", "Municipio", "source_line"], value_vars=years,
        var_name="year", value_name="population",
    )
    return pd.DataFrame({
        "cvegeo": long["CVE"],
        "entidad": long["Entidad"],
        "municipio": long["Municipio"],
        "year": long["year"].astype("int64"),
        "population": long["population"].astype("Int64"),
        "source_line": long["source_line"],
    })


SPECS = (
    SourceSpec(
        name="conapo_population",
        family="population",
        title="CONAPO municipal population, 1990–2040 (estimates and projections)",
        title_es="Población municipal de CONAPO, 1990–2040 (estimaciones y proyecciones)",
        files=("population/conapo/poblacion.csv",),
        parse=parse_population,
        key=("cvegeo", "year"),
        publisher="CONAPO (via lapanquecita/incidencia-delictiva)",
        licence="Mexican open government data; repository MIT",
        publisher_es="CONAPO (mediante el repositorio lapanquecita/incidencia-delictiva)",
        licence_es="datos abiertos del gobierno de México; repositorio: MIT",
        url="https://www.gob.mx/conapo", retrieved="2025-06-16",  # version date: lapanquecita/incidencia-delictiva commit f9a72feb
        description="Mid-year population by municipality and year; wide year columns unpivoted to one row per year.",
    ),
)
