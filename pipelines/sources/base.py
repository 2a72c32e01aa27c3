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
    values = pd.to_numeric(series, errors="coerce")
    bad = values.isna() & series.notna() & (series.astype(str).str.strip() != "")
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise SourceFormatError(file, f"expected a whole number, found {series.iloc[i]!r}", first_line + i, column)
    negative = values < 0
    if negative.any():
        i = int(negative.to_numpy().nonzero()[0][0])
        raise SourceFormatError(file, f"expected a non-negative count, found {series.iloc[i]!r}", first_line + i, column)
    return values
