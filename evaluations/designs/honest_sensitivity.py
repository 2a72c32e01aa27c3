"""HonestDiD sensitivity (Rambachan & Roth 2023) of a staggered design's event study, reported beside it.

The Callaway–Sant'Anna event study is refitted with a universal base period (every coefficient against the
month before treatment, as HonestDiD requires; the headline keeps R `did`'s varying base) and restricted to a
short window of event times: the relative-magnitudes test enumerates the vertices of a polytope whose size
grows with the number of coefficients, so a window of 6 + 6 months takes about two seconds and 12 + 12 several
minutes. The target is the average effect over the window's post-treatment months, which is NOT the headline
(an average over every post-treatment month); the label says so.
"""
from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from .. import figures as fig_text
from .. import formats
from ..did.cs import att_gt
from ..did.event_vcov import cs_event_vcov
from ..honest import honest_sensitivity
from ..honest.api import HonestInputError
from ..options import RobustnessOptions
from ..spec_model import EvaluationSpec


def add_honest(spec: EvaluationSpec, result: dict, tables: dict, figures: dict, balanced: pd.DataFrame,
               control: str, cluster: str | None) -> None:
    """Add the sensitivity (diagnostic, table, figure) to a staggered result whose spec lists
    `estimators.robustness`; nothing otherwise."""
    options = spec.estimators.robustness
    if options is None:
        return
    assert spec.data.outcome is not None and spec.data.unit is not None
    sources = {lang: fig_text.source_note(spec.data.dated_sources(lang), lang, through=spec.data.end) for lang in ("en", "es")}
    honest, honest_tables, honest_figures = honest_block(balanced, spec.data.outcome, spec.data.unit, control,
                                                         cluster, options, sources)
    if not honest:
        return
    result["diagnostics"].update(honest)
    tables.update(honest_tables)
    figures.update(honest_figures)
    result["tables"].append({"file": "honest_sensitivity.csv", "caption": {
        "en": "HonestDiD sensitivity: robust 95% intervals by M̄",
        "es": "Sensibilidad HonestDiD: intervalos robustos del 95% por M̄"}})
    result["figures"].append({"file": "honest_sensitivity.png", "kind": "sensitivity",
                              "alt": _alt(honest["honest_sensitivity"]),
        "caption": {"en": f"{spec.title['en']}: sensitivity to violations of parallel trends (HonestDiD)",
                    "es": f"{spec.title['es']}: sensibilidad a violaciones de tendencias paralelas (HonestDiD)"}})


def honest_block(balanced: pd.DataFrame, outcome: str, unit: str, control: str, cluster: str | None,
                 options: RobustnessOptions, sources: dict | None = None
                 ) -> tuple[dict, dict[str, pd.DataFrame], dict[str, Callable]]:
    """(diagnostics entry, tables, figures) of the relative-magnitudes sensitivity; empty when it cannot be run.
    `sources`: the figure's source line in each language."""
    pre, post = options.honest_window
    if pre < 3 or post < 1:
        return {}, {}, {}
    cs = att_gt(balanced, outcome, unit, "_t", "_g", control=control, cluster=cluster, base_period="universal")
    ev = cs_event_vcov(cs, min_e=-pre, max_e=post - 1)
    num_pre, num_post = int((ev.event_times < ev.reference).sum()), int((ev.event_times > ev.reference).sum())
    try:
        res = honest_sensitivity(ev.betahat, ev.sigma, num_pre, num_post, method="relative-magnitudes",
                                 grid=options.honest_mbar, target="average-post")
    except HonestInputError:     # too few pre-treatment months with data in the window
        return {}, {}, {}
    entry = {**res.to_dict(), "window_months": [pre, post], "label": _label(res, pre, post)}
    table = res.to_frame()
    titles = {"en": f"Average effect in months 0–{post - 1}: robust 95% intervals by M̄ (HonestDiD)",
              "es": f"Efecto promedio en los meses 0–{post - 1}: intervalos robustos del 95% por M̄ (HonestDiD)"}
    figure = fig_text.bilingual("honest_sensitivity.png", lambda path, lang: res.plot(
        path, title=titles[lang], lang=lang, source_note=(sources or {}).get(lang, "")))
    return {"honest_sensitivity": entry}, {"honest_sensitivity.csv": table}, figure


def _interval(res, value: float, lang: str) -> str | None:
    open_ended = list(res.open_ended) or [False] * len(res.grid)
    for m, lb, ub, edge in zip(res.grid, res.lb, res.ub, open_ended):
        if abs(m - value) < 1e-12:
            text = f"{formats.number(lb, lang, 3)} {'to' if lang == 'en' else 'a'} {formats.number(ub, lang, 3)}"
            if edge:
                text += (" or wider (it reaches the edge of the search grid)" if lang == "en"
                         else " o más amplio (llega al borde de la malla de búsqueda)")
            return text
    return None


def _alt(entry: dict) -> dict:
    """What the sensitivity chart shows, in words: the original interval and when the robust one reaches zero
    (from the diagnostic entry, as published)."""
    lo, hi = entry["original"]["lb"], entry["original"]["ub"]
    post = entry["window_months"][1]
    state = _state(entry["original_significant"], entry["breakdown"])
    return {
        "en": f"Robust 95% intervals for the average effect in months 0–{post - 1} after treatment as the allowed violation "
              f"of parallel trends (M̄) grows, beside the original interval ({formats.number(lo, 'en', 3)} to "
              f"{formats.number(hi, 'en', 3)}): {state['en']}.",
        "es": f"Intervalos robustos del 95% del efecto promedio en los meses 0–{post - 1} después del tratamiento conforme "
              f"crece la violación permitida de tendencias paralelas (M̄), junto al intervalo original "
              f"({formats.number(lo, 'es', 3)} a {formats.number(hi, 'es', 3)}): {state['es']}.",
    }


def _state(significant: bool, breakdown: float | None) -> dict:
    """Whether and where the robust interval reaches zero, in both languages."""
    if not significant:
        return {"en": "the 95% interval already includes zero under exact parallel trends, so no violation is "
                      "needed to make the effect indistinguishable from zero",
                "es": "el intervalo del 95% ya incluye el cero con tendencias exactamente paralelas, así que no hace "
                      "falta ninguna violación para que el efecto no se distinga de cero"}
    if breakdown is None:
        return {"en": "the interval excludes zero at every value of M̄ tried",
                "es": "el intervalo excluye el cero en todos los valores de M̄ probados"}
    return {"en": f"the interval includes zero once M̄ reaches {formats.number(breakdown, 'en', 2)} (the breakdown "
                  f"value, known to the grid's spacing)",
            "es": f"el intervalo incluye el cero cuando M̄ llega a {formats.number(breakdown, 'es', 2)} (el valor de "
                  f"quiebre, conocido con la resolución de la malla)"}


def _label(res, pre: int, post: int) -> dict:
    """What the sensitivity says, what it assumes and what it does not cover, in both languages."""
    lo, hi = res.original
    at_one = {lang: _interval(res, 1.0, lang) for lang in ("en", "es")}
    state = _state(res.significant, res.breakdown)
    one = {"en": f"; with M̄ = 1 the robust 95% interval is {at_one['en']}" if at_one["en"] else "",
           "es": f"; con M̄ = 1 el intervalo robusto del 95% es {at_one['es']}" if at_one["es"] else ""}
    return {
        "en": f"Sensitivity to violations of parallel trends (HonestDiD relative magnitudes, Rambachan & Roth 2023) "
              f"for the average effect in months 0–{post - 1} after treatment, from a Callaway–Sant'Anna event study "
              f"with {pre} pre-treatment months against the month before treatment: estimate "
              f"{formats.number(res.estimate, 'en', 3)} (95% CI {formats.number(lo, 'en', 3)} to "
              f"{formats.number(hi, 'en', 3)}); {state['en']}{one['en']}. M̄ bounds each post-treatment departure "
              f"from parallel trends by M̄ times the largest month-to-month departure before treatment; the data "
              f"cannot say which M̄ holds. This covers only the first {post} months, not the headline's whole period",
        "es": f"Sensibilidad a violaciones de tendencias paralelas (magnitudes relativas de HonestDiD, Rambachan y Roth "
              f"2023) para el efecto promedio en los meses 0–{post - 1} después del tratamiento, a partir de un estudio "
              f"de eventos de Callaway–Sant'Anna con {pre} meses previos contra el mes anterior al tratamiento: "
              f"estimación {formats.number(res.estimate, 'es', 3)} (IC 95% {formats.number(lo, 'es', 3)} a "
              f"{formats.number(hi, 'es', 3)}); {state['es']}{one['es']}. M̄ acota cada desviación posterior de las "
              f"tendencias paralelas a M̄ veces la mayor desviación mes a mes antes del tratamiento; los datos no "
              f"dicen qué M̄ se cumple. Esto cubre solo los primeros {post} meses, no todo el periodo del "
              f"resultado principal",
    }
