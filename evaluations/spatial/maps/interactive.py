"""Interactive offline HTML maps (plotly): one legend entry per class, the unit's name and value on hover.

The page is self-contained: plotly.js is embedded inline, the geometry is embedded as GeoJSON, and no
basemap/topojson is requested (plotly's geo subplot would otherwise download a world topojson from its
CDN; an empty one is pre-registered and the base layers are hidden).  Unit names and all other text are
HTML-escaped before they enter the page.
"""

from __future__ import annotations

import hashlib
import html
import json
from typing import Sequence

import geopandas as gpd
import numpy as np
import shapely

from ..geometry import PROJECTED_CRS, to_projected
from .classification import Classification
from .style import NO_DATA_COLOUR, MapOutput, MapStyle, out_path

__all__ = ["choropleth_html", "write_class_html"]

# Empty topology registered under the name plotly.js would fetch for a world geo subplot: with it,
# and with the base layers hidden, plotly.js never issues a network request.
_GEO_ASSET_SEED = (
    "<script>window.PlotlyGeoAssets=window.PlotlyGeoAssets||{topojson:{}};"
    "['world_110m','world_50m'].forEach(function(n){window.PlotlyGeoAssets.topojson[n]="
    "{type:'Topology',objects:{},arcs:[]};});</script>"
)


# FeatureCollections already built, by a digest of their inputs (geometry, ids, CRS, tolerance): the hot-spot
# asset draws three maps of the same polygons. Keyed on the content, an entry cannot go stale; the few
# most recent are kept. The dicts are shared, so callers only read them.
_WEB_GEOJSON: dict[str, dict] = {}
_WEB_GEOJSON_KEEP = 2


def _geojson_for_web(gdf: gpd.GeoDataFrame, id_col: str, tolerance_m: float) -> dict:
    """FeatureCollection (WGS84, 4 decimals ≈ 10 m) with ``properties.id``; simplified in metres first."""
    digest = hashlib.sha256()
    for part in (str(gdf.crs), repr(float(tolerance_m)), "\n".join(gdf[id_col].astype(str))):
        digest.update(part.encode() + b"\0")
    for wkb in shapely.to_wkb(gdf.geometry.values):
        digest.update(wkb)
    key = digest.hexdigest()
    if key not in _WEB_GEOJSON:
        while len(_WEB_GEOJSON) >= _WEB_GEOJSON_KEEP:
            del _WEB_GEOJSON[next(iter(_WEB_GEOJSON))]
        _WEB_GEOJSON[key] = _build_geojson_for_web(gdf, id_col, tolerance_m)
    return _WEB_GEOJSON[key]


def _build_geojson_for_web(gdf: gpd.GeoDataFrame, id_col: str, tolerance_m: float) -> dict:
    proj = to_projected(gdf[[id_col, gdf.geometry.name]], PROJECTED_CRS)
    geoms = proj.geometry.values
    if tolerance_m > 0:
        geoms = shapely.simplify(geoms, tolerance_m, preserve_topology=True)
    wgs = gpd.GeoSeries(geoms, crs=PROJECTED_CRS).to_crs("EPSG:4326").values
    wgs = shapely.transform(wgs, lambda xy: np.round(xy, 4))
    minx, miny, maxx, maxy = shapely.total_bounds(wgs)
    features = [
        {"type": "Feature", "properties": {"id": str(i)}, "geometry": json.loads(shapely.to_geojson(g))}
        for i, g in zip(gdf[id_col].astype(str), wgs)
    ]
    return {"type": "FeatureCollection", "features": features, "bbox": [minx, miny, maxx, maxy]}


def _html_page(fig: dict, *, title: str, subtitle: str, footer: str) -> str:
    import plotly.io as pio

    # The figure is a plain dict and is not validated: plotly's validators deep-copy every GeoJSON
    # coordinate (~2 s for 2,469 polygons); the dict is built from fixed keys below.
    body = pio.to_html(
        fig,
        full_html=False,
        include_plotlyjs=True,
        include_mathjax=False,
        validate=False,
        div_id="map-" + hashlib.sha256(f"{title}\n{subtitle}".encode()).hexdigest()[:16],  # not a random id: reproducible files
        config={"displaylogo": False, "responsive": True, "topojsonURL": "./"},
    )
    e = html.escape
    return (
        "<!DOCTYPE html>\n<html lang=\"es\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{e(title)}</title>\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<style>body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:1rem;color:#222}"
        "h1{font-size:1.25rem;margin:0 0 .2rem}p{margin:.2rem 0;font-size:.85rem;color:#444}</style>\n"
        f"{_GEO_ASSET_SEED}\n</head>\n<body>\n<h1>{e(title)}</h1>\n<p>{e(subtitle)}</p>\n{body}\n"
        f"<p class=\"source\">{e(footer)}</p>\n</body>\n</html>\n"
    )


def _plotly_geo_figure(gj, traces, *, legend_title: str) -> dict:
    # explicit extent: plotly's fitbounds="locations" leaves Mexico tiny with a conic projection
    minx, miny, maxx, maxy = gj["bbox"]
    pad = 0.5
    lon_range = [minx - pad, maxx + pad]
    lat_range = [miny - pad, maxy + pad]
    layout = {
        "geo": {
            "visible": False,
            "showframe": False,
            "bgcolor": "rgba(0,0,0,0)",
            "projection": {"type": "conic conformal", "parallels": [17.5, 29.5],
                           "rotation": {"lon": (lon_range[0] + lon_range[1]) / 2}},
            "lonaxis": {"range": lon_range},
            "lataxis": {"range": lat_range},
        },
        "margin": {"l": 0, "r": 0, "t": 10, "b": 0},
        "height": 640,
        "legend": {"title": {"text": html.escape(legend_title)}, "x": 0.0, "y": 0.02, "xanchor": "left",
                   "yanchor": "bottom", "bgcolor": "rgba(255,255,255,0.85)"},
        "hoverlabel": {"bgcolor": "white"},
    }
    return {"data": traces, "layout": layout}


def _class_traces(gj, ids, classes, labels, colours, hover_names, value_text, class_of_text) -> list[dict]:
    """One choropleth trace per class (so the legend is a real, clickable legend of classes)."""
    traces = []
    by_id = {f["properties"]["id"]: f for f in gj["features"]}
    for ci, (lab, col) in enumerate(zip(labels, colours)):
        m = classes == ci
        if not m.any():
            continue
        # each trace carries only its own features, so the page holds one copy of the geometry
        sub = {"type": "FeatureCollection", "features": [by_id[i] for i in ids[m] if i in by_id]}
        traces.append(
            {
                "type": "choropleth",
                "geojson": sub,
                "featureidkey": "properties.id",
                "locations": [str(i) for i in ids[m]],
                "z": [1] * int(m.sum()),
                "colorscale": [[0, col], [1, col]],
                "showscale": False,
                "showlegend": True,
                "name": html.escape(lab),
                "legendgroup": str(ci),
                "marker": {"line": {"width": 0.2, "color": "white"}},
                "customdata": [[str(a), str(b), str(c)] for a, b, c in
                               zip(hover_names[m], value_text[m], class_of_text[m])],
                "hovertemplate": "<b>%{customdata[0]}</b><br>%{customdata[1]}<br>%{customdata[2]}<extra></extra>",
            }
        )
    return traces


def _hover_names(gdf: gpd.GeoDataFrame, name_cols: Sequence[str], id_col: str) -> np.ndarray:
    cols = [c for c in name_cols if c in gdf.columns]
    if not cols:
        base = gdf[id_col].astype(str)
    elif len(cols) == 1:
        base = gdf[cols[0]].astype(str)
    else:
        base = gdf[cols[0]].astype(str) + ", " + gdf[cols[1]].astype(str)
    return np.array([html.escape(s) for s in base], dtype=object)


def write_class_html(
    gdf: gpd.GeoDataFrame,
    path,
    style: MapStyle,
    *,
    classes: np.ndarray,
    labels: list[str],
    colours: list[str],
    value_text: np.ndarray,
    class_text: np.ndarray,
    footer: str,
):
    """Write the page of ``gdf`` drawn in ``classes`` (an index into ``labels``/``colours`` per row), with
    ``value_text`` and ``class_text`` (already escaped) on hover; returns its path."""
    gj = _geojson_for_web(gdf, style.id_col, style.simplify_m)
    ids = gdf[style.id_col].astype(str).to_numpy()
    names = _hover_names(gdf, style.name_cols, style.id_col)
    fig = _plotly_geo_figure(gj, _class_traces(gj, ids, classes, labels, colours, names, value_text, class_text),
                             legend_title=style.legend)
    path = out_path(path, ".html")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_html_page(fig, title=style.title, subtitle=style.legend, footer=footer), encoding="utf-8")
    return path


def choropleth_html(
    gdf: gpd.GeoDataFrame,
    column: str,
    path,
    *,
    classification: Classification | None = None,
    style: MapStyle | None = None,
    **options,
) -> MapOutput:
    """Interactive, offline HTML choropleth: hover shows the municipality (state) name and the value.

    ``options`` are :class:`MapStyle` fields (``title``, ``source`` and ``date`` at least, unless ``style``
    is given).  The page embeds plotly.js inline and fetches nothing.  Geometry is simplified by the
    style's ``simplify_m`` metres (EPSG:6372) to keep the page small.
    """
    style = MapStyle.of(style, options).with_legend_title(column)
    cl = classification or style.classify(gdf[column])
    vals = gdf[column].to_numpy(dtype=float)
    vtext = np.array([html.escape(style.legend) + ": "
                      + (style.value_format.format(v) if np.isfinite(v) else "no data") for v in vals], dtype=object)
    labels = list(cl.labels) + ["No data"]
    colours = list(cl.colours) + [NO_DATA_COLOUR]
    classes = np.where(cl.classes < 0, len(cl.labels), cl.classes)
    ctext = np.array(["class: " + html.escape(labels[c]) for c in classes], dtype=object)
    n_missing = int((cl.classes < 0).sum())
    path = write_class_html(gdf, path, style, classes=classes, labels=labels, colours=colours, value_text=vtext,
                            class_text=ctext, footer=style.footer(n_missing, cl.scheme))
    return MapOutput(style.title, style.legend, labels if n_missing else list(cl.labels), style.source,
                     str(style.date), html=path, classification=cl, n_missing=n_missing)
