"""Time each spatial step on the full municipal geometry (2,469 polygons).

On demand, not part of the tests:

    .venv/bin/python benchmarks/spatial_benchmark.py [--repeat 3] [--json out.json] [--keep DIR]

Steps (median wall-clock seconds over ``--repeat`` runs; each step reported on its own):
  load            read + validate the municipal GeoJSON
  weights_queen   libpysal Queen contiguity (islands attached, row-standardised)
  moran_999       global Moran's I, 999 permutations
  lisa_999        local Moran, 999 permutations (+ BH-FDR)
  lisa_9999       local Moran, 9,999 permutations (the library's default for local statistics)
  gi_star_999     Getis–Ord Gi*, 999 permutations
  map_png         municipal choropleth, static PNG (Fisher–Jenks, state overlay)
  map_html        municipal choropleth, offline HTML (Vega-Lite, geometry file beside it), first map of these polygons (one run)
  map_html_again  the same map again: the simplified web GeoJSON is reused (content-keyed)
  distances       border_distances: polygon + centroid distance to the line, nearest port, bands
  spillover       exposure panel (2,469 × 10, two adoption cohorts) + TWFE PanelOLS (clustered)

The outcome is a synthetic rate with a planted cluster, so the statistics do real work; the inputs are
the repository's own geometry files.

Measured 2026-11-27 (2-core machine, load average 2.4–2.8 from other jobs, OPENBLAS_NUM_THREADS=1,
median of 3, wall-clock); before = tree at 31a8cdc:

    step        before    after
    map_png     1.274 s   0.725–0.819 s   (one render per PNG, in savefig)
    map_html    1.098 s   1.200 s first map of the polygons; 0.542 s again (GeoJSON reused)
    spillover   1.404 s   1.369–1.416 s   (10 periods, 2 cohorts: little to gain here; on the 72-month
                                           municipal panel the exposure panel went 2.3 → 1.7 s CPU and
                                           each TWFE fit ≈ 3 → 0.5 s CPU)
    others      unchanged (libpysal weights, esda statistics, border distances)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from evaluations.spatial import border, geometry, hotspots, maps, spillover  # noqa: E402


def _timeit(fn, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times), result


def run(repeat: int, out_dir: Path) -> dict:
    results: dict[str, dict] = {}

    def step(name, fn, rep=repeat):
        med, best, res = _timeit(fn, rep)
        results[name] = {"median_s": round(med, 3), "min_s": round(best, 3), "repeat": rep}
        print(f"{name:<15} {med:8.3f} s  (min {best:.3f}, n={rep})", flush=True)
        return res

    mun = step("load", geometry.load_municipalities)
    states = geometry.load_states()
    w = step("weights_queen", lambda: hotspots.build_weights(mun))

    rng = np.random.default_rng(0)
    cent = geometry.to_projected(mun).geometry.centroid
    c = cent[mun["CVEGEO"] == "20067"].iloc[0]
    y = rng.gamma(2.0, 10.0, len(mun))
    y[(cent.distance(c) / 1000 < 120).to_numpy()] += 40.0

    step("moran_999", lambda: hotspots.global_moran(y, w, permutations=999))
    lisa = step("lisa_999", lambda: hotspots.local_moran(y, w, permutations=999))
    step("lisa_9999", lambda: hotspots.local_moran(y, w, permutations=9999))
    step("gi_star_999", lambda: hotspots.getis_ord(y, w, permutations=999))

    g = mun.assign(rate=y)
    step("map_png", lambda: maps.choropleth_png(g, "rate", out_dir / "bench_rate.png", title="Benchmark rate",
                                                source="synthetic", date="bench", overlay=states))
    def html_map():
        return maps.choropleth_html(g, "rate", out_dir / "bench_rate.html", title="Benchmark rate", source="synthetic",
                                    date="bench")

    html_out = step("map_html", html_map, rep=1)  # first map of these polygons: builds the web GeoJSON
    step("map_html_again", html_map)  # same polygons again (the hot-spot asset's 2nd and 3rd maps): GeoJSON reused
    step("distances", lambda: border.border_distances(mun))

    ids = mun["CVEGEO"].to_numpy()
    treated = rng.choice(ids, 100, replace=False)
    first = {u: (4 if i < 50 else 6) for i, u in enumerate(treated)}
    panel = pd.DataFrame([(u, t) for u in ids for t in range(10)], columns=["CVEGEO", "t"])
    panel["y"] = rng.normal(size=len(panel))

    step("spillover", lambda: spillover.spillover_did(panel, mun, outcome="y", unit_col="CVEGEO", time_col="t",
                                                      first_treated=first))
    return {
        "steps": results,
        "n_polygons": int(len(mun)),
        "lisa_999_significant_fdr": int(lisa["significant"].sum()),
        "html_bytes": html_out.html.stat().st_size,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", type=Path, default=None, help="write the results here")
    ap.add_argument("--keep", type=Path, default=None, help="keep the map files in this folder")
    args = ap.parse_args(argv)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        report = run(args.repeat, args.keep)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            report = run(args.repeat, Path(tmp))
    total = sum(s["median_s"] for s in report["steps"].values())
    print(f"{'total':<15} {total:8.3f} s  ({report['n_polygons']} polygons; HTML {report['html_bytes'] / 1e6:.1f} MB)")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
