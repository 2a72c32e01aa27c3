"""Two warehouse-writing runs launched at once through the GraphQL API both succeed: the instance
configuration of `bicentennial ui` (pipelines/instance/dagster.yaml) queues the second one until the
first has finished, so DuckDB never sees two writers. A run config of the wrong type is refused at
launch with the field's path."""
from __future__ import annotations

import json

import duckdb
import pytest

from tests.dagster_ui_server import REPO_ROOT, dagster_ui

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(600)]

GEO = REPO_ROOT / "data" / "geo" / "mx_mapas"


@pytest.fixture(scope="module")
def ui(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("graphql_ui")
    with dagster_ui(workdir, workdir / "build") as server:
        yield server


def test_two_warehouse_writers_launched_at_once_both_succeed_one_after_the_other(ui):
    first = ui.launch("refresh_all", [["raw", "municipalities"]])
    second = ui.launch("refresh_all", [["raw", "states"]])
    assert first["__typename"] == second["__typename"] == "LaunchRunSuccess", (first, second)
    runs = ui.wait_for_runs([first["run"]["runId"], second["run"]["runId"]])
    assert [r["status"] for r in runs] == ["SUCCESS", "SUCCESS"], f"see {ui.log}"

    # One waited: the run intervals do not overlap (whichever the queue started first).
    a, b = sorted(runs, key=lambda r: r["startTime"])
    assert a["endTime"] <= b["startTime"], (a, b)
    assert b["creationTime"] < a["endTime"], "the second run was launched while the first was in progress"

    # Both writes landed, with the feature counts of the GeoJSON files counted independently here.
    expected = {name: len(json.loads((GEO / f"{stem}.geojson").read_text(encoding="utf-8"))["features"])
                for name, stem in (("municipalities", "municipios_mxmaps"), ("states", "estados_mxmaps"))}
    assert expected == {"municipalities": 2469, "states": 32}
    with duckdb.connect(str(ui.build_dir / "warehouse.duckdb"), read_only=True) as con:
        counts = {name: con.execute(f"select count(*) from raw.{name}").fetchone()[0] for name in expected}
    assert counts == expected


def test_run_config_of_the_wrong_type_is_refused_at_launch_naming_the_field(ui):
    response = ui.launch(
        "evaluate_goal_1_protect_people",
        run_config={"ops": {"evaluations__joint_operations_homicides": {"config": {"event_study_window": "wide"}}}},
    )
    assert response["__typename"] == "RunConfigValidationInvalid"
    messages = " ".join(e["message"] for e in response["errors"])
    assert "evaluations__joint_operations_homicides:config:event_study_window" in messages
