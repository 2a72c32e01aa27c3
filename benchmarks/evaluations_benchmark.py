"""Time every evaluation spec on a built warehouse (the evaluation stage of the pipeline, without Dagster).

On demand, not part of the tests:

    .venv/bin/python benchmarks/evaluations_benchmark.py --warehouse build/warehouse.duckdb [--repeat 3] [--json out.json]

For each spec in evaluations/specs/: read its table from the warehouse (timed as "read"), run the
design and draw its figures into a temporary folder (timed as "run"; figures included, CSV/JSON
writing excluded); the median over --repeat runs in this one process is reported, with the sum.
Compare the sum with the pipeline's whole-run target (60 s on 2 cores) and with
benchmarks/pipeline_benchmark.py's "evaluations" stage.
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

from evaluations.specs import load_specs, run_spec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=Path("build/warehouse.duckdb"))
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    con = duckdb.connect(str(args.warehouse), read_only=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for spec in load_specs():
            reads, runs = [], []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                frame = con.execute(f"select * from {spec.data['table']}").df()
                geo_table = (spec.neighbours or {}).get("geography")
                geography = con.execute(f"select * from {geo_table}").df() if geo_table else None
                t1 = time.perf_counter()
                out = run_spec(spec, frame, geography)
                for name, draw in out.figures.items():
                    draw(Path(tmp) / f"{spec.name}_{name}")
                t2 = time.perf_counter()
                reads.append(t1 - t0)
                runs.append(t2 - t1)
            rows.append({"spec": spec.name, "design": spec.design, "rows": len(frame),
                         "read_s": statistics.median(reads), "run_s": statistics.median(runs)})
            print(f"{spec.name:40s} {spec.design:16s} {len(frame):>9,} rows  read {rows[-1]['read_s']:6.2f} s  "
                  f"run {rows[-1]['run_s']:6.2f} s", flush=True)
    total = sum(r["read_s"] + r["run_s"] for r in rows)
    print(f"{'total':40s} {'':16s} {'':>14}  {total:6.2f} s  ({platform.processor() or platform.machine()}, "
          f"{len(rows)} specs, median of {args.repeat})")
    if args.json:
        args.json.write_text(json.dumps({"specs": rows, "total_s": total, "repeat": args.repeat}, indent=1))


if __name__ == "__main__":
    main()
