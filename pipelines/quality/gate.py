"""The quality gate of one table: run its suite, quarantine failing rows, decide if data may flow on.

Used by the Dagster asset checks (pipelines/assets/quality.py) and by `bicentennial ingest`, so
both take the same path. No Dagster imports.

For a raw table:

1. If its landing file could not be parsed (raw._load_errors, written by pipelines/warehouse.py),
   the reserved check `file_parses` fails with the parser's message (file, line, column, what was
   expected) and the other expectations are reported as not evaluated.
2. Otherwise the expectations marked `quarantine: true` (row-level) and the row counts run on every
   incoming row; the rows failing the former are written to quarantine.rows with the reason, the source file and line. The
   other expectations then run on the rest (so completeness, row counts and jumps are judged without
   the quarantined rows). If every `error` expectation holds (`mostly` lets a stated share of rows
   fail a row-level one), the quarantined rows are removed from the table and the rest flows on; if
   not, nothing is removed and the blocking check stops everything downstream.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd

from .suites import FILE_PARSES, ExpectationOutcome, Suite, outcome_record, validate

QUARANTINE_COLUMNS = (
    "table_name varchar, suite varchar, expectation varchar, severity varchar, column_name varchar, "
    "value varchar, reason varchar, source_file varchar, source_line bigint, source_row bigint"
)


@dataclass
class SuiteRun:
    suite: Suite
    rows: int
    outcomes: list[ExpectationOutcome]
    quarantined: pd.DataFrame = field(default_factory=pd.DataFrame)
    removed: int = 0
    load_error: dict | None = None

    @property
    def blocked(self) -> bool:
        return any(o.blocking_failure for o in self.outcomes)

    def to_dict(self) -> dict:
        return {
            "suite": self.suite.name, "table": self.suite.table, "rows": self.rows,
            "blocked": self.blocked, "quarantined_rows": int(len(self.quarantined)), "removed_rows": self.removed,
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
    row_id = "rowid as _rowid, " if quarantining else ""

    def read_frame(excluded: pd.DataFrame | None = None) -> pd.DataFrame:
        # Sorted, so the first unexpected values reported as examples are the same in every run (a rebuilt
        # table's row order is not part of its contract); raw tables keep their file order (rowid, unique).
        # Derived columns (window functions) are computed after `excluded` rows are left out.
        where = ""
        if excluded is not None:
            con.register("quarantined_ids", excluded)
            where = " where rowid not in (select _rowid from quarantined_ids)"
        try:
            data = con.execute(f"select {row_id}{', '.join(_quote(c) for c in selected)}{extra} "
                               f"from {suite.table}{where} order by {'rowid' if quarantining else 'all'}").df()
        finally:
            if excluded is not None:
                con.unregister("quarantined_ids")
        return data.set_index("_rowid") if quarantining else data

    def lookup(table: str, column: str) -> list:
        if not _table_exists(con, table):
            raise LookupError(f"{table} is not in the warehouse")
        return [r[0] for r in con.execute(f"select distinct {column} from {table}").fetchall()]

    frame = read_frame()
    if not quarantining:
        outcomes += validate(suite, frame, lookup, table_columns=columns)
        return SuiteRun(suite, len(frame), outcomes)

    # 1. Row-level quarantine expectations on every incoming row (their `mostly` is judged on all of them).
    # Row counts describe the file as received (a truncated file), so they are judged here too.
    on_incoming = [e for e in suite.expectations if e.quarantine or e.type.startswith("expect_table_row_count")]
    gate = replace(suite, expectations=tuple(on_incoming))
    rest = replace(suite, expectations=tuple(e for e in suite.expectations if e not in on_incoming))
    first = validate(gate, frame, lookup, table_columns=columns)
    quarantined = quarantine_rows(suite, frame, first, lambda ids: _source_lines(con, suite.table, columns, ids))
    ids = pd.DataFrame({"_rowid": sorted(set(quarantined["_rowid"]))}, dtype="int64")
    # 2. The other expectations on the rows that flow on (completeness, counts, jumps without the quarantined rows).
    gate_blocked = any(o.blocking_failure for o in first)
    remaining = read_frame(ids) if len(ids) and not gate_blocked else frame
    second = validate(rest, remaining, lookup, table_columns=columns)
    by_name = {o.name: o for o in first + second}
    outcomes += [by_name[e.name] for e in suite.expectations]
    run = SuiteRun(suite, len(frame), outcomes, quarantined)
    if apply_quarantine:
        write_quarantine(con, suite, quarantined)
        if not run.blocked and len(ids):
            con.register("quarantined_ids", ids)
            con.execute(f"delete from {suite.table} where rowid in (select _rowid from quarantined_ids)")
            con.unregister("quarantined_ids")
            run.removed = len(ids)
    return run


def _plain(value):
    return value.item() if hasattr(value, "item") else value


def _quote(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _source_lines(con: duckdb.DuckDBPyConnection, table: str, columns: list[str], ids: list) -> pd.DataFrame:
    """source_file, source_line and source_row (the row's ordinal in its file, counted over every row of
    the table in file order) of the rows `ids`, indexed by rowid."""
    file = "source_file" if "source_file" in columns else "null"
    line = "source_line" if "source_line" in columns else "null"
    con.register("quarantined_ids", pd.DataFrame({"_rowid": ids}, dtype="int64"))
    try:
        return con.execute(
            f"select * from (select rowid as _rowid, {file} as source_file, {line} as source_line, "
            f"row_number() over (partition by {file} order by rowid) as source_row from {table}) "
            f"where _rowid in (select _rowid from quarantined_ids)").df().set_index("_rowid")
    finally:
        con.unregister("quarantined_ids")


def quarantine_rows(suite: Suite, frame: pd.DataFrame, outcomes: list[ExpectationOutcome],
                    source_lines: Callable[[list], pd.DataFrame]) -> pd.DataFrame:
    """One row per (failing row, quarantining expectation), with the row's source file and line
    (`source_lines(rowids)`, see _source_lines)."""
    by_name = {e.name: e for e in suite.expectations}
    failing = []
    for outcome in outcomes:
        expectation = by_name.get(outcome.name)
        if expectation is None or not expectation.quarantine or outcome.success and not outcome.unexpected_index:
            continue
        for index in outcome.unexpected_index:
            row_id = index if not isinstance(index, dict) else index.get("_rowid", index.get("index"))
            if row_id in frame.index:
                failing.append((expectation, row_id))
        outcome.quarantined = len(outcome.unexpected_index)
    sources = source_lines(sorted({row_id for _, row_id in failing})) if failing else None
    records = []
    for expectation, row_id in failing:
        row, source = frame.loc[row_id], sources.loc[row_id]
        value = "; ".join(f"{c}={_plain(row[c])!r}" for c in expectation.columns if c in frame.columns)
        records.append({
            "_rowid": row_id, "table_name": suite.table, "suite": suite.name, "expectation": expectation.name,
            "severity": expectation.severity, "column_name": ", ".join(expectation.columns), "value": value,
            "reason": expectation.description or f"{expectation.type} {json.dumps(expectation.kwargs, default=str)}",
            "source_file": source["source_file"] if pd.notna(source["source_file"]) else None,
            "source_line": int(source["source_line"]) if pd.notna(source["source_line"]) else None,
            "source_row": int(source["source_row"]),
        })
    return pd.DataFrame.from_records(records, columns=[
        "_rowid", "table_name", "suite", "expectation", "severity", "column_name", "value", "reason",
        "source_file", "source_line", "source_row"])


def write_quarantine(con: duckdb.DuckDBPyConnection, suite: Suite, rows: pd.DataFrame) -> None:
    con.execute("create schema if not exists quarantine")
    con.execute(f"create table if not exists quarantine.rows ({QUARANTINE_COLUMNS})")
    con.execute("begin transaction")
    try:
        con.execute("delete from quarantine.rows where table_name = ?", [suite.table])
        if len(rows):
            con.register("incoming_quarantine", rows.drop(columns="_rowid").astype({"source_line": "Int64"}))
            con.execute("insert into quarantine.rows select * from incoming_quarantine")
            con.unregister("incoming_quarantine")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def write_results(run: SuiteRun, results_dir: Path) -> Path:
    """build/results/quality/<suite>.json (+ <suite>.quarantine.csv when rows were quarantined)."""
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
