"""Fixtures shared by the integration tests: a read-only connection to the session's pipeline build, and the one
run over a build folder with ingests that the slow tests of `bicentennial run` and the landing catalog share."""
from __future__ import annotations

import duckdb
import pytest


@pytest.fixture(scope="module")
def con(pipeline_build):
    """A read-only connection to the build's warehouse."""
    connection = duckdb.connect(str(pipeline_build / "warehouse.duckdb"), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def ingested_build(tmp_path_factory) -> dict:
    """An old build folder, a changed file ingested, `bicentennial run` with a second ingest waiting on its lock,
    and what it published (tests/integration/ingested_build.py): recorded right after the run, since
    test_run_promotion.py then renders a site into the folder as the Dagster UI would."""
    from .ingested_build import make_ingested_build

    return make_ingested_build(tmp_path_factory.mktemp("ingested"))
