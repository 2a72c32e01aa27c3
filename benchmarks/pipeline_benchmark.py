"""Time the whole pipeline end to end on the embedded data, with a breakdown by stage.

On demand, not part of the tests:

    .venv/bin/python benchmarks/pipeline_benchmark.py [--repeat 3] [--json out.json] [--keep]

Each repetition is a fresh Python process running exactly `bicentennial run --build-dir <tmp>` (so
imports and loading the definitions count), in a warm environment: the locked .venv is installed, and
an untimed first run into the same build folder has parsed the dbt project for that warehouse (what a
user's second `make run` finds). The first run's total is reported too, as `first run`. The Dagster event log of the run
gives each step's start and end; steps are assigned to stages by the group of their assets:

  startup      process start → run start (imports, definitions, dbt manifest check, run lock, staging)
  ingest       raw/* assets (parse landing files, write raw tables)
  dbt          the dbt build (staging, intermediate, marts, dbt data tests)
  checks       Great Expectations suites (asset checks), quality report, result checks
  evaluations  evaluations/*, maps/*, spatial/* (DiD, maps, hot spots, spillovers)
  site         result manifest + site rendering
  dagster      orchestration between steps (run start → run end minus the steps)
  finish       run end → process exit (swapping warehouse, results and site into place)

The median of each stage over the repetitions is reported, with the total wall-clock time, the CPU
time of the run (user + system, the run's process and its children such as dbt) and the machine's
load average (wall-clock times on a shared machine grow with its load).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
STAGES = ("startup", "ingest", "dbt", "checks", "evaluations", "site", "dagster", "finish")
GROUP_STAGE = {"ingestion": "ingest", "models": "dbt", "quality": "checks", "site": "site"}


def stage_of_steps(defs) -> dict[str, str]:
    """op name → stage, from the group of the assets each op materializes (checks-only ops: checks)."""
    graph = defs.resolve_job_def("refresh_all").asset_layer.asset_graph
    out: dict[str, str] = {}
    for ad in graph.assets_defs:
        specs = list(ad.specs)
        out[ad.node_def.name] = GROUP_STAGE.get(specs[0].group_name, "evaluations") if specs else "checks"
    return out


def driver(build_dir: Path, out_json: Path, t0: float) -> int:
    """Inside the timed process: `bicentennial run`, recording the run's event log."""
    sys.path.insert(0, str(REPO_ROOT))
    from dagster._core.definitions.job_definition import JobDefinition

    captured: dict = {}
    original = JobDefinition.execute_in_process

    def recording(self, *args, **kwargs):
        captured["job_start"] = time.time()
        result = original(self, *args, **kwargs)
        captured["job_end"] = time.time()
        instance = kwargs.get("instance")
        records = instance.all_logs(result.run_id) if instance is not None else []
        captured["events"] = [(r.timestamp, r.dagster_event.event_type_value, r.dagster_event.step_key)
                              for r in records if r.dagster_event is not None]
        return result

    JobDefinition.execute_in_process = recording
    from pipelines.cli import main

    code = main(["run", "--build-dir", str(build_dir)])
    t_end = time.time()
    from pipelines.definitions import defs

    payload = {"exit": code, "t0": t0, "t_end": t_end, **captured, "stage_of": stage_of_steps(defs)}
    out_json.write_text(json.dumps(payload))
    return code


def breakdown(payload: dict) -> dict[str, float]:
    stage_of = payload["stage_of"]
    starts: dict[str, float] = {}
    stages = dict.fromkeys(STAGES, 0.0)
    run_start = run_end = None
    for ts, kind, step in payload["events"]:
        if kind == "RUN_START" or (kind == "PIPELINE_START"):
            run_start = ts
        elif kind in ("RUN_SUCCESS", "RUN_FAILURE", "PIPELINE_SUCCESS", "PIPELINE_FAILURE"):
            run_end = ts
        elif kind == "STEP_START":
            starts[step] = ts
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE") and step in starts:
            stages[stage_of.get(step, "checks" if step.startswith("ge_") else "evaluations")] += ts - starts.pop(step)
    run_start = run_start or payload["job_start"]
    run_end = run_end or payload["job_end"]
    stages["startup"] = run_start - payload["t0"]
    steps = sum(stages[s] for s in ("ingest", "dbt", "checks", "evaluations", "site"))
    stages["dagster"] = max(0.0, (run_end - run_start) - steps)
    stages["finish"] = payload["t_end"] - run_end
    stages["total"] = payload["t_end"] - payload["t0"]
    return {k: round(v, 2) for k, v in stages.items()}


def one_run(work: Path, index: int) -> dict[str, float]:
    build, out = work / "build", work / f"events-{index}.json"
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "GX_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
    env.pop("BICENTENNIAL_WAREHOUSE", None)
    env.pop("BICENTENNIAL_BUILD_DIR", None)
    code = (f"import sys, time; t0 = time.time(); sys.path.insert(0, {str(REPO_ROOT)!r}); "
            f"from benchmarks.pipeline_benchmark import driver; from pathlib import Path; "
            f"sys.exit(driver(Path({str(build)!r}), Path({str(out)!r}), t0))")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0 or not out.exists():
        raise SystemExit(f"pipeline run failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    stages = breakdown(json.loads(out.read_text()))
    # CPU seconds of the run and its children (dbt): on a shared machine wall-clock time grows with the
    # load; CPU time much less, and it bounds what an idle machine needs.
    stages["cpu"] = round((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 2)
    return stages


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="pipeline runs to time (default 3)")
    parser.add_argument("--json", type=Path, help="also write the report to this file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="pipeline-bench-"))
    try:
        first = one_run(work, 0)
        print(f"first run (not in the median): total {first['total']:.1f} s, cpu {first['cpu']:.1f} s", flush=True)
        runs = []
        for i in range(args.repeat):
            runs.append(one_run(work, i + 1))
            print(f"run #{i + 1}: " + ", ".join(f"{k} {v:.1f} s" for k, v in runs[-1].items()), flush=True)
        median = {k: round(statistics.median(r[k] for r in runs), 1) for k in runs[0]}
        load = os.getloadavg() if hasattr(os, "getloadavg") else None
        report = {
            "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform(),
                        "load_average_after": [round(x, 2) for x in load] if load else None},
            "first_run": first, "runs": runs, "median_seconds": median,
        }
        print("\n| stage | median s |\n|---|---:|")
        for stage in (*STAGES, "total", "cpu"):
            print(f"| {stage} | {median[stage]:.1f} |")
        print(f"\n{len(runs)} run(s), {os.cpu_count()} CPUs, load average after: {report['machine']['load_average_after']}")
        if args.json:
            args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        return report
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
