"""Staggered adoption (`staggered_did` and `event_study` specs) → result.json payloads.

The panel is restricted to the spec's window and months are indexed (`prepare_did_frame`); cohorts too
small to estimate alone are left out (publication rule cohort_min_size, `drop_small_cohorts`). The
headline is the Callaway–Sant'Anna average effect, with TWFE and its event study beside it, the
Goodman-Bacon decomposition of the TWFE estimate, a pre-trend test, a placebo with the treatment dated
earlier and, with a `neighbours` block, the effect on untreated bordering units.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .. import figures as fig_text
from ..did import (
    aggregate,  # noqa: F401  (CSResult.aggregate imports it lazily)
    event_study,
    event_study_table,
    twfe,
)
from ..did.cs import att_gt
from ..did.diagnostics import bacon_decomposition, placebo_test, pretrend_test
from ..did.plots import plot_event_study
from ..did.results import RegressionResult
from ..publication.vocabulary import MIN_COHORT_CLUSTERS, MIN_COHORT_UNITS
from ..reading import did_reading, effect_sentence, fmt, join
from ..spec_model import EvaluationSpec, SpecError
from .common import MUNICIPALITIES, EvaluationOutput, _clean_num, _est, _skeleton, month_index
from .event_study_text import event_study_alt, twfe_event_study_alt
from .honest_sensitivity import add_honest
from .pretrend_power import pretrend_power_diagnostics
from .robustness import add_robustness


@dataclass
class DidEvaluation:
    """TWFE and its event study on a spec's panel, with the sample bookkeeping."""

    spec: EvaluationSpec
    results: dict[str, RegressionResult] = field(default_factory=dict)
    event_study: pd.DataFrame | None = None
    sample: dict = field(default_factory=dict)


def prepare_did_frame(spec: EvaluationSpec, frame: pd.DataFrame) -> pd.DataFrame:
    """Restrict to the spec's window, index months, and derive the treatment dummy from the cohort."""
    d = spec.data
    data = frame.copy()
    dates = pd.to_datetime(data[d.time])
    start, end = pd.Timestamp(d.start or dates.min()), pd.Timestamp(d.end or dates.max())
    data = data[(dates >= start) & (dates <= end)].copy()
    if d.filter:
        try:
            data = data.query(d.filter, engine="python").copy()
        except Exception as error:  # pandas raises many kinds for a bad expression
            raise SpecError(f"{spec.name}: filter {d.filter!r} cannot be applied to {d.table} ({error})") from None
    data["_t"] = month_index(data[d.time]).astype("int64")
    data["_g"] = month_index(data[d.cohort]).fillna(0).astype("int64")
    data["_treated"] = ((data["_g"] > 0) & (data["_t"] >= data["_g"])).astype(float)
    return data


def cohort_label(g: int) -> str:
    return f"{g // 12:04d}-{g % 12 + 1:02d}"


def drop_small_cohorts(data: pd.DataFrame, unit: str, cluster: str | None, cohort: str = "_g"):
    """Publication rule cohort_min_size: units of cohorts (same first-treated month) with fewer than
    MIN_COHORT_UNITS units or in fewer than MIN_COHORT_CLUSTERS clusters are left out of the panel.
    Returns (kept rows, [{cohort, units, clusters}] of the cohorts kept, [{cohort, units, clusters, reason}] excluded)."""
    first = data.groupby(unit, sort=True)[[cohort] + ([cluster] if cluster else [])].first()
    first = first[first[cohort] > 0]
    sizes = first.groupby(cohort).agg(units=(cohort, "size"), clusters=(cluster or cohort, "nunique"))
    if not cluster:
        sizes["clusters"] = sizes["units"]
    kept, excluded = [], []
    for g, row in sizes.iterrows():
        entry = {"cohort": cohort_label(int(g)), "units": int(row["units"]), "clusters": int(row["clusters"])}
        if row["units"] < MIN_COHORT_UNITS or row["clusters"] < MIN_COHORT_CLUSTERS:
            entry["reason"] = (f"fewer than {MIN_COHORT_UNITS} units" if row["units"] < MIN_COHORT_UNITS else
                               f"fewer than {MIN_COHORT_CLUSTERS} clusters")
            excluded.append(entry)
        else:
            kept.append(entry)
    dropped = first.index[first[cohort].isin([g for g, r in sizes.iterrows()
                                              if r["units"] < MIN_COHORT_UNITS or r["clusters"] < MIN_COHORT_CLUSTERS])]
    return data[~data[unit].isin(dropped)], kept, excluded


def pre_period_levels(data: pd.DataFrame, unit: str, outcome: str) -> dict | None:
    """Selection into treatment, shown with the numbers: the mean outcome of ever-treated and never-treated
    units in the first and last calendar year before the first cohort (None with fewer than two such years)."""
    first = data.loc[data["_g"] > 0, "_g"].min()
    if pd.isna(first):
        return None
    pre = data[data["_t"] < first]
    years = pre["_t"] // 12
    if years.nunique() < 2:
        return None
    group = pd.Series(np.where(pre["_g"] > 0, "treated", "comparison"), index=pre.index)
    table = pre.groupby([years, group])[outcome].mean().unstack()
    if not {"treated", "comparison"} <= set(table.columns):
        return None
    y0, y1 = int(table.index.min()), int(table.index.max())
    t, c = [float(table.loc[y, "treated"]) for y in (y0, y1)], [float(table.loc[y, "comparison"]) for y in (y0, y1)]
    return {"first_year": y0, "last_year": y1, "treated": t, "comparison": c, "label": {
        "en": f"Mean outcome before the first treatment: treated units {fmt(t[0], 'en')} in {y0} and {fmt(t[1], 'en')} in {y1}; "
              f"comparison units {fmt(c[0], 'en')} and {fmt(c[1], 'en')}",
        "es": f"Resultado promedio antes del primer tratamiento: unidades tratadas {fmt(t[0], 'es')} en {y0} y {fmt(t[1], 'es')} "
              f"en {y1}; unidades de comparación {fmt(c[0], 'es')} y {fmt(c[1], 'es')}"}}


def sample_sentences(sample: dict, levels: dict | None) -> dict:
    """What the reader must know about who is compared: cohorts left out, and selection before treatment."""
    out = {"en": "", "es": ""}
    excluded = sample.get("excluded_cohorts") or []
    if excluded:
        units = sum(c["units"] for c in excluded)
        dates = ", ".join(c["cohort"] for c in excluded)
        out = {"en": f"{len(excluded)} cohort{'s' if len(excluded) != 1 else ''} ({units} unit{'s' if units != 1 else ''}; "
                     f"first treated {dates}) {'were' if len(excluded) != 1 else 'was'} left out: fewer than "
                     f"{MIN_COHORT_UNITS} units or in fewer than {MIN_COHORT_CLUSTERS} states, too few to estimate alone.",
               "es": f"Se excluyeron {len(excluded)} cohorte{'s' if len(excluded) != 1 else ''} ({units} unidad"
                     f"{'es' if units != 1 else ''}; primer tratamiento {dates}): menos de {MIN_COHORT_UNITS} unidades o en "
                     f"menos de {MIN_COHORT_CLUSTERS} estados, demasiado pocas para estimarse solas."}
    if levels:
        t, c = levels["treated"], levels["comparison"]
        if (t[1] - t[0]) - (c[1] - c[0]) > 0.1 * abs(c[0] or 1):
            out = join(out, {
                "en": f"Treatment was not assigned at random: it went to places already getting worse (mean outcome before the "
                      f"first treatment: treated units {fmt(t[0], 'en')} in {levels['first_year']} and {fmt(t[1], 'en')} in "
                      f"{levels['last_year']}; comparison units {fmt(c[0], 'en')} and {fmt(c[1], 'en')}).",
                "es": f"El tratamiento no se asignó al azar: llegó a lugares que ya empeoraban (resultado promedio antes del "
                      f"primer tratamiento: unidades tratadas {fmt(t[0], 'es')} en {levels['first_year']} y {fmt(t[1], 'es')} "
                      f"en {levels['last_year']}; unidades de comparación {fmt(c[0], 'es')} y {fmt(c[1], 'es')})."})
    return out


def run_did_spec(spec: EvaluationSpec, frame: pd.DataFrame, data: pd.DataFrame | None = None) -> DidEvaluation:
    """TWFE and its event study on the spec's panel (`data`: an already prepared panel, e.g. without small cohorts)."""
    d = spec.data
    assert d.unit is not None and d.outcome is not None  # required by the design (spec_model.REQUIRED_DATA)
    data = prepare_did_frame(spec, frame) if data is None else data
    cluster = d.cluster
    out = DidEvaluation(spec)
    cohorts = sorted(int(g) for g in data["_g"].unique() if g > 0)
    out.sample = {
        "rows_in_window": int(len(data)),
        "units": int(data[d.unit].nunique()),
        "treated_units": int(data.loc[data["_g"] > 0, d.unit].nunique()),
        "cohorts": [cohort_label(g) for g in cohorts],
        "start": str(pd.Timestamp(d.start).date()) if d.start else None,
        "end": str(pd.Timestamp(d.end).date()) if d.end else None,
    }
    if spec.estimators.twfe is not None:
        out.results["twfe"] = twfe(data, d.outcome, d.unit, "_t", "_treated", vcov=spec.estimators.twfe.vcov, cluster=cluster,
                                   ssc=spec.estimators.twfe.ssc)
    es = spec.estimators.event_study
    if es is not None:
        low, high = es.window
        out.results["event_study"] = event_study(data, d.outcome, d.unit, "_t", "_g", window=(low, high),
                                                 bin_endpoints=es.bin_endpoints, vcov=es.vcov, cluster=cluster,
                                                 ssc=es.ssc)
        out.event_study = event_study_table(out.results["event_study"])
    return out


def neighbour_cohorts(geography: pd.DataFrame, unit: str, geometry: str, cohorts: pd.Series) -> pd.Series:
    """For each unit never treated in `cohorts` (unit -> first treated period, 0 = never), the first period in
    which a queen-contiguous neighbour was treated (0 if none); treated units get NaN (they are not neighbours)."""
    from ..spatial.geometry import polygons_from_wkb
    from ..spatial.hotspots import build_weights

    geo = geography.dropna(subset=[geometry]).drop_duplicates(unit)
    gdf = polygons_from_wkb(geo[[unit, geometry]], geometry_col=geometry)
    w = build_weights(gdf, kind="queen", transform="b", ids=geo[unit].tolist(), attach_islands=False)
    out = {}
    for u, g in cohorts.items():
        if g > 0:
            out[u] = np.nan
            continue
        first = [cohorts.get(n, 0) for n in w.neighbors.get(u, [])]
        first = [f for f in first if f > 0]
        out[u] = min(first) if first else 0
    return pd.Series(out, name="neighbour_cohort")


def run_staggered(spec: EvaluationSpec, frame: pd.DataFrame, geography: pd.DataFrame | None = None) -> EvaluationOutput:
    """Callaway–Sant'Anna headline, TWFE and its event study beside it, Goodman-Bacon decomposition of
    the TWFE estimate, CS pre-trend test and a placebo with the treatment dated earlier."""
    d = spec.data
    assert d.unit is not None and d.outcome is not None  # required by the design (spec_model.REQUIRED_DATA)
    prepared = prepare_did_frame(spec, frame)
    data, cohort_sizes, excluded_cohorts = drop_small_cohorts(prepared, d.unit, d.cluster)
    evaluation = run_did_spec(spec, frame, data)
    # CS and Bacon need a balanced panel: units with a missing outcome in the window are left out (counted)
    missing_units = data.loc[data[d.outcome].isna(), d.unit].unique()
    balanced = data[~data[d.unit].isin(missing_units)]
    o = spec.estimators.options("cs")
    control, seed, draws = o.control, o.seed, o.bootstrap
    cluster = d.cluster
    cs = att_gt(balanced, d.outcome, d.unit, "_t", "_g", control=control, cluster=cluster,
                bootstrap=draws or None, seed=seed)
    simple = cs.aggregate("simple", max_e=o.max_event_time if o.max_event_time is not None else float("inf")).overall
    dynamic = cs.aggregate("dynamic")
    pre = pretrend_test(cs)
    placebo = placebo_test(balanced, d.outcome, d.unit, "_t", "_g", shift=o.placebo_shift,
                           control=control, cluster=cluster)
    bacon = bacon_decomposition(balanced, d.outcome, d.unit, "_t", "_g")
    twfe_att = evaluation.results["twfe"].att if "twfe" in evaluation.results else None
    result = _skeleton(spec, MUNICIPALITIES, d.start, d.end,
                       evaluation.sample["units"], evaluation.sample["rows_in_window"])
    units = spec.units or {"en": d.outcome, "es": d.outcome}
    cs_label = {"en": "Average effect after treatment (Callaway–Sant'Anna, simple aggregation)",
                "es": "Efecto promedio después del tratamiento (Callaway–Sant'Anna, agregación simple)"}
    result["headline"] = {k: v for k, v in _est(simple, "cs", cs_label, units, "cs").items() if k != "id"}
    result["estimates"].append(_est(simple, "cs", cs_label, units, "cs"))
    if twfe_att is not None:
        twfe_d = {k: getattr(twfe_att, k) for k in ("estimate", "std_error", "ci_low", "ci_high", "p_value")}
        result["estimates"].append(_est(twfe_d, "twfe", {"en": "Two-way fixed effects (reference)",
                                                         "es": "Efectos fijos de dos vías (referencia)"}, units, "twfe"))
    else:
        twfe_d = None
    for kind in ("group", "calendar"):
        agg = cs.aggregate(kind).overall
        result["estimates"].append(_est(agg, f"cs_{kind}", {"en": f"Callaway–Sant'Anna, {kind} aggregation",
                                                            "es": f"Callaway–Sant'Anna, agregación por {'cohorte' if kind == 'group' else 'calendario'}"},
                                        units, "cs"))
    result["estimates"].append(_est(dynamic.overall, "cs_dynamic", {"en": "Callaway–Sant'Anna, average over event times",
                                                                    "es": "Callaway–Sant'Anna, promedio sobre tiempos de evento"}, units, "cs"))
    # the joint Wald test needs more clusters than pre-treatment cells; the pre-treatment event-time
    # effects, each against its band, are reported beside it and always available
    pre_rows = dynamic.by[dynamic.by["event_time"] < 0]
    outside = pre_rows[(pre_rows["ci_low"] > 0) | (pre_rows["ci_high"] < 0)]
    result["diagnostics"]["pretrend"] = {
        "statistic": _clean_num(pre.statistic), "df": pre.df, "p_value": _clean_num(pre.p_value), "notes": pre.notes,
        "pre_event_times": int(len(pre_rows)), "pre_event_times_band_excludes_zero": int(len(outside)),
        "band": dynamic.band_kind,
        "label": {"en": f"Joint Wald test that all pre-treatment ATT(g,t) are zero; pre-treatment event-time effects whose "
                        f"{dynamic.band_kind} 95% band excludes zero",
                  "es": f"Prueba de Wald conjunta de que todos los ATT(g,t) previos al tratamiento son cero; efectos previos "
                        f"al tratamiento cuya banda {'simultánea' if dynamic.band_kind == 'simultaneous' else 'puntual'} "
                        f"del 95% excluye el cero"}}
    result["diagnostics"].update(pretrend_power_diagnostics(cs, dynamic, units))
    if placebo.estimate is not None and placebo.std_error is not None:   # placebo_test sets both or neither
        z = 1.959963984540054
        result["diagnostics"]["placebo"] = {
            "estimate": placebo.estimate, "std_error": placebo.std_error,
            "ci_low": placebo.estimate - z * placebo.std_error, "ci_high": placebo.estimate + z * placebo.std_error,
            # z test of the average placebo ATT (the joint Wald test over the placebo cells is in results.placebo;
            # with more cells than clusters its covariance is near singular, so it is not shown)
            "p_value": float(2 * stats.norm.sf(abs(placebo.estimate / placebo.std_error))) if placebo.std_error else None,
            "n_cells": placebo.n_cells, "shift_periods": o.placebo_shift, "label": {
                "en": f"Average placebo ATT with each cohort's start moved {o.placebo_shift} months earlier",
                "es": f"ATT placebo promedio con el inicio de cada cohorte adelantado {o.placebo_shift} meses"}}
    by_type = bacon.by_type()
    result["diagnostics"]["bacon"] = {
        "twfe_estimate": bacon.twfe_estimate, "weighted_sum": bacon.weighted_sum,
        "by_type": [{"type": r["type"], "weight": float(r["weight"]), "estimate": _clean_num(r["estimate"])} for r in by_type.to_dict("records")],
        "label": {"en": "Goodman-Bacon decomposition of the TWFE estimate into 2x2 comparisons",
                  "es": "Descomposición de Goodman-Bacon del estimador TWFE en comparaciones 2x2"}}
    if spec.neighbours and geography is not None:
        nb = spec.neighbours
        cohorts = prepared.groupby(d.unit)["_g"].first()   # every arrest dates its neighbours, kept or not
        nb_g = neighbour_cohorts(geography, nb.get("unit", d.unit), nb.get("geometry", "geometry_wkb"), cohorts)
        ring = balanced[balanced[d.unit].map(nb_g).notna()].copy()
        ring["_g_nb"] = ring[d.unit].map(nb_g).astype("int64")
        ring, nb_sizes, nb_excluded = drop_small_cohorts(ring, d.unit, cluster, "_g_nb")
        nb_g = nb_g[nb_g.index.isin(ring[d.unit].unique())]
        cs_nb = att_gt(ring, d.outcome, d.unit, "_t", "_g_nb", control=control, cluster=cluster,
                       bootstrap=draws or None, seed=seed)
        nb_simple = cs_nb.aggregate("simple").overall
        result["estimates"].append(_est(nb_simple, "cs_neighbours", {
            "en": "Average effect on untreated neighbouring units after a neighbour is first treated (Callaway–Sant'Anna)",
            "es": "Efecto promedio en unidades vecinas no tratadas después del primer tratamiento de una vecina (Callaway–Sant'Anna)"},
            units, "cs"))
        result["results"]["cs_neighbours"] = {k: v for k, v in cs_nb.to_dict().items() if k != "att_gt"}
        result.setdefault("sample", {}).update(neighbour_units_treated=int((nb_g > 0).sum()),
                                                neighbour_cohort_sizes=nb_sizes, neighbour_excluded_cohorts=nb_excluded)
        neighbour_sentence = effect_sentence(
            {"en": f"In the {int((nb_g > 0).sum())} bordering units", "es": f"En las {int((nb_g > 0).sum())} unidades colindantes"},
            nb_simple, units)
    else:
        neighbour_sentence = None
    result["seed"] = seed
    result["sample"] = {**evaluation.sample, **result.get("sample", {})}
    result["sample"]["units_dropped_missing_outcome"] = int(len(missing_units))
    result["sample"]["cohort_sizes"] = cohort_sizes
    result["sample"]["excluded_cohorts"] = excluded_cohorts
    treated_pre = balanced[(balanced["_g"] > 0) & (balanced["_t"] < balanced["_g"])][d.outcome]
    result["sample"]["baseline_mean"] = _clean_num(treated_pre.mean()) if len(treated_pre) else None
    levels = pre_period_levels(balanced, d.unit, d.outcome)
    if levels:
        result["diagnostics"]["pre_period_levels"] = levels
    result["results"] = {k: r.to_dict() for k, r in evaluation.results.items()}
    cs_dict = cs.to_dict()
    cs_dict.pop("att_gt", None)   # the cell table goes to att_gt.csv
    result["results"]["cs"] = cs_dict
    result["results"]["placebo"] = placebo.to_dict()
    result["results"]["bacon"] = bacon.to_dict()
    treatment = spec.data.treatment or {"en": "the treatment", "es": "el tratamiento"}
    result["reading"] = did_reading(spec.outcome or {"en": d.outcome, "es": d.outcome}, treatment, simple, units,
                                    {"en": "Callaway–Sant'Anna", "es": "Callaway–Sant'Anna"},
                                    result["diagnostics"]["pretrend"], result["diagnostics"].get("placebo"), twfe_d,
                                    {"en": f"treatment dated {o.placebo_shift} months early",
                                     "es": f"tratamiento adelantado {o.placebo_shift} meses"},
                                    float(by_type.loc[by_type["type"].isin(["later vs earlier treated", "later vs always treated"]),
                                                      "weight"].sum()),
                                    spec.literature)
    result["reading"] = join(result["reading"], sample_sentences(result["sample"], levels))
    if neighbour_sentence:
        result["reading"] = join(result["reading"], neighbour_sentence)
    if spec.notes:
        result["reading"] = {k: f"{result['reading'][k]} {spec.notes[k]}" for k in ("en", "es")}
    tables = {"att_gt.csv": cs.tidy(), "cs_event_study.csv": dynamic.by, "bacon.csv": bacon.comparisons}
    result["tables"] += [
        {"file": "att_gt.csv", "caption": {"en": "Group-time ATT(g,t) (Callaway–Sant'Anna)", "es": "ATT(g,t) por cohorte y periodo"}},
        {"file": "cs_event_study.csv", "caption": {"en": "Callaway–Sant'Anna event study (dynamic aggregation)",
                                                  "es": "Estudio de eventos de Callaway–Sant'Anna (agregación dinámica)"}},
        {"file": "bacon.csv", "caption": {"en": "Goodman-Bacon 2x2 comparisons", "es": "Comparaciones 2x2 de Goodman-Bacon"}},
    ]
    add_robustness(spec, result, tables, data, balanced, twfe_d, simple)
    effect = {lang: fig_text.word("effect_on", lang, units=units[lang]) for lang in ("en", "es")}
    source = {lang: fig_text.source_note(d.dated_sources(lang), lang, through=d.end) for lang in ("en", "es")}
    figures = fig_text.bilingual("cs_event_study.png", lambda path, lang: cs.plot_event_study(
        path, title=spec.title[lang], ylabel=effect[lang], lang=lang,
        source_note="\n".join(filter(None, [source[lang], cs.sample_note(lang)]))))
    result["figures"].append({"file": "cs_event_study.png", "kind": "event_study",
                              "alt": event_study_alt(simple, units, result["diagnostics"]["pretrend"], dynamic.band_kind),
                              "caption": {"en": f"{spec.title['en']}: Callaway–Sant'Anna event study",
                                          "es": f"{spec.title['es']}: estudio de eventos de Callaway–Sant'Anna"}})
    if evaluation.event_study is not None:
        tables["event_study.csv"] = evaluation.event_study
        result["tables"].append({"file": "event_study.csv", "caption": {"en": "TWFE event study", "es": "Estudio de eventos TWFE"}})
        figures.update(fig_text.bilingual("event_study.png", lambda path, lang: plot_event_study(
            evaluation.event_study, path, title=spec.title[lang], ylabel=effect[lang], source_note=source[lang], lang=lang)))
        result["figures"].append({"file": "event_study.png", "kind": "event_study",
                                  "alt": twfe_event_study_alt(evaluation.event_study, units),
                                  "caption": {"en": f"{spec.title['en']}: TWFE event study",
                                              "es": f"{spec.title['es']}: estudio de eventos TWFE"}})
    add_honest(spec, result, tables, figures, balanced, control, cluster)
    return EvaluationOutput(result, tables, figures)
