"""Evaluation assets: one per spec in evaluations/specs/, plus the change map of each spec that has one.

The assets are thin: read the spec's table from the warehouse, call the evaluations library,
write results (JSON, CSV, PNG) under build/results/, and show the headline in the asset's metadata.
"""
import json
from pathlib import Path
from types import UnionType
from typing import Optional, Union, get_args, get_origin

import dagster as dg
from pydantic import Field, ValidationError, create_model

from evaluations.designs import run_spec
from evaluations.lines_of_action import coverage, data_gaps
from evaluations.options import ESTIMATOR_MODELS
from evaluations.publication import audit, load_results, report_lines
from evaluations.result_model import EvaluationResult
from evaluations.spec_model import EvaluationSpec, SpecError, load_specs

from ..resources import ProjectResource
from ..sources import retrieved_dates

GROUP = "evaluations"


class _Overrides(dg.Config):
    def overrides(self) -> dict:
        """{estimator: {option: value}} of the fields that are set."""
        out: dict = {}
        for field_name, value in self.model_dump().items():
            if value is not None:
                estimator, option, _ = LAUNCH_FIELDS[field_name]
                out.setdefault(estimator, {})[option] = value
        return out


def _launch_type(annotation):
    """The launchpad type of an option (`X | None` is X); its value is checked by the option model when
    the override is applied."""
    if get_origin(annotation) in (Union, UnionType):
        return next(a for a in get_args(annotation) if a is not type(None))
    return annotation


# launchpad field `<estimator>_<option>` -> (estimator, option as written in a spec, the option's model field)
LAUNCH_FIELDS = {f"{estimator}_{field.alias or name}": (estimator, field.alias or name, field)
                 for estimator, model in ESTIMATOR_MODELS.items() for name, field in model.model_fields.items()}
EvaluationConfig = create_model(
    "EvaluationConfig", __base__=_Overrides, __module__=__name__,
    __doc__="""Estimator options an evaluator can override at launch (Launchpad run config); unset = the spec's value.

    Each field is `<estimator>_<option>` of the option models in evaluations.options. An option of an estimator
    the evaluation's design does not use fails the step with a message naming it (nothing is computed).""",
    **{launch: (Optional[_launch_type(field.annotation)], Field(default=None, description=field.description))
       for launch, (_, _, field) in LAUNCH_FIELDS.items()},
)


def quality_status(results_dir: Path, table: str) -> dict:
    """The checks the table passed in this run, from the suite outcomes the quality checks wrote."""
    status = {"table": table, "suites": []}
    for path in sorted((results_dir / "quality").glob("*.json")):
        suite = json.loads(path.read_text())
        if suite.get("table") == table:  # skips report.json (all suites in one file)
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


def write_result(path: Path, payload: dict, spec_file: str) -> None:
    """result.json, written only when the text that would be written reads into EvaluationResult
    (docs/RESULT_SCHEMA.md), so no file of another shape is ever published."""
    text = json.dumps(payload, indent=1, sort_keys=True, default=str) + "\n"
    try:
        EvaluationResult.model_validate(json.loads(text))
    except ValidationError as error:
        raise dg.Failure(description=f"{spec_file}: the result does not match docs/RESULT_SCHEMA.md: "
                                     f"{' '.join(str(error).split())[:800]}") from None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def build_evaluation_asset(spec: EvaluationSpec) -> dg.AssetsDefinition:
    """One asset per spec, whatever its design: read the spec's table, run it, write result.json, CSVs, PNGs."""
    table_key = dg.AssetKey(spec.data.table.split("."))
    geography_table = (spec.neighbours or {}).get("geography")
    extra_deps = [dg.AssetKey(geography_table.split("."))] if geography_table else []

    @dg.asset(
        key=dg.AssetKey(["evaluations", spec.name]),
        deps=[table_key, *extra_deps],
        group_name=GROUP,
        description=f"{spec.title['en']} ({spec.design}; spec {spec.path.name}).",
        kinds={"python"},
        tags={"goal": spec.goal, "line_of_action": spec.line_of_action, "design": spec.design},
        code_version="2",
    )
    def _evaluation(context: dg.AssetExecutionContext, config: EvaluationConfig, project: ProjectResource) -> dg.MaterializeResult:
        try:
            run_spec_ = spec.with_overrides(config.overrides()).with_retrieved(retrieved_dates())
        except SpecError as error:
            raise dg.Failure(description=f"run config overrides: {error}") from None
        with project.connect(read_only=True) as con:
            frame = con.execute(f"select * from {spec.data.table}").df()
            geography = con.execute(f"select * from {geography_table}").df() if geography_table else None
        try:
            output = run_spec(run_spec_, frame, geography)
        except (SpecError, ValueError) as error:
            raise dg.Failure(description=f"{spec.path.name}: {error}") from None
        out_dir = project.settings.results_dir / "evaluations" / spec.name
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, table in output.tables.items():
            table.to_csv(out_dir / name, index=False)
        metadata: dict = {"design": spec.design, "n_obs": output.result["data"]["n_obs"]}
        for name, draw in output.figures.items():
            figure = draw(out_dir / name)
            metadata[name.replace(".png", "_plot")] = dg.MetadataValue.path(str(figure))
        payload = dict(output.result)
        payload["quality"] = quality_status(project.settings.results_dir, spec.data.table)
        write_result(out_dir / "result.json", payload, spec.path.name)
        head = payload.get("headline")
        if head:
            metadata.update({"headline_estimator": head.get("estimator"), "headline_estimate": head["estimate"],
                             "headline_ci": f"[{head['ci_low']:.4f}, {head['ci_high']:.4f}]"})
            context.log.info(f"{spec.name}: {head.get('estimator')} {head['estimate']:.4f} (SE {head['std_error']:.4f})")
        for e in payload.get("estimates", []):
            if e["id"] == "twfe":
                metadata.update({"twfe_estimate": e["estimate"], "twfe_std_error": e["std_error"]})
        return dg.MaterializeResult(metadata=metadata)

    return _evaluation


@dg.asset(
    key=dg.AssetKey(["evaluations", "data_gaps"]),
    group_name=GROUP,
    description="Every line of action of the Framework with the evaluations that cover it, and the data gaps "
                "(BUILD/results/data_gaps.json, BUILD/results/lines_of_action.json).",
    kinds={"python"},
    code_version="1",
)
def data_gaps_asset(project: ProjectResource) -> dg.MaterializeResult:
    evaluated: dict[str, list[str]] = {}
    for s in SPECS:
        evaluated.setdefault(s.line_of_action, []).append(s.name)
    gaps = data_gaps(evaluated)
    write_json(project.settings.results_dir / "data_gaps.json", gaps)
    write_json(project.settings.results_dir / "lines_of_action.json", coverage(evaluated))
    return dg.MaterializeResult(metadata={"gaps": len(gaps), "no_data": sum(g["kind"] == "no_data" for g in gaps)})


SPECS = load_specs()
SPEC_ASSETS = [build_evaluation_asset(s) for s in SPECS]


@dg.asset(
    key=dg.AssetKey(["site", "publication_audit"]),
    deps=[a.key for a in SPEC_ASSETS],
    group_name="site",   # so the publish_site job re-audits the results it renders
    description="Every published number checked against the publication rules (evaluations/publication/): the scorecard "
                "rows, Benjamini–Hochberg q-values and every violation (BUILD/results/publication_audit.json). Fails, and so "
                "keeps the last good site, when any result breaks a rule.",
    kinds={"python"},
    code_version="1",
)
def publication_audit_asset(context: dg.AssetExecutionContext, project: ProjectResource) -> dg.MaterializeResult:
    report = audit(load_results(project.settings.results_dir))
    write_json(project.settings.results_dir / "publication_audit.json", report)
    for line in report_lines(report)[-(len(report["violations"]) + 1):]:
        context.log.info(line)
    if not report["passed"]:
        first = report["violations"][0]
        raise dg.Failure(description=f"publication audit: {len(report['violations'])} violation(s), e.g. "
                                     f"{first['evaluation']}: {first['rule']}: {first['message']}")
    return dg.MaterializeResult(metadata={"published_estimates": len(report["published"]),
                                          "family_tests": report["family"]["tests"], "violations": 0})


EVALUATION_ASSETS = SPEC_ASSETS + [data_gaps_asset, publication_audit_asset]
