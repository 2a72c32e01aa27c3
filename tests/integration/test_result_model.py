"""Every result.json a pipeline run writes reads into the EvaluationResult model and writes back byte
for byte (the asset's JSON layout: indent 1, keys sorted)."""
import json
from pathlib import Path

from evaluations.result_model import EvaluationResult
from evaluations.spec_model import load_specs


def check_round_trip(build: Path) -> int:
    """Round-trip every evaluation's result.json of `build`; returns how many were checked."""
    names = sorted(s.name for s in load_specs())
    for name in names:
        text = (build / "results/evaluations" / name / "result.json").read_text(encoding="utf-8")
        result = EvaluationResult.model_validate_json(text)
        assert json.dumps(result.to_json(), indent=1, sort_keys=True) + "\n" == text, name
    return len(names)


def test_every_result_round_trips_through_the_model(pipeline_build):
    assert check_round_trip(pipeline_build) >= 20
