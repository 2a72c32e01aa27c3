"""evaluations.spatial.hotspots: Moran's I by hand on a lattice, planted clusters with FDR, transitions."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from evaluations.spatial import geometry as geo
from evaluations.spatial import hotspots as hs


def lattice(nrows=3, ncols=3, side_m=10_000.0):
    """Square cells numbered row by row (0 = top-left), in a metric CRS."""
    cells = [box(c * side_m, -(r + 1) * side_m, (c + 1) * side_m, -r * side_m) for r in range(nrows) for c in range(ncols)]
    return gpd.GeoDataFrame({"CVEGEO": [f"{i:05d}" for i in range(len(cells))]}, geometry=cells, crs=geo.PROJECTED_CRS)


# ---------------------------------------------------------------- Moran's I, hand computation
# y = 1..9 on a 3×3 grid, row by row:      deviations z = y − 5:
#      1 2 3                                  -4 -3 -2
#      4 5 6                                  -1  0  1
#      7 8 9                                   2  3  4
# Σ z² = 16+9+4+1+0+1+4+9+16 = 60,  n = 9.
# Rook contiguity has 12 undirected edges (6 horizontal, 6 vertical):
#   horizontal products z_i z_j: (-4)(-3)=12, (-3)(-2)=6, (-1)(0)=0, (0)(1)=0, (2)(3)=6, (3)(4)=12  → 36
#   vertical   products:         (-4)(-1)=4,  (-1)(2)=-2, (-3)(0)=0, (0)(3)=0, (-2)(1)=-2, (1)(4)=4  → 4
# Binary weights: S0 = 2·12 = 24, Σ_ij w_ij z_i z_j = 2·40 = 80
#   I = (n / S0) · 80 / 60 = (9/24)·(4/3) = 0.5
# Row-standardised weights (1/k_i; corners k=2, edge cells k=3, centre k=4): S0 = n = 9 and
#   Σ_i z_i · mean(z_j, j∈N(i)) = (-4)(-2) + (-3)(-2) + (-2)(-1) + (-1)(-2/3) + 0 + (1)(2/3) + (2)(1) + (3)(2) + (4)(2)
#                              = 8 + 6 + 2 + 2/3 + 0 + 2/3 + 2 + 6 + 8 = 100/3
#   I = (9/9) · (100/3) / 60 = 5/9
# E[I] = −1/(n−1) = −1/8 under both.
HAND_I_BINARY = (9 / 24) * (80 / 60)
HAND_I_ROW = (100 / 3) / 60
HAND_EI = -1 / 8


def test_moran_rook_lattice_matches_hand_computation():
    g = lattice()
    y = np.arange(1, 10, dtype=float)
    wb = hs.build_weights(g, kind="rook", transform="b")
    assert sorted(wb.cardinalities.values()) == [2, 2, 2, 2, 3, 3, 3, 3, 4]
    assert wb.s0 == 24
    rb = hs.global_moran(y, wb, permutations=99)
    assert rb.I == pytest.approx(HAND_I_BINARY)
    assert rb.I == pytest.approx(0.5)
    assert rb.expected_I == pytest.approx(HAND_EI)

    wr = hs.build_weights(g, kind="rook", transform="r")
    rr = hs.global_moran(y, wr, permutations=99)
    assert rr.I == pytest.approx(HAND_I_ROW)
    assert rr.I == pytest.approx(5 / 9)


def test_local_moran_lattice_matches_hand_computation():
    # esda's local Moran: I_i = (n−1) · z_i · Σ_j w_ij z_j / Σ_k z_k²  (variance with n−1).
    # Top-left cell, binary weights: z = −4, neighbours' z = −3 and −1 → I = 8·(−4)(−4)/60 = 32/15.
    # Centre cell: z = 0 → I = 0.  Bottom-right: z = 4, neighbours 3 and 1 → 8·4·4/60 = 32/15.
    g = lattice()
    w = hs.build_weights(g, kind="rook", transform="b")
    res = hs.local_moran(np.arange(1, 10, dtype=float), w, permutations=99, fdr=False)
    assert res["Is"].iloc[0] == pytest.approx(32 / 15)
    assert res["Is"].iloc[4] == pytest.approx(0.0)
    assert res["Is"].iloc[8] == pytest.approx(32 / 15)
    # quadrants: top-left is low with low neighbours (LL = 3), bottom-right HH (1)
    assert res["quadrant"].iloc[0] == 3 and res["quadrant"].iloc[8] == 1


def test_permutation_inference_is_seeded():
    g = lattice(6, 6)
    y = np.random.default_rng(3).normal(size=36)
    w = hs.build_weights(g, kind="queen")
    a = hs.global_moran(y, w, permutations=199, seed=11)
    b = hs.global_moran(y, w, permutations=199, seed=11)
    assert a.p_sim == b.p_sim and a.z_sim == b.z_sim
    la = hs.local_moran(y, w, permutations=199, seed=5)
    lb = hs.local_moran(y, w, permutations=199, seed=5)
    assert (la["p_sim"].values == lb["p_sim"].values).all()


def test_fdr_threshold_is_benjamini_hochberg():
    # BH by hand: sorted p = .001 .008 .039 .041 .042 .06 .074 .205 .212 .216, m = 10, α = .05
    # thresholds k·α/m = .005 .010 .015 .020 .025 …  → largest k with p_(k) ≤ kα/m is k = 2 (.008 ≤ .010)
    p = [0.041, 0.001, 0.205, 0.008, 0.212, 0.039, 0.06, 0.216, 0.042, 0.074]
    assert hs.fdr_threshold(p, 0.05) == pytest.approx(0.010)


# ---------------------------------------------------------------- planted clusters on the real geometry
@pytest.fixture(scope="module")
def mun():
    return geo.load_municipalities()


@pytest.fixture(scope="module")
def w(mun):
    return hs.build_weights(mun)


@pytest.fixture(scope="module")
def centroids(mun):
    return geo.to_projected(mun).geometry.centroid


def _disc(mun, centroids, cvegeo, radius_km):
    c = centroids[mun["CVEGEO"] == cvegeo].iloc[0]
    return (centroids.distance(c) / 1000.0 <= radius_km).to_numpy()


def test_weights_cover_every_municipality(mun, w):
    assert w.n == 2469
    assert not w.islands  # islands (Cozumel, …) attached to their nearest polygon
    assert min(w.cardinalities.values()) >= 1


def test_lisa_and_gi_recover_planted_cluster_with_fdr(mun, w, centroids):
    rng = np.random.default_rng(2021)
    y = rng.normal(10.0, 1.0, len(mun))  # positive, like a rate (Gi* needs non-negative values)
    cluster = _disc(mun, centroids, "20067", 100.0)  # municipalities within 100 km of Oaxaca de Juárez
    assert 150 < cluster.sum() < 400
    y[cluster] += 2.5
    lisa = hs.local_moran(y, w, seed=7)
    hh = lisa["cluster"].eq("HH").to_numpy()
    assert lisa.attrs["fdr"] and lisa.attrs["p_threshold"] < 0.05
    recall = (hh & cluster).sum() / cluster.sum()
    false_disc = (hh & ~cluster).sum() / max(hh.sum(), 1)
    assert recall >= 0.75
    assert false_disc <= 0.05

    gi = hs.getis_ord(y, w, seed=7)
    hot = gi["spot"].eq("hot").to_numpy()
    # Gi* pools a unit with its neighbours, so the first ring around the cluster may light up too:
    # count as false only hot spots that are neither in the cluster nor adjacent to it.
    ring = np.zeros(len(mun), bool)
    for i in np.flatnonzero(cluster):
        ring[list(w.neighbors[i])] = True
    assert (hot & cluster).sum() / cluster.sum() >= 0.75
    assert (hot & ~cluster & ~ring).sum() <= 0.05 * hot.sum()


def test_fdr_suppresses_false_alarms_under_the_null(mun, w):
    y = np.random.default_rng(99).normal(size=len(mun))
    unadjusted = hs.local_moran(y, w, seed=3, fdr=False, permutations=2999)
    adjusted = hs.local_moran(y, w, seed=3, fdr=True, permutations=2999)
    # ~5 % of units pass an unadjusted 5 % test by chance; BH removes (almost) all of them
    assert unadjusted["significant"].sum() > 0.02 * len(mun)
    assert adjusted["significant"].sum() <= 3
    g = hs.global_moran(y, w)
    assert g.p_sim > 0.01  # no global autocorrelation in white noise


def test_transitions_track_a_moving_cluster(mun, w, centroids):
    rng = np.random.default_rng(5)
    base = rng.normal(size=len(mun))
    post = rng.normal(size=len(mun))
    a = _disc(mun, centroids, "20067", 100.0)  # Oaxaca
    b = _disc(mun, centroids, "14039", 100.0)  # Guadalajara
    base[a] += 3.0
    post[b] += 3.0
    out = hs.compare_periods(mun, base, post, w, seed=1, permutations=2999)
    t = out["transitions"]
    pu = t.per_unit
    assert (pu.loc[a, "transition"] == "former hot").mean() > 0.7
    assert (pu.loc[b, "transition"] == "new hot").mean() > 0.6
    assert t.counts.get("persistent hot", 0) == 0
    # centre-to-centre distance of the two discs, computed independently from the two seats
    ca = centroids[mun["CVEGEO"] == "20067"].iloc[0]
    cb = centroids[mun["CVEGEO"] == "14039"].iloc[0]
    assert t.centroid_shift_km["hot"] == pytest.approx(ca.distance(cb) / 1000.0, abs=60)
    assert out["moran_baseline"].I > 0.1 and out["moran_post"].I > 0.1
    assert t.crosstab.values.sum() == len(mun)


def test_gi_rejects_negative_values(w):
    with pytest.raises(ValueError):
        hs.getis_ord(-np.ones(w.n), w)


def test_hotspot_map_files(tmp_path):
    g = lattice(8, 8)
    y = np.zeros(64)
    y[[0, 1, 8, 9, 2, 16, 10, 17, 18]] = 10.0
    y += np.random.default_rng(0).normal(0, 0.1, 64)
    w = hs.build_weights(g, kind="queen")
    res = hs.local_moran(y, w, fdr=False, seed=2)
    out = hs.hotspot_map(g, res, tmp_path / "hot", title="LISA clusters", source="synthetic", date="2026-01")
    assert out.png.exists() and out.png.stat().st_size > 5_000
    assert out.html.exists()
    assert any(lbl.startswith("High–High") for lbl in out.legend_labels)
