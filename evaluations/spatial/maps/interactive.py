"""Interactive offline HTML maps (Vega-Lite geoshape): one legend entry per class, the unit's name and value on hover.

A page is small: its data (one row per unit: name, value, class) and Vega-Lite specification are inline, and it
loads two local scripts from its own folder, written beside it once: ``vega-bundle.js`` (Vega, Vega-Lite and
Vega-Embed from vl-convert-python, the bundle the site's charts use) and ``geometry-<digest>.js``, the polygons as
TopoJSON, simplified as a coverage (``shapely.coverage_simplify``: shared borders stay shared, no gaps or slivers),
quantised and delta-encoded. Every map of the same polygons names the same geometry file, so a site that copies
the pages into one folder holds one copy of it. Nothing is requested from the network. Unit names and all other
text are data: the page escapes them and the tooltip shows them as text.

A page is in its style's language (``MapStyle.lang``): ``<html lang>``, the title, legend, footer and tooltips
("no data", "class") are the style's words (``MAP_WORDS``) and values are written by evaluations/formats.py in that
language (en-US or es-MX). A map drawn in both languages is two pages that load the same geometry file.
"""

from __future__ import annotations

import hashlib
import html
import json
from pathlib import Path
from typing import Sequence

import geopandas as gpd
import numpy as np
import shapely

from ... import formats
from ...vega_bundle import BUNDLE_FILE, vega_bundle
from ..geometry import PROJECTED_CRS, to_projected
from .classification import Classification
from .style import NO_DATA_COLOUR, MapOutput, MapStyle, out_path

__all__ = ["choropleth_html", "write_class_html", "web_topology", "vega_bundle", "BUNDLE_FILE"]

QUANTISATION = 10_000   # grid steps across the extent: Mexico's 32° of longitude → ≈ 360 m, below the simplification

# Topologies already built, by a digest of their inputs (geometry, ids, CRS, tolerance): the hot-spot asset draws
# three maps of the same polygons. Keyed on the content, an entry cannot go stale; the few most recent are kept.
_TOPOLOGIES: dict[str, tuple[str, dict]] = {}
_TOPOLOGIES_KEEP = 2


def web_topology(gdf: gpd.GeoDataFrame, id_col: str, tolerance_m: float) -> tuple[str, dict]:
    """(digest, TopoJSON topology) of the polygons, object "units", each geometry's ``id`` its ``id_col``."""
    digest = hashlib.sha256()
    for part in (str(gdf.crs), repr(float(tolerance_m)), repr(QUANTISATION), "\n".join(gdf[id_col].astype(str))):
        digest.update(part.encode() + b"\0")
    for wkb in shapely.to_wkb(gdf.geometry.values):
        digest.update(wkb)
    key = digest.hexdigest()[:16]
    if key not in _TOPOLOGIES:
        while len(_TOPOLOGIES) >= _TOPOLOGIES_KEEP:
            del _TOPOLOGIES[next(iter(_TOPOLOGIES))]
        _TOPOLOGIES[key] = (key, _build_topology(gdf, id_col, tolerance_m))
    return _TOPOLOGIES[key]


def _build_topology(gdf: gpd.GeoDataFrame, id_col: str, tolerance_m: float) -> dict:
    """Simplified in metres as one coverage, then WGS84 rings (exterior clockwise, as d3-geo draws them) on a
    QUANTISATION × QUANTISATION grid (TopoJSON "transform"); a border two units share is one arc, stored once."""
    proj = to_projected(gdf[[id_col, gdf.geometry.name]], PROJECTED_CRS)
    geoms = proj.geometry.values
    if tolerance_m > 0:
        geoms = shapely.coverage_simplify(geoms, tolerance_m)
    wgs = shapely.orient_polygons(gpd.GeoSeries(geoms, crs=PROJECTED_CRS).to_crs("EPSG:4326").values, exterior_cw=True)
    minx, miny, maxx, maxy = shapely.total_bounds(wgs)
    kx, ky = (maxx - minx) / (QUANTISATION - 1), (maxy - miny) / (QUANTISATION - 1)
    units: list[tuple[str, list[list[list[tuple[int, int]]]]]] = []   # id, polygons, rings, points (open rings)
    for unit, geom in zip(gdf[id_col].astype(str), wgs):
        polygons = []
        for polygon in [] if geom is None or geom.is_empty else list(getattr(geom, "geoms", [geom])):
            rings = []
            for ring in (polygon.exterior, *polygon.interiors):
                xy = np.asarray(ring.coords)
                q = np.column_stack([np.round((xy[:, 0] - minx) / kx), np.round((xy[:, 1] - miny) / ky)]).astype(np.int64)
                q = q[np.r_[True, np.any(np.diff(q, axis=0) != 0, axis=1)]]
                points = [tuple(p) for p in q.tolist()][:-1]          # open: the closing point is the first again
                if len(points) >= 3:                                    # smaller than the grid: nothing to draw
                    rings.append(points)
            if rings:
                polygons.append(rings)
        units.append((unit, polygons))
    arcs, index = _shared_arcs([ring for _, polygons in units for rings in polygons for ring in rings])
    geometries: list[dict[str, object]] = []
    for unit, polygons in units:
        shapes = [[index[id(ring)] for ring in rings] for rings in polygons]
        geometries.append({"type": "MultiPolygon", "arcs": shapes, "id": unit} if shapes else {"type": None, "id": unit})
    encoded = [np.vstack([np.asarray(a[:1]), np.diff(np.asarray(a), axis=0)]).tolist() for a in arcs]
    return {"type": "Topology", "transform": {"scale": [kx, ky], "translate": [minx, miny]},
            "objects": {"units": {"type": "GeometryCollection", "geometries": geometries}}, "arcs": encoded}


def _shared_arcs(rings: list[list[tuple[int, int]]]) -> tuple[list[list[tuple[int, int]]], dict[int, list[int]]]:
    """TopoJSON arcs of open rings: each ring is cut at its junctions (points whose neighbours differ between the
    rings that pass through them) and every piece is stored once; a piece met the other way round is
    referenced as ~index. Returns the arcs (closed pieces) and, by id(ring), the ring's arc indices."""
    neighbours: dict[tuple[int, int], set] = {}
    for ring in rings:
        n = len(ring)
        for i, p in enumerate(ring):
            neighbours.setdefault(p, set()).add(frozenset((ring[i - 1], ring[(i + 1) % n])))
    arcs: list[list[tuple[int, int]]] = []
    seen: dict[tuple, int] = {}
    index: dict[int, list[int]] = {}
    for ring in rings:
        cuts = [i for i, p in enumerate(ring) if len(neighbours[p]) > 1]
        if not cuts:                      # a ring nobody shares a part of (or shares whole): one arc from a fixed point
            start = ring.index(min(ring))
            cuts = [start]
        pieces = []
        for a, b in zip(cuts, cuts[1:] + [cuts[0] + len(ring)]):
            piece = tuple(ring[i % len(ring)] for i in range(a, b + 1))
            if piece in seen:
                pieces.append(seen[piece])
            elif piece[::-1] in seen:
                pieces.append(~seen[piece[::-1]])
            else:
                seen[piece] = len(arcs)
                pieces.append(len(arcs))
                arcs.append(list(piece))
        index[id(ring)] = pieces
    return arcs, index


def _write_once(path: Path, text: str) -> None:
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def _attribute(value) -> str:
    """JSON inside a single-quoted HTML attribute."""
    return (json.dumps(value, ensure_ascii=False, separators=(",", ":"))
            .replace("&", "&amp;").replace("'", "&#39;").replace("<", "&lt;").replace(">", "&gt;"))


_DRAW = """<script>
(function () {
  var el = document.getElementById("map");
  var spec = JSON.parse(el.getAttribute("data-spec"));
  spec.data = {values: window.BICENTENNIAL_GEOMETRY[el.getAttribute("data-geometry")], format: {type: "topojson", feature: "units"}};
  window.vegaEmbed(el, spec, {renderer: "svg", actions: false}).then(function () { el.classList.add("drawn"); })
    .catch(function (error) { el.textContent = String(error); });
})();
</script>"""


def _html_page(spec: dict, geometry: str, *, title: str, subtitle: str, footer: str, lang: str = "en") -> str:
    e = html.escape
    return (
        f"<!DOCTYPE html>\n<html lang=\"{e(lang)}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{e(title)}</title>\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<style>body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:1rem;color:#222}"
        "h1{font-size:1.25rem;margin:0 0 .2rem}p{margin:.2rem 0;font-size:.85rem;color:#444}#map{width:100%;max-width:60rem}"
        "#vg-tooltip-element{font-size:.85rem}</style>\n"
        f"<script src=\"{BUNDLE_FILE}\"></script>\n<script src=\"geometry-{geometry}.js\"></script>\n</head>\n<body>\n"
        f"<h1>{e(title)}</h1>\n<p>{e(subtitle)}</p>\n"
        f"<div id=\"map\" data-geometry=\"{geometry}\" data-spec='{_attribute(spec)}'></div>\n"
        f"<p class=\"source\">{e(footer)}</p>\n{_DRAW}\n</body>\n</html>\n"
    )


def _class_spec(rows: list[dict], labels: list[str], colours: list[str], legend_title: str) -> dict:
    """Polygons coloured by class, joined by id to one row per unit; hover: "name · value · class"."""
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json", "width": "container", "height": 560,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "projection": {"type": "conicConformal", "parallels": [17.5, 29.5], "rotate": [102, 0]},
        "transform": [{"lookup": "id", "from": {"data": {"values": rows}, "key": "id", "fields": ["class", "tip"]}}],
        "mark": {"type": "geoshape", "stroke": "white", "strokeWidth": 0.2},
        "encoding": {
            "color": {"field": "class", "type": "nominal", "scale": {"domain": labels, "range": colours},
                      "legend": {"title": legend_title, "orient": "bottom-left", "labelLimit": 300}},
            "tooltip": {"field": "tip", "type": "nominal"}},
        "config": {"view": {"stroke": None}, "font": "system-ui, sans-serif"},
    }


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
    ``value_text`` and ``class_text`` (HTML-escaped, as the callers give them) on hover, and, beside it, the
    bundle and the geometry file it loads; returns the page's path."""
    key, topology = web_topology(gdf, style.id_col, style.simplify_m)
    ids = gdf[style.id_col].astype(str).to_numpy()
    names = _hover_names(gdf, style.name_cols, style.id_col)
    rows = [{"id": str(i), "class": html.unescape(str(labels[c])),
             "tip": f"{html.unescape(str(n))} · {html.unescape(str(v))} · {html.unescape(str(ct))}"}
            for i, n, v, c, ct in zip(ids, names, value_text, np.asarray(classes, dtype=int), class_text)]
    shown = [label for i, label in enumerate(labels) if np.any(np.asarray(classes) == i)]
    spec = _class_spec(rows, [html.unescape(x) for x in shown], [colours[labels.index(x)] for x in shown], style.legend)
    path = out_path(path, ".html")
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_once(path.parent / BUNDLE_FILE, vega_bundle())
    _write_once(path.parent / f"geometry-{key}.js", "(window.BICENTENNIAL_GEOMETRY = window.BICENTENNIAL_GEOMETRY || {})"
                f'["{key}"] = ' + json.dumps(topology, separators=(",", ":")) + ";\n")
    path.write_text(_html_page(spec, key, title=style.title, subtitle=style.legend, footer=footer, lang=style.lang),
                    encoding="utf-8")
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
    is given).  The page loads Vega and the geometry from two files beside it and fetches nothing else.
    Geometry is simplified as a coverage by the style's ``simplify_m`` metres (EPSG:6372).
    """
    style = MapStyle.of(style, options).with_legend_title(column)
    cl = classification or style.classify(gdf[column])
    vals = gdf[column].to_numpy(dtype=float)
    words = style.words
    vtext = np.array([html.escape(style.legend) + ": " + (formats.number(v, style.lang, style.value_digits)
                                                         if np.isfinite(v) else words["no_data"].lower()) for v in vals],
                     dtype=object)
    labels = list(cl.labels) + [words["no_data"]]
    colours = list(cl.colours) + [NO_DATA_COLOUR]
    classes = np.where(cl.classes < 0, len(cl.labels), cl.classes)
    ctext = np.array([f"{words['class']}: " + html.escape(labels[c]) for c in classes], dtype=object)
    n_missing = int((cl.classes < 0).sum())
    path = write_class_html(gdf, path, style, classes=classes, labels=labels, colours=colours, value_text=vtext,
                            class_text=ctext, footer=style.footer(n_missing, cl.scheme))
    return MapOutput(style.title, style.legend, labels if n_missing else list(cl.labels), style.source,
                     str(style.date), html=path, classification=cl, n_missing=n_missing)
