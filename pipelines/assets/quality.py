"""Great Expectations suites (expectations/*.yml) as Dagster asset checks.

Every expectation is its own check on the table's asset; `error` expectations are blocking, so a
failure stops everything downstream of that table. The outcomes are also written to
build/results/quality/<suite>.json for the site's data-quality page and for the evaluations,
which record the checks their inputs passed.
"""
import json

import dagster as dg

from ..quality.gate import run_suite, write_results
from ..quality.suites import FILE_PARSES, Suite, load_suites
from ..resources import ProjectResource
from ..settings import DBT_PROJECT_DIR, EXPECTATIONS_DIR
from ..sources import SOURCES

GROUP = "quality"


def check_specs(suite: Suite) -> list[dg.AssetCheckSpec]:
    asset = dg.AssetKey(list(suite.asset))
    lookups = sorted({e.value_set_from["table"] for e in suite.expectations if e.value_set_from})
    deps = [dg.AssetKey(t.split(".")) for t in lookups if t != suite.table]
    specs = []
    if suite.is_raw:
        specs.append(dg.AssetCheckSpec(
            name=FILE_PARSES, asset=asset, blocking=True, additional_deps=deps,
            description=f"Every landing file of {suite.table} was stored, screened and parsed [ERROR; suite {suite.name}]",
            metadata={"severity": "error", "expectation_type": "file_parses"},
        ))
    specs += [
        dg.AssetCheckSpec(
            name=e.name, asset=asset, blocking=e.severity == "error", additional_deps=deps,
            description=(e.description or e.type) + f" [{e.severity.upper()}; suite {suite.name}"
                        + ("; failing rows quarantined" if e.quarantine else "") + "]",
            metadata={"severity": e.severity, "expectation_type": e.type, "quarantine": e.quarantine},
        )
        for e in suite.expectations
    ]
    return specs


def build_suite_check(suite: Suite) -> dg.AssetChecksDefinition:
    @dg.multi_asset_check(specs=check_specs(suite), name=f"ge_{suite.name}", description=suite.description,
                          pool="warehouse")
    def _check(context: dg.AssetCheckExecutionContext, project: ProjectResource):
        writable = suite.is_raw and any(e.quarantine for e in suite.expectations)
        with project.connect(read_only=not writable) as con:
            run = run_suite(con, suite)
        write_results(run, project.settings.results_dir)
        for line in run.messages():
            context.log.log("ERROR" if "[ERROR]" in line else "WARNING", line)
        if run.removed:
            context.log.warning(f"{suite.table}: {run.removed:,} row(s) quarantined (quarantine.rows), the rest flows on")
        for o in run.outcomes:
            yield dg.AssetCheckResult(
                asset_key=dg.AssetKey(list(suite.asset)), check_name=o.name, passed=o.success,
                severity=dg.AssetCheckSeverity.ERROR if o.severity == "error" else dg.AssetCheckSeverity.WARN,
                metadata={
                    "unexpected_count": o.unexpected_count if o.unexpected_count is not None else -1,
                    "examples": dg.MetadataValue.json(o.examples),
                    "message": o.message,
                    "rows_checked": run.rows,
                    "evaluated": o.evaluated,
                    "quarantined_rows": o.quarantined,
                },
            )

    return _check


def all_suites() -> list[Suite]:
    """The suites of expectations/, plus a parse-only suite for any raw source without its own file,
    so a file that fails to parse is always reported by a blocking check."""
    from pathlib import Path

    models = {p.stem for p in (DBT_PROJECT_DIR / "models").rglob("*.sql")}
    # A suite for a dbt model that does not exist (yet) in this checkout is left out, not an error.
    suites = [s for s in load_suites(EXPECTATIONS_DIR) if s.is_raw or s.table.split(".", 1)[1] in models]
    covered = {s.table for s in suites}
    for spec in SOURCES:
        if f"raw.{spec.name}" not in covered:
            suites.append(Suite(f"raw_{spec.name}_parses", ("raw", spec.name), f"raw.{spec.name}",
                                "Parse check only (no suite file yet).", (), Path(f"raw_{spec.name}.yml")))
    return suites


SUITES = all_suites()
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
