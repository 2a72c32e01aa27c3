"""Jobs an evaluator launches from the UI: refresh everything, evaluate one strategic goal, publish the site.

The executor is in-process by default (fastest on 2 cores, and DuckDB allows one writer);
BICENTENNIAL_EXECUTOR=multiprocess selects the multiprocess executor for production deployments
(deploy/production/README.md), where the concurrency pool `warehouse` serialises the writers.
"""
from __future__ import annotations

import os

import dagster as dg

from evaluations.lines_of_action import GOALS as FRAMEWORK_GOALS

EXECUTORS = {"in_process": dg.in_process_executor, "multiprocess": dg.multiprocess_executor}

# The strategic goals of the Framework; evaluation, map and spatial assets are grouped by the `goal`
# tag of their spec (evaluations/specs/*.yaml), which must be one of these (evaluations/framework/).
GOALS = {goal: f"Goal {info['number']} — {info['name']['en']}" for goal, info in FRAMEWORK_GOALS.items()}
# "evaluations" holds evaluation assets that serve every goal (no `goal` tag), e.g. data gaps.
LAYER_GROUPS = ("ingestion", "models", "quality", "evaluations", "site")


class ExecutorConfigError(ValueError):
    pass


def executor_from_env() -> dg.ExecutorDefinition:
    """The executor named by BICENTENNIAL_EXECUTOR (in_process, the default, or multiprocess)."""
    name = os.environ.get("BICENTENNIAL_EXECUTOR", "in_process").strip() or "in_process"
    if name not in EXECUTORS:
        raise ExecutorConfigError(f"BICENTENNIAL_EXECUTOR={name!r}: expected one of {sorted(EXECUTORS)}")
    return EXECUTORS[name]


def build_jobs(goal_groups: list[str]) -> list[dg.UnresolvedAssetJobDefinition]:
    """refresh_all, publish_site and one evaluate_<goal> job per goal group that has assets."""
    jobs = [
        dg.define_asset_job(
            "refresh_all",
            selection=dg.AssetSelection.all(),
            description="Ingest every source, build the dbt models, run the checks and evaluations, publish the site.",
            tags={"bicentennial/job": "refresh_all"},
        ),
        dg.define_asset_job(
            "publish_site",
            selection=dg.AssetSelection.groups("site"),
            description="Render the website from the results already in build/results (no re-estimation).",
            tags={"bicentennial/job": "publish_site"},
        ),
    ]
    for group in sorted(goal_groups):
        jobs.append(dg.define_asset_job(
            f"evaluate_{group}",
            selection=dg.AssetSelection.groups(group),
            description=f"{GOALS.get(group, group)}: re-run its evaluations, maps and spatial analyses on the "
                        "current warehouse (run refresh_all first for new data). Estimator options can be "
                        "overridden in the Launchpad (README, 'The Dagster UI').",
            tags={"bicentennial/job": "evaluate_goal", "goal": group},
        ))
    return jobs
