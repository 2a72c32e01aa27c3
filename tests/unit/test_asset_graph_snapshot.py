"""The asset graph as evaluators see it in the UI, compared with a reviewed snapshot, plus the rules
the organisation follows (goal groups, owners, descriptions, code versions, warehouse pool).

After an intended change to the graph, regenerate the snapshot and review its diff:
    UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/unit/test_asset_graph_snapshot.py
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import dagster as dg

from pipelines.definitions import defs
from pipelines.jobs import GOALS, LAYER_GROUPS

SNAPSHOT = Path(__file__).with_name("snapshots") / "asset_graph.json"
SPECS_DIR = Path(__file__).resolve().parents[2] / "evaluations" / "specs"


def graph_snapshot() -> dict:
    graph = defs.resolve_asset_graph()
    pools = {}
    for assets_def in defs.assets:
        if isinstance(assets_def, dg.AssetsDefinition) and assets_def.is_executable:
            for key in assets_def.keys:
                pools[key] = getattr(assets_def.node_def, "pool", None)
    assets = {}
    for key in sorted(graph.get_all_asset_keys()):
        node = graph.get(key)
        if not node.is_materializable:
            continue
        assets[key.to_user_string()] = {
            "group": node.group_name,
            "deps": sorted(k.to_user_string() for k in node.parent_keys),
            "checks": sorted(c.name for c in node.check_keys),
            "owners": sorted(node.owners),
            "tags": {k: v for k, v in sorted(node.tags.items()) if k in ("goal", "line_of_action", "source_family")},
            "pool": pools.get(key),
        }
    repository = defs.get_repository_def()
    return {
        "assets": assets,
        "jobs": sorted(job.name for job in repository.get_all_jobs() if not job.name.startswith("__")),
        "schedules": {s.name: [s.job_name, s.cron_schedule, s.execution_timezone] for s in repository.schedule_defs},
        "sensors": sorted(s.name for s in repository.sensor_defs),
    }


def test_asset_graph_matches_the_reviewed_snapshot():
    current = json.dumps(graph_snapshot(), indent=1, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(current)
    assert SNAPSHOT.exists(), (f"{SNAPSHOT} is missing: it is the reviewed record of the asset graph; restore it from git, "
                               "or write it deliberately with UPDATE_SNAPSHOTS=1 and review it before committing")
    expected = SNAPSHOT.read_text()
    if current != expected:
        import difflib

        diff = "".join(difflib.unified_diff(expected.splitlines(True), current.splitlines(True),
                                            "snapshot", "current", n=1))
        raise AssertionError(f"the asset graph changed; review and regenerate with UPDATE_SNAPSHOTS=1:\n{diff[:6000]}")


def test_groups_are_layers_and_goals_and_goal_assets_sit_in_their_goal():
    graph = defs.resolve_asset_graph()
    nodes = [graph.get(k) for k in graph.get_all_asset_keys() if graph.get(k).is_materializable]
    assert {n.group_name for n in nodes} <= set(LAYER_GROUPS) | set(GOALS)
    goal_nodes = [n for n in nodes if n.tags.get("goal")]
    assert goal_nodes, "no evaluation asset carries a goal tag"
    for node in goal_nodes:
        assert node.group_name == node.tags["goal"], node.key
        assert f"team:{node.tags['line_of_action']}" in node.owners, node.key
    assert graph.get(dg.AssetKey(["evaluations", "joint_operations_homicides"])).group_name == "goal_1_protect_people"


def test_every_asset_has_a_description_and_every_warehouse_writer_is_in_the_pool():
    snapshot = graph_snapshot()["assets"]
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        if graph.get(key).is_materializable:
            assert (graph.get(key).description or "").strip(), key
    writers = [k for k in snapshot if k.split("/")[0] in ("raw", "staging", "intermediate", "marts")]
    assert writers and all(snapshot[k]["pool"] == "warehouse" for k in writers)


def test_evaluation_code_version_changes_with_its_spec_file():
    graph = defs.resolve_asset_graph()
    version = graph.get(dg.AssetKey(["evaluations", "joint_operations_homicides"])).code_version
    spec_hash = hashlib.sha256(
        b"specs/joint_operations_homicides.yaml" + (SPECS_DIR / "joint_operations_homicides.yaml").read_bytes()
    ).hexdigest()[:12]
    assert version.endswith("-" + spec_hash)
    # ... and every asset of the same spec (map, spatial) carries the same spec hash.
    same_spec = [graph.get(k).code_version for k in graph.get_all_asset_keys()
                 if k.path[-1].startswith("joint_operations_homicides") and graph.get(k).tags.get("goal")]
    assert len(same_spec) >= 2 and all(v.endswith("-" + spec_hash) for v in same_spec)


def test_jobs_schedule_and_sensor():
    repository = defs.get_repository_def()
    goal_job = repository.get_job("evaluate_goal_1_protect_people")
    selected = {k.to_user_string() for k in goal_job.asset_layer.executable_asset_keys}
    assert "evaluations/joint_operations_homicides" in selected and not any(k.startswith("raw/") for k in selected)
    site = {k.to_user_string() for k in repository.get_job("publish_site").asset_layer.executable_asset_keys}
    graph = defs.resolve_asset_graph()
    assert "site/website" in site and {graph.get(dg.AssetKey.from_user_string(k)).group_name for k in site} == {"site"}
    schedule = repository.get_schedule_def("monthly_refresh")
    assert (schedule.job_name, schedule.cron_schedule) == ("refresh_all", "0 7 21 * *")
    assert repository.get_sensor_def("landing_files").job_name == "refresh_all"
