"""Callaway-Sant'Anna benchmark: this project's estimator side by side with the Python peers.

Run on demand only (never in the test suite; it takes minutes and two busy cores):

    .venv/bin/python benchmarks/did_benchmark.py                       # ours + peers
    .venv/bin/python benchmarks/did_benchmark.py --peers-python none   # ours only

Peers live in a throwaway virtualenv so they never enter the project's lock:

    python3.11 -m venv /tmp/didpeers
    .venv/bin/uv pip install --python /tmp/didpeers/bin/python -r benchmarks/requirements-peers.txt

Workload (the STACK.md "Difference-in-differences peers" setting): never-treated comparison
group, varying base period, unconditional (doubly robust without covariates), ATT(g,t) for every
cell, then the aggregations each library offers (simple, dynamic/event study, group, calendar),
then the same with a 999-draw multiplier bootstrap. Datasets: (a) mpdta (500 counties x 5
years), (b) a simulated balanced panel of 2,469 units x 264 months with 10 cohorts plus never
treated (2,630 ATT(g,t) cells).

Every measurement runs in a fresh process; data loading and imports are excluded from the
times; "peak MB" is the growth of the process's peak resident memory during estimation. The
table reports the median over --repeats processes (--slow-repeats for libraries slower than
10 s) and the largest absolute difference of each peer's ATT(g,t) from ours.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
IMPLEMENTATIONS = ("ours", "diff-diff", "csdid", "moderndid", "differences")


# ---------------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------------
def simulate_panel(n_units: int = 2469, n_periods: int = 264, n_cohorts: int = 10, seed: int = 20260) -> pd.DataFrame:
    """Balanced panel: unit and month effects, 10 adoption cohorts + 30% never treated,
    dynamic effects 0.5 + 0.01 e after adoption, N(0,1) noise."""
    rng = np.random.default_rng(seed)
    cohorts = np.linspace(n_periods // 10, n_periods - n_periods // 15, n_cohorts).round().astype(int)
    G = rng.choice(np.r_[0, cohorts], size=n_units, p=np.r_[0.3, np.full(n_cohorts, 0.7 / n_cohorts)])
    t = np.arange(1, n_periods + 1)
    e = t[None, :] - G[:, None]
    effect = np.where((G[:, None] > 0) & (e >= 0), 0.5 + 0.01 * e, 0.0)
    y = rng.normal(size=(n_units, 1)) + (0.01 * t + 0.2 * np.sin(t / 6))[None, :] + effect \
        + rng.normal(size=(n_units, n_periods))
    return pd.DataFrame({"unit": np.repeat(np.arange(n_units), n_periods), "time": np.tile(t, n_units),
                         "cohort": np.repeat(G, n_periods), "y": y.ravel()})


def mpdta() -> pd.DataFrame:
    df = pd.read_csv(REPO / "tests" / "data" / "mpdta" / "mpdta.csv")
    return df.rename(columns={"countyreal": "unit", "year": "time", "first.treat": "cohort", "lemp": "y"})[
        ["unit", "time", "cohort", "y"]]


def save(df: pd.DataFrame, path: Path) -> None:
    np.savez(path, **{c: df[c].to_numpy() for c in df.columns})


def load(path: str) -> pd.DataFrame:
    with np.load(path) as z:
        return pd.DataFrame({k: z[k] for k in ("unit", "time", "cohort", "y")})


# ---------------------------------------------------------------------------------------------
# workers (run in a fresh process; only numpy/pandas at module level so a peer venv can run them)
# ---------------------------------------------------------------------------------------------
def run_ours(df, draws):
    from evaluations.did.cs import att_gt
    t0 = time.perf_counter()
    res = att_gt(df, "y", "unit", "time", "cohort", control="never", base_period="varying",
                 bootstrap=draws or None, seed=1)
    t1 = time.perf_counter()
    res.all_aggregations()
    t2 = time.perf_counter()
    cells = list(zip(res.cells.group.tolist(), res.cells.time.tolist(), res.cells.estimate.tolist()))
    return t1 - t0, t2 - t1, cells


def run_diff_diff(df, draws):
    from diff_diff import CallawaySantAnna
    t0 = time.perf_counter()
    est = CallawaySantAnna(control_group="never_treated", estimation_method="dr", base_period="varying",
                           n_bootstrap=draws, seed=1)
    res = est.fit(df, outcome="y", unit="unit", time="time", first_treat="cohort")
    t1 = time.perf_counter()
    for kind in ("simple", "event_study", "group"):      # no calendar aggregation in diff-diff
        res.aggregate(kind)
    t2 = time.perf_counter()
    cells = [(float(g), float(t), float(v["effect"])) for (g, t), v in res.group_time_effects.items()]
    return t1 - t0, t2 - t1, cells


def run_csdid(df, draws):
    from csdid.att_gt import ATTgt
    t0 = time.perf_counter()
    est = ATTgt(yname="y", tname="time", idname="unit", gname="cohort", data=df, control_group=["nevertreated"],
                biters=draws or 1000, cband=bool(draws))
    est.fit(est_method="dr", base_period="varying", bstrap=bool(draws))
    t1 = time.perf_counter()
    for kind in ("simple", "dynamic", "group", "calendar"):
        est.aggte(typec=kind, bstrap=bool(draws), biters=draws or None)
    t2 = time.perf_counter()
    r = est.results
    cells = [(float(g), float(t), float(a)) for g, t, a in zip(r["group"], r["year"], r["att"])]
    return t1 - t0, t2 - t1, cells


def run_moderndid(df, draws):
    import moderndid
    t0 = time.perf_counter()
    res = moderndid.att_gt(df, yname="y", tname="time", idname="unit", gname="cohort", control_group="nevertreated",
                           est_method="dr", base_period="varying", boot=bool(draws), biters=draws or 1000,
                           cband=bool(draws), random_state=1)
    t1 = time.perf_counter()
    for kind in ("simple", "dynamic", "group", "calendar"):
        moderndid.aggte(res, type=kind, boot=bool(draws), biters=draws or None, random_state=1)
    t2 = time.perf_counter()
    cells = [(float(g), float(t), float(a)) for g, t, a in zip(res.groups, res.times, res.att_gt)]
    return t1 - t0, t2 - t1, cells


def run_differences(df, draws):
    import differences
    data = df.assign(cohort=df["cohort"].where(df["cohort"] > 0)).set_index(["unit", "time"])  # NaN = never
    t0 = time.perf_counter()
    est = differences.ATTgt(data=data, cohort_column="cohort", base_period="varying")
    res = est.fit(formula="y", est_method="dr", control_group="never_treated", boot_iterations=draws,
                  random_state=1, progress_bar=False)
    t1 = time.perf_counter()
    for kind in ("simple", "event", "cohort", "time"):
        est.aggregate(kind, boot_iterations=draws, random_state=1)
    t2 = time.perf_counter()
    table = res.to_pandas() if hasattr(res, "to_pandas") else est.results()
    table.columns = ["_".join(map(str, c)) if isinstance(c, tuple) else str(c) for c in table.columns]
    att_col = next(c for c in table.columns if c.endswith("ATT"))
    idx = table.index.to_frame(index=False)
    cells = [(float(g), float(t), float(a)) for g, t, a in zip(idx["cohort"], idx["time"], table[att_col])]
    return t1 - t0, t2 - t1, cells


WORKERS = {"ours": run_ours, "diff-diff": run_diff_diff, "csdid": run_csdid, "moderndid": run_moderndid,
           "differences": run_differences}


PREIMPORT = {"ours": ("evaluations.did.cs", "evaluations.did.aggregate"), "diff-diff": ("diff_diff",),
             "csdid": ("csdid.att_gt",), "moderndid": ("moderndid",), "differences": ("differences",)}


def worker(name: str, data: str, draws: int) -> None:
    import importlib
    warnings.filterwarnings("ignore")
    sys.path.insert(0, str(REPO))
    for module in PREIMPORT[name]:      # imports are not part of the measurement
        importlib.import_module(module)
    df = load(data)
    before = resource.getrusage(resource.RUSAGE_SELF)
    fit_s, agg_s, cells = WORKERS[name](df, draws)
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    print(json.dumps({"fit": fit_s, "agg": agg_s, "cpu": cpu, "peak_mb": (after.ru_maxrss - before.ru_maxrss) / 1024,
                      "cells": cells}))


# ---------------------------------------------------------------------------------------------
# driver
# ---------------------------------------------------------------------------------------------
def measure(python: str, name: str, data: Path, draws: int, timeout: float) -> dict:
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2")}
    proc = subprocess.run([python, str(Path(__file__).resolve()), "--worker", name, "--data", str(data),
                           "--draws", str(draws)], capture_output=True, text=True, timeout=timeout, env=env)
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
        raise RuntimeError(f"{name} failed: {tail}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bench(args) -> list[dict]:
    rows = []
    tmp = Path(tempfile.mkdtemp(prefix="didbench-"))
    datasets = {"mpdta": mpdta(), "simulated 2,469 x 264": simulate_panel()}
    for label, df in datasets.items():
        path = tmp / f"{label.split()[0]}.npz"
        save(df, path)
        reference = None
        pythons = {name: (sys.executable if name == "ours" else args.peers_python) for name in args.implementations}
        pythons = {k: v for k, v in pythons.items() if v not in (None, "none")}
        runs = {name: {"plain": [], "boot": []} for name in pythons}
        failed = {}
        # first pass: one plain run each, to find the slow libraries
        for name, python in pythons.items():
            try:
                runs[name]["plain"].append(measure(python, name, path, 0, args.timeout))
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                failed[name] = str(exc)[:200]
        # then interleave the libraries repeat by repeat, so that all see the same machine load
        max_rep = max(args.repeats, args.slow_repeats)
        for rep in range(max_rep):
            for name, python in pythons.items():
                if name in failed:
                    continue
                first = runs[name]["plain"][0]
                repeats = args.slow_repeats if first["fit"] + first["agg"] > 10 else args.repeats
                if rep >= repeats:
                    continue
                try:
                    if rep > 0:
                        runs[name]["plain"].append(measure(python, name, path, 0, args.timeout))
                    runs[name]["boot"].append(measure(python, name, path, args.draws, args.timeout))
                except (RuntimeError, subprocess.TimeoutExpired) as exc:
                    failed[name] = str(exc)[:200]
        for name in pythons:
            if name in failed:
                rows.append({"dataset": label, "library": name, "error": failed[name]})
                print(f"  {label:<22} {name:<12} FAILED: {failed[name]}", file=sys.stderr)
                continue
            r_plain, r_boot = runs[name]["plain"], runs[name]["boot"]
            cells = {(g, t): a for g, t, a in r_plain[0]["cells"]}
            if name == "ours":
                reference = cells
            common = set(cells) & set(reference or {})
            diff = max((abs(cells[c] - reference[c]) for c in common), default=float("nan"))
            med = lambda key, rs: statistics.median(r[key] for r in rs)  # noqa: E731
            row = {
                "dataset": label, "library": name, "repeats": len(r_plain), "cells": len(cells),
                "att_gt_s": med("fit", r_plain), "with_aggregations_s": med("fit", r_plain) + med("agg", r_plain),
                "with_bootstrap_s": med("fit", r_boot) + med("agg", r_boot), "bootstrap_cpu_s": med("cpu", r_boot),
                "peak_mb": max(r["peak_mb"] for r in r_plain + r_boot),
                "max_abs_diff_att_gt": diff, "cells_compared": len(common),
            }
            rows.append(row)
            print(f"  {label:<22} {name:<12} att_gt {row['att_gt_s']:7.3f} s  +aggs {row['with_aggregations_s']:7.3f} s"
                  f"  +boot {row['with_bootstrap_s']:7.3f} s (cpu {row['bootstrap_cpu_s']:.3f} s)  "
                  f"peak {row['peak_mb']:7.1f} MB  max|dATT| {diff:.1e} ({len(common)} cells)", file=sys.stderr)
    return rows


def markdown(rows: list[dict]) -> str:
    out = ["| data | library | runs | ATT(g,t) | + aggregations | + 999-draw bootstrap (CPU) | peak MB | max abs diff ATT(g,t) vs ours |",
           "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        if "error" in r:
            out.append(f"| {r['dataset']} | {r['library']} | failed: {r['error']} | | | | | |")
            continue
        out.append(f"| {r['dataset']} | {r['library']} | {r['repeats']} | {r['att_gt_s']:.3f} s | "
                   f"{r['with_aggregations_s']:.3f} s | {r['with_bootstrap_s']:.3f} s ({r['bootstrap_cpu_s']:.2f} s) | "
                   f"{r['peak_mb']:.0f} | {r['max_abs_diff_att_gt']:.1e} |")
    return "\n".join(out)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--data", help=argparse.SUPPRESS)
    p.add_argument("--draws", type=int, default=999)
    p.add_argument("--peers-python", default="/tmp/didpeers/bin/python",
                   help="python of the throwaway venv with the peers ('none' to skip them)")
    p.add_argument("--implementations", nargs="+", default=list(IMPLEMENTATIONS), choices=IMPLEMENTATIONS)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--slow-repeats", type=int, default=1)
    p.add_argument("--timeout", type=float, default=900)
    p.add_argument("--json", help="also write the rows to this JSON file")
    args = p.parse_args(argv)
    if args.worker:
        worker(args.worker, args.data, args.draws)
        return 0
    if args.peers_python not in (None, "none") and not Path(args.peers_python).exists():
        print(f"peers python {args.peers_python} not found: measuring ours only", file=sys.stderr)
        args.peers_python = "none"
    rows = bench(args)
    print(markdown(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
