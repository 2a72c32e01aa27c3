"""evaluations.spatial.spillover: exposure rings by hand on a lattice; planted direct and spillover
effects recovered on a simulated panel over the real municipal geometry."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from evaluations.spatial import geometry as geo
from evaluations.spatial import hotspots as hs
from evaluations.spatial import spillover as sp


def lattice(nrows=3, ncols=3, side_m=10_000.0):
    cells = [box(c * side_m, -(r + 1) * side_m, (c + 1) * side_m, -r * side_m) for r in range(nrows) for c in range(ncols)]
    return gpd.GeoDataFrame({"CVEGEO": [f"{i:05d}" for i in range(len(cells))]}, geometry=cells, crs=geo.PROJECTED_CRS)


# cells (10 km squares):   0 1 2
#                          3 4 5
#                          6 7 8
def test_rings_contiguity_queen_and_rook():
    g = lattice()
    q = sp.exposure_rings(g, ["00004"])
    assert q["ring"].tolist() == ["ring1"] * 4 + ["treated"] + ["ring1"] * 4
    rook = hs.build_weights(g, kind="rook", transform="b")
    r = sp.exposure_rings(g, ["00004"], w=rook)
    assert r["ring"].tolist() == ["far", "ring1", "far", "ring1", "treated", "ring1", "far", "ring1", "far"]
    # second-order contiguity from a corner (queen): order 1 = {1,3,4}, order 2 = {2,5,6,7,8}
    q2 = sp.exposure_rings(g, ["00000"], order=2)
    assert q2["ring"].tolist() == ["treated", "ring1", "ring2", "ring1", "ring1", "ring2", "ring2", "ring2", "ring2"]
    assert q2["n_treated_neighbours"].tolist() == [0, 1, 0, 1, 1, 0, 0, 0, 0]


def test_rings_distance_bands_by_hand():
    # Treated corner cell 0.  Polygon-to-polygon distances: cells 1, 3, 4 touch it (0 km);
    # cells 2, 5, 6, 7 are one cell away along one axis (10 km); cell 8 is one cell away diagonally
    # (√(10² + 10²) = 14.14 km).  Bands (5, 12]: ring1 = [0, 5], ring2 = (5, 12], far beyond.
    g = lattice()
    r = sp.exposure_rings(g, ["00000"], method="distance", bands_km=(5, 12))
    assert r["ring"].tolist() == ["treated", "ring1", "ring2", "ring1", "ring1", "ring2", "ring2", "ring2", "far"]
    assert r["dist_to_treated_km"].iloc[8] == pytest.approx(np.hypot(10, 10))
    assert r["dist_to_treated_km"].iloc[2] == pytest.approx(10.0)


def test_staggered_exposure_panel_by_hand():
    g = lattice()
    panel = pd.DataFrame([(u, t) for u in g["CVEGEO"] for t in range(4)], columns=["CVEGEO", "t"])
    # cell 0 treated from t = 1, cell 8 from t = 3 (queen contiguity)
    ep = sp.build_exposure_panel(panel, g, unit_col="CVEGEO", time_col="t", first_treated={"00000": 1, "00008": 3})
    ring = ep.pivot(index="CVEGEO", columns="t", values="ring")
    assert (ring[0] == "far").all()
    assert ring[1].tolist() == ["treated", "ring1", "far", "ring1", "ring1", "far", "far", "far", "far"]
    assert ring[3].tolist() == ["treated", "ring1", "far", "ring1", "ring1", "ring1", "far", "ring1", "treated"]
    assert ep["direct"].sum() == 3 + 1
    assert ep.attrs["spill_cols"] == ["spill_ring1"]
    assert ep.loc[(ep.CVEGEO == "00004") & (ep.t == 3), "n_treated_neighbours"].item() == 2
    # distance to the nearest treated cell, by hand: before t = 3 only cell 0 is treated (cell 8 is
    # √(10² + 10²) km away diagonally, cell 2 10 km); from t = 3 cell 8 is treated and cell 2 touches cell 5,
    # which touches 8: 10 km to either
    dist = ep.pivot(index="CVEGEO", columns="t", values="dist_to_treated_km")
    assert np.isinf(dist[0]).all()
    assert dist[1].tolist() == pytest.approx([0, 0, 10, 0, 0, 10, 10, 10, np.hypot(10, 10)])
    assert dist[3].tolist() == pytest.approx([0, 0, 10, 0, 0, 0, 10, 0, 0])


# ---------------------------------------------------------------- simulation on the real geometry
TAU, DELTA = 4.0, 1.5  # planted direct and spillover effects
T = 8


@pytest.fixture(scope="module")
def mun():
    return geo.load_municipalities()


@pytest.fixture(scope="module")
def simulated(mun):
    """2,469 municipalities × 8 periods; 80 treated municipalities in two cohorts (t = 3 and t = 5);
    y = α_i + λ_t + τ·D_it + δ·S_it + ε_it with ε ~ N(0, 1), α_i ~ N(0, 2²), λ_t ~ N(0, 1)."""
    rng = np.random.default_rng(20210708)
    ids = mun["CVEGEO"].to_numpy()
    treated = rng.choice(ids, 80, replace=False)
    first = {u: (3 if i < 40 else 5) for i, u in enumerate(treated)}
    panel = pd.DataFrame([(u, t) for u in ids for t in range(T)], columns=["CVEGEO", "t"])
    ep = sp.build_exposure_panel(panel, mun, unit_col="CVEGEO", time_col="t", first_treated=first)
    alpha = pd.Series(rng.normal(0, 2, len(ids)), index=ids)
    lam = rng.normal(0, 1, T)
    eps = rng.normal(0, 1, len(ep))
    ep["y"] = alpha.loc[ep["CVEGEO"]].to_numpy() + lam[ep["t"]] + TAU * ep["direct"] + DELTA * ep["spill_ring1"] + eps
    ep["state"] = ep["CVEGEO"].str[:2]
    return ep, first


def test_spillover_did_recovers_planted_effects(simulated):
    ep, _ = simulated
    res = sp.estimate_spillover_did(ep, outcome="y", unit_col="CVEGEO", time_col="t", level=0.99)
    d, s = res.direct, res.spillover.loc["spill_ring1"]
    # stated tolerance: within 0.25 of the truth and within the 99 % CI
    assert d["estimate"] == pytest.approx(TAU, abs=0.25)
    assert s["estimate"] == pytest.approx(DELTA, abs=0.25)
    assert d["ci_low"] <= TAU <= d["ci_high"]
    assert s["ci_low"] <= DELTA <= s["ci_high"]
    assert res.n_units == 2469 and res.n_periods == T and res.nobs == 2469 * T
    assert res.ring_counts["treated"] == 40 * (T - 3) + 40 * (T - 5)
    assert res.ring_counts["spill_ring1"] > 500
    # clustering by state: 32 clusters, same point estimates
    by_state = sp.estimate_spillover_did(ep, outcome="y", unit_col="CVEGEO", time_col="t", cluster_col="state")
    assert by_state.n_clusters == 32
    assert by_state.direct["estimate"] == pytest.approx(d["estimate"])


def test_naive_twfe_is_biased_by_contaminated_controls(mun, simulated):
    """With a large spillover, the naive TWFE (controls include exposed neighbours) is biased towards the
    spillover; the ring-aware estimate is not."""
    ep, first = simulated
    ep = ep.copy()
    rng = np.random.default_rng(1)
    big = 6.0
    ep["y2"] = ep["y"] + (big - DELTA) * ep["spill_ring1"] + rng.normal(0, 0.01, len(ep))
    res = sp.estimate_spillover_did(ep, outcome="y2", unit_col="CVEGEO", time_col="t")
    assert res.spillover.loc["spill_ring1", "estimate"] == pytest.approx(big, abs=0.25)
    assert res.direct["estimate"] == pytest.approx(TAU, abs=0.25)
    assert res.naive["estimate"] < res.direct["estimate"] - 0.1


def test_one_call_with_distance_rings(mun, simulated):
    ep, first = simulated
    panel = ep[["CVEGEO", "t", "y"]]
    res = sp.spillover_did(panel, mun, outcome="y", unit_col="CVEGEO", time_col="t", first_treated=first,
                           method="distance", bands_km=(0.001, 50.0))
    # ring1 (touching, ≤ 1 m) is the contiguity ring that carries the planted spillover;
    # ring2 (up to 50 km) carries none
    assert res.spillover.loc["spill_ring1", "estimate"] == pytest.approx(DELTA, abs=0.3)
    assert res.spillover.loc["spill_ring2", "estimate"] == pytest.approx(0.0, abs=0.3)
    assert res.extra["method"] == "distance"
    assert "Assumptions" in sp.__doc__ and "Parallel trends" in sp.__doc__


@pytest.mark.parametrize("kind", ["timestamp", "period"])
def test_exposure_panel_accepts_dates(kind):
    g = lattice()
    periods = (pd.date_range("2020-01-01", periods=4, freq="MS") if kind == "timestamp"
               else pd.period_range("2020-01", periods=4, freq="M"))
    panel = pd.DataFrame([(u, t) for u in g["CVEGEO"] for t in periods], columns=["CVEGEO", "month"])
    ep = sp.build_exposure_panel(panel, g, unit_col="CVEGEO", time_col="month",
                                 first_treated={"00000": periods[1], "00008": periods[3]})
    last = ep[ep["month"] == periods[3]].set_index("CVEGEO")["ring"]
    assert last.tolist() == ["treated", "ring1", "far", "ring1", "ring1", "ring1", "far", "ring1", "treated"]
    assert ep["direct"].sum() == 4
