"""Shared fixtures. The whole pipeline runs once per test session, into a temporary build folder."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = REPO_ROOT / "data"


@pytest.fixture(scope="session")
def pipeline_build(tmp_path_factory) -> Path:
    """`bicentennial run` on the embedded data into a fresh build folder; returns that folder."""
    build = tmp_path_factory.mktemp("build")
    env = {**os.environ, "BICENTENNIAL_BUILD_DIR": str(build)}
    env.pop("BICENTENNIAL_WAREHOUSE", None)
    completed = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "run"], cwd=REPO_ROOT, env=env,
        capture_output=True, text=True, timeout=900,
    )
    (build / "run.log").write_text(completed.stdout + "\n--- stderr ---\n" + completed.stderr)
    assert completed.returncode == 0, f"pipeline failed:\n{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}"
    return build
