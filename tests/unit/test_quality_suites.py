"""The GE adapter and the quality gate: suite files load, failures are counted with examples,
severities respected, failing rows quarantined with file and line, the rest flows on only when
every ERROR expectation holds. Expected numbers are counted by hand from the small tables below."""
from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from pipelines.quality.gate import run_suite
from pipelines.quality.suites import SuiteFileError, load_suite, load_suites
from pipelines.settings import EXPECTATIONS_DIR
from pipelines.sources import SOURCES


def test_every_raw_source_and_every_mart_has_a_suite():
    suites = load_suites(EXPECTATIONS_DIR)
    tables = {s.table for s in suites}
    assert {f"raw.{spec.name}" for spec in SOURCES} <= tables
    from pathlib import Path

    marts = {f"marts.{p.stem}" for p in (Path(EXPECTATIONS_DIR).parent / "dbt_project/models/marts").glob("*.sql")}
    assert marts <= tables
    for suite in suites:
        assert suite.asset and suite.expectations
        assert {e.severity for e in suite.expectations} <= {"error", "warn"}


@pytest.fixture()
def gargiulo_con():
    """raw.gargiulo_homicides with 6 hand-made rows (2 municipalities x 3 months) and a 1-row geography."""
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute("create table raw.municipalities as select '01001' as cvegeo")
    rows = pd.DataFrame({
        "cvegeo": ["01001", "01001", "01001", "01002", "01002", "01002"],
        "year": [2000, 2000, 2000, 2000, 2000, 2000], "month": [1, 2, 3, 1, 2, 3],
        "homicides": [1, 2, 3, 0, 90, 0], "pop_est": [1e4] * 6, "source_line": [2, 3, 4, 5, 6, 7],
        "source_file": ["g.csv.gz"] * 6,
    })
    con.register("rows", rows)
    con.execute("create table raw.gargiulo_homicides as select * from rows")
    yield con
    con.close()


def _outcomes(run):
    return {o.name: o for o in run.outcomes}


def test_clean_small_table_counts_and_warnings(gargiulo_con):
    run = run_suite(gargiulo_con, load_suite(EXPECTATIONS_DIR / "raw_gargiulo_homicides.yml"))
    o = _outcomes(run)
    assert o["file_parses"].success and o["key_is_unique"].success and o["complete_months"].success
    # 01002 is not in the one-row geography: its 3 rows, a warning.
    assert (o["cvegeo_in_geography"].success, o["cvegeo_in_geography"].unexpected_count) == (False, 3)
    assert o["cvegeo_in_geography"].examples[:1] == ["01002"]
    # 0 -> 90 -> 0 in 01002: two month-over-month changes of 90 > the stated bound of 50.
    assert o["month_over_month_jump"].unexpected_count == 2 and o["month_over_month_jump"].severity == "warn"
    # 6 rows < 651,288 and 3 months < 264 per municipality: blocking.
    assert not o["row_count_as_published"].success and o["row_count_as_published"].observed == 6
    assert o["every_municipality_has_every_month"].observed == 3
    assert run.blocked and run.removed == 0


def test_quarantine_moves_failing_rows_with_file_and_line_and_the_rest_flows_on(gargiulo_con, tmp_path):
    """A suite whose ERROR expectations tolerate a share of bad rows (`mostly`): the bad rows go to
    quarantine.rows with reason, file and line; the rest stays in the raw table."""
    (tmp_path / "s.yml").write_text(
        "suite: s\nasset: [raw, gargiulo_homicides]\ntable: raw.gargiulo_homicides\n"
        "derived: {rows_with_same_key: 'count(*) over (partition by cvegeo, year, month)'}\n"
        "expectations:\n"
        "  - {name: year_inside_coverage, type: expect_column_values_to_be_between, severity: error, quarantine: true,\n"
        "     kwargs: {column: year, min_value: 2000, max_value: 2021, mostly: 0.5}}\n"
        "  - {name: key_is_unique, type: expect_column_values_to_be_between, severity: error, quarantine: true,\n"
        "     kwargs: {column: rows_with_same_key, max_value: 1}}\n")
    gargiulo_con.execute("update raw.gargiulo_homicides set year = 2031 where source_line = 6")
    run = run_suite(gargiulo_con, load_suite(tmp_path / "s.yml"))
    assert not run.blocked  # 1 of 6 rows outside coverage: 83% >= mostly 50%
    assert run.removed == 1
    q = gargiulo_con.execute("select expectation, severity, source_file, source_line, value from quarantine.rows").fetchall()
    assert q == [("year_inside_coverage", "error", "g.csv.gz", 6, "year=2031")]
    assert gargiulo_con.execute("select count(*), sum(homicides) from raw.gargiulo_homicides").fetchone() == (5, 1 + 2 + 3 + 0 + 0)


def test_blocking_failure_keeps_rows_and_records_them(gargiulo_con):
    """Duplicate keys break an ERROR expectation without tolerance: both rows are recorded in
    quarantine, nothing is removed, the suite blocks."""
    gargiulo_con.execute("insert into raw.gargiulo_homicides select * replace (99 as source_line) "
                         "from raw.gargiulo_homicides where source_line = 3")
    run = run_suite(gargiulo_con, load_suite(EXPECTATIONS_DIR / "raw_gargiulo_homicides.yml"))
    o = _outcomes(run)
    assert not o["key_is_unique"].success and o["key_is_unique"].unexpected_count == 2 and o["key_is_unique"].quarantined == 2
    assert run.blocked and run.removed == 0
    lines = sorted(r[0] for r in gargiulo_con.execute(
        "select source_line from quarantine.rows where expectation = 'key_is_unique'").fetchall())
    assert lines == [3, 99]
    assert gargiulo_con.execute("select count(*) from raw.gargiulo_homicides").fetchone()[0] == 7


def test_load_error_is_the_file_parses_check(gargiulo_con):
    from pipelines.sources import SourceFormatError, source_by_name
    from pipelines.warehouse import record_load_error

    record_load_error(gargiulo_con, source_by_name("gargiulo_homicides"),
                      SourceFormatError("x/g.csv.gz", "expected a whole number, found 'tres'", 7, "homicides"))
    run = run_suite(gargiulo_con, load_suite(EXPECTATIONS_DIR / "raw_gargiulo_homicides.yml"))
    first = run.outcomes[0]
    assert (first.name, first.success, first.message) == (
        "file_parses", False, "g.csv.gz, line 7, column 'homicides': expected a whole number, found 'tres'")
    assert first.examples == [{"file": "g.csv.gz", "line": 7, "column_name": "homicides",
                               "expected": "expected a whole number, found 'tres'"}]
    assert all(not o.evaluated for o in run.outcomes[1:]) and run.blocked
    # The last good rows stay (a UI-launched run writes the live warehouse); nothing downstream is built on them.
    assert gargiulo_con.execute("select count(*) from raw.gargiulo_homicides").fetchone()[0] == 6
    # Not-evaluated expectations add no noise: the one message is the load error.
    assert run.messages() == ["raw.gargiulo_homicides: g.csv.gz, line 7, column 'homicides': expected a whole number, found 'tres' [ERROR]"]


def test_suite_file_errors(tmp_path):
    path = tmp_path / "s.yml"
    path.write_text("suite: s\nasset: [raw, x]\ntable: raw.x\nexpectations:\n  - {name: a, type: expect_column_to_exist, kwargs: {column: a}, severity: fatal}\n")
    with pytest.raises(SuiteFileError, match="severity"):
        load_suite(path)
    path.write_text("suite: s\nasset: [marts, x]\ntable: marts.x\nexpectations:\n"
                    "  - {name: a, type: expect_column_values_to_not_be_null, kwargs: {column: a}, severity: error, quarantine: true}\n")
    with pytest.raises(SuiteFileError, match="only raw tables quarantine"):
        load_suite(path)
    path.write_text("suite: s\nasset: [raw, x]\ntable: raw.x\nexpectations:\n"
                    "  - {name: a, type: expect_table_row_count_to_be_between, kwargs: {min_value: 1}, severity: error, quarantine: true}\n")
    with pytest.raises(SuiteFileError, match="not row-level"):
        load_suite(path)


def test_grouped_and_widened_checks_count_as_by_hand(tmp_path):
    """Expectations validated together in one GE suite, on DuckDB's int32, datetime64[us] and nullable
    Int64 columns (widened so GE compares whole columns) and on a year 9999 that nanoseconds cannot hold: each
    outcome is the hand count, with the failing values reported as they are stored."""
    from pipelines.quality.suites import validate

    frame = pd.DataFrame({
        "n": pd.array([5, -1, 7, -3, 2], dtype="int32"),
        "day": pd.Series(pd.to_datetime(["2020-01-01", "2019-12-31", "2020-06-01", "2021-01-01", None])).astype("datetime64[us]"),
        "far": pd.Series(["2020-01-01", "9999-12-31"], dtype="datetime64[us]").reindex(range(5)),
        "change": pd.array([None, 90, -90, 3, None], dtype="Int64"),
    })
    (tmp_path / "s.yml").write_text(
        "suite: s\nasset: [marts, x]\ntable: marts.x\nexpectations:\n"
        "  - {name: n_non_negative, type: expect_column_values_to_be_between, severity: warn, kwargs: {column: n, min_value: 0}}\n"
        "  - {name: n_is_int32, type: expect_column_values_to_be_in_type_list, severity: error, kwargs: {column: n, type_list: [int32]}}\n"
        "  - {name: day_in_2020, type: expect_column_values_to_be_between, severity: warn,\n"
        "     kwargs: {column: day, min_value: '2020-01-01', max_value: '2020-12-31'}}\n"
        "  - {name: day_present, type: expect_column_values_to_not_be_null, severity: warn, kwargs: {column: day}}\n"
        "  - {name: far_before_2100, type: expect_column_values_to_be_between, severity: warn,\n"
        "     kwargs: {column: far, max_value: '2100-01-01'}}\n"
        "  - {name: change_within_50, type: expect_column_values_to_be_between, severity: warn,\n"
        "     kwargs: {column: change, min_value: -50, max_value: 50}}\n"
        "  - {name: five_rows, type: expect_table_row_count_to_be_between, severity: error, kwargs: {min_value: 5, max_value: 5}}\n")
    o = {x.name: x for x in validate(load_suite(tmp_path / "s.yml"), frame)}
    assert (o["n_non_negative"].unexpected_count, o["n_non_negative"].examples) == (2, [-1, -3])
    assert o["n_is_int32"].success  # the type check sees the column's own dtype
    assert (o["day_in_2020"].unexpected_count, o["day_in_2020"].examples) == (2, ["2019-12-31 00:00:00", "2021-01-01 00:00:00"])
    assert (o["day_present"].success, o["day_present"].unexpected_count) == (False, 1)
    assert (o["far_before_2100"].unexpected_count, o["far_before_2100"].examples) == (1, ["9999-12-31 00:00:00"])
    assert (o["change_within_50"].unexpected_count, o["change_within_50"].unexpected_percent) == (2, 2 / 3 * 100)
    assert o["change_within_50"].examples == [90, -90] and all(type(v) is int for v in o["change_within_50"].examples)
    assert o["change_within_50"].message == "change_within_50: 2 unexpected value(s) in change; e.g. [90, -90]"
    assert o["five_rows"].success and o["five_rows"].observed == 5
