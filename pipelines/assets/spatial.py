"""Spatial assets of each spec with a `map:`/`spatial:` block: change map, hot spots, spillover-aware DiD.

Thin wrappers around evaluations.spatial: read the panel and the geography from the warehouse,
call the library, write PNG/HTML/JSON under build/results/, show the headline in the metadata.
"""
import json
from pathlib import Path

import dagster as dg
import geopandas as gpd
import pandas as pd
import shapely

from evaluations import formats
from evaluations.designs.common import month_index
from evaluations.designs.staggered import drop_small_cohorts
from evaluations.figures import dated_sources_text
from evaluations.indicators import period_change
from evaluations.spatial import (
    compare_periods,
    fold_new_municipalities,
    hotspot_map,
    load_municipalities,
    load_states,
    spillover_did,
    transition_map,
)
from evaluations.spatial.maps import change_map
from evaluations.spec_model import EvaluationSpec, load_specs

from ..resources import ProjectResource
from ..sources import retrieved_dates

GROUP = "evaluations"
GEOGRAPHY_KEYS = [dg.AssetKey(["marts", "dim_municipalities"]), dg.AssetKey(["staging", "stg_inegi__states"])]


def read_geography(con) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    def frame(sql: str, rename: dict) -> gpd.GeoDataFrame:
        df = con.execute(sql).df().rename(columns=rename)
        geometry = shapely.from_wkb([bytes(b) for b in df.pop("geometry_wkb")])
        return gpd.GeoDataFrame(df, geometry=geometry, crs="EPSG:4326")

    municipalities = frame(
        "select cvegeo, cve_ent, cve_mun, municipality_name, state_name, geometry_wkb from marts.dim_municipalities",
        {"cvegeo": "CVEGEO", "cve_ent": "CVE_ENT", "cve_mun": "CVE_MUN", "municipality_name": "NOMGEO", "state_name": "NOM_ENT"},
    )
    states = frame("select cve_ent, state_name, geometry_wkb from staging.stg_inegi__states",
                   {"cve_ent": "CVE_ENT", "state_name": "NOM_ENT"})
    return load_municipalities(municipalities), load_states(states)


def read_counts(con, spec: EvaluationSpec) -> pd.DataFrame:
    """Counts and population by municipality and month, new municipalities folded into their parents."""
    d = spec.data
    panel = con.execute(f"select {d.unit} as CVEGEO, {d.time} as period, homicides, population "
                        f"from {d.table}").df()
    return fold_new_municipalities(panel, code_col="CVEGEO", value_cols=["homicides", "population"], by=["period"])


def write_json(path: Path, payload: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=1, sort_keys=True, default=str) + "\n")


def _source(spec: EvaluationSpec, lang: str = "en") -> str:
    """The spec's sources, each with its retrieval date (pipelines/sources/), for a map's footer."""
    return dated_sources_text(spec.with_retrieved(retrieved_dates()).data.dated_sources(lang), lang)


CHANGE_LEGEND = {"en": "Change per 100,000 per year", "es": "Cambio por 100 000 al año"}


def _periods(baseline, post, lang: str, joint: str = " vs ", short: bool = False) -> str:
    """"January 2004 – November 2006 vs January 2008 – December 2009" in `lang` ("Jan 2004 – Nov 2006 …" `short`)."""
    month = formats.month_short if short else formats.month
    return f"{month(baseline[0], lang)} – {month(baseline[1], lang)}{joint}{month(post[0], lang)} – {month(post[1], lang)}"


def rates_by_period(counts: pd.DataFrame, spec: EvaluationSpec) -> pd.DataFrame:
    """Annualised rates per 100,000 in the spec's baseline and post periods, and their change, by municipality."""
    return period_change(counts, "CVEGEO", "period", "homicides", "population",
                         tuple(spec.map["baseline"]), tuple(spec.map["post"]))


def build_map_asset(spec: EvaluationSpec) -> dg.AssetsDefinition:
    settings = spec.map

    @dg.asset(
        key=dg.AssetKey(["maps", spec.name]),
        deps=[dg.AssetKey(spec.data.table.split(".")), *GEOGRAPHY_KEYS],
        group_name=GROUP,
        description=f"Municipal choropleth (PNG + interactive offline HTML): {settings['title']['en']}.",
        kinds={"python"},
        tags={"goal": spec.goal, "line_of_action": spec.line_of_action},
        code_version="4",
    )
    def _map(context: dg.AssetExecutionContext, project: ProjectResource) -> dg.MaterializeResult:
        with project.connect(read_only=True) as con:
            counts = read_counts(con, spec)
            municipalities, states = read_geography(con)
        baseline, post = settings["baseline"], settings["post"]
        change = rates_by_period(counts, spec)
        out_dir = project.settings.results_dir / "maps" / spec.name
        out_dir.mkdir(parents=True, exist_ok=True)
        change.to_csv(out_dir / "change.csv", index=False)
        output = change_map(
            change, out_dir / "change_map", title=settings["title"]["en"], source=_source(spec),
            date=_periods(baseline, post, "en"), legend_title=CHANGE_LEGEND["en"],
            municipalities=municipalities, states=states,
        )
        spanish = change_map(   # the PNG and the interactive page in Spanish (change_map.es.png, change_map.es.html)
            change, out_dir / "change_map.es.png", title=settings["title"]["es"], source=_source(spec, "es"),
            date=_periods(baseline, post, "es"), legend_title=CHANGE_LEGEND["es"], lang="es",
            municipalities=municipalities, states=states,
        )
        valid = change["change"].dropna()
        summary = {
            "municipalities": int(len(valid)), "median_change": float(valid.median()),
            "share_increasing": float((valid > 0).mean()), "baseline": [str(x) for x in baseline],
            "post": [str(x) for x in post], "legend": output.legend_labels, "no_data": int(output.n_missing),
            "png": output.png.name, "html": output.html.name if output.html else None,
            "png_es": spanish.png.name if spanish.png else None, "legend_es": spanish.legend_labels,
            "html_es": spanish.html.name if spanish.html else None,
        }
        write_json(out_dir / "summary.json", summary)
        return dg.MaterializeResult(metadata={
            "municipalities": summary["municipalities"], "median_change": summary["median_change"],
            "share_increasing": summary["share_increasing"], "map": dg.MetadataValue.path(str(output.png)),
            "preview": dg.MetadataValue.md(f"![map](file://{output.png})"),
        })

    return _map


def build_hotspot_asset(spec: EvaluationSpec) -> dg.AssetsDefinition:
    settings = spec.spatial["hotspots"]
    baseline, post = spec.map["baseline"], spec.map["post"]

    @dg.asset(
        key=dg.AssetKey(["spatial", f"{spec.name}_hotspots"]),
        deps=[dg.AssetKey(spec.data.table.split(".")), *GEOGRAPHY_KEYS],
        group_name=GROUP,
        description=(f"Hot and cold spots of the homicide rate ({settings.get('method', 'gi')}, permutation "
                     f"inference with FDR) in {baseline[0]}–{baseline[1]} and {post[0]}–{post[1]}, and how they moved."),
        kinds={"python"},
        tags={"goal": spec.goal, "line_of_action": spec.line_of_action},
        code_version="2",
    )
    def _hotspots(context: dg.AssetExecutionContext, project: ProjectResource) -> dg.MaterializeResult:
        with project.connect(read_only=True) as con:
            counts = read_counts(con, spec)
            municipalities, states = read_geography(con)
        rates = rates_by_period(counts, spec).set_index("CVEGEO")
        base = rates["baseline_rate"].reindex(municipalities["CVEGEO"])
        later = rates["post_rate"].reindex(municipalities["CVEGEO"])
        keep = (base.notna() & later.notna()).to_numpy()
        gdf = municipalities[keep].reset_index(drop=True)
        method = settings.get("method", "gi")
        seed = int(settings.get("seed", 20211008))
        result = compare_periods(gdf, base[keep].to_numpy(), later[keep].to_numpy(), method=method,
                                 permutations=int(settings.get("permutations", 9999)), seed=seed,
                                 alpha=float(settings.get("alpha", 0.05)))
        out_dir = project.settings.results_dir / "spatial" / spec.name
        out_dir.mkdir(parents=True, exist_ok=True)
        label = "spot" if method == "gi" else "cluster"
        maps = {}
        for period, (start, end) in (("baseline", baseline), ("post", post)):
            frame = result[period].assign(value=(base if period == "baseline" else later)[keep].to_numpy())
            output = hotspot_map(gdf, frame, out_dir / f"hotspots_{period}",
                                 title=f"Homicide hot and cold spots, {formats.period(start, end, 'en')}",
                                 source=_source(spec), date=formats.period(start, end, "en"), overlay=states)
            maps[period] = output.png.name
        moved = transition_map(gdf, result["transitions"], out_dir / "hotspots_transition",
                               title=f"How homicide hot spots moved: {_periods(baseline, post, 'en', ' to ', short=True)}",
                               source=_source(spec), date=formats.period(baseline[0], post[1], "en"), overlay=states)
        maps["transition"] = moved.png.name
        moved_es = transition_map(gdf, result["transitions"], out_dir / "hotspots_transition.es.png",
                                  title=f"Cómo se movieron los puntos calientes de homicidio: {_periods(baseline, post, 'es', ' a ', short=True)}",
                                  source=_source(spec, "es"), date=formats.period(baseline[0], post[1], "es"), overlay=states,
                                  formats=("png",), lang="es")
        maps["transition_es"] = moved_es.png.name
        counts_by_period = {p: result[p][label].value_counts().sort_index().to_dict() for p in ("baseline", "post")}
        summary = {
            "method": method, "permutations": int(settings.get("permutations", 9999)), "seed": seed,
            "alpha": float(settings.get("alpha", 0.05)), "fdr": True, "municipalities": int(keep.sum()),
            "moran_baseline": {"I": result["moran_baseline"].I, "p_sim": result["moran_baseline"].p_sim},
            "moran_post": {"I": result["moran_post"].I, "p_sim": result["moran_post"].p_sim},
            "spots": counts_by_period, "transitions": result["transitions"].counts.sort_index().to_dict(),
            "centroid_shift_km": result["transitions"].centroid_shift_km, "maps": maps,
            "baseline": [str(x) for x in baseline], "post": [str(x) for x in post],
        }
        write_json(out_dir / "hotspots.json", summary)
        return dg.MaterializeResult(metadata={
            "moran_I_baseline": summary["moran_baseline"]["I"], "moran_I_post": summary["moran_post"]["I"],
            "hot_spots_post": int(counts_by_period["post"].get("hot", counts_by_period["post"].get("HH", 0))),
            "map": dg.MetadataValue.path(str(out_dir / maps["transition"])),
        })

    return _hotspots


def build_spillover_asset(spec: EvaluationSpec) -> dg.AssetsDefinition:
    settings = spec.spatial["spillover"]

    @dg.asset(
        key=dg.AssetKey(["spatial", f"{spec.name}_spillover"]),
        deps=[dg.AssetKey(spec.data.table.split(".")), *GEOGRAPHY_KEYS],
        group_name=GROUP,
        description=("Spillover-aware DiD: direct effect on treated municipalities and spillover on untreated "
                     "neighbours (exposure rings by contiguity), TWFE with state-clustered SEs."),
        kinds={"python"},
        tags={"goal": spec.goal, "line_of_action": spec.line_of_action},
        code_version="1",
    )
    def _spillover(context: dg.AssetExecutionContext, project: ProjectResource) -> dg.MaterializeResult:
        d = spec.data
        with project.connect(read_only=True) as con:
            panel = con.execute(
                f"select {d.unit} as unit, {d.time} as period, {d.outcome} as outcome, "
                f"{d.cohort} as cohort, {d.cluster} as cluster from {d.table} "
                f"where {d.time} between ? and ?", [str(d.start), str(d.end)]
            ).df()
            municipalities, _ = read_geography(con)
        panel = panel[panel["unit"].isin(set(municipalities["CVEGEO"]))]
        panel["t"] = month_index(panel["period"]).astype("int64")
        first = month_index(panel.groupby("unit")["cohort"].first()).dropna().astype("int64").to_dict()
        # publication rule cohort_min_size: small cohorts leave the estimation sample but still define who is
        # exposed (their neighbours are not clean controls), so `first` keeps them
        panel["_g"] = panel["unit"].map(first).fillna(0).astype("int64")
        panel, cohort_sizes, excluded_cohorts = drop_small_cohorts(panel, "unit", "cluster")
        result = spillover_did(
            panel, municipalities, outcome="outcome", unit_col="unit", time_col="t", first_treated=first,
            method=settings.get("method", "contiguity"), order=int(settings.get("order", 1)),
            bands_km=tuple(settings.get("bands_km", (25.0,))), cluster_col="cluster",
        )
        out_dir = project.settings.results_dir / "spatial" / spec.name
        payload = {"outcome": d.outcome, "method": settings.get("method", "contiguity"), **result.as_dict(),
                   "cohort_sizes": cohort_sizes, "excluded_cohorts": excluded_cohorts}
        write_json(out_dir / "spillover.json", payload)
        direct = result.direct
        return dg.MaterializeResult(metadata={
            "direct_estimate": float(direct["estimate"]), "direct_ci": f"[{direct['ci_low']:.4f}, {direct['ci_high']:.4f}]",
            "spillover": dg.MetadataValue.md(result.spillover.reset_index().to_markdown(index=False)
                                             if hasattr(result.spillover, "to_markdown") else str(result.spillover)),
        })

    return _spillover


SPECS = [s for s in load_specs() if s.map]
MAP_ASSETS = [build_map_asset(s) for s in SPECS]
SPATIAL_ASSETS = [build_hotspot_asset(s) for s in SPECS if (s.spatial or {}).get("hotspots")] + [
    build_spillover_asset(s) for s in SPECS if (s.spatial or {}).get("spillover")
]
