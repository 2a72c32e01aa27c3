"""The Dagster code location: `dagster dev -m pipelines.definitions` (see README, "The Dagster UI").

The graph is organised for evaluators: layer groups (ingestion, models, quality, site) and one group
per strategic goal (pipelines/assets/organise.py); every goal-tagged evaluation asset has a
`result_well_formed` check (pipelines/assets/result_checks.py).
"""
from __future__ import annotations

import dagster as dg

from .assets.evaluations import EVALUATION_ASSETS
from .assets.ingest import RAW_ASSETS
from .assets.manifest import after_manifest, result_manifest
from .assets.models import dbt_models
from .assets.organise import organise
from .assets.quality import SUITE_CHECKS, quality_report
from .assets.result_checks import build_result_check
from .assets.site import website
from .assets.spatial import MAP_ASSETS, SPATIAL_ASSETS
from .dbt_project import DBT_EXECUTABLE, DBT_PROJECT, WarehouseDbtResource
from .jobs import GOALS, build_jobs, executor_from_env
from .resources import ProjectResource
from .schedules import monthly_refresh
from .sensors import landing_files

ASSETS = dg.map_asset_specs(
    organise, [*RAW_ASSETS, dbt_models, quality_report, *EVALUATION_ASSETS, *MAP_ASSETS, *SPATIAL_ASSETS, result_manifest, *dg.map_asset_specs(after_manifest, [website])])
GOAL_GROUPS = sorted({spec.group_name for a in ASSETS for spec in a.specs if spec.group_name in GOALS})
RESULT_CHECKS = [build_result_check(spec.key) for a in ASSETS for spec in a.specs
                 if spec.key.path[0] == "evaluations" and spec.tags.get("goal")]

defs = dg.Definitions(
    assets=ASSETS,
    asset_checks=[*SUITE_CHECKS, *RESULT_CHECKS],
    jobs=build_jobs(GOAL_GROUPS),
    schedules=[monthly_refresh],
    sensors=[landing_files],
    resources={
        "project": ProjectResource.from_env(),
        "dbt": WarehouseDbtResource(project_dir=DBT_PROJECT, dbt_executable=DBT_EXECUTABLE),
    },
    executor=executor_from_env(),
)
