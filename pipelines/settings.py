"""Where things live. Every path can be overridden by an environment variable so that tests,
auditors' reruns and the Dagster UI can point the same code at their own folders."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"
SPECS_DIR = REPO_ROOT / "evaluations" / "specs"
SITE_SOURCE_DIR = REPO_ROOT / "site"

# Telemetry off for every tool the pipeline drives.
TELEMETRY_OFF = {"DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "GX_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
for _key, _value in TELEMETRY_OFF.items():
    os.environ.setdefault(_key, _value)


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    build_dir: Path
    warehouse: Path

    @property
    def results_dir(self) -> Path:
        return self.build_dir / "results"

    @property
    def site_dir(self) -> Path:
        return self.build_dir / "site"


def settings_from_env() -> Settings:
    """BICENTENNIAL_DATA_DIR, BICENTENNIAL_BUILD_DIR and BICENTENNIAL_WAREHOUSE, with repository defaults."""
    data_dir = Path(os.environ.get("BICENTENNIAL_DATA_DIR", REPO_ROOT / "data")).resolve()
    build_dir = Path(os.environ.get("BICENTENNIAL_BUILD_DIR", REPO_ROOT / "build")).resolve()
    warehouse = Path(os.environ.get("BICENTENNIAL_WAREHOUSE", build_dir / "warehouse.duckdb")).resolve()
    return Settings(data_dir, build_dir, warehouse)
