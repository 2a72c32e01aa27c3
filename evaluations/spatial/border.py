"""Distance of municipalities to the U.S.–Mexico border line and to the nearest land port of entry.

All distances are computed in a projected CRS (EPSG:6372, metres) and reported in km.
EPSG:6372 is a Lambert conformal conic with standard parallels 17.5°N and 29.5°N; its scale error
over Mexico is below ~1 %, so a 1,000 km distance is good to ~±10 km, and border-region distances
(between the standard parallels' north end and the border) to a fraction of a percent.

Data (copied into the repository, see each folder's SOURCE.md):

* ``data/geo/border/us_mexico_border_line_simplified.geojson`` — TIGER/Line 2023 (IBWC) boundary,
  merged and simplified at ~100 m.
* ``data/geo/ports_of_entry/us_mexico_ports_of_entry_derived.csv`` — BTS point per CBP land port.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .geometry import GEO_DATA_DIR, GEOGRAPHIC_CRS, to_projected

__all__ = [
    "BORDER_PATH",
    "PORTS_PATH",
    "DEFAULT_BANDS_KM",
    "load_border_line",
    "load_ports_of_entry",
    "points_from_lonlat",
    "distance_to_border_km",
    "distance_to_nearest_port_km",
    "border_distances",
    "distance_bands",
]

BORDER_PATH = GEO_DATA_DIR / "border" / "us_mexico_border_line_simplified.geojson"
PORTS_PATH = GEO_DATA_DIR / "ports_of_entry" / "us_mexico_ports_of_entry_derived.csv"

#: Default band edges (km) for the heterogeneity covariate: border strip (0–25 km, roughly the
#: "zona fronteriza" of customs/fiscal rules and the twin-city belt), near-border region, northern
#: states, centre, south.
DEFAULT_BANDS_KM: tuple[float, ...] = (0.0, 25.0, 100.0, 300.0, 700.0, np.inf)


def load_border_line(path: str | Path | None = None) -> gpd.GeoDataFrame:
    """The U.S.–Mexico boundary as a one-row GeoDataFrame in WGS84."""
    gdf = gpd.read_file(path or BORDER_PATH)
    if gdf.crs is None:
        gdf = gdf.set_crs(GEOGRAPHIC_CRS)
    return gdf.to_crs(GEOGRAPHIC_CRS)


def load_ports_of_entry(path: str | Path | None = None) -> gpd.GeoDataFrame:
    """Land ports of entry (points, WGS84) with string ``port_code`` and ``nearest_mx_mun_cvegeo``.

    Rows without coordinates (BTS artefacts ``2501 San Diego`` and ``5301 Houston``) are dropped.
    """
    df = pd.read_csv(path or PORTS_PATH, dtype={"port_code": str, "nearest_mx_mun_cvegeo": str})
    df = df.dropna(subset=["latitude", "longitude"]).reset_index(drop=True)
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["longitude"], df["latitude"]), crs=GEOGRAPHIC_CRS)


def points_from_lonlat(lon: Sequence[float], lat: Sequence[float], **columns) -> gpd.GeoDataFrame:
    """Convenience: a WGS84 point GeoDataFrame from longitude/latitude sequences."""
    return gpd.GeoDataFrame(dict(columns), geometry=gpd.points_from_xy(lon, lat), crs=GEOGRAPHIC_CRS)


def _reference_geometry(gdf: gpd.GeoDataFrame, how: str) -> gpd.GeoSeries:
    proj = to_projected(gdf).geometry
    if how == "polygon":
        return proj
    if how == "centroid":
        return proj.centroid
    if how == "point":  # representative point: always inside the polygon (centroids of C-shapes are not)
        return proj.representative_point()
    raise ValueError("how must be 'polygon', 'centroid' or 'point'")


def distance_to_border_km(
    gdf: gpd.GeoDataFrame,
    *,
    how: str = "polygon",
    border: gpd.GeoDataFrame | None = None,
) -> pd.Series:
    """Shortest distance (km) from each geometry to the border line, in EPSG:6372.

    ``how``: ``"polygon"`` (nearest edge of the polygon: 0 for municipalities that touch the border,
    up to ~1–2 km for border municipalities because the polygons are simplified), ``"centroid"``, or
    ``"point"`` (representative point).  Points are used as they are whatever ``how`` says.
    """
    border = load_border_line() if border is None else border
    line = shapely.union_all(to_projected(border).geometry.values)
    geoms = _reference_geometry(gdf, how) if not (gdf.geom_type == "Point").all() else to_projected(gdf).geometry
    return pd.Series(shapely.distance(geoms.values, line) / 1000.0, index=gdf.index, name="dist_border_km")


def distance_to_nearest_port_km(
    gdf: gpd.GeoDataFrame,
    *,
    how: str = "centroid",
    ports: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Distance (km) from each geometry to the nearest land port of entry, and that port's code/name."""
    ports = load_ports_of_entry() if ports is None else ports
    pp = to_projected(ports).reset_index(drop=True)
    geoms = _reference_geometry(gdf, how) if not (gdf.geom_type == "Point").all() else to_projected(gdf).geometry
    # STRtree nearest in metres (28 ports: the tree is overkill but keeps it O(n log m)).
    tree = shapely.STRtree(pp.geometry.values)
    idx_geom, idx_port = tree.query_nearest(geoms.values, return_distance=False, all_matches=False)
    nearest = np.empty(len(geoms), dtype=int)
    nearest[idx_geom] = idx_port
    dist = shapely.distance(geoms.values, pp.geometry.values[nearest]) / 1000.0
    return pd.DataFrame(
        {
            "dist_port_km": dist,
            "nearest_port_code": pp["port_code"].values[nearest],
            "nearest_port_name": pp["port_name"].values[nearest],
        },
        index=gdf.index,
    )


def distance_bands(distances_km: pd.Series, edges: Sequence[float] = DEFAULT_BANDS_KM) -> pd.Series:
    """Ordered categorical bands such as ``"0–25 km"``, ``"25–100 km"``, …, ``"700+ km"``.

    Intervals are closed on the left (``[0, 25)``), so a border municipality at 0 km is in the first band.
    """
    edges = list(edges)
    labels = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        labels.append(f"{lo:g}+ km" if np.isinf(hi) else f"{lo:g}–{hi:g} km")
    return pd.cut(distances_km, bins=edges, labels=labels, right=False, include_lowest=True).rename("border_band")


def border_distances(
    municipalities: gpd.GeoDataFrame,
    *,
    id_col: str = "CVEGEO",
    edges: Sequence[float] = DEFAULT_BANDS_KM,
    touch_tolerance_km: float = 2.0,
    border: gpd.GeoDataFrame | None = None,
    ports: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """One row per municipality: the covariate table for models and the site.

    Columns: ``id_col``, ``dist_border_km`` (polygon edge → line), ``dist_border_centroid_km``,
    ``dist_port_km`` (centroid → nearest port), ``nearest_port_code``, ``nearest_port_name``,
    ``border_band`` (from the polygon distance), ``border_municipality`` (polygon within
    ``touch_tolerance_km`` of the line: absorbs the simplification of both layers).
    """
    border = load_border_line() if border is None else border
    out = pd.DataFrame({id_col: municipalities[id_col].values}, index=municipalities.index)
    out["dist_border_km"] = distance_to_border_km(municipalities, how="polygon", border=border)
    out["dist_border_centroid_km"] = distance_to_border_km(municipalities, how="centroid", border=border)
    out = out.join(distance_to_nearest_port_km(municipalities, how="centroid", ports=ports))
    out["border_band"] = distance_bands(out["dist_border_km"], edges)
    out["border_municipality"] = out["dist_border_km"] <= touch_tolerance_km
    return out.reset_index(drop=True)
