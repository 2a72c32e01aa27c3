"""Languages of the published site: goal names, lines of action, interface text, the words of the evidence.

Numbers and dates are written by evaluations/formats.py (Babel, CLDR en_US and es_MX), the one place
that defines the site's locales; a language here is one of its keys.
"""
from __future__ import annotations

from evaluations import formats
from evaluations import lines_of_action as framework
from evaluations.publication import vocabulary

LANGS: tuple[str, ...] = tuple(formats.LOCALES)
LANG_NAMES = {"en": "English", "es": "Español"}
LOCALE_TAGS = {lang: locale.replace("_", "-") for lang, locale in formats.LOCALES.items()}  # BCP 47, for <html lang>


# ----------------------------------------------------------------------------------------------
# Goals and lines of action

# The one definition (evaluations/framework/): {goal id: {number, page, name: {en, es}}}, in the Framework's order
GOALS: dict[str, dict] = framework.GOALS


def goal_title(goal: str, lang: str) -> str:
    info = GOALS[goal]
    word = "Goal" if lang == "en" else "Objetivo"
    return f"{word} {info['number']}: {info['name'][lang]}"


def lines_of_action() -> list[dict]:
    """[{id, goal, name: {en, es}}], in the Framework's order (evaluations/framework/)."""
    return [dict(line) for line in framework.LINES]


def known_gaps() -> list[dict]:
    """The declared data gaps ([{goal, line_of_action, kind, reason: {en, es}}])."""
    return [dict(gap) for gap in framework.DATA_GAPS]


def line_name(line_id: str, lang: str, known: dict[str, dict]) -> str:
    """Name of a line of action; its id, made readable, for an id the Framework does not have."""
    if line_id in known:
        return known[line_id]["name"][lang]
    return line_id.replace("_", " ").capitalize()


# ----------------------------------------------------------------------------------------------
# Interface text

TEXT: dict[str, dict[str, str]] = {
    "site_title": {"en": "Bicentennial Framework evaluation", "es": "Evaluación del Entendimiento Bicentenario"},
    "footer": {"en": "Mexico–U.S. Bicentennial Framework evaluation platform · open source",
               "es": "Plataforma de evaluación del Entendimiento Bicentenario México–Estados Unidos · código abierto"},
    "language": {"en": "Language", "es": "Idioma"},
    "version": {"en": "Version", "es": "Versión"},
    "all_versions": {"en": "All versions", "es": "Todas las versiones"},
    "latest": {"en": "latest", "es": "más reciente"},
    "skip": {"en": "Skip to content", "es": "Ir al contenido"},
    "filter": {"en": "Filter rows", "es": "Filtrar filas"},
    "line_of_action": {"en": "Line of action", "es": "Línea de acción"},
    "evaluation": {"en": "Evaluation", "es": "Evaluación"},
    "headline": {"en": "Headline estimate (95% CI)", "es": "Estimación principal (IC 95%)"},
    "direction": {"en": "Direction", "es": "Dirección"},
    "assessment": {"en": "Assessment", "es": "Valoración"},
    "evidence": {"en": "Evidence grade", "es": "Grado de evidencia"},
    "q_value": {"en": "q-value", "es": "valor q"},
    "goal": {"en": "Strategic goal", "es": "Objetivo estratégico"},
    "no_data": {"en": "○ no data", "es": "○ sin datos"},
    "none": {"en": "None: not yet evaluated", "es": "Ninguna: aún no evaluado"},
    "not_audited": {"en": "not audited", "es": "sin auditar"},
    "not_audited_note": {
        "en": "These results have not been through the publication audit (publication_audit.json is missing): the "
              "scorecard shows no headline, direction, assessment or evidence grade for them.",
        "es": "Estos resultados no han pasado por la auditoría de publicación (falta publication_audit.json): el tablero "
              "no muestra para ellos estimación principal, dirección, valoración ni grado de evidencia."},
    "evidence_line": {"en": "Evidence", "es": "Evidencia"},
    "threats": {"en": "What this cannot show", "es": "Lo que esto no puede mostrar"},
    "earlier_policy_note": {
        "en": "These studies evaluate policies in place before October 2021: they are context, not results of the Framework.",
        "es": "Estos estudios evalúan políticas anteriores a octubre de 2021: sirven de contexto, no son resultados del "
              "Entendimiento."},
    "context_note": {
        "en": "These comparisons describe how the indicator moved in groups the platform formed (for example, regions "
              "the drug supply reached at different times). The Framework did not assign these groups, so the "
              "difference is not an effect of the Framework and is never shown on the scorecard.",
        "es": "Estas comparaciones describen cómo se movió el indicador en grupos que formó la plataforma (por ejemplo, "
              "regiones a las que la oferta de drogas llegó en momentos distintos). El Entendimiento no asignó estos "
              "grupos, así que la diferencia no es un efecto del Entendimiento y nunca se muestra en el tablero."},
    "mde": {"en": "smallest effect detectable with 80% power", "es": "efecto más pequeño detectable con 80% de potencia"},
    "mde_column": {"en": "Smallest detectable effect (80% power)", "es": "Efecto mínimo detectable (80% de potencia)"},
    "of_baseline": {"en": "of the baseline mean", "es": "del promedio de la línea base"},
    "change": {"en": "Change in the mean", "es": "Cambio en el promedio"},
    "insufficient": {"en": "Insufficient baseline: no change is published.",
                     "es": "Línea base insuficiente: no se publica ningún cambio."},
    "months_with_data": {"en": "Months with data", "es": "Meses con datos"},
    "legend": {"en": "How to read the scorecard", "es": "Cómo leer el tablero"},
    "rules_heading": {"en": "Publication rules and evidence grades", "es": "Reglas de publicación y grados de evidencia"},
    "not_evaluated": {"en": "Not yet evaluated.", "es": "Aún no evaluado."},
    "data_gap": {"en": "Data gap", "es": "Falta de datos"},
    "simulated": {"en": "Simulated data: this result uses simulated inputs and is not evidence about the real world.",
                  "es": "Datos simulados: este resultado usa insumos simulados y no es evidencia sobre el mundo real."},
    "ci": {"en": "95% CI", "es": "IC 95%"},
    "se": {"en": "standard error", "es": "error estándar"},
    "estimate": {"en": "Estimate", "es": "Estimación"},
    "design": {"en": "Design", "es": "Diseño"},
    "sample": {"en": "Data", "es": "Datos"},
    "diagnostics": {"en": "Diagnostics", "es": "Diagnósticos"},
    "quality": {"en": "Data checks", "es": "Verificaciones de datos"},
    "baseline": {"en": "Baseline", "es": "Línea base"},
    "post": {"en": "Since the Framework", "es": "Desde el Entendimiento"},
    "interactive_map": {"en": "Interactive version of the map (hover for municipality and value; works offline)",
                        "es": "Versión interactiva del mapa (pase el cursor para ver municipio y valor; funciona sin conexión)"},
    "table_rows": {"en": "Table", "es": "Tabla"},
}


DESIGNS = {
    "staggered_did": {"en": "staggered difference-in-differences", "es": "diferencias en diferencias escalonadas"},
    "its": {"en": "interrupted time series", "es": "series de tiempo interrumpidas"},
    "comparative_its": {"en": "comparative interrupted time series", "es": "series de tiempo interrumpidas comparativas"},
    "event_study": {"en": "event study", "es": "estudio de eventos"},
    "dose_response": {"en": "dose–response", "es": "dosis–respuesta"},
    "synthetic_did": {"en": "synthetic difference-in-differences and synthetic control",
                      "es": "diferencias en diferencias sintéticas y control sintético"},
    "indicator_trend": {"en": "indicator trend against the pre-Framework baseline",
                        "es": "tendencia del indicador frente a la línea base previa al Entendimiento"},
}


def t(key: str, lang: str) -> str:
    return TEXT[key][lang]


def design_name(design: str, lang: str) -> str:
    return DESIGNS.get(design, {}).get(lang, design.replace("_", " "))


# ----------------------------------------------------------------------------------------------
# Words of the publication rules (evaluations/publication/vocabulary.py, the one place they are defined)


def direction_label(direction: str | None, lang: str) -> str:
    """'▲ increase' / '▲ aumento' for an evidence.direction id (the id itself when unknown)."""
    entry = vocabulary.DIRECTIONS.get(direction or "")
    return f"{entry['symbol']} {entry[lang]}" if entry else str(direction or "")


def assessment_label(assessment: str | None, lang: str) -> str:
    """'✓ improvement' / '✓ mejora' for an evidence.assessment id: a symbol and a word, never colour alone."""
    entry = vocabulary.ASSESSMENTS.get(assessment or "")
    return f"{entry['symbol']} {entry[lang]}" if entry else str(assessment or "")


def grade_label(grade: str | None, lang: str, grades: dict | None = None) -> str:
    """The label of an evidence grade (from `grades`, the audit's copy, when given; else vocabulary.GRADES)."""
    entry = (grades or {}).get(grade or "") or vocabulary.GRADES.get(grade or "")
    return pick(entry, lang) if entry else str(grade or "")


def scope_label(scope: str, lang: str) -> str:
    return pick(vocabulary.SCOPES.get(scope), lang) or scope


def pick(value, lang: str) -> str:
    """A bilingual {en, es} value in `lang` (English if that language is missing); plain strings as they are."""
    if isinstance(value, dict):
        return str(value.get(lang) or value.get("en") or next(iter(value.values()), ""))
    return "" if value is None else str(value)


# ----------------------------------------------------------------------------------------------
# Interactive charts (pipelines/site/charts.py): tabs, axes, series, annotations

CHART_TEXT: dict[str, dict[str, str]] = {
    "tab_chart": {"en": "Chart", "es": "Gráfica"},
    "tab_table": {"en": "Table", "es": "Tabla"},
    "tab_download": {"en": "Download (CSV)", "es": "Descargar (CSV)"},
    "tabs_label": {"en": "Show the chart, its data as a table, or the file", "es": "Ver la gráfica, sus datos en tabla o el archivo"},
    "download": {"en": "Download the data (CSV, {rows} rows; numbers as in the result, full precision)",
                 "es": "Descargar los datos (CSV, {rows} filas; cifras como en el resultado, con toda su precisión)"},
    "source": {"en": "Source", "es": "Fuente"},
    "data_through": {"en": "data through", "es": "datos hasta"},
    "break": {"en": "Framework begins\n(Oct 2021)", "es": "Inicia el Entendimiento\n(oct 2021)"},
    "treatment": {"en": "Treatment", "es": "Tratamiento"},
    "month": {"en": "Month", "es": "Mes"},
    "year": {"en": "Year", "es": "Año"},
    "period": {"en": "Period", "es": "Periodo"},
    "value": {"en": "Value", "es": "Valor"},
    "mean": {"en": "Mean", "es": "Promedio"},
    "observed": {"en": "Observed", "es": "Observado"},
    "fitted": {"en": "Fitted (model)", "es": "Ajustado (modelo)"},
    "counterfactual": {"en": "Counterfactual (no change at the break)", "es": "Contrafactual (sin cambio en el corte)"},
    "treated": {"en": "Treated series", "es": "Serie tratada"},
    "comparison": {"en": "Comparison series", "es": "Serie de comparación"},
    "exposed": {"en": "Exposed units (mean)", "es": "Unidades expuestas (promedio)"},
    "synthetic": {"en": "Weighted comparison", "es": "Comparación ponderada"},
    "synthetic_sdid": {"en": "Synthetic DiD comparison (compares changes, not levels)",
                       "es": "Comparación de DiD sintéticas (compara cambios, no niveles)"},
    "synthetic_sc": {"en": "Synthetic control", "es": "Control sintético"},
    "synthetic_did": {"en": "Equal-weight controls (DiD)", "es": "Controles con pesos iguales (DiD)"},
    "event_time": {"en": "Months from treatment", "es": "Meses desde el tratamiento"},
    "estimate": {"en": "Estimate", "es": "Estimación"},
    "ci_low": {"en": "95% CI, low", "es": "IC 95%, inferior"},
    "ci_high": {"en": "95% CI, high", "es": "IC 95%, superior"},
    "std_error": {"en": "Standard error", "es": "Error estándar"},
    "p_value": {"en": "p", "es": "p"},
    "effect": {"en": "Effect", "es": "Efecto"},
    "baseline_mean": {"en": "Baseline mean ({months} months)", "es": "Promedio de la línea base ({months} meses)"},
    "post_mean": {"en": "Mean since {month} ({months} months)", "es": "Promedio desde {month} ({months} meses)"},
    "per_month": {"en": "{units} per month", "es": "{units} al mes"},
    "evidence": {"en": "Evidence", "es": "Evidencia"},
    "to": {"en": "to", "es": "a"},
}


def chart_text(key: str, lang: str, **values) -> str:
    """A chart's text in `lang`, with its {placeholders} filled."""
    return CHART_TEXT[key][lang].format(**values)
