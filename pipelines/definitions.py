"""The Dagster code location: `dagster dev -m pipelines.definitions` (see README, "The Dagster UI").

The graph is organised for evaluators: layer groups (ingestion, models, quality, site) and one group
per strategic goal. Every evaluation, map or spatial asset whose tags carry `goal` (from its spec in
evaluations/specs/) is moved into that goal's group, owned by its line of action, and versioned by
the hash of its spec and of the evaluations library, so an edited spec or estimator shows as stale.
"""
from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from .assets.evaluations import EVALUATION_ASSETS
from .assets.ingest import RAW_ASSETS
from .assets.models import dbt_models
from .assets.quality import SUITE_CHECKS, quality_report
from .assets.site import website
from .assets.spatial import MAP_ASSETS, SPATIAL_ASSETS
from .dbt_project import DBT_EXECUTABLE, DBT_PROJECT
from .jobs import GOALS, build_jobs, executor_from_env
from .resources import ProjectResource
from .schedules import monthly_refresh
from .sensors import landing_files
from .settings import SPECS_DIR

EVALUATIONS_DIR = SPECS_DIR.parent


def _digest(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path.relative_to(EVALUATIONS_DIR)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


LIBRARY_DIGEST = _digest([p for p in EVALUATIONS_DIR.rglob("*.py") if "__pycache__" not in p.parts])
SPEC_FILES = {p.stem: p for p in SPECS_DIR.glob("*.yaml")}


def spec_of(key: dg.AssetKey) -> str | None:
    """The spec an evaluation-side asset comes from: `<prefix>/<spec>` or `<prefix>/<spec>_<suffix>`."""
    last = key.path[-1]
    matches = [name for name in SPEC_FILES if last == name or last.startswith(name + "_")]
    return max(matches, key=len) if matches else None


def organise(spec: dg.AssetSpec) -> dg.AssetSpec:
    """Goal group, line-of-action owner and content-based code version for goal-tagged assets;
    a description for every asset."""
    description = spec.description or f"{spec.key.to_user_string()} ({spec.group_name or 'default'} layer)."
    goal = spec.tags.get("goal")
    if not goal:
        return spec.replace_attributes(description=description)
    if goal not in GOALS:
        raise ValueError(f"{spec.key.to_user_string()}: tag goal={goal!r} is not one of {sorted(GOALS)}")
    spec_name = spec_of(spec.key)
    parts = [spec.code_version or "0", LIBRARY_DIGEST]
    if spec_name:
        parts.append(_digest([SPEC_FILES[spec_name]]))
    line = spec.tags.get("line_of_action")
    return spec.replace_attributes(
        group_name=goal, description=description, code_version="-".join(parts),
        owners=[*spec.owners, *([f"team:{line}"] if line and f"team:{line}" not in spec.owners else [])],
    )


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _estimates(node, path: str = "") -> list[tuple[str, dict]]:
    """Every {estimate, std_error, ci_low, ci_high} record in a result, with where it was found."""
    if isinstance(node, dict):
        if "estimate" in node and ("ci_low" in node or "std_error" in node):
            return [(path, node)]
        return [hit for key, value in node.items() for hit in _estimates(value, f"{path}.{key}" if path else key)]
    return []


def review_result(payload: dict) -> tuple[list[str], dict]:
    """Problems with an evaluation's result.json (empty = passed) and its headline estimates."""
    problems, headline = [], {}
    if (payload.get("sample") or {}).get("rows_in_window", 1) <= 0:
        problems.append("the estimation sample is empty")
    for name, result in (payload.get("results") or {}).items():
        for where, e in _estimates(result, name):
            values = [e.get(k) for k in ("estimate", "std_error", "ci_low", "ci_high") if k in e]
            if not all(_finite(v) for v in values):
                problems.append(f"{where}: non-finite estimate, standard error or CI {values}")
            elif "std_error" in e and e["std_error"] <= 0:
                problems.append(f"{where}: standard error {e['std_error']} is not positive")
            elif "ci_low" in e and not e["ci_low"] <= e["estimate"] <= e["ci_high"]:
                problems.append(f"{where}: estimate {e['estimate']} outside its CI [{e['ci_low']}, {e['ci_high']}]")
            elif where == f"{name}.att" or (not headline.get(name) and where.count(".") <= 1):
                headline[name] = e
    if not headline and not problems:
        problems.append("no headline estimate in results")
    failed = [f"{s.get('suite')}:{f.get('name')}" for s in (payload.get("quality") or {}).get("suites", [])
              for f in s.get("failed", []) if f.get("severity") == "error"]
    if failed:
        problems.append(f"input table failed blocking expectations: {', '.join(failed)}")
    return problems, headline


def build_result_check(key: dg.AssetKey) -> dg.AssetChecksDefinition:
    name = key.path[-1]

    @dg.asset_check(
        asset=key, name="result_well_formed", blocking=False,
        description="result.json exists; every estimate, standard error and CI is finite, SE > 0, the "
                    "estimate lies in its CI, the sample is non-empty, and the input table passed its "
                    "blocking expectations.",
    )
    def _check(project: ProjectResource) -> dg.AssetCheckResult:
        path = project.settings.results_dir / "evaluations" / name / "result.json"
        if not path.is_file():
            return dg.AssetCheckResult(passed=False, metadata={"problem": f"{path} not found"})
        problems, headline = review_result(json.loads(path.read_text()))
        metadata: dict = {f"{k}_estimate": e["estimate"] for k, e in headline.items()}
        metadata.update({f"{k}_ci": f"[{e['ci_low']:.4f}, {e['ci_high']:.4f}]" for k, e in headline.items()
                         if _finite(e.get("ci_low")) and _finite(e.get("ci_high"))})
        metadata["problems"] = "; ".join(problems) or "none"
        return dg.AssetCheckResult(passed=not problems, metadata=metadata)

    return _check


ASSETS = dg.map_asset_specs(
    organise, [*RAW_ASSETS, dbt_models, quality_report, *EVALUATION_ASSETS, *MAP_ASSETS, *SPATIAL_ASSETS, website])
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
        "dbt": DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=DBT_EXECUTABLE),
    },
    executor=executor_from_env(),
)
