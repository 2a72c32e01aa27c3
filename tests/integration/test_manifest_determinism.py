"""Two full runs of the same checkout give byte-identical result manifests (and result files).

The first run is the session's `pipeline_build`; the second is `second_build` (tests/conftest.py), started in
the background at collection beside the first (slow tier). Before it ran, a changed file was ingested into its
build folder and reverted (the landing catalog's revert round): the revert leaves no trace in what it publishes.
"""
from __future__ import annotations

import hashlib
import json
import subprocess

import duckdb
import pytest
import yaml

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.integration


@pytest.mark.slow
def test_two_runs_give_byte_identical_manifests(pipeline_build, second_build):
    first = (pipeline_build / "results" / "manifest.json").read_bytes()
    second = (second_build / "results" / "manifest.json").read_bytes()
    assert first == second
    manifest = json.loads(first)
    # Not trivially equal: it holds the inputs, marts and estimates of a real run…
    assert manifest["estimates"] and manifest["tables"] and manifest["inputs"]
    # …and no machine path or build folder.
    text = first.decode()
    for path in (str(pipeline_build), str(second_build), str(REPO_ROOT)):
        assert path not in text


def test_manifest_records_what_the_run_used(pipeline_build):
    manifest = json.loads((pipeline_build / "results" / "manifest.json").read_text())
    assert manifest["environment"]["lock_sha256"] == hashlib.sha256((REPO_ROOT / "requirements.lock").read_bytes()).hexdigest()
    head = subprocess.run(["git", "-C", str(REPO_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    assert manifest["code"]["commit"] == head
    gargiulo = REPO_ROOT / "data/homicides/gargiulo/mexico-muni-month-homicide-rates-2000-2021.csv.gz"
    entry = manifest["inputs"]["homicides/gargiulo/mexico-muni-month-homicide-rates-2000-2021.csv.gz"]
    assert entry == {"sha256": hashlib.sha256(gargiulo.read_bytes()).hexdigest(), "bytes": gargiulo.stat().st_size,
                     "rows": 651_288, "table": "raw.gargiulo_homicides"}
    with duckdb.connect(str(pipeline_build / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute("select count(*) from marts.homicide_panel_mun_month").fetchone()[0]
    assert manifest["tables"]["marts.homicide_panel_mun_month"]["rows"] == rows == 651_288
    result = json.loads((pipeline_build / "results/evaluations/joint_operations_homicides/result.json").read_text())
    twfe = manifest["estimates"]["evaluations/joint_operations_homicides/result.json#results.twfe.att"]
    assert (twfe["estimate"], twfe["std_error"]) == (result["results"]["twfe"]["att"]["estimate"],
                                                     result["results"]["twfe"]["att"]["std_error"])
    # The permutation inference of the hot spots is seeded, and its seed recorded.
    spec = yaml.safe_load((REPO_ROOT / "evaluations/specs/joint_operations_homicides.yaml").read_text())
    spec_seed = spec["spatial"]["hotspots"]["seed"]
    assert manifest["seeds"]["spatial/joint_operations_homicides/hotspots.json#seed"] == spec_seed


@pytest.mark.slow
def test_result_files_are_byte_identical_too(pipeline_build, second_build):
    first, second = pipeline_build / "results", second_build / "results"
    names = sorted(p.relative_to(first).as_posix() for p in first.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(second).as_posix() for p in second.rglob("*") if p.is_file())
    differing = [n for n in names if (first / n).read_bytes() != (second / n).read_bytes()]
    assert differing == []
