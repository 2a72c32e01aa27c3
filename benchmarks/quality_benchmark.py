"""Time the quality gate: every expectation suite on a built warehouse, and the landing screening.

On demand, not part of the tests:

    .venv/bin/python benchmarks/quality_benchmark.py WAREHOUSE.duckdb [--repeat 3] [--json out.json]

WAREHOUSE is a warehouse built by `bicentennial run` (e.g. build/warehouse.duckdb); it is copied to a
temporary file first (the gate may write quarantine.rows). Reported per suite: rows, expectations,
median wall and CPU seconds (process time, DuckDB's threads included; GE import excluded: it is paid
once per process and reported separately); the CPU seconds of all suites together (the first pass,
which pays GE's context, and the median pass); the peak resident memory of the process; then the
screening time of the two compressed landing files.
"""
from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("warehouse")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json")
    args = parser.parse_args()

    import duckdb

    started = time.perf_counter()
    import great_expectations  # noqa: F401

    ge_import = time.perf_counter() - started
    from pipelines import landing
    from pipelines.quality.gate import run_suite
    from pipelines.quality.suites import load_suites
    from pipelines.settings import EXPECTATIONS_DIR, REPO_ROOT

    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "warehouse.duckdb"
        shutil.copy(args.warehouse, copy)
        con = duckdb.connect(str(copy))
        for suite in load_suites(EXPECTATIONS_DIR):
            times, cpu = [], []
            for _ in range(args.repeat):
                t, c = time.perf_counter(), time.process_time()
                run = run_suite(con, suite, apply_quarantine=False)
                times.append(time.perf_counter() - t)
                cpu.append(time.process_time() - c)
            rows.append({"suite": suite.name, "rows": run.rows, "expectations": len(run.outcomes),
                         "median_s": round(statistics.median(times), 3), "median_cpu_s": round(statistics.median(cpu), 3),
                         "cpu_by_pass": cpu})
        con.close()
        screening = {}
        for relative in ("homicides/gargiulo/mexico-muni-month-homicide-rates-2000-2021.csv.gz",
                         "sesnsp/sesnsp_victimas_estatal_2015_2025/db_victimas_delitos_ent_long.csv.bz2"):
            stored = landing.store(REPO_ROOT / "data" / relative, Path(scratch) / "landing")
            t = time.perf_counter()
            landing.screen(stored)
            screening[Path(relative).name] = round(time.perf_counter() - t, 3)
    passes = [sum(r["cpu_by_pass"][i] for r in rows) for i in range(args.repeat)]
    for r in rows:
        del r["cpu_by_pass"]
    report = {"ge_import_s": round(ge_import, 2), "suites": rows,
              "total_median_s": round(sum(r["median_s"] for r in rows), 2),
              "total_cpu_first_pass_s": round(passes[0], 2), "total_cpu_median_pass_s": round(statistics.median(passes), 2),
              "screening_s": screening,
              "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
    for r in sorted(rows, key=lambda r: -r["median_s"]):
        print(f"{r['suite']:<48} {r['rows']:>9,} rows {r['expectations']:>3} exp {r['median_s']:>7.3f} s "
              f"{r['median_cpu_s']:>7.3f} s CPU")
    print(f"total {report['total_median_s']} s; CPU of all suites {report['total_cpu_first_pass_s']} s first pass, "
          f"{report['total_cpu_median_pass_s']} s median pass; GE import {report['ge_import_s']} s; screening {screening}; "
          f"peak RSS {report['peak_rss_mb']} MB")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
