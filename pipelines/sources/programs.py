"""Program / intervention roll-outs in the platform's input contract (see data/programs/README.md)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .base import SourceFormatError, SourceSpec, require_columns

COLUMNS = ["unit_type", "unit_code", "program", "event", "start_date", "end_date", "intensity", "source"]
CODE_PATTERN = {"state": r"\d{2}", "municipality": r"\d{5}"}


def parse_programs(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError) as error:
        raise SourceFormatError(path, f"a UTF-8 comma-separated file: {error}") from None
    require_columns(frame, COLUMNS, path)
    for i, row in enumerate(frame.itertuples(index=False), start=2):
        pattern = CODE_PATTERN.get(row.unit_type)
        if pattern is None:
            raise SourceFormatError(path, f"unit_type 'state' or 'municipality', found {row.unit_type!r}", i, "unit_type")
        if not pd.Series([row.unit_code]).str.fullmatch(pattern).iloc[0]:
            raise SourceFormatError(path, f"a {row.unit_type} code matching {pattern}, found {row.unit_code!r}", i, "unit_code")
        for column in ("program", "event", "source"):
            if not getattr(row, column).strip():
                raise SourceFormatError(path, "a non-empty value", i, column)
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
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            raise SourceFormatError(path, f"{expected}, found {frame[column].iloc[i]!r}", i + 2, column)
    return pd.DataFrame({
        "unit_type": frame["unit_type"], "unit_code": frame["unit_code"], "program": frame["program"],
        "event": frame["event"], "start_date": start.dt.date, "end_date": end.dt.date,
        "intensity": intensity, "source": frame["source"], "source_line": range(2, len(frame) + 2),
    })


SPECS = (
    SourceSpec(
        name="program_rollouts",
        family="programs",
        title="Program roll-outs (treatment timing)",
        files=("programs/joint_operations_2006_2008.csv",),
        parse=parse_programs,
        key=("program", "unit_type", "unit_code", "event"),
        publisher="Valle-Jones (military-operations.yaml, from SSP/PGR reports and press); contract file derived by us",
        licence="MIT",
        description="One row per unit reached by a program, in the platform's program input contract.",
    ),
)
