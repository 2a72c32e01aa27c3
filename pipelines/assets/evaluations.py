"""Evaluation assets: one per spec in evaluations/specs/, plus the change map of each spec that has one.

The assets are thin: read the spec's table from the warehouse, call the evaluations library,
write results (JSON, CSV, PNG) under build/results/, and show the headline in the asset's metadata.
"""
import json
from pathlib import Path
from typing import Optional

import dagster as dg
from pydantic import Field

from evaluations.did.plots import plot_event_study
from evaluations.specs import EvaluationSpec, SpecError, load_specs, run_did_spec

from ..resources import ProjectResource

GROUP = "evaluations"


class EvaluationConfig(dg.Config):
    """Estimator options an evaluator can override at launch (Launchpad run config); unset = the spec's value."""

    twfe_vcov: Optional[str] = Field(default=None, description="iid, robust or cluster")
    event_study_window: Optional[list[int]] = Field(default=None, description="[first lead, last lag], e.g. [-6, 12]")
    event_study_bin_endpoints: Optional[bool] = Field(default=None, description="pool event times beyond the window")
    event_study_vcov: Optional[str] = Field(default=None, description="iid, robust or cluster")

    def overrides(self) -> dict:
        out: dict = {}
        for field_name, value in self.model_dump().items():
            if value is not None:
                estimator, option = field_name.split("_", 1) if field_name.startswith("twfe") else ("event_study", field_name[len("event_study_"):])
                out.setdefault(estimator, {})[option] = value
        return out


def quality_status(results_dir: Path, table: str) -> dict:
    """The checks the table passed in this run, from the suite outcomes the quality checks wrote."""
    status = {"table": table, "suites": []}
    for path in sorted((results_dir / "quality").glob("*.json")):
        suite = json.loads(path.read_text())
        if suite["table"] == table:
            status["suites"].append({
                "suite": suite["suite"],
                "passed": [e["name"] for e in suite["expectations"] if e["success"]],
                "failed": [{"name": e["name"], "severity": e["severity"], "message": e["message"]}
                           for e in suite["expectations"] if not e["success"]],
            })
    return status


def write_json(path: Path, payload: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=1, sort_keys=True, default=str) + "\n")


def build_evaluation_asset(spec: EvaluationSpec) -> dg.AssetsDefinition:
    table_key = dg.AssetKey(spec.data["table"].split("."))

    @dg.asset(
        key=dg.AssetKey(["evaluations", spec.name]),
        deps=[table_key],
        group_name=GROUP,
        description=f"{spec.title['en']} ({spec.design}; spec {spec.path.name}).",
        kinds={"python"},
        tags={"goal": spec.goal, "line_of_action": spec.line_of_action},
        code_version="1",
    )
    def _evaluation(context: dg.AssetExecutionContext, config: EvaluationConfig, project: ProjectResource) -> dg.MaterializeResult:
        try:
            run_spec = spec.with_overrides(config.overrides())
        except SpecError as error:
            raise dg.Failure(description=f"run config overrides: {error}") from None
        with project.connect(read_only=True) as con:
            frame = con.execute(f"select * from {spec.data['table']}").df()
        evaluation = run_did_spec(run_spec, frame)
        out_dir = project.settings.results_dir / "evaluations" / spec.name
        payload = evaluation.to_dict()
        payload["quality"] = quality_status(project.settings.results_dir, spec.data["table"])
        write_json(out_dir / "result.json", payload)
        metadata: dict = {"rows_in_window": evaluation.sample["rows_in_window"], "units": evaluation.sample["units"]}
        if evaluation.event_study is not None:
            evaluation.event_study.to_csv(out_dir / "event_study.csv", index=False)
            figure = plot_event_study(
                evaluation.event_study, out_dir / "event_study.png", title=spec.title["en"],
                ylabel=f"Effect on {spec.data['outcome']}", source_note=f"Source: {spec.data.get('source', '')}",
            )
            metadata["event_study_plot"] = dg.MetadataValue.path(str(figure))
        if "twfe" in evaluation.results:
            att = evaluation.results["twfe"].att
            metadata.update({"twfe_estimate": att.estimate, "twfe_std_error": att.std_error,
                             "twfe_ci": f"[{att.ci_low:.4f}, {att.ci_high:.4f}]"})
            context.log.info(f"{spec.name}: TWFE {att.estimate:.4f} (SE {att.std_error:.4f})")
        return dg.MaterializeResult(metadata=metadata)

    return _evaluation


SPECS = load_specs()
EVALUATION_ASSETS = [build_evaluation_asset(s) for s in SPECS if s.design == "staggered_did"]
