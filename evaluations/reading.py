"""Plain-language readings of results, in English and Spanish, written from the numbers by template.

Rules the templates follow: an estimate whose confidence interval covers zero is reported as
"no detectable change" (never as an increase or a decrease); a failed placebo or pre-trend
check is said in the same paragraph; descriptive comparisons always carry their caveat.
"""
from __future__ import annotations

import math

from . import formats


def fmt(x: float | None, lang: str = "en", digits: int | None = None) -> str:
    """A number for prose, written by evaluations/formats.py as the site writes it; without `digits`, as many
    decimals as its size warrants (0 from 100, 1 from 10, 2 from 1, else 3). Missing: "n/a" / "n/d"."""
    if digits is None and x is not None and math.isfinite(x):
        a = abs(x)
        digits = 0 if a >= 100 else 1 if a >= 10 else 2 if a >= 1 else 3
    return formats.number(x, lang, digits or 0, missing="n/a" if lang == "en" else "n/d")


def covers_zero(est: dict) -> bool:
    return est["ci_low"] <= 0 <= est["ci_high"]


def direction(est: dict, lang: str) -> str:
    """'no detectable change' when the CI covers zero, else 'an increase' / 'a decrease'."""
    if covers_zero(est):
        return "no detectable change" if lang == "en" else "ningún cambio detectable"
    if est["estimate"] > 0:
        return "an increase" if lang == "en" else "un aumento"
    return "a decrease" if lang == "en" else "una disminución"


def _ci(est: dict, lang: str, units: dict) -> str:
    u = units[lang]
    if lang == "en":
        return f"{fmt(est['estimate'], 'en')} {u} (95% CI {fmt(est['ci_low'], 'en')} to {fmt(est['ci_high'], 'en')})"
    return f"{fmt(est['estimate'], 'es')} {u} (IC 95%: {fmt(est['ci_low'], 'es')} a {fmt(est['ci_high'], 'es')})"


def effect_sentence(what: dict, est: dict, units: dict) -> dict:
    """'<What>: an increase of X units (95% CI a to b).' / 'no detectable change (estimate X, CI ...)'."""
    out = {}
    for lang in ("en", "es"):
        d = direction(est, lang)
        if covers_zero(est):
            body = (f"{d} (estimate {_ci(est, lang, units)})" if lang == "en"
                    else f"{d} (estimación {_ci(est, lang, units)})")
        else:
            body = f"{d}, {_ci(est, lang, units)}"
        out[lang] = f"{what[lang]}: {body}."
    return out


def placebo_sentence(placebo: dict | None, label: dict) -> dict:
    if placebo is None:
        return {"en": "", "es": ""}
    if covers_zero(placebo):
        return {"en": f"The placebo check ({label['en']}) shows no detectable change, as it should.",
                "es": f"La prueba placebo ({label['es']}) no muestra ningún cambio detectable, como debe ser."}
    return {"en": f"Caution: the placebo check ({label['en']}) also shows a change "
                  f"({fmt(placebo['estimate'], 'en')}), so the design may be picking up something other than the Framework.",
            "es": f"Precaución: la prueba placebo ({label['es']}) también muestra un cambio "
                  f"({fmt(placebo['estimate'], 'es')}), por lo que el diseño podría estar captando algo distinto del Entendimiento."}


def pretrend_sentence(pretrend: dict | None) -> dict:
    if pretrend and pretrend.get("p_value") is None and pretrend.get("pre_event_times"):
        k, n = pretrend["pre_event_times_band_excludes_zero"], pretrend["pre_event_times"]
        if k == 0:
            return {"en": f"None of the {n} pre-treatment event-time effects differs from zero, as parallel trends require "
                          f"(the joint test is not available with this few clusters).",
                    "es": f"Ninguno de los {n} efectos previos al tratamiento difiere de cero, como exigen las tendencias "
                          f"paralelas (la prueba conjunta no está disponible con tan pocos conglomerados)."}
        return {"en": f"Caution: {k} of the {n} pre-treatment event-time effects differ from zero, which weakens the causal reading.",
                "es": f"Precaución: {k} de los {n} efectos previos al tratamiento difieren de cero, lo que debilita la lectura causal."}
    if not pretrend or pretrend.get("p_value") is None:
        return {"en": "", "es": ""}
    p = pretrend["p_value"]
    if p >= 0.05:
        return {"en": f"Before treatment, treated and comparison units moved alike (pre-trend test {formats.p_value(p, 'en', 'p')}).",
                "es": f"Antes del tratamiento, las unidades tratadas y de comparación evolucionaron de forma parecida "
                      f"(prueba de tendencias previas {formats.p_value(p, 'es', 'p')})."}
    return {"en": f"Caution: treated and comparison units already diverged before treatment (pre-trend test "
                  f"{formats.p_value(p, 'en', 'p')}), which weakens the causal reading.",
            "es": f"Precaución: las unidades tratadas y de comparación ya divergían antes del tratamiento (prueba de "
                  f"tendencias previas {formats.p_value(p, 'es', 'p')}), lo que debilita la lectura causal."}


def join(*parts: dict) -> dict:
    return {lang: " ".join(p[lang] for p in parts if p.get(lang)).strip() for lang in ("en", "es")}


def its_reading(outcome: dict, break_label: dict, level: dict, slope: dict, units: dict,
                placebo: dict | None = None, n_post: int | None = None) -> dict:
    """Reading of an interrupted time series: level change, slope change (per year), placebo."""
    lead = {"en": f"Interrupted time series of {outcome['en']} at {break_label['en']}.",
            "es": f"Serie de tiempo interrumpida de {outcome['es']} en {break_label['es']}."}
    per_year = {k: slope[k] * 12 for k in ("estimate", "ci_low", "ci_high")}
    slope_units = {"en": f"{units['en']} per year", "es": f"{units['es']} por año"}
    level_s = effect_sentence({"en": "Change in level", "es": "Cambio de nivel"}, level, units)
    slope_s = effect_sentence({"en": "Change in trend", "es": "Cambio de tendencia"}, per_year, slope_units)
    short = {"en": "", "es": ""}
    if n_post is not None and n_post < 12:
        short = {"en": f"Only {n_post} months after the break are observed, so the estimates are fragile.",
                 "es": f"Solo se observan {n_post} meses después del corte, por lo que las estimaciones son frágiles."}
    plac = placebo_sentence(placebo, {"en": "fake break 12 months earlier", "es": "corte ficticio 12 meses antes"})
    tail = {"en": "A change at the break date is compatible with the Framework but also with anything else that changed then.",
            "es": "Un cambio en la fecha de corte es compatible con el Entendimiento, pero también con cualquier otra cosa que cambiara entonces."}
    return join(lead, level_s, slope_s, short, plac, tail)


def did_reading(outcome: dict, treatment: dict, headline: dict, units: dict, estimator: dict,
                pretrend: dict | None = None, placebo: dict | None = None, twfe: dict | None = None,
                placebo_label: dict | None = None, bacon_late_weight: float | None = None,
                literature: dict | None = None) -> dict:
    lead = {"en": f"Effect of {treatment['en']} on {outcome['en']} ({estimator['en']}).",
            "es": f"Efecto de {treatment['es']} sobre {outcome['es']} ({estimator['es']})."}
    main = effect_sentence({"en": "Average effect after treatment", "es": "Efecto promedio después del tratamiento"},
                           headline, units)
    extra = {"en": "", "es": ""}
    if twfe is not None:
        extra = {"en": f"The two-way fixed-effects regression gives {fmt(twfe['estimate'], 'en')}.",
                 "es": f"La regresión de efectos fijos de dos vías da {fmt(twfe['estimate'], 'es')}."}
        if bacon_late_weight is not None:
            extra = join(extra, {
                "en": f"In the Goodman-Bacon decomposition, {formats.percent(bacon_late_weight, 'en', 1)} of its weight comes from "
                      f"comparisons that use already-treated units as controls, which can bias it when effects change over time.",
                "es": f"En la descomposición de Goodman-Bacon, el {formats.percent(bacon_late_weight, 'es', 1)} de su peso viene de "
                      f"comparaciones que usan unidades ya tratadas como control, lo que puede sesgarla si los efectos cambian con el tiempo."})
    lit = {"en": "", "es": ""}
    if literature:
        expected = literature["sign"]
        if covers_zero(headline):
            verdict = {"en": f"the headline interval covers zero, so it neither confirms nor contradicts that {expected} sign.",
                       "es": f"el intervalo principal incluye el cero, así que ni confirma ni contradice ese signo "
                             f"{'positivo' if expected == 'positive' else 'negativo'}."}
        elif (headline["estimate"] > 0) == (expected == "positive"):
            verdict = {"en": "the headline agrees in sign.", "es": "el resultado principal coincide en el signo."}
        else:
            verdict = {"en": "the headline has the opposite sign.", "es": "el resultado principal tiene el signo opuesto."}
        lit = {lang: f"{literature[lang]} {verdict[lang]}" for lang in ("en", "es")}
    plac = placebo_sentence(placebo, placebo_label or {"en": "treatment dated earlier", "es": "tratamiento adelantado"})
    return join(lead, main, extra, pretrend_sentence(pretrend), plac, lit)


def dose_reading(outcome: dict, dose: dict, est: dict, units: dict, note: dict | None = None) -> dict:
    lead = {"en": f"Dose–response of {outcome['en']} to {dose['en']} (state and month fixed effects).",
            "es": f"Dosis–respuesta de {outcome['es']} a {dose['es']} (efectos fijos de estado y mes)."}
    main = effect_sentence({"en": "Association", "es": "Asociación"}, est, units)
    tail = {"en": "Deployments followed violence, so this is an association, not an effect.",
            "es": "Los despliegues siguieron a la violencia, así que es una asociación, no un efecto."}
    return join(lead, main, note or {}, tail)


def trend_reading(indicator: dict, comparison: dict, units: dict, caveat: dict, note: dict | None = None) -> dict:
    """Reading of a baseline-vs-post comparison, stating the windows actually used; a window too short for the
    publication rules (comparison["sufficient"] false) gives the means with their months and no change."""
    b, p = comparison.get("baseline"), comparison.get("post")
    cap = {lang: indicator[lang][:1].upper() + indicator[lang][1:] for lang in ("en", "es")}
    if b is None or p is None:
        window = p or b
        if window is None:
            return {"en": f"No data for {indicator['en']}.", "es": f"Sin datos de {indicator['es']}."}
        first = window["first_month_with_data"]
        out = {"en": f"{cap['en']}: average {fmt(window['mean'], 'en')} {units['en']} a month from "
                     f"{formats.month(first, 'en')} to {formats.month(window['end'], 'en')} ({window['months']} months). The data "
                     f"start after October 2021, so there is no baseline and no before/after comparison is possible.",
               "es": f"{cap['es']}: promedio de {fmt(window['mean'], 'es')} {units['es']} al mes de "
                     f"{formats.month(first, 'es')} a {formats.month(window['end'], 'es')} ({window['months']} meses). Los datos "
                     f"empiezan después de octubre de 2021, así que no hay línea base ni es posible comparar antes y después."}
        return join(out, note or {}, caveat)
    means = {"en": f"{cap['en']}: {fmt(b['mean'], 'en')} {units['en']} a month on average over the {b['months']} month"
                   f"{'s' if b['months'] != 1 else ''} with data before October 2021 ({formats.month(b['start'], 'en')} to "
                   f"{formats.month(b['end'], 'en')}) and {fmt(p['mean'], 'en')} over the {p['months']} months since "
                   f"(through {formats.month(p['end'], 'en')})",
             "es": f"{cap['es']}: {fmt(b['mean'], 'es')} {units['es']} al mes en promedio en {'el' if b['months'] == 1 else 'los'} "
                   f"{b['months']} {'mes' if b['months'] == 1 else 'meses'} con datos antes de octubre de 2021 "
                   f"({formats.month(b['start'], 'es')} a {formats.month(b['end'], 'es')}) y {fmt(p['mean'], 'es')} en los "
                   f"{p['months']} meses posteriores (hasta {formats.month(p['end'], 'es')})"}
    if comparison.get("sufficient") is False:
        return join({lang: f"{means[lang]}. {comparison['insufficient'][lang]}" for lang in ("en", "es")}, note or {}, caveat)
    pct = comparison.get("percent_change")
    est = comparison.get("change_estimate")
    detect = {"en": "", "es": ""}
    if est is not None and covers_zero(est):
        detect = {"en": "Given month-to-month variation, the difference is not distinguishable from zero.",
                  "es": "Dada la variación mensual, la diferencia no se distingue de cero."}
    pct_text = {lang: (f" ({formats.percent(pct, lang, 1, per_hundred=True, signed=True)})" if pct is not None else "")
                for lang in ("en", "es")}
    out = {"en": f"{means['en']}, a change of {fmt(comparison['change'], 'en')}{pct_text['en']}.",
           "es": f"{means['es']}, un cambio de {fmt(comparison['change'], 'es')}{pct_text['es']}."}
    return join(out, detect, note or {}, caveat)


ESTIMATOR_NAMES = {"sdid": {"en": "synthetic difference-in-differences", "es": "diferencias en diferencias sintéticas"},
                   "sc": {"en": "synthetic control", "es": "control sintético"},
                   "did": {"en": "difference-in-differences with equal weights",
                           "es": "diferencias en diferencias con pesos iguales"}}


def synthetic_reading(outcome: dict, exposure: dict, start: dict, head: dict, units: dict, estimator: str,
                      alternatives: dict[str, dict], dims: dict, pre_rmse: float | None, placebo: dict | None,
                      placebo_label: dict, se_text: dict, log_scale: bool) -> dict:
    """Reading of a synthetic comparison: the headline with its interval, the other two estimators beside it,
    the pre-break fit, the placebo break, and what the design cannot show."""
    name = ESTIMATOR_NAMES[estimator]
    n1, n0, eff = dims["n_treated"], dims["n_control"], dims["n_control_effective"]
    lead = {"en": f"{name['en'][:1].upper() + name['en'][1:]} of {outcome['en']}: {exposure['en']}, {n1} exposed "
                  f"unit{'s' if n1 != 1 else ''}, against a weighted combination of {n0} unexposed units (effective number "
                  f"of controls {fmt(eff, 'en', 1)}), from {start['en']}; {se_text['en']}.",
            "es": f"{name['es'][:1].upper() + name['es'][1:]} de {outcome['es']}: {exposure['es']}, {n1} "
                  f"unidad{'es' if n1 != 1 else ''} expuesta{'s' if n1 != 1 else ''}, frente a una combinación ponderada de "
                  f"{n0} unidades no expuestas (número efectivo de controles {fmt(eff, 'es', 1)}), desde {start['es']}; "
                  f"{se_text['es']}."}
    main = effect_sentence({"en": "Average difference after the break", "es": "Diferencia promedio después del corte"},
                           head, units)
    pct = {"en": "", "es": ""}
    if log_scale and head.get("estimate") is not None:
        change = math.expm1(head["estimate"])
        pct = {"en": f"On the log scale this is a change of about {formats.percent(change, 'en', 0, signed=True)} "
                     f"relative to the synthetic comparison.",
               "es": f"En escala logarítmica equivale a un cambio de alrededor de {formats.percent(change, 'es', 0, signed=True)} "
                     f"respecto a la comparación sintética."}
    beside = {lang: ("Beside it: " if lang == "en" else "Junto a ella: ") + "; ".join(
        f"{ESTIMATOR_NAMES[k][lang]} {fmt(v['estimate'], lang)} ("
        + ("95% CI " if lang == "en" else "IC 95%: ") + f"{fmt(v['ci_low'], lang)} "
        + ("to" if lang == "en" else "a") + f" {fmt(v['ci_high'], lang)})" for k, v in alternatives.items()) + "."
        for lang in ("en", "es")} if alternatives else {"en": "", "es": ""}
    fit = {"en": "", "es": ""}
    if pre_rmse is not None:
        fit = {"en": f"Before the break the comparison tracked the exposed units with a root mean squared gap of "
                     f"{fmt(pre_rmse, 'en')} {units['en']}.",
               "es": f"Antes del corte la comparación siguió a las unidades expuestas con una raíz del error cuadrático "
                     f"medio de {fmt(pre_rmse, 'es')} {units['es']}."}
    tail = {"en": "What this cannot show: the exposure was not randomised nor assigned by the Framework (the platform "
                  "grouped the units), there are few exposed units, and anything else that hit them at the break "
                  "(other policies, drug-supply shifts, reporting changes) looks the same as an effect.",
            "es": "Lo que esto no puede mostrar: la exposición no fue aleatoria ni asignada por el Entendimiento (la "
                  "plataforma agrupó las unidades), hay pocas unidades expuestas, y cualquier otra cosa que las afectara "
                  "en el corte (otras políticas, cambios en la oferta de drogas, cambios de registro) se ve igual que un "
                  "efecto."}
    return join(lead, main, pct, beside, fit, placebo_sentence(placebo, placebo_label), tail)
