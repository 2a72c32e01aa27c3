"""Bounded ingest work: failing rows found in DuckDB with exact counts and a capped sample, and a file far longer
than its suite allows refused before it is parsed."""
from __future__ import annotations

import csv
import gzip
import json

import duckdb
import numpy as np
import pandas as pd
import pytest

from pipelines.quality.gate import run_suite, write_results
from pipelines.quality.quarantine import SAMPLE_ROWS
from pipelines.quality.suites import load_suite
from pipelines.sources import SourceFormatError
from pipelines.sources.base import LineLimit, line_limit, read_text_csv
from pipelines.sources.gargiulo import parse_municipal
from pipelines.warehouse import LINE_SLACK, line_limit_of


def _con_with(frame: pd.DataFrame) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema raw")
    con.register("rows", frame)
    con.execute("create table raw.t as select * from rows")
    con.unregister("rows")
    return con


def _suite(tmp_path, body: str):
    (tmp_path / "s.yml").write_text("suite: s\nasset: [raw, t]\ntable: raw.t\n" + body)
    return load_suite(tmp_path / "s.yml")


def test_quarantine_sample_is_capped_and_counts_are_exact(tmp_path):
    """1,500 rows built by hand: x is negative on rows 0..999 (1,000 rows) and `name` is missing on every 50th
    row (30 rows, 20 of them among the first 1,000). Both expectations tolerate their failures (`mostly`), so
    the 1,010 failing rows are removed and the rest flows on; the CSV holds SAMPLE_ROWS per expectation."""
    n = 1_500
    x = np.where(np.arange(n) < 1_000, -1, 5)
    name = [None if i % 50 == 0 else f"n{i}" for i in range(n)]
    frame = pd.DataFrame({"x": x, "name": name, "source_line": np.arange(2, n + 2),
                          "source_file": ["f.csv"] * n})
    con = _con_with(frame)
    suite = _suite(tmp_path, "expectations:\n"
                   "  - {name: x_non_negative, type: expect_column_values_to_be_between, severity: error,\n"
                   "     quarantine: true, kwargs: {column: x, min_value: 0, mostly: 0.3}}\n"
                   "  - {name: name_present, type: expect_column_values_to_not_be_null, severity: error,\n"
                   "     quarantine: true, kwargs: {column: name, mostly: 0.9}}\n")
    run = run_suite(con, suite)
    by_name = {o.name: o for o in run.outcomes}
    # by hand: 1,000 negative x; 30 missing names (rows 0, 50, ..., 1450), 20 of them among the first 1,000 rows
    assert by_name["x_non_negative"].unexpected_count == 1_000 and by_name["x_non_negative"].quarantined == 1_000
    assert by_name["name_present"].unexpected_count == 30 and by_name["name_present"].quarantined == 30
    assert not run.blocked
    assert run.quarantined_rows == 1_030
    assert run.removed == 1_000 + 30 - 20
    assert con.execute("select count(*) from raw.t").fetchone()[0] == n - 1_010
    assert con.execute("select expectation, count(*) from quarantine.rows group by all order by 1").fetchall() == [
        ("name_present", 30), ("x_non_negative", 1_000)]
    # the sample: the first SAMPLE_ROWS failing rows of each expectation, in file order
    assert len(run.quarantined) == 2 * SAMPLE_ROWS
    x_lines = run.quarantined.loc[run.quarantined["expectation"] == "x_non_negative", "source_line"].tolist()
    assert x_lines == list(range(2, 2 + SAMPLE_ROWS))
    name_lines = run.quarantined.loc[run.quarantined["expectation"] == "name_present", "source_line"].tolist()
    assert name_lines == [2 + 50 * k for k in range(SAMPLE_ROWS)]
    results = write_results(run, tmp_path / "results")
    record = json.loads(results.read_text())
    assert record["quarantined_rows"] == 1_030 and record["removed_rows"] == 1_010
    assert {e["name"]: e["quarantined"] for e in record["expectations"]}["x_non_negative"] == 1_000
    with open(results.with_name("s.quarantine.csv"), newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2 * SAMPLE_ROWS
    assert rows[0]["value"] == "x=-1" and rows[0]["source_line"] == "2"


def test_duplicates_found_in_duckdb_are_the_hand_computed_rows(tmp_path):
    """Every row whose key (a, b) appears more than once is quarantined; the key ('p', 1) three times, ('q', 2)
    twice, the others once: lines 2, 4, 7 and 3, 6 by hand."""
    frame = pd.DataFrame({"a": ["p", "q", "p", "r", "q", "p", "s"], "b": [1, 2, 1, 1, 2, 1, 2],
                          "source_line": [2, 3, 4, 5, 6, 7, 8], "source_file": ["f.csv"] * 7})
    con = _con_with(frame)
    suite = _suite(tmp_path, "derived: {rows_with_same_key: 'count(*) over (partition by a, b)'}\nexpectations:\n"
                   "  - {name: key_is_unique, type: expect_column_values_to_be_between, severity: error,\n"
                   "     quarantine: true, kwargs: {column: rows_with_same_key, max_value: 1}}\n")
    run = run_suite(con, suite)
    lines = sorted(r[0] for r in con.execute("select source_line from quarantine.rows").fetchall())
    assert lines == [2, 3, 4, 6, 7]
    assert run.blocked and run.removed == 0  # an error expectation without `mostly`: nothing is removed
    assert run.outcomes[-1].unexpected_count == 5


def test_rows_found_in_duckdb_agree_with_great_expectations(tmp_path):
    """For each row-level type that quarantines, the rows found in DuckDB are as many as GE counts as
    unexpected (nulls and NaN left out as GE leaves them out)."""
    frame = pd.DataFrame({
        "code": ["01001", "1001", None, "0100a", "01002", "<b>", "=1+1", "01003"],
        "value": [1.0, np.nan, -2.0, 3.0, 50.0, None, 7.5, -0.5],
        "state": ["01", "02", "33", None, "07", "99", "01", "08"],
        "source_line": range(2, 10), "source_file": ["f.csv"] * 8,
    })
    con = _con_with(frame)
    suite = _suite(tmp_path, "expectations:\n"
                   "  - {name: code_present, type: expect_column_values_to_not_be_null, severity: warn, quarantine: true,"
                   " kwargs: {column: code}}\n"
                   "  - {name: value_present, type: expect_column_values_to_not_be_null, severity: warn, quarantine: true,"
                   " kwargs: {column: value}}\n"
                   "  - {name: five_digits, type: expect_column_values_to_match_regex, severity: warn, quarantine: true,"
                   " kwargs: {column: code, regex: '^[0-9]{5}$'}}\n"
                   "  - {name: plain, type: expect_column_values_to_not_match_regex, severity: warn, quarantine: true,"
                   " kwargs: {column: code, regex: '[<>]|^[=+@-]'}}\n"
                   "  - {name: in_range, type: expect_column_values_to_be_between, severity: warn, quarantine: true,"
                   " kwargs: {column: value, min_value: 0, max_value: 10}}\n"
                   "  - {name: state_known, type: expect_column_values_to_be_in_set, severity: warn, quarantine: true,"
                   " kwargs: {column: state, value_set: ['01', '02', '07', '08']}}\n")
    run = run_suite(con, suite)
    by_name = {o.name: o for o in run.outcomes}
    # by hand: 1 missing code; 2 missing values; 4 codes not 5 digits (1001, 0100a, <b>, =1+1); 2 with markup or a
    # formula; 3 values outside 0..10 (-2, 50, -0.5); 2 unknown states (33, 99)
    expected = {"code_present": 1, "value_present": 2, "five_digits": 4, "plain": 2, "in_range": 3, "state_known": 2}
    for name, count in expected.items():
        assert by_name[name].unexpected_count == count, name
        assert by_name[name].quarantined == count, name
    assert run.quarantined_rows == sum(expected.values())


def _pipe_file(path, rows: int) -> None:
    with gzip.open(path, "wt") as handle:
        handle.write("ent_mun|year|month|homicides|pop_est|homicide_rate\n")
        for i in range(rows):
            handle.write(f"01001|2000|{i % 12 + 1}|1|1000|0.1\n")


def test_a_file_longer_than_its_suite_allows_is_refused_before_it_is_parsed(tmp_path, monkeypatch):
    """A suite declaring at least 5 rows allows 2 × 5 + LINE_SLACK lines; one line more is refused with one
    line naming the file and the rule."""
    suite = _suite(tmp_path, "expectations:\n"
                   "  - {name: row_count_as_published, type: expect_table_row_count_to_be_between, severity: error,"
                   " kwargs: {min_value: 5}}\n")
    allowed = 2 * 5 + LINE_SLACK
    good, bad = tmp_path / "good.csv.gz", tmp_path / "bad.csv.gz"
    _pipe_file(good, allowed - 1)  # + the header: exactly `allowed` lines
    _pipe_file(bad, allowed)
    limit = line_limit_of(suite, good)
    assert limit.lines == allowed
    with line_limit(limit):
        assert len(parse_municipal(good)) == allowed - 1
    with line_limit(line_limit_of(suite, bad)), pytest.raises(SourceFormatError) as refused:
        parse_municipal(bad)
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith(f"bad.csv.gz: at most {allowed:,} lines (2 × the 5 rows of row_count_as_published in s.yml")
    # another file a parser reads (a reference catalogue) is not limited by the file being loaded
    with line_limit(LineLimit("raw.t", good, 3, "a test limit")):
        frame, _ = read_text_csv(bad, "pipe-separated text", sep="|")
    assert len(frame) == allowed


def test_the_gargiulo_limit_is_twice_its_published_rows():
    """raw_gargiulo_homicides.yml declares 651,288 rows: a file may have 2 × 651,288 + 1,000 lines; the
    published file (651,289 lines) is well inside, the file repeated 3 times (1,953,865 lines) is not."""
    from pipelines.settings import EXPECTATIONS_DIR

    suite = load_suite(EXPECTATIONS_DIR / "raw_gargiulo_homicides.yml")
    assert line_limit_of(suite, "x.csv.gz").lines == 2 * 651_288 + 1_000


def test_a_long_file_says_it_is_being_parsed(tmp_path, monkeypatch, capsys):
    """Files of at least PROGRESS_LINES lines print one progress line to stderr before they are parsed."""
    from pipelines.sources import base

    monkeypatch.setattr(base, "PROGRESS_LINES", 10)
    path = tmp_path / "long.csv.gz"
    _pipe_file(path, 11)  # + the header: 12 lines
    with line_limit(LineLimit("raw.t", path, 100, "a test limit")):
        parse_municipal(path)
    assert capsys.readouterr().err == "raw.t: parsing 12 lines of long.csv.gz…\n"
