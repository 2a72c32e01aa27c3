"""Dagster resources: where the project's files are, and connections to the DuckDB warehouse."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from .settings import Settings, settings_from_env


class ProjectResource(dg.ConfigurableResource):
    """Data, build and warehouse locations (defaults: data/, build/, build/warehouse.duckdb)."""

    data_dir: str
    build_dir: str
    warehouse_path: str

    @classmethod
    def from_env(cls) -> "ProjectResource":
        s = settings_from_env()
        return cls(data_dir=str(s.data_dir), build_dir=str(s.build_dir), warehouse_path=str(s.warehouse))

    @property
    def settings(self) -> Settings:
        return Settings(Path(self.data_dir), Path(self.build_dir), Path(self.warehouse_path))

    @contextmanager
    def connect(self, read_only: bool = False):
        """A DuckDB connection that is always closed: DuckDB allows one writer per file."""
        path = Path(self.warehouse_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path), read_only=read_only)
        try:
            yield con
        finally:
            con.close()
