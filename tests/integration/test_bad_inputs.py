"""The malformed-input corpus (tests/bad_inputs/corpus.py, built from the real files): every file is
refused with its exact failure mode, kept as received in the landing store, and leaves the last good
warehouse and site byte-identical; the user sees one line, never a traceback.

Each case goes through `bicentennial ingest`'s path (parse, checks, quarantine) against a copy of the
session's good build; a few representative cases run through the CLI, and one through the whole
Dagster pipeline (`bicentennial run`)."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.commands.ingest import ingest_file
from tests.bad_inputs.corpus import CASES, LVS, LVS_SOURCE, edit
from tests.conftest import DATA_DIR, REPO_ROOT

pytestmark = pytest.mark.integration


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): file_digest(p) for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def last_good(pipeline_build, tmp_path_factory) -> Path:
    """A copy of the session's good build (warehouse + site): the 'previous good run'."""
    base = tmp_path_factory.mktemp("last-good")
    shutil.copy(pipeline_build / "warehouse.duckdb", base / "warehouse.duckdb")
    shutil.copytree(pipeline_build / "site", base / "site")
    return base


def test_the_corpus_is_large_and_varied():
    assert len(CASES) >= 30
    assert len({c.name for c in CASES}) == len(CASES)
    assert {c.mode[0] for c in CASES} == {"parse", "check"}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_is_refused_and_nothing_is_lost(case, last_good, tmp_path):
    warehouse, site = last_good / "warehouse.duckdb", last_good / "site"
    before = (file_digest(warehouse), tree_digest(site))
    data = case.build()
    incoming = tmp_path / case.filename
    incoming.write_bytes(data)

    result = ingest_file(case.source, incoming, warehouse, last_good, DATA_DIR)

    assert not result.loaded
    if case.mode[0] == "parse":
        _, line, column, text = case.mode
        error = result.load_error
        assert error is not None, result.lines
        assert (error["line"], error["column_name"]) == (line, column)
        assert error["message"].startswith(case.filename) and text in error["message"]
        assert result.blocking_checks == ["file_parses"]
        assert result.lines == [error["message"]]
    else:
        assert result.load_error is None
        assert set(result.blocking_checks) == case.mode[1]
        assert result.lines and all(line.startswith(f"{case.source}: raw.{case.source}: ") for line in result.lines)
    assert not any("Traceback" in line or "\n" in line for line in result.lines)
    # A refused file's copy is removed from the landing store (issue #15); `--keep-refused` keeps it exactly as
    # received, under its SHA-256.
    stored = last_good / "landing" / hashlib.sha256(data).hexdigest() / case.filename
    assert result.refused_copy == "removed" and not stored.exists()
    if case is CASES[0]:
        kept = ingest_file(case.source, incoming, warehouse, last_good, DATA_DIR, keep_refused=True)
        assert not kept.loaded and kept.refused_copy == "kept" and stored.read_bytes() == data
    # The previous good warehouse and site are byte-identical.
    assert (file_digest(warehouse), tree_digest(site)) == before
    # Outcomes are on file for review (the Data quality page reads the same records).
    outcome = json.loads(result.results.read_text())
    assert outcome["blocked"] is True


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BICENTENNIAL_")}
    return subprocess.run([sys.executable, "-m", "pipelines.cli", *args], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=900, env={**clean, **(env or {})})


@pytest.mark.parametrize("name, expected", [
    ("two_problems_on_two_lines", "violencia_homicida_estatal_mensual_2024_2025_corregido.csv: 2 problems: line 10, column "
                                  "'Total': expected a non-negative whole count, found '-5'; line 20, column 'Mes': expected "
                                  "a Spanish month name, found 'Enerro'"),
    ("html_in_name", "municipality_name_is_plain_text: 12 unexpected value(s) in municipality_name; e.g. ['<script>alert(1)</script>', "),
    ("gzip_bomb", "mexico-muni-month-homicide-rates-2000-2021.csv.gz: a gzip file compressed at most 120:1"),
])
def test_cli_prints_one_line_per_failure_and_no_traceback(name, expected, last_good, tmp_path):
    case = next(c for c in CASES if c.name == name)
    build = tmp_path / "build"
    build.mkdir()
    shutil.copy(last_good / "warehouse.duckdb", build / "warehouse.duckdb")
    before = file_digest(build / "warehouse.duckdb")
    incoming = tmp_path / case.filename
    incoming.write_bytes(case.build())
    done = _cli("ingest", case.source, str(incoming), "--build-dir", str(build))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    errors = [line for line in done.stderr.splitlines() if expected in line]
    assert len(errors) == 1, done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith(f"bicentennial ingest: {case.filename} REFUSED")
    assert file_digest(build / "warehouse.duckdb") == before


def test_a_good_file_is_ingested_and_a_few_bad_rows_are_quarantined(last_good, tmp_path):
    """The other side of the gate: the real Security Cabinet arrests file with 2 announcements dated in the
    future loads; those 2 rows go to quarantine.rows with file and row (the date check tolerates 1% of rows,
    stated in its suite), the other 504 are in raw.gabinete_arrests."""
    import duckdb
    import pandas as pd

    source = DATA_DIR / "enforcement/gabinete_seguridad_detenidos_2024_2025/gabinete_detenidos_final.csv"
    frame = pd.read_csv(source, dtype=str, keep_default_na=False)
    assert len(frame) == 506
    frame.loc[[3, 4], "conference_date"] = "2031-01-05"
    incoming = tmp_path / source.name
    frame.to_csv(incoming, index=False)
    build = tmp_path / "build"
    build.mkdir()
    shutil.copy(last_good / "warehouse.duckdb", build / "warehouse.duckdb")

    result = ingest_file("gabinete_arrests", incoming, build / "warehouse.duckdb", build, DATA_DIR)

    assert result.loaded, result.lines
    assert result.suite_run.removed == 2
    with duckdb.connect(str(build / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from raw.gabinete_arrests").fetchone()[0] == 504
        assert con.execute("select count(*) from raw.gabinete_arrests where conference_date = '2031-01-05'").fetchone()[0] == 0
        quarantined = con.execute("select expectation, severity, source_file, source_row, value from quarantine.rows "
                                  "where table_name = 'raw.gabinete_arrests' order by source_row").fetchall()
        sha = con.execute("select sha256 from raw._landing_files where table_name = 'gabinete_arrests'").fetchone()[0]
    # Parsed rows 4 and 5 (0-based 3 and 4) of the file.
    assert quarantined == [("conference_date_inside_coverage", "error", source.name, n, "conference_date_as_date=Timestamp('2031-01-05 00:00:00')")
                           for n in (4, 5)]
    assert sha == hashlib.sha256(incoming.read_bytes()).hexdigest()


@pytest.mark.slow
def test_whole_pipeline_with_a_bad_file_keeps_the_last_good_run(pipeline_build, tmp_path):
    """`bicentennial run` on data with one malformed file: one clear line at the CLI (from the asset check's
    metadata), the same message in the Dagster run log and in the check outcome; exit 1; the previous
    warehouse and site byte-identical; the bad file kept in the landing store."""
    build = tmp_path / "build"
    build.mkdir()
    shutil.copy(pipeline_build / "warehouse.duckdb", build / "warehouse.duckdb")
    shutil.copytree(pipeline_build / "site", build / "site")
    before = (file_digest(build / "warehouse.duckdb"), tree_digest(build / "site"))
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    bad = edit(LVS, 10, 8, "-5")
    (data / LVS.relative_to(DATA_DIR)).write_bytes(bad)

    done = _cli("run", "--build-dir", str(build), "--data-dir", str(data))

    assert done.returncode == 1, done.stdout[-2000:]
    message = f"{LVS.name}, line 10, column 'Total': expected a non-negative whole count, found '-5'"
    lines = [line for line in done.stderr.splitlines() if message in line]
    assert lines == [f"  check raw/{LVS_SOURCE}:file_parses not passed [ERROR]: {message}"]
    assert "Traceback" not in done.stdout + done.stderr and 'File "' not in done.stderr
    assert "Could not set lock" not in done.stdout + done.stderr
    assert message in (build / "run.log").read_text()
    outcome = json.loads((build / "failed-run/results/quality" / f"raw_{LVS_SOURCE}.json").read_text())
    assert outcome["expectations"][0]["name"] == "file_parses" and outcome["expectations"][0]["message"] == message
    assert (file_digest(build / "warehouse.duckdb"), tree_digest(build / "site")) == before
    assert (build / "landing" / hashlib.sha256(bad).hexdigest() / LVS.name).read_bytes() == bad


def test_data_quality_page_and_check_status_next_to_the_estimate(pipeline_build):
    """The site's Data quality page is built from the same outcome files as the checks, loads nothing
    from the internet, and the Goal I estimate states the checks its input table passed."""
    import re

    suites = [json.loads(p.read_text()) for p in sorted((pipeline_build / "results/quality").glob("*.json"))
              if p.name != "report.json"]
    outcomes = [e for s in suites for e in s["expectations"]]
    passed = sum(e["success"] for e in outcomes)
    errors = sum(not e["success"] and e["severity"] == "error" for e in outcomes)
    warnings = sum(not e["success"] and e["severity"] == "warn" for e in outcomes)
    assert errors == 0 and warnings > 0 and len(suites) >= 30
    pages = sorted(pipeline_build.glob("site/**/en/quality.html"))
    assert pages, "no Data quality page in the site"
    page = pages[0].read_text(encoding="utf-8")
    assert (f"{len(suites)} suites, {len(outcomes)} expectations: {passed} passed, 0 blocking failures, "
            f"{warnings} warnings.") in page
    # San Felipe (02007, created after the 2020 geography): the warning and its example value are listed.
    assert "02007" in page and "cvegeo_in_geography" in page
    assert not re.search(r'(src|href)="https?://', page)
    assert 'href="quality.html"' in (pages[0].parent / "index.html").read_text(encoding="utf-8")
    mart = next(s for s in suites if s["table"] == "marts.homicide_panel_mun_month")
    mart_passed = sum(e["success"] for e in mart["expectations"])
    goal1 = (pages[0].parent / "goal-1.html").read_text(encoding="utf-8")
    assert f"{mart_passed} of {len(mart['expectations'])} checks passed on <code>marts.homicide_panel_mun_month</code>" in goal1
