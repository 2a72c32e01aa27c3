"""The pydantic models of specs and results: every shipped spec reads into EvaluationSpec, and
docs/RESULT_SCHEMA.md lists exactly the fields of the result models (the example block is parsed here,
not taken from the models)."""
import json
import re
from pathlib import Path

import pytest
import yaml

from evaluations.result_model import Estimate, EvaluationResult, Evidence, Figure, Headline, ResultData, TableFile
from evaluations.spec_model import SPEC_DIR, EvaluationSpec, SpecError, load_spec

REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_FILES = sorted(SPEC_DIR.glob("*.yaml"))


def _fields(model) -> set[str]:
    return {field.alias or name for name, field in model.model_fields.items()}


def _documented() -> dict:
    """The jsonc example of docs/RESULT_SCHEMA.md as a dict: comments dropped, `{...}` placeholders emptied."""
    text = (REPO_ROOT / "docs/RESULT_SCHEMA.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```jsonc\n(.*?)```", text, flags=re.S)
    block = re.sub(r"//[^\n]*", "", block).replace("{...}", "{}")
    return json.loads(block)


@pytest.mark.parametrize("path", SPEC_FILES, ids=[p.stem for p in SPEC_FILES])
def test_every_shipped_spec_reads_into_the_model(path):
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    spec = EvaluationSpec.model_validate(raw)
    assert spec.name == path.stem and load_spec(path) == spec.model_copy(update={"path": path})


def test_there_are_shipped_specs_and_a_broken_one_is_refused(tmp_path):
    assert len(SPEC_FILES) >= 20
    broken = tmp_path / "broken.yaml"
    broken.write_text(SPEC_FILES[0].read_text(encoding="utf-8").replace("desired_direction:", "desired_direction: up\nx:"))
    with pytest.raises(SpecError, match="broken.yaml: "):
        load_spec(broken)


def test_the_result_schema_document_lists_exactly_the_model_fields():
    doc = _documented()
    assert set(doc) == _fields(EvaluationResult)
    assert set(doc["data"]) == _fields(ResultData)
    assert set(doc["headline"]) == _fields(Headline)
    assert set(doc["headline"]) | set(doc["estimates"][0]) == _fields(Estimate)
    assert set(doc["evidence"]) == _fields(Evidence)
    assert set(doc["figures"][0]) == _fields(Figure)
    assert set(doc["tables"][0]) == _fields(TableFile)


def test_a_result_with_an_unknown_or_missing_field_is_refused():
    doc = _documented()
    doc["headline"] = None
    doc["estimates"][0]["label"] = {"en": "a", "es": "b"}
    doc["evidence"]["mde"] = None
    assert EvaluationResult.model_validate(doc).to_json()["name"] == "joint_operations_homicides"
    with pytest.raises(ValueError, match="colour"):
        EvaluationResult.model_validate({**doc, "colour": "red"})
    with pytest.raises(ValueError, match="estimates.0.kind"):
        EvaluationResult.model_validate({**doc, "estimates": [{**doc["estimates"][0], "kind": "guess"}]})


def test_the_evaluation_asset_writes_only_results_that_read_into_the_model(tmp_path):
    import dagster as dg

    from pipelines.assets.evaluations import write_result

    doc = _documented()
    doc["headline"] = None
    doc["estimates"][0]["label"] = {"en": "a", "es": "b"}
    doc["evidence"]["mde"] = None
    good = tmp_path / "good" / "result.json"
    write_result(good, doc, "good.yaml")
    assert json.loads(good.read_text()) == doc
    bad = tmp_path / "bad" / "result.json"
    with pytest.raises(dg.Failure, match="bad.yaml: the result does not match docs/RESULT_SCHEMA.md"):
        write_result(bad, {**doc, "design": "guesswork"}, "bad.yaml")
    assert not bad.exists()
