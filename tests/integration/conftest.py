"""Fixtures shared by the integration tests that read the session's pipeline build."""
from __future__ import annotations

import duckdb
import pytest


@pytest.fixture(scope="module")
def con(pipeline_build):
    """A read-only connection to the build's warehouse."""
    connection = duckdb.connect(str(pipeline_build / "warehouse.duckdb"), read_only=True)
    yield connection
    connection.close()
