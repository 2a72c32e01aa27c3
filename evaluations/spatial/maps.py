"""Choropleth maps: static PNG (matplotlib, Agg canvas) and interactive offline HTML (plotly).

Every map carries a title, a legend, the data source and a date.  Values are classified with
mapclassify (Fisher–Jenks by default: breaks follow gaps in the data, so an extreme municipality gets
its own class instead of being absorbed in a top quantile; quantiles on request).  Legend labels give
the closed range of each class, so the top label always shows the maximum.

Static maps are drawn in EPSG:6372 (Mexico LCC) so shapes and areas look right.  They use
``matplotlib.figure.Figure`` with an Agg canvas directly: no pyplot, no global backend switch, safe to
call from a pipeline worker.

The HTML is self-contained: plotly.js is embedded inline, the geometry is embedded as GeoJSON, and no
basemap/topojson is requested (plotly's geo subplot would otherwise download a world topojson from
its CDN; we pre-register an empty one and hide the base layers).  Municipality names and all other
text are HTML-escaped before they enter the page.

Typical use::

    mun = load_municipalities()
    df["rate"] = rate_per_100k(df["homicides"], df["population"])
    out = municipal_choropleth(df, "rate", "site/maps/homicide_rate_2021",
                               title="Homicide rate per 100k, 2021", source="INEGI via Gargiulo et al.",
                               date="2021", legend_title="per 100,000")
    out.png, out.html
"""

from __future__ import annotations

import hashlib
import html
import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import geopandas as gpd
import mapclassify as mc
import numpy as np
import pandas as pd
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib import colormaps
from matplotlib.patches import Patch

from .geometry import PROJECTED_CRS, load_municipalities, load_states, to_projected

__all__ = [
    "Classification",
    "MapOutput",
    "classify",
    "rate_per_100k",
    "choropleth_png",
    "choropleth_html",
    "choropleth",
    "municipal_choropleth",
    "state_choropleth",
    "change_map",
    "categorical_map",
    "HOTSPOT_COLOURS",
]

NO_DATA_COLOUR = "#d9d9d9"
HOTSPOT_COLOURS = {
    "HH": "#d7191c",
    "hot": "#d7191c",
    "HL": "#fdae61",
    "LH": "#abd9e9",
    "LL": "#2c7bb6",
    "cold": "#2c7bb6",
    "ns": "#f2f2f2",
}
HOTSPOT_LABELS = {
    "HH": "High–High (hot spot)",
    "LL": "Low–Low (cold spot)",
    "HL": "High–Low (outlier)",
    "LH": "Low–High (outlier)",
    "hot": "Hot spot (Gi*)",
    "cold": "Cold spot (Gi*)",
    "ns": "Not significant",
}


# --------------------------------------------------------------------------- data helpers
def rate_per_100k(counts, population) -> pd.Series:
    """``counts / population × 100,000``; NaN where the population is missing or ≤ 0."""
    c = pd.Series(counts, dtype=float) if not isinstance(counts, pd.Series) else counts.astype(float)
    p = pd.Series(population, dtype=float) if not isinstance(population, pd.Series) else population.astype(float)
    p = p.where(p > 0)
    return (c / p * 1e5).rename("rate_per_100k")


# --------------------------------------------------------------------------- classification
@dataclass
class Classification:
    scheme: str
    bins: np.ndarray  # upper bounds, last = max
    classes: np.ndarray  # class index per observation, -1 for missing
    labels: list[str]  # one per class, closed ranges
    colours: list[str]

    @property
    def k(self) -> int:
        return len(self.bins)


def _fmt(x: float) -> str:
    ax = abs(x)
    if ax >= 1000:
        return f"{x:,.0f}"
    if ax >= 100:
        return f"{x:.0f}"
    if ax >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def _seeded(fn, seed: int):
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        return fn()
    finally:
        np.random.set_state(state)


def classify(
    values,
    *,
    scheme: str = "fisher_jenks",
    k: int = 5,
    cmap: str | None = None,
    bins: Sequence[float] | None = None,
    seed: int = 0,
) -> Classification:
    """Classify values into ``k`` classes with mapclassify.

    scheme: ``"fisher_jenks"`` (exact for ≤ 600 distinct values; otherwise mapclassify's sampled
    Fisher–Jenks on a seeded sample that always includes the min and max — exact Fisher–Jenks is O(k·n²) in
    pure Python, ~5 s for 2,469 values without numba), ``"quantiles"``, ``"natural_breaks"``,
    ``"equal_interval"``, ``"user"`` (with ``bins``), or ``"diverging"`` (quantile classes computed
    separately below and above 0, with 0 as a break — for changes).
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Numba not installed")  # pure-Python path is expected
        return _classify(values, scheme=scheme, k=k, cmap=cmap, bins=bins, seed=seed)


def _classify(values, *, scheme, k, cmap, bins, seed) -> Classification:
    y = np.asarray(values, dtype=float)
    ok = ~np.isnan(y)
    yv = y[ok]
    classes = np.full(len(y), -1, dtype=int)
    if yv.size == 0:
        return Classification(scheme, np.array([]), classes, [], [])
    k_eff = int(max(1, min(k, np.unique(yv).size)))
    if scheme == "fisher_jenks":
        if np.unique(yv).size <= 600:
            c = mc.FisherJenks(yv, k=k_eff)
        else:
            c = _seeded(lambda: mc.FisherJenksSampled(yv, k=k_eff, pct=min(1.0, 600 / yv.size)), seed)
        ub = np.asarray(c.bins, dtype=float)
    elif scheme == "quantiles":
        ub = np.asarray(mc.Quantiles(yv, k=k_eff).bins, dtype=float)
    elif scheme == "natural_breaks":
        ub = np.asarray(_seeded(lambda: mc.NaturalBreaks(yv, k=k_eff).bins, seed), dtype=float)
    elif scheme == "equal_interval":
        ub = np.asarray(mc.EqualInterval(yv, k=k_eff).bins, dtype=float)
    elif scheme == "user":
        if bins is None:
            raise ValueError("scheme='user' needs bins")
        ub = np.asarray(mc.UserDefined(yv, bins=list(bins)).bins, dtype=float)
    elif scheme == "diverging":
        half = max(1, k // 2)
        neg, pos = yv[yv < 0], yv[yv > 0]
        edges: list[float] = []
        if neg.size:
            qs = np.unique(np.quantile(neg, np.linspace(0, 1, half + 1)[1:-1]))
            edges += list(qs) + [-1e-12]
        edges += [0.0] if (yv == 0).any() else []
        if pos.size:
            qs = np.unique(np.quantile(pos, np.linspace(0, 1, half + 1)[1:-1]))
            edges += list(qs)
        edges.append(float(yv.max()))
        ub = np.unique(np.asarray([e for e in edges if e <= yv.max()] + [yv.max()], dtype=float))
    else:
        raise ValueError(f"unknown scheme {scheme!r}")
    ub = np.unique(ub)
    ub[-1] = max(ub[-1], yv.max())
    classes[ok] = np.searchsorted(ub, yv, side="left")
    # label each class with the observed min–max inside it (closed ranges; empty classes dropped)
    used = np.unique(classes[ok])
    remap = {old: new for new, old in enumerate(used)}
    classes[ok] = [remap[c] for c in classes[ok]]
    labels = []
    for new in range(len(used)):
        vals = yv[classes[ok] == new]
        lo, hi = vals.min(), vals.max()
        labels.append(_fmt(lo) if lo == hi else f"{_fmt(lo)} – {_fmt(hi)}")
    ub = np.array([yv[classes[ok] == i].max() for i in range(len(used))])
    if cmap is None:
        cmap = "RdBu_r" if scheme == "diverging" else "YlOrRd"
    colours = _class_colours(len(used), cmap, ub if scheme == "diverging" else None, yv)
    return Classification(scheme, ub, classes, labels, colours)


def _class_colours(n: int, cmap: str, ub, yv) -> list[str]:
    cm = colormaps[cmap]
    if n == 1:
        return [to_hex(cm(0.6))]
    if ub is not None:
        # diverging: decreases on the cool half, increases on the warm half, both scaled by the longer
        # side so equal steps get equal colour distance; a class holding only zeros is the neutral centre.
        neg = int((ub < 0).sum())
        zero = int((ub == 0).sum())
        pos = n - neg - zero
        span = max(neg, pos, 1)
        out = []
        for i in range(n):
            if i < neg:
                t = 0.5 - 0.5 * (neg - i) / span
            elif i < neg + zero:
                t = 0.5
            else:
                t = 0.5 + 0.5 * (i - neg - zero + 1) / span
            out.append(to_hex(cm(0.06 + 0.88 * t)))
        return out
    return [to_hex(cm(0.12 + 0.85 * i / (n - 1))) for i in range(n)]


# --------------------------------------------------------------------------- outputs
@dataclass
class MapOutput:
    title: str
    legend_title: str
    legend_labels: list[str]
    source: str
    date: str
    png: Path | None = None
    html: Path | None = None
    classification: Classification | None = None
    n_missing: int = 0
    extra: dict = field(default_factory=dict)


def _footer(source: str, date: str, n_missing: int, scheme: str | None) -> str:
    parts = [f"Source: {source}", f"Date: {date}"]
    if scheme:
        parts.append(f"Classes: {scheme.replace('_', '–' if scheme == 'fisher_jenks' else ' ').title()}")
    if n_missing:
        parts.append(f"{n_missing} units without data (grey)")
    return " · ".join(parts)


class _RenderOnSave(FigureCanvasAgg):
    """Agg canvas that renders only in savefig: geopandas' plot() requests a redraw after each layer, which
    on Agg is a full render of every polygon drawn so far (two wasted renders per map)."""

    def draw_idle(self, *args, **kwargs):
        pass


def _draw_png(
    gdf: gpd.GeoDataFrame,
    colours: list[str],
    handles: list[tuple[str, str]],
    path: Path,
    *,
    title: str,
    legend_title: str,
    footer: str,
    overlay: gpd.GeoDataFrame | None,
    linewidth: float,
    dpi: int,
    figsize: tuple[float, float],
    metadata: dict,
    highlight: gpd.GeoDataFrame | None = None,
) -> None:
    fig = Figure(figsize=figsize, dpi=dpi)
    _RenderOnSave(fig)
    ax = fig.add_axes((0.01, 0.07, 0.98, 0.84))
    proj = to_projected(gdf, PROJECTED_CRS)
    proj.plot(ax=ax, color=colours, edgecolor="white", linewidth=linewidth)
    if overlay is not None:
        to_projected(overlay, PROJECTED_CRS).boundary.plot(ax=ax, color="#444444", linewidth=0.5)
    if highlight is not None and len(highlight):
        to_projected(highlight, PROJECTED_CRS).boundary.plot(ax=ax, color="black", linewidth=0.9)
    ax.set_axis_off()
    ax.set_aspect("equal")
    fig.suptitle(title, fontsize=13, fontweight="bold", x=0.02, ha="left", y=0.97)
    patches = [Patch(facecolor=c, edgecolor="#777777", linewidth=0.4, label=l) for l, c in handles]
    ax.legend(handles=patches, title=legend_title, loc="lower left", fontsize=8, title_fontsize=9, frameon=True)
    fig.text(0.02, 0.02, footer, fontsize=7.5, color="#333333", ha="left", va="bottom", wrap=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", metadata=metadata)


def _norm_path(path, suffix: str) -> Path:
    p = Path(path)
    return p if p.suffix.lower() == suffix else p.with_suffix(suffix) if p.suffix else Path(str(p) + suffix)


def choropleth_png(
    gdf: gpd.GeoDataFrame,
    column: str,
    path,
    *,
    title: str,
    source: str,
    date: str,
    legend_title: str | None = None,
    scheme: str = "fisher_jenks",
    k: int = 5,
    cmap: str | None = None,
    overlay: gpd.GeoDataFrame | None = None,
    linewidth: float = 0.05,
    dpi: int = 130,
    figsize: tuple[float, float] = (10, 7.2),
    classification: Classification | None = None,
) -> MapOutput:
    """Static PNG choropleth of ``gdf[column]``.  Missing values are drawn grey and counted in the footer."""
    cl = classification or classify(gdf[column], scheme=scheme, k=k, cmap=cmap)
    colours = [cl.colours[c] if c >= 0 else NO_DATA_COLOUR for c in cl.classes]
    handles = list(zip(cl.labels, cl.colours))
    n_missing = int((cl.classes < 0).sum())
    if n_missing:
        handles.append(("No data", NO_DATA_COLOUR))
    legend_title = legend_title or column
    footer = _footer(source, date, n_missing, cl.scheme)
    path = _norm_path(path, ".png")
    meta = {"Title": title, "Description": f"Legend: {legend_title}: " + "; ".join(cl.labels), "Source": source,
            "Creation Time": str(date), "Software": "bicentennial-eval evaluations.spatial.maps"}
    _draw_png(gdf, colours, handles, path, title=title, legend_title=legend_title, footer=footer, overlay=overlay,
              linewidth=linewidth, dpi=dpi, figsize=figsize, metadata=meta)
    return MapOutput(title, legend_title, [h[0] for h in handles], source, str(date), png=path,
                     classification=cl, n_missing=n_missing)


# --------------------------------------------------------------------------- HTML
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


def choropleth_html(
    gdf: gpd.GeoDataFrame,
    column: str,
    path,
    *,
    title: str,
    source: str,
    date: str,
    legend_title: str | None = None,
    id_col: str = "CVEGEO",
    name_cols: Sequence[str] = ("NOMGEO", "NOM_ENT"),
    scheme: str = "fisher_jenks",
    k: int = 5,
    cmap: str | None = None,
    value_format: str = "{:,.1f}",
    simplify_m: float = 400.0,
    classification: Classification | None = None,
) -> MapOutput:
    """Interactive, offline HTML choropleth: hover shows the municipality (state) name and the value.

    The page embeds plotly.js inline and fetches nothing.  Geometry is simplified by ``simplify_m``
    metres (EPSG:6372) to keep the page small.
    """
    legend_title = legend_title or column
    cl = classification or classify(gdf[column], scheme=scheme, k=k, cmap=cmap)
    names = _hover_names(gdf, name_cols, id_col)
    vals = gdf[column].to_numpy(dtype=float)
    vtext = np.array([html.escape(legend_title) + ": " + (value_format.format(v) if np.isfinite(v) else "no data")
                      for v in vals], dtype=object)
    labels = list(cl.labels) + ["No data"]
    colours = list(cl.colours) + [NO_DATA_COLOUR]
    classes = np.where(cl.classes < 0, len(cl.labels), cl.classes)
    ctext = np.array(["class: " + html.escape(labels[c]) for c in classes], dtype=object)
    gj = _geojson_for_web(gdf, id_col, simplify_m)
    ids = gdf[id_col].astype(str).to_numpy()
    fig = _plotly_geo_figure(gj, _class_traces(gj, ids, classes, labels, colours, names, vtext, ctext),
                             legend_title=legend_title)
    n_missing = int((cl.classes < 0).sum())
    footer = _footer(source, date, n_missing, cl.scheme)
    path = _norm_path(path, ".html")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_html_page(fig, title=title, subtitle=legend_title, footer=footer), encoding="utf-8")
    return MapOutput(title, legend_title, labels if n_missing else list(cl.labels), source, str(date), html=path,
                     classification=cl, n_missing=n_missing)


def _hover_names(gdf, name_cols, id_col) -> np.ndarray:
    cols = [c for c in name_cols if c in gdf.columns]
    if not cols:
        base = gdf[id_col].astype(str)
    elif len(cols) == 1:
        base = gdf[cols[0]].astype(str)
    else:
        base = gdf[cols[0]].astype(str) + ", " + gdf[cols[1]].astype(str)
    return np.array([html.escape(s) for s in base], dtype=object)


# --------------------------------------------------------------------------- front doors
def choropleth(
    gdf: gpd.GeoDataFrame,
    column: str,
    out_base,
    *,
    title: str,
    source: str,
    date: str,
    legend_title: str | None = None,
    scheme: str = "fisher_jenks",
    k: int = 5,
    cmap: str | None = None,
    overlay: gpd.GeoDataFrame | None = None,
    id_col: str = "CVEGEO",
    name_cols: Sequence[str] = ("NOMGEO", "NOM_ENT"),
    formats: Iterable[str] = ("png", "html"),
    value_format: str = "{:,.1f}",
) -> MapOutput:
    """PNG and/or HTML with one shared classification; ``out_base`` is a path without extension."""
    formats = set(formats)
    cl = classify(gdf[column], scheme=scheme, k=k, cmap=cmap)
    out = None
    if "png" in formats:
        out = choropleth_png(gdf, column, out_base, title=title, source=source, date=date, legend_title=legend_title,
                             overlay=overlay, classification=cl)
    if "html" in formats:
        h = choropleth_html(gdf, column, out_base, title=title, source=source, date=date, legend_title=legend_title,
                            id_col=id_col, name_cols=name_cols, classification=cl, value_format=value_format)
        if out is None:
            out = h
        else:
            out.html = h.html
    if out is None:
        raise ValueError("formats must include png and/or html")
    return out


def _attach(data: pd.DataFrame, geo: gpd.GeoDataFrame, key: str) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Left-join data onto every polygon; returns the frame and the data keys that have no polygon
    (e.g. post-2020 municipalities that were not folded into their parent)."""
    d = data.copy()
    d[key] = d[key].astype(str).str.zfill(len(str(geo[key].iloc[0])))
    dup = d[key].duplicated()
    if dup.any():
        raise ValueError(f"data has several rows per {key} (e.g. {d.loc[dup, key].iloc[0]}); aggregate first")
    unmatched = sorted(set(d[key]) - set(geo[key].astype(str)))
    if unmatched:
        warnings.warn(f"{len(unmatched)} {key} values have no polygon and are not mapped: {unmatched[:5]} "
                      "(fold post-2020 municipalities with geometry.fold_new_municipalities)", stacklevel=3)
    cols = [c for c in d.columns if c not in geo.columns or c == key]
    return geo.merge(d[cols], on=key, how="left"), unmatched  # every polygon kept; no data → grey


def municipal_choropleth(
    data: pd.DataFrame,
    value_col: str,
    out_base,
    *,
    title: str,
    source: str,
    date: str,
    municipalities: gpd.GeoDataFrame | None = None,
    states: gpd.GeoDataFrame | None = None,
    key: str = "CVEGEO",
    **kw,
) -> MapOutput:
    """Municipal map of ``data[value_col]`` joined on ``CVEGEO`` (fold post-2020 municipalities first, see
    :func:`evaluations.spatial.geometry.fold_new_municipalities`).  State borders are overlaid."""
    geo = municipalities if municipalities is not None else load_municipalities()
    states = states if states is not None else load_states()
    g, unmatched = _attach(data, geo, key)
    out = choropleth(g, value_col, out_base, title=title, source=source, date=date, overlay=states, id_col=key,
                     name_cols=("NOMGEO", "NOM_ENT"), **kw)
    out.extra["unmatched_keys"] = unmatched
    return out


def state_choropleth(
    data: pd.DataFrame,
    value_col: str,
    out_base,
    *,
    title: str,
    source: str,
    date: str,
    states: gpd.GeoDataFrame | None = None,
    key: str = "CVE_ENT",
    **kw,
) -> MapOutput:
    """State map of ``data[value_col]`` joined on the 2-digit ``CVE_ENT``."""
    geo = states if states is not None else load_states()
    g, unmatched = _attach(data, geo, key)
    kw.setdefault("k", 5)
    out = choropleth(g, value_col, out_base, title=title, source=source, date=date, id_col=key,
                     name_cols=("NOM_ENT",), **kw)
    out.extra["unmatched_keys"] = unmatched
    return out


def change_map(
    change: pd.DataFrame,
    out_base,
    *,
    title: str,
    source: str,
    date: str,
    level: str = "municipal",
    change_col: str = "change",
    legend_title: str = "Change",
    k: int = 6,
    **kw,
) -> MapOutput:
    """Map the output of :func:`evaluations.indicators.period_change` with a diverging classification centred on 0
    (blue = decrease, red = increase)."""
    kw.setdefault("scheme", "diverging")
    fn = municipal_choropleth if level == "municipal" else state_choropleth
    return fn(change, change_col, out_base, title=title, source=source, date=date, legend_title=legend_title, k=k, **kw)


def categorical_map(
    gdf: gpd.GeoDataFrame,
    column: str,
    out_base,
    *,
    title: str,
    source: str,
    date: str,
    legend_title: str = "Cluster",
    colours: dict | None = None,
    labels: dict | None = None,
    overlay: gpd.GeoDataFrame | None = None,
    highlight: gpd.GeoDataFrame | None = None,
    id_col: str = "CVEGEO",
    name_cols: Sequence[str] = ("NOMGEO", "NOM_ENT"),
    value_col: str | None = None,
    formats: Iterable[str] = ("png", "html"),
) -> MapOutput:
    """Map a categorical column (LISA clusters, Gi* spots, transitions) with fixed colours."""
    colours = {**HOTSPOT_COLOURS, **(colours or {})}
    labels = {**HOTSPOT_LABELS, **(labels or {})}
    cats = gdf[column].fillna("ns").astype(str)
    order = [c for c in colours if c in set(cats)] + sorted(set(cats) - set(colours))
    palette = colormaps["tab20"]
    cmap = {c: colours.get(c, to_hex(palette(i % 20))) for i, c in enumerate(order)}
    handles = [(f"{labels.get(c, c)} ({int((cats == c).sum())})", cmap[c]) for c in order]
    footer = _footer(source, date, 0, None)
    out = MapOutput(title, legend_title, [h[0] for h in handles], source, str(date))
    formats = set(formats)
    if "png" in formats:
        path = _norm_path(out_base, ".png")
        meta = {"Title": title, "Description": f"Legend: {legend_title}: " + "; ".join(h[0] for h in handles),
                "Source": source, "Creation Time": str(date)}
        _draw_png(gdf, [cmap[c] for c in cats], handles, path, title=title, legend_title=legend_title, footer=footer,
                  overlay=overlay, linewidth=0.05, dpi=130, figsize=(10, 7.2), metadata=meta, highlight=highlight)
        out.png = path
    if "html" in formats:
        names = _hover_names(gdf, name_cols, id_col)
        if value_col is not None:
            vtext = np.array([f"{html.escape(value_col)}: {v:,.2f}" if np.isfinite(v) else "no data"
                              for v in gdf[value_col].to_numpy(dtype=float)], dtype=object)
        else:
            vtext = np.array([""] * len(gdf), dtype=object)
        idx = np.array([order.index(c) for c in cats])
        ctext = np.array([html.escape(labels.get(c, c)) for c in cats], dtype=object)
        gj = _geojson_for_web(gdf, id_col, 400.0)
        fig = _plotly_geo_figure(
            gj,
            _class_traces(gj, gdf[id_col].astype(str).to_numpy(), idx, [h[0] for h in handles],
                          [cmap[c] for c in order], names, vtext, ctext),
            legend_title=legend_title,
        )
        path = _norm_path(out_base, ".html")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_html_page(fig, title=title, subtitle=legend_title, footer=footer), encoding="utf-8")
        out.html = path
    return out
