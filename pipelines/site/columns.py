"""The columns of the result tables the site shows, defined once: their headings in both languages and how their
cells are written (evaluations/formats.py). A column is looked up by CSV file name first (a name that means
something else in that file), then by its name; a column nobody described gets its name made readable, never
a code name.

Kinds of cells:
- "estimate": 3 significant digits (formats.significant); "count": whole number; "p": p-value;
- "percent": a value already in percent, one decimal; "month_index": year × 12 + month − 1 (the month index of the
  DiD panels, evaluations/designs/common.py) written as a month, "∞" as "never treated";
- "period": an ISO date written as a month, a year as it is; "year": a year (no thousands separator);
- "bool": Yes / No; "state": INEGI state code written as the state's name; "text": as it is (known values
  translated, VALUES);
- "auto": whole numbers as counts, other numbers as estimates, anything else as text.
"""
from __future__ import annotations

import datetime as dt
import math
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator

from evaluations import formats

from .markdown import md_text


def _c(en: str, es: str, kind: str = "auto") -> dict[str, str]:
    return {"en": en, "es": es, "kind": kind}


_INTERVAL = {"estimate": _c("Estimate", "Estimación", "estimate"),
             "std_error": _c("Standard error", "Error estándar", "estimate"),
             "ci_low": _c("95% CI, low", "IC 95%, inferior", "estimate"),
             "ci_high": _c("95% CI, high", "IC 95%, superior", "estimate"),
             "p_value": _c("p", "p", "p")}

COLUMNS: dict[str, dict[str, str]] = {
    **_INTERVAL,
    # series
    "period": _c("Period", "Periodo", "period"),
    "month": _c("Month", "Mes", "period"),
    "value": _c("Value", "Valor"),
    "year": _c("Year", "Año", "year"),
    "total": _c("Total", "Total"),
    "observed": _c("Observed", "Observado", "estimate"),
    "fitted": _c("Fitted by the model", "Ajustado por el modelo", "estimate"),
    "counterfactual": _c("Without a change at the break", "Sin cambio en el corte", "estimate"),
    "treated": _c("Exposed group", "Grupo expuesto", "estimate"),
    "comparison": _c("Comparison group", "Grupo de comparación", "estimate"),
    "exposed_mean": _c("Mean of the exposed units", "Promedio de las unidades expuestas", "estimate"),
    "synthetic_sdid": _c("Synthetic comparison (synthetic DiD)", "Comparación sintética (DiD sintética)", "estimate"),
    "synthetic_sc": _c("Synthetic control", "Control sintético", "estimate"),
    "synthetic_did": _c("Comparison with equal weights (DiD)", "Comparación con pesos iguales (DiD)", "estimate"),
    # weights of synthetic designs
    "unit": _c("Unit", "Unidad", "text"),
    "weight": _c("Weight", "Peso", "estimate"),
    "weight_sdid": _c("Weight, synthetic DiD", "Peso, DiD sintética", "estimate"),
    "weight_sc": _c("Weight, synthetic control", "Peso, control sintético", "estimate"),
    "weight_did": _c("Weight, DiD", "Peso, DiD", "estimate"),
    # the same model or comparison per state
    "cve_ent": _c("State", "Estado", "state"),
    "n_obs": _c("Observations", "Observaciones", "count"),
    "hac_lags": _c("Newey–West lags", "Rezagos de Newey–West", "count"),
    "note": _c("Note", "Nota", "text"),
    "baseline_months": _c("Baseline months", "Meses de línea base", "count"),
    "baseline_mean": _c("Baseline mean", "Promedio de la línea base", "estimate"),
    "post_mean": _c("Mean since October 2021", "Promedio desde octubre de 2021", "estimate"),
    "change": _c("Change", "Cambio", "estimate"),
    "percent_change": _c("Change (%)", "Cambio (%)", "percent"),
    # difference-in-differences
    "group": _c("Cohort (first month treated)", "Cohorte (primer mes tratado)", "month_index"),
    "time": _c("Month", "Mes", "month_index"),
    "event_time": _c("Months since treatment", "Meses desde el tratamiento", "count"),
    "base_time": _c("Reference month", "Mes de referencia", "month_index"),
    "post": _c("After treatment", "Después del tratamiento", "bool"),
    "n_treated": _c("Treated units", "Unidades tratadas", "count"),
    "n_control": _c("Comparison units", "Unidades de comparación", "count"),
    "reference": _c("Reference period", "Periodo de referencia", "bool"),
    "type": _c("Comparison", "Comparación", "text"),
    "cohort": _c("Cohort (first month treated)", "Cohorte (primer mes tratado)", "month"),
    "t_post": _c("Months from adoption", "Meses desde la adopción", "count"),
    "t_pre": _c("Months before", "Meses previos", "count"),
    # HonestDiD
    "m": _c("M̄ (allowed violation of parallel trends)", "M̄ (violación permitida de tendencias paralelas)", "estimate"),
    "lb": _c("Robust 95% CI, low", "IC 95% robusto, inferior", "estimate"),
    "ub": _c("Robust 95% CI, high", "IC 95% robusto, superior", "estimate"),
    "method": _c("Method", "Método", "text"),
    "delta": _c("Restriction", "Restricción", "text"),
    "target": _c("Target", "Objetivo", "text"),
    # effects by distance to the border
    "band": _c("Distance to the U.S. border", "Distancia a la frontera con EE. UU.", "text"),
    "treated_units": _c("Treated units in the band", "Unidades tratadas en la banda", "count"),
    "treated_units_used": _c("Treated units used", "Unidades tratadas usadas", "count"),
    "treated_clusters_used": _c("Their clusters (states)", "Sus conglomerados (estados)", "count"),
    "comparison_units": _c("Comparison units", "Unidades de comparación", "count"),
}

# Columns whose name means something else in one file
BY_FILE: dict[str, dict[str, dict[str, str]]] = {
    "bacon.csv": {"treated": _c("Treated cohort", "Cohorte tratada", "month_index"),
                  "control": _c("Comparison cohort", "Cohorte de comparación", "month_index")},
    "sdid_cohorts.csv": {"n_control": _c("Comparison units", "Unidades de comparación", "count")},
}

# "level_estimate" → "Level change" + the heading of "estimate"
PREFIXES = {"level_": ("Level change", "Cambio de nivel"), "slope_": ("Slope change", "Cambio de pendiente"),
            "change_": ("Change", "Cambio")}

# Text values of the result tables that are words, in Spanish
VALUES: dict[str, dict[str, str]] = {
    "earlier vs later treated": {"en": "earlier vs later treated", "es": "tratadas antes vs tratadas después"},
    "later vs earlier treated": {"en": "later vs earlier treated", "es": "tratadas después vs tratadas antes"},
    "treated vs never treated": {"en": "treated vs never treated", "es": "tratadas vs nunca tratadas"},
    "average-post": {"en": "average after treatment", "es": "promedio después del tratamiento"},
    "all": {"en": "all (weighted average)", "es": "todas (promedio ponderado)"},
}

WORDS = {"yes": {"en": "Yes", "es": "Sí"}, "no": {"en": "No", "es": "No"},
         "never": {"en": "never treated", "es": "nunca tratada"}}


def column(file_name: str, name: str) -> dict[str, str]:
    """The description of a column: {en, es, kind}."""
    if name in BY_FILE.get(file_name, {}):
        return BY_FILE[file_name][name]
    if name in COLUMNS:
        return COLUMNS[name]
    for prefix, (en, es) in PREFIXES.items():
        base = COLUMNS.get(name[len(prefix):]) if name.startswith(prefix) else None
        if base is not None:
            if name.endswith("_estimate"):
                return _c(en, es, base["kind"])
            return _c(f"{en}, {base['en'][:1].lower() + base['en'][1:]}", f"{es}, {base['es'][:1].lower() + base['es'][1:]}",
                      base["kind"])
    readable = name.replace("_", " ").strip().capitalize() or name
    return _c(readable, readable)


def column_labels(file_name: str, header: list[str], lang: str) -> list[str]:
    """The table's headings in `lang`."""
    return [column(file_name, h)[lang] for h in header]


def state_names(names: dict[str, tuple[str, str]] | None) -> dict[str, str]:
    """INEGI state code ("01") → state name, from the municipality catalogue {cvegeo: (municipality, state)}."""
    return {code[:2]: state for code, (_, state) in sorted((names or {}).items()) if len(code) >= 2 and state}


# The state names of the page being written (SiteInputs.municipalities), for tables written deep inside a section
_STATES: ContextVar[dict[str, str]] = ContextVar("state_names", default={})


@contextmanager
def using_state_names(names: dict[str, tuple[str, str]] | None) -> Iterator[None]:
    """While a goal page is written, "state" cells are written with these names."""
    token = _STATES.set(state_names(names))
    try:
        yield
    finally:
        _STATES.reset(token)


def _number(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number


def month_of_index(index: float, lang: str) -> str:
    """A month index (year × 12 + month − 1) as "Jan 2007"; infinity (never treated) in words."""
    if math.isinf(index):
        return WORDS["never"][lang]
    year, month = divmod(int(index), 12)
    return formats.month_short(dt.date(year, month + 1, 1), lang)


def cell(kind: str, value: str, lang: str, states: dict[str, str] | None = None, whole: bool = False) -> str:
    """One cell of a result table as safe Markdown ("" stays empty)."""
    if value == "":
        return ""
    number = _number(value)
    if kind == "bool" or value in ("True", "False"):
        truth = value.strip().lower() in ("true", "1", "1.0", "yes")
        return WORDS["yes" if truth else "no"][lang]
    if kind == "state":
        code = value.strip().zfill(2) if value.strip().isdigit() else value.strip()
        return md_text((states if states is not None else _STATES.get()).get(code, value))
    if kind == "month_index" and number is not None:
        return month_of_index(number, lang)
    if kind in ("period", "year", "month"):
        if len(value) >= 7 and value[4] == "-" and value[:4].isdigit():
            return formats.month_short(value if len(value) >= 10 else value + "-01", lang)
        return md_text(VALUES.get(value, {}).get(lang, value))
    if number is None or kind == "text":
        return md_text(VALUES.get(value, {}).get(lang, value))
    if kind == "p":
        return formats.p_value(number, lang)
    if kind == "percent":
        return formats.percent(number, lang, 1, per_hundred=True)
    if kind == "count" or (kind == "auto" and whole):
        return formats.count(number, lang)
    return formats.significant(number, lang)
