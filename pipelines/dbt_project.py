"""The dbt project as Dagster sees it. `@dbt_assets` needs manifest.json at import time, so it is
(re)built here when missing or older than the dbt sources (a `dbt parse`, about 5 s)."""
from __future__ import annotations

import sys
from pathlib import Path

from dagster_dbt import DbtProject

from .settings import DBT_PROJECT_DIR

DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))

DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def manifest_is_stale(project: DbtProject = DBT_PROJECT) -> bool:
    manifest = Path(project.manifest_path)
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = [Path(project.project_dir) / "dbt_project.yml"]
    for folder in ("models", "macros", "tests"):
        sources.extend(p for p in (Path(project.project_dir) / folder).rglob("*") if p.is_file())
    return any(p.stat().st_mtime > built for p in sources)


def ensure_manifest(project: DbtProject = DBT_PROJECT) -> Path:
    if manifest_is_stale(project):
        from dagster_dbt import DbtCliResource

        DbtCliResource(project_dir=project, dbt_executable=DBT_EXECUTABLE).cli(
            ["--quiet", "parse"], target_path=Path(project.target_path)
        ).wait()
    return Path(project.manifest_path)
