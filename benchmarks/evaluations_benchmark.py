"""Time every evaluation spec on a built warehouse (the evaluation stage of the pipeline, without Dagster).

On demand, not part of the tests:

    .venv/bin/python benchmarks/evaluations_benchmark.py --warehouse build/warehouse.duckdb [--repeat 3] [--json out.json]

For each spec in evaluations/specs/: read its table from the warehouse (timed as "read"), run the
design and draw its figures into a temporary folder (timed as "run"; figures included, CSV/JSON
writing excluded); the median over --repeat runs in this one process is reported, with the sum.
"cpu" is the process CPU time of the run (user + system, all threads), the measure least affected
by other jobs on shared cores; with several BLAS threads it counts their spinning too, so compare
runs made with the same OPENBLAS_NUM_THREADS.
Compare the sum with the pipeline's whole-run target (60 s on 2 cores) and with
benchmarks/pipeline_benchmark.py's "evaluations" stage.

Measured 2026-11-27 on the 2-core development machine (load average 2–3 from other engineers' jobs),
OPENBLAS_NUM_THREADS=1, median of 3, warehouse of a full build; before = tree at 31a8cdc:

    spec                           run wall (CPU) before     after
    joint_operations_homicides     9.54 s (6.04 s)           4.14 s (3.95 s)
    arrests_homicides_event_study  1.68 s (1.16 s)           1.29 s (1.14 s)
    all 21 specs, read + run       15.42 s (run CPU 9.66 s)  8.41 s (run CPU 7.60 s)

The gain is the TWFE and event-study fits on the balanced municipal panel (evaluations/did/twfe.py,
`demean_in_one_sweep`); with OpenBLAS's default threads the old dummy-variable demeaning cost far more
CPU (one TWFE fit: 10.9 s CPU before, 0.6 s after, under the same load).
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

from evaluations.designs import run_spec
from evaluations.spec_model import load_specs


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
            reads, runs, cpus = [], [], []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                frame = con.execute(f"select * from {spec.data.table}").df()
                geo_table = (spec.neighbours or {}).get("geography")
                geography = con.execute(f"select * from {geo_table}").df() if geo_table else None
                t1, c1 = time.perf_counter(), time.process_time()
                out = run_spec(spec, frame, geography)
                for name, draw in out.figures.items():
                    draw(Path(tmp) / f"{spec.name}_{name}")
                t2, c2 = time.perf_counter(), time.process_time()
                reads.append(t1 - t0)
                runs.append(t2 - t1)
                cpus.append(c2 - c1)
            rows.append({"spec": spec.name, "design": spec.design, "rows": len(frame),
                         "read_s": statistics.median(reads), "run_s": statistics.median(runs),
                         "run_cpu_s": statistics.median(cpus)})
            print(f"{spec.name:40s} {spec.design:16s} {len(frame):>9,} rows  read {rows[-1]['read_s']:6.2f} s  "
                  f"run {rows[-1]['run_s']:6.2f} s  cpu {rows[-1]['run_cpu_s']:6.2f} s", flush=True)
    total = sum(r["read_s"] + r["run_s"] for r in rows)
    cpu = sum(r["run_cpu_s"] for r in rows)
    print(f"{'total':40s} {'':16s} {'':>14}  {total:6.2f} s  run cpu {cpu:6.2f} s  "
          f"({platform.processor() or platform.machine()}, {len(rows)} specs, median of {args.repeat})")
    if args.json:
        args.json.write_text(json.dumps({"specs": rows, "total_s": total, "run_cpu_s": cpu, "repeat": args.repeat},
                                        indent=1))


if __name__ == "__main__":
    main()
