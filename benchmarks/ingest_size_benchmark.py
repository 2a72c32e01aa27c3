"""Peak memory and wall time of `bicentennial ingest` on real files with their data rows repeated.

On demand, not part of the tests:

    .venv/bin/python benchmarks/ingest_size_benchmark.py --build-dir BUILD [CASE ...] [--json out.json]

BUILD is a build folder made by one `bicentennial run` (its warehouse and landing store). Cases (all unless
named): gargiulo_x1, gargiulo_x2, gargiulo_x3, gargiulo_x20 (the Gargiulo et al. file with its data rows
repeated 1, 2, 3 and 20 times: 0.65, 1.3, 1.95 and 13 million rows, 25, 50, 75 and 502 MB unpacked, all within
the size limits; ×2 is the longest file the row limit of its suite lets through, see
pipelines/warehouse.line_limit_of), victims_x2 (the SESNSP victims file ×2, 1.85 million rows: the largest
table the row limits let through) and guanajuato_x20 (the SESNSP Guanajuato file ×20). Each case is written
to a scratch folder, the build folder is copied (so every case starts from the same warehouse and landing
catalog), and `bicentennial ingest` runs in a child process under the same name as the published file. Reported per case: data rows, the outcome (exit
code and the last line printed), the child's peak resident memory (its own rusage, from
os.wait4) and its wall time. Rows repeated k times are k-fold duplicates of every key, so the
rules refuse ×2 to ×20 (×3 and ×20 by the row limit, before parsing); ×1 is the file as published and is
accepted.
"""
from __future__ import annotations

import argparse
import bz2
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GARGIULO = ("gargiulo_homicides", "homicides/gargiulo/mexico-muni-month-homicide-rates-2000-2021.csv.gz")
GUANAJUATO = ("sesnsp_idm_guanajuato_homicide",
              "sesnsp/sesnsp_idm_guanajuato_homicidio_2020_2025/homicidios_gto_2020_2025_raw.csv")
VICTIMS = ("sesnsp_victims_state", "sesnsp/sesnsp_victimas_estatal_2015_2025/db_victimas_delitos_ent_long.csv.bz2")
CASES = {"gargiulo_x1": (GARGIULO, 1), "gargiulo_x2": (GARGIULO, 2), "gargiulo_x3": (GARGIULO, 3),
         "gargiulo_x20": (GARGIULO, 20), "victims_x2": (VICTIMS, 2),
         "guanajuato_x20": (GUANAJUATO, 20)}


def repeated(source_file: Path, target: Path, times: int) -> int:
    """Write `source_file` with its data rows repeated `times` times (header once) to `target`; the data rows."""
    opener = {".gz": gzip.open, ".bz2": bz2.open}.get(source_file.suffix, open)
    with opener(source_file, "rb") as handle:
        header = handle.readline()
        body = handle.read()
    if not body.endswith(b"\n"):
        body += b"\n"
    out = {".gz": lambda p: gzip.open(p, "wb", compresslevel=6), ".bz2": lambda p: bz2.open(p, "wb", compresslevel=1)}.get(
        target.suffix, lambda p: open(p, "wb"))(target)
    with out:
        out.write(header)
        for _ in range(times):
            out.write(body)
    return body.count(b"\n") * times


def run_case(name: str, build_dir: Path, data_dir: Path, scratch: Path, timeout: float | None = None) -> dict:
    (source, relative), times = CASES[name]
    published = data_dir / relative
    folder = scratch / name
    folder.mkdir()
    file = folder / published.name
    rows = repeated(published, file, times)
    build = scratch / f"{name}-build"
    shutil.copytree(build_dir, build, symlinks=True, ignore=shutil.ignore_patterns("site", "results", "current", ".run-*"))
    command = [sys.executable, "-m", "pipelines.cli", "ingest", source, str(file), "--build-dir", str(build),
               "--data-dir", str(data_dir)]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with tempfile.TemporaryFile("w+") as out:
        start = time.perf_counter()
        child = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, text=True)
        timer = threading.Timer(timeout, child.kill) if timeout else None
        if timer:
            timer.start()
        _, status, usage = os.wait4(child.pid, 0)  # this child's own rusage (its peak RSS, in KiB on Linux)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        if timer:
            timer.cancel()
        out.seek(0)
        output = out.read().strip().splitlines()
    shutil.rmtree(build, ignore_errors=True)
    shutil.rmtree(folder, ignore_errors=True)
    return {"case": name, "rows": rows, "exit": child.returncode,
            "outcome": {0: "accepted", 1: "refused"}.get(child.returncode, f"killed/failed ({child.returncode})"),
            "last_line": output[-1][:300] if output else "", "output": [line[:300] for line in output[:12]],
            "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
            "wall_s": round(wall, 1)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("cases", nargs="*", help=f"cases (default: all): {', '.join(CASES)}")
    parser.add_argument("--build-dir", required=True, help="a build folder made by one `bicentennial run`")
    parser.add_argument("--data-dir", default=str(ROOT / "data"))
    parser.add_argument("--scratch", help="folder for the repeated files and build copies (default: a temporary one)")
    parser.add_argument("--timeout", type=float, help="kill a case after this many seconds (reported as killed)")
    parser.add_argument("--json")
    args = parser.parse_args()
    names = args.cases or list(CASES)
    unknown = [n for n in names if n not in CASES]
    if unknown:
        parser.error(f"unknown case(s) {unknown}; known: {list(CASES)}")
    results = []
    with tempfile.TemporaryDirectory(dir=args.scratch) as scratch:
        for name in names:
            result = run_case(name, Path(args.build_dir), Path(args.data_dir), Path(scratch), args.timeout)
            results.append(result)
            print(f"{name:16} {result['rows']:>12,} data lines  {result['outcome']:8}  peak RSS "
                  f"{result['peak_rss_mib']:,.0f} MiB  {result['wall_s']:7.1f} s  | {result['last_line'][:120]}",
                  flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
