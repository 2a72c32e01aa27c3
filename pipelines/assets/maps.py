"""Drawing of the change map used by the evaluation assets.

Kept minimal here until evaluations/spatial/maps.py (issue 6) provides the full choropleth
library; then this module becomes a call into it.
"""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import mapclassify
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import shapely  # noqa: E402


def draw_change_map(change: pd.DataFrame, geography: pd.DataFrame, path: Path, title: str, source_note: str) -> Path:
    """Quantile choropleth (7 classes, so extremes keep their own class) of `change` by municipality."""
    shapes = gpd.GeoDataFrame(geography.drop(columns="geometry_wkb"),
                              geometry=shapely.from_wkb([bytes(b) for b in geography["geometry_wkb"]]), crs="EPSG:4326")
    shapes = shapes.merge(change, on="cvegeo", how="left").to_crs("EPSG:6372")
    values = shapes["change"]
    fig, ax = plt.subplots(figsize=(9, 6.2), dpi=110)
    shapes[values.isna()].plot(ax=ax, color="#dddddd", hatch="///", edgecolor="white", linewidth=0.05)
    classes = mapclassify.Quantiles(values.dropna(), k=7)
    shapes[values.notna()].plot(
        ax=ax, column="change", scheme="UserDefined", classification_kwds={"bins": list(classes.bins)},
        cmap="RdBu_r", edgecolor="white", linewidth=0.05, legend=True,
        legend_kwds={"title": "Change per 100,000 / year", "fontsize": 7, "title_fontsize": 8, "loc": "lower left", "fmt": "{:.1f}"},
    )
    ax.set_title(title, fontsize=10)
    ax.set_axis_off()
    fig.text(0.01, 0.01, f"{source_note}. Grey hatched: no data. Classes: 7 quantiles.", fontsize=7, color="#444444")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, metadata={"Software": None}, bbox_inches="tight")
    plt.close(fig)
    return path
