"""INEGI municipal and state boundaries (mxmaps GeoJSON, WGS84), stored with geometry as WKB."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import shapely

from .base import SourceFormatError, SourceSpec


def _features(path: Path, properties: list[str]) -> pd.DataFrame:
    try:
        collection = json.loads(Path(path).read_text(encoding="utf-8"))
        features = collection["features"]
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as error:
        raise SourceFormatError(path, f"a GeoJSON FeatureCollection: {error}") from None
    rows = []
    for number, feature in enumerate(features, start=1):
        props = feature.get("properties") or {}
        missing = [p for p in properties if p not in props]
        if missing:
            raise SourceFormatError(path, f"feature {number} lacks property {missing[0]!r}", column=missing[0])
        try:
            geometry = shapely.geometry.shape(feature["geometry"])
        except Exception as error:  # shapely raises several types for malformed geometry
            raise SourceFormatError(path, f"feature {number} has no valid geometry: {error}", column="geometry") from None
        rows.append({**{p.lower(): str(props[p]) for p in properties}, "geometry_wkb": shapely.to_wkb(geometry)})
    return pd.DataFrame(rows)


def parse_municipalities(path: Path) -> pd.DataFrame:
    frame = _features(path, ["CVEGEO", "CVE_ENT", "CVE_MUN", "NOM_ENT", "NOMGEO"])
    bad = ~frame["cvegeo"].str.fullmatch(r"\d{5}")
    if bad.any():
        raise SourceFormatError(path, f"a 5-digit CVEGEO, found {frame['cvegeo'][bad].iloc[0]!r}", column="CVEGEO")
    return frame


def parse_states(path: Path) -> pd.DataFrame:
    return _features(path, ["CVE_ENT", "NOM_ENT"])


SPECS = (
    SourceSpec(
        name="municipalities",
        family="geography",
        title="Municipal boundaries (2,469, INEGI via mxmaps)",
        files=("geo/mx_mapas/municipios_mxmaps.geojson",),
        parse=parse_municipalities,
        key=("cvegeo",),
        publisher="INEGI Marco Geoestadístico, simplified by mxmaps (Diego Valle-Jones)",
        licence="BSD-3-Clause (mxmaps); INEGI open data",
        description="Municipal polygons with INEGI codes and names; geometry as WKB (WGS84).",
    ),
    SourceSpec(
        name="states",
        family="geography",
        title="State boundaries (32, INEGI via mxmaps)",
        files=("geo/mx_mapas/estados_mxmaps.geojson",),
        parse=parse_states,
        key=("cve_ent",),
        publisher="INEGI Marco Geoestadístico, simplified by mxmaps (Diego Valle-Jones)",
        licence="BSD-3-Clause (mxmaps); INEGI open data",
        description="State polygons with INEGI codes and names; geometry as WKB (WGS84).",
    ),
)
