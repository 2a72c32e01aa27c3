"""Front doors: a column as PNG and HTML with one classification, a municipal or state table joined onto its
polygons, a period change, and categories (hot spots, transitions)."""

from __future__ import annotations

import html
import warnings
from typing import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import to_hex

from ... import formats as number_formats
from ..geometry import load_municipalities, load_states
from .interactive import choropleth_html, write_class_html
from .static import choropleth_png, draw_png, png_metadata
from .style import HOTSPOT_COLOURS, MAP_WORDS, MapOutput, MapStyle, hotspot_labels, out_path

__all__ = ["rate_per_100k", "choropleth", "municipal_choropleth", "state_choropleth", "change_map", "categorical_map"]


def rate_per_100k(counts, population) -> pd.Series:
    """``counts / population × 100,000``; NaN where the population is missing or ≤ 0."""
    c = pd.Series(counts, dtype=float) if not isinstance(counts, pd.Series) else counts.astype(float)
    p = pd.Series(population, dtype=float) if not isinstance(population, pd.Series) else population.astype(float)
    p = p.where(p > 0)
    return (c / p * 1e5).rename("rate_per_100k")


def choropleth(
    gdf: gpd.GeoDataFrame,
    column: str,
    out_base,
    *,
    overlay: gpd.GeoDataFrame | None = None,
    formats: Iterable[str] = ("png", "html"),
    style: MapStyle | None = None,
    **options,
) -> MapOutput:
    """PNG and/or HTML with one shared classification; ``out_base`` is a path without extension.

    ``options`` are :class:`MapStyle` fields (``title``, ``source`` and ``date`` at least, unless ``style``
    is given); ``overlay`` (state borders) is drawn on the PNG.
    """
    formats = set(formats)
    style = MapStyle.of(style, options)
    cl = style.classify(gdf[column])
    out = None
    if "png" in formats:
        out = choropleth_png(gdf, column, out_base, overlay=overlay, classification=cl, style=style)
    if "html" in formats:
        h = choropleth_html(gdf, column, out_base, classification=cl, style=style)
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
    municipalities: gpd.GeoDataFrame | None = None,
    states: gpd.GeoDataFrame | None = None,
    key: str = "CVEGEO",
    formats: Iterable[str] = ("png", "html"),
    style: MapStyle | None = None,
    **options,
) -> MapOutput:
    """Municipal map of ``data[value_col]`` joined on ``CVEGEO`` (fold post-2020 municipalities first, see
    :func:`evaluations.spatial.geometry.fold_new_municipalities`).  State borders are overlaid.

    ``options`` are :class:`MapStyle` fields; hover shows the municipality and state names.
    """
    geo = municipalities if municipalities is not None else load_municipalities()
    states = states if states is not None else load_states()
    g, unmatched = _attach(data, geo, key)
    style = MapStyle.of(style, {**options, "id_col": key, "name_cols": ("NOMGEO", "NOM_ENT")})
    out = choropleth(g, value_col, out_base, overlay=states, formats=formats, style=style)
    out.extra["unmatched_keys"] = unmatched
    return out


def state_choropleth(
    data: pd.DataFrame,
    value_col: str,
    out_base,
    *,
    states: gpd.GeoDataFrame | None = None,
    key: str = "CVE_ENT",
    formats: Iterable[str] = ("png", "html"),
    style: MapStyle | None = None,
    **options,
) -> MapOutput:
    """State map of ``data[value_col]`` joined on the 2-digit ``CVE_ENT``; ``options`` are :class:`MapStyle` fields."""
    geo = states if states is not None else load_states()
    g, unmatched = _attach(data, geo, key)
    style = MapStyle.of(style, {**options, "id_col": key, "name_cols": ("NOM_ENT",)})
    out = choropleth(g, value_col, out_base, formats=formats, style=style)
    out.extra["unmatched_keys"] = unmatched
    return out


def change_map(
    change: pd.DataFrame,
    out_base,
    *,
    level: str = "municipal",
    change_col: str = "change",
    style: MapStyle | None = None,
    **options,
) -> MapOutput:
    """Map the output of :func:`evaluations.indicators.period_change` with a diverging classification centred on 0
    (blue = decrease, red = increase).

    ``options`` are :class:`MapStyle` fields and the keywords of :func:`municipal_choropleth` (``level=
    "municipal"``) or :func:`state_choropleth`.  Without ``style``, the legend title defaults to "Change",
    the scheme to ``"diverging"`` and the number of classes to 6.
    """
    if style is None:
        words = MAP_WORDS["es" if options.get("lang") == "es" else "en"]
        options = {"legend_title": words["change"], "k": 6, "scheme": "diverging", **options}
    fn = municipal_choropleth if level == "municipal" else state_choropleth
    return fn(change, change_col, out_base, style=style, **options)


def categorical_map(
    gdf: gpd.GeoDataFrame,
    column: str,
    out_base,
    *,
    colours: dict | None = None,
    labels: dict | None = None,
    overlay: gpd.GeoDataFrame | None = None,
    highlight: gpd.GeoDataFrame | None = None,
    value_col: str | None = None,
    formats: Iterable[str] = ("png", "html"),
    style: MapStyle | None = None,
    **options,
) -> MapOutput:
    """Map a categorical column (LISA clusters, Gi* spots, transitions) with fixed colours.

    ``colours`` and ``labels`` (category → colour / legend text) extend the hot-spot ones; other categories
    get tab20 colours.  ``highlight`` polygons are outlined on the PNG; ``value_col`` is shown on hover.
    ``options`` are :class:`MapStyle` fields; the legend title defaults to "Cluster".
    """
    style = MapStyle.of(style, options)
    style = style.with_legend_title(style.words["cluster"])
    colours = {**HOTSPOT_COLOURS, **(colours or {})}
    labels = {**hotspot_labels(style.lang), **(labels or {})}
    cats = gdf[column].fillna("ns").astype(str)
    order = [c for c in colours if c in set(cats)] + sorted(set(cats) - set(colours))
    palette = colormaps["tab20"]
    cmap = {c: colours.get(c, to_hex(palette(i % 20))) for i, c in enumerate(order)}
    handles = [(f"{labels.get(c, c)} ({number_formats.integer(int((cats == c).sum()), style.lang)})", cmap[c]) for c in order]
    footer = style.footer(0, None)
    out = MapOutput(style.title, style.legend, [h[0] for h in handles], style.source, str(style.date))
    formats = set(formats)
    if "png" in formats:
        path = out_path(out_base, ".png")
        draw_png(gdf, [cmap[c] for c in cats], handles, path, style, footer=footer,
                 metadata=png_metadata(style, [h[0] for h in handles]), overlay=overlay, highlight=highlight)
        out.png = path
    if "html" in formats:
        if value_col is not None:
            vtext = np.array([f"{html.escape(value_col)}: " + number_formats.number(v, style.lang, 2) if np.isfinite(v)
                              else style.words["no_data"].lower() for v in gdf[value_col].to_numpy(dtype=float)], dtype=object)
        else:
            vtext = np.array([""] * len(gdf), dtype=object)
        idx = np.array([order.index(c) for c in cats])
        ctext = np.array([html.escape(labels.get(c, c)) for c in cats], dtype=object)
        out.html = write_class_html(gdf, out_base, style, classes=idx, labels=[h[0] for h in handles],
                                    colours=[cmap[c] for c in order], value_text=vtext, class_text=ctext,
                                    footer=footer)
    return out
