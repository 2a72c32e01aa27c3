"""The evidence rubric and publication rule of synthetic comparisons (`synthetic_did` results).

A synthetic DiD or synthetic control result earns the grade `synthetic_comparison` whenever its headline has an
interval; its reasons always say that the exposure was not assigned by the Framework and how many units were
exposed. A direction is withheld when the comparison missed the exposed units before the break by as much as the
estimated effect (`poor_pre_fit`) or when the same estimator finds an effect at a placebo break (`placebo_fails`).
"""
from __future__ import annotations

SYNTHETIC_DESIGNS = ("synthetic_did",)
WITHHOLDING = ("poor_pre_fit", "placebo_fails")


def _reason(id_: str, en: str, es: str) -> dict:
    return {"id": id_, "en": en, "es": es}


def synthetic_grade(result: dict) -> tuple[str, list[dict]]:
    """The grade and the reasons every synthetic comparison carries."""
    dims = ((result.get("diagnostics") or {}).get("weights") or {})
    n1, n0 = dims.get("n_treated"), dims.get("n_control")
    few = (f"{n1} exposed unit{'s' if n1 != 1 else ''} against {n0} possible controls"
           if n1 is not None else "few exposed units")
    few_es = (f"{n1} unidad{'es' if n1 != 1 else ''} expuesta{'s' if n1 != 1 else ''} frente a {n0} controles posibles"
              if n1 is not None else "pocas unidades expuestas")
    return "synthetic_comparison", [
        _reason("exposure_not_assigned",
                f"The Framework did not assign the exposure; the platform grouped the units ({few}), so anything else "
                f"that hit the exposed units at the break looks the same.",
                f"El Entendimiento no asignó la exposición; la plataforma agrupó las unidades ({few_es}), así que "
                f"cualquier otra cosa que afectara a las unidades expuestas en el corte se ve igual."),
    ]


def synthetic_checks(result: dict, headline: dict) -> list[dict]:
    """Reasons that withhold the direction of a synthetic comparison's headline."""
    out = []
    diagnostics = result.get("diagnostics") or {}
    fit = diagnostics.get("pre_fit") or {}
    if fit.get("rmse") is not None and fit["rmse"] >= abs(headline["estimate"]):
        out.append(_reason("poor_pre_fit",
                           "Before the break the synthetic comparison missed the exposed units by as much as the estimated "
                           "effect (pre-period root mean squared gap at least the estimate).",
                           "Antes del corte la comparación sintética se alejó de las unidades expuestas tanto como el efecto "
                           "estimado (raíz del error cuadrático medio previo al menos igual a la estimación)."))
    placebo = diagnostics.get("placebo") or {}
    if placebo.get("ci_low") is not None and not placebo["ci_low"] <= 0 <= placebo["ci_high"]:
        out.append(_reason("placebo_fails",
                           "The same estimator finds an effect at a placebo break before the real one, so the exposed units "
                           "moved apart for other reasons.",
                           "El mismo estimador encuentra un efecto en un corte placebo anterior al real, así que las "
                           "unidades expuestas se separaron por otras razones."))
    return out


def placebo_inference(result: dict) -> list[str]:
    """Violations of synthetic_placebo_inference: one exposed unit with standard errors other than placebo."""
    synth = (result.get("results") or {}).get("synthetic") or {}
    dims = ((result.get("diagnostics") or {}).get("weights") or {})
    if dims.get("n_treated") == 1 and synth.get("se_method") not in (None, "placebo"):
        return [f"one exposed unit with {synth['se_method']} standard errors (only placebo inference is valid)"]
    return []


RULE_TITLE = {"en": "One exposed unit: placebo inference", "es": "Una unidad expuesta: inferencia placebo"}
RULE_DESCRIPTION = {
    "en": "A synthetic comparison with one exposed unit (or one aggregate) reports placebo standard errors, which "
          "reassign the exposure among the controls; bootstrap and jackknife need several exposed units. Every such "
          "result says that the Framework did not assign the exposure.",
    "es": "Una comparación sintética con una sola unidad expuesta (o un agregado) reporta errores estándar placebo, "
          "que reasignan la exposición entre los controles; el bootstrap y el jackknife necesitan varias unidades "
          "expuestas. Todo resultado así dice que el Entendimiento no asignó la exposición."}
