"""Synthetic comparisons (`synthetic_did` specs) → result.json payloads, with evaluations.synth.

The spec's table becomes a balanced unit × period panel (evaluations.designs.synthetic_panel); the units its
`data.treated` query selects are exposed from `estimators.synthetic.break`. The headline is the estimator the
spec names (default synthetic DiD) with its normal 95% interval and p-value from the standard error the spec names
(placebo by default, the one method for a single exposed unit); the other two estimators (sdid, sc, did) stand
beside it as sensitivity rows, and with several exposed units and placebo standard errors the headline estimator
is repeated with bootstrap standard errors. Diagnostics: the pre-break fit, the weights' effective sizes and a
placebo break `placebo_shift` periods earlier on the pre-break periods only.
"""
from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from .. import figures as fig_text
from .. import formats
from ..reading import ESTIMATOR_NAMES, fmt, synthetic_reading
from ..spec_model import EvaluationSpec, SpecError
from ..synth import BlockPanel, SynthInputError, SynthResult, synthdid_panel
from .common import UNITS, EvaluationOutput, _clean_num, _est, _skeleton
from .synthetic_panel import SyntheticPanel, build_panel

ORDER = ("sdid", "sc", "did")
SE_NAMES = {"placebo": {"en": "placebo standard errors ({reps} reassignments of the exposure among the controls, seed {seed})",
                        "es": "errores estándar placebo ({reps} reasignaciones de la exposición entre los controles, semilla {seed})"},
            "bootstrap": {"en": "bootstrap standard errors ({reps} resamples of units, seed {seed})",
                          "es": "errores estándar bootstrap ({reps} remuestreos de unidades, semilla {seed})"},
            "jackknife": {"en": "jackknife standard errors (each unit left out in turn)",
                          "es": "errores estándar jackknife (cada unidad omitida por turno)"}}


def _fit(spec: EvaluationSpec, block: BlockPanel, estimator: str, se: str, reps: int, seed: int) -> SynthResult:
    if estimator == "sc" and se == "jackknife":
        se = "placebo"   # the jackknife is not defined for synthetic control (synthdid::vcov)
    try:
        return synthdid_panel(block, spec.data.outcome or "outcome", estimator, se, reps, seed)
    except SynthInputError as error:
        raise SpecError(f"{spec.where()}: estimators.synthetic: {error}") from None


def _att(result: SynthResult) -> dict:
    low, high = result.ci
    return {"estimate": result.estimate, "std_error": result.std_error, "ci_low": low, "ci_high": high,
            "p_value": result.p_value}


def pre_fit_rmse(result: SynthResult) -> float:
    """Root mean squared pre-break gap between the exposed units' mean and the weighted controls; for sdid and did
    the gap's pre-break mean is removed first (their comparison allows a constant difference), for sc it is not."""
    p = result.panel
    omega = result.unit_weights.to_numpy()
    gap = p.Y[p.n0:, : p.t0].mean(axis=0) - omega @ p.Y[: p.n0, : p.t0]
    if result.estimator != "sc":
        gap = gap - gap.mean()
    return float(np.sqrt(np.mean(gap ** 2)))


def _placebo(spec: EvaluationSpec, block: BlockPanel, estimator: str, se: str, reps: int, seed: int, shift: int):
    """The estimator at a break `shift` periods earlier, on the pre-break periods only (None when too few remain)."""
    t0 = block.t0 - shift
    if t0 < 2 or shift < 1:
        return None, None
    pre = BlockPanel(block.Y[:, : block.t0], block.n0, t0, block.units, block.times[: block.t0])
    return _fit(spec, pre, estimator, se, reps, seed), block.times[t0]


def _label(estimator: str, se: str, since: str, lang: str) -> str:
    name = ESTIMATOR_NAMES[estimator][lang]
    if lang == "en":
        return f"Average difference between the exposed units and their synthetic comparison since {since} ({name}, {se} standard errors)"
    return (f"Diferencia promedio entre las unidades expuestas y su comparación sintética desde {since} ({name}, "
            f"errores estándar {se})")


def _texts(spec: EvaluationSpec) -> dict:
    d = spec.data
    return d.exposure or {"en": f"units where {d.treated}", "es": f"unidades donde {d.treated}"}


def run_synthetic(spec: EvaluationSpec, frame: pd.DataFrame) -> EvaluationOutput:
    outcome, units = spec.outcome_texts()
    o = spec.estimators.options("synthetic")
    break_date = pd.Timestamp(o.break_date)
    panel = build_panel(spec, frame, break_date, o.transform)
    block = panel.block
    fits = {est: _fit(spec, block, est, o.se, o.reps, o.seed) for est in ORDER}
    head = fits[o.estimator]
    since = {lang: formats.month(break_date, lang) if panel.frequency == "month" else str(break_date.year)
             for lang in ("en", "es")}
    long = panel.long
    result = _skeleton(spec, UNITS, long["period"].min(), long["period"].max(),
                       long["unit"].nunique(), len(long))
    head_att = _att(head)
    result["headline"] = {k: v for k, v in _est(head_att, "synthetic_att", {lang: _label(o.estimator, head.se_method or o.se, since[lang], lang)
                                                                          for lang in ("en", "es")}, units, o.estimator).items() if k != "id"}
    estimates = [_est(head_att, "synthetic_att", result["headline"]["label"], units, o.estimator)]
    alternatives = {}
    for est in ORDER:
        if est == o.estimator:
            continue
        alternatives[est] = _att(fits[est])
        estimates.append(dict(_est(alternatives[est], f"synthetic_{est}", {
            "en": f"Sensitivity: {ESTIMATOR_NAMES[est]['en']} ({fits[est].se_method} standard errors)",
            "es": f"Sensibilidad: {ESTIMATOR_NAMES[est]['es']} (errores estándar {fits[est].se_method})"}, units, est),
            kind="sensitivity"))
    if o.se == "placebo" and block.n1 >= 2:
        boot = _fit(spec, block, o.estimator, "bootstrap", o.reps, o.seed)
        estimates.append(dict(_est(_att(boot), f"synthetic_{o.estimator}_bootstrap", {
            "en": f"Sensitivity: {ESTIMATOR_NAMES[o.estimator]['en']} with bootstrap standard errors",
            "es": f"Sensibilidad: {ESTIMATOR_NAMES[o.estimator]['es']} con errores estándar bootstrap"}, units,
            f"{o.estimator}_bootstrap"),
            kind="sensitivity"))
    result["estimates"] = estimates
    dims = head.dimensions()
    rmse = pre_fit_rmse(head)
    result["diagnostics"]["weights"] = {
        **{k: _clean_num(v) if isinstance(v, float) else v for k, v in dims.items()},
        "label": {"en": f"{dims['n_treated']} exposed and {dims['n_control']} control units (effective number of controls "
                        f"1/Σω² = {formats.number(dims['n_control_effective'], 'en', 1)}); {dims['t_pre']} periods before "
                        f"the break and {dims['t_post']} from it",
                  "es": f"{dims['n_treated']} unidades expuestas y {dims['n_control']} de control (número efectivo de controles "
                        f"1/Σω² = {formats.number(dims['n_control_effective'], 'es', 1)}); {dims['t_pre']} periodos antes "
                        f"del corte y {dims['t_post']} desde el corte"}}
    result["diagnostics"]["pre_fit"] = {
        "rmse": _clean_num(rmse),
        "label": {"en": f"Pre-break fit: root mean squared gap {formats.number(rmse, 'en', 3)} {units['en']} "
                        f"(estimate {formats.number(head.estimate, 'en', 3)})",
                  "es": f"Ajuste previo al corte: raíz del error cuadrático medio {formats.number(rmse, 'es', 3)} "
                        f"{units['es']} (estimación {formats.number(head.estimate, 'es', 3)})"}}
    placebo_fit, placebo_at = _placebo(spec, block, o.estimator, o.se, o.reps, o.seed, o.placebo_shift)
    placebo = None
    placebo_label = {"en": f"the same estimator at a fake break {o.placebo_shift} periods earlier",
                     "es": f"el mismo estimador en un corte ficticio {o.placebo_shift} periodos antes"}
    if placebo_fit is not None:
        placebo = {**{k: _clean_num(v) for k, v in _att(placebo_fit).items()}, "break": placebo_at,
                   "label": {"en": f"Placebo: {placebo_label['en']} ({placebo_at}; pre-break periods only)",
                             "es": f"Placebo: {placebo_label['es']} ({placebo_at}; solo periodos previos)"}}
        result["diagnostics"]["placebo"] = placebo
    if panel.dropped:
        result["diagnostics"]["balance"] = {"dropped": panel.dropped, "label": {
            "en": "Left out for lack of a value in every period: " + ", ".join(u["unit"] for u in panel.dropped),
            "es": "Omitidas por no tener valor en todos los periodos: " + ", ".join(u["unit"] for u in panel.dropped)}}
    result["results"]["synthetic"] = dict(head.to_dict(), transform=o.transform, break_date=o.break_date,
                                          frequency=panel.frequency, dropped_units=panel.dropped,
                                          estimators={est: fits[est].to_dict()["att"] for est in ORDER})
    if o.transform == "none":
        treated_pre = long[long["treated"] & (long["period"] < break_date)]["outcome"]
        result["sample"] = {"baseline_mean": _clean_num(treated_pre.mean())}
    se_text = {lang: SE_NAMES[head.se_method or o.se][lang].format(reps=o.reps, seed=o.seed) for lang in ("en", "es")}
    result["reading"] = synthetic_reading(outcome, _texts(spec), since, head_att, units, o.estimator, alternatives, dims,
                                          rmse, placebo, placebo_label, se_text, o.transform != "none")
    if spec.notes:
        result["reading"] = {lang: f"{result['reading'][lang]} {spec.notes[lang]}" for lang in ("en", "es")}
    tables, figures = _tables(panel, fits, head, result), _figures(spec, head, result, units)
    return EvaluationOutput(result, tables, figures)


def _tables(panel: SyntheticPanel, fits: dict, head: SynthResult, result: dict) -> dict:
    block = panel.block
    weights = pd.DataFrame({"unit": [str(u) for u in head.unit_weights.index]})
    for est in ORDER:
        weights[f"weight_{est}"] = fits[est].unit_weights.to_numpy()
    weights = weights.sort_values(f"weight_{head.estimator}", ascending=False, kind="stable")
    times = pd.DataFrame({"period": list(head.time_weights.index), "weight_sdid": fits["sdid"].time_weights.to_numpy()})
    series = pd.DataFrame({"period": panel.labels, "exposed_mean": block.Y[block.n0:].mean(axis=0),
                           **{f"synthetic_{est}": fits[est].unit_weights.to_numpy() @ block.Y[: block.n0] for est in ORDER}})
    result["tables"] += [
        {"file": "unit_weights.csv", "caption": {"en": "Control units' weights (ω) by estimator, largest first",
                                                 "es": "Pesos de las unidades de control (ω) por estimador, de mayor a menor"}},
        {"file": "time_weights.csv", "caption": {"en": "Pre-break periods' weights (λ) of synthetic DiD",
                                                 "es": "Pesos de los periodos previos al corte (λ) de las DiD sintéticas"}},
        {"file": "series.csv", "caption": {"en": "Exposed units' mean and each estimator's weighted controls, by period",
                                           "es": "Promedio de las unidades expuestas y controles ponderados de cada estimador, por periodo"}},
    ]
    return {"unit_weights.csv": weights, "time_weights.csv": times, "series.csv": series}


def _figures(spec: EvaluationSpec, head: SynthResult, result: dict, units: dict) -> dict:
    name = ESTIMATOR_NAMES[head.estimator]
    source = {lang: fig_text.source_note(spec.data.dated_sources(lang), lang, through=result["data"]["period"]["end"])
              for lang in ("en", "es")}
    h = result["headline"] or {}
    finding = {lang: "" for lang in ("en", "es")}
    if h.get("estimate") is not None:
        ci = {lang: (f", 95% CI {fmt(h['ci_low'], lang)} to {fmt(h['ci_high'], lang)}" if lang == "en" else
                     f", IC 95% {fmt(h['ci_low'], lang)} a {fmt(h['ci_high'], lang)}")
              if h.get("ci_low") is not None and h.get("ci_high") is not None else "" for lang in ("en", "es")}
        finding = {lang: f" ({fmt(h['estimate'], lang)} {units[lang]}{ci[lang]})" for lang in ("en", "es")}
    result["figures"] += [
        {"file": "synthdid.png", "kind": "synthdid", "alt": {
            "en": f"Exposed units' mean and the {name['en']} comparison over time, with the weighted pre-break period and "
                  f"the effect arrow with its 95% bounds: the estimated effect{finding['en']}.",
            "es": f"Promedio de las unidades expuestas y la comparación de {name['es']} en el tiempo, con el periodo previo "
                  f"ponderado y la flecha del efecto con sus límites del 95%: el efecto estimado{finding['es']}."},
         "caption": {"en": spec.title["en"], "es": spec.title["es"]}},
        {"file": "synthdid_units.png", "kind": "synthdid_units", "alt": {
            "en": "Each control unit's own difference-in-differences against the exposed units, sized by its weight; the "
                  f"line is the weighted average of them, the estimate{finding['en']}.",
            "es": "La diferencia en diferencias de cada unidad de control frente a las expuestas, con tamaño según su peso; "
                  f"la línea es su promedio ponderado, la estimación{finding['es']}."},
         "caption": {"en": "Contribution of each control unit (marker area: its weight)",
                     "es": "Contribución de cada unidad de control (área del marcador: su peso)"}},
    ]
    words = {"en": ("exposed (mean)", f"{name['en']} comparison", "Contribution of each control unit"),
             "es": ("expuestas (promedio)", f"comparación de {name['es']}", "Contribución de cada unidad de control")}
    return {
        **fig_text.bilingual("synthdid.png", lambda path, lang: head.plot(
            path, title=textwrap.fill(spec.title[lang], 80), treated_label=words[lang][0], control_label=words[lang][1],
            ylabel=units[lang], source_note=source[lang], lang=lang)),
        **fig_text.bilingual("synthdid_units.png", lambda path, lang: head.plot_units(
            path, title=words[lang][2], ylabel=units[lang], source_note=source[lang], lang=lang)),
    }
