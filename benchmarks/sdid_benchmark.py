"""Synthetic DiD benchmark: `evaluations.synth` side by side with diff-diff and synthdid-py.

Run on demand only (never in the test suite; it takes minutes and two busy cores):

    .venv/bin/python benchmarks/sdid_benchmark.py                       # ours + peers
    .venv/bin/python benchmarks/sdid_benchmark.py --peers-python none   # ours only

Peers live in a throwaway virtualenv so they never enter the project's lock:

    python3.11 -m venv /tmp/didpeers
    .venv/bin/uv pip install --python /tmp/didpeers/bin/python -r benchmarks/requirements-peers.txt

Workloads: (a) California's Proposition 99 (39 states x 31 years, one treated state): the SDID
and SC point estimates, then the SDID placebo standard error with 200 replications; (b) a simulated
balanced panel of 2,500 units x 260 periods, the last 50 units treated from period 200 on
(`simulate_panel`, seeded): the SDID point estimate, the jackknife standard error and a bootstrap
standard error with 50 replications. Placebo and bootstrap draws use seed 1.

Ours runs twice: "ours" with the default backend (Frank–Wolfe steps compiled by numba, machine
code cached on disk; numba is optional, so run this script with a Python that has it, or the row
is labelled as the numpy path) and "ours-numpy" (BICENTENNIAL_SYNTH_BACKEND=numpy); both give
bit-for-bit the same numbers. "ours-nocache" is the numba backend with an empty numba cache (NUMBA_CACHE_DIR
pointing to a fresh folder), so its first call includes compiling the steps.

Every measurement runs in a fresh process; imports and data loading are excluded, reshaping the
long panel into a matrix is included. "first call" is the process's first estimate: for ours with
numba it includes importing numba and loading (or compiling) the cached machine code, which numba
does on first use. "warm" is the same estimate called again in that process (measured when the first
call took under --warm-below seconds), what a pipeline or notebook that estimates more than once
sees. "CPU" is the user + system time of the process during the first call; "peak MB" the growth of
its peak resident memory. The table reports the median over --repeats processes (--slow-repeats for
runs slower than 10 s), the libraries interleaved repeat by repeat, the largest absolute difference
of each peer's estimate and standard error from ours, and whether both are within 1e-6.
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
IMPLEMENTATIONS = ("ours", "ours-numpy", "ours-nocache", "diff-diff", "synthdid-py")
EQUAL = 1e-6
PROP99_TASKS = ("sdid", "sc", "placebo")
SIMULATED_TASKS = ("sdid", "jackknife", "bootstrap")


# ---------------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------------
def simulate_panel(n_units: int = 2500, n_periods: int = 260, n_treated: int = 50, first_treated: int = 200,
                   seed: int = 2026) -> pd.DataFrame:
    """Unit effects, a common seasonal path, a rank-3 interactive component, N(0,1) noise, and an
    effect of 1 on the last `n_treated` units from period `first_treated` on."""
    rng = np.random.default_rng(seed)
    factors = rng.normal(size=(n_units, 3)) @ rng.normal(size=(3, n_periods)) * 0.5
    y = rng.normal(size=(n_units, 1)) + np.sin(np.arange(n_periods) / 8)[None, :] + factors \
        + rng.normal(size=(n_units, n_periods))
    treated = np.zeros((n_units, n_periods), dtype=int)
    treated[n_units - n_treated:, first_treated:] = 1
    y += treated
    ever = (np.arange(n_units) >= n_units - n_treated).astype(int)
    return pd.DataFrame({"unit": np.repeat(np.arange(n_units), n_periods), "time": np.tile(np.arange(n_periods), n_units),
                         "y": y.ravel(), "treated": treated.ravel(), "ever": np.repeat(ever, n_periods)})


def prop99() -> pd.DataFrame:
    df = pd.read_csv(REPO / "tests" / "data" / "california_prop99" / "california_prop99.csv", sep=";")
    df = df.rename(columns={"State": "unit", "Year": "time", "PacksPerCapita": "y"})
    df["ever"] = df.groupby("unit")["treated"].transform("max")
    return df[["unit", "time", "y", "treated", "ever"]]


# ---------------------------------------------------------------------------------------------
# workers (run in a fresh process; only numpy/pandas at module level so a peer venv can run them)
# ---------------------------------------------------------------------------------------------
def run_ours(df, task, reps):
    from evaluations.synth import panel_matrices, synthdid_panel
    t0 = time.perf_counter()
    panel = panel_matrices(df, "unit", "time", "y", "treated")
    estimator = "sc" if task == "sc" else "sdid"
    se = task if task in ("placebo", "jackknife", "bootstrap") else None
    res = synthdid_panel(panel, "y", estimator, se, reps, seed=1)
    return time.perf_counter() - t0, res.estimate, res.std_error


def run_diff_diff(df, task, reps):
    if task == "sc":
        from diff_diff import SyntheticControl
        t0 = time.perf_counter()
        res = SyntheticControl(seed=1).fit(df, outcome="y", treatment="treated", unit="unit", time="time")
        return time.perf_counter() - t0, float(res.att), float("nan")
    from diff_diff import SyntheticDiD
    post = sorted(df.loc[df["treated"] == 1, "time"].unique())
    # a point estimate alone: jackknife (fixed weights, no refits) with no pre-fit placebo draws
    method, n = ("jackknife", 0) if task == "sdid" else (task, reps)
    t0 = time.perf_counter()
    res = SyntheticDiD(variance_method=method, n_bootstrap=n, seed=1).fit(
        df, outcome="y", treatment="ever", unit="unit", time="time", post_periods=post)
    return time.perf_counter() - t0, float(res.att), float(res.se) if task != "sdid" else float("nan")


def run_synthdid_py(df, task, reps):
    import synthdid
    t0 = time.perf_counter()
    panel = synthdid.panel_matrices(df, unit="unit", time="time", outcome="y", treatment="treated")
    fit = synthdid.sc_estimate if task == "sc" else synthdid.synthdid_estimate
    est = fit(panel.Y, panel.N0, panel.T0)
    se = float("nan")
    if task in ("placebo", "jackknife", "bootstrap"):
        se = synthdid.synthdid_se(est, method=task, replications=reps, random_state=1) if task != "jackknife" \
            else synthdid.synthdid_se(est, method="jackknife")
    return time.perf_counter() - t0, float(est), float(se)


WORKERS = {"ours": run_ours, "ours-numpy": run_ours, "ours-nocache": run_ours, "diff-diff": run_diff_diff,
           "synthdid-py": run_synthdid_py}
PREIMPORT = {"ours": ("evaluations.synth",), "ours-numpy": ("evaluations.synth",),
             "ours-nocache": ("evaluations.synth",), "diff-diff": ("diff_diff",), "synthdid-py": ("synthdid",)}


def worker(name: str, data: str, task: str, reps: int, warm_below: float) -> None:
    import importlib
    warnings.filterwarnings("ignore")
    sys.path.insert(0, str(REPO))
    for module in PREIMPORT[name]:      # imports are not part of the measurement
        importlib.import_module(module)
    df = pd.read_csv(data)
    before = resource.getrusage(resource.RUSAGE_SELF)
    wall, estimate, se = WORKERS[name](df, task, reps)
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    warm = warm_cpu = float("nan")
    if wall < warm_below:
        start = time.process_time()
        warm = WORKERS[name](df, task, reps)[0]
        warm_cpu = time.process_time() - start
    print(json.dumps({"wall": wall, "cpu": cpu, "peak_mb": (after.ru_maxrss - before.ru_maxrss) / 1024,
                      "warm": warm, "warm_cpu": warm_cpu, "estimate": estimate, "se": se,
                      "compiled": "evaluations.synth.compiled" in sys.modules}))


# ---------------------------------------------------------------------------------------------
# driver
# ---------------------------------------------------------------------------------------------
def measure(python: str, name: str, data: Path, task: str, reps: int, timeout: float, warm_below: float) -> dict:
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2")}
    env.pop("NUMBA_CACHE_DIR", None)
    if name == "ours-numpy":
        env["BICENTENNIAL_SYNTH_BACKEND"] = "numpy"
    elif name.startswith("ours"):
        env["BICENTENNIAL_SYNTH_BACKEND"] = "numba"
    with tempfile.TemporaryDirectory(prefix="numba-cache-") as empty:
        if name == "ours-nocache":
            env["NUMBA_CACHE_DIR"] = empty
        proc = subprocess.run([python, str(Path(__file__).resolve()), "--worker", name, "--data", str(data),
                               "--task", task, "--reps", str(reps), "--warm-below", str(warm_below)],
                              capture_output=True, text=True, timeout=timeout, env=env)
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
        raise RuntimeError(f"{name} failed: {tail}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bench(args) -> list[dict]:
    rows = []
    tmp = Path(tempfile.mkdtemp(prefix="sdidbench-"))
    workloads = [("Proposition 99", prop99(), PROP99_TASKS, args.placebo_reps),
                 ("simulated 2,500 x 260", simulate_panel(), SIMULATED_TASKS, args.bootstrap_reps)]
    for label, df, tasks, reps in workloads:
        if args.datasets and not any(label.startswith(d) for d in args.datasets):
            continue
        path = tmp / f"{label.split()[0]}.csv"
        df.to_csv(path, index=False)
        for task in tasks:
            if args.tasks and task not in args.tasks:
                continue
            pythons = {n: (sys.executable if n.startswith("ours") else args.peers_python) for n in args.implementations}
            pythons = {k: v for k, v in pythons.items() if v not in (None, "none")}
            skip = set(args.skip or [])
            pythons = {k: v for k, v in pythons.items() if f"{k}:{label.split()[0]}:{task}" not in skip}
            runs: dict[str, list[dict]] = {name: [] for name in pythons}
            failed: dict[str, str] = {}
            for rep in range(max(args.repeats, args.slow_repeats)):
                for name, python in pythons.items():
                    if name in failed:
                        continue
                    if rep and rep >= (args.slow_repeats if runs[name][0]["wall"] > 10 else args.repeats):
                        continue
                    try:
                        runs[name].append(measure(python, name, path, task, reps, args.timeout, args.warm_below))
                    except (RuntimeError, subprocess.TimeoutExpired) as exc:
                        failed[name] = str(exc)[:200]
            ours = runs.get("ours", [None])[0] if "ours" not in failed else None
            for name in pythons:
                what = f"{task} ({reps} reps)" if task in ("placebo", "bootstrap") else task
                if name in failed:
                    rows.append({"dataset": label, "task": what, "library": name, "error": failed[name]})
                    print(f"  {label:<22} {what:<18} {name:<12} FAILED: {failed[name]}", file=sys.stderr)
                    continue
                rs = runs[name]
                med = lambda key: statistics.median(r[key] for r in rs)  # noqa: E731
                d_est = abs(rs[0]["estimate"] - ours["estimate"]) if ours else float("nan")
                d_se = abs(rs[0]["se"] - ours["se"]) if ours else float("nan")
                equal = d_est <= EQUAL and (d_se <= EQUAL if d_se == d_se else rs[0]["se"] != rs[0]["se"])
                row = {"dataset": label, "task": what, "library": name, "repeats": len(rs), "wall_s": med("wall"),
                       "warm_s": med("warm"), "warm_cpu_s": med("warm_cpu"), "cpu_s": med("cpu"), "peak_mb": max(r["peak_mb"] for r in rs),
                       "estimate": rs[0]["estimate"], "se": rs[0]["se"], "abs_diff_estimate": d_est,
                       "abs_diff_se": d_se, "equal": bool(equal)}
                if name in ("ours", "ours-nocache") and not rs[0].get("compiled"):
                    row["library"] = f"{name} (numba not installed: numpy path)"
                rows.append(row)
                print(f"  {label:<22} {what:<18} {row['library']:<12} {row['wall_s']:8.3f} s (cpu {row['cpu_s']:.3f} s) "
                      f"warm {row['warm_s']:.4f} s (cpu {row['warm_cpu_s']:.4f} s) peak {row['peak_mb']:7.1f} MB  est {row['estimate']:.10g} "
                      f"se {row['se']:.6g}  |d est| {d_est:.1e} |d se| {d_se:.1e}", file=sys.stderr, flush=True)
    return rows


def markdown(rows: list[dict]) -> str:
    out = ["| data | task | library | runs | first call | CPU | warm (CPU) | peak MB | estimate | SE | "
           "abs diff estimate (SE) vs ours | equal (1e-6) |",
           "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        if "error" in r:
            out.append(f"| {r['dataset']} | {r['task']} | {r['library']} | failed: {r['error']} | | | | | | | | |")
            continue
        warm = "" if r["warm_s"] != r["warm_s"] else f"{r['warm_s']:.4f} s ({r['warm_cpu_s']:.4f} s)"
        se = "" if r["se"] != r["se"] else f"{r['se']:.6g}"
        diff = f"{r['abs_diff_estimate']:.1e}" + ("" if r["abs_diff_se"] != r["abs_diff_se"]
                                                  else f" ({r['abs_diff_se']:.1e})")
        out.append(f"| {r['dataset']} | {r['task']} | {r['library']} | {r['repeats']} | {r['wall_s']:.4f} s | "
                   f"{r['cpu_s']:.3f} s | {warm} | {r['peak_mb']:.0f} | {r['estimate']:.6f} | {se} | {diff} | "
                   f"{'yes' if r['equal'] else 'no'} |")
    return "\n".join(out)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--data", help=argparse.SUPPRESS)
    p.add_argument("--task", help=argparse.SUPPRESS)
    p.add_argument("--reps", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--placebo-reps", type=int, default=200)
    p.add_argument("--bootstrap-reps", type=int, default=50)
    p.add_argument("--peers-python", default="/tmp/didpeers/bin/python",
                   help="python of the throwaway venv with the peers ('none' to skip them)")
    p.add_argument("--implementations", nargs="+", default=list(IMPLEMENTATIONS), choices=IMPLEMENTATIONS)
    p.add_argument("--datasets", nargs="+", choices=("Proposition", "simulated"))
    p.add_argument("--tasks", nargs="+", choices=sorted(set(PROP99_TASKS + SIMULATED_TASKS)))
    p.add_argument("--skip", nargs="+", metavar="LIBRARY:DATASET:TASK",
                   help="leave out one measurement, e.g. synthdid-py:simulated:bootstrap")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--slow-repeats", type=int, default=1)
    p.add_argument("--timeout", type=float, default=900)
    p.add_argument("--warm-below", type=float, default=30.0,
                   help="call the estimate a second time in the process (the warm time) when the first took less")
    p.add_argument("--json", help="also write the rows to this JSON file")
    args = p.parse_args(argv)
    if args.worker:
        worker(args.worker, args.data, args.task, args.reps, args.warm_below)
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
