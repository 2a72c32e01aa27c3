"""INEGI municipal and state boundaries (mxmaps GeoJSON, WGS84), stored with geometry as WKB."""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from .base import Problems, SourceFormatError, SourceSpec, read_published_text

_FEATURE = re.compile(r'"type"\s*:\s*"Feature"')


def _feature_lines(text: str, count: int) -> np.ndarray | None:
    """The line on which each feature starts, when every feature can be found by its '"type": "Feature"'
    (GDAL writes one feature per line, as in the published files); None otherwise."""
    starts = [m.start() for m in _FEATURE.finditer(text)]
    if len(starts) != count:
        return None
    ends = np.flatnonzero(np.frombuffer(text.encode("utf-32-le"), dtype="<u4") == 10)
    return np.searchsorted(ends, np.asarray(starts)) + 1


def _features(path: Path, properties: list[str]) -> tuple[pd.DataFrame, Problems]:
    """One row per feature (properties as text, geometry as WKB), and the problems found so far, located by
    the feature's line (or by its number when the lines cannot be told)."""
    text = read_published_text(path, "utf-8", compression=None, expected="a UTF-8 GeoJSON FeatureCollection")
    try:
        features = json.loads(text)["features"]
        iter(features)
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise SourceFormatError(path, f"a GeoJSON FeatureCollection: {error}") from None
    lines = _feature_lines(text, len(features))
    problems = (Problems(path, lines) if lines is not None
                else Problems(path, np.arange(1, len(features) + 1), unit="feature"))
    located = problems.lines
    rows, lacking, invalid = [], {p: [] for p in properties}, []
    for number, feature in enumerate(features, start=1):
        props = (feature.get("properties") if isinstance(feature, dict) else None) or {}
        for p in properties:
            if p not in props:
                lacking[p].append(number)
        try:
            geometry = shapely.to_wkb(shapely.geometry.shape(feature["geometry"]))
        except Exception as error:  # shapely raises several types for malformed geometry
            invalid.append((number, f"{type(error).__name__}: {error}"[:80]))
            geometry = None
        rows.append({**{p.lower(): str(props.get(p, "")) for p in properties}, "geometry_wkb": geometry})
    for p, numbers in lacking.items():
        problems.rows(np.ones(len(numbers), bool), p, f"expected property {p!r}", lines=located[np.asarray(numbers, int) - 1])
    if invalid:
        problems.rows(np.ones(len(invalid), bool), "geometry", "expected a valid geometry",
                      lines=located[np.asarray([n for n, _ in invalid], int) - 1], found=[e for _, e in invalid])
    return pd.DataFrame(rows, columns=[*(p.lower() for p in properties), "geometry_wkb"]), problems


def parse_municipalities(path: Path) -> pd.DataFrame:
    frame, problems = _features(path, ["CVEGEO", "CVE_ENT", "CVE_MUN", "NOM_ENT", "NOMGEO"])
    problems.rows(~frame["cvegeo"].str.fullmatch(r"\d{5}"), "CVEGEO", "expected a 5-digit CVEGEO", frame["cvegeo"])
    problems.check()
    return frame


def parse_states(path: Path) -> pd.DataFrame:
    frame, problems = _features(path, ["CVE_ENT", "NOM_ENT"])
    problems.check()
    return frame


SPECS = (
    SourceSpec(
        name="municipalities",
        family="geography",
        title="Municipal boundaries (2,469, INEGI via mxmaps)",
        title_es="Límites municipales (2,469, INEGI mediante mxmaps)",
        files=("geo/mx_mapas/municipios_mxmaps.geojson",),
        parse=parse_municipalities,
        key=("cvegeo",),
        publisher="INEGI Marco Geoestadístico, simplified by mxmaps (Diego Valle-Jones)",
        licence="BSD-3-Clause (mxmaps); INEGI open data",
        publisher_es="Marco Geoestadístico del INEGI, simplificado por mxmaps (Diego Valle-Jones)",
        licence_es="BSD-3-Clause (mxmaps); datos abiertos del INEGI",
        url="https://www.inegi.org.mx/temas/mg/", retrieved="2016-02-15",  # version date: diegovalle/mxmaps commit 4553ab0f
        description="Municipal polygons with INEGI codes and names; geometry as WKB (WGS84).",
    ),
    SourceSpec(
        name="states",
        family="geography",
        title="State boundaries (32, INEGI via mxmaps)",
        title_es="Límites estatales (32, INEGI mediante mxmaps)",
        files=("geo/mx_mapas/estados_mxmaps.geojson",),
        parse=parse_states,
        key=("cve_ent",),
        publisher="INEGI Marco Geoestadístico, simplified by mxmaps (Diego Valle-Jones)",
        licence="BSD-3-Clause (mxmaps); INEGI open data",
        publisher_es="Marco Geoestadístico del INEGI, simplificado por mxmaps (Diego Valle-Jones)",
        licence_es="BSD-3-Clause (mxmaps); datos abiertos del INEGI",
        url="https://www.inegi.org.mx/temas/mg/", retrieved="2016-02-15",  # version date: diegovalle/mxmaps commit 4553ab0f
        description="State polygons with INEGI codes and names; geometry as WKB (WGS84).",
    ),
)
