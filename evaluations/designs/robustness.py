"""Robustness rows of the staggered designs: few-cluster inference, staggered synthetic DiD and effects by
distance to the U.S. border (spec block `estimators.robustness`, evaluations.options.RobustnessOptions).

- The TWFE coefficient gets the restricted wild cluster bootstrap (`did.wild_bootstrap`): its p-value and
  test-inverted 95% interval, with Rademacher weights enumerated when 2^G is at most the draws, else Webb's
  six-point weights (MacKinnon & Webb 2018).
- The Callaway–Sant'Anna headline gets randomization inference (`did.randomization`): the cohorts are
  permuted over the clusters (the number of clusters in each cohort kept; Conley & Taber 2011 in spirit) or,
  where a cluster holds several cohorts, over the units.
- Staggered synthetic DiD (`synth.staggered`, Clarke, Pailañir, Athey & Imbens 2024): cohort-wise estimates
  against the never-treated units, averaged with weights proportional to treated unit-periods; when whole
  clusters (states) are treated, the clusters are the units, so its jackknife leaves out a state at a time.
- Effects by band of distance to the border (`spatial.border`): the treated units of one band against the
  whole comparison group. Descriptive heterogeneity, not a causal gradient: the bands differ in more than
  distance.

Each is an estimate of kind "sensitivity"; the reading says what each adds and when a few-cluster p-value
and the analytic one fall on different sides of 0.05.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .. import formats
from ..did.randomization import RandomizationError, RandomizationResult, randomization_test
from ..did.randomization_cs import SimpleATT
from ..did.wild_bootstrap import WildBootstrapResult, panel_wild_bootstrap
from ..options import RobustnessOptions
from ..publication.vocabulary import Z_95
from ..reading import fmt
from ..spec_model import EvaluationSpec, SpecError
from ..synth.estimate import SynthInputError
from ..synth.staggered import synthdid_staggered
from .border_bands import band_effects, band_sentence
from .common import _est

ALPHA = 0.05


def wild_weights(n_clusters: int, draws: int, weights: str) -> str:
    """The weights of option `wild_weights`: "auto" is Rademacher when every sign vector can be enumerated
    (2^G <= draws), otherwise Webb's (with few clusters Rademacher draws take too few distinct values)."""
    if weights != "auto":
        return weights
    return "rademacher" if n_clusters < 63 and 2**n_clusters <= draws else "webb"


def panel_columns(spec: EvaluationSpec) -> tuple[str, str, str | None]:
    """The spec's unit, outcome and cluster columns (unit and outcome are required by the staggered designs)."""
    d = spec.data
    assert d.unit is not None and d.outcome is not None  # spec_model.REQUIRED_DATA
    return d.unit, d.outcome, d.cluster


def twfe_wild_bootstrap(spec: EvaluationSpec, data: pd.DataFrame, o: RobustnessOptions) -> WildBootstrapResult:
    """WCR test of the TWFE coefficient on the rows TWFE used, clustered as the spec says (default: units)."""
    unit, outcome, cluster = panel_columns(spec)
    cluster = cluster or unit
    n_clusters = int(data.loc[data[outcome].notna(), cluster].nunique())
    return panel_wild_bootstrap(data, outcome, unit, "_t", ["_treated"], "_treated", cluster=cluster,
                                draws=o.wild_bootstrap, weights=wild_weights(n_clusters, o.wild_bootstrap, o.wild_weights),
                                seed=o.seed)


def cluster_means(panel: pd.DataFrame, outcome: str, unit: str, cluster: str) -> pd.DataFrame:
    """The balanced panel collapsed to cluster x period means, weighted (`_w`) by the cluster's units. Without
    covariates, the Callaway–Sant'Anna ATT(g,t) are weighted differences in mean changes, so on this panel
    they equal those on the units when every cluster adopts at one date (checked where it is used)."""
    grouped = panel.groupby([cluster, "_t"], sort=True)
    out = grouped[outcome].mean().rename(outcome).reset_index()
    out["_g"] = grouped["_g"].first().to_numpy()
    out["_w"] = grouped[unit].nunique().to_numpy().astype(float)
    return out


def cs_randomization(spec: EvaluationSpec, balanced: pd.DataFrame, o: RobustnessOptions, control: str,
                     max_e: float, observed: float) -> RandomizationResult:
    """Randomization p-value of the Callaway–Sant'Anna simple ATT (`observed` on the units), the cohorts
    permuted over clusters (on the cluster-mean panel, when it reproduces `observed`) or over units."""
    unit_column, outcome, cluster = panel_columns(spec)
    by_cluster = o.randomization_unit == "cluster" and cluster is not None
    level = cluster if by_cluster and cluster is not None else unit_column
    panel = balanced[list(dict.fromkeys([unit_column, level, "_t", "_g", outcome]))]
    statistic = SimpleATT(panel, outcome, unit_column, "_t", "_g", level, control, max_e=max_e)
    if level != unit_column and assigned_by_cluster(balanced, level):
        means = cluster_means(balanced, outcome, unit_column, level)
        on_means = SimpleATT(means, outcome, level, "_t", "_g", level, control, weights="_w", max_e=max_e)
        if np.isclose(on_means.of_data(means), observed, rtol=1e-9, atol=1e-12):
            panel, statistic = means, on_means
    try:
        return randomization_test(panel, level, "_g", statistic.of_data, draws=o.randomization, seed=o.seed,
                                  of_assignment=statistic)
    except RandomizationError as error:
        raise SpecError(f"{spec.name}: estimators.robustness.randomization_unit: {error}") from None


def assigned_by_cluster(panel: pd.DataFrame, cluster: str | None) -> bool:
    """Whether every cluster adopts at one date (the treatment is assigned to whole clusters)."""
    return bool(cluster) and int(panel.groupby(cluster)["_g"].nunique().max()) == 1


def staggered_sdid(spec: EvaluationSpec, balanced: pd.DataFrame, o: RobustnessOptions) -> dict:
    """Cohort-wise synthetic DiD and its weighted average, with the fixed-weight jackknife SE (or none).

    When the treatment is assigned to whole clusters, the units are the clusters (each cluster's mean of its
    units' outcome, units weighted equally), so the jackknife leaves out a cluster at a time as the
    assignment requires; otherwise the units themselves."""
    from .staggered import cohort_label

    unit, outcome, cluster = panel_columns(spec)
    start = balanced["_t"].min()
    always = balanced.loc[(balanced["_g"] > 0) & (balanced["_g"] <= start), unit].unique()
    panel = balanced[~balanced[unit].isin(always)]
    by_cluster = cluster is not None and assigned_by_cluster(panel, cluster)
    if cluster is not None and by_cluster:
        panel = cluster_means(panel, outcome, unit, cluster)
        panel["_treated"] = ((panel["_g"] > 0) & (panel["_t"] >= panel["_g"])).astype(float)
        unit = cluster
    se = None if o.sdid_se == "none" else o.sdid_se
    try:
        fit = synthdid_staggered(panel, unit, "_t", outcome, "_treated", se=se)
    except SynthInputError as error:
        return {"error": str(error)}
    out = {"estimate": fit.estimate, "std_error": None, "ci_low": None, "ci_high": None, "p_value": None}
    if se and np.isfinite(fit.std_error) and fit.std_error > 0:
        out.update(std_error=fit.std_error, ci_low=fit.estimate - Z_95 * fit.std_error,
                   ci_high=fit.estimate + Z_95 * fit.std_error,
                   p_value=float(2 * stats.norm.sf(abs(fit.estimate / fit.std_error))))
    table = fit.tidy()
    table["cohort"] = [c if c == "all" else cohort_label(int(c)) for c in table["cohort"]]
    details = fit.to_dict()
    details["cohorts"] = [{**c, "cohort": cohort_label(int(c["cohort"]))} for c in details["cohorts"]]
    details.update(units="clusters" if by_cluster else "units", units_left_out_treated_at_start=int(len(always)),
                   cohort_table=table)
    return {**out, "details": details, "by_cluster": by_cluster}


def _disagree(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and (a < ALPHA) != (b < ALPHA)


def wild_sentence(w: WildBootstrapResult, analytic_p: float | None, units: dict) -> dict:
    n = {lang: formats.integer(w.draws, lang) for lang in ("en", "es")}
    draws = ({"en": f"all {n['en']} sign vectors", "es": f"los {n['es']} vectores de signos"}
             if w.enumerated else {"en": f"{n['en']} draws", "es": f"{n['es']} réplicas"})
    weights = {"rademacher": {"en": "Rademacher", "es": "Rademacher"}, "webb": {"en": "Webb", "es": "de Webb"}}[w.weights]
    if np.isfinite(w.ci).all():
        interval = {lang: (f"a 95% interval of {fmt(w.ci[0], 'en')} to {fmt(w.ci[1], 'en')} {units['en']}" if lang == "en" else
                           f"un intervalo del 95% de {fmt(w.ci[0], 'es')} a {fmt(w.ci[1], 'es')} {units['es']}")
                    for lang in ("en", "es")}
    else:
        interval = {"en": "a 95% interval without bound on at least one side",
                    "es": "un intervalo del 95% sin límite por al menos un lado"}
    out = {lang: (f"Few-cluster check: the restricted wild cluster bootstrap of the TWFE coefficient ({weights['en']} "
                  f"weights, {draws['en']}, {w.n_clusters} clusters) gives p = {fmt(w.p_value, 'en', 3)} and "
                  f"{interval['en']} (analytic p = {fmt(analytic_p, 'en', 3)})." if lang == "en" else
                  f"Verificación con pocos conglomerados: el bootstrap salvaje restringido por conglomerados del "
                  f"coeficiente TWFE (pesos {weights['es']}, {draws['es']}, {w.n_clusters} conglomerados) da p = "
                  f"{fmt(w.p_value, 'es', 3)} y {interval['es']} (p analítico = {fmt(analytic_p, 'es', 3)}).")
           for lang in ("en", "es")}
    if _disagree(w.p_value, analytic_p):
        out = {"en": out["en"] + " The bootstrap and the analytic p-value disagree at the 5% level; with few clusters the "
                                 "bootstrap is the one to trust.",
               "es": out["es"] + " El p del bootstrap y el analítico no coinciden al nivel del 5%; con pocos "
                                 "conglomerados, el del bootstrap es el confiable."}
    return out


def randomization_sentence(r: RandomizationResult, analytic_p: float | None, by_cluster: bool) -> dict:
    n = {lang: formats.integer(r.n_clusters, lang) for lang in ("en", "es")}
    k = {lang: formats.integer(r.treated_clusters, lang) for lang in ("en", "es")}
    scheme = ({"en": f"the cohorts reassigned at random among the {n['en']} clusters, {k['en']} of them treated, each cohort "
                     "keeping its number of clusters",
               "es": f"las cohortes reasignadas al azar entre los {n['es']} conglomerados, {k['es']} de ellos tratados, "
                     "cada cohorte con su número de conglomerados"} if by_cluster else
              {"en": f"the cohorts reassigned at random among the {n['en']} units, {k['en']} of them treated, each cohort "
                     "keeping its size",
               "es": f"las cohortes reasignadas al azar entre las {n['es']} unidades, {k['es']} de ellas tratadas, cada "
                     "cohorte con su tamaño"})
    draws = {"en": "every assignment" if r.enumerated else f"{formats.integer(r.draws - 1, 'en')} random assignments",
             "es": "todas las asignaciones" if r.enumerated else f"{formats.integer(r.draws - 1, 'es')} asignaciones al azar"}
    out = {"en": f"Randomization inference gives p = {fmt(r.p_value, 'en', 3)} for the Callaway–Sant'Anna average effect "
                 f"(analytic p = {fmt(analytic_p, 'en', 3)}): {scheme['en']}; {draws['en']}.",
           "es": f"La inferencia por aleatorización da p = {fmt(r.p_value, 'es', 3)} para el efecto promedio de "
                 f"Callaway–Sant'Anna (p analítico = {fmt(analytic_p, 'es', 3)}): {scheme['es']}; {draws['es']}."}
    if _disagree(r.p_value, analytic_p):
        out = {"en": out["en"] + " The two p-values disagree at the 5% level: the effect is not distinguishable from "
                                 "what a random assignment of the same cohorts produces as often as the analytic p-value suggests.",
               "es": out["es"] + " Los dos valores p no coinciden al nivel del 5%: el efecto no se distingue de lo que "
                                 "produce una asignación al azar de las mismas cohortes tanto como sugiere el p analítico."}
    return out


def sdid_sentence(row: dict, units: dict) -> dict:
    level = ({"en": "jackknife over states; each state is the mean of its municipalities",
              "es": "jackknife por estados; cada estado es el promedio de sus municipios"} if row["by_cluster"] else
             {"en": "jackknife over units", "es": "jackknife por unidades"})
    se = ({"en": "; no standard error", "es": "; sin error estándar"} if row["std_error"] is None else
          {"en": f", 95% interval {fmt(row['ci_low'], 'en')} to {fmt(row['ci_high'], 'en')} ({level['en']})",
           "es": f", intervalo del 95% de {fmt(row['ci_low'], 'es')} a {fmt(row['ci_high'], 'es')} ({level['es']})"})
    return {"en": f"Staggered synthetic DiD (each cohort against weighted never-treated units, averaged by treated "
                  f"unit-periods) gives {fmt(row['estimate'], 'en')} {units['en']}{se['en']}.",
            "es": f"La DiD sintética escalonada (cada cohorte contra unidades nunca tratadas ponderadas, promediada por "
                  f"unidad-periodo tratado) da {fmt(row['estimate'], 'es')} {units['es']}{se['es']}."}


def add_robustness(spec: EvaluationSpec, result: dict, tables: dict, data: pd.DataFrame, balanced: pd.DataFrame,
                   twfe: dict | None, cs_simple: dict) -> None:
    """Append the robustness rows, their details (result["results"]["robustness"]), tables and sentences of
    the reading to a staggered result; nothing when the spec does not list `estimators.robustness`."""
    o = spec.estimators.robustness
    if o is None:
        return
    d = spec.data
    cs_o = spec.estimators.options("cs")
    max_e = cs_o.max_event_time if cs_o.max_event_time is not None else float("inf")
    units = spec.units or {"en": panel_columns(spec)[1], "es": panel_columns(spec)[1]}
    details: dict = {}
    sentences: list[dict] = []
    if o.wild_bootstrap and twfe is not None:
        w = twfe_wild_bootstrap(spec, data, o)
        details["wild_bootstrap"] = w.to_dict()
        result["estimates"].append({**_est({"estimate": w.estimate, "std_error": twfe.get("std_error"), "ci_low": w.ci[0],
                                            "ci_high": w.ci[1], "p_value": w.p_value}, "twfe_wild_bootstrap", {
            "en": f"Two-way fixed effects, wild cluster bootstrap p-value and interval ({w.weights.capitalize()} weights, "
                  f"{w.n_clusters} clusters; SE is the analytic one)",
            "es": f"Efectos fijos de dos vías, valor p e intervalo del bootstrap salvaje por conglomerados (pesos "
                  f"{'Rademacher' if w.weights == 'rademacher' else 'de Webb'}, {w.n_clusters} conglomerados; el EE es el analítico)"},
            units, "twfe_wcr"), "kind": "sensitivity"})
        sentences.append(wild_sentence(w, twfe.get("p_value"), units))
    if o.randomization:
        r = cs_randomization(spec, balanced, o, cs_o.control, max_e, cs_simple["estimate"])
        by_cluster = o.randomization_unit == "cluster" and bool(d.cluster)
        details["randomization"] = {**r.to_dict(), "permuted": "clusters" if by_cluster else "units"}
        result["estimates"].append({**_est({"estimate": r.statistic, "p_value": r.p_value}, "cs_randomization", {
            "en": f"Callaway–Sant'Anna average effect, randomization-inference p-value (cohorts permuted over "
                  f"{'clusters' if by_cluster else 'units'}; no interval)",
            "es": f"Efecto promedio de Callaway–Sant'Anna, valor p por aleatorización (cohortes permutadas entre "
                  f"{'conglomerados' if by_cluster else 'unidades'}; sin intervalo)"}, units, "cs_ri"), "kind": "sensitivity"})
        sentences.append(randomization_sentence(r, cs_simple.get("p_value"), by_cluster))
    if o.sdid:
        row = staggered_sdid(spec, balanced, o)
        if "error" in row:
            details["sdid"] = {"error": row["error"]}
        else:
            sdid_details = row.pop("details")
            tables["sdid_cohorts.csv"] = sdid_details.pop("cohort_table")
            states = ({"en": "; units are states, each the mean of its municipalities",
                       "es": "; las unidades son estados, cada uno el promedio de sus municipios"} if row["by_cluster"] else
                      {"en": "", "es": ""})
            result["tables"].append({"file": "sdid_cohorts.csv", "caption": {
                "en": f"Staggered synthetic DiD: estimate of each cohort and its weight (cohort \"all\": the weighted "
                      f"average{states['en']})",
                "es": f"DiD sintética escalonada: estimación de cada cohorte y su peso (cohorte \"all\": el promedio "
                      f"ponderado{states['es']})"}})
            details["sdid"] = sdid_details
            where = ({"en": "states as units, jackknife SE over states", "es": "estados como unidades, EE jackknife por estados"}
                     if row["by_cluster"] else {"en": "jackknife SE over units", "es": "EE jackknife por unidades"})
            result["estimates"].append({**_est(row, "sdid_staggered", {
                "en": "Staggered synthetic DiD (Clarke et al. 2024; cohort-wise, weighted by treated unit-periods; "
                      + (f"{where['en']})" if row["std_error"] is not None else "no SE)"),
                "es": "DiD sintética escalonada (Clarke et al. 2024; por cohorte, ponderada por unidad-periodo tratado; "
                      + (f"{where['es']})" if row["std_error"] is not None else "sin EE)")}, units, "sdid"),
                "kind": "sensitivity"})
            sentences.append(sdid_sentence(row, units))
    if o.border_bands_km:
        bands, summary = band_effects(spec, balanced, o.border_bands_km, cs_o.control, max_e)
        tables["border_distance_effects.csv"] = bands
        result["tables"].append({"file": "border_distance_effects.csv", "caption": {
            "en": "Effects by distance to the U.S. border (Callaway–Sant'Anna by band; descriptive heterogeneity, not a causal gradient)",
            "es": "Efectos por distancia a la frontera con EE. UU. (Callaway–Sant'Anna por banda; heterogeneidad descriptiva, "
                  "no un gradiente causal)"}})
        details["border_bands"] = summary
        sentences.append(band_sentence(bands, units))
    result["results"]["robustness"] = details
    for sentence in sentences:
        result["reading"] = {lang: f"{result['reading'][lang]} {sentence[lang]}".strip() for lang in ("en", "es")}
