"""Two `bicentennial run`s started at once on the same build folder: the second waits for the first
(a lock next to the warehouse), neither fails on DuckDB's file lock, and the warehouse left behind is
complete and consistent."""
from __future__ import annotations

import gzip
import os
import subprocess
import sys

import duckdb
import pytest

from tests.conftest import DATA_DIR, REPO_ROOT

pytestmark = pytest.mark.integration


def test_two_runs_at_once_serialize_and_leave_a_consistent_warehouse(tmp_path):
    build = tmp_path / "build"
    env = {**os.environ}
    env.pop("BICENTENNIAL_WAREHOUSE", None)
    command = [sys.executable, "-m", "pipelines.cli", "run", "--build-dir", str(build)]
    # Output goes to files, not pipes: a run blocked on a full pipe while holding the lock would
    # deadlock the other, which waits for that lock before anyone reads its pipe.
    logs = [(tmp_path / f"run{i}.out", tmp_path / f"run{i}.err") for i in range(2)]
    runs = []
    for out_path, err_path in logs:
        with open(out_path, "w") as out, open(err_path, "w") as err:
            runs.append(subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=out, stderr=err, text=True))
    for run in runs:
        run.wait(timeout=1800)
    outputs = [(o.read_text(), e.read_text()) for o, e in logs]
    for run, (out, err) in zip(runs, outputs):
        assert "Could not set lock" not in out + err
        assert run.returncode == 0, (out[-2000:], err[-2000:])
    waited = [out for out, _ in outputs if "waiting for it to finish" in out]
    assert len(waited) == 1  # the other one ran first
    with gzip.open(DATA_DIR / "homicides/gargiulo/mexico-muni-month-homicide-rates-2000-2021.csv.gz", "rt") as handle:
        lines = sum(1 for _ in handle) - 1
    with duckdb.connect(str(build / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from raw.gargiulo_homicides").fetchone()[0] == lines
        assert con.execute("select count(*) from marts.homicide_panel_mun_month").fetchone()[0] == lines
        assert con.execute("select count(*) from raw._load_errors").fetchone()[0] == 0
        files = con.execute("select count(*), count(distinct table_name) from raw._landing_files").fetchone()
    assert files[1] >= 20
    leftovers = [p.name for p in build.iterdir() if p.name.startswith(".") and p.name != ".outputs"]
    assert leftovers == [], leftovers  # no half-built warehouse or staging folder left
    # results and site are the second run's, in the one output folder BUILD/current points to
    outputs = [p.name for p in (build / ".outputs").iterdir()]
    assert len(outputs) == 1 and os.readlink(build / "current") == f".outputs/{outputs[0]}"
    assert os.readlink(build / "results") == "current/results" and os.readlink(build / "site") == "current/site"
    assert (build / "site" / "index.html").exists()
