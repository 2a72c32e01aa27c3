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
    # goal pages
    "technical_details": {"en": "Technical details: design, estimates, diagnostics, data checks, tables",
                          "es": "Detalles técnicos: diseño, estimaciones, diagnósticos, verificaciones de datos, tablas"},
    "on_this_page": {"en": "On this page", "es": "En esta página"},
    "how_to_read_goal": {
        "en": "Each evaluation opens with its bottom line: what changed since the Framework began (October 2021), how "
              "sure we are (the evidence grade and the 95% confidence interval) and what the result cannot show. Its main "
              "chart follows; the design, every estimate, the diagnostics, the data checks and the tables are under "
              "\"Technical details\".",
        "es": "Cada evaluación empieza con un resumen: qué cambió desde el inicio del Entendimiento (octubre de 2021), qué "
              "tan seguros estamos (el grado de evidencia y el intervalo de confianza del 95%) y lo que el resultado no "
              "puede mostrar. Sigue su gráfica principal; el diseño, todas las estimaciones, los diagnósticos, las "
              "verificaciones de datos y las tablas están en \"Detalles técnicos\"."},
}


# Trust and reuse: sources, the "Cite this" box, the reproducibility summary, the download of every result
TEXT.update({
    "download_all": {"en": "Download all results", "es": "Descargar todos los resultados"},
    "cite": {"en": "Cite", "es": "Citar"},
    "commit": {"en": "commit", "es": "commit"},
    "cite_title": {"en": "Cite this", "es": "Cómo citar"},
    "cite_intro": {"en": "Cite the version whose numbers you use: its manifest.json holds every number of this site.",
                   "es": "Cite la versión cuyas cifras utiliza: su manifest.json contiene cada cifra de este sitio."},
    "cite_data": {"en": "Cite the data sources too: each one's publisher, licence and link are on the [Data](data.html) page.",
                  "es": "Cite también las fuentes de datos: quién publica cada una, su licencia y su enlace están en la página "
                        "[Datos](data.html)."},
    "cite_missing": {"en": "CITATION.cff was not found in this build: no citation can be given.",
                     "es": "No se encontró CITATION.cff en esta versión: no es posible dar una cita."},
    "contents": {"en": "Contents", "es": "Contenido"},
    "publisher": {"en": "Publisher", "es": "Publicado por"},
    "retrieved": {"en": "Retrieved", "es": "Obtenido"},
    "retrieved_version": {"en": "the version of {date}", "es": "la versión del {date}"},
    "not_recorded": {"en": "not recorded", "es": "sin registro"},
    "licence": {"en": "Licence", "es": "Licencia"},
    "coverage": {"en": "Coverage", "es": "Cobertura"},
    "files": {"en": "Files", "es": "Archivos"},
    "file": {"en": "file", "es": "archivo"},
    "rows": {"en": "rows", "es": "filas"},
    "size": {"en": "size", "es": "tamaño"},
    "raw_table": {"en": "Warehouse table", "es": "Tabla del almacén"},
    "other_files": {"en": "Other files", "es": "Otros archivos"},
})

# The words of a source's coverage (the tags of pipelines/sources/ specs) in the site's languages; a word missing
# here is shown as the spec writes it.
COVERAGE_WORDS: dict[str, dict[str, str]] = {
    "unit": {"en": "unit", "es": "unidad"}, "geography": {"en": "geography", "es": "geografía"},
    "period": {"en": "period", "es": "periodo"},
    "AMO branch": {"en": "AMO branch", "es": "rama de AMO"}, "SDN entry": {"en": "SDN entry", "es": "registro de la lista SDN"},
    "U.S. state": {"en": "U.S. state", "es": "estado de EE. UU."}, "United States": {"en": "United States", "es": "Estados Unidos"},
    "census year": {"en": "census year", "es": "año censal"}, "day": {"en": "day", "es": "día"},
    "deaths": {"en": "deaths", "es": "muertes"},
    "deaths (12 months ending)": {"en": "deaths (12 months ending)", "es": "muertes (12 meses que terminan en el mes)"},
    "detainee": {"en": "detainee", "es": "persona detenida"}, "events; pounds": {"en": "events; pounds", "es": "eventos; libras"},
    "field office / sector": {"en": "field office / sector", "es": "oficina de campo / sector"},
    "investigation files": {"en": "investigation files", "es": "carpetas de investigación"}, "month": {"en": "month", "es": "mes"},
    "month of registration": {"en": "month of registration", "es": "mes de registro"},
    "municipality": {"en": "municipality", "es": "municipio"}, "none": {"en": "none", "es": "ninguna"},
    "personnel": {"en": "personnel", "es": "elementos"},
    "personnel; persons detained": {"en": "personnel; persons detained", "es": "elementos; personas detenidas"},
    "persons": {"en": "persons", "es": "personas"}, "snapshot": {"en": "snapshot", "es": "corte"},
    "state": {"en": "state", "es": "estado"}, "victims": {"en": "victims", "es": "víctimas"},
    "victims (preliminary)": {"en": "victims (preliminary)", "es": "víctimas (preliminar)"}, "year": {"en": "year", "es": "año"},
}


def coverage_word(word: str, lang: str) -> str:
    return COVERAGE_WORDS.get(word, {}).get(lang, word)


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
# Home page: key findings, scorecard cards, "what we cannot measure yet" (pipelines/site/home.py, findings.py,
# scorecard.py, sparkline.py). Templates take str.format fields already formatted by evaluations/formats.py.

HOME_TEXT: dict[str, dict[str, str]] = {
    "data_through": {"en": "Data through {month} (latest source)", "es": "Datos hasta {month} (fuente más reciente)"},
    "data_through_title": {"en": "The latest month of any source; each scorecard row gives its own period.",
                           "es": "El último mes de cualquier fuente; cada fila del tablero indica su propio periodo."},
    "updated": {"en": "Updated {date}", "es": "Actualizado el {date}"},
    "key_findings": {"en": "Key findings", "es": "Hallazgos principales"},
    "no_findings": {"en": "No result meets the publication rules for a key finding yet.",
                    "es": "Todavía ningún resultado cumple las reglas de publicación para ser un hallazgo principal."},
    "not_audited_findings": {
        "en": "No key findings: these results have not been through the publication audit.",
        "es": "Sin hallazgos principales: estos resultados no han pasado por la auditoría de publicación."},
    "how_sure": {"en": "How sure we are:", "es": "Qué tan seguros estamos:"},
    # {title}: {direction} — {numbers}, {period}.
    "finding_trend": {"en": "from {before} to {after} {unit} on average ({percent}), {before_period} vs {after_period}",
                      "es": "de {before} a {after} {unit} en promedio ({percent}), {before_period} frente a {after_period}"},
    "finding_trend_null": {"en": "{before} {unit} on average in {before_period} and {after} in {after_period}",
                           "es": "{before} {unit} en promedio en {before_period} y {after} en {after_period}"},
    "finding_effect": {"en": "{label}: {value} {unit} (95% CI {low} to {high}), {period}",
                       "es": "{label}: {value} {unit} (IC 95%: {low} a {high}), {period}"},
    "finding_mde": {"en": "A change smaller than {mde} {unit} ({share} of the baseline) could go undetected.",
                    "es": "Un cambio menor que {mde} {unit} ({share} de la línea base) podría pasar inadvertido."},
    "finding_mde_no_share": {"en": "A change smaller than {mde} {unit} could go undetected.",
                             "es": "Un cambio menor que {mde} {unit} podría pasar inadvertido."},
    "unmeasured_link": {"en": "What we cannot measure yet: data gaps ({gaps}), evaluations with too little data ({thin})",
                        "es": "Lo que aún no podemos medir: vacíos de datos ({gaps}), evaluaciones con datos insuficientes ({thin})"},
    "col_indicator": {"en": "Line of action and indicator", "es": "Línea de acción e indicador"},
    "col_before_after": {"en": "Before → since October 2021", "es": "Antes → desde octubre de 2021"},
    "col_trend": {"en": "Trend", "es": "Tendencia"},
    "col_estimate": {"en": "Estimate (95% CI)", "es": "Estimación (IC 95%)"},
    "col_direction": {"en": "Direction", "es": "Dirección"},
    "col_evidence": {"en": "Evidence", "es": "Evidencia"},
    "per_month": {"en": "{unit} per month", "es": "{unit} al mes"},
    "on_average": {"en": "monthly average", "es": "promedio mensual"},
    "to": {"en": "to", "es": "a"},
    "latest_value": {"en": "latest", "es": "último dato"},
    "rolling_latest": {"en": "{months} months ending {month}", "es": "{months} meses hasta {month}"},
    "sparkline": {"en": "Series from {start} to {end}; the dashed line marks October 2021.",
                  "es": "Serie de {start} a {end}; la línea punteada marca octubre de 2021."},
    "unmeasured": {"en": "What we cannot measure yet", "es": "Lo que aún no podemos medir"},
    "unmeasured_gaps": {"en": "What the Framework names but the data do not cover",
                        "es": "Lo que el Entendimiento menciona pero los datos no cubren"},
    "unmeasured_thin": {"en": "Evaluated, but too little data yet to publish a change",
                        "es": "Evaluado, pero aún sin datos suficientes para publicar un cambio"},
    "nothing_unmeasured": {"en": "Every line of action has data and enough of it.",
                           "es": "Todas las líneas de acción tienen datos suficientes."},
    "colour_note": {
        "en": "Colours repeat the words and symbols: green an improvement, red a worsening, grey unclear or not assessed, "
              "blue a change that is neither good nor bad by itself.",
        "es": "Los colores repiten las palabras y los símbolos: verde una mejora, rojo un empeoramiento, gris incierto o sin "
              "valoración, azul un cambio que no es bueno ni malo por sí mismo."},
}
if HOME_TEXT.keys() & TEXT.keys():  # a clash would silently change another page's words
    raise ValueError(f"home page strings reuse interface keys: {sorted(HOME_TEXT.keys() & TEXT.keys())}")
TEXT.update(HOME_TEXT)
# Interactive charts (pipelines/site/charts.py): tabs, axes, series, annotations

CHART_TEXT: dict[str, dict[str, str]] = {
    "tab_chart": {"en": "Chart", "es": "Gráfica"},
    "tab_table": {"en": "Table", "es": "Tabla"},
    "tab_download": {"en": "Download (CSV)", "es": "Descargar (CSV)"},
    "tabs_label": {"en": "Show the chart, its data as a table, or the file", "es": "Ver la gráfica, sus datos en tabla o el archivo"},
    "download": {"en": "Download the data (CSV, {rows} rows; numbers as in the result, full precision)",
                 "es": "Descargar los datos (CSV, {rows} filas; cifras como en el resultado, con toda su precisión)"},
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
