"""Landing files → raw tables in DuckDB. Plain functions; the Dagster assets call them."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from .sources import SourceSpec, sha256_of


@dataclass(frozen=True)
class LandingFile:
    file: str
    size_bytes: int
    sha256: str
    rows: int


@dataclass(frozen=True)
class LoadReport:
    table: str
    rows: int
    files: tuple[LandingFile, ...]


def parse_files(spec: SourceSpec, data_dir: Path, files: tuple[str, ...] | None = None) -> tuple[pd.DataFrame, tuple[LandingFile, ...]]:
    """Parse every landing file of a source; each row keeps the name of the file it came from."""
    frames, landed = [], []
    for relative in files or spec.files:
        path = Path(data_dir) / relative
        if not path.is_file():
            raise FileNotFoundError(f"{relative}: landing file not found under {data_dir}")
        frame = spec.parse(path)
        frame.insert(len(frame.columns), "source_file", Path(relative).name)
        frames.append(frame)
        landed.append(LandingFile(Path(relative).name, path.stat().st_size, sha256_of(path), len(frame)))
    return pd.concat(frames, ignore_index=True), tuple(landed)


def write_raw_table(con: duckdb.DuckDBPyConnection, spec: SourceSpec, frame: pd.DataFrame, files: tuple[LandingFile, ...]) -> LoadReport:
    """Replace raw.<name> and its rows in raw._landing_files in one transaction."""
    con.execute("create schema if not exists raw")
    con.execute(
        "create table if not exists raw._landing_files "
        "(table_name varchar, file varchar, size_bytes bigint, sha256 varchar, rows bigint)"
    )
    con.execute("begin transaction")
    try:
        con.register("incoming", frame)
        con.execute(f'create or replace table raw."{spec.name}" as select * from incoming')
        con.unregister("incoming")
        con.execute("delete from raw._landing_files where table_name = ?", [spec.name])
        con.executemany(
            "insert into raw._landing_files values (?, ?, ?, ?, ?)",
            [(spec.name, f.file, f.size_bytes, f.sha256, f.rows) for f in files],
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return LoadReport(spec.name, len(frame), files)


def load_source(con: duckdb.DuckDBPyConnection, spec: SourceSpec, data_dir: Path) -> LoadReport:
    frame, files = parse_files(spec, data_dir)
    return write_raw_table(con, spec, frame, files)
