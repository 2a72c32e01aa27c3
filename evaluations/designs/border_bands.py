"""Effects of a staggered design by band of distance to the U.S.–Mexico border (descriptive heterogeneity).

A unit's distance is that of its municipal polygon (the repository's 2020 polygons, post-2020
municipalities mapped to the polygon they were split from) to the border line, the nearest edge in
EPSG:6372 (`spatial.border.distance_to_border_km`). Bands are closed on the left: with edges 100 and 300,
[0, 100), [100, 300) and 300 km or more. Each band's effect is the Callaway–Sant'Anna simple ATT of the
band's treated units against the whole comparison group (never-treated units of every band and, with the
not-yet-treated comparison, the band's own later cohorts); a band's cohorts with fewer than 5 units or in
fewer than 2 states are left out, as in the headline. Bands differ in more than distance (states, cartels,
urbanisation), so the table describes heterogeneity and is not a causal gradient.
"""
from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

from ..did.cs import att_gt
from ..publication.vocabulary import MIN_COHORT_CLUSTERS, MIN_COHORT_UNITS
from ..reading import fmt
from ..spatial.border import distance_bands, distance_to_border_km
from ..spatial.geometry import load_municipalities, parent_code
from ..spec_model import EvaluationSpec

COLUMNS = ["band", "treated_units", "treated_units_used", "treated_clusters_used", "comparison_units",
           "estimate", "std_error", "ci_low", "ci_high", "p_value"]


@lru_cache(maxsize=1)
def municipal_border_distances() -> pd.Series:
    """Distance (km) of every 2020 municipal polygon to the border line, indexed by CVEGEO."""
    municipalities = load_municipalities()
    km = distance_to_border_km(municipalities, how="polygon")
    return pd.Series(km.to_numpy(), index=municipalities["CVEGEO"].to_numpy(), name="dist_border_km")


def unit_distances(codes: Sequence[str]) -> pd.Series:
    """Distance to the border of each municipality code (NaN for a code with no polygon)."""
    table = municipal_border_distances()
    return pd.Series([table.get(parent_code(c), np.nan) for c in codes], index=list(codes), name="dist_border_km")


def band_edges(bands_km: Sequence[float]) -> list[float]:
    return [0.0, *map(float, bands_km), np.inf]


def effects_by_band(panel: pd.DataFrame, outcome: str, unit: str, cluster: str | None, distances: pd.Series,
                    bands_km: Sequence[float], control: str = "never", max_e: float = np.inf) -> pd.DataFrame:
    """One row per band (COLUMNS): the simple ATT of the band's treated units (`_g` > 0; `_t` months) on a
    balanced `panel`, with the number of treated units in the band, of those used and of their clusters."""
    from .staggered import drop_small_cohorts

    cohort = panel.groupby(unit)["_g"].first()
    treated = cohort[cohort > 0]
    band = distance_bands(distances.reindex(treated.index).astype(float), band_edges(bands_km))
    rows = []
    for label in band.cat.categories:
        members = band.index[band == label]
        row = dict.fromkeys(COLUMNS, np.nan) | {"band": label, "treated_units": len(members)}
        sub = panel[(panel["_g"] == 0) | panel[unit].isin(members)]
        sub, kept, _ = drop_small_cohorts(sub, unit, cluster)
        used = sub.loc[sub["_g"] > 0, unit].unique()
        row.update(treated_units_used=len(used), comparison_units=int(sub.loc[sub["_g"] == 0, unit].nunique()),
                   treated_clusters_used=int(sub.loc[sub["_g"] > 0, cluster].nunique()) if cluster else len(used))
        if len(used):
            overall = att_gt(sub, outcome, unit, "_t", "_g", control=control, cluster=cluster).aggregate(
                "simple", max_e=max_e).overall
            row.update({k: overall.get(k) for k in ("estimate", "std_error", "ci_low", "ci_high", "p_value")})
        rows.append(row)
    out = pd.DataFrame(rows, columns=COLUMNS)
    int_columns = ["treated_units", "treated_units_used", "treated_clusters_used", "comparison_units"]
    out[int_columns] = out[int_columns].astype(int)
    return out


def band_effects(spec: EvaluationSpec, balanced: pd.DataFrame, bands_km: Sequence[float], control: str,
                 max_e: float) -> tuple[pd.DataFrame, dict]:
    """The band table of a spec's balanced panel and its summary for result.json."""
    d = spec.data
    assert d.unit is not None and d.outcome is not None  # spec_model.REQUIRED_DATA
    units = balanced[d.unit].astype(str).unique()
    distances = unit_distances(units)
    table = effects_by_band(balanced.assign(**{d.unit: balanced[d.unit].astype(str)}), d.outcome, d.unit, d.cluster,
                            distances, bands_km, control, max_e)
    treated = balanced.loc[balanced["_g"] > 0, d.unit].astype(str).unique()
    summary = {"edges_km": [float(b) for b in bands_km], "distance": "municipal polygon to the border line (km, EPSG:6372)",
               "treated_units_without_polygon": int(distances.reindex(treated).isna().sum()),
               "bands": [{k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in row.items()}
                         for row in table.to_dict("records")]}
    return table, summary


def band_sentence(table: pd.DataFrame, units: dict) -> dict:
    """The band estimates in words, with what they cannot show."""
    parts: dict[str, list[str]] = {"en": [], "es": []}
    for row in table.to_dict("records"):
        for lang in ("en", "es"):
            if pd.isna(row["estimate"]):
                n = int(row["treated_units"])
                parts[lang].append(
                    f"{row['band']}: no estimate ({n} treated unit{'s' if n != 1 else ''}, no cohort with at least "
                    f"{MIN_COHORT_UNITS} units in {MIN_COHORT_CLUSTERS} states)" if lang == "en" else
                    f"{row['band']}: sin estimación ({n} unidad{'es' if n != 1 else ''} tratada{'s' if n != 1 else ''}, "
                    f"ninguna cohorte con al menos {MIN_COHORT_UNITS} unidades en {MIN_COHORT_CLUSTERS} estados)")
            else:
                n = int(row["treated_units_used"])
                parts[lang].append(
                    f"{row['band']}: {fmt(row['estimate'], lang)} (95% CI {fmt(row['ci_low'], lang)} to "
                    f"{fmt(row['ci_high'], lang)}; {n} treated unit{'s' if n != 1 else ''})" if lang == "en" else
                    f"{row['band']}: {fmt(row['estimate'], lang)} (IC 95% {fmt(row['ci_low'], lang)} a "
                    f"{fmt(row['ci_high'], lang)}; {n} unidad{'es' if n != 1 else ''} tratada{'s' if n != 1 else ''})")
    return {"en": f"By distance to the U.S. border, in {units['en']}: {'; '.join(parts['en'])}. This is descriptive "
                  "heterogeneity, not a causal gradient: the bands differ in more than their distance to the border; "
                  "the intervals are analytic, clustered as the headline's, and rough when a band has few treated states.",
            "es": f"Por distancia a la frontera con EE. UU., en {units['es']}: {'; '.join(parts['es'])}. Es heterogeneidad "
                  "descriptiva, no un gradiente causal: las bandas difieren en más que su distancia a la frontera; los "
                  "intervalos son analíticos, agrupados como los del resultado principal, y aproximados cuando una banda "
                  "tiene pocos estados tratados."}
