"""One evidence rubric for every result: grade, direction, assessment, reasons and power beside nulls.

`finalize(result, spec)` is applied by `evaluations.designs.run_spec` to every result before it is
written. It enforces what the runners alone cannot (no change on a short baseline, no p-value for a
count's level), grades the evidence from the design and its own diagnostics, reads the direction from
the interval of the result's own headline, adds the minimum detectable effect beside every null, and
refuses (PublicationError) a result that still breaks a rule of `rules.RULES`.
"""
from __future__ import annotations

from typing import overload

from .rules import DID_DESIGNS, ITS_DESIGNS, check, covers_zero, has_interval
from .synthetic import SYNTHETIC_DESIGNS, WITHHOLDING, synthetic_checks, synthetic_grade
from .vocabulary import DESIRED_DIRECTIONS, MDE_FACTOR, MDE_KINDS, MIN_BASELINE_MONTHS, MIN_POST_MONTHS, SCOPES, assessment


class PublicationError(ValueError):
    """A result that breaks a publication rule after finalize: a defect of the runner, never published."""


# the kind of each estimate id the runners write: effects and changes get an MDE when null; levels no p-value
KINDS = {
    "cs": "effect", "twfe": "effect", "cs_group": "effect", "cs_calendar": "effect", "cs_dynamic": "effect",
    "cs_neighbours": "effect", "its_level": "effect", "its_slope": "effect", "pre_slope": "context",
    "twfe_dose": "effect", "twfe_dose_with_outlier": "effect", "mean_change": "change", "post_mean": "level",
}
# the estimate whose interval gives a design's direction (trends: the change in means)
DIRECTION_ESTIMATE = {"staggered_did": "cs", "event_study": "cs", "its": "its_level", "comparative_its": "its_level",
                      "dose_response": "twfe_dose", "indicator_trend": "mean_change",
                      "synthetic_did": "synthetic_att"}
# ids of the reasons that withhold a direction whose interval excludes zero (ITS and synthetic checks): the reading
# and the site say them beside "no clear change"
WITHHOLDING_REASONS = ("not_robust", "placebo_fails", "counterfactual_out_of_range", *WITHHOLDING)


def reason(id_: str, en: str, es: str) -> dict:
    return {"id": id_, "en": en, "es": es}


def insufficient_baseline_text(baseline_months: int, post_months: int) -> dict:
    """'Insufficient baseline (N months)' / 'Insufficient follow-up (N months)' with the rule's thresholds."""
    if baseline_months < MIN_BASELINE_MONTHS:
        return {"en": f"Insufficient baseline ({baseline_months} month{'s' if baseline_months != 1 else ''} of data before "
                      f"October 2021; at least {MIN_BASELINE_MONTHS} are needed): no before/after change is published.",
                "es": f"Línea base insuficiente ({baseline_months} {'mes' if baseline_months == 1 else 'meses'} con datos antes "
                      f"de octubre de 2021; se necesitan al menos {MIN_BASELINE_MONTHS}): no se publica un cambio antes/después."}
    return {"en": f"Insufficient follow-up ({post_months} month{'s' if post_months != 1 else ''} of data since October 2021; "
                  f"at least {MIN_POST_MONTHS} are needed): no before/after change is published.",
            "es": f"Seguimiento insuficiente ({post_months} {'mes' if post_months == 1 else 'meses'} con datos desde octubre de "
                  f"2021; se necesitan al menos {MIN_POST_MONTHS}): no se publica un cambio antes/después."}


@overload
def enforce_baseline(block: dict) -> dict: ...
@overload
def enforce_baseline(block: None) -> None: ...

def enforce_baseline(block: dict | None) -> dict | None:
    """A baseline comparison that obeys baseline_min_months / post_min_months: with too few months on either
    side its change, percent change and change interval are removed and `insufficient` says why."""
    if not block:
        return block
    out = dict(block)
    b_months = (out.get("baseline") or {}).get("months") or 0
    p_months = (out.get("post") or {}).get("months") or 0
    out["sufficient"] = b_months >= MIN_BASELINE_MONTHS and p_months >= MIN_POST_MONTHS
    if not out["sufficient"]:
        out.update(change=None, percent_change=None, change_estimate=None,
                   insufficient=insufficient_baseline_text(b_months, p_months))
    return out


def _mde(e: dict, baseline_mean: float | None) -> dict:
    if e.get("std_error") is None or not covers_zero(e) or e.get("kind") not in MDE_KINDS:
        return e
    value = MDE_FACTOR * e["std_error"]
    share = value / abs(baseline_mean) if baseline_mean else None
    return {**e, "mde": value, "mde_share_of_baseline": share}


def _baseline_mean(result: dict) -> float | None:
    c = result.get("baseline_comparison") or {}
    if c.get("sufficient") and (c.get("baseline") or {}).get("mean") is not None:
        return float(c["baseline"]["mean"])
    value = (result.get("sample") or {}).get("baseline_mean")
    return None if value is None else float(value)


def _did_grade(result: dict) -> tuple[str, list[dict]]:
    d = result.get("diagnostics") or {}
    reasons, fails = [], False
    pre = d.get("pretrend") or {}
    if pre.get("p_value") is not None and pre["p_value"] < 0.05:
        fails = True
        reasons.append(reason("pretrend_fails", "Treated and comparison units already diverged before treatment (pre-trend test p < 0.05).",
                              "Las unidades tratadas y de comparación ya divergían antes del tratamiento (prueba de tendencias previas p < 0.05)."))
    elif pre.get("pre_event_times_band_excludes_zero"):
        fails = True
        k, n = pre["pre_event_times_band_excludes_zero"], pre.get("pre_event_times")
        reasons.append(reason("pretrend_fails", f"{k} of {n} pre-treatment event-time effects differ from zero.",
                              f"{k} de {n} efectos previos al tratamiento difieren de cero."))
    placebo = d.get("placebo") or {}
    if placebo.get("ci_low") is not None and not covers_zero(placebo):
        fails = True
        reasons.append(reason("placebo_fails", "The placebo (treatment dated earlier) also shows an effect.",
                              "El placebo (tratamiento adelantado) también muestra un efecto."))
    if not fails:
        reasons.append(reason("diagnostics_pass", "No pre-treatment divergence and no effect at the placebo date.",
                              "Sin divergencia previa al tratamiento ni efecto en la fecha placebo."))
    excluded = (result.get("sample") or {}).get("excluded_cohorts") or []
    if excluded:
        units = sum(c["units"] for c in excluded)
        reasons.append(reason("cohorts_excluded",
                              f"{len(excluded)} cohort(s) with {units} unit(s) excluded as too small to estimate alone.",
                              f"{len(excluded)} cohorte(s) con {units} unidad(es) excluidas por ser demasiado pequeñas."))
    return ("comparison_group_diagnostic_fails" if fails else "comparison_group_diagnostics_pass"), reasons


def _its_checks(result: dict, e: dict) -> list[dict]:
    """Reasons that withhold an ITS direction: the sensitivity row disagrees, or the counterfactual is implausible."""
    out = []
    sens = next((s for s in result.get("estimates") or [] if s.get("kind") == "sensitivity"), None)
    if sens is None or not has_interval(sens) or covers_zero(sens) or (sens["estimate"] > 0) != (e["estimate"] > 0):
        out.append(reason("not_robust", "With a quadratic pre-trend the level change is not clearly of the same sign.",
                          "Con una tendencia previa cuadrática el cambio de nivel no tiene claramente el mismo signo."))
    placebo = (result.get("diagnostics") or {}).get("placebo") or {}
    if placebo.get("ci_low") is not None and not covers_zero(placebo):
        out.append(reason("placebo_fails", "A fake break 12 months earlier also shows a change, so the series moves for other reasons.",
                          "Un corte ficticio 12 meses antes también muestra un cambio, así que la serie se mueve por otras razones."))
    if (result.get("results") or {}).get("its", {}).get("counterfactual_in_range") is False:
        out.append(reason("counterfactual_out_of_range",
                          "The pre-break trend, projected forward, leaves the range the series has ever had.",
                          "La tendencia previa, proyectada hacia adelante, sale del rango que la serie ha tenido."))
    return out


def evidence(result: dict, desired: str) -> dict:
    """The `evidence` block of a result (see docs/RESULT_SCHEMA.md)."""
    design = result["design"]
    reasons: list[dict] = list(result.pop("_insufficient_reasons", []))
    estimates = {e["id"]: e for e in result.get("estimates") or []}
    e = estimates.get(DIRECTION_ESTIMATE.get(design))
    comparison = result.get("baseline_comparison")
    if design == "indicator_trend" and (not comparison or not comparison.get("sufficient")):
        text = (comparison or {}).get("insufficient") or insufficient_baseline_text(0, 0)
        reasons.append(reason("insufficient_baseline", text["en"], text["es"]))
        e = None
    if e is None or not has_interval(e) or reasons:
        grade = "insufficient_data"
        if not reasons:
            reasons.append(reason("no_estimate", "No estimate meets the publication rules.",
                                  "Ninguna estimación cumple las reglas de publicación."))
    elif design in DID_DESIGNS:
        grade, reasons = _did_grade(result)
    elif design in ITS_DESIGNS:
        grade = "single_series_model"
        reasons.append(reason("single_series", "One series, no comparison group: anything else that changed at the break looks the same.",
                              "Una serie, sin grupo de comparación: cualquier otra cosa que cambiara en el corte se ve igual."))
    elif design in SYNTHETIC_DESIGNS:
        grade, reasons = synthetic_grade(result)
    elif design == "dose_response":
        grade = "association"
        reasons.append(reason("policy_followed_outcome", "The policy's intensity followed the outcome, so this is an association.",
                              "La intensidad de la política siguió al resultado, así que es una asociación."))
    else:
        grade = "descriptive"
        reasons.append(reason("descriptive", "Averages before and after October 2021: what changed, not why.",
                              "Promedios antes y después de octubre de 2021: qué cambió, no por qué."))
    direction, mde = "none", None
    baseline_mean = _baseline_mean(result)
    if grade != "insufficient_data":
        assert e is not None   # every grade but insufficient_data is given only with an estimate
        direction = "no_clear_change" if covers_zero(e) else "increase" if e["estimate"] > 0 else "decrease"
        if direction != "no_clear_change" and design in (*ITS_DESIGNS, *SYNTHETIC_DESIGNS):
            withheld = _its_checks(result, e) if design in ITS_DESIGNS else synthetic_checks(result, e)
            if withheld:
                reasons += withheld
                direction = "not_attributed"
        if direction in ("no_clear_change", "not_attributed"):
            reasons.append(reason("interval_covers_zero" if covers_zero(e) else "direction_withheld",
                                  "The 95% interval covers zero: no clear change." if covers_zero(e) else
                                  "The direction is not claimed for the reasons above.",
                                  "El intervalo del 95% incluye el cero: sin cambio claro." if covers_zero(e) else
                                  "No se afirma una dirección por las razones anteriores."))
            if covers_zero(e) and e.get("std_error") is not None:
                value = MDE_FACTOR * e["std_error"]
                mde = {"value": value, "share_of_baseline": value / abs(baseline_mean) if baseline_mean else None}
    return {"grade": grade, "direction": direction, "assessment": assessment(direction, desired),
            "estimate_id": e["id"] if e is not None and grade != "insufficient_data" else None,
            "reasons": reasons, "baseline_mean": baseline_mean, "mde": mde}


def finalize(result: dict, scope: str, desired_direction: str, threats: list[dict]) -> dict:
    """The result as it may be published: rules enforced, evidence graded, checked (PublicationError if not)."""
    if scope not in SCOPES:
        raise PublicationError(f"{result.get('name')}: scope {scope!r} is not one of {', '.join(SCOPES)}")
    if desired_direction not in DESIRED_DIRECTIONS:
        raise PublicationError(f"{result.get('name')}: desired_direction {desired_direction!r} is not one of "
                               f"{', '.join(DESIRED_DIRECTIONS)}")
    out = dict(result, scope=scope, desired_direction=desired_direction, threats=list(threats))
    if out.get("baseline_comparison"):
        out["baseline_comparison"] = enforce_baseline(out["baseline_comparison"])
        out["baseline_comparison"].pop("change_estimate", None)
        if not out["baseline_comparison"]["sufficient"]:
            out["estimates"] = [e for e in out.get("estimates") or [] if e.get("id") != "mean_change"]
    estimates = []
    for e in out.get("estimates") or []:
        e = dict(e, kind=e.get("kind") or KINDS.get(e["id"], "effect"))
        if e["kind"] == "level":
            e["p_value"] = None   # rule no_zero_test_for_levels
        estimates.append(e)
    out["estimates"] = estimates
    baseline_mean = _baseline_mean(out)
    out["estimates"] = [_mde(e, baseline_mean) for e in out["estimates"]]
    if out.get("headline"):
        head_id = DIRECTION_ESTIMATE.get(out["design"])
        match = next((e for e in out["estimates"] if e["id"] == head_id), None)
        if match is not None:
            out["headline"] = {**out["headline"], **{k: match[k] for k in ("mde", "mde_share_of_baseline") if k in match}}
    out["evidence"] = evidence(out, desired_direction)
    withheld = [r for r in out["evidence"]["reasons"] if r["id"] in WITHHOLDING_REASONS]
    if out["evidence"]["direction"] == "not_attributed" and withheld and out.get("reading"):
        out["reading"] = {lang: f"{out['reading'][lang]} " + (
            "The platform claims no direction here: " if lang == "en" else "La plataforma no afirma una dirección aquí: ")
            + " ".join(r[lang] for r in withheld) for lang in ("en", "es")}
    passed, violations = check(out)
    if violations:
        raise PublicationError(f"{out.get('name')}: " + "; ".join(f"{v['rule']}: {v['message']}" for v in violations))
    out["publication"] = {"rules_passed": passed}
    return out
