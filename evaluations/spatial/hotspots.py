"""Spatial autocorrelation and hot-spot detection: global Moran's I, local Moran (LISA), Getis–Ord Gi*.

Weights come from libpysal (:func:`build_weights`); statistics from esda.  All inference is by
conditional permutation with a fixed seed, and local tests are corrected for multiple testing with the
Benjamini–Hochberg false-discovery-rate threshold (``esda.fdr``).

Typical use on a municipal table::

    gdf = load_municipalities().merge(rates, on="CVEGEO")
    w = build_weights(gdf)                       # queen contiguity, islands attached, row-standardised
    g = global_moran(gdf["rate"], w)             # MoranResult(I=…, p_sim=…)
    lisa = local_moran(gdf["rate"], w)           # DataFrame: Is, p_sim, quadrant, cluster (HH/LL/HL/LH/ns)
    gi = getis_ord(gdf["rate"], w)               # DataFrame: z, p_sim, spot (hot/cold/ns)
    moves = hotspot_transitions(lisa_baseline["cluster"], lisa_post["cluster"])
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Sequence

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
from libpysal import weights as lpw

from .. import formats as number_formats
from ..figures import TRANSITION_LABELS_ES
from .geometry import PROJECTED_CRS, to_projected
from .maps import categorical_map

__all__ = [
    "DEFAULT_SEED",
    "DEFAULT_PERMUTATIONS",
    "DEFAULT_LOCAL_PERMUTATIONS",
    "build_weights",
    "MoranResult",
    "global_moran",
    "local_moran",
    "getis_ord",
    "fdr_threshold",
    "hotspot_transitions",
    "TransitionSummary",
    "compare_periods",
    "hotspot_map",
    "transition_map",
    "TRANSITION_COLOURS",
]

DEFAULT_SEED = 20210708  # fixed seed: permutation p-values are reproducible run to run
DEFAULT_PERMUTATIONS = 999
#: Local statistics default to 9,999 permutations.  With Benjamini–Hochberg over n units, a unit can only
#: be declared significant if its pseudo p-value ≤ k·alpha/n for k discoveries; the smallest attainable
#: pseudo p-value is 1/(permutations+1).  With n = 2,469 municipalities and 999 permutations, BH at 5 %
#: rejects nothing unless ≥ ~50 units all reach p = 0.001; 9,999 permutations lift that floor (≈1.5 s).
DEFAULT_LOCAL_PERMUTATIONS = 9999
QUADRANT_LABELS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}


# --------------------------------------------------------------------------- weights
def build_weights(
    gdf: gpd.GeoDataFrame,
    *,
    kind: str = "queen",
    threshold_km: float | None = None,
    k: int = 6,
    attach_islands: bool = True,
    transform: str = "r",
    ids: Sequence | None = None,
) -> lpw.W:
    """Spatial weights over the rows of ``gdf`` (row ``i`` ↔ observation ``i``).

    kind:
      * ``"queen"`` / ``"rook"`` — polygon contiguity (libpysal ``Queen``/``Rook``).  Islands (e.g. Cozumel,
        Isla Mujeres' insular part) have no contiguous neighbour; with ``attach_islands`` each is linked
        to its nearest polygon (``libpysal.weights.attach_islands`` with a 1-nearest-neighbour graph), so
        every unit enters the statistics.
      * ``"distance"`` — binary distance band of ``threshold_km`` between centroids in EPSG:6372.
      * ``"knn"`` — ``k`` nearest centroids in EPSG:6372.
    transform: ``"r"`` row-standardised (default), ``"b"`` binary, as in libpysal.
    """
    ids = list(ids) if ids is not None else None
    if kind in ("queen", "rook"):
        cls = lpw.Queen if kind == "queen" else lpw.Rook
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # islands/disconnected-components warnings: handled below
            w = cls.from_dataframe(gdf, use_index=False, ids=ids, silence_warnings=True)
        if attach_islands and w.islands:
            w = lpw.attach_islands(w, _knn(gdf, 1, ids))
    elif kind == "distance":
        if threshold_km is None:
            raise ValueError("distance weights need threshold_km")
        pts = _centroid_xy(gdf)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            w = lpw.DistanceBand(pts, threshold=threshold_km * 1000.0, binary=True, ids=ids, silence_warnings=True)
        if attach_islands and w.islands:
            w = lpw.attach_islands(w, _knn(gdf, 1, ids))
    elif kind == "knn":
        w = _knn(gdf, k, ids)
    else:
        raise ValueError("kind must be queen, rook, distance or knn")
    w.transform = transform
    return w


def _centroid_xy(gdf: gpd.GeoDataFrame) -> np.ndarray:
    c = to_projected(gdf, PROJECTED_CRS).geometry.centroid
    return np.column_stack([c.x.values, c.y.values])


def _knn(gdf: gpd.GeoDataFrame, k: int, ids) -> lpw.W:
    return lpw.KNN(_centroid_xy(gdf), k=k, ids=ids)


# --------------------------------------------------------------------------- global
@dataclass(frozen=True)
class MoranResult:
    I: float
    expected_I: float
    z_norm: float
    p_norm: float
    z_sim: float
    p_sim: float
    permutations: int
    n: int


def _as_array(values) -> np.ndarray:
    y = np.asarray(values, dtype=float)
    if np.isnan(y).any():
        raise ValueError("values contain NaN: drop or impute units before building weights")
    return y


def global_moran(
    values, w: lpw.W, *, permutations: int = DEFAULT_PERMUTATIONS, seed: int = DEFAULT_SEED
) -> MoranResult:
    """Global Moran's I (esda.Moran) with analytical (normality) and permutation inference.

    ``p_sim`` is the one-sided pseudo p-value (esda's convention: the tail the observed I falls in).
    """
    y = _as_array(values)
    # esda.Moran draws from numpy's global RNG and has no seed argument: seed it, then restore the state.
    # Pass the weights' own transform: esda.Moran would otherwise re-standardise them by rows.
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        m = esda.Moran(y, w, transformation=w.transform, permutations=permutations)
    finally:
        np.random.set_state(state)
    return MoranResult(
        I=float(m.I),
        expected_I=float(m.EI),
        z_norm=float(m.z_norm),
        p_norm=float(m.p_norm),
        z_sim=float(m.z_sim) if permutations else float("nan"),
        p_sim=float(m.p_sim) if permutations else float("nan"),
        permutations=permutations,
        n=len(y),
    )


# --------------------------------------------------------------------------- local
def fdr_threshold(p_values, alpha: float = 0.05) -> float:
    """Benjamini–Hochberg threshold: reject every p ≤ the returned value (esda.fdr)."""
    p = np.asarray(p_values, dtype=float)
    return float(esda.fdr(p, alpha))


def _significance(p_sim: np.ndarray, alpha: float, fdr: bool) -> tuple[np.ndarray, float]:
    cut = fdr_threshold(p_sim, alpha) if fdr else alpha
    return p_sim <= cut, cut


def local_moran(
    values,
    w: lpw.W,
    *,
    permutations: int = DEFAULT_LOCAL_PERMUTATIONS,
    seed: int = DEFAULT_SEED,
    alpha: float = 0.05,
    fdr: bool = True,
    n_jobs: int = 1,
    index=None,
) -> pd.DataFrame:
    """Local Moran's I (LISA) with conditional permutation inference and FDR control.

    Returns one row per unit: ``Is``, ``z_sim``, ``p_sim``, ``quadrant`` (1 HH, 2 LH, 3 LL, 4 HL, as esda),
    ``significant`` (p_sim ≤ BH threshold if ``fdr`` else ≤ ``alpha``), ``cluster`` ∈ {HH, LL, HL, LH, ns}.
    The threshold used is stored in ``df.attrs["p_threshold"]``.
    """
    y = _as_array(values)
    lm = esda.Moran_Local(y, w, transformation=w.transform, permutations=permutations, seed=seed, n_jobs=n_jobs)
    p = np.asarray(lm.p_sim, dtype=float)
    sig, cut = _significance(p, alpha, fdr)
    quad = np.asarray(lm.q, dtype=int)
    cluster = np.where(sig, pd.Series(quad).map(QUADRANT_LABELS).values, "ns")
    out = pd.DataFrame(
        {
            "value": y,
            "Is": lm.Is,
            "z_sim": lm.z_sim,
            "p_sim": p,
            "quadrant": quad,
            "significant": sig,
            "cluster": cluster,
        },
        index=index if index is not None else pd.RangeIndex(len(y)),
    )
    out.attrs.update(p_threshold=cut, alpha=alpha, fdr=fdr, permutations=permutations, seed=seed)
    return out


def getis_ord(
    values,
    w: lpw.W,
    *,
    star: bool = True,
    permutations: int = DEFAULT_LOCAL_PERMUTATIONS,
    seed: int = DEFAULT_SEED,
    alpha: float = 0.05,
    fdr: bool = True,
    n_jobs: int = 1,
    index=None,
) -> pd.DataFrame:
    """Getis–Ord local G (Gi* when ``star``, the unit counted in its own neighbourhood) via esda.G_Local.

    Returns ``G``, ``z`` (analytical), ``z_sim``, ``p_sim`` (permutation, one-sided), ``significant``
    (BH-FDR by default) and ``spot`` ∈ {hot, cold, ns}: hot when significant with z > 0.
    """
    y = _as_array(values)
    # G_Local requires non-negative values (it is a ratio of local to global sums).
    if (y < 0).any():
        raise ValueError("Getis–Ord G needs non-negative values; use local_moran for changes/differences")
    with warnings.catch_warnings():
        # For Gi* on row-standardised weights esda sets the self-weight to the largest weight in the row
        # (the unit counts like one more neighbour) and warns about it; that is the intended convention.
        warnings.filterwarnings("ignore", message="Gi\\* requested")
        g = esda.G_Local(y, w, transform=w.transform.upper(), permutations=permutations, star=star, seed=seed,
                         n_jobs=n_jobs)
    p = np.asarray(g.p_sim, dtype=float)
    sig, cut = _significance(p, alpha, fdr)
    z = np.asarray(g.Zs, dtype=float)
    spot = np.where(sig & (z > 0), "hot", np.where(sig & (z < 0), "cold", "ns"))
    out = pd.DataFrame(
        {"value": y, "G": g.Gs, "z": z, "z_sim": g.z_sim, "p_sim": p, "significant": sig, "spot": spot},
        index=index if index is not None else pd.RangeIndex(len(y)),
    )
    out.attrs.update(p_threshold=cut, alpha=alpha, fdr=fdr, permutations=permutations, seed=seed, star=star)
    return out


# --------------------------------------------------------------------------- change between periods
_HOT = {"HH", "hot"}
_COLD = {"LL", "cold"}


def _spot_kind(label: str) -> str:
    if label in _HOT:
        return "hot"
    if label in _COLD:
        return "cold"
    if label in ("HL", "LH"):
        return "outlier"
    return "ns"


def _transition(b: str, p: str) -> str:
    kb, kp = _spot_kind(b), _spot_kind(p)
    if kb == kp == "ns":
        return "not significant"
    if kb == kp:
        return f"persistent {kb}"
    if kb == "ns":
        return f"new {kp}"
    if kp == "ns":
        return f"former {kb}"
    return f"{kb} → {kp}"


@dataclass
class TransitionSummary:
    """How hot/cold spots moved between two periods."""

    per_unit: pd.DataFrame  # baseline, post, transition
    crosstab: pd.DataFrame  # baseline label × post label counts
    counts: pd.Series  # transition → count
    centroid_shift_km: dict  # spot kind → distance (km) between baseline and post spot-area centroids


def hotspot_transitions(
    baseline: pd.Series, post: pd.Series, gdf: gpd.GeoDataFrame | None = None
) -> TransitionSummary:
    """Cross-tabulate per-unit cluster labels (from :func:`local_moran` ``cluster`` or :func:`getis_ord`
    ``spot``) of a baseline and a post period.

    Transition categories: ``persistent hot/cold``, ``new hot/cold``, ``former hot/cold``,
    ``hot → cold`` etc., ``not significant``.  With ``gdf`` (same rows), the distance in km between the
    area-weighted centroid of the baseline hot (cold) spots and of the post hot (cold) spots is also given —
    a one-number summary of how far the cluster moved.
    """
    b = pd.Series(np.asarray(baseline, dtype=object), name="baseline")
    p = pd.Series(np.asarray(post, dtype=object), name="post")
    if len(b) != len(p):
        raise ValueError("baseline and post must have the same units in the same order")
    per_unit = pd.DataFrame({"baseline": b, "post": p})
    per_unit["transition"] = [_transition(x, y) for x, y in zip(b, p)]
    ct = pd.crosstab(per_unit["baseline"], per_unit["post"])
    counts = per_unit["transition"].value_counts()
    shift: dict = {}
    if gdf is not None:
        proj = to_projected(gdf).geometry.reset_index(drop=True)
        for kind in ("hot", "cold"):
            mb = b.map(_spot_kind).eq(kind).values
            mp = p.map(_spot_kind).eq(kind).values
            if mb.any() and mp.any():
                cb = _weighted_centroid(proj[mb])
                cp = _weighted_centroid(proj[mp])
                shift[kind] = float(np.hypot(cb[0] - cp[0], cb[1] - cp[1]) / 1000.0)
    if gdf is not None:
        per_unit.index = gdf.index
    return TransitionSummary(per_unit=per_unit, crosstab=ct, counts=counts, centroid_shift_km=shift)


def _weighted_centroid(geoms: gpd.GeoSeries) -> tuple[float, float]:
    a = geoms.area.values
    c = geoms.centroid
    return float(np.average(c.x.values, weights=a)), float(np.average(c.y.values, weights=a))


def compare_periods(
    gdf: gpd.GeoDataFrame,
    baseline_values,
    post_values,
    w: lpw.W | None = None,
    *,
    method: str = "lisa",
    permutations: int = DEFAULT_LOCAL_PERMUTATIONS,
    seed: int = DEFAULT_SEED,
    alpha: float = 0.05,
    fdr: bool = True,
) -> dict:
    """Run the same local statistic on a baseline and a post period and summarise the movement.

    Returns ``{"baseline": DataFrame, "post": DataFrame, "transitions": TransitionSummary,
    "moran_baseline": MoranResult, "moran_post": MoranResult}``.  ``method``: ``"lisa"`` or ``"gi"``.
    """
    w = w if w is not None else build_weights(gdf)
    fn = local_moran if method == "lisa" else getis_ord
    col = "cluster" if method == "lisa" else "spot"
    kw = dict(permutations=permutations, seed=seed, alpha=alpha, fdr=fdr, index=gdf.index)
    base = fn(baseline_values, w, **kw)
    post = fn(post_values, w, **kw)
    return {
        "baseline": base,
        "post": post,
        "transitions": hotspot_transitions(base[col], post[col], gdf),
        "moran_baseline": global_moran(baseline_values, w, seed=seed),
        "moran_post": global_moran(post_values, w, seed=seed),
    }


# --------------------------------------------------------------------------- maps
TRANSITION_COLOURS = {
    "persistent hot": "#a50f15",
    "new hot": "#fb6a4a",
    "former hot": "#fcbba1",
    "persistent cold": "#08519c",
    "new cold": "#6baed6",
    "former cold": "#c6dbef",
    "hot → cold": "#756bb1",
    "cold → hot": "#e7298a",
    # spatial outliers (HL/LH) in either period: greens, so they never read as hot or cold
    "persistent outlier": "#238443",
    "new outlier": "#78c679",
    "former outlier": "#c2e699",
    "hot → outlier": "#addd8e",
    "cold → outlier": "#addd8e",
    "outlier → hot": "#41ab5d",
    "outlier → cold": "#41ab5d",
    "not significant": "#f2f2f2",
}


# the words of the hot-spot maps in both languages (categories, legend titles, the test in the footer)
HOTSPOT_WORDS = {
    "en": {"permutations": "permutations", "seed": "seed", "unadjusted": "unadjusted", "local_cluster": "Local cluster",
           "baseline_post": "Baseline → post", "centre_moved": "{kind} spots' centre moved {km} km",
           "hot": "hot", "cold": "cold"},
    "es": {"permutations": "permutaciones", "seed": "semilla", "unadjusted": "sin ajuste",
           "local_cluster": "Conglomerado local", "baseline_post": "Línea base → posterior",
           "centre_moved": "el centro de los puntos {kind} se movió {km} km", "hot": "calientes", "cold": "fríos"},
}


def hotspot_map(
    gdf: gpd.GeoDataFrame,
    result: pd.DataFrame,
    out_base,
    *,
    title: str,
    source: str,
    date: str,
    value_col: str | None = "value",
    overlay: gpd.GeoDataFrame | None = None,
    formats=("png", "html"),
    lang: str = "en",
):
    """Hot/cold-spot map (PNG + offline HTML) from :func:`local_moran` (``cluster``) or
    :func:`getis_ord` (``spot``) output on the rows of ``gdf``, in ``lang``.  The legend counts units per category
    and the footer states the test (permutations, FDR threshold)."""
    col = "cluster" if "cluster" in result.columns else "spot"
    g = gdf.copy()
    g["_cat"] = result[col].to_numpy()
    if value_col and value_col in result.columns:
        g["_value"] = result[value_col].to_numpy()
    a = result.attrs
    test = "LISA" if col == "cluster" else ("Gi*" if a.get("star", True) else "Gi")
    w = HOTSPOT_WORDS[lang]
    permutations = a.get("permutations")
    note = (f"{test}, {number_formats.integer(permutations, lang) if permutations is not None else '?'} "
            f"{w['permutations']} ({w['seed']} {a.get('seed', '?')}), "
            f"{'BH-FDR' if a.get('fdr') else w['unadjusted']} α = {number_formats.number(a.get('alpha', 0.05), lang, 2)}, "
            f"p ≤ {number_formats.significant(a.get('p_threshold', float('nan')), lang, 2)}")
    return categorical_map(g, "_cat", out_base, title=title, source=f"{source} · {note}", date=date,
                           legend_title=w["local_cluster"] if col == "cluster" else "Getis–Ord Gi*",
                           overlay=overlay, value_col="_value" if "_value" in g.columns else None,
                           formats=formats, lang=lang)


def transition_map(
    gdf: gpd.GeoDataFrame,
    transitions: TransitionSummary,
    out_base,
    *,
    title: str,
    source: str,
    date: str,
    overlay: gpd.GeoDataFrame | None = None,
    formats=("png", "html"),
    lang: str = "en",
):
    """Map of how spots moved between the baseline and the post period (:func:`hotspot_transitions`), in ``lang``."""
    g = gdf.copy()
    g["_transition"] = transitions.per_unit["transition"].to_numpy()
    w = HOTSPOT_WORDS[lang]
    labels = {k: k for k in TRANSITION_COLOURS} if lang == "en" else dict(TRANSITION_LABELS_ES)
    shift = "; ".join(w["centre_moved"].format(kind=w.get(k, k), km=number_formats.integer(v, lang))
                      for k, v in transitions.centroid_shift_km.items())
    return categorical_map(g, "_transition", out_base, title=title, source=source + (f" · {shift}" if shift else ""),
                           date=date, legend_title=w["baseline_post"], colours=TRANSITION_COLOURS, labels=labels,
                           overlay=overlay, formats=formats, lang=lang)
