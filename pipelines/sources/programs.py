"""Program / intervention roll-outs in the platform's input contract (see data/programs/README.md)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .base import Problems, SourceSpec, read_text_csv, require_columns

COLUMNS = ["unit_type", "unit_code", "program", "event", "start_date", "end_date", "intensity", "source"]
CODE_PATTERN = {"state": r"\d{2}", "municipality": r"\d{5}"}


def parse_programs(path: Path) -> pd.DataFrame:
    frame, lines = read_text_csv(path, "a UTF-8 comma-separated file")
    require_columns(frame, COLUMNS, path)
    problems = Problems(path, lines)
    problems.rows(~frame["unit_type"].isin(list(CODE_PATTERN)), "unit_type", "unit_type 'state' or 'municipality'",
                  frame["unit_type"])
    for unit_type, pattern in CODE_PATTERN.items():
        problems.rows(frame["unit_type"].eq(unit_type) & ~frame["unit_code"].str.fullmatch(pattern), "unit_code",
                      f"a {unit_type} code matching {pattern}", frame["unit_code"])
    for column in ("program", "event", "source"):
        problems.rows(frame[column].str.strip() == "", column, "a non-empty value")
    start = pd.to_datetime(frame["start_date"], format="%Y-%m-%d", errors="coerce")
    end = pd.to_datetime(frame["end_date"].replace("", None), format="%Y-%m-%d", errors="coerce")
    intensity = pd.to_numeric(frame["intensity"].replace("", None), errors="coerce")
    checks = [
        (start.isna(), "start_date", "an ISO date YYYY-MM-DD"),
        (end.isna() & (frame["end_date"] != ""), "end_date", "an ISO date YYYY-MM-DD or empty"),
        (end.notna() & (end < start), "end_date", "an end date on or after start_date"),
        ((intensity.isna() & (frame["intensity"] != "")) | (intensity < 0), "intensity", "a non-negative number or empty"),
    ]
    for bad, column, expected in checks:
        problems.rows(bad, column, expected, frame[column])
    problems.check()
    return pd.DataFrame({
        "unit_type": frame["unit_type"], "unit_code": frame["unit_code"], "program": frame["program"],
        "event": frame["event"], "start_date": start.dt.date, "end_date": end.dt.date,
        "intensity": intensity, "source": frame["source"], "source_line": lines,
    })


SPECS = (
    SourceSpec(
        name="program_rollouts",
        family="programs",
        title="Program roll-outs (treatment timing)",
        title_es="Arranque de los programas (momento del tratamiento)",
        files=("programs/joint_operations_2006_2008.csv",),
        parse=parse_programs,
        key=("program", "unit_type", "unit_code", "event"),
        publisher="Valle-Jones (military-operations.yaml, from SSP/PGR reports and press); contract file derived by us",
        licence="MIT",
        publisher_es=("Valle-Jones (military-operations.yaml, a partir de informes de la SSP y la PGR y de notas de "
                      "prensa); archivo en el formato de entrada de la plataforma, elaborado por este proyecto"),
        url="https://github.com/diegovalle/Homicide-MX-Drug-War", retrieved="2010-11-27",  # version date: diegovalle/Homicide-MX-Drug-War commit 6b1a5257
        description="One row per unit reached by a program, in the platform's program input contract.",
    ),
)
