"""Choropleth maps: static PNG (matplotlib, Agg canvas) and interactive offline HTML (Vega-Lite).

Every map carries a title, a legend, the data source and a date, held by one :class:`MapStyle`.

* :mod:`.classification` — class breaks (mapclassify), class colours and legend labels.
* :mod:`.style`          — the style object, the fixed hot-spot colours, the footer, :class:`MapOutput`.
* :mod:`.static`         — the PNG, drawn in EPSG:6372.
* :mod:`.interactive`    — the offline HTML page, its shared TopoJSON geometry and the Vega bundle beside it.
* :mod:`.choropleths`    — front doors: PNG + HTML of a column, municipal/state tables, changes, categories.

Typical use::

    mun = load_municipalities()
    df["rate"] = rate_per_100k(df["homicides"], df["population"])
    out = municipal_choropleth(df, "rate", "site/maps/homicide_rate_2021",
                               title="Homicide rate per 100k, 2021", source="INEGI via Gargiulo et al.",
                               date="2021", legend_title="per 100,000")
    out.png, out.html
"""

from .choropleths import (
    categorical_map,
    change_map,
    choropleth,
    municipal_choropleth,
    rate_per_100k,
    state_choropleth,
)
from .classification import Classification, classify
from .interactive import choropleth_html
from .static import choropleth_png
from .style import HOTSPOT_COLOURS, HOTSPOT_LABELS, NO_DATA_COLOUR, MapOutput, MapStyle

__all__ = [
    "Classification",
    "MapOutput",
    "MapStyle",
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
    "HOTSPOT_LABELS",
    "NO_DATA_COLOUR",
]
