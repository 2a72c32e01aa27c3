"""The Dagster code location: `dagster dev -m pipelines.definitions` (see README)."""
from __future__ import annotations

import dagster as dg
from dagster_dbt import DbtCliResource

from .assets.evaluations import EVALUATION_ASSETS, MAP_ASSETS
from .assets.ingest import RAW_ASSETS
from .assets.models import dbt_models
from .assets.quality import SUITE_CHECKS, quality_report
from .assets.site import website
from .dbt_project import DBT_EXECUTABLE, DBT_PROJECT
from .resources import ProjectResource

refresh_all = dg.define_asset_job(
    "refresh_all",
    selection=dg.AssetSelection.all(),
    description="Ingest every source, build the dbt models, run the checks and evaluations, publish the site.",
    executor_def=dg.in_process_executor,
)

defs = dg.Definitions(
    assets=[*RAW_ASSETS, dbt_models, quality_report, *EVALUATION_ASSETS, *MAP_ASSETS, website],
    asset_checks=SUITE_CHECKS,
    jobs=[refresh_all],
    resources={
        "project": ProjectResource.from_env(),
        "dbt": DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=DBT_EXECUTABLE),
    },
    executor=dg.in_process_executor,
)
