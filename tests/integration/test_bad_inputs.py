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
    # The file is kept exactly as received, under its SHA-256.
    stored = last_good / "landing" / hashlib.sha256(data).hexdigest() / case.filename
    assert stored.read_bytes() == data
    # The previous good warehouse and site are byte-identical.
    assert (file_digest(warehouse), tree_digest(site)) == before
    # Outcomes are on file for review (the Data quality page reads the same records).
    outcome = json.loads(result.results.read_text())
    assert outcome["blocked"] is True


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipelines.cli", *args], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=900, env={**os.environ, **(env or {})})


@pytest.mark.parametrize("name, expected", [
    ("utf8_bom", "violencia_homicida_estatal_mensual_2024_2025_corregido.csv, line 1, column 'Año': utf-8 text without a byte-order mark"),
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
    """The other side of the gate: the real Gargiulo file with 3 rows dated in the future loads; those rows
    go to quarantine.rows with file and line (its coverage check tolerates 0.01% of rows), the rest is in."""
    import gzip

    import duckdb

    from tests.bad_inputs.corpus import GARGIULO

    with gzip.open(GARGIULO, "rt", encoding="utf-8") as handle:
        rows = handle.readlines()
    for line in (10, 20, 30):  # 1-based file lines
        fields = rows[line - 1].split("|")
        fields[1] = "2031"
        rows[line - 1] = "|".join(fields)
    incoming = tmp_path / GARGIULO.name
    incoming.write_bytes(gzip.compress("".join(rows).encode("utf-8")))
    build = tmp_path / "build"
    build.mkdir()
    shutil.copy(last_good / "warehouse.duckdb", build / "warehouse.duckdb")

    result = ingest_file("gargiulo_homicides", incoming, build / "warehouse.duckdb", build, DATA_DIR)

    assert result.loaded, result.lines
    assert result.suite_run.removed == 3
    with duckdb.connect(str(build / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from raw.gargiulo_homicides").fetchone()[0] == 651_288 - 3
        quarantined = con.execute("select expectation, source_file, source_line, value from quarantine.rows "
                                  "order by source_line").fetchall()
        sha = con.execute("select sha256 from raw._landing_files where table_name = 'gargiulo_homicides'").fetchone()[0]
    assert quarantined == [("year_inside_coverage_2000_2021", GARGIULO.name, n, "year=2031") for n in (10, 20, 30)]
    assert sha == hashlib.sha256(incoming.read_bytes()).hexdigest()


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
