r"""Spillover-aware difference-in-differences on a unit × period panel.

Why
---
A municipal intervention (a deployment, an operation, an arrest of a cartel leader) can displace
or deter violence in neighbouring municipalities.  If neighbours are used as controls, a standard DiD
compares treated units with *contaminated* controls and is biased — towards zero when neighbours
benefit too, away from zero when violence is displaced onto them.  Following the exposure-mapping
approach (Clarke 2017; Butts 2021, "Difference-in-differences estimation with spatial spillovers";
Aronow & Samii 2017), each unit-period is classified into rings:

* **treated** — the unit itself is treated at ``t``;
* **ring r** (r = 1, 2, …) — not treated at ``t``, but within ring r of a unit treated at ``t``:
  first/second-order contiguity (``method="contiguity"``), or a polygon-to-polygon distance band in km
  measured in EPSG:6372 (``method="distance"``, e.g. ``bands_km=(25, 50)`` → ring 1 = (0, 25] km,
  ring 2 = (25, 50] km; contiguous polygons are at 0 km and fall in ring 1);
* **far** — everything else: the clean comparison group.

Estimator
---------
Two-way fixed effects with separate indicators, estimated by linearmodels ``PanelOLS``::

    y_it = α_i + λ_t + τ · D_it + Σ_r δ_r · S^r_it + X_it'β + ε_it

* ``D_it``   = 1 if unit i is treated at t (absorbing: once treated, always treated);
* ``S^r_it`` = 1 if i is untreated at t and in ring r of the set of units treated at t (innermost ring wins);
* α_i, λ_t unit and period fixed effects; standard errors clustered by unit (default) or by a coarser
  group (e.g. state: spatially correlated shocks within a state are then allowed for).

τ is the **direct effect** (treated vs far units), δ_r the **spillover effect** on ring-r units
(exposed vs far units).  A naive TWFE with D only is also reported: the gap between it and τ shows
how much contaminated controls would have biased the usual estimate.

Assumptions (what must hold for τ and δ_r to be causal)
-------------------------------------------------------
1. **Parallel trends** for treated, each ring, and far units absent treatment.
2. **Correct exposure mapping / local interference**: treatment affects only the unit itself and the
   rings specified; far units are unaffected (partial interference with known structure).  If effects
   reach beyond the outer ring, far units are contaminated and τ, δ are biased; widen the rings to check.
3. **Homogeneous, constant effects**: with *staggered* adoption, TWFE averages 2×2 comparisons that use
   already-treated units as controls (Goodman-Bacon 2021; de Chaisemartin & D'Haultfœuille 2020); with
   effects that change over time this can bias τ (even flip its sign).  The estimate is clean with a
   single adoption date, or with constant effects.  For dynamic/heterogeneous effects use an
   event-study or cohort-specific estimator on the same ring indicators.
4. **No anticipation** and **no dependence of treatment timing on shocks** (exogenous timing).
5. **Additivity across treated neighbours**: exposure is binary — a unit next to three treated units is
   treated like one next to one.  The panel also carries ``n_treated_neighbours`` for a dose check.
6. Inference: clustered SEs assume independence across clusters.  Spatial correlation that crosses
   cluster boundaries (e.g. Conley-type) is not modelled here; clustering by state is the conservative
   option available.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from libpysal import weights as lpw

from ..did.twfe import demean_in_one_sweep
from .geometry import to_projected
from .hotspots import build_weights

__all__ = [
    "exposure_rings",
    "build_exposure_panel",
    "SpilloverDiDResult",
    "estimate_spillover_did",
    "spillover_did",
]


# --------------------------------------------------------------------------- exposure
def _ring_labels(n_rings: int) -> list[str]:
    return [f"ring{r}" for r in range(1, n_rings + 1)]


def exposure_rings(
    gdf: gpd.GeoDataFrame,
    treated: Sequence,
    *,
    id_col: str = "CVEGEO",
    method: str = "contiguity",
    order: int = 1,
    bands_km: Sequence[float] = (25.0,),
    w: lpw.W | None = None,
    dist_to_treated_km: np.ndarray | None = None,
) -> pd.DataFrame:
    """Classify every unit of ``gdf`` relative to the set ``treated`` (ids from ``id_col``).

    Returns a DataFrame indexed like ``gdf`` with ``id_col``, ``ring`` ∈ {treated, ring1, …, far},
    ``dist_to_treated_km`` (polygon-to-polygon, EPSG:6372; 0 for treated and contiguous units) and
    ``n_treated_neighbours`` (first-order contiguous treated units).

    method ``"contiguity"``: ring r = untreated units whose contiguity order to the treated set is r,
    for r ≤ ``order`` (queen contiguity, islands attached to their nearest polygon; or pass ``w`` built on
    the same rows, binary or row-standardised).  ``"distance"``: ring r = untreated units whose distance
    to the nearest treated polygon lies in (bands_km[r-1], bands_km[r]] with bands_km[-1] ≡ 0 lower edge.
    ``dist_to_treated_km``: those distances if already known (rows of ``gdf``), else they are computed.
    """
    ids = gdf[id_col].astype(str).to_numpy()
    treated_ids = {str(t) for t in treated}
    unknown = treated_ids - set(ids)
    if unknown:
        raise KeyError(f"treated ids not in the geometry: {sorted(unknown)[:5]}")
    is_t = np.isin(ids, list(treated_ids))
    n = len(ids)
    if w is None:
        w = build_weights(gdf, kind="queen", transform="b")
    nbrs = [np.asarray(w.neighbors[k], dtype=int) for k in range(n)] if _positional(w, n) else _positional_neighbours(w)
    n_t_nb = np.array([int(is_t[nb].sum()) if len(nb) else 0 for nb in nbrs])

    if dist_to_treated_km is None:
        dist = _distance_to_nearest_km(to_projected(gdf).geometry.values, is_t)
    else:
        dist = np.asarray(dist_to_treated_km, dtype=float).copy()
    dist[is_t] = 0.0

    ring = np.array(["far"] * n, dtype=object)
    if method == "contiguity":
        # breadth-first contiguity order from the treated set
        level = np.full(n, -1)
        level[is_t] = 0
        frontier = np.flatnonzero(is_t)
        for r in range(1, order + 1):
            nxt = set()
            for i in frontier:
                for j in nbrs[i]:
                    if level[j] < 0:
                        level[j] = r
                        nxt.add(int(j))
            frontier = np.fromiter(nxt, dtype=int)
            ring[level == r] = f"ring{r}"
    elif method == "distance":
        edges = [0.0, *sorted(float(b) for b in bands_km)]
        for r, (lo, hi) in enumerate(zip(edges[:-1], edges[1:]), start=1):
            inside = (~is_t) & (dist <= hi) & ((dist > lo) if r > 1 else True)
            ring[inside & (ring == "far")] = f"ring{r}"
    else:
        raise ValueError("method must be 'contiguity' or 'distance'")
    ring[is_t] = "treated"
    return pd.DataFrame(
        {id_col: ids, "ring": ring, "dist_to_treated_km": dist, "n_treated_neighbours": n_t_nb}, index=gdf.index
    )


def _distance_to_nearest_km(proj: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Distance (km) from each projected polygon to the nearest polygon flagged in ``targets`` (inf if none)."""
    dist = np.full(len(proj), np.inf)
    if targets.any():
        tree = shapely.STRtree(proj[targets])
        i_src, i_t = tree.query_nearest(proj, return_distance=False, all_matches=False)
        dist[i_src] = shapely.distance(proj[i_src], proj[targets][i_t]) / 1000.0
    return dist


def _positional(w: lpw.W, n: int) -> bool:
    return list(w.neighbors.keys()) == list(range(n))


def _positional_neighbours(w: lpw.W) -> list[np.ndarray]:
    pos = {k: i for i, k in enumerate(w.id_order)}
    return [np.asarray([pos[j] for j in w.neighbors[k]], dtype=int) for k in w.id_order]


def build_exposure_panel(
    panel: pd.DataFrame,
    gdf: gpd.GeoDataFrame,
    *,
    unit_col: str,
    time_col: str,
    first_treated: Mapping | str,
    id_col: str = "CVEGEO",
    method: str = "contiguity",
    order: int = 1,
    bands_km: Sequence[float] = (25.0,),
    w: lpw.W | None = None,
) -> pd.DataFrame:
    """Add exposure indicators to a long unit × period panel.

    ``first_treated``: mapping unit id → first treated period, or the name of a panel column holding it
    (NaN/None = never treated).  Periods must be orderable (ints, Timestamps, Periods).
    Adds ``direct`` (0/1), ``spill_ring1``, … (0/1), ``ring`` (label at t), ``n_treated_neighbours`` and
    ``dist_to_treated_km`` (at t).  Rings are recomputed for each adoption date, since the exposed set
    grows as more units are treated.
    """
    df = panel.copy()
    df[unit_col] = df[unit_col].astype(str)
    if isinstance(first_treated, str):
        ft = df.groupby(unit_col)[first_treated].first()
    else:
        ft = pd.Series({str(k): v for k, v in first_treated.items()})
    ft = ft.dropna()
    geo_ids = set(gdf[id_col].astype(str))
    missing = set(df[unit_col]) - geo_ids
    if missing:
        raise KeyError(f"panel units without geometry: {sorted(missing)[:5]}")
    if w is None:
        w = build_weights(gdf, kind="queen", transform="b")
    n_rings = order if method == "contiguity" else len(bands_km)
    spill_cols = [f"spill_{r}" for r in _ring_labels(n_rings)]

    adoption = sorted(set(ft.values))
    # Rings depend only on which cohorts have adopted by t (the first k of `adoption`): computed once per k.
    # The distance to the nearest treated polygon is the smallest of the distances to each adopted cohort,
    # so each cohort's distances are computed once (shapely's nearest-polygon query is the costly step).
    proj = to_projected(gdf).geometry.values
    ids = gdf[id_col].astype(str).to_numpy()
    adopted_by = {t: sum(a <= t for a in adoption) for t in df[time_col].unique()}
    state = df[time_col].map(adopted_by).to_numpy()
    out = df.copy()
    out["ring"] = "far"
    out["dist_to_treated_km"] = np.inf
    out["n_treated_neighbours"] = 0
    cohort_dist: list[np.ndarray] = []
    for k in range(1, len(adoption) + 1):
        rows = state == k
        if not rows.any():
            continue
        while len(cohort_dist) < k:
            cohort = adoption[len(cohort_dist)]
            cohort_dist.append(_distance_to_nearest_km(proj, np.isin(ids, ft.index[ft == cohort])))
        rings = exposure_rings(gdf, ft.index[ft.isin(adoption[:k])].tolist(), id_col=id_col, method=method,
                               order=order, bands_km=bands_km, w=w,
                               dist_to_treated_km=np.minimum.reduce(cohort_dist)).set_index(id_col)
        at_rows = rings.reindex(out.loc[rows, unit_col])
        for col in ("ring", "dist_to_treated_km", "n_treated_neighbours"):
            out.loc[rows, col] = at_rows[col].to_numpy()
    out["direct"] = (out["ring"] == "treated").astype(int)
    for r, c in zip(_ring_labels(n_rings), spill_cols):
        out[c] = (out["ring"] == r).astype(int)
    out.attrs["spill_cols"] = spill_cols
    return out


# --------------------------------------------------------------------------- estimation
@dataclass
class SpilloverDiDResult:
    """Estimates of the direct and spillover effects (+ the naive TWFE for comparison)."""

    effects: pd.DataFrame  # index term; estimate, se, t, p, ci_low, ci_high
    naive: pd.Series | None  # naive TWFE direct effect (no spillover terms)
    nobs: int
    n_units: int
    n_periods: int
    n_clusters: int
    cov_type: str
    ring_counts: dict  # unit-periods per ring label
    r2_within: float
    summary_text: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def direct(self) -> pd.Series:
        return self.effects.loc["direct"]

    @property
    def spillover(self) -> pd.DataFrame:
        return self.effects.loc[[i for i in self.effects.index if i.startswith("spill_")]]

    def as_dict(self) -> dict:
        return {
            "effects": self.effects.reset_index().to_dict(orient="records"),
            "naive_direct": None if self.naive is None else self.naive.to_dict(),
            "nobs": self.nobs,
            "n_units": self.n_units,
            "n_periods": self.n_periods,
            "n_clusters": self.n_clusters,
            "cov_type": self.cov_type,
            "ring_counts": self.ring_counts,
            "r2_within": self.r2_within,
        }


def _fit(df: pd.DataFrame, outcome: str, regressors: list[str], clusters: pd.Series | None, weights):
    from linearmodels import PanelOLS

    mod = PanelOLS(df[outcome], df[regressors], entity_effects=True, time_effects=True,
                   weights=weights, drop_absorbed=True, check_rank=True)
    options = {"low_memory": True} if demean_in_one_sweep(df.index, weighted=weights is not None) else {}
    if clusters is None:
        return mod.fit(cov_type="clustered", cluster_entity=True, **options)
    return mod.fit(cov_type="clustered", clusters=clusters.to_frame("cluster"), **options)


def _table(res, terms: Sequence[str], level: float) -> pd.DataFrame:
    ci = res.conf_int(level=level)
    return pd.DataFrame(
        {
            "estimate": res.params[terms],
            "se": res.std_errors[terms],
            "t": res.tstats[terms],
            "p": res.pvalues[terms],
            "ci_low": ci.loc[terms, "lower"],
            "ci_high": ci.loc[terms, "upper"],
        }
    )


def estimate_spillover_did(
    panel: pd.DataFrame,
    *,
    outcome: str,
    unit_col: str,
    time_col: str,
    direct_col: str = "direct",
    spill_cols: Sequence[str] | None = None,
    controls: Sequence[str] = (),
    cluster_col: str | None = None,
    weights_col: str | None = None,
    level: float = 0.95,
    naive: bool = True,
) -> SpilloverDiDResult:
    """TWFE with unit and period fixed effects, a direct and one or more spillover indicators.

    ``panel`` is long (one row per unit × period), e.g. the output of :func:`build_exposure_panel`.
    ``cluster_col`` = None clusters by unit; give e.g. a state column to cluster more coarsely.
    """
    spill_cols = list(spill_cols if spill_cols is not None else panel.attrs.get("spill_cols", []))
    if not spill_cols:
        spill_cols = [c for c in panel.columns if c.startswith("spill_")]
    cols = [unit_col, time_col, outcome, direct_col, *spill_cols, *controls]
    cols += [c for c in (cluster_col, weights_col) if c and c not in cols]
    df = panel[cols].dropna(subset=[outcome, direct_col, *spill_cols, *controls]).copy()
    df[unit_col] = df[unit_col].astype(str)
    df = df.set_index([unit_col, time_col]).sort_index()
    clusters = None
    if cluster_col:
        clusters = pd.Series(pd.factorize(df[cluster_col])[0], index=df.index)
    weights = df[weights_col] if weights_col else None
    regs = [direct_col, *spill_cols, *controls]
    res = _fit(df, outcome, regs, clusters, weights)
    effects = _table(res, [direct_col, *spill_cols], level)
    effects = effects.rename(index={direct_col: "direct"})
    naive_s = None
    if naive:
        rn = _fit(df, outcome, [direct_col, *controls], clusters, weights)
        naive_s = _table(rn, [direct_col], level).iloc[0].rename("naive_direct")
    ring_counts = {"treated": int(df[direct_col].sum()), **{c: int(df[c].sum()) for c in spill_cols}}
    ring_counts["far"] = int(len(df) - sum(ring_counts.values()))
    n_clusters = int(clusters.nunique()) if clusters is not None else int(df.index.get_level_values(0).nunique())
    return SpilloverDiDResult(
        effects=effects,
        naive=naive_s,
        nobs=int(res.nobs),
        n_units=int(df.index.get_level_values(0).nunique()),
        n_periods=int(df.index.get_level_values(1).nunique()),
        n_clusters=n_clusters,
        cov_type=f"clustered by {cluster_col or unit_col}",
        ring_counts=ring_counts,
        r2_within=float(res.rsquared_within),
        summary_text=str(res.summary),
    )


def spillover_did(
    panel: pd.DataFrame,
    gdf: gpd.GeoDataFrame,
    *,
    outcome: str,
    unit_col: str,
    time_col: str,
    first_treated: Mapping | str,
    id_col: str = "CVEGEO",
    method: str = "contiguity",
    order: int = 1,
    bands_km: Sequence[float] = (25.0,),
    controls: Sequence[str] = (),
    cluster_col: str | None = None,
    weights_col: str | None = None,
    level: float = 0.95,
) -> SpilloverDiDResult:
    """One call: exposure rings from the geometry + TWFE estimation.  See the module docstring."""
    ep = build_exposure_panel(panel, gdf, unit_col=unit_col, time_col=time_col, first_treated=first_treated,
                              id_col=id_col, method=method, order=order, bands_km=bands_km)
    res = estimate_spillover_did(ep, outcome=outcome, unit_col=unit_col, time_col=time_col,
                                 spill_cols=ep.attrs["spill_cols"], controls=controls, cluster_col=cluster_col,
                                 weights_col=weights_col, level=level)
    res.extra["method"] = method
    res.extra["order" if method == "contiguity" else "bands_km"] = order if method == "contiguity" else list(bands_km)
    return res
