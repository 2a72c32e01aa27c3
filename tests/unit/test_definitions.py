"""The Dagster code location loads, and its graph is organised by stage."""
from __future__ import annotations

import dagster as dg

from pipelines.definitions import defs


def test_definitions_load_and_groups_follow_the_stages():
    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    groups = {graph.get(key).group_name for key in graph.get_all_asset_keys() if graph.get(key).is_materializable}
    assert {"ingestion", "models", "quality", "evaluations", "site"} <= groups
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert {"raw/gargiulo_homicides", "marts/homicide_panel_mun_month", "evaluations/joint_operations_homicides",
            "maps/joint_operations_homicides", "site/website", "quality/report"} <= keys


def test_error_expectations_are_blocking_checks():
    from pipelines.assets.quality import SUITE_CHECKS

    checks = {spec.key.to_user_string(): spec for definition in SUITE_CHECKS for spec in definition.check_specs}
    assert checks["raw/gargiulo_homicides:homicides_non_negative"].blocking
    assert not checks["raw/gargiulo_homicides:cvegeo_in_geography"].blocking


def test_evaluation_depends_on_the_mart_and_site_on_evaluations():
    graph = defs.resolve_asset_graph()
    evaluation = graph.get(dg.AssetKey(["evaluations", "joint_operations_homicides"]))
    assert dg.AssetKey(["marts", "homicide_panel_mun_month"]) in evaluation.parent_keys
    site = graph.get(dg.AssetKey(["site", "website"]))
    assert evaluation.key in site.parent_keys and dg.AssetKey(["quality", "report"]) in site.parent_keys
