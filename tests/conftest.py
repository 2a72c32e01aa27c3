"""Shared fixtures. The whole pipeline runs once per test session, into a temporary build folder that every
test reading a build shares (`pipeline_build`); a test that changes a build works on a copy of it.

Test tiers: `make test` runs everything not marked `slow` (the unit tests and the tests that read the shared
build); `make test-all` adds the `slow` tier (tests that run the pipeline again or start servers, browsers,
a fresh installation). The shared build starts in the background as soon as the tests are collected, and the
modules that read it run last, so the other tests run meanwhile (the pipeline keeps about one core busy). Set
BICENTENNIAL_TEST_BUILD to the folder of a `bicentennial run` of this very checkout to reuse it instead (the
tests never write it)."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = REPO_ROOT / "data"

# Builds started in the background at collection, by the fixture that reads them: "pipeline_build" (the
# session's shared build) and "second_build" (a second run of the same tree, for the determinism tests of the
# slow tier). A run is mostly single-threaded, so on 2 cores two runs side by side take little more than one.
_background: dict[str, dict] = {}


def _start_build(name: str) -> None:
    from pipelines.dbt_project import ensure_manifest

    ensure_manifest()  # parsed once here, so neither the run nor the tests meanwhile parse into the same target
    base = Path(tempfile.mkdtemp(prefix=f"bicentennial-test-{name}-"))
    build = base / "build"
    env = {**os.environ, "BICENTENNIAL_BUILD_DIR": str(build)}
    env.pop("BICENTENNIAL_WAREHOUSE", None)
    with open(base / "run.out", "w") as out, open(base / "run.err", "w") as err:
        process = subprocess.Popen([sys.executable, "-m", "pipelines.cli", "run"], cwd=REPO_ROOT, env=env,
                                   stdout=out, stderr=err, text=True, start_new_session=True)
    _background[name] = {"process": process, "base": base, "build": build}


def _start_shared_build() -> None:
    _start_build("pipeline_build")


def _wait_build(name: str) -> Path:
    if name not in _background:
        _start_build(name)
    process, base = _background[name]["process"], _background[name]["base"]
    returncode = process.wait(timeout=1800)
    stdout, stderr = (base / "run.out").read_text(), (base / "run.err").read_text()
    assert returncode == 0, f"{name}: pipeline failed:\n{stdout[-3000:]}\n{stderr[-3000:]}"
    return _background[name]["build"]


def _module(item: pytest.Item) -> str:
    return item.nodeid.split("::")[0]


@pytest.hookimpl(trylast=True)  # after the deselection by -m / -k
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reading = {_module(item) for item in items if "pipeline_build" in getattr(item, "fixturenames", ())}
    items.sort(key=lambda item: _module(item) in reading)  # stable: modules stay whole and in order
    if config.option.collectonly:
        return
    if reading and not os.environ.get("BICENTENNIAL_TEST_BUILD"):
        _start_shared_build()
    if any("second_build" in getattr(item, "fixturenames", ()) for item in items):
        _start_build("second_build")


def pytest_sessionfinish(session: pytest.Session) -> None:
    for started in _background.values():
        process = started["process"]
        if process.poll() is None:  # the session stopped early (-x, interrupted): do not leave the run behind
            os.killpg(process.pid, signal.SIGTERM)  # with its dbt subprocess
            process.wait(timeout=60)
        shutil.rmtree(started["base"], ignore_errors=True)


@pytest.fixture(autouse=True)
def _project_environment_restored():
    """BICENTENNIAL_* variables as they were before each test: `bicentennial run` called in-process sets them
    (BICENTENNIAL_WAREHOUSE, …), and a later test's subprocess must not inherit a folder that test removed."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("BICENTENNIAL_")}
    yield
    for key in [k for k in os.environ if k.startswith("BICENTENNIAL_") and k not in saved]:
        del os.environ[key]
    os.environ.update(saved)


@pytest.fixture(scope="session")
def pipeline_build() -> Path:
    """`bicentennial run` on the embedded data into a fresh build folder (or BICENTENNIAL_TEST_BUILD); returns
    that folder. Read it, never write it: a test that changes a build works on a copy (shutil.copytree)."""
    given = os.environ.get("BICENTENNIAL_TEST_BUILD")
    if given:
        build = Path(given).resolve()
        for needed in ("warehouse.duckdb", "results/manifest.json", "site/versions.json"):
            assert (build / needed).is_file(), f"BICENTENNIAL_TEST_BUILD={given}: no {needed} (run `bicentennial run` first)"
        return build
    return _wait_build("pipeline_build")


@pytest.fixture(scope="session")
def second_build() -> Path:
    """A second `bicentennial run` of the same tree into its own build folder (started in the background at
    collection when a selected test asks for it): what the determinism tests compare with `pipeline_build`."""
    return _wait_build("second_build")


def missing_system_dependency(reason: str) -> None:
    """A test needs what `scripts/test-system-deps` installs (chromium, PostgreSQL) and it is not there: skip with
    the reason, or fail where the dependencies are required (BICENTENNIAL_TEST_REQUIRE_SYSTEM_DEPS=1, as in CI)."""
    if os.environ.get("BICENTENNIAL_TEST_REQUIRE_SYSTEM_DEPS") == "1":
        pytest.fail(f"{reason} (BICENTENNIAL_TEST_REQUIRE_SYSTEM_DEPS=1)")
    pytest.skip(reason)
