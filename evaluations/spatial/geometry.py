"""Municipal and state polygons: loading, code hygiene, post-2020 municipalities, projection.

Everything here is plain pandas/geopandas: GeoDataFrames in, GeoDataFrames out.

Conventions
-----------
* INEGI codes are strings: ``CVE_ENT`` (2 digits), ``CVE_MUN`` (3), ``CVEGEO`` = ``CVE_ENT + CVE_MUN`` (5).
* Polygons are stored in WGS84 longitude/latitude (EPSG:4326).  Any distance, area or buffer is
  computed in :data:`PROJECTED_CRS` (EPSG:6372, *Mexico ITRF2008 / LCC*, metres), never in degrees.
* The polygon set is the 2020-census set of 2,469 municipalities.  Municipalities created after
  2020 have no polygon of their own; :func:`fold_new_municipalities` adds their data back to the
  parent municipality they were split from (:data:`POST_2020_MUNICIPALITIES`).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

__all__ = [
    "GEOGRAPHIC_CRS",
    "PROJECTED_CRS",
    "GEO_DATA_DIR",
    "MUNICIPIOS_PATH",
    "ESTADOS_PATH",
    "PostCensusMunicipality",
    "POST_2020_MUNICIPALITIES",
    "normalise_cvegeo",
    "normalise_cve_ent",
    "load_municipalities",
    "load_states",
    "read_polygons",
    "polygons_from_wkb",
    "polygons_to_wkb",
    "to_projected",
    "areas_km2",
    "parent_code",
    "remap_to_parent",
    "fold_new_municipalities",
    "dissolve_to_states",
]

GEOGRAPHIC_CRS = "EPSG:4326"
#: Mexico ITRF2008 / LCC (INEGI's national Lambert conformal conic), metres.
PROJECTED_CRS = "EPSG:6372"

GEO_DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "geo"
MUNICIPIOS_PATH = GEO_DATA_DIR / "mx_mapas" / "municipios_mxmaps.geojson"
ESTADOS_PATH = GEO_DATA_DIR / "mx_mapas" / "estados_mxmaps.geojson"


@dataclass(frozen=True)
class PostCensusMunicipality:
    """A municipality created after the 2020 census, which has no polygon in the 2,469 set."""

    cvegeo: str
    name: str
    parent_cvegeo: str
    parent_name: str
    note: str


# Codes follow CONAPO's municipal file (data/population): Guerrero 12082–12085 are Las Vigas,
# Ñuu Savi, Santa Cruz del Rincón, San Nicolás in that order.  Parents are the municipalities each
# new one was segregated from, per the creating decrees as reported in the press
# (Guerrero: Congress approval 31 Aug 2021, decree published 20–21 May 2022; Sinaloa: Eldorado and
# Juan José Ríos approved Feb 2021, in office 1 Nov 2024; SLP: Villa de Pozos 2021/2024).
# Juan José Ríos also took small parts of Ahome, Sinaloa and El Fuerte; its main parent is Guasave,
# whose sindicatura it was.  Folding is therefore approximate for that one.
POST_2020_MUNICIPALITIES: dict[str, PostCensusMunicipality] = {
    m.cvegeo: m
    for m in (
        PostCensusMunicipality("02007", "San Felipe", "02002", "Mexicali", "segregated from Mexicali"),
        PostCensusMunicipality("04013", "Dzitbalché", "04001", "Calkiní", "segregated from Calkiní"),
        PostCensusMunicipality("12082", "Las Vigas", "12053", "San Marcos", "19 localities of San Marcos"),
        PostCensusMunicipality("12083", "Ñuu Savi", "12012", "Ayutla de los Libres", "37 communities of Ayutla"),
        PostCensusMunicipality(
            "12084", "Santa Cruz del Rincón", "12041", "Malinaltepec", "19 communities of Malinaltepec"
        ),
        PostCensusMunicipality("12085", "San Nicolás", "12023", "Cuajinicuilapa", "10 localities of Cuajinicuilapa"),
        PostCensusMunicipality(
            "24059", "Villa de Pozos", "24028", "San Luis Potosí", "segregated from San Luis Potosí"
        ),
        PostCensusMunicipality("25019", "Eldorado", "25006", "Culiacán", "sindicatura of Culiacán"),
        PostCensusMunicipality(
            "25020",
            "Juan José Ríos",
            "25011",
            "Guasave",
            "sindicatura of Guasave plus small parts of Ahome, Sinaloa and El Fuerte",
        ),
    )
}


# --------------------------------------------------------------------------- codes
def normalise_cvegeo(codes: Iterable | pd.Series) -> pd.Series:
    """Return 5-character zero-padded CVEGEO strings.

    Accepts integers (SESNSP writes ``1001``), floats from CSV (``1001.0``) or strings.  Missing values
    stay missing.
    """
    s = pd.Series(codes) if not isinstance(codes, pd.Series) else codes
    out = s.astype("string").str.strip().str.replace(r"\.0+$", "", regex=True)
    return out.str.zfill(5)


def normalise_cve_ent(codes: Iterable | pd.Series) -> pd.Series:
    """Return 2-character zero-padded state codes."""
    s = pd.Series(codes) if not isinstance(codes, pd.Series) else codes
    out = s.astype("string").str.strip().str.replace(r"\.0+$", "", regex=True)
    return out.str.zfill(2)


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", str(text)) if not unicodedata.combining(c)).lower().strip()


# --------------------------------------------------------------------------- loading
def _clean(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    gdf = gdf.copy()
    if gdf.crs is None:
        gdf = gdf.set_crs(GEOGRAPHIC_CRS)
    # 6 of 2,469 mxmaps polygons self-touch after quantisation; make_valid keeps their area.
    invalid = ~gdf.geometry.is_valid
    if invalid.any():
        gdf.loc[invalid, gdf.geometry.name] = shapely.make_valid(gdf.geometry[invalid].values)
        # make_valid can return GeometryCollections with stray lines: keep the polygonal part.
        gdf.loc[invalid, gdf.geometry.name] = [
            _polygonal_part(g) for g in gdf.geometry[invalid].values
        ]
    return gdf


def _polygonal_part(geom):
    if geom is None or geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    polys = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(polys) if polys else geom


def load_municipalities(path=None) -> gpd.GeoDataFrame:
    """Load the 2,469 municipal polygons (WGS84) with string codes ``CVEGEO, CVE_ENT, CVE_MUN``.

    ``path`` defaults to ``data/geo/mx_mapas/municipios_mxmaps.geojson``; any GeoJSON/GeoPackage with a
    ``CVEGEO`` column (or ``CVE_ENT`` + ``CVE_MUN``) works, and so does anything :func:`read_polygons`
    accepts (a GeoDataFrame, or a DataFrame with a WKB ``geometry`` column, e.g. from DuckDB).  Rows are sorted by ``CVEGEO`` and the index is
    a plain RangeIndex, so row ``i`` is the same unit in weights built from this frame.
    """
    gdf = read_polygons(MUNICIPIOS_PATH if path is None else path)
    if "CVEGEO" not in gdf.columns:
        if {"CVE_ENT", "CVE_MUN"} <= set(gdf.columns):
            gdf["CVEGEO"] = normalise_cve_ent(gdf["CVE_ENT"]) + gdf["CVE_MUN"].astype(str).str.zfill(3)
        else:
            raise KeyError("municipal layer needs CVEGEO or CVE_ENT + CVE_MUN")
    gdf["CVEGEO"] = normalise_cvegeo(gdf["CVEGEO"]).astype(str)
    gdf["CVE_ENT"] = gdf["CVEGEO"].str[:2]
    gdf["CVE_MUN"] = gdf["CVEGEO"].str[2:]
    if gdf["CVEGEO"].duplicated().any():
        dups = gdf.loc[gdf["CVEGEO"].duplicated(), "CVEGEO"].tolist()[:5]
        raise ValueError(f"duplicated CVEGEO in municipal layer: {dups}")
    return gdf.sort_values("CVEGEO").reset_index(drop=True)


def load_states(path=None) -> gpd.GeoDataFrame:
    """Load the 32 state polygons (WGS84) with a 2-digit string ``CVE_ENT`` and ``NOM_ENT`` (same inputs as
    :func:`load_municipalities`)."""
    gdf = read_polygons(ESTADOS_PATH if path is None else path)
    for alt in ("cve_geo", "id", "CVEGEO"):
        if "CVE_ENT" not in gdf.columns and alt in gdf.columns:
            gdf = gdf.rename(columns={alt: "CVE_ENT"})
    if "NOM_ENT" not in gdf.columns and "nombre_estado" in gdf.columns:
        gdf = gdf.rename(columns={"nombre_estado": "NOM_ENT"})
    gdf["CVE_ENT"] = normalise_cve_ent(gdf["CVE_ENT"]).astype(str)
    return gdf.sort_values("CVE_ENT").reset_index(drop=True)


def read_polygons(source, *, crs: str | None = None, geometry_col: str = "geometry") -> gpd.GeoDataFrame:
    """Read polygons from a file path (GeoJSON, GeoPackage, shapefile…), a GeoDataFrame, or a
    DataFrame whose ``geometry_col`` holds WKB (bytes or hex), e.g. a DuckDB/Parquet table.

    WKB carries no CRS: pass ``crs`` (default WGS84) for it.
    """
    if isinstance(source, gpd.GeoDataFrame):
        gdf = source.copy()
        if gdf.crs is None:
            gdf = gdf.set_crs(crs or GEOGRAPHIC_CRS)
    elif isinstance(source, pd.DataFrame):
        gdf = polygons_from_wkb(source, geometry_col=geometry_col, crs=crs or GEOGRAPHIC_CRS)
    else:
        gdf = gpd.read_file(source)
        if crs is not None and gdf.crs is None:
            gdf = gdf.set_crs(crs)
    return _clean(gdf)


def polygons_from_wkb(df: pd.DataFrame, *, geometry_col: str = "geometry", crs: str = GEOGRAPHIC_CRS) -> gpd.GeoDataFrame:
    """Turn a DataFrame with a WKB column (``bytes``/``bytearray``/``memoryview`` or hex ``str``) into a
    GeoDataFrame in ``crs``."""
    raw = df[geometry_col]
    values = [bytes(v) if isinstance(v, (bytearray, memoryview)) else v for v in raw]
    geoms = shapely.from_wkb(np.asarray(values, dtype=object))
    out = df.drop(columns=[geometry_col])
    return gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(geoms, index=df.index), crs=crs)


def polygons_to_wkb(gdf: gpd.GeoDataFrame, *, hex: bool = False) -> pd.DataFrame:
    """Inverse of :func:`polygons_from_wkb`: a plain DataFrame with a WKB ``geometry`` column
    (CRS dropped; WGS84 expected by the readers)."""
    df = pd.DataFrame(gdf.drop(columns=[gdf.geometry.name]))
    df["geometry"] = shapely.to_wkb(gdf.geometry.values, hex=hex)
    return df


def to_projected(gdf: gpd.GeoDataFrame, crs: str = PROJECTED_CRS) -> gpd.GeoDataFrame:
    """Reproject to a metric CRS (EPSG:6372 by default).  Raises if the result is still geographic."""
    out = gdf.to_crs(crs)
    if out.crs is None or not out.crs.is_projected:
        raise ValueError(f"{crs} is not a projected CRS; distances/areas need metres")
    return out


def areas_km2(gdf: gpd.GeoDataFrame, crs: str = PROJECTED_CRS) -> pd.Series:
    """Polygon areas in km² computed in a projected CRS (EPSG:6372 is conformal, not equal-area;
    area error within Mexico is < ~1 %; use an equal-area CRS such as ESRI:102008 for exact areas)."""
    return to_projected(gdf, crs).geometry.area / 1e6


# --------------------------------------------------------------------------- post-2020 municipalities
def parent_code(cvegeo: str) -> str:
    """Map one CVEGEO to the polygon it belongs to (itself unless it is a post-2020 municipality)."""
    code = str(cvegeo).zfill(5)
    m = POST_2020_MUNICIPALITIES.get(code)
    return m.parent_cvegeo if m else code


def remap_to_parent(
    codes: pd.Series,
    *,
    names: pd.Series | None = None,
    state_codes: pd.Series | None = None,
) -> pd.Series:
    """Map a Series of CVEGEO codes to polygon codes (post-2020 municipalities → their parent).

    Sources without codes (the third-party SESNSP 2024–2025 file) can pass ``names`` and
    ``state_codes``: rows whose accent-stripped name matches a post-2020 municipality in that state are
    mapped to the parent even when ``codes`` is missing.
    """
    # Long panels repeat each code once per period: normalise and look up each distinct code once.
    positions, distinct = pd.factorize(codes, use_na_sentinel=False)
    parents = normalise_cvegeo(pd.Series(distinct)).map(lambda c: parent_code(c) if isinstance(c, str) else c)
    out = pd.Series(parents.to_numpy()[positions], index=codes.index, name=codes.name)
    if names is not None:
        if state_codes is None:
            raise ValueError("names need state_codes to be unambiguous")
        lookup = {(m.cvegeo[:2], _strip_accents(m.name)): m.parent_cvegeo for m in POST_2020_MUNICIPALITIES.values()}
        st = normalise_cve_ent(state_codes)
        by_name = [lookup.get((s, _strip_accents(n))) if isinstance(n, str) else None for s, n in zip(st, names)]
        by_name = pd.Series(by_name, index=codes.index, dtype="string")
        out = by_name.fillna(out.astype("string"))
    return out.astype("string")


def fold_new_municipalities(
    df: pd.DataFrame,
    *,
    code_col: str = "CVEGEO",
    value_cols: Sequence[str] | None = None,
    by: Sequence[str] = (),
    agg: str = "sum",
    names_col: str | None = None,
) -> pd.DataFrame:
    """Aggregate rows of post-2020 municipalities into their parent municipality.

    ``df`` is long data keyed by ``code_col`` (+ ``by`` columns such as a period).  Counts and
    populations (``value_cols``, default every numeric column) are summed (``agg``) over the parent and
    its offspring, so rates recomputed afterwards refer to the 2020 territory of the parent.
    Do **not** pass rates: sum numerators and denominators, then divide.

    With ``names_col`` set, rows with a missing code are matched by (state, name) — state from the
    first two characters of the code column when present, else from a ``CVE_ENT`` column.
    """
    if code_col not in df.columns:
        raise KeyError(code_col)
    work = df.copy()
    if names_col is not None:
        state = work["CVE_ENT"] if "CVE_ENT" in work.columns else normalise_cvegeo(work[code_col]).str[:2]
        work[code_col] = remap_to_parent(work[code_col], names=work[names_col], state_codes=state)
    else:
        work[code_col] = remap_to_parent(work[code_col])
    keys = [code_col, *by]
    if value_cols is None:
        value_cols = [c for c in work.select_dtypes("number").columns if c not in keys]
    value_cols = list(value_cols)
    return work.groupby(keys, as_index=False, dropna=False, sort=True)[value_cols].agg(agg)


def dissolve_to_states(municipalities: gpd.GeoDataFrame, values: Sequence[str] = (), agg: str = "sum") -> gpd.GeoDataFrame:
    """Dissolve municipal polygons (and optionally sum ``values``) to the 32 states."""
    cols = ["CVE_ENT", municipalities.geometry.name, *values]
    sub = municipalities[cols]
    aggfunc = {v: agg for v in values} if values else "first"
    return sub.dissolve(by="CVE_ENT", aggfunc=aggfunc).reset_index()
