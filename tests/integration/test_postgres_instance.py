"""The production instance configuration (deploy/production/dagster.yaml) against a real PostgreSQL
server: its storages are dagster-postgres, and a run of a real pipeline asset is recorded there
(read back with plain SQL, not through Dagster).

The server: BICENTENNIAL_TEST_POSTGRES_URL (postgresql://user:password@127.0.0.1:port/db, a role
allowed to create databases), which scripts/test-system-deps sets after starting Debian's postgresql on 127.0.0.1;
otherwise a throwaway cluster is started from Debian's postgresql binaries on a free 127.0.0.1 port
and removed afterwards; without either the tests are skipped.
"""
from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import uuid
from pathlib import Path

import dagster as dg
import pytest

from tests.conftest import missing_system_dependency
from tests.dagster_ui_server import REPO_ROOT, free_port

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(300)]
psycopg2 = pytest.importorskip("psycopg2")

PRODUCTION_CONFIG = REPO_ROOT / "deploy" / "production" / "dagster.yaml"


def _pg_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def _as_postgres_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            psycopg2.connect(url, connect_timeout=3).close()
            return
        except psycopg2.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


@pytest.fixture(scope="module")
def server_url():
    """URL of a PostgreSQL server on 127.0.0.1 whose role may create databases."""
    url = os.environ.get("BICENTENNIAL_TEST_POSTGRES_URL")
    if url:
        _wait_for(url, timeout=20)
        yield url
        return
    bindir = _pg_bindir()
    if bindir is None or (os.geteuid() == 0 and not shutil.which("runuser")):
        missing_system_dependency("no PostgreSQL server: scripts/test-system-deps (run by make test-all) installs and "
                                  "starts Debian's postgresql as root, or set BICENTENNIAL_TEST_POSTGRES_URL")
    root = Path(tempfile.mkdtemp(prefix="bicentennial-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data, port = root / "data", free_port()
    subprocess.run(_as_postgres_user([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                                      "-E", "UTF8", "--no-sync"]), check=True, capture_output=True, timeout=120)
    start = [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-w", "-t", "60",
             "-o", f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={root} -c fsync=off",
             "start"]
    subprocess.run(_as_postgres_user(start), check=True, capture_output=True, timeout=90)
    try:
        url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        _wait_for(url)
        yield url
    finally:
        subprocess.run(_as_postgres_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
                       capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def database(server_url):
    """A fresh database for one test (dropped afterwards); yields its URL."""
    name = f"dagster_test_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(server_url)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'create database "{name}"')
    parts = urllib.parse.urlsplit(server_url)
    try:
        yield parts._replace(path=f"/{name}").geturl()
    finally:
        with admin.cursor() as cur:
            cur.execute(f'drop database if exists "{name}" with (force)')
        admin.close()


def production_home(tmp_path: Path, url: str, monkeypatch) -> Path:
    """DAGSTER_HOME with the production dagster.yaml, its DAGSTER_PG_* variables pointing at `url`."""
    parts = urllib.parse.urlsplit(url)
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copyfile(PRODUCTION_CONFIG, home / "dagster.yaml")
    for variable, value in {"DAGSTER_HOME": str(home), "DAGSTER_PG_HOST": parts.hostname,
                            "DAGSTER_PG_PORT": str(parts.port or 5432), "DAGSTER_PG_USERNAME": parts.username,
                            "DAGSTER_PG_PASSWORD": urllib.parse.unquote(parts.password or ""),
                            "DAGSTER_PG_DB": parts.path.lstrip("/")}.items():
        monkeypatch.setenv(variable, value)
    return home


def test_production_instance_stores_runs_and_events_in_postgres(tmp_path, database, monkeypatch):
    from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage, PostgresScheduleStorage

    from pipelines.definitions import defs
    from pipelines.resources import ProjectResource

    assert urllib.parse.urlsplit(database).hostname == "127.0.0.1"
    production_home(tmp_path, database, monkeypatch)
    build = tmp_path / "build"
    key = dg.AssetKey(["raw", "states"])
    with dg.DagsterInstance.get() as instance:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
        assert isinstance(instance.schedule_storage, PostgresScheduleStorage)
        assert instance.get_settings("telemetry") == {"enabled": False}

        project = ProjectResource(data_dir=str(REPO_ROOT / "data"), build_dir=str(build),
                                  warehouse_path=str(build / "warehouse.duckdb"))
        result = dg.materialize([defs.get_assets_def(key)], instance=instance, resources={"project": project},
                                selection=[key])
        assert result.success
        run_id = result.run_id
        latest = instance.get_latest_materialization_event(key)
        assert latest.run_id == run_id

    # Read back with SQL: the run and its materialization are rows of the PostgreSQL database.
    features = len(json.loads((REPO_ROOT / "data/geo/mx_mapas/estados_mxmaps.geojson").read_text(encoding="utf-8"))["features"])
    with psycopg2.connect(database) as con, con.cursor() as cur:
        cur.execute("select status from runs where run_id = %s", [run_id])
        assert cur.fetchone() == ("SUCCESS",)
        cur.execute("select event from event_logs where run_id = %s and dagster_event_type = 'ASSET_MATERIALIZATION'",
                    [run_id])
        (event,) = cur.fetchall()
    materialization = json.loads(event[0])["dagster_event"]["event_specific_data"]["materialization"]
    assert materialization["asset_key"]["path"] == ["raw", "states"]
    row_count = materialization["metadata_entries"] if "metadata_entries" in materialization else materialization["metadata"]
    assert features == 32 and str(features) in json.dumps(row_count)


def test_production_instance_serialises_the_warehouse_pool_in_postgres(tmp_path, database, monkeypatch):
    """The pool limit of the production config (default_limit 1) is enforced by slots in PostgreSQL:
    a second claim on `warehouse` waits until the first is released."""
    production_home(tmp_path, database, monkeypatch)
    with dg.DagsterInstance.get() as instance:
        storage = instance.event_log_storage
        instance.event_log_storage.initialize_concurrency_limit_to_default("warehouse")
        assert storage.get_concurrency_info("warehouse").slot_count == 1
        first = storage.claim_concurrency_slot("warehouse", "run-a", "step-a")
        second = storage.claim_concurrency_slot("warehouse", "run-b", "step-b")
        assert first.is_claimed and not second.is_claimed
        storage.free_concurrency_slot_for_step("run-a", "step-a")
        assert storage.claim_concurrency_slot("warehouse", "run-b", "step-b").is_claimed
    with psycopg2.connect(database) as con, con.cursor() as cur:
        cur.execute("select count(*) from concurrency_slots where concurrency_key = 'warehouse'")
        assert cur.fetchone() == (1,)
