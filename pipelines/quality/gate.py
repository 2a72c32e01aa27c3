"""The quality gate of one table: run its suite, quarantine failing rows, decide if data may flow on.

Used by the Dagster asset checks (pipelines/assets/quality.py) and by `bicentennial ingest`, so
both take the same path. No Dagster imports.

For a raw table:

1. If its landing file could not be parsed (raw._load_errors, written by pipelines/warehouse.py),
   the reserved check `file_parses` fails with the parser's message (file, line, column, what was
   expected) and the other expectations are reported as not evaluated.
2. Otherwise the expectations marked `quarantine: true` (row-level) and the row counts run on every
   incoming row; the rows failing the former are found in DuckDB (pipelines/quality/quarantine.py) and written to
   quarantine.rows with the reason, the source file and line (the outcomes keep the counts and a sample). The
   other expectations then run on the rest (so completeness, row counts and jumps are judged without
   the quarantined rows). If every `error` expectation holds (`mostly` lets a stated share of rows
   fail a row-level one), the quarantined rows are removed from the table and the rest flows on; if
   not, nothing is removed and the blocking check stops everything downstream.

The work is bounded: DuckDB's memory is capped while a raw table is checked, Great Expectations returns
summaries (counts and a few examples) only, the failing rows never exist as one Python list, and tables of
a million rows or more print their long steps to stderr. Files far longer than their suite allows never
get here (pipelines/warehouse.line_limit_of).
"""
from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb
import pandas as pd

from .quarantine import FAILING_IDS, failing_rows, quarantine_records
from .suites import FILE_PARSES, ExpectationOutcome, Suite, outcome_record, validate

# Tables of at least this many rows print what their long steps are doing (see `progress`).
PROGRESS_ROWS = 1_000_000
# DuckDB's memory while a raw table is checked and quarantined (it caches up to 80% of RAM otherwise).
DUCKDB_MEMORY_LIMIT = "768MB"


@dataclass
class SuiteRun:
    suite: Suite
    rows: int
    outcomes: list[ExpectationOutcome]
    quarantined: pd.DataFrame = field(default_factory=pd.DataFrame)  # a sample: SAMPLE_ROWS per expectation
    removed: int = 0
    load_error: dict | None = None
    quarantined_rows: int = 0  # rows of quarantine.rows (one per failing row and expectation), all of them

    @property
    def blocked(self) -> bool:
        return any(o.blocking_failure for o in self.outcomes)

    def to_dict(self) -> dict:
        return {
            "suite": self.suite.name, "table": self.suite.table, "rows": self.rows,
            "blocked": self.blocked, "quarantined_rows": self.quarantined_rows, "removed_rows": self.removed,
            "load_error": self.load_error,
            "expectations": [outcome_record(o) for o in self.outcomes],
        }

    def messages(self) -> list[str]:
        """One line per evaluated failure, blocking ones first."""
        failed = [o for o in self.outcomes if not o.success and o.evaluated]
        failed.sort(key=lambda o: o.severity != "error")
        return [f"{self.suite.table}: {o.message} [{o.severity.upper()}]" for o in failed]


def file_parses_outcome(suite: Suite, error: dict | None) -> ExpectationOutcome:
    if error is None:
        return ExpectationOutcome(suite.name, FILE_PARSES, "file_parses", "error", True, 0, 0.0,
                                  message=f"{FILE_PARSES}: passed")
    return ExpectationOutcome(
        suite.name, FILE_PARSES, "file_parses", "error", False, 1, None,
        examples=[{k: error.get(k) for k in ("file", "line", "column_name", "expected")}],
        message=error["message"],
    )


def _table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".", 1)
    return con.execute("select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                       [schema, name]).fetchone()[0] > 0


def _not_evaluated(suite: Suite, reason: str) -> list[ExpectationOutcome]:
    return [ExpectationOutcome(suite.name, e.name, e.type, e.severity, False, None, None,
                               message=f"{e.name}: not evaluated ({reason})", evaluated=False)
            for e in suite.expectations]


def run_suite(con: duckdb.DuckDBPyConnection, suite: Suite, apply_quarantine: bool = True) -> SuiteRun:
    """Validate `suite.table` in the warehouse behind `con` (writable when the suite quarantines)."""
    from ..warehouse import load_errors

    outcomes: list[ExpectationOutcome] = []
    if suite.is_raw:
        errors = load_errors(con, suite.table.split(".", 1)[1])
        error = errors[0] if errors else None
        outcomes.append(file_parses_outcome(suite, error))
        if error is not None:
            return SuiteRun(suite, 0, outcomes + _not_evaluated(suite, f"{error['file']} could not be loaded"),
                            load_error=error)
    if not _table_exists(con, suite.table):
        return SuiteRun(suite, 0, outcomes + _not_evaluated(suite, f"{suite.table} does not exist"))
    if not suite.expectations:
        return SuiteRun(suite, con.execute(f"select count(*) from {suite.table}").fetchone()[0], outcomes)

    quarantining = suite.is_raw and any(e.quarantine for e in suite.expectations)
    schema, name = suite.table.split(".", 1)
    columns = [r[0] for r in con.execute("select column_name from information_schema.columns where table_schema = ? "
                                         "and table_name = ? order by ordinal_position", [schema, name]).fetchall()]
    # Only the columns the expectations read; a quarantined row's file and line are looked up afterwards
    # (source_file as Python strings costs a second on the 927k-row SESNSP victims table).
    read = {c for e in suite.expectations for c in e.columns}
    selected = [c for c in columns if c in read] or columns[:1]
    extra = "".join(f", ({sql}) as {name}" for name, sql in suite.derived.items())

    def read_frame(exclude: bool = False) -> pd.DataFrame:
        # Sorted, so the first unexpected values reported as examples are the same in every run (a rebuilt
        # table's row order is not part of its contract); raw tables keep their file order (rowid, unique).
        # Derived columns (window functions) are computed after the quarantined rows (`exclude`) are left out.
        where = f" where rowid not in (select _rowid from {FAILING_IDS})" if exclude else ""
        # No row ids in the frame: GE reads a named index as ids to report and looks each failing row up in it.
        return con.execute(f"select {', '.join(_quote(c) for c in selected)}{extra} "
                           f"from {suite.table}{where} order by {'rowid' if quarantining else 'all'}").df()

    def lookup(table: str, column: str) -> list:
        if not _table_exists(con, table):
            raise LookupError(f"{table} is not in the warehouse")
        return [r[0] for r in con.execute(f"select distinct {column} from {table}").fetchall()]

    if not quarantining:
        frame = read_frame()
        outcomes += validate(suite, frame, lookup, table_columns=columns)
        return SuiteRun(suite, len(frame), outcomes)

    # 1. Row-level quarantine expectations on every incoming row (their `mostly` is judged on all of them).
    # Row counts describe the file as received (a truncated file), so they are judged here too.
    on_incoming = [e for e in suite.expectations if e.quarantine or e.type.startswith("expect_table_row_count")]
    gate = replace(suite, expectations=tuple(on_incoming))
    rest = replace(suite, expectations=tuple(e for e in suite.expectations if e not in on_incoming))
    rows = con.execute(f"select count(*) from {suite.table}").fetchone()[0]
    progress(suite, rows, f"checking {rows:,} rows…")
    with duckdb_memory(con):
        failing = failing_rows(con, suite, selected, [e for e in on_incoming if e.quarantine], lookup)
        try:
            frame = read_frame()
            first = validate(gate, frame, lookup, table_columns=columns)
            for outcome in first:
                if outcome.name in failing.counts:
                    outcome.quarantined = failing.counts[outcome.name]
            # 2. The other expectations on the rows that flow on (completeness, counts, jumps without the
            # quarantined rows).
            exclude = failing.rows > 0 and not any(o.blocking_failure for o in first)
            if exclude:
                del frame
            second = validate(rest, read_frame(exclude=True) if exclude else frame, lookup, table_columns=columns)
            frame = None
            by_name = {o.name: o for o in first + second}
            outcomes += [by_name[e.name] for e in suite.expectations]
            if failing.rows:
                progress(suite, rows, f"quarantining {failing.rows:,} rows…")
            sample = quarantine_records(con, suite, failing, columns, into_table=apply_quarantine)
            run = SuiteRun(suite, rows, outcomes, sample, quarantined_rows=sum(failing.counts.values()))
            if apply_quarantine and not run.blocked and failing.rows:
                con.execute(f"delete from {suite.table} where rowid in (select _rowid from {FAILING_IDS})")
                run.removed = failing.rows
            return run
        finally:
            failing.drop(con)


@contextmanager
def duckdb_memory(con: duckdb.DuckDBPyConnection, limit: str = DUCKDB_MEMORY_LIMIT):
    """DuckDB's memory capped at `limit` for the block (beyond it, a file-backed warehouse spills to disk);
    the connection's own setting is restored after it."""
    before = con.execute("select current_setting('memory_limit')").fetchone()[0]
    con.execute(f"set memory_limit = '{limit}'")
    try:
        yield
    finally:
        con.execute(f"set memory_limit = '{before}'")


def progress(suite: Suite, rows: int, text: str) -> None:
    """Print `<table>: <text>` to stderr (flushed) for tables of at least PROGRESS_ROWS rows: long steps say
    what they are doing; the usual tables stay silent."""
    if rows >= PROGRESS_ROWS:
        print(f"{suite.table}: {text}", file=sys.stderr, flush=True)


def _quote(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def write_results(run: SuiteRun, results_dir: Path) -> Path:
    """build/results/quality/<suite>.json (+ <suite>.quarantine.csv when rows were quarantined: the sample of
    at most SAMPLE_ROWS rows per expectation; the JSON has the counts, quarantine.rows every row)."""
    folder = Path(results_dir) / "quality"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{run.suite.name}.json"
    path.write_text(json.dumps(run.to_dict(), indent=1, sort_keys=True, default=str) + "\n")
    csv = folder / f"{run.suite.name}.quarantine.csv"
    if len(run.quarantined):
        run.quarantined.drop(columns="_rowid").to_csv(csv, index=False)
    elif csv.exists():
        csv.unlink()
    return path
