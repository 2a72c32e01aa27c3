"""The contract every source parser follows: a published file in, a tidy DataFrame out.

A parser reads the file exactly as the agency publishes it (encoding, separators,
wide month columns, compression) and returns a long DataFrame whose code columns
are text. Anything unexpected raises SourceFormatError naming the file, the line,
the column and what was expected, so the message reaches the user as one line.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd


class SourceFormatError(ValueError):
    """A landing file does not have the published format it claims to have."""

    def __init__(self, file: str | Path, expected: str, line: int | None = None, column: str | None = None):
        self.file = str(file)
        self.line = line
        self.column = column
        self.expected = expected
        where = Path(self.file).name
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column {column!r}"
        super().__init__(f"{where}: {expected}")


@dataclass(frozen=True)
class SourceSpec:
    """One raw table: which landing files feed it and how they are parsed.

    `files` are paths relative to the data directory. `parse` turns one file into
    rows; the rows of all files are concatenated into raw.<name>.
    """

    name: str
    family: str
    title: str
    files: tuple[str, ...]
    parse: Callable[[Path], pd.DataFrame]
    key: tuple[str, ...] = ()
    publisher: str = ""
    licence: str = ""
    description: str = ""
    tags: dict[str, str] = field(default_factory=dict)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_text_csv(path: Path, expected: str, **options) -> pd.DataFrame:
    """Every field as text, exactly as written (an empty cell is ""); a file pandas cannot decode or
    split is refused as "<expected>: <pandas' reason>"."""
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, **options)
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise SourceFormatError(path, f"{expected}: {exc}") from None


def per_distinct(series: pd.Series, function: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """`function` (element-wise, vectorised) applied to a column; for a categorical column it runs once per
    distinct value and is spread back to the rows, which is what makes the million-row files with a few
    dozen labels per column cheap to check. The result is a plain (non-categorical) Series."""
    if not isinstance(series.dtype, pd.CategoricalDtype):
        return function(series)
    # The files are read with keep_default_na=False, so there are no missing cells (code -1).
    distinct = function(pd.Series(series.cat.categories, dtype=object)).to_numpy()
    return pd.Series(distinct[series.cat.codes.to_numpy()], index=series.index)


def first_row(mask: pd.Series) -> int:
    """Position (0-based) of the first true value of a boolean mask that has one."""
    return int(np.flatnonzero(mask.to_numpy())[0])


def refuse_first(file: Path, bad: pd.Series, column: str | None, expected: str, values: pd.Series | None = None,
                 first_line: int | None = 2) -> None:
    """Raise SourceFormatError for the first row where `bad` is true, if any: "<expected>, found <value>"
    (just "<expected>" without `values`), at line `first_line` + its position (no line if None)."""
    if not bad.any():
        return
    i = first_row(bad)
    message = expected if values is None else f"{expected}, found {values.iloc[i]!r}"
    raise SourceFormatError(file, message, None if first_line is None else first_line + i, column)


def require_columns(frame: pd.DataFrame, expected: list[str], file: Path, line: int = 1) -> None:
    """Raise a SourceFormatError naming the first missing column of the header."""
    missing = [c for c in expected if c not in frame.columns]
    if missing:
        raise SourceFormatError(
            file, f"missing column {missing[0]!r}; expected header {expected}, found {list(frame.columns)}",
            line=line, column=missing[0],
        )


def to_count(series: pd.Series, file: Path, column: str, first_line: int = 2) -> pd.Series:
    """Parse a column of non-negative whole counts, naming the first bad line."""
    values = per_distinct(series, lambda v: pd.to_numeric(v, errors="coerce"))
    blank = per_distinct(series, lambda v: v.isna() | (v.astype(str).str.strip() == "")).astype(bool)
    refuse_first(file, values.isna() & ~blank, column, "expected a whole number", series, first_line)
    refuse_first(file, values < 0, column, "expected a non-negative count", series, first_line)
    return values
