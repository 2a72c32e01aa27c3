"""Geospatial evaluations as a plain library: (Geo)DataFrames in, result objects / files out.

No Dagster or dbt imports here; pipeline assets call these functions.

* :mod:`.geometry`  — load municipal/state polygons (GeoJSON, GeoPackage or WKB), fold post-2020
  municipalities into their parent, project to EPSG:6372 for distances/areas.
* :mod:`.maps`      — choropleths (municipal/state, rates per 100k, period changes): static PNG + offline HTML,
  one :class:`~.maps.MapStyle` per map.
* :mod:`.hotspots`  — global Moran's I, LISA, Getis–Ord Gi* with seeded permutations and FDR; spot transitions.
* :mod:`.spillover` — spillover-aware DiD (treated / neighbour rings / far) with PanelOLS and clustered SEs.
* :mod:`.border`    — distance to the U.S.–Mexico border line and to the nearest port of entry, distance bands.
"""

from .border import (
    border_distances,
    distance_bands,
    distance_to_border_km,
    distance_to_nearest_port_km,
    load_border_line,
    load_ports_of_entry,
    points_from_lonlat,
)
from .geometry import (
    GEOGRAPHIC_CRS,
    POST_2020_MUNICIPALITIES,
    PROJECTED_CRS,
    areas_km2,
    dissolve_to_states,
    fold_new_municipalities,
    load_municipalities,
    load_states,
    normalise_cve_ent,
    normalise_cvegeo,
    polygons_from_wkb,
    polygons_to_wkb,
    read_polygons,
    remap_to_parent,
    to_projected,
)
from .hotspots import (
    MoranResult,
    TransitionSummary,
    build_weights,
    compare_periods,
    getis_ord,
    global_moran,
    hotspot_map,
    hotspot_transitions,
    local_moran,
    transition_map,
)
from .maps import (
    MapOutput,
    MapStyle,
    categorical_map,
    change_map,
    choropleth,
    choropleth_html,
    choropleth_png,
    classify,
    municipal_choropleth,
    rate_per_100k,
    state_choropleth,
)
from .spillover import (
    SpilloverDiDResult,
    build_exposure_panel,
    estimate_spillover_did,
    exposure_rings,
    spillover_did,
)

__all__ = [name for name in dir() if not name.startswith("_") and name not in {"border", "geometry", "hotspots", "maps", "spillover"}]
