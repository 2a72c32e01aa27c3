"""dbt models as Dagster assets (staging, intermediate, marts); dbt data tests become asset checks."""
import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from ..dbt_project import DBT_PROJECT, ensure_manifest
from ..resources import ProjectResource

GROUP = "models"


class Translator(DagsterDbtTranslator):
    """raw sources (named in dbt after the publishing system, all in schema raw) keep the ingestion assets' keys; models are keyed by layer: staging/…, marts/…; the seeds
    (the Framework's goals and lines of action) by framework/…"""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        if dbt_resource_props["resource_type"] == "seed":
            return dg.AssetKey(["framework", dbt_resource_props["name"].removeprefix("framework_")])
        layer = dbt_resource_props["fqn"][1]
        return dg.AssetKey([layer, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return GROUP


@dbt_assets(
    manifest=ensure_manifest(),
    project=DBT_PROJECT,
    dagster_dbt_translator=Translator(),
    exclude="test_type:unit",
    pool="warehouse",
)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, project: ProjectResource):
    # The warehouse path reaches dbt as a var (dbt_project/profiles.yml), not through this process's environment.
    invocation = dbt.cli(["build", "--exclude", "test_type:unit", "--vars", json.dumps({"warehouse": project.warehouse_path})],
                         context=context)
    yield from invocation.stream()
    keep_partial_parse(invocation.target_path / "partial_parse.msgpack", Path(DBT_PROJECT.project_dir) / DBT_PROJECT.target_path)


def keep_partial_parse(fresh: Path, target: Path) -> None:
    """Each build gets its own target folder, seeded by dagster-dbt with target/partial_parse.msgpack. Putting
    this build's file back (by rename, so a concurrent run reads the old file or the new, never half) lets the
    next run on the same warehouse skip dbt's full re-parse; dbt itself checks the file is still valid."""
    if fresh.is_file():
        staged = target / f".partial_parse.{os.getpid()}.tmp"
        shutil.copyfile(fresh, staged)
        os.replace(staged, target / "partial_parse.msgpack")
