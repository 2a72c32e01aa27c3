"""`bicentennial run`: the whole pipeline on the embedded (or given) data, then the site.

A run never damages the last good outputs. It holds a lock on the warehouse (a second run started
meanwhile waits), builds into a staging folder `BUILD/.run-<pid>/` and a new warehouse file next
to the last good one, and only when every step and every blocking check succeeded renames the new
warehouse, results and site over the old ones. A failed run leaves them byte-identical and keeps
what it built in `BUILD/failed-run/` for inspection (including quarantine.rows). Landing files go
to the content-addressed store `BUILD/landing/` in every case. Errors reach the user as one line
each (file, line, column, what was expected); the full Dagster log is in `BUILD/run.log`.
"""
from __future__ import annotations

import argparse
import io
import os
import re
import shutil
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


class _NoTracebacks(io.TextIOBase):
    """Passes Dagster's console log to the terminal as progress, without stack traces and without its
    ERROR/WARNING lines (the summary after the run states each failure once); everything goes to the log file."""

    _QUIET = re.compile(r"^\d{4}-\d\d-\d\d [\d:]+ [+-]\d{4} - dagster - (ERROR|WARNING|CRITICAL) - ")

    _START = re.compile(r"^(Traceback \(most recent call last\)|Stack Trace:|The above exception|\s+File \")")

    def __init__(self, terminal, log):
        self.terminal, self.log, self.skipping, self.quiet, self.buffer_ = terminal, log, False, False, ""

    def write(self, text: str) -> int:
        self.log.write(text)
        self.buffer_ += text
        while "\n" in self.buffer_:
            line, self.buffer_ = self.buffer_.split("\n", 1)
            if self._START.match(line):
                self.skipping = True
            elif self.skipping and (not line.strip() or re.match(r"^\d{4}-\d\d-\d\d |^\S", line) and not line.startswith(" ")):
                self.skipping = bool(re.match(r"^\w+(\.\w+)*(Error|Exception|Failure)\b", line))
            if re.match(r"^\d{4}-\d\d-\d\d [\d:]+ [+-]\d{4} - ", line):
                self.quiet = bool(self._QUIET.match(line))  # an ERROR/WARNING event and its body lines
            if not self.skipping and not self.quiet:
                self.terminal.write(line + "\n")
        return len(text)

    def flush(self) -> None:
        self.terminal.flush()
        self.log.flush()


def cmd_run(args: argparse.Namespace) -> int:
    """Run the whole pipeline in-process and print where the site is."""
    _apply_paths(args)
    from ..settings import settings_from_env
    from ..warehouse import run_lock

    settings = settings_from_env()
    started = time.monotonic()
    try:
        with run_lock(settings.warehouse, on_wait=lambda: print(
                f"bicentennial: another run holds {settings.warehouse}; waiting for it to finish…", flush=True)):
            return _run_locked(args, settings, started)
    except KeyboardInterrupt:
        print("bicentennial: interrupted; the previous warehouse and site are untouched.", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 — the user gets one line, never a traceback
        if args.verbose:
            raise
        print(f"bicentennial: run FAILED: {type(error).__name__}: {' '.join(str(error).split())[:500]}", file=sys.stderr)
        return 1


def _run_locked(args: argparse.Namespace, settings, started: float) -> int:
    from ..warehouse import fresh_candidate, promote, swap_dir

    build = settings.build_dir
    staging = build / f".run-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    candidate = fresh_candidate(settings.warehouse)
    os.environ["BICENTENNIAL_BUILD_DIR"] = str(staging)
    os.environ["BICENTENNIAL_WAREHOUSE"] = str(candidate)
    os.environ.setdefault("BICENTENNIAL_LANDING_DIR", str(build / "landing"))
    try:
        success, lines = _execute(args, staging, candidate)
    except BaseException:
        _keep_failed(staging, candidate, build)
        raise
    finally:
        os.environ["BICENTENNIAL_BUILD_DIR"] = str(build)
        os.environ["BICENTENNIAL_WAREHOUSE"] = str(settings.warehouse)
    for line in lines:
        print(line, file=sys.stderr if "[ERROR]" in line or line.startswith("  step") else sys.stdout, flush=True)
    elapsed = time.monotonic() - started
    if not success:
        _keep_failed(staging, candidate, build)
        print(f"bicentennial: run FAILED after {elapsed:.0f} s; the previous warehouse and site are untouched. "
              f"What this run built: {build / 'failed-run'}; log: {build / 'run.log'}", file=sys.stderr)
        return 1
    promote(candidate, settings.warehouse)
    for name in ("results", "site"):
        if (staging / name).exists():
            swap_dir(staging / name, build / name)
    shutil.move(str(staging / "run.log"), str(build / "run.log")) if (staging / "run.log").exists() else None
    shutil.rmtree(staging, ignore_errors=True)
    print(f"bicentennial: done in {elapsed:.0f} s. Site: {settings.site_dir / 'index.html'}", flush=True)
    return 0


def _keep_failed(staging: Path, candidate: Path, build: Path) -> None:
    if candidate.exists():
        shutil.move(str(candidate), str(staging / "warehouse.duckdb"))
    candidate.with_name(candidate.name + ".wal").unlink(missing_ok=True)
    if (staging / "run.log").exists():
        shutil.copy(staging / "run.log", build / "run.log")
    failed = build / "failed-run"
    if failed.exists():
        shutil.rmtree(failed, ignore_errors=True)
    staging.rename(failed)


def _execute(args: argparse.Namespace, staging: Path, candidate: Path) -> tuple[bool, list[str]]:
    print("bicentennial: loading pipeline definitions (dbt manifest, specs, suites)…", flush=True)
    import dagster as dg

    from ..definitions import defs

    job = defs.get_job_def("refresh_all")
    print(f"bicentennial: running {job.name} (building {candidate.name}; the last good warehouse is untouched until it succeeds)", flush=True)
    with open(staging / "run.log", "w", encoding="utf-8") as log:
        stream = _NoTracebacks(sys.stderr, log)
        saved = sys.stderr
        sys.stderr = stream
        try:
            with dg.instance_for_test() if args.ephemeral else dg.DagsterInstance.ephemeral() as instance:
                result = job.execute_in_process(instance=instance, raise_on_error=False, run_config=_log_config(args))
        finally:
            stream.flush()
            sys.stderr = saved
    return summarize(result)


def summarize(result) -> tuple[bool, list[str]]:
    """One line per failed check (evaluated ones) and per step failure that is not a check's consequence."""
    lines: list[str] = []
    blocking_failed = False
    for event in result.all_events:
        if event.event_type_value != "ASSET_CHECK_EVALUATION" or event.event_specific_data.passed:
            continue
        evaluation = event.event_specific_data
        evaluated = evaluation.metadata.get("evaluated")
        if evaluated is not None and evaluated.value is False:
            continue
        severity = evaluation.severity.value if evaluation.severity else "ERROR"
        blocking_failed |= severity == "ERROR"
        message = evaluation.metadata.get("message")
        lines.append(f"  check {evaluation.asset_check_key.to_user_string()} not passed [{severity}]: "
                     f"{message.value if message else ''}")
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    for event in failures:
        error = event.event_specific_data.error
        while error is not None and error.cause is not None and "Error occurred while executing" in error.message:
            error = error.cause
        text = " ".join(error.message.split()) if error else ""
        if blocking_failed and "check" in text.lower():
            continue
        lines.append(f"  step {event.step_key} failed: {text[:500]}")
    return bool(result.success and not failures), lines


def _log_config(args: argparse.Namespace) -> dict:
    return {"loggers": {"console": {"config": {"log_level": "DEBUG" if args.verbose else "INFO"}}}}


def add_parser(subparsers) -> None:
    run = subparsers.add_parser("run", help="run the whole pipeline on the embedded data and build the site")
    run.add_argument("--build-dir", help="where the warehouse, results and site go (default: build/)")
    run.add_argument("--warehouse", help="DuckDB file (default: BUILD_DIR/warehouse.duckdb)")
    run.add_argument("--data-dir", help="landing data folder (default: the repository's data/)")
    run.add_argument("--verbose", action="store_true", help="debug-level Dagster logs (and tracebacks)")
    run.add_argument("--ephemeral", action="store_true", help=argparse.SUPPRESS)
    run.set_defaults(func=cmd_run)
