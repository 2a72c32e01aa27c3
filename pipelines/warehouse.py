"""Landing files → raw tables in DuckDB. Plain functions; the Dagster assets call them.

Every file is first put in the content-addressed landing store (pipelines/landing.py) and
screened (size caps, decompression bombs); the parser reads the stored copy. A file that cannot
be parsed does not stop the code here with a traceback: the error (file, line, column, what was
expected) is recorded in raw._load_errors and the table is left as it was, so the table's blocking
`file_parses` check reports it in the Dagster UI, the run log and the CLI, and nothing downstream
runs on it.
"""
from __future__ import annotations

import fcntl
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from . import landing
from .sources import SourceFormatError, SourceSpec

LANDING_COLUMNS = "table_name varchar, file varchar, size_bytes bigint, sha256 varchar, rows bigint, landed_path varchar"
LOAD_ERROR_COLUMNS = "table_name varchar, file varchar, line bigint, column_name varchar, expected varchar, message varchar"


@dataclass(frozen=True)
class LandingFile:
    file: str
    size_bytes: int
    sha256: str
    rows: int
    landed_path: str = ""


@dataclass(frozen=True)
class LoadReport:
    table: str
    rows: int
    files: tuple[LandingFile, ...]


def parse_files(spec: SourceSpec, data_dir: Path, files: tuple[str, ...] | None = None,
                landing_root: Path | None = None) -> tuple[pd.DataFrame, tuple[LandingFile, ...]]:
    """Store, screen and parse every landing file of a source; each row keeps the name of its file.

    `files` are relative to `data_dir` (or absolute: `bicentennial ingest` passes a user's file).
    Raises SourceFormatError (naming file, line, column) for anything unreadable.
    """
    landing_root = Path(landing_root) if landing_root else landing.landing_dir()
    header = published_header(spec.name)
    frames, landed = [], []
    for relative in files or spec.files:
        path = Path(data_dir) / relative
        if not path.is_file():
            raise SourceFormatError(path, f"a landing file at {path} (not found)")
        stored = landing.store(path, landing_root)
        landing.screen(stored)
        if header:
            landing.check_header(stored.path, header)
        try:
            # Parsers read the file in place (some find sibling reference files through its folder);
            # the hash check afterwards proves they read exactly the stored bytes.
            frame = spec.parse(path)
        except SourceFormatError:
            raise
        except (UnicodeError, ValueError, EOFError, OSError, KeyError, IndexError, TypeError) as error:
            # Parsers name the failure themselves where they can; anything they did not anticipate still
            # becomes one line naming the file rather than a traceback.
            raise SourceFormatError(path, f"a file in the published format of {spec.name} "
                                    f"({type(error).__name__}: {_one_line(error)})") from None
        if landing.sha256_and_size(path)[0] != stored.sha256:
            raise SourceFormatError(path, "a file that does not change while it is being loaded (it changed; run again)")
        if frame.empty:
            raise SourceFormatError(path, "at least one data row (the file has none)")
        frames.append(frame)
        landed.append(LandingFile(stored.name, stored.size_bytes, stored.sha256, len(frame), str(stored.path)))
    frame = pd.concat(frames, ignore_index=True)
    frame["source_file"] = _file_of_each_row(landed)
    return frame, tuple(landed)


def _file_of_each_row(landed: list[LandingFile]) -> pd.Categorical:
    """The `source_file` column: each file's name repeated over its rows (as a categorical: one string per
    file instead of one per row)."""
    names = pd.Index(pd.unique(pd.Series([f.file for f in landed])))
    codes = np.repeat(names.get_indexer([f.file for f in landed]), [f.rows for f in landed])
    return pd.Categorical.from_codes(codes, categories=names)


def published_header(source: str) -> dict | None:
    """The `file_header` of expectations/raw_<source>.yml, if the suite states one."""
    from .quality.suites import load_suite
    from .settings import EXPECTATIONS_DIR

    path = EXPECTATIONS_DIR / f"raw_{source}.yml"
    return load_suite(path).file_header if path.exists() else None


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())[:300]


def ensure_bookkeeping(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists raw")
    con.execute(f"create table if not exists raw._landing_files ({LANDING_COLUMNS})")
    con.execute("alter table raw._landing_files add column if not exists landed_path varchar")
    con.execute(f"create table if not exists raw._load_errors ({LOAD_ERROR_COLUMNS})")


def write_raw_table(con: duckdb.DuckDBPyConnection, spec: SourceSpec, frame: pd.DataFrame, files: tuple[LandingFile, ...]) -> LoadReport:
    """Replace raw.<name> and its rows in raw._landing_files in one transaction."""
    ensure_bookkeeping(con)
    con.execute("begin transaction")
    try:
        con.register("incoming", frame)
        con.execute(f'create or replace table raw."{spec.name}" as select {_as_stored(frame)} from incoming')
        con.unregister("incoming")
        con.execute("delete from raw._landing_files where table_name = ?", [spec.name])
        con.execute("delete from raw._load_errors where table_name = ?", [spec.name])
        con.executemany(
            "insert into raw._landing_files (table_name, file, size_bytes, sha256, rows, landed_path) values (?, ?, ?, ?, ?, ?)",
            [(spec.name, f.file, f.size_bytes, f.sha256, f.rows, f.landed_path) for f in files],
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return LoadReport(spec.name, len(frame), files)


def _as_stored(frame: pd.DataFrame) -> str:
    """The select list that stores `frame` as it is: parsers keep repetitive text columns as pandas
    categoricals (fast to check and to hand over), which DuckDB reads as ENUM; they are stored as VARCHAR,
    like the text columns they stand for."""
    def is_text_categorical(dtype) -> bool:
        return isinstance(dtype, pd.CategoricalDtype) and dtype.categories.dtype == object

    return ", ".join(f'cast("{c}" as varchar) as "{c}"' if is_text_categorical(frame[c].dtype) else f'"{c}"'
                     for c in frame.columns)


def record_load_error(con: duckdb.DuckDBPyConnection, spec: SourceSpec, error: SourceFormatError) -> None:
    """Record why raw.<name> could not be loaded. The table and its raw._landing_files rows are left as
    they were (a run started from the Dagster UI writes the live warehouse: a bad file must not erase the
    last good data); the blocking `file_parses` check stops anything from being built on them."""
    ensure_bookkeeping(con)
    con.execute("begin transaction")
    try:
        con.execute("delete from raw._load_errors where table_name = ?", [spec.name])
        con.execute("insert into raw._load_errors values (?, ?, ?, ?, ?, ?)",
                    [spec.name, Path(error.file).name, error.line, error.column, error.expected, str(error)])
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def load_errors(con: duckdb.DuckDBPyConnection, table_name: str) -> list[dict]:
    exists = con.execute("select count(*) from information_schema.tables where table_schema = 'raw' "
                         "and table_name = '_load_errors'").fetchone()[0]
    if not exists:
        return []
    cursor = con.execute("select * from raw._load_errors where table_name = ?", [table_name])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def load_source(con: duckdb.DuckDBPyConnection, spec: SourceSpec, data_dir: Path,
                files: tuple[str, ...] | None = None, landing_root: Path | None = None) -> LoadReport:
    """Load a source's files into raw.<name>; a file that fails to parse is recorded, not raised
    (see the module docstring), and the report then has 0 rows and no files."""
    try:
        frame, landed = parse_files(spec, data_dir, files, landing_root)
    except SourceFormatError as error:
        record_load_error(con, spec, error)
        return LoadReport(spec.name, 0, ())
    return write_raw_table(con, spec, frame, landed)


# ----------------------------------------------------------------------------------------------
# One run at a time per warehouse; a run's outputs replace the last good ones only when it succeeded.


@contextmanager
def run_lock(warehouse: Path, on_wait=None):
    """An exclusive lock on `<warehouse>.lock` held for a whole run or ingest: a second run started
    meanwhile waits (it calls `on_wait` once) instead of failing on DuckDB's file lock."""
    warehouse = Path(warehouse)
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with open(warehouse.with_name(warehouse.name + ".lock"), "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait:
                on_wait()
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def candidate_path(warehouse: Path) -> Path:
    """Where a run builds its warehouse: next to the last good one (same file system, so the final
    rename is atomic). Runs on one warehouse hold `run_lock`, so one name serves them all; a fixed name
    also keeps dbt's partial parsing valid from run to run (dbt re-parses the whole project, ≈5 s, when
    the warehouse path in its profile changes)."""
    warehouse = Path(warehouse)
    return warehouse.with_name(f".{warehouse.stem}.building{warehouse.suffix}")


def fresh_candidate(warehouse: Path) -> Path:
    """`candidate_path(warehouse)` with whatever an interrupted run left there removed, its write-ahead log
    included (DuckDB would replay a stale .wal into the new file, since the name is the same every run)."""
    candidate = candidate_path(warehouse)
    for leftover in (candidate, candidate.with_name(candidate.name + ".wal")):
        leftover.unlink(missing_ok=True)
    return candidate


def promote(candidate: Path, warehouse: Path) -> None:
    """Atomically replace the last good warehouse with the candidate (after a successful run)."""
    with open(candidate, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(candidate, warehouse)
    for leftover in (candidate.with_name(candidate.name + ".wal"),):
        if leftover.exists():
            leftover.unlink()


def swap_dir(new: Path, target: Path) -> None:
    """Replace directory `target` by `new` with renames (readers see the old or the new, never half)."""
    old = target.with_name(f".{target.name}.previous-{os.getpid()}")
    if target.exists():
        target.rename(old)
    new.rename(target)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)
