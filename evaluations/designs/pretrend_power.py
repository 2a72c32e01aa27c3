"""The power of a staggered design's pre-trend check (Roth 2022), reported beside it.

The check shown on the site is "no pre-treatment event-time effect of the Callaway–Sant'Anna event study has a
band that excludes zero". Its power is computed for exactly that test: the event-time effects' covariance is the
influence-function one (`did.event_vcov`), rescaled to the standard errors the bands use (bootstrap or
analytic), and each pre-period effect is compared with the band's critical value. The hypothesised violation is
a linear difference in trends, one step per month (`did.pretrend_power`).
"""
from __future__ import annotations

import numpy as np

from .. import formats
from ..did.event_vcov import cs_event_vcov
from ..did.pretrend_power import linear_trend, pre_period_mask, pretrend_power, rejection_probability
from ..did.twfe import DidInputError
from ..reading import fmt

TOLERANCE = 1e-3      # absolute error of the rectangle probabilities (R mvtnorm's default): ample for the printed digits


def pretrend_power_diagnostics(cs, dynamic, units: dict) -> dict:
    """``{"pretrend_power": {...}}`` for a staggered result's diagnostics; empty when nothing can be tested."""
    entry = pretrend_power_diagnostic(cs, dynamic, units)
    return {"pretrend_power": entry} if entry else {}


def pretrend_power_diagnostic(cs, dynamic, units: dict) -> dict | None:
    """The `pretrend_power` diagnostic of a staggered result, or None when there is no pre-period to test.

    `cs` is the `CSResult`, `dynamic` its default dynamic aggregation (whose bands the pre-trend check uses),
    `units` the outcome's unit labels {"en", "es"}.
    """
    ev = cs_event_vcov(cs)
    shown = dynamic.by.set_index("event_time")["std_error"].reindex(ev.event_times.astype(float)).to_numpy()
    keep = np.isfinite(shown) & (shown > 0)
    if not (keep & ev.pre).any() or not (keep & ev.post).any():
        return None
    analytic = ev.std_errors
    scale = np.where(keep, shown / np.where(analytic > 0, analytic, 1.0), 0.0)[keep]
    sigma = ev.sigma[np.ix_(keep, keep)] * np.outer(scale, scale)
    times, beta = ev.event_times[keep], ev.betahat[keep]
    threshold = float(dynamic.critical_value)
    try:
        res = pretrend_power(beta, sigma, times, ev.reference, threshold=threshold, base=ev.base,
                             tolerance=TOLERANCE)
    except DidInputError:       # the check fails under parallel trends too often to have an 80%-power slope
        res = pretrend_power(beta, sigma, times, ev.reference, slope=0.0, threshold=threshold, base=ev.base,
                             tolerance=TOLERANCE)
    pre, post = pre_period_mask(times, ev.reference, ev.base), times > ev.reference
    per_unit_slope = float(linear_trend(times, ev.reference, 1.0, ev.base)[post].mean())
    average = float(dynamic.overall["estimate"])
    explaining = average / per_unit_slope if per_unit_slope else None
    power_explaining = (rejection_probability(explaining * linear_trend(times, ev.reference, 1.0, ev.base)[pre],
                                              sigma[np.ix_(pre, pre)], threshold, TOLERANCE)
                        if explaining is not None else None)
    out: dict = {
        "slope_80": res.slope_80, "slope_50": res.slope_50, "size": res.size,
        "bias_post_average_at_slope_80": abs(res.bias_post_average) if res.slope_80 is not None else None,
        "slope_explaining_estimate": abs(explaining) if explaining is not None else None,
        "power_against_explaining_slope": power_explaining,
        "threshold": threshold, "pre_event_times": int(pre.sum()), "post_event_times": int(post.sum()),
        "base_period": ev.base, "reference_period": ev.reference,
        "method": "Roth (2022): power of 'no pre-treatment event-time effect outside its band' against a linear "
                  "difference in trends; covariance from the influence functions, scaled to the bands' standard errors",
    }
    out["label"] = _sentence(out, units)
    return out


def _sentence(d: dict, units: dict) -> dict:
    """The diagnostic's label, one sentence without its final period (the diagnostics line adds it)."""
    if d["slope_80"] is None:
        return {lang: (f"Power of this pre-test (Roth 2022): it flags a pre-treatment effect with probability "
                       f"{formats.percent(d['size'], lang)} even under parallel trends, so no linear pre-trend can be "
                       f"said to be detected with 80% probability" if lang == "en" else
                       f"Potencia de esta prueba previa (Roth 2022): señala un efecto previo al tratamiento con "
                       f"probabilidad de {formats.percent(d['size'], lang)} aun con tendencias paralelas, por lo que "
                       f"no puede decirse qué tendencia previa lineal detectaría con 80% de probabilidad")
                for lang in ("en", "es")}
    x = {lang: fmt(d["slope_80"], lang) for lang in ("en", "es")}
    y = {lang: fmt(d["bias_post_average_at_slope_80"], lang) for lang in ("en", "es")}
    text = {
        "en": f"Power of this pre-test (Roth 2022): it would detect with 80% probability a linear pre-trend in which "
              f"the gap between treated and comparison units changes by {x['en']} ({units['en']}) each month; a "
              f"smaller trend could go unnoticed and, once the pre-test is passed, bias the average effect over event "
              f"times by up to {y['en']}",
        "es": f"Potencia de esta prueba previa (Roth 2022): detectaría con 80% de probabilidad una tendencia previa "
              f"lineal en la que la brecha entre unidades tratadas y de comparación cambia {x['es']} ({units['es']}) "
              f"cada mes; una tendencia menor podría pasar inadvertida y, una vez aprobada la prueba, sesgar el efecto "
              f"promedio sobre tiempos de evento hasta en {y['es']}",
    }
    if d["power_against_explaining_slope"] is None:
        return text
    z = {lang: fmt(d["slope_explaining_estimate"], lang) for lang in ("en", "es")}
    p = {lang: formats.percent(d["power_against_explaining_slope"], lang) for lang in ("en", "es")}
    return {
        "en": f"{text['en']} (a trend just large enough to produce the whole average effect, {z['en']} per month, "
              f"would be detected with probability {p['en']})",
        "es": f"{text['es']} (una tendencia apenas suficiente para producir todo el efecto promedio, {z['es']} al mes, "
              f"se detectaría con probabilidad de {p['es']})",
    }
