"""Column headings of the result tables that have them in both languages (by CSV file name); any other table
keeps its CSV column names."""
from __future__ import annotations

_INTERVAL = {"estimate": {"en": "Estimate", "es": "Estimación"},
             "std_error": {"en": "Standard error", "es": "Error estándar"},
             "ci_low": {"en": "95% CI, low", "es": "IC 95 %, inferior"},
             "ci_high": {"en": "95% CI, high", "es": "IC 95 %, superior"},
             "p_value": {"en": "p", "es": "p"}}

COLUMN_LABELS: dict[str, dict[str, dict[str, str]]] = {
    "border_distance_effects.csv": {
        "band": {"en": "Distance to the U.S. border", "es": "Distancia a la frontera con EE. UU."},
        "treated_units": {"en": "Treated units in the band", "es": "Unidades tratadas en la banda"},
        "treated_units_used": {"en": "Treated units used", "es": "Unidades tratadas usadas"},
        "treated_clusters_used": {"en": "Their clusters (states)", "es": "Sus conglomerados (estados)"},
        "comparison_units": {"en": "Comparison units", "es": "Unidades de comparación"},
        **_INTERVAL},
    "sdid_cohorts.csv": {
        "cohort": {"en": "Cohort (first month treated)", "es": "Cohorte (primer mes tratado)"},
        "estimate": {"en": "Estimate", "es": "Estimación"},
        "n_treated": {"en": "Treated units", "es": "Unidades tratadas"},
        "t_post": {"en": "Months from adoption", "es": "Meses desde la adopción"},
        "t_pre": {"en": "Months before", "es": "Meses previos"},
        "n_control": {"en": "Comparison units", "es": "Unidades de comparación"},
        "weight": {"en": "Weight", "es": "Peso"}},
}


def column_labels(file_name: str, header: list[str], lang: str) -> list[str]:
    """The table's headings in `lang` where it has them; the CSV names otherwise."""
    labels = COLUMN_LABELS.get(file_name, {})
    return [labels[h][lang] if h in labels else h for h in header]
