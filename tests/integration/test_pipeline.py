"""The whole Dagster graph on the embedded real data, checked against independent computations."""
from __future__ import annotations

import gzip
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import DATA_DIR, REPO_ROOT
from tests.integration.twfe_reference import joint_operations_twfe

pytestmark = pytest.mark.integration

GARGIULO = DATA_DIR / "homicides/gargiulo/mexico-muni-month-homicide-rates-2000-2021.csv.gz"


def test_raw_and_mart_row_counts_equal_the_source_files(con):
    with gzip.open(GARGIULO, "rt") as handle:
        data_lines = sum(1 for _ in handle) - 1  # minus the header
    assert con.execute("select count(*) from raw.gargiulo_homicides").fetchone()[0] == data_lines == 651_288
    assert con.execute("select count(*) from marts.homicide_panel_mun_month").fetchone()[0] == data_lines
    features = json.loads((DATA_DIR / "geo/mx_mapas/municipios_mxmaps.geojson").read_text())["features"]
    assert con.execute("select count(*) from marts.dim_municipalities").fetchone()[0] == len(features) == 2469
    conapo_rows = len(pd.read_csv(DATA_DIR / "population/conapo/poblacion.csv", dtype=str))
    years = 2040 - 1990 + 1
    assert con.execute("select count(*) from raw.conapo_population").fetchone()[0] == conapo_rows * years


def test_codes_are_text_with_leading_zeros(con):
    assert con.execute("select data_type from information_schema.columns where table_schema='raw' "
                       "and table_name='gargiulo_homicides' and column_name='cvegeo'").fetchone()[0] == "VARCHAR"
    assert con.execute("select count(*) from raw.gargiulo_homicides where cvegeo like '0%'").fetchone()[0] > 0


def test_landing_files_recorded_with_sha256(con):
    import hashlib

    row = con.execute("select size_bytes, sha256, rows from raw._landing_files where table_name='gargiulo_homicides'").fetchone()
    assert row == (GARGIULO.stat().st_size, hashlib.sha256(GARGIULO.read_bytes()).hexdigest(), 651_288)


def test_national_totals_match_the_source_documentation(con):
    # data/homicides/gargiulo/SOURCE.md: national annual totals 2019 = 35,188; 2020 = 35,555; 2021 = 33,626.
    totals = dict(con.execute("select year, sum(homicides) from marts.homicide_panel_mun_month "
                              "where year >= 2019 group by year").fetchall())
    assert totals == {2019: 35_188, 2020: 35_555, 2021: 33_626}


def test_check_results(pipeline_build):
    raw = json.loads((pipeline_build / "results/quality/raw_gargiulo_homicides.json").read_text())
    outcomes = {e["name"]: e for e in raw["expectations"]}
    assert all(e["success"] for e in raw["expectations"] if e["severity"] == "error")
    # San Felipe (02007) was created after 2020 and has no polygon: 264 months × 1 municipality, a warning.
    geography = outcomes["cvegeo_in_geography"]
    assert (geography["success"], geography["severity"], geography["unexpected_count"]) == (False, "warn", 264)
    assert set(geography["examples"]) == {"02007"}
    mart = json.loads((pipeline_build / "results/quality/homicide_panel_mun_month.json").read_text())
    assert all(e["success"] for e in mart["expectations"] if e["severity"] == "error")
    assert mart["rows"] == 651_288


def test_twfe_equals_an_independent_demeaning(pipeline_build, con):
    result = json.loads((pipeline_build / "results/evaluations/joint_operations_homicides/result.json").read_text())
    twfe = result["results"]["twfe"]
    reference = joint_operations_twfe(con)
    assert reference["small_cohorts"] == [c["cohort"] for c in result["sample"]["excluded_cohorts"]]
    assert len(reference["small_cohorts"]) > 0
    assert twfe["att"]["estimate"] == pytest.approx(reference["estimate"], rel=1e-8, abs=1e-10)
    assert twfe["att"]["std_error"] == pytest.approx(reference["std_error"], rel=1e-8)
    panel = reference["panel"]
    assert (twfe["n_obs"], twfe["n_units"], twfe["n_clusters"]) == (len(panel), panel["cvegeo"].nunique(),
                                                                    panel["cve_ent"].nunique())
    # 10 states were reached by an operation (see data/programs/joint_operations_2006_2008.csv); their municipalities,
    # less those of the excluded cohorts:
    assert result["sample"]["treated_units"] == panel.loc[panel["treatment_start_period"].notna(), "cvegeo"].nunique()


def test_event_study_outputs(pipeline_build):
    folder = pipeline_build / "results/evaluations/joint_operations_homicides"
    table = pd.read_csv(folder / "event_study.csv")
    assert table["event_time"].tolist() == list(range(-12, 25))
    assert table.loc[table["event_time"] == -1, "estimate"].item() == 0.0
    assert (folder / "event_study.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_map_change_matches_a_direct_computation(pipeline_build, con):
    change = pd.read_csv(pipeline_build / "results/maps/joint_operations_homicides/change.csv", dtype={"CVEGEO": str})
    juarez = change.set_index("CVEGEO").loc["08037"]
    rows = con.execute(
        "select period, homicides, population from marts.homicide_panel_mun_month where cvegeo='08037'"
    ).df()
    rows["period"] = pd.to_datetime(rows["period"])
    base = rows[(rows.period >= "2004-01-01") & (rows.period <= "2006-11-30")]
    post = rows[(rows.period >= "2008-01-01") & (rows.period <= "2009-12-31")]
    expected_base = base.homicides.sum() / base.population.mean() * 1e5 / (35 / 12)
    expected_post = post.homicides.sum() / post.population.mean() * 1e5 / (24 / 12)
    assert juarez["baseline_rate"] == pytest.approx(expected_base, rel=1e-12)
    assert juarez["change"] == pytest.approx(expected_post - expected_base, rel=1e-12)
    assert (pipeline_build / "results/maps/joint_operations_homicides/change_map.png").stat().st_size > 10_000


def three_digits(x: float) -> str:
    """The site's rule for estimates, worked here without the site's formatter: 3 significant digits, thousands
    grouped (1.3321 → "1.33", 767.37 → "767", 0.036524 → "0.0365")."""
    decimals = max(2 - math.floor(math.log10(abs(x))), 0)
    return f"{round(x, decimals):,.{decimals}f}"


def test_site_pages_exist_and_carry_the_numbers(pipeline_build):
    # Versioned, bilingual layout: site/<version>/<lang>/ (versions.json lists the versions, newest first).
    version = json.loads((pipeline_build / "site" / "versions.json").read_text())[0]["version"]
    site = pipeline_build / "site" / version / "en"
    index = (site / "index.html").read_text()
    for page in ("goal-1.html", "goal-2.html", "goal-3.html"):
        assert f'href="{page}"' in index
        assert (site / page).exists()
    goal1 = (site / "goal-1.html").read_text()
    result = json.loads((pipeline_build / "results/evaluations/joint_operations_homicides/result.json").read_text())
    att = result["results"]["twfe"]["att"]
    assert three_digits(att["estimate"]) in goal1 and three_digits(att["std_error"]) in goal1
    headline = result["headline"]   # the Callaway–Sant'Anna headline, with its standard error in the text
    assert three_digits(headline["estimate"]) in goal1 and f"standard error {three_digits(headline['std_error'])}" in goal1
    images = re.findall(r'<img[^>]+src="([^"]+)"', goal1)
    assert any("event_study" in i for i in images) and any("change_map" in i for i in images)
    for image in images:
        assert (site / image).exists()
    # Goal II is evaluated now (issue 7): its page carries the CBP comparative ITS headline
    cbp = json.loads((pipeline_build / "results/evaluations/cbp_fentanyl_comparative_its/result.json").read_text())
    assert three_digits(cbp["headline"]["estimate"]) in (site / "goal-2.html").read_text()
    for page in site.glob("*.html"):  # links to publishers' pages (Data page) are fine; nothing is loaded from outside
        assert not re.search(r'(\bsrc=|<link\b[^>]*\bhref=)"https?://', page.read_text()), f"{page.name} loads from the internet"


def test_dbt_unit_tests_pass(pipeline_build, tmp_path):
    """Every dbt model's unit test (dbt_project/models/**/_*__models.yml), run against a copy of the built
    warehouse (dbt needs a writable file, and DuckDB allows one writer)."""
    import shutil

    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(pipeline_build / "warehouse.duckdb", warehouse)
    env = {**os.environ, "BICENTENNIAL_WAREHOUSE": str(warehouse),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    dbt = str(Path(sys.executable).with_name("dbt"))
    completed = subprocess.run(
        [dbt, "test", "--select", "test_type:unit", "--profiles-dir", ".", "--target-path", str(tmp_path / "dbt-target")],
        cwd=REPO_ROOT / "dbt_project", env=env, capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode == 0, completed.stdout[-4000:]
    passed = re.search(r"PASS=(\d+)", completed.stdout)
    from tests.unit.test_dbt_project import declared_unit_tests

    assert passed and int(passed.group(1)) == len(declared_unit_tests()), completed.stdout[-2000:]
