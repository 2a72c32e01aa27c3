"""The publication rules: what a result.json must satisfy before any of its numbers is published.

Each rule is named, documented in both languages (the methods page prints these texts) and is a
function of one result dict (docs/RESULT_SCHEMA.md) returning the ways that result breaks it (empty:
passed). `evaluations.publication.finalize` makes the runners' results obey the rules (suppressing what
may not be published, grading the evidence); `evaluations.publication.audit` checks every written
result against the same functions, so a number that slipped past the runners stops the site.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .synthetic import RULE_DESCRIPTION as SYNTHETIC_RULE_DESCRIPTION
from .synthetic import RULE_TITLE as SYNTHETIC_RULE_TITLE
from .synthetic import SYNTHETIC_DESIGNS, placebo_inference
from .vocabulary import (
    DESIGN_GRADES,
    ITS_MIN_POST,
    ITS_MIN_PRE,
    MDE_KINDS,
    MIN_BASELINE_MONTHS,
    MIN_COHORT_CLUSTERS,
    MIN_COHORT_UNITS,
    MIN_POST_MONTHS,
    SCOPES,
)

ITS_DESIGNS = ("its", "comparative_its")
DID_DESIGNS = ("staggered_did", "event_study")


@dataclass(frozen=True)
class Rule:
    id: str
    title: dict
    description: dict
    check: Callable[[dict], list[str]]
    designs: tuple[str, ...] | None = None   # None: every design

    def applies(self, result: dict) -> bool:
        return self.designs is None or result.get("design") in self.designs

    def violations(self, result: dict) -> list[str]:
        return self.check(result) if self.applies(result) else []


def covers_zero(e: dict) -> bool:
    return e.get("ci_low") is not None and e.get("ci_high") is not None and e["ci_low"] <= 0 <= e["ci_high"]


def has_interval(e: dict | None) -> bool:
    return e is not None and e.get("ci_low") is not None and e.get("ci_high") is not None and e.get("estimate") is not None


def _change_published(result: dict) -> bool:
    """Whether the result publishes a before/after change in any form."""
    c = result.get("baseline_comparison") or {}
    return (c.get("change") is not None or c.get("percent_change") is not None
            or any(e.get("id") == "mean_change" for e in result.get("estimates") or []))


# ----------------------------------------------------------------------------------------------
# The checks


def _baseline_months(result: dict) -> list[str]:
    c = result.get("baseline_comparison")
    if not c or not _change_published(result):
        return []
    months = (c.get("baseline") or {}).get("months") or 0
    return [f"a before/after change is published on {months} baseline months (at least {MIN_BASELINE_MONTHS} needed)"] \
        if months < MIN_BASELINE_MONTHS else []


def _post_months(result: dict) -> list[str]:
    c = result.get("baseline_comparison")
    if not c or not _change_published(result):
        return []
    months = (c.get("post") or {}).get("months") or 0
    return [f"a before/after change is published on {months} months since October 2021 (at least {MIN_POST_MONTHS} needed)"] \
        if months < MIN_POST_MONTHS else []


def _baseline_window(result: dict) -> list[str]:
    c = result.get("baseline_comparison") or {}
    b = c.get("baseline")
    if not b:
        return []
    if b.get("first_month_with_data") and b.get("start") != b["first_month_with_data"]:
        return [f"the baseline window is printed from {b.get('start')} but its data start in {b['first_month_with_data']}"]
    return []


def _cohort_size(result: dict) -> list[str]:
    sample = result.get("sample") or {}
    if "excluded_cohorts" not in sample or "cohort_sizes" not in sample:
        return ["sample.cohort_sizes and sample.excluded_cohorts are not reported"]
    out = []
    for c in sample["cohort_sizes"]:
        if c["units"] < MIN_COHORT_UNITS or c["clusters"] < MIN_COHORT_CLUSTERS:
            out.append(f"cohort {c['cohort']} is in the estimate with {c['units']} units in {c['clusters']} clusters "
                       f"(at least {MIN_COHORT_UNITS} units in {MIN_COHORT_CLUSTERS} clusters needed)")
    return out


def _its_length(result: dict) -> list[str]:
    its = (result.get("results") or {}).get("its") or {}
    if result.get("headline") is None:
        return []
    n_pre, n_post = its.get("n_pre", 0), its.get("n_post", 0)
    if n_pre < ITS_MIN_PRE or n_post < ITS_MIN_POST:
        return [f"an interrupted time series is published with {n_pre} months before and {n_post} from the break "
                f"(at least {ITS_MIN_PRE} and {ITS_MIN_POST} needed)"]
    return []


def _rolling_sums(result: dict) -> list[str]:
    if not (result.get("data") or {}).get("rolling_months"):
        return []
    if result.get("headline") is not None or _change_published(result):
        return [f"a model or before/after change is published on {result['data']['rolling_months']}-month rolling sums"]
    return []


def _hac_reported(result: dict) -> list[str]:
    if result.get("headline") is None:
        return []
    its = (result.get("results") or {}).get("its") or {}
    if its.get("hac_rule") is None or its.get("hac_lags") is None:
        return ["the Newey–West lag choice (hac_rule, hac_lags) is not reported"]
    return []


def _its_sensitivity(result: dict) -> list[str]:
    if result.get("headline") is None:
        return []
    if not any(e.get("kind") == "sensitivity" for e in result.get("estimates") or []):
        return ["no sensitivity estimate (another trend or start year) beside the headline"]
    return []


def _no_zero_test(result: dict) -> list[str]:
    return [f"estimate {e.get('id')} publishes a test that a level differs from zero (p = {e['p_value']:.3g})"
            for e in result.get("estimates") or [] if e.get("kind") == "level" and e.get("p_value") is not None]


def _direction(result: dict) -> list[str]:
    ev = result.get("evidence") or {}
    direction = ev.get("direction")
    if direction not in ("increase", "decrease"):
        return []
    source = next((e for e in result.get("estimates") or [] if e.get("id") == ev.get("estimate_id")), None)
    if source is None or not has_interval(source):
        return [f"direction {direction} without an estimate with an interval ({ev.get('estimate_id')!r})"]
    if covers_zero(source):
        return [f"direction {direction} although the 95% interval of {source['id']} covers zero"]
    if (source["estimate"] > 0) != (direction == "increase"):
        return [f"direction {direction} contradicts the sign of {source['id']}"]
    if ev.get("grade") == "insufficient_data":
        return [f"direction {direction} on insufficient data"]
    return []


def _grade(result: dict) -> list[str]:
    ev = result.get("evidence")
    if not ev:
        return ["no evidence grade"]
    allowed = DESIGN_GRADES.get(result.get("design", ""), ())
    return [] if ev.get("grade") in allowed else [f"grade {ev.get('grade')!r} is not one a {result.get('design')} design can earn"]


def _mde(result: dict) -> list[str]:
    return [f"estimate {e.get('id')} covers zero without its minimum detectable effect"
            for e in result.get("estimates") or [] if e.get("kind") in MDE_KINDS and covers_zero(e) and e.get("mde") is None]


def _threats(result: dict) -> list[str]:
    threats = result.get("threats") or []
    if not threats:
        return ["no threats to validity stated"]
    return [f"threat {t.get('id')} lacks en/es text" for t in threats if not (t.get("en") and t.get("es"))]


def _scope(result: dict) -> list[str]:
    return [] if result.get("scope") in SCOPES else [f"scope {result.get('scope')!r} is not one of {', '.join(SCOPES)}"]


def _text(en: str, es: str) -> dict:
    return {"en": en, "es": es}


RULES: list[Rule] = [
    Rule("baseline_min_months",
         _text("Before/after needs a real baseline", "Antes/después requiere una línea base real"),
         _text(f"A change since October 2021 (difference, percentage, direction) is published only when the baseline has "
               f"at least {MIN_BASELINE_MONTHS} months with data; otherwise the result says “insufficient baseline (N months)”.",
               f"Un cambio desde octubre de 2021 (diferencia, porcentaje, dirección) solo se publica si la línea base tiene al "
               f"menos {MIN_BASELINE_MONTHS} meses con datos; si no, el resultado dice “línea base insuficiente (N meses)”."),
         _baseline_months),
    Rule("post_min_months",
         _text("Before/after needs a year of follow-up", "Antes/después requiere un año de seguimiento"),
         _text(f"… and at least {MIN_POST_MONTHS} months with data since October 2021, so a season is not read as a change.",
               f"… y al menos {MIN_POST_MONTHS} meses con datos desde octubre de 2021, para no leer una temporada como un cambio."),
         _post_months),
    Rule("baseline_window_as_used",
         _text("The baseline window printed is the one used", "La ventana de la línea base impresa es la usada"),
         _text("The baseline period shown starts at the first month with data, never at a nominal start with no data.",
               "El periodo base mostrado empieza en el primer mes con datos, nunca en un inicio nominal sin datos."),
         _baseline_window),
    Rule("cohort_min_size",
         _text("No cohort of one", "Ninguna cohorte de una sola unidad"),
         _text(f"Staggered designs exclude cohorts (units first treated in the same month) with fewer than "
               f"{MIN_COHORT_UNITS} units or in fewer than {MIN_COHORT_CLUSTERS} clusters (states), and list what they excluded.",
               f"Los diseños escalonados excluyen las cohortes (unidades tratadas por primera vez en el mismo mes) con menos de "
               f"{MIN_COHORT_UNITS} unidades o en menos de {MIN_COHORT_CLUSTERS} conglomerados (estados), y enumeran lo excluido."),
         _cohort_size, DID_DESIGNS),
    Rule("its_min_observations",
         _text("Enough months around the break", "Suficientes meses alrededor del corte"),
         _text(f"An interrupted time series is published only with at least {ITS_MIN_PRE} months before the break and "
               f"{ITS_MIN_POST} from it on.",
               f"Una serie de tiempo interrumpida solo se publica con al menos {ITS_MIN_PRE} meses antes del corte y "
               f"{ITS_MIN_POST} desde el corte."),
         _its_length, ITS_DESIGNS),
    Rule("no_rolling_sums",
         _text("Rolling sums are never modelled", "Nunca se modelan sumas móviles"),
         _text("A series of 12-month rolling sums (consecutive values share 11 months) gets no model and no before/after "
               "change; it is shown as it is published, with calendar-year totals.",
               "Una serie de sumas móviles de 12 meses (valores consecutivos comparten 11 meses) no se modela ni se compara "
               "antes/después; se muestra como se publica, con totales por año calendario."),
         _rolling_sums),
    Rule("hac_lags_from_data",
         _text("Autocorrelation handled and reported", "Autocorrelación tratada y reportada"),
         _text("Newey–West standard errors of a time series use lags chosen from the residuals (Newey & West 1994 automatic "
               "bandwidth); the lags and the rule are reported.",
               "Los errores estándar de Newey–West de una serie de tiempo usan rezagos elegidos a partir de los residuos "
               "(ancho de banda automático de Newey y West 1994); se reportan los rezagos y la regla."),
         _hac_reported, ITS_DESIGNS),
    Rule("its_sensitivity",
         _text("A second specification beside every ITS", "Una segunda especificación junto a cada serie interrumpida"),
         _text("Every interrupted time series shows at least one sensitivity estimate (a quadratic pre-trend) beside its "
               "headline; a direction is claimed only when both agree.",
               "Toda serie de tiempo interrumpida muestra al menos una estimación de sensibilidad (tendencia previa "
               "cuadrática) junto a la principal; solo se afirma una dirección si ambas coinciden."),
         _its_sensitivity, ITS_DESIGNS),
    Rule("no_zero_test_for_levels",
         _text("No test that a count differs from zero", "Ninguna prueba de que un conteo difiere de cero"),
         _text("A monthly mean of a count is shown with its interval but never with a p-value against zero, which "
               "says nothing about the Framework.",
               "El promedio mensual de un conteo se muestra con su intervalo pero nunca con un valor p contra cero, que no "
               "dice nada sobre el Entendimiento."),
         _no_zero_test),
    Rule("direction_from_interval",
         _text("Arrows only when the interval excludes zero", "Flechas solo si el intervalo excluye el cero"),
         _text("An increase or decrease is claimed only when the 95% interval of the result's own headline excludes zero "
               "(and, for time series, its sensitivity estimate agrees); otherwise “no clear change”.",
               "Un aumento o una disminución solo se afirma si el intervalo del 95% de la estimación principal del propio "
               "resultado excluye el cero (y, en series de tiempo, la de sensibilidad coincide); si no, “sin cambio claro”."),
         _direction),
    Rule("grade_matches_design",
         _text("The evidence grade fits the design", "El grado de evidencia corresponde al diseño"),
         _text("Only difference-in-differences with a comparison group can earn a comparison-group grade; interrupted "
               "time series are single-series models, synthetic DiD and synthetic control are synthetic comparisons whose exposure "
               "the Framework did not assign, dose–response is an association, trends are descriptive.",
               "Solo las diferencias en diferencias con grupo de comparación obtienen un grado de grupo de comparación; las "
               "series interrumpidas son modelos de una serie, las DiD sintéticas y el control sintético son comparaciones "
               "sintéticas cuya exposición no asignó el Entendimiento, la dosis–respuesta es una asociación, las tendencias "
               "son descriptivas."),
         _grade),
    Rule("synthetic_placebo_inference", SYNTHETIC_RULE_TITLE, SYNTHETIC_RULE_DESCRIPTION, placebo_inference,
         SYNTHETIC_DESIGNS),
    Rule("mde_beside_null",
         _text("Power beside every null", "Potencia junto a cada resultado nulo"),
         _text("Every estimate whose interval covers zero carries its minimum detectable effect at 80% power "
               "(2.8 × standard error), also as a share of the baseline mean.",
               "Toda estimación cuyo intervalo incluye el cero lleva su efecto mínimo detectable con 80% de potencia "
               "(2.8 × error estándar), también como proporción del promedio de la línea base."),
         _mde),
    Rule("threats_stated",
         _text("Threats to validity stated", "Amenazas a la validez declaradas"),
         _text("Every result names what it cannot show (selection, concurrent shocks, measurement), in both languages.",
               "Todo resultado nombra lo que no puede mostrar (selección, choques simultáneos, medición), en ambos idiomas."),
         _threats),
    Rule("scope_declared",
         _text("Earlier policies kept apart", "Políticas anteriores por separado"),
         _text("Every result says whether it evaluates the Framework or an earlier policy; earlier-policy evidence is shown "
               "apart on every page and in the scorecard.",
               "Todo resultado dice si evalúa el Entendimiento o una política anterior; la evidencia de políticas anteriores "
               "se muestra aparte en cada página y en el tablero."),
         _scope),
]

RULE_IDS = [r.id for r in RULES]


def check(result: dict) -> tuple[list[str], list[dict]]:
    """(ids of the rules the result passed, [{rule, message}] for each violation)."""
    passed, violations = [], []
    for rule in RULES:
        if not rule.applies(result):
            continue
        found = rule.violations(result)
        if found:
            violations += [{"rule": rule.id, "message": m} for m in found]
        else:
            passed.append(rule.id)
    return passed, violations
