"""`bicentennial run` makes its results and site live together (issue #15): a build made before the output links
is adopted, the run's outputs go to BUILD/.outputs/<id>/ and one rename of BUILD/current switches them, the
released site versions are carried over, and what killed runs left is removed. Everything that reads or writes
BUILD/results and BUILD/site keeps working through the links (a Dagster UI run renders into them directly).

While that run holds the lock next to the warehouse, `bicentennial ingest` of one corrected file is started on
the same build folder: it waits for the run, neither fails on DuckDB's file lock, and the warehouse left behind is
complete and holds the ingested file (an ingest is a single-source load under the same lock as a run, so one full
run tests what two concurrent runs did). That run is the session's `ingested_build`
(tests/integration/ingested_build.py), which test_landing_catalog.py reads too.

Then a real full disk (a 20 MB tmpfs) and a real read-only file system: one line naming the path and what to
do, exit 1, no traceback, the last good build byte-identical. Those need `mount` (root); skipped otherwise."""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from pipelines import promotion as pr
from pipelines import warehouse as wh
from pipelines.settings import SITE_SOURCE_DIR
from pipelines.site.build import build_site, published_site
from pipelines.site.results import SiteInputs
from pipelines.site.versions import list_versions, update_index
from tests.bad_inputs.corpus import LVS_SOURCE
from tests.conftest import REPO_ROOT
from tests.integration.ingested_build import RELEASE, env
from tests.unit.test_run_failures import last_good_build, snapshot

# One worker runs this module and test_landing_catalog.py, which share the session's `ingested_build` (SAME_WORKER,
# tests/conftest.py).
pytestmark = [pytest.mark.integration, pytest.mark.slow]


def bicentennial_run(build: Path, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipelines.cli", "run", "--build-dir", str(build)], cwd=REPO_ROOT,
                          env=env(), capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def promoted(ingested_build) -> tuple[Path, subprocess.CompletedProcess, dict]:
    """The full pipeline run over a build made before the output links (real results/ and site/ folders, a
    released site version), with what killed runs of the previous version left behind; an ingest of the
    corrected file `incoming` started while the run holds the lock."""
    return (ingested_build["build"], ingested_build["run"],
            {"incoming": ingested_build["incoming"], **ingested_build["concurrent"]})


def test_results_and_site_are_links_to_one_output_folder(promoted):
    build, done, _ = promoted
    current = pr.current_outputs(build)
    assert current is not None and current.parent == build / pr.OUTPUTS and current.name.startswith("run-")
    assert os.readlink(build / "current") == f"{pr.OUTPUTS}/{current.name}"
    assert os.readlink(build / "results") == "current/results" and os.readlink(build / "site") == "current/site"
    assert [p.name for p in (build / pr.OUTPUTS).iterdir()] == [current.name]  # the adopted folder is gone
    assert sorted(p.name for p in build.iterdir() if p.name.startswith(".")) == [pr.OUTPUTS]
    said = [line for line in done.stdout.splitlines() if "killed runs" in line]
    assert said == [f"bicentennial: removed 1 staging folder(s) of killed runs from {build}: .run-999999"]
    assert (build / "site/index.html").is_file() and (build / "warehouse.duckdb").is_file()
    assert f"Site: {build / 'site' / 'index.html'}" in done.stdout


def test_the_release_is_carried_over_and_the_old_results_replaced(promoted):
    build, _, _ = promoted
    for relative, text in RELEASE.items():
        assert (build / "site/v0.9.0" / relative).read_text() == text
    assert list_versions(build / "site")[0] == "v0.9.0" and len(list_versions(build / "site")) == 2
    versions = json.loads((build / "site/versions.json").read_text())
    assert versions[0]["version"] == "v0.9.0"
    assert not (build / "results/evaluations/retired_spec").exists()
    assert len(list((build / "results/evaluations").glob("*/result.json"))) >= 5
    assert (build / "results/manifest.json").is_file()


def test_an_ingest_started_during_the_run_waits_and_both_writes_land(promoted):
    build, _, concurrent = promoted
    for name in ("run", "ingest"):
        code, out, err = concurrent[name]
        assert "Could not set lock" not in out + err
        assert code == 0, (name, out[-2000:], err[-2000:])
    assert "waiting" in concurrent["ingest"][1] and "waiting" not in concurrent["run"][1]  # the run held the lock first
    incoming = concurrent["incoming"]
    with gzip.open(REPO_ROOT / "data/homicides/gargiulo/mexico-muni-month-homicide-rates-2000-2021.csv.gz", "rt") as handle:
        lines = sum(1 for _ in handle) - 1
    with duckdb.connect(str(build / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from raw.gargiulo_homicides").fetchone()[0] == lines
        assert con.execute("select count(*) from marts.homicide_panel_mun_month").fetchone()[0] == lines
        assert con.execute("select count(*) from raw._load_errors").fetchone()[0] == 0
        tables = con.execute("select count(distinct table_name) from raw._landing_files").fetchone()[0]
        ingested = con.execute("select sha256 from raw._landing_files where table_name = ?", [LVS_SOURCE]).fetchall()
        rows = con.execute(f"select count(*) from raw.{LVS_SOURCE}").fetchone()[0]
    assert tables >= 20
    # the ingest wrote after the run: its file is the one in use, with every row of it
    assert ingested == [(hashlib.sha256(incoming.read_bytes()).hexdigest(),)]
    assert rows == len(incoming.read_text(encoding="utf-8").splitlines()) - 1 == 608
    assert not wh.candidate_path(build / "warehouse.duckdb").exists()


def test_a_dagster_ui_run_renders_into_the_live_folders_through_the_links(promoted):
    """What the `site` asset does when the UI runs it on BUILD (no staging): build_site(BUILD, previous=BUILD/site)."""
    build, _, _ = promoted
    current, release = pr.current_outputs(build), snapshot(build)
    assert published_site(build) == build / "site"
    with duckdb.connect(str(build / "warehouse.duckdb"), read_only=True) as con:
        landing = con.execute("select * from raw._landing_files order by table_name, file").df().to_dict("records")
    inputs = SiteInputs(build / "results", landing, {"commit": "abcdef0", "version": "dev", "lock_sha256": "0" * 64})
    published = build_site(SITE_SOURCE_DIR, build, inputs, "dev", previous_site=published_site(build))
    assert published.path == build / "site/dev"
    assert json.loads((current / "site/dev/version.json").read_text())["commit"] == "abcdef0"
    update_index(build / "site")
    assert os.readlink(build / "site") == "current/site" and pr.current_outputs(build) == current
    assert {k: v for k, v in snapshot(build).items() if "v0.9.0" in k} == {k: v for k, v in release.items()
                                                                          if "v0.9.0" in k}
    assert sorted(p.name for p in build.iterdir() if p.name.startswith(".")) == [pr.OUTPUTS]


# ----------------------------------------------------------------------------------------------
# A real full disk and a real read-only file system


@contextmanager
def tmpfs(folder: Path, size: str = "20m"):
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip() or mounted.returncode}); "
                    "the simulated cases in tests/unit/test_run_failures.py cover it")
    try:
        yield folder
    finally:
        if subprocess.run(["umount", str(folder)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def assert_one_line(done: subprocess.CompletedProcess, *fragments: str) -> str:
    failed = [line for line in (done.stdout + done.stderr).splitlines() if "run FAILED" in line]
    assert len(failed) == 1, (done.stdout[-2000:], done.stderr[-2000:])
    assert failed[0].startswith("bicentennial: run FAILED: ") and failed[0] in done.stderr.splitlines()
    for fragment in fragments:
        assert fragment in failed[0], failed[0]
    for symptom in ("Traceback", 'File "', "lost sys.stderr", "Exception ignored", "I/O operation on closed file"):
        assert symptom not in done.stdout + done.stderr, symptom
    return failed[0]


def test_a_full_disk_is_one_line_and_leaves_the_last_good_build(tmp_path):
    with tmpfs(tmp_path / "disk") as disk:
        build = last_good_build(disk / "build")
        before = snapshot(build)
        filler = disk / "filler"
        free = shutil.disk_usage(disk).free
        with open(filler, "wb") as handle:  # leave 1 MB: the landing store and the warehouse need far more
            handle.write(b"\0" * (free - 1024 * 1024))
        done = bicentennial_run(build, timeout=600)
        assert done.returncode == 1, (done.stdout[-2000:], done.stderr[-2000:])
        line = assert_one_line(done, "no space left on device writing ", "free space and run again")
        assert f" {disk}/" in line
        assert snapshot(build) == before
        assert not [p.name for p in build.iterdir() if p.name.startswith(".run-")]
        assert not wh.candidate_path(build / "warehouse.duckdb").exists()
        assert [p.name for p in (build / pr.OUTPUTS).iterdir()] == [pr.current_outputs(build).name]
        assert (build / "failed-run").is_dir()


def test_a_read_only_file_system_is_one_line_and_leaves_the_last_good_build(tmp_path):
    with tmpfs(tmp_path / "disk") as disk:
        build = last_good_build(disk / "build")
        before = snapshot(build)
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        done = bicentennial_run(build, timeout=300)
        assert done.returncode == 1
        assert_one_line(done, "read-only file system: cannot write ", str(build), "--build-dir")
        assert snapshot(build) == before
