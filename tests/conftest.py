"""Shared fixtures. The whole pipeline runs once per test session, into a temporary build folder that every
test reading a build shares (`pipeline_build`); a test that changes a build works on a copy of it.

Test tiers: `make test` runs everything not marked `slow` (the unit tests and the tests that read the shared
build); `make test-all` adds the `slow` tier (tests that run the pipeline again or start servers, browsers,
a fresh installation). Set BICENTENNIAL_TEST_BUILD to the folder of a `bicentennial run` of this very checkout
to reuse it instead of running the pipeline (the tests never write it)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = REPO_ROOT / "data"


@pytest.fixture(scope="session")
def pipeline_build(tmp_path_factory) -> Path:
    """`bicentennial run` on the embedded data into a fresh build folder (or BICENTENNIAL_TEST_BUILD); returns
    that folder. Read it, never write it: copy it first (`copy_of_build`)."""
    given = os.environ.get("BICENTENNIAL_TEST_BUILD")
    if given:
        build = Path(given).resolve()
        for needed in ("warehouse.duckdb", "results/manifest.json", "site/versions.json"):
            assert (build / needed).is_file(), f"BICENTENNIAL_TEST_BUILD={given}: no {needed} (run `bicentennial run` first)"
        return build
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


def copy_of_build(build: Path, target: Path) -> Path:
    """A private copy of a build folder — warehouse, results, site, landing store — that a test may change.
    The links `results` and `site` (to `current/…`) are copied as links, with the folder they point to."""
    shutil.copytree(build, target, symlinks=True, ignore=shutil.ignore_patterns("*.lock", "run.log"))
    return target


def missing_system_dependency(reason: str) -> None:
    """A test needs what `scripts/test-system-deps` installs (chromium, PostgreSQL) and it is not there: skip with
    the reason, or fail where the dependencies are required (BICENTENNIAL_TEST_REQUIRE_SYSTEM_DEPS=1, as in CI)."""
    if os.environ.get("BICENTENNIAL_TEST_REQUIRE_SYSTEM_DEPS") == "1":
        pytest.fail(f"{reason} (BICENTENNIAL_TEST_REQUIRE_SYSTEM_DEPS=1)")
    pytest.skip(reason)
