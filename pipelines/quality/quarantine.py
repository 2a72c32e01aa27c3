"""Row-level quarantine computed in DuckDB: which rows fail each quarantining expectation, how many, and
their rows of quarantine.rows (reason, value, source file and line), without bringing the table into pandas.

Great Expectations judges each expectation (success, counts, examples) with a capped result format; the
failing rows themselves are found here with the same rules: not null / null and between in SQL (nulls, and
NaN in float columns, are left out as GE leaves them out), in-set and (not-)match-regex per distinct value
with the pandas operations GE uses (`isin`, `str.contains`). The cost is one pass of DuckDB per expectation
plus Python work per distinct failing value, so it grows linearly with the rows and never holds the failing
rows in Python all at once (they are rendered and inserted in chunks). quarantine.rows keeps every failing
row; what a caller keeps in memory (and writes next to the outcomes) is a sample of SAMPLE_ROWS per expectation.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Callable

import duckdb
import numpy as np
import pandas as pd

from .suites import Expectation, Suite

QUARANTINE_COLUMNS = (
    "table_name varchar, suite varchar, expectation varchar, severity varchar, column_name varchar, "
    "value varchar, reason varchar, source_file varchar, source_line bigint, source_row bigint"
)
RECORD_COLUMNS = ["_rowid", "table_name", "suite", "expectation", "severity", "column_name", "value", "reason",
                  "source_file", "source_line", "source_row"]
SAMPLE_ROWS = 20          # failing rows kept per expectation in the outcomes' CSV (the counts are exact)
CHUNK_ROWS = 100_000      # failing rows rendered (in Python) at a time

CHECKED = "_quarantine_checked"     # the checked columns (and derived ones) of every row, with its rowid
FAILING = "_quarantine_failing"     # (position, expectation, _rowid): one row per failing row and expectation
FAILING_IDS = "_quarantine_ids"     # the distinct failing rowids
_BAD_VALUES = "_quarantine_bad_values"
_SOURCES = "_quarantine_sources"
_OUT = "_quarantine_out"


@dataclass
class Failing:
    counts: dict[str, int] = field(default_factory=dict)  # expectation name -> failing rows
    rows: int = 0                                         # distinct failing rows
    columns: list[str] = field(default_factory=list)      # the checked columns, as the frame GE saw them

    @staticmethod
    def drop(con: duckdb.DuckDBPyConnection) -> None:
        for table in (CHECKED, FAILING, FAILING_IDS, _BAD_VALUES, _SOURCES, _OUT):
            con.execute(f"drop table if exists {table}")


def _quote(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def failing_rows(con: duckdb.DuckDBPyConnection, suite: Suite, selected: list[str], expectations: list[Expectation],
                 lookup: Callable[[str, str], list]) -> Failing:
    """Find the rows of `suite.table` failing each of `expectations` (temporary tables FAILING, FAILING_IDS)."""
    derived = "".join(f", ({sql}) as {_quote(name)}" for name, sql in suite.derived.items())
    con.execute(f"create or replace temp table {CHECKED} as select rowid as _rowid, "
                f"{', '.join(_quote(c) for c in selected)}{derived} from {suite.table}")
    types = {name: kind.upper() for name, kind, *_ in con.execute(f"describe {CHECKED}").fetchall()}
    con.execute(f"create or replace temp table {FAILING} (position integer, expectation varchar, _rowid bigint)")
    for position, expectation in enumerate(expectations):
        predicate = _predicate(con, expectation, types, lookup)
        if predicate is None:
            continue
        sql, params = predicate
        con.execute(f"insert into {FAILING} select ?, ?, _rowid from {CHECKED} where {sql}",
                    [position, expectation.name, *params])
        con.execute(f"drop table if exists {_BAD_VALUES}")
    counts = dict(con.execute(f"select expectation, count(*) from {FAILING} group by expectation").fetchall())
    con.execute(f"create or replace temp table {FAILING_IDS} as select distinct _rowid from {FAILING}")
    rows = con.execute(f"select count(*) from {FAILING_IDS}").fetchone()[0]
    return Failing(counts, rows, [c for c in types if c != "_rowid"])


def _predicate(con, expectation: Expectation, types: dict[str, str],
               lookup: Callable[[str, str], list]) -> tuple[str, list] | None:
    """(SQL condition true on a failing row of CHECKED, its parameters), or None when the expectation cannot be
    evaluated (a missing column or lookup table: GE reports that, and no row is quarantined)."""
    column = expectation.kwargs.get("column")
    if column not in types:
        return None
    q, kind, kwargs = _quote(column), types[column], expectation.kwargs
    missing = f"({q} is null{f' or isnan({q})' if kind in ('DOUBLE', 'FLOAT', 'REAL') else ''})"
    if expectation.type == "expect_column_values_to_not_be_null":
        return missing, []
    if expectation.type == "expect_column_values_to_be_null":
        return f"not {missing}", []
    if expectation.type == "expect_column_values_to_be_between":
        bound = "cast(? as timestamp)" if kind.startswith(("DATE", "TIMESTAMP")) else "?"
        checks, params = [], []
        for key, strict, operator in (("min_value", "strict_min", ">"), ("max_value", "strict_max", "<")):
            if kwargs.get(key) is not None:
                checks.append(f"{q} {operator}{'' if kwargs.get(strict) else '='} {bound}")
                params.append(kwargs[key])
        if not checks:
            return None
        return f"not {missing} and not ({' and '.join(checks)})", params
    if expectation.type in ("expect_column_values_to_be_in_set", "expect_column_values_to_match_regex",
                            "expect_column_values_to_not_match_regex"):
        distinct = con.execute(f"select distinct {q} as v from {CHECKED} where not {missing}").df()["v"]
        if expectation.type == "expect_column_values_to_be_in_set":
            if expectation.value_set_from:
                try:
                    value_set = lookup(expectation.value_set_from["table"], expectation.value_set_from["column"])
                except LookupError:
                    return None
            else:
                value_set = kwargs.get("value_set") or []
            bad = distinct[~distinct.isin(value_set)]
        else:
            matches = distinct.astype(str).str.contains(kwargs["regex"]).to_numpy(dtype=bool)
            bad = distinct[matches] if expectation.type == "expect_column_values_to_not_match_regex" else distinct[~matches]
        if bad.empty:
            return "false", []
        con.register("bad_values_frame", pd.DataFrame({"v": bad.to_numpy()}))
        try:
            con.execute(f"create or replace temp table {_BAD_VALUES} as select v from bad_values_frame")
        finally:
            con.unregister("bad_values_frame")
        return f"{q} in (select v from {_BAD_VALUES})", []
    return None


def quarantine_records(con: duckdb.DuckDBPyConnection, suite: Suite, failing: Failing, table_columns: list[str],
                       into_table: bool = True) -> pd.DataFrame:
    """Write the failing rows to quarantine.rows (when `into_table`; the table's earlier rows there are replaced,
    in one transaction) and return a sample: the first SAMPLE_ROWS rows per expectation, in file order."""
    by_position = {e.name: e for e in suite.expectations}
    sample = []
    if into_table:
        con.execute("create schema if not exists quarantine")
        con.execute(f"create table if not exists quarantine.rows ({QUARANTINE_COLUMNS})")
        con.execute("begin transaction")
    try:
        if into_table:
            con.execute("delete from quarantine.rows where table_name = ?", [suite.table])
        if failing.rows:
            _source_lines(con, suite.table, table_columns)
            nullable = _nullable(con, failing.columns)
            # Materialised in file order, then rendered a page at a time (a page is a range of _n: DuckDB skips
            # the other row groups, so the pages cost one pass in all).
            con.execute(
                f"create or replace temp table {_OUT} as select row_number() over (order by f.position, f._rowid) as _n, "
                f"f.expectation as _expectation, s.source_file as _source_file, s.source_line as _source_line, "
                f"s.source_row as _source_row, c.* from {FAILING} f "
                f"join {CHECKED} c using (_rowid) join {_SOURCES} s using (_rowid) order by _n")
            total = con.execute(f"select count(*) from {_OUT}").fetchone()[0]
            kept: dict[str, int] = {}
            for start in range(0, total, CHUNK_ROWS):
                chunk = con.execute(f"select * from {_OUT} where _n > ? and _n <= ? order by _n",
                                    [start, start + CHUNK_ROWS]).df()
                records = _records(suite, by_position, chunk, failing.columns, nullable)
                if into_table:
                    con.register("incoming_quarantine", records.drop(columns="_rowid"))
                    con.execute("insert into quarantine.rows select * from incoming_quarantine")
                    con.unregister("incoming_quarantine")
                for name, group in records.groupby("expectation", sort=False):
                    room = SAMPLE_ROWS - kept.get(name, 0)
                    if room > 0:
                        sample.append(group.head(room))
                        kept[name] = kept.get(name, 0) + min(room, len(group))
        if into_table:
            con.execute("commit")
    except Exception:
        if into_table:
            con.execute("rollback")
        raise
    if not sample:
        return pd.DataFrame(columns=RECORD_COLUMNS)
    return pd.concat(sample, ignore_index=True)


def _source_lines(con: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> None:
    """source_file, source_line and source_row (the row's ordinal in its file, counted over every row of the
    table in file order) of the failing rows, as the temporary table _SOURCES."""
    file = "source_file" if "source_file" in columns else "null"
    line = "source_line" if "source_line" in columns else "null"
    con.execute(
        f"create or replace temp table {_SOURCES} as select * from (select rowid as _rowid, "
        f"cast({file} as varchar) as source_file, cast({line} as bigint) as source_line, "
        f"row_number() over (partition by {file} order by rowid) as source_row from {table}) "
        f"where _rowid in (select _rowid from {FAILING_IDS})")


def _nullable(con: duckdb.DuckDBPyConnection, columns: list[str]) -> set[str]:
    """The checked columns holding a NULL anywhere: DuckDB hands an integer or boolean column over as a nullable
    pandas dtype only when the rows fetched hold one, so a chunk gets the dtype the whole column had."""
    if not columns:
        return set()
    counts = con.execute(f"select {', '.join(f'count(*) - count({_quote(c)})' for c in columns)} from {CHECKED}").fetchone()
    return {c for c, n in zip(columns, counts) if n}


def _plain(value):
    return value.item() if hasattr(value, "item") else value


def _records(suite: Suite, expectations: dict[str, Expectation], chunk: pd.DataFrame, columns: list[str],
             nullable: set[str]) -> pd.DataFrame:
    """quarantine.rows records of a chunk of failing rows; a row's value renders its checked columns as the
    row of the whole checked frame would (pandas' common dtype of all its columns)."""
    frame = chunk[columns]
    widened = {c: frame[c].astype({"i": f"Int{frame[c].dtype.itemsize * 8}", "u": f"UInt{frame[c].dtype.itemsize * 8}",
                                   "b": "boolean"}[frame[c].dtype.kind])
               for c in nullable if c in frame and getattr(frame[c].dtype, "kind", "") in "iub"}
    values = (frame.assign(**widened) if widened else frame).to_numpy()
    position = {c: i for i, c in enumerate(columns)}
    names = chunk["_expectation"].to_numpy()
    rendered = np.empty(len(chunk), dtype=object)
    reason, severity, column_name = (np.empty(len(chunk), dtype=object) for _ in range(3))
    for name in pd.unique(names):
        expectation, rows = expectations[name], np.flatnonzero(names == name)
        parts = [_rendered(c, values[rows, position[c]]) for c in expectation.columns if c in position]
        rendered[rows] = functools.reduce(lambda a, b: a + "; " + b, parts) if parts else ""
        reason[rows] = expectation.description or f"{expectation.type} {json.dumps(expectation.kwargs, default=str)}"
        severity[rows] = expectation.severity
        column_name[rows] = ", ".join(expectation.columns)
    return pd.DataFrame({
        "_rowid": chunk["_rowid"].to_numpy(), "table_name": suite.table, "suite": suite.name,
        "expectation": names, "severity": severity, "column_name": column_name, "value": rendered, "reason": reason,
        "source_file": chunk["_source_file"].astype(object).where(chunk["_source_file"].notna(), None),
        "source_line": chunk["_source_line"].astype("Int64"), "source_row": chunk["_source_row"].astype("int64"),
    }, columns=RECORD_COLUMNS)


def _rendered(column: str, values: np.ndarray) -> np.ndarray:
    """'column=<repr of the value>' for each value, the repr computed once per distinct value (per distinct
    (type, value) for Python objects, so None, NaN, 1 and 1.0 keep their own reprs)."""
    if values.dtype != object:
        codes, distinct = pd.factorize(values, use_na_sentinel=False)
        return np.array([f"{column}={_plain(v)!r}" for v in distinct], dtype=object)[codes]
    seen: dict = {}
    out = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):
        try:
            key = (type(value), value)
            text = seen.get(key)
        except TypeError:  # an unhashable value (a list): rendered as it is
            key, text = None, None
        if text is None:
            text = f"{column}={_plain(value)!r}"
            if key is not None:
                seen[key] = text
        out[i] = text
    return out
