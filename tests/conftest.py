"""Shared fixtures. The whole pipeline runs once per test session, into a temporary build folder that every
test reading a build shares (`pipeline_build`); a test that changes a build works on a copy of it.

Test tiers: `make test` runs everything not marked `slow` (the unit tests and the tests that read the shared
build); `make test-all` adds the `slow` tier (tests that run the pipeline again or start servers, browsers,
a fresh installation). Both run on every core with pytest-xdist (`-n auto`), a test module whole on one worker
(and the modules of SAME_WORKER together): see `pytest_xdist_make_scheduler` below.

The shared build starts in the background (tests/background.py) as soon as the tests are collected, and the
modules that read it run last (but for the longest modules, which start first), so the other tests run meanwhile. Set BICENTENNIAL_TEST_BUILD to the folder of a
`bicentennial run` of this very checkout to reuse it instead (the tests never write it)."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tests import background

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = REPO_ROOT / "data"

# Modules that take minutes (their own pipeline runs, a fresh install, servers and browsers): started first, so
# that no worker is left alone with one of them at the end of the session.
LONG_FIRST = ("tests/integration/test_landing_catalog.py", "tests/integration/test_reproduce.py",
              "tests/integration/test_graphql_runs.py", "tests/browser/test_dagster_ui.py",
              "tests/integration/test_bad_inputs.py", "tests/browser/test_site_reading.py")


# Modules that share a session-scoped fixture made by a full pipeline run (`ingested_build`): one worker runs them
# all, so the run is made once. (Named here rather than with xdist's `xdist_group` mark: with pytest 9 that mark no
# longer reaches the scheduler, since xdist 3.8 renames the tests through an attribute pytest 9 ignores.)
SAME_WORKER = (("tests/integration/test_landing_catalog.py", "tests/integration/test_run_promotion.py"),)


def _session_folder(config: pytest.Config) -> Path:
    """The folder of the session's background builds: made by the controlling process, handed to the workers."""
    workerinput = getattr(config, "workerinput", None)
    return Path(workerinput["bicentennial_session"] if workerinput else config.stash[_SESSION])


_SESSION = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        return
    from pipelines.dbt_project import ensure_manifest

    # Parsed once here, before any worker imports the Dagster definitions (which read the manifest) and before any
    # background run: two processes parsing into the same target folder at once would break each other.
    ensure_manifest()
    config.stash[_SESSION] = tempfile.mkdtemp(prefix="bicentennial-test-session-")


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    node.workerinput["bicentennial_session"] = node.config.stash[_SESSION]


@pytest.hookimpl(optionalhook=True, tryfirst=True)  # before xdist's own (a first-result hook)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """Whole modules per worker (their module-scoped fixtures run once), and the modules of one SAME_WORKER entry on
    one worker (the session-scoped fixture they share runs once); in collection order, which
    `pytest_collection_modifyitems` sets."""
    from xdist.scheduler import LoadScopeScheduling

    together = {module: group[0] for group in SAME_WORKER for module in group}

    class ModuleOrGroup(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return together.get(module, module)

    return ModuleOrGroup(config, log)


def _module(item: pytest.Item) -> str:
    return item.nodeid.split("::")[0]


def _steps(name: str, session: Path) -> list[tuple[str, list[str]]]:
    if name == "pipeline_build":
        return [("run", ["run", "--build-dir", "{build}"])]
    # second_build: the same run, after an ingest of a changed file and its revert, so the determinism tests show
    # that a revert leaves no trace, and the landing-catalog tests read the revert round (one full run for both).
    from tests.integration.ingested_build import IDEFF, SOURCE, changed_ideff

    incoming = session / "incoming" / IDEFF.name
    incoming.parent.mkdir(exist_ok=True)
    incoming.write_bytes(changed_ideff())
    return [("ingest", ["ingest", SOURCE, str(incoming), "--build-dir", "{build}"]),
            ("revert", ["ingest", "--revert", SOURCE, IDEFF.name, "--build-dir", "{build}"]),
            ("run", ["run", "--build-dir", "{build}"])]


def _start(config: pytest.Config, name: str) -> Path:
    session = _session_folder(config)
    return background.start(session, name, lambda: _steps(name, session))


@pytest.hookimpl(trylast=True)  # after the deselection by -m / -k
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reading = {_module(item) for item in items if "pipeline_build" in getattr(item, "fixturenames", ())}

    def order(item: pytest.Item) -> tuple:
        module = _module(item)
        if module in LONG_FIRST:  # even those that wait for the shared build: the background runs keep the cores busy
            return (0, LONG_FIRST.index(module))
        return (1, module in reading)

    items.sort(key=order)  # stable: modules stay whole and in order
    if config.option.collectonly:
        return
    if reading and not os.environ.get("BICENTENNIAL_TEST_BUILD"):
        _start(config, "pipeline_build")
    if any("second_build" in getattr(item, "fixturenames", ()) for item in items):
        _start(config, "second_build")


def pytest_unconfigure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput") and _SESSION in config.stash:
        background.stop_all(Path(config.stash[_SESSION]))


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
def pipeline_build(pytestconfig) -> Path:
    """`bicentennial run` on the embedded data into a fresh build folder (or BICENTENNIAL_TEST_BUILD); returns
    that folder. Read it, never write it: a test that changes a build works on a copy (shutil.copytree)."""
    given = os.environ.get("BICENTENNIAL_TEST_BUILD")
    if given:
        build = Path(given).resolve()
        for needed in ("warehouse.duckdb", "results/manifest.json", "site/versions.json"):
            assert (build / needed).is_file(), f"BICENTENNIAL_TEST_BUILD={given}: no {needed} (run `bicentennial run` first)"
        return build
    return background.wait(_start(pytestconfig, "pipeline_build"))


@pytest.fixture(scope="session")
def second_build(pytestconfig) -> Path:
    """A second `bicentennial run` of the same tree into its own build folder (started in the background at
    collection when a selected test asks for it), after `bicentennial ingest` of a changed file and `ingest
    --revert` of it: what the determinism tests compare with `pipeline_build`, and the landing catalog's revert
    round. Each step's output is beside the folder: `<folder>.parent / "{ingest,revert,run}.{out,err}"`."""
    return background.wait(_start(pytestconfig, "second_build"))


def missing_system_dependency(reason: str) -> None:
    """A test needs what `scripts/test-system-deps` installs (chromium, PostgreSQL) and it is not there: skip with
    the reason, or fail where the dependencies are required (BICENTENNIAL_TEST_REQUIRE_SYSTEM_DEPS=1, as in CI)."""
    if os.environ.get("BICENTENNIAL_TEST_REQUIRE_SYSTEM_DEPS") == "1":
        pytest.fail(f"{reason} (BICENTENNIAL_TEST_REQUIRE_SYSTEM_DEPS=1)")
    pytest.skip(reason)
