"""Great Expectations suites (expectations/*.yml) as Dagster asset checks.

Every expectation is its own check on the table's asset; `error` expectations are blocking, so a
failure stops everything downstream of that table. The outcomes are also written to
build/results/quality/<suite>.json for the site's data-quality page and for the evaluations,
which record the checks their inputs passed.
"""
import json

import dagster as dg

from ..quality.suites import Suite, load_suites, validate
from ..resources import ProjectResource
from ..settings import EXPECTATIONS_DIR

GROUP = "quality"


def check_specs(suite: Suite) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(
            name=e.name, asset=dg.AssetKey(list(suite.asset)), blocking=e.severity == "error",
            description=(e.description or e.type) + f" [{e.severity.upper()}; suite {suite.name}]",
            metadata={"severity": e.severity, "expectation_type": e.type},
        )
        for e in suite.expectations
    ]


def build_suite_check(suite: Suite) -> dg.AssetChecksDefinition:
    @dg.multi_asset_check(specs=check_specs(suite), name=f"ge_{suite.name}", description=suite.description)
    def _check(context: dg.AssetCheckExecutionContext, project: ProjectResource):
        with project.connect(read_only=True) as con:
            frame = con.execute(f"select * from {suite.table}").df()

            def lookup(table: str, column: str) -> list:
                return [r[0] for r in con.execute(f"select distinct {column} from {table}").fetchall()]

            outcomes = validate(suite, frame, lookup)
        out_dir = project.settings.results_dir / "quality"
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / f"{suite.name}.json").write_text(json.dumps(
            {"suite": suite.name, "table": suite.table, "rows": len(frame),
             "expectations": [o.__dict__ for o in outcomes]}, indent=1, sort_keys=True, default=str))
        for o in outcomes:
            if not o.success:
                context.log.log("ERROR" if o.severity == "error" else "WARNING", f"{suite.table}: {o.message}")
            yield dg.AssetCheckResult(
                asset_key=dg.AssetKey(list(suite.asset)), check_name=o.name, passed=o.success,
                severity=dg.AssetCheckSeverity.ERROR if o.severity == "error" else dg.AssetCheckSeverity.WARN,
                metadata={
                    "unexpected_count": o.unexpected_count if o.unexpected_count is not None else -1,
                    "examples": dg.MetadataValue.json(o.examples),
                    "message": o.message,
                    "rows_checked": len(frame),
                },
            )

    return _check


SUITES = load_suites(EXPECTATIONS_DIR)
SUITE_CHECKS = [build_suite_check(s) for s in SUITES]


@dg.asset(
    key=dg.AssetKey(["quality", "report"]),
    deps=[dg.AssetKey(list(s.asset)) for s in SUITES],
    group_name=GROUP,
    description="All expectation outcomes of this run in one file (build/results/quality/report.json), for the site.",
    kinds={"python"},
)
def quality_report(context: dg.AssetExecutionContext, project: ProjectResource) -> dg.MaterializeResult:
    folder = project.settings.results_dir / "quality"
    suites = [json.loads((folder / f"{s.name}.json").read_text()) for s in SUITES if (folder / f"{s.name}.json").exists()]
    outcomes = [e for suite in suites for e in suite["expectations"]]
    report = {
        "suites": suites,
        "passed": sum(e["success"] for e in outcomes),
        "failed_error": sum(not e["success"] and e["severity"] == "error" for e in outcomes),
        "failed_warn": sum(not e["success"] and e["severity"] == "warn" for e in outcomes),
    }
    (folder / "report.json").write_text(json.dumps(report, indent=1, sort_keys=True, default=str) + "\n")
    return dg.MaterializeResult(metadata={k: v for k, v in report.items() if k != "suites"})
