"""The words of the publication rules, defined once: evidence grades, directions, assessments, scopes and
the thresholds the rules apply. The site, the audit and the tests read them from here.

Every label is bilingual ({"en", "es"}); ids are what result.json and publication_audit.json store.
"""
from __future__ import annotations

# ----------------------------------------------------------------------------------------------
# Thresholds (each named in a rule of evaluations.publication.rules)

MIN_BASELINE_MONTHS = 24     # a before/after comparison needs this many baseline months with data
MIN_POST_MONTHS = 12         # … and this many months since October 2021 (a shorter window is seasonal noise)
MIN_COHORT_UNITS = 5         # a staggered-adoption cohort with fewer units is excluded from the estimate
MIN_COHORT_CLUSTERS = 2      # … and one whose units sit in fewer clusters (states)
ITS_MIN_PRE = 24             # interrupted time series: months before the break
ITS_MIN_POST = 12            # … and from the break on
MDE_FACTOR = 2.8             # minimum detectable effect at 80 % power, two-sided 5 %: (1.96 + 0.84) × SE
Z_95 = 1.959963984540054
MDE_KINDS = ("effect", "change", "sensitivity")   # estimate kinds that carry an MDE when their interval covers zero

# ----------------------------------------------------------------------------------------------
# Evidence grades: how much a result can say, from the design and its diagnostics (best first)

GRADES: dict[str, dict] = {
    "comparison_group_diagnostics_pass": {
        "en": "Comparison group, diagnostics pass", "es": "Grupo de comparación, diagnósticos aprobados",
        "description": {
            "en": "Treated units are compared with similar untreated ones (difference-in-differences) and the design's "
                  "checks pass: no pre-treatment divergence and no effect at placebo dates. The strongest grade here; "
                  "it still rests on parallel trends, which no test can prove.",
            "es": "Las unidades tratadas se comparan con otras similares no tratadas (diferencias en diferencias) y las "
                  "pruebas del diseño se aprueban: sin divergencia antes del tratamiento ni efecto en fechas placebo. Es el "
                  "grado más sólido aquí; aun así descansa en tendencias paralelas, que ninguna prueba puede demostrar."}},
    "comparison_group_diagnostic_fails": {
        "en": "Comparison group, a diagnostic fails", "es": "Grupo de comparación, falla un diagnóstico",
        "description": {
            "en": "A difference-in-differences design whose own checks fail (treated and comparison units already "
                  "diverged before treatment, or a placebo date shows an effect): the estimate is not a credible effect.",
            "es": "Un diseño de diferencias en diferencias cuyas propias pruebas fallan (las unidades tratadas y de "
                  "comparación ya divergían antes del tratamiento, o una fecha placebo muestra un efecto): la estimación "
                  "no es un efecto creíble."}},
    "synthetic_comparison": {
        "en": "Synthetic comparison (exposure not assigned)", "es": "Comparación sintética (exposición no asignada)",
        "description": {
            "en": "Synthetic difference-in-differences or synthetic control: the exposed units are compared with a "
                  "weighted combination of unexposed ones that tracked them before the break, with placebo or bootstrap "
                  "standard errors. The Framework did not assign the exposure (the platform groups units by geography or "
                  "supply route) and there are few exposed units, so anything else that hit them at the same time looks "
                  "the same; a direction is claimed only when the pre-break fit is close and the placebo break shows "
                  "nothing.",
            "es": "Diferencias en diferencias sintéticas o control sintético: las unidades expuestas se comparan con una "
                  "combinación ponderada de unidades no expuestas que las siguieron antes del corte, con errores estándar "
                  "placebo o bootstrap. El Entendimiento no asignó la exposición (la plataforma agrupa las unidades por "
                  "geografía o ruta de suministro) y hay pocas unidades expuestas, así que cualquier otra cosa que las "
                  "afectara al mismo tiempo se ve igual; solo se afirma una dirección si el ajuste previo al corte es "
                  "cercano y el corte placebo no muestra nada."}},
    "single_series_model": {
        "en": "Single-series model (no comparison group)", "es": "Modelo de una sola serie (sin grupo de comparación)",
        "description": {
            "en": "An interrupted time series: a break in one series (or in the gap between two) at October 2021. Anything "
                  "else that changed then looks the same, so it is not a causal estimate.",
            "es": "Una serie de tiempo interrumpida: un quiebre en una serie (o en la brecha entre dos) en octubre de 2021. "
                  "Cualquier otra cosa que cambiara entonces se ve igual, así que no es una estimación causal."}},
    "association": {
        "en": "Association, not an effect", "es": "Asociación, no un efecto",
        "description": {
            "en": "How the outcome moves with the intensity of a policy (dose–response). The policy followed the outcome, "
                  "so the association cannot be read as an effect.",
            "es": "Cómo se mueve el resultado con la intensidad de una política (dosis–respuesta). La política siguió al "
                  "resultado, así que la asociación no puede leerse como un efecto."}},
    "descriptive": {
        "en": "Descriptive comparison", "es": "Comparación descriptiva",
        "description": {
            "en": "Averages before and after October 2021, with an interval for month-to-month noise. It says what "
                  "changed, not why.",
            "es": "Promedios antes y después de octubre de 2021, con un intervalo por la variación mensual. Dice qué "
                  "cambió, no por qué."}},
    "insufficient_data": {
        "en": "Insufficient data", "es": "Datos insuficientes",
        "description": {
            "en": "The data do not meet the publication rules for this design (too short a baseline or follow-up, or a "
                  "series that cannot be modelled): no change, percentage or direction is published.",
            "es": "Los datos no cumplen las reglas de publicación de este diseño (línea base o seguimiento demasiado "
                  "cortos, o una serie que no puede modelarse): no se publica cambio, porcentaje ni dirección."}},
}

# How sure we are, in plain words: one short sentence per grade for readers who will not read the grade's
# description (the home page's key findings and scorecard; a goal page's bottom line). Same order as GRADES.
CONFIDENCE: dict[str, dict[str, str]] = {
    "comparison_group_diagnostics_pass": {
        "en": "The strongest design here — a comparison with similar places whose checks pass.",
        "es": "El diseño más sólido aquí; se compara con lugares similares y sus pruebas se aprueban."},
    "comparison_group_diagnostic_fails": {
        "en": "Weak — the comparison fails its own checks, so this is not a credible effect.",
        "es": "Débil; la comparación no pasa sus propias pruebas, así que no es un efecto creíble."},
    "synthetic_comparison": {
        "en": "Limited — a comparison with groups the Framework did not assign.",
        "es": "Limitada; es una comparación con grupos que el Entendimiento no asignó."},
    "single_series_model": {
        "en": "Limited — one series with no comparison group, so not a causal estimate.",
        "es": "Limitada; es una sola serie sin grupo de comparación, así que no es una estimación causal."},
    "association": {
        "en": "Weak — an association, not an effect.",
        "es": "Débil; es una asociación, no un efecto."},
    "descriptive": {
        "en": "Descriptive — it says what changed, not why.",
        "es": "Descriptiva; dice qué cambió, no por qué."},
    "insufficient_data": {
        "en": "Too little data to publish a change.",
        "es": "Datos insuficientes para publicar un cambio."},
}

# Each grade in a sentence of plain words, for the bottom line of a goal page (CONFIDENCE above is the short form the
# home page's key findings use): what the reader may take from a result of that grade; never stronger than GRADES.
GRADE_PLAIN: dict[str, dict[str, str]] = {
    "comparison_group_diagnostics_pass": {
        "en": "the strongest evidence this site grades: the places treated are compared with similar places that "
              "were not, and the design's checks pass; it still assumes both would have moved alike without the policy",
        "es": "la evidencia más sólida que califica este sitio: los lugares tratados se comparan con lugares similares "
              "que no lo fueron y las pruebas del diseño se aprueban; aun así supone que ambos se habrían movido igual "
              "sin la política"},
    "comparison_group_diagnostic_fails": {
        "en": "the places treated are compared with places that were not, but a check of the design fails, so the "
              "number is not a credible effect",
        "es": "los lugares tratados se comparan con lugares que no lo fueron, pero una prueba del diseño falla, así que "
              "la cifra no es un efecto creíble"},
    "synthetic_comparison": {
        "en": "a comparison with a weighted mix of similar places; the Framework did not assign who was exposed, so "
              "anything else that hit them at the same time looks the same",
        "es": "una comparación con una mezcla ponderada de lugares similares; el Entendimiento no asignó quién quedó "
              "expuesto, así que cualquier otra cosa que los afectara al mismo tiempo se ve igual"},
    "single_series_model": {
        "en": "one series and no comparison group: anything else that changed at the same time looks the same, so it "
              "is not a causal estimate",
        "es": "una sola serie y sin grupo de comparación: cualquier otra cosa que cambiara al mismo tiempo se ve igual, "
              "así que no es una estimación causal"},
    "association": {
        "en": "how the outcome moves with the policy's intensity; the policy followed the outcome, so this is an "
              "association, not an effect",
        "es": "cómo se mueve el resultado con la intensidad de la política; la política siguió al resultado, así que es "
              "una asociación, no un efecto"},
    "descriptive": {
        "en": "averages before and after October 2021: they say what changed, not why",
        "es": "promedios antes y después de octubre de 2021: dicen qué cambió, no por qué"},
    "insufficient_data": {
        "en": "the data are too few for this design's publication rules, so no change is published",
        "es": "los datos no alcanzan para las reglas de publicación de este diseño, así que no se publica ningún cambio"},
}

# grades a design may receive (the rule grade_matches_design checks it)
DESIGN_GRADES: dict[str, tuple[str, ...]] = {
    "staggered_did": ("comparison_group_diagnostics_pass", "comparison_group_diagnostic_fails", "insufficient_data"),
    "event_study": ("comparison_group_diagnostics_pass", "comparison_group_diagnostic_fails", "insufficient_data"),
    "its": ("single_series_model", "insufficient_data"),
    "comparative_its": ("single_series_model", "insufficient_data"),
    "dose_response": ("association", "insufficient_data"),
    "indicator_trend": ("descriptive", "insufficient_data"),
    "synthetic_did": ("synthetic_comparison", "insufficient_data"),
}

# ----------------------------------------------------------------------------------------------
# Direction of the headline (from its 95 % interval) and what it means for the indicator

DIRECTIONS: dict[str, dict] = {
    "increase": {"symbol": "▲", "en": "increase", "es": "aumento"},
    "decrease": {"symbol": "▼", "en": "decrease", "es": "disminución"},
    "no_clear_change": {"symbol": "●", "en": "no clear change", "es": "sin cambio claro"},
    # the interval excludes zero but the design's own checks (a placebo break, a counterfactual out of range…) show
    # the series may have changed for other reasons: a change is there, its cause is not claimed
    "not_attributed": {"symbol": "◌", "en": "change not attributable", "es": "cambio no atribuible"},
    "none": {"symbol": "○", "en": "no estimate", "es": "sin estimación"},
}

# desired_direction of a spec: which way is good for the indicator
DESIRED_DIRECTIONS = ("decrease", "increase", "neither")

ASSESSMENTS: dict[str, dict] = {
    "good": {"symbol": "✓", "en": "improvement", "es": "mejora"},
    "bad": {"symbol": "✗", "en": "worsening", "es": "empeoramiento"},
    "neutral": {"symbol": "◇", "en": "change, neither good nor bad by itself",
                "es": "cambio, ni bueno ni malo por sí mismo"},
    "unclear": {"symbol": "?", "en": "unclear", "es": "incierto"},
    "none": {"symbol": "–", "en": "not assessed", "es": "sin valoración"},
}

SCOPES: dict[str, dict] = {
    "framework": {"en": "Framework evaluation", "es": "Evaluación del Entendimiento"},
    "earlier_policy": {"en": "Earlier-policy evidence (before the Framework)",
                       "es": "Evidencia de políticas anteriores (antes del Entendimiento)"},
    # comparisons of groups the platform formed (e.g. regions the drug supply reached at different times): context
    # for an indicator, never an effect of the Framework, so never on the scorecard
    "context": {"en": "Context comparisons (not an effect of the Framework)",
                "es": "Comparaciones de contexto (no son un efecto del Entendimiento)"},
}


def assessment(direction: str, desired: str) -> str:
    """good / bad / neutral / unclear / none for a direction and the indicator's desired direction."""
    if direction == "none":
        return "none"
    if direction in ("no_clear_change", "not_attributed"):
        return "unclear"
    if desired not in ("increase", "decrease"):
        return "neutral"
    return "good" if direction == desired else "bad"
