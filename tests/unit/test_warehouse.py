"""Where a run builds its warehouse, and what an interrupted run left there."""
import subprocess
import sys

import duckdb

from pipelines.warehouse import candidate_path, fresh_candidate
from tests.conftest import REPO_ROOT


def test_candidate_is_next_to_the_warehouse_with_one_name_for_every_run(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    assert candidate_path(warehouse) == tmp_path / ".warehouse.building.duckdb"
    assert candidate_path(tmp_path / "other" / "prod.duckdb") == tmp_path / "other" / ".prod.building.duckdb"
    # another run is another process: it must arrive at the same name (no process id, time or random part)
    other_run = subprocess.run(
        [sys.executable, "-c", "import sys; from pipelines.warehouse import candidate_path; print(candidate_path(sys.argv[1]))",
         str(warehouse)], cwd=REPO_ROOT, capture_output=True, text=True, check=True, timeout=60,
    )
    assert other_run.stdout.strip() == str(tmp_path / ".warehouse.building.duckdb")


def test_fresh_candidate_removes_what_an_interrupted_run_left(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    stale = candidate_path(warehouse)
    con = duckdb.connect(str(stale))
    con.execute("create table half_built as select 1 as x")
    con.close()
    stale.with_name(stale.name + ".wal").write_bytes(b"stale log of an interrupted run")
    candidate = fresh_candidate(warehouse)
    assert candidate == stale
    assert not candidate.exists() and not candidate.with_name(candidate.name + ".wal").exists()
    # the new run starts from an empty database, not the leftover one
    with duckdb.connect(str(candidate)) as con:
        assert con.execute("select count(*) from information_schema.tables where table_name = 'half_built'").fetchone()[0] == 0
