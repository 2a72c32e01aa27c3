"""Static checks of the dbt project: every model documented and unit-tested."""
from __future__ import annotations

from pathlib import Path

import yaml

MODELS = Path(__file__).resolve().parents[2] / "dbt_project" / "models"


def _yaml_files():
    return [yaml.safe_load(p.read_text()) or {} for p in MODELS.rglob("*.yml")]


def declared_unit_tests() -> list[dict]:
    return [t for doc in _yaml_files() for t in doc.get("unit_tests", [])]


def model_names() -> set[str]:
    return {p.stem for p in MODELS.rglob("*.sql")}


def test_every_model_has_a_unit_test():
    tested = {t["model"] for t in declared_unit_tests()}
    assert model_names() - tested == set()


def test_every_model_and_column_is_described():
    documented = {m["name"]: m for doc in _yaml_files() for m in doc.get("models", [])}
    assert model_names() - set(documented) == set()
    for name, model in documented.items():
        assert model.get("description"), name
        for column in model.get("columns", []):
            assert column.get("description"), f"{name}.{column['name']}"
