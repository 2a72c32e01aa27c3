"""Time the full dbt build on the embedded data and report rows per second.

On demand, not part of the tests:

    .venv/bin/python benchmarks/dbt_benchmark.py [--repeat 3] [--json out.json] [--keep]

Steps, each in a fresh temporary folder:
1. load every raw table of the source registry (`pipelines.sources.SOURCES`) from data/ into a
   new DuckDB file with the pipeline's own loader (timed separately: "ingest");
2. run `dbt build` (all models, data tests and unit tests) against that file, `--repeat` times
   (each run rebuilds every relation; the first run also pays for dbt's parse);
3. count rows: input = all raw tables; output = every relation dbt built (staging views
   included, since querying them is part of what a build checks).

rows/s = input rows / median build seconds (and output rows / median build seconds).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

import duckdb  # noqa: E402

from pipelines.sources import SOURCES  # noqa: E402
from pipelines.warehouse import load_source  # noqa: E402

DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))


def ingest(warehouse: Path, data_dir: Path) -> tuple[float, int, dict[str, int]]:
    start = time.perf_counter()
    con = duckdb.connect(str(warehouse))
    rows = {}
    try:
        for spec in SOURCES:
            rows[spec.name] = load_source(con, spec, data_dir).rows
    finally:
        con.close()
    return time.perf_counter() - start, sum(rows.values()), rows


def dbt_build(warehouse: Path, work: Path) -> float:
    env = {**os.environ, "BICENTENNIAL_WAREHOUSE": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
           "DO_NOT_TRACK": "1"}
    cmd = [DBT_EXECUTABLE, "build", "--profiles-dir", str(DBT_PROJECT_DIR), "--project-dir", str(DBT_PROJECT_DIR),
           "--target-path", str(work / "target"), "--log-path", str(work / "logs"), "--quiet"]
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"dbt build failed ({done.returncode}):\n{done.stdout[-4000:]}\n{done.stderr[-2000:]}")
    return elapsed


def built_relations(warehouse: Path) -> dict[str, int]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        relations = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema not in ('raw', 'information_schema', 'main') order by 1, 2").fetchall()
        return {f"{s}.{t}": con.execute(f'select count(*) from "{s}"."{t}"').fetchone()[0] for s, t in relations}
    finally:
        con.close()


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="dbt builds to time (default 3)")
    parser.add_argument("--data-dir", type=Path, default=REPO_ROOT / "data")
    parser.add_argument("--json", type=Path, help="also write the report to this file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="dbt-bench-"))
    warehouse = work / "warehouse.duckdb"
    try:
        ingest_s, input_rows, raw_rows = ingest(warehouse, args.data_dir)
        print(f"ingest: {len(raw_rows)} raw tables, {input_rows:,} rows in {ingest_s:.1f} s", flush=True)
        runs = []
        for i in range(args.repeat):
            runs.append(dbt_build(warehouse, work))
            print(f"dbt build #{i + 1}: {runs[-1]:.1f} s", flush=True)
        relations = built_relations(warehouse)
        output_rows = sum(relations.values())
        median = statistics.median(runs)
        report = {
            "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
            "raw_tables": len(raw_rows), "input_rows": input_rows, "ingest_seconds": round(ingest_s, 2),
            "dbt_relations": len(relations), "output_rows": output_rows,
            "dbt_build_seconds": [round(r, 2) for r in runs], "dbt_build_median_seconds": round(median, 2),
            "input_rows_per_second": round(input_rows / median), "output_rows_per_second": round(output_rows / median),
            "largest_relations": dict(sorted(relations.items(), key=lambda kv: -kv[1])[:8]),
        }
        print(f"dbt build median {median:.1f} s over {len(runs)} run(s): "
              f"{report['input_rows_per_second']:,} input rows/s, {report['output_rows_per_second']:,} output rows/s "
              f"({input_rows:,} raw rows → {output_rows:,} rows in {len(relations)} relations)")
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
