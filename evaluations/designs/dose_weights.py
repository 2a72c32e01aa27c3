"""What a TWFE dose coefficient is, and whether the panel supports the continuous-treatment DiD instead.

Callaway, Goodman-Bacon & Sant'Anna (2024), "Difference-in-Differences with a Continuous Treatment": under
heterogeneous effects the TWFE coefficient on a dose is a weighted sum of comparisons across doses and periods whose
weights can be negative and mix levels with slopes, so it is not a causal average response. Their estimator of the
dose–response (ATT(d), ACRT(d)) needs a period when no unit is treated (for the National Guard, the months before it
was created), one adoption date, a dose fixed from adoption on, and a comparison group: untreated units, or, without
any, several units at exactly the lowest dose (their Remark 3.1, which then identifies effects only relative to that
dose). `continuous_did_check` tests the last three on the panel.
"""
from __future__ import annotations

import pandas as pd

from ..reading import fmt

CITATION = "Callaway, Goodman-Bacon & Sant'Anna, 2024"

CAVEAT = {
    "en": f"With effects that differ across units or doses, the fixed-effects dose coefficient is a weighted mix of "
          f"comparisons between doses and months, not an average causal effect per unit of dose ({CITATION}).",
    "es": f"Si los efectos difieren entre unidades o dosis, el coeficiente de dosis con efectos fijos es una mezcla "
          f"ponderada de comparaciones entre dosis y meses, no un efecto causal promedio por unidad de dosis "
          f"({CITATION}).",
}


def continuous_did_check(data: pd.DataFrame, unit: str, time: str, dose: str, level: str | None = None) -> dict:
    """Which requirements of the continuous-treatment DiD the panel meets (rows with a dose only). `dose` is the
    treatment as estimated (e.g. per 100,000 inhabitants), `level` the count it comes from (default `dose`), whose
    changes over time are counted."""
    rows = data[data[dose].notna()]
    untreated = int((rows.groupby(unit)[dose].max() == 0).sum())
    varying = int((rows.groupby(unit)[level or dose].nunique() > 1).sum())
    first = rows.groupby(unit)[time].min()
    first_dose = rows[rows[time] == rows[time].min()].set_index(unit)[dose]
    at_lowest = int((first_dose.round(9) == first_dose.min().round(9)).sum()) if len(first_dose) else 0
    unmet = []
    if untreated == 0 and at_lowest < 2:
        unmet.append({"en": f"no unit without the dose and only {at_lowest} at the lowest first dose",
                      "es": f"ninguna unidad sin dosis y solo {at_lowest} con la dosis inicial más baja"})
    if varying:
        unmet.append({"en": f"the dose changes over time in {varying} of {first.size} units",
                      "es": f"la dosis cambia en el tiempo en {varying} de {first.size} unidades"})
    if first.nunique() > 1:
        unmet.append({"en": f"{first.nunique()} different start dates", "es": f"{first.nunique()} fechas de inicio distintas"})
    out: dict = {"units": int(first.size), "untreated_units": untreated, "units_with_time_varying_dose": varying,
           "units_at_lowest_first_dose": at_lowest, "start_dates": int(first.nunique()), "feasible": not unmet,
           "lowest_first_dose": None if first_dose.empty else float(first_dose.min())}
    if unmet:
        reasons = {lang: "; ".join(u[lang] for u in unmet) for lang in ("en", "es")}
        out["label"] = {
            "en": f"Continuous-treatment DiD ({CITATION}), which estimates the dose–response without these weights, cannot be used "
                  f"here: {reasons['en']}",
            "es": f"La DiD con tratamiento continuo ({CITATION}), que estima la dosis–respuesta sin esas ponderaciones, no puede "
                  f"usarse aquí: {reasons['es']}",
        }
    else:
        out["label"] = {
            "en": f"The panel meets the requirements of the continuous-treatment DiD ({CITATION}; lowest first dose "
                  f"{fmt(out['lowest_first_dose'], 'en')}), which is not estimated here",
            "es": f"El panel cumple los requisitos de la DiD con tratamiento continuo ({CITATION}; dosis inicial más "
                  f"baja {fmt(out['lowest_first_dose'], 'es')}), que no se estima aquí",
        }
    return out
