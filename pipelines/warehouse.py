"""Landing files → raw tables in DuckDB. Plain functions; the Dagster assets call them.

A source's files are its *current* files in the landing catalog (pipelines/landing_catalog.py): the
stored copies of the content-addressed landing store (pipelines/landing.py), which data/ only seeds and
`bicentennial ingest` updates. Each is screened (size caps, decompression bombs) and parsed from a
scratch folder laid out like the source's folder of data/ (hard links to the stored copies). A file that cannot
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

from . import landing, landing_catalog
from .fsutil import fsync_dir, with_path
from .sources import SourceFormatError, SourceSpec
from .sources.base import LineLimit, line_limit

# A file may have at most MAX_ROWS_FACTOR times the rows its suite's row count declares (its
# `expect_table_row_count_to_be_between` min_value; its max_value, if declared, as it is), plus LINE_SLACK
# lines, before it is parsed (see `line_limit_of`).
MAX_ROWS_FACTOR = int(os.environ.get("BICENTENNIAL_MAX_ROWS_FACTOR", 2))
LINE_SLACK = 1_000

LANDING_COLUMNS = ("table_name varchar, file varchar, size_bytes bigint, sha256 varchar, rows bigint, landed_path varchar, "
                   "origin varchar")
LOAD_ERROR_COLUMNS = "table_name varchar, file varchar, line bigint, column_name varchar, expected varchar, message varchar"


@dataclass(frozen=True)
class LandingFile:
    file: str
    size_bytes: int
    sha256: str
    rows: int
    landed_path: str = ""
    origin: str = ""  # embedded (from data/) or ingested (`bicentennial ingest`)


@dataclass(frozen=True)
class LoadReport:
    table: str
    rows: int
    files: tuple[LandingFile, ...]
    notes: tuple[str, ...] = ()  # from the landing catalog (e.g. a torn last line skipped)


def parse_files(spec: SourceSpec, data_dir: Path, plan: landing_catalog.Plan | None = None,
                landing_root: Path | None = None) -> tuple[pd.DataFrame, tuple[LandingFile, ...]]:
    """Screen and parse the current files of a source (`plan`, default: its landing catalog, with the files
    of `data_dir` it has no receipt for yet stored as seeds); each row keeps the name of its file.

    Parsers read the stored copies, from a scratch folder laid out like the source's folder of data/.
    Raises SourceFormatError (naming file, line, column) for anything unreadable. Writes no receipt
    (`load_source` and `bicentennial ingest` commit the plan when the load is accepted).
    """
    landing_root = Path(landing_root) if landing_root else landing.landing_dir()
    plan = plan or landing_catalog.plan_load(spec, data_dir, landing_root)
    for path in plan.missing.values():
        raise SourceFormatError(path, f"a landing file at {path} (not found)")
    suite = _published_suite(spec.name)
    header = suite.file_header if suite else None
    frames, landed = [], []
    with landing_catalog.source_folder(plan) as folder:
        for current in plan.files:
            stored = landing_catalog.stored_copy(plan.root, current)
            landing.screen(stored)
            if header:
                landing.check_header(stored.path, header)
            path = folder.place(current.relative, stored.path)
            with line_limit(line_limit_of(suite, path)):
                frame = _parse_one(spec, path)
            if frame.empty:
                raise SourceFormatError(path, "at least one data row (the file has none)")
            frames.append(frame)
            landed.append(LandingFile(current.file, stored.size_bytes, stored.sha256, len(frame), str(stored.path),
                                      current.origin))
    if not frames:
        raise SourceFormatError(spec.name, "at least one landing file (the catalog lists none)")
    frame = pd.concat(frames, ignore_index=True)
    frame["source_file"] = _file_of_each_row(landed)
    return frame, tuple(landed)


def _parse_one(spec: SourceSpec, path: Path) -> pd.DataFrame:
    try:
        # Parsers read the hard link in the scratch folder (some find sibling reference files through
        # its folder): the bytes of the stored copy, checked against its SHA-256 just before.
        return spec.parse(path)
    except SourceFormatError:
        raise
    except (UnicodeError, ValueError, EOFError, OSError, KeyError, IndexError, TypeError) as error:
        # Parsers name the failure themselves where they can; anything they did not anticipate still
        # becomes one line naming the file rather than a traceback.
        raise SourceFormatError(path, f"a file in the published format of {spec.name} "
                                f"({type(error).__name__}: {_one_line(error)})") from None


def _file_of_each_row(landed: list[LandingFile]) -> pd.Categorical:
    """The `source_file` column: each file's name repeated over its rows (as a categorical: one string per
    file instead of one per row)."""
    names = pd.Index(pd.unique(pd.Series([f.file for f in landed])))
    codes = np.repeat(names.get_indexer([f.file for f in landed]), [f.rows for f in landed])
    return pd.Categorical.from_codes(codes, categories=names)


def _published_suite(source: str):
    """The suite expectations/raw_<source>.yml, if there is one."""
    from .quality.suites import load_suite
    from .settings import EXPECTATIONS_DIR

    path = EXPECTATIONS_DIR / f"raw_{source}.yml"
    return load_suite(path) if path.exists() else None


def published_header(source: str) -> dict | None:
    """The `file_header` of expectations/raw_<source>.yml, if the suite states one."""
    suite = _published_suite(source)
    return suite.file_header if suite else None


def line_limit_of(suite, path: Path) -> LineLimit | None:
    """How many lines the file `path` of the suite's table may have before it is parsed: its row count's
    max_value, or MAX_ROWS_FACTOR times its min_value (the rows of the release on file: a new release may grow,
    a file with every row repeated may not), plus LINE_SLACK for headers and notes. A file beyond it is refused
    after one count of its line ends, before pandas and the checks see it: their cost stays bounded. None when
    the suite declares no row count."""
    if suite is None:
        return None
    for expectation in suite.expectations:
        if expectation.type != "expect_table_row_count_to_be_between":
            continue
        kwargs = expectation.kwargs
        if kwargs.get("max_value") is not None:
            rows, how = int(kwargs["max_value"]), f"the max_value {int(kwargs['max_value']):,}"
        elif kwargs.get("min_value"):
            rows = MAX_ROWS_FACTOR * int(kwargs["min_value"])
            how = f"{MAX_ROWS_FACTOR} × the {int(kwargs['min_value']):,} rows"
        else:
            continue
        return LineLimit(suite.table, Path(path), rows + LINE_SLACK,
                         f"{how} of {expectation.name} in {suite.path.name}, + {LINE_SLACK:,}")
    return None


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())[:300]


def ensure_bookkeeping(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists raw")
    con.execute(f"create table if not exists raw._landing_files ({LANDING_COLUMNS})")
    con.execute("alter table raw._landing_files add column if not exists landed_path varchar")
    con.execute("alter table raw._landing_files add column if not exists origin varchar")
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
            "insert into raw._landing_files (table_name, file, size_bytes, sha256, rows, landed_path, origin) "
            "values (?, ?, ?, ?, ?, ?, ?)",
            [(spec.name, f.file, f.size_bytes, f.sha256, f.rows, f.landed_path, f.origin) for f in files],
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
                plan: landing_catalog.Plan | None = None, landing_root: Path | None = None,
                commit: bool = True) -> LoadReport:
    """Load a source's current files (`plan`, default: its landing catalog seeded from `data_dir`) into
    raw.<name>; a file that fails to parse is recorded, not raised (see the module docstring), and the report
    then has 0 rows and no files. With `commit`, the plan's receipts (seeds of data/ files) are appended to the
    catalog once the table is written; `bicentennial ingest` commits only after the checks accepted the load."""
    landing_root = Path(landing_root) if landing_root else landing.landing_dir()
    try:
        plan = plan or landing_catalog.plan_load(spec, data_dir, landing_root)
        frame, landed = parse_files(spec, data_dir, plan, landing_root)
    except SourceFormatError as error:
        record_load_error(con, spec, error)
        return LoadReport(spec.name, 0, ())
    report = write_raw_table(con, spec, frame, landed)
    notes = list(plan.notes)
    if commit:
        notes += landing_catalog.commit(plan)
    return LoadReport(report.table, report.rows, report.files, tuple(notes))


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
    """Atomically replace the last good warehouse with the candidate (after a successful run): its data is
    on disk before the name points at it. An OSError names the file (a failing fsync names none itself);
    until the rename succeeds the last good warehouse is untouched."""
    candidate, warehouse = Path(candidate), Path(warehouse)
    try:
        with open(candidate, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(candidate, warehouse)
    except OSError as error:
        raise with_path(error, candidate) from None
    candidate.with_name(candidate.name + ".wal").unlink(missing_ok=True)
    fsync_dir(warehouse.parent)


def swap_dir(new: Path, target: Path) -> None:
    """Replace ONE directory `target` by `new` with renames (readers see the old or the new, never half; if
    the second rename fails the old one is put back). `bicentennial run` does not use it: its results and site
    must change together, see `promote_run`."""
    old = target.with_name(f".{target.name}.previous-{os.getpid()}")
    if target.exists():
        target.rename(old)
    try:
        new.rename(target)
    except BaseException:
        if old.exists() and not target.exists():
            old.rename(target)
        raise
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)
