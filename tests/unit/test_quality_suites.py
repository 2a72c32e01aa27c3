"""The GE adapter: suite files load, failures are counted with examples, severities respected."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipelines.quality.suites import SuiteFileError, load_suite, load_suites, validate
from pipelines.settings import EXPECTATIONS_DIR


def test_every_suite_file_loads_and_names_an_asset():
    suites = load_suites(EXPECTATIONS_DIR)
    assert {s.name for s in suites} >= {"raw_gargiulo_homicides", "homicide_panel_mun_month"}
    for suite in suites:
        assert suite.asset and suite.expectations


def test_failures_are_counted_and_severity_kept():
    suite = load_suite(EXPECTATIONS_DIR / "raw_gargiulo_homicides.yml")
    frame = pd.DataFrame({
        "cvegeo": ["01001", "01001", "1002", "99999"], "year": [2000, 2000, 2000, 2030], "month": [1, 1, 13, 2],
        "homicides": [1, 2, -4, 0], "pop_est": [1.0, 1.0, 1.0, 1.0], "source_line": [2, 3, 4, 5], "source_file": ["f"] * 4,
    })
    outcomes = {o.name: o for o in validate(suite, frame, lambda table, column: ["01001", "1002"])}
    assert outcomes["key_is_unique"].success is False and outcomes["key_is_unique"].unexpected_count == 2
    assert outcomes["cvegeo_is_five_digits"].examples == ["1002"]
    assert outcomes["homicides_non_negative"].unexpected_count == 1
    assert outcomes["month_in_1_to_12"].examples == [13]
    assert outcomes["year_inside_coverage_2000_2021"].examples == [2030]
    assert outcomes["cvegeo_in_geography"].severity == "warn" and outcomes["cvegeo_in_geography"].examples == ["99999"]
    assert outcomes["national_monthly_total_plausible"].success is False
    assert outcomes["columns_as_published"].success is True
    assert outcomes["homicides_non_negative"].blocking_failure
    assert not outcomes["cvegeo_in_geography"].blocking_failure


def test_bad_severity_is_refused(tmp_path):
    path = tmp_path / "s.yml"
    path.write_text("suite: s\nasset: [raw, x]\ntable: raw.x\nexpectations:\n  - {name: a, type: expect_column_to_exist, kwargs: {column: a}, severity: fatal}\n")
    with pytest.raises(SuiteFileError, match="severity"):
        load_suite(path)
