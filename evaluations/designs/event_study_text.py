"""Alt texts of the staggered designs' event-study figures: what each chart shows, in words, from the numbers the
result already holds (the headline, the pre-trend diagnostic, the TWFE event-study table); nothing recomputed."""
from __future__ import annotations

import pandas as pd

from ..reading import fmt

BAND = {"simultaneous": {"en": "simultaneous", "es": "simultánea"}, "pointwise": {"en": "pointwise", "es": "puntual"}}


def _ci(est: dict, lang: str) -> str:
    return f"{fmt(est['ci_low'], lang)} {'to' if lang == 'en' else 'a'} {fmt(est['ci_high'], lang)}"


def _count(n: int, total: int, lang: str) -> str:
    return f"{n} of {total}" if lang == "en" else f"{n} de {total}"


def event_study_alt(simple: dict, units: dict, pretrend: dict, band: str) -> dict:
    """Callaway–Sant'Anna event study: the average effect after treatment with its 95% CI, and how many
    pre-treatment months have a band that excludes zero."""
    n_pre, outside = pretrend.get("pre_event_times") or 0, pretrend.get("pre_event_times_band_excludes_zero") or 0
    kind = BAND.get(band, {"en": band, "es": band})
    return {
        "en": f"Callaway–Sant'Anna estimates by month since treatment with their {kind['en']} 95% band. Average effect "
              f"after treatment: {fmt(simple['estimate'], 'en')} {units['en']} (95% CI {_ci(simple, 'en')}). Before "
              f"treatment, {_count(outside, n_pre, 'en')} monthly estimates have a band that excludes zero.",
        "es": f"Estimaciones de Callaway–Sant'Anna por mes desde el tratamiento con su banda {kind['es']} del 95%. "
              f"Efecto promedio después del tratamiento: {fmt(simple['estimate'], 'es')} {units['es']} (IC 95% "
              f"{_ci(simple, 'es')}). Antes del tratamiento, {_count(outside, n_pre, 'es')} estimaciones mensuales tienen "
              f"una banda que excluye el cero.",
    }


def twfe_event_study_alt(table: pd.DataFrame, units: dict) -> dict:
    """TWFE event study: how many coefficients before and after treatment have a 95% interval that excludes zero,
    and the range of the post-treatment coefficients."""
    excludes = (table["ci_low"] > 0) | (table["ci_high"] < 0)
    pre, post = table["event_time"] < 0, table["event_time"] >= 0
    low, high = table.loc[post, "estimate"].min(), table.loc[post, "estimate"].max()
    return {
        "en": f"Two-way fixed effects event-study coefficients by month since treatment with 95% confidence intervals. "
              f"{_count(int((excludes & pre).sum()), int(pre.sum()), 'en')} coefficients before treatment and "
              f"{_count(int((excludes & post).sum()), int(post.sum()), 'en')} after it have an interval that excludes "
              f"zero; after treatment they range from {fmt(low, 'en')} to {fmt(high, 'en')} {units['en']}.",
        "es": f"Coeficientes del estudio de eventos de efectos fijos de dos vías por mes desde el tratamiento con "
              f"intervalos de confianza del 95%. {_count(int((excludes & pre).sum()), int(pre.sum()), 'es').capitalize()} "
              f"coeficientes antes del tratamiento y {_count(int((excludes & post).sum()), int(post.sum()), 'es')} después "
              f"tienen un intervalo que excluye el cero; después del tratamiento van de {fmt(low, 'es')} a "
              f"{fmt(high, 'es')} {units['es']}.",
    }
