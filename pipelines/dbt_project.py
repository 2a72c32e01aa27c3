"""The dbt project as Dagster sees it. `@dbt_assets` needs manifest.json at import time, so it is
(re)built here when missing or older than the dbt sources (a `dbt parse`, about 5 s). dagster-dbt's
`DbtProject.prepare_if_dev()` does the same only under `dagster dev`; `bicentennial run` and the tests
import the definitions outside it, so the check is ours."""
from __future__ import annotations

import sys
from functools import cached_property
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject
from packaging import version

from .settings import DBT_PROJECT_DIR

DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))

DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


class WarehouseDbtResource(DbtCliResource):
    """DbtCliResource without two start-up costs a run does not need (≈5 s of a 60 s budget).

    dagster-dbt 0.29 asks the dbt executable for its version (`dbt --version`, a 2.7 s subprocess) and
    builds an in-process dbt adapter (2.3 s) before every `dbt.cli(...)`. The adapter is only used to
    fetch column metadata or row counts into Dagster, which our assets do not ask for; the version is the
    dbt-core installed beside us in the same locked environment (`dbt_executable` is that venv's dbt).
    Both hooks are private API of the pinned dagster-dbt; the pipeline integration test runs the dbt build
    through this resource and checks every model's events and rows.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        from dbt.version import __version__

        return version.parse(__version__)

    def _initialize_dbt_core_adapter(self, args):  # noqa: ARG002 — signature of the overridden hook
        return None


def manifest_is_stale(project: DbtProject = DBT_PROJECT) -> bool:
    manifest = Path(project.manifest_path)
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = [Path(project.project_dir) / "dbt_project.yml"]
    # seeds: the Framework's goals and lines of action, kept with the evaluations library (dbt_project.yml)
    for folder in ("models", "macros", "tests", "../evaluations/framework"):
        sources.extend(p for p in (Path(project.project_dir) / folder).rglob("*") if p.is_file())
    return any(p.stat().st_mtime > built for p in sources)


def ensure_manifest(project: DbtProject = DBT_PROJECT) -> Path:
    if manifest_is_stale(project):
        WarehouseDbtResource(project_dir=project, dbt_executable=DBT_EXECUTABLE).cli(
            ["--quiet", "parse"], target_path=Path(project.target_path)
        ).wait()
    return Path(project.manifest_path)
