"""Time the ingest stage: every source of the registry parsed and loaded into a fresh DuckDB file.

On demand, not part of the tests:

    .venv/bin/python benchmarks/ingest_benchmark.py [SOURCE ...] [--repeat 3] [--json out.json]

For each source (all of them unless named): the landing files are stored in a fresh landing store and
parsed (`pipelines.warehouse.parse_files`: store, screen, check the header, parse), then written to
raw.<name> of a fresh DuckDB file (`write_raw_table`). Each repeat starts from an empty landing store
and an empty DuckDB file, so the decompression-bomb screening of compressed files (remembered per
stored content) is paid every time, as in a first run. Reported per source: rows, and the median over
repeats of the CPU time (user + system of this process, all threads; the measure least affected by
other jobs on shared cores) and the wall time of parsing and of writing.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _timed(function, *args):
    cpu, wall = time.process_time(), time.perf_counter()
    result = function(*args)
    return result, time.process_time() - cpu, time.perf_counter() - wall


def measure(spec, data_dir: Path) -> dict:
    import duckdb

    from pipelines.warehouse import parse_files, write_raw_table

    with tempfile.TemporaryDirectory() as scratch:
        (frame, landed), parse_cpu, parse_wall = _timed(parse_files, spec, data_dir, None, Path(scratch) / "landing")
        con = duckdb.connect(str(Path(scratch) / "warehouse.duckdb"))
        try:
            report, write_cpu, write_wall = _timed(write_raw_table, con, spec, frame, landed)
        finally:
            con.close()
    return {"rows": report.rows, "parse_cpu": parse_cpu, "parse_wall": parse_wall,
            "write_cpu": write_cpu, "write_wall": write_wall}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("sources", nargs="*", help="source names (default: every source of the registry)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json")
    args = parser.parse_args()

    from pipelines.settings import settings_from_env
    from pipelines.sources import SOURCES, source_by_name

    specs = [source_by_name(name) for name in args.sources] if args.sources else list(SOURCES)
    data_dir = settings_from_env().data_dir
    results = []
    for spec in specs:
        runs = [measure(spec, data_dir) for _ in range(args.repeat)]
        row = {"source": spec.name, "rows": runs[0]["rows"]}
        for key in ("parse_cpu", "parse_wall", "write_cpu", "write_wall"):
            row[key] = round(statistics.median(run[key] for run in runs), 3)
        results.append(row)

    print(f"{'source':48} {'rows':>9} {'parse CPU':>10} {'parse wall':>11} {'write CPU':>10} {'write wall':>11}")
    for row in results:
        print(f"{row['source']:48} {row['rows']:>9,} {row['parse_cpu']:>9.3f}s {row['parse_wall']:>10.3f}s "
              f"{row['write_cpu']:>9.3f}s {row['write_wall']:>10.3f}s")
    totals = {key: round(sum(row[key] for row in results), 3) for key in ("parse_cpu", "parse_wall", "write_cpu", "write_wall")}
    print(f"{'total':48} {sum(row['rows'] for row in results):>9,} {totals['parse_cpu']:>9.3f}s "
          f"{totals['parse_wall']:>10.3f}s {totals['write_cpu']:>9.3f}s {totals['write_wall']:>10.3f}s")
    if args.json:
        Path(args.json).write_text(json.dumps({"repeat": args.repeat, "sources": results, "total": totals}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
