"""Static PNG maps (matplotlib), drawn in EPSG:6372 (Mexico LCC) so shapes and areas look right.

They use ``matplotlib.figure.Figure`` with an Agg canvas directly: no pyplot, no global backend switch,
safe to call from a pipeline worker.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import geopandas as gpd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..geometry import PROJECTED_CRS, to_projected
from .classification import Classification
from .style import NO_DATA_COLOUR, MapOutput, MapStyle, out_path

__all__ = ["choropleth_png", "draw_png"]


class _RenderOnSave(FigureCanvasAgg):
    """Agg canvas that renders only in savefig: geopandas' plot() requests a redraw after each layer, which
    on Agg is a full render of every polygon drawn so far (two wasted renders per map)."""

    def draw_idle(self, *args, **kwargs):
        pass


def draw_png(
    gdf: gpd.GeoDataFrame,
    colours: list[str],
    handles: list[tuple[str, str]],
    path: Path,
    style: MapStyle,
    *,
    footer: str,
    metadata: dict,
    overlay: gpd.GeoDataFrame | None = None,
    highlight: gpd.GeoDataFrame | None = None,
) -> None:
    """Draw ``gdf`` with one colour per row, the legend ``handles`` (label, colour), the style's title and the
    ``footer``; state borders (``overlay``) in grey and ``highlight`` outlined in black.  ``metadata`` goes
    into the PNG's text chunks."""
    fig = Figure(figsize=style.figsize, dpi=style.dpi)
    _RenderOnSave(fig)
    ax = fig.add_axes((0.01, 0.07, 0.98, 0.84))
    proj = to_projected(gdf, PROJECTED_CRS)
    proj.plot(ax=ax, color=colours, edgecolor="white", linewidth=style.linewidth)
    if overlay is not None:
        to_projected(overlay, PROJECTED_CRS).boundary.plot(ax=ax, color="#444444", linewidth=0.5)
    if highlight is not None and len(highlight):
        to_projected(highlight, PROJECTED_CRS).boundary.plot(ax=ax, color="black", linewidth=0.9)
    ax.set_axis_off()
    ax.set_aspect("equal")
    fig.suptitle(textwrap.fill(style.title, 95), fontsize=13, fontweight="bold", x=0.02, ha="left", y=0.97, va="top")
    patches = [Patch(facecolor=c, edgecolor="#777777", linewidth=0.4, label=label) for label, c in handles]
    ax.legend(handles=patches, title=style.legend_title, loc="lower left", fontsize=8, title_fontsize=9, frameon=True)
    fig.text(0.02, 0.02, _wrapped(footer), fontsize=7.5, color="#333333", ha="left", va="bottom", linespacing=1.3)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", metadata=metadata)


def _wrapped(footer: str, width: int = 175) -> str:
    """The footer on as many lines as it needs, broken between its " · " parts (or words) to fit the map."""
    return "\n".join(textwrap.wrap(footer, width, break_long_words=False, break_on_hyphens=False))


def png_metadata(style: MapStyle, legend_labels: list[str]) -> dict:
    """PNG text chunks: title, legend, source and date."""
    return {"Title": style.title, "Description": f"Legend: {style.legend_title}: " + "; ".join(legend_labels),
            "Source": style.source, "Creation Time": str(style.date)}


def choropleth_png(
    gdf: gpd.GeoDataFrame,
    column: str,
    path,
    *,
    overlay: gpd.GeoDataFrame | None = None,
    classification: Classification | None = None,
    style: MapStyle | None = None,
    **options,
) -> MapOutput:
    """Static PNG choropleth of ``gdf[column]``.  Missing values are drawn grey and counted in the footer.

    ``options`` are :class:`MapStyle` fields (``title``, ``source`` and ``date`` at least, unless ``style``
    is given); ``classification`` reuses classes already computed (e.g. for the HTML of the same map).
    """
    style = MapStyle.of(style, options).with_legend_title(column)
    cl = classification or style.classify(gdf[column])
    colours = [cl.colours[c] if c >= 0 else NO_DATA_COLOUR for c in cl.classes]
    handles = list(zip(cl.labels, cl.colours))
    n_missing = int((cl.classes < 0).sum())
    if n_missing:
        handles.append((style.words["no_data"], NO_DATA_COLOUR))
    path = out_path(path, ".png")
    meta = {**png_metadata(style, cl.labels), "Software": "bicentennial-eval evaluations.spatial.maps"}
    draw_png(gdf, colours, handles, path, style, footer=style.footer(n_missing, cl.scheme), metadata=meta,
             overlay=overlay)
    return MapOutput(style.title, style.legend, [h[0] for h in handles], style.source, str(style.date),
                     png=path, classification=cl, n_missing=n_missing)
