"""`bicentennial run`: the whole pipeline on the embedded (or given) data, then the site."""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def _apply_paths(args: argparse.Namespace) -> None:
    if getattr(args, "build_dir", None):
        os.environ["BICENTENNIAL_BUILD_DIR"] = str(Path(args.build_dir).resolve())
    if getattr(args, "warehouse", None):
        os.environ["BICENTENNIAL_WAREHOUSE"] = str(Path(args.warehouse).resolve())
    if getattr(args, "data_dir", None):
        os.environ["BICENTENNIAL_DATA_DIR"] = str(Path(args.data_dir).resolve())


def cmd_run(args: argparse.Namespace) -> int:
    """Run the whole pipeline in-process and print where the site is."""
    _apply_paths(args)
    started = time.monotonic()
    print("bicentennial: loading pipeline definitions (dbt manifest, specs, suites)…", flush=True)
    import dagster as dg

    from ..definitions import defs
    from ..settings import settings_from_env

    settings = settings_from_env()
    job = defs.get_job_def("refresh_all")
    print(f"bicentennial: running {job.name} → warehouse {settings.warehouse}", flush=True)
    with dg.instance_for_test() if args.ephemeral else dg.DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(instance=instance, raise_on_error=False, run_config=_log_config(args))
    failures = [e for e in result.all_events if e.event_type_value in ("STEP_FAILURE",)]
    check_failures = [
        e.event_specific_data for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION" and not e.event_specific_data.passed
    ]
    for evaluation in check_failures:
        severity = evaluation.severity.value if evaluation.severity else "ERROR"
        message = evaluation.metadata.get("message")
        print(f"  check {evaluation.asset_check_key.to_user_string()} not passed [{severity}]: "
              f"{message.value if message else ''}", flush=True)
    for event in failures:
        error = event.event_specific_data.error
        print(f"  step {event.step_key} failed: {error.message.strip().splitlines()[-1] if error else ''}", file=sys.stderr)
    elapsed = time.monotonic() - started
    if not result.success or failures:
        print(f"bicentennial: run FAILED after {elapsed:.0f} s; the previous site (if any) is untouched.", file=sys.stderr)
        return 1
    print(f"bicentennial: done in {elapsed:.0f} s. Site: {settings.site_dir / 'index.html'}", flush=True)
    return 0


def _log_config(args: argparse.Namespace) -> dict:
    return {"loggers": {"console": {"config": {"log_level": "DEBUG" if args.verbose else "INFO"}}}}



def add_parser(subparsers) -> None:
    run = subparsers.add_parser("run", help="run the whole pipeline on the embedded data and build the site")
    run.add_argument("--build-dir", help="where the warehouse, results and site go (default: build/)")
    run.add_argument("--warehouse", help="DuckDB file (default: BUILD_DIR/warehouse.duckdb)")
    run.add_argument("--data-dir", help="landing data folder (default: the repository's data/)")
    run.add_argument("--verbose", action="store_true", help="debug-level Dagster logs")
    run.add_argument("--ephemeral", action="store_true", help=argparse.SUPPRESS)
    run.set_defaults(func=cmd_run)
