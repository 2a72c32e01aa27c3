"""What a map says and how it is drawn: the style object, the fixed colours, the footer, the output record."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from .classification import Classification, classify

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
# the same categories in the maps' other language (a map is drawn in "en" or "es": MapStyle.lang)
HOTSPOT_LABELS_ES = {
    "HH": "Alto–Alto (punto caliente)",
    "LL": "Bajo–Bajo (punto frío)",
    "HL": "Alto–Bajo (atípico)",
    "LH": "Bajo–Alto (atípico)",
    "hot": "Punto caliente (Gi*)",
    "cold": "Punto frío (Gi*)",
    "ns": "No significativo",
}
# the fixed words of a map (legend, footer) in both languages
MAP_WORDS = {
    "en": {"source": "Source", "date": "Period", "classes": "Classes", "missing": "{n} units without data (grey)", "missing_one": "1 unit without data (grey)",
           "no_data": "No data", "change": "Change", "cluster": "Cluster", "class": "class",
           "schemes": {"fisher_jenks": "Fisher–Jenks", "diverging": "diverging (quantiles on each side of 0)",
                       "quantiles": "quantiles", "user": "fixed bounds"}},
    "es": {"source": "Fuente", "date": "Periodo", "classes": "Clases", "missing": "{n} unidades sin datos (gris)", "missing_one": "1 unidad sin datos (gris)",
           "no_data": "Sin datos", "change": "Cambio", "cluster": "Conglomerado", "class": "clase",
           "schemes": {"fisher_jenks": "Fisher–Jenks", "diverging": "divergentes (cuantiles a cada lado del 0)",
                       "quantiles": "cuantiles", "user": "límites fijos"}},
}


def hotspot_labels(lang: str) -> dict[str, str]:
    """The hot-spot category labels in `lang`."""
    return HOTSPOT_LABELS_ES if lang == "es" else HOTSPOT_LABELS


@dataclass(frozen=True)
class MapStyle:
    """Text, classification and drawing settings of one map, shared by its PNG and its HTML.

    ``title``, ``source`` and ``date`` are printed on every map.  ``legend_title`` defaults to the mapped
    column.  ``scheme``, ``k``, ``cmap`` and ``bins`` (upper bounds for ``scheme="user"``) go to
    :func:`~.classification.classify`.  ``id_col`` and ``name_cols`` name the polygon key and the columns
    shown on hover (HTML); the hovered value has ``value_digits`` decimals (evaluations/formats.py, in ``lang``).  ``linewidth``, ``dpi`` and ``figsize`` set the PNG; ``simplify_m`` is the tolerance in
    metres by which the HTML's polygons are simplified.

    The map functions take a ``style`` and/or these fields as keywords (keywords win)::

        style = MapStyle(title="Homicide rate, 2021", source="INEGI", date="2021", legend_title="per 100,000")
        choropleth(gdf, "rate", "out/rate", style=style)
        choropleth(gdf, "rate", "out/rate_q", style=style, scheme="quantiles")
    """

    title: str
    source: str
    date: str
    legend_title: str | None = None
    scheme: str = "fisher_jenks"
    k: int = 5
    cmap: str | None = None
    bins: tuple[float, ...] | None = None
    id_col: str = "CVEGEO"
    name_cols: tuple[str, ...] = ("NOMGEO", "NOM_ENT")
    value_digits: int = 1
    linewidth: float = 0.05
    dpi: int = 130
    figsize: tuple[float, float] = (10, 7.2)
    simplify_m: float = 2000.0   # interactive maps: a 2 km coverage simplification keeps all municipalities' geometry ≈ 0.5 MB
    lang: str = "en"

    @classmethod
    def of(cls, style: MapStyle | None, options: Mapping[str, Any]) -> MapStyle:
        """``style`` with the keyword ``options`` applied, or a new style from the options alone.  An unknown
        option raises ``TypeError`` naming it."""
        if style is None:
            return cls(**options)
        return replace(style, **options) if options else style

    def with_legend_title(self, default: str) -> MapStyle:
        """This style with ``default`` as the legend title when none is set."""
        return self if self.legend_title else replace(self, legend_title=default)

    @property
    def legend(self) -> str:
        """The legend title of a style the map functions have given one (``with_legend_title``)."""
        if self.legend_title is None:
            raise ValueError("the map style has no legend title: set one with with_legend_title")
        return self.legend_title

    def classify(self, values) -> Classification:
        """Classes of ``values`` with this style's scheme, number of classes and colour map."""
        return classify(values, scheme=self.scheme, k=self.k, cmap=self.cmap, bins=self.bins)

    @property
    def words(self) -> dict:
        """The map's fixed words in its language."""
        return MAP_WORDS["es" if self.lang == "es" else "en"]

    def footer(self, n_missing: int, scheme: str | None) -> str:
        """Source · period · classification scheme · units without data, in the style's language."""
        from ... import formats

        w = self.words
        parts = [f"{w['source']}: {self.source}", f"{w['date']}: {self.date}"]
        if scheme:
            parts.append(f"{w['classes']}: {w['schemes'].get(scheme, scheme.replace('_', ' '))}")
        if n_missing:
            parts.append(w["missing_one"] if n_missing == 1 else w["missing"].format(n=formats.integer(n_missing, self.lang)))
        return " · ".join(parts)


@dataclass
class MapOutput:
    """Files written for one map and what its legend says."""

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


def out_path(path, suffix: str) -> Path:
    """``path`` with ``suffix`` (``.png``/``.html``): added when there is none, replacing another one."""
    p = Path(path)
    return p if p.suffix.lower() == suffix else p.with_suffix(suffix) if p.suffix else Path(str(p) + suffix)
