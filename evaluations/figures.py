"""The conventions every static figure follows, in the figure's language ("en" or "es").

- Fixed chart words (legends, axis labels, notes) are in `WORDS`, one entry per word in both languages; titles,
  outcomes and units come from the spec or the result (`spec.title`, `spec.units`), never from here.
- Numbers on axes and in annotations are written by evaluations/formats.py (`LocaleFormatter`), so a figure
  groups thousands and signs numbers exactly as the page around it.
- The start of the Framework (`FRAMEWORK_START`, the one date, from evaluations.its) is marked on every time
  axis that spans it, with one bilingual label (`framework_label`).
- The source line says where the data come from and how far they run (`source_note`).
- `per_month` turns a spec's units into the units of a monthly series ("victims" → "victims per month") unless
  they already say the period.

A figure is drawn once per language: `<name>.png` (English) and `<name>.es.png` (Spanish); `twin_name` gives the
second name and `bilingual` makes both drawing functions from one.
"""
from __future__ import annotations

import functools
import math
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.ticker import Formatter

from . import formats
from .its import FRAMEWORK_START

LANGS = ("en", "es")

WORDS: dict[str, dict[str, str]] = {
    # time series (trend, ITS)
    "monthly_value": {"en": "Monthly value", "es": "Valor mensual"},
    "published_value": {"en": "Value as published", "es": "Valor publicado"},
    "baseline_mean": {"en": "Baseline mean ({months} months)", "es": "Promedio de la línea base ({months} meses)"},
    "mean_since": {"en": "Mean since {month} ({months} months)", "es": "Promedio desde {month} ({months} meses)"},
    "observed": {"en": "Observed", "es": "Observado"},
    "fitted": {"en": "Fitted", "es": "Ajustado"},
    "counterfactual": {"en": "Counterfactual (no change)", "es": "Contrafactual (sin cambio)"},
    "break": {"en": "Break: {month}", "es": "Corte: {month}"},
    "framework": {"en": "Bicentennial Framework ({month})", "es": "Entendimiento Bicentenario ({month})"},
    # event studies
    "months_since_treatment": {"en": "Months since treatment start", "es": "Meses desde el inicio del tratamiento"},
    "before_treatment": {"en": "before treatment", "es": "antes del tratamiento"},
    "after_treatment": {"en": "after treatment", "es": "después del tratamiento"},
    "ci": {"en": "{level}% confidence interval", "es": "intervalo de confianza del {level}%"},
    "band": {"en": "{level}% {kind} band", "es": "banda {kind} del {level}%"},
    "simultaneous": {"en": "simultaneous", "es": "simultánea"},
    "pointwise": {"en": "pointwise", "es": "puntual"},
    "effect_on": {"en": "Effect ({units})", "es": "Efecto ({units})"},
    "cs_sample": {"en": "{units} units, {cohorts} cohorts, comparison: {control} units",
                  "es": "{units} unidades, {cohorts} cohortes, comparación: unidades {control}"},
    "never_treated": {"en": "never-treated", "es": "nunca tratadas"},
    "not_yet_treated": {"en": "not-yet-treated", "es": "aún no tratadas"},
    # pre-trend power (Roth 2022)
    "estimate_ci": {"en": "Estimate (95% CI)", "es": "Estimación (IC 95%)"},
    "hypothesised_trend": {"en": "Hypothesised trend", "es": "Tendencia hipotética"},
    "after_pretest": {"en": "Expected after passing the pre-test", "es": "Esperado tras aprobar la prueba previa"},
    "pretrend_title": {"en": "Event study and hypothesised trend", "es": "Estudio de eventos y tendencia hipotética"},
    "coefficient": {"en": "Coefficient", "es": "Coeficiente"},
    "periods_since_treatment": {"en": "Periods since treatment", "es": "Periodos desde el tratamiento"},
    # source line
    "source": {"en": "Source: {sources}", "es": "Fuente: {sources}"},
    "sources": {"en": "Sources: {sources}", "es": "Fuentes: {sources}"},
    "data_through": {"en": "data through {month}", "es": "datos hasta {month}"},
    "retrieved": {"en": "retrieved {date}", "es": "consultado el {date}"},
    "per_month": {"en": "{units} per month", "es": "{units} al mes"},
}

# the hot-spot transitions of the maps (evaluations.spatial.hotspots) in Spanish; the English labels are the keys
TRANSITION_LABELS_ES = {
    "persistent hot": "caliente persistente", "new hot": "caliente nuevo", "former hot": "caliente anterior",
    "persistent cold": "frío persistente", "new cold": "frío nuevo", "former cold": "frío anterior",
    "hot → cold": "caliente → frío", "cold → hot": "frío → caliente",
    "persistent outlier": "atípico persistente", "new outlier": "atípico nuevo", "former outlier": "atípico anterior",
    "hot → outlier": "caliente → atípico", "cold → outlier": "frío → atípico",
    "outlier → hot": "atípico → caliente", "outlier → cold": "atípico → frío",
    "not significant": "no significativo",
}


def word(key: str, lang: str, **values) -> str:
    """A fixed chart word in `lang`, with its placeholders filled."""
    formats.locale_of(lang)
    text = WORDS[key][lang]
    return text.format(**values) if values else text


def twin_name(name: str, lang: str) -> str:
    """The file name of a figure in `lang`: "trend.png" in English, "trend.es.png" in Spanish."""
    if lang == "en":
        return name
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}.{lang}.{suffix}" if dot else f"{name}.{lang}"


def bilingual(name: str, draw: Callable[[Path, str], Any]) -> dict[str, Callable[[Path], Any]]:
    """{"x.png": draw in English, "x.es.png": draw in Spanish} for a design's `figures`; `draw(path, lang)`."""
    return {twin_name(name, lang): functools.partial(_draw_in, draw, lang) for lang in LANGS}


def _draw_in(draw: Callable[[Path, str], Any], lang: str, path: Path) -> Any:
    return draw(path, lang)


def framework_label(lang: str) -> str:
    """"Bicentennial Framework (Oct 2021)" / "Entendimiento Bicentenario (oct 2021)"."""
    return word("framework", lang, month=formats.month_short(FRAMEWORK_START, lang))


def per_month(units: str, lang: str) -> str:
    """The units of a monthly series: the spec's units, with "per month" / "al mes" unless they name a period."""
    lowered = units.lower()
    if any(w in lowered for w in ("month", "year", "mes", "año", "anual", "annual")):
        return units
    return word("per_month", lang, units=units)


def capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def source_note(sources, lang: str, through=None, retrieved=None, limit: int = 400) -> str:
    """"Source: SESNSP víctimas · data through June 2025 · retrieved July 20, 2025" in `lang` (parts that are not
    known are left out). `sources` is the spec's text (sources separated by ";"), a list of texts, or a list of
    (text, retrieval dates) as `SpecData.dated_sources` gives them: sources retrieved on one same date share one
    "retrieved" at the end, otherwise each source is followed by its own ("CBP seizures, retrieved March 5, 2026;
    CONAPO population, retrieved June 16, 2025")."""
    listed = sources.split(";") if isinstance(sources, str) else sources or []
    items = [(s, []) if isinstance(s, str) else (s[0], list(s[1])) for s in listed]
    items = [(text.strip(), dates) for text, dates in items if text.strip()]
    dates = {tuple(d) for _, d in items}
    if retrieved is None and len(dates) == 1 and len(next(iter(dates))) == 1:   # one date for every source
        retrieved, items = next(iter(dates))[0], [(text, []) for text, _ in items]
    parts = []
    if items:
        joined = dated_sources_text(items, lang)
        if len(joined) > limit:
            joined = joined[: limit - 1].rstrip() + "…"
        parts.append(word("sources" if len(items) > 1 else "source", lang, sources=joined))
    if through:
        parts.append(word("data_through", lang, month=formats.month(through, lang)))
    if retrieved:
        parts.append(word("retrieved", lang, date=formats.date(retrieved, lang)))
    return " · ".join(parts)


def dated_sources_text(items, lang: str) -> str:
    """(text, retrieval dates) pairs as one text: "CBP seizures, retrieved March 5, 2026; CONAPO population"."""
    return "; ".join(text + "".join(", " + word("retrieved", lang, date=formats.date(d, lang)) for d in dated)
                     for text, dated in items)


class LocaleFormatter(Formatter):
    """Tick labels written by evaluations/formats.py in `lang`: thousands grouped, the locale's minus sign, and
    as many decimals as the tick spacing needs (0, 0.5, 1 → "0.0", "0.5", "1.0"; 0, 20,000 → "0", "20,000")."""

    def __init__(self, lang: str, max_digits: int = 4):
        formats.locale_of(lang)
        self.lang = lang
        self.max_digits = max_digits

    def digits(self) -> int:
        locs = [float(x) for x in self.locs if math.isfinite(x)]
        for d in range(self.max_digits + 1):
            if all(abs(round(x, d) - x) <= 1e-9 * max(1.0, abs(x)) for x in locs):
                return d
        return self.max_digits

    def __call__(self, x, pos=None) -> str:
        return formats.number(x, self.lang, self.digits())


def localize_axis(ax, lang: str, axis: str = "y") -> None:
    """Number the `axis` ("x", "y" or "both") of `ax` in `lang` (see LocaleFormatter)."""
    for name in ("x", "y") if axis == "both" else (axis,):
        getattr(ax, f"{name}axis").set_major_formatter(LocaleFormatter(lang))


def mark_framework(ax, lang: str, start, end, x=None) -> bool:
    """Mark the start of the Framework on a time axis that spans it (from `start` to `end`): a dotted vertical
    line at `x` (the date itself on a date axis, or its position on another axis) with the bilingual label
    at the top. Returns whether the axis spans it (and the mark was drawn)."""
    if start is None or end is None or not (pd.Timestamp(start) < FRAMEWORK_START <= pd.Timestamp(end)):
        return False
    draw_framework_mark(ax, lang, FRAMEWORK_START if x is None else x)
    return True


def draw_framework_mark(ax, lang: str, x, line: bool = True) -> None:
    """The dotted line at `x` (where the Framework starts on this axis) and its label at the top; `line=False`
    labels a line the figure already draws there (a break dated at the Framework's start)."""
    if line:
        ax.axvline(x, color="black", lw=0.8, ls=":", zorder=1)
    ax.annotate(framework_label(lang), xy=(x, 1.0), xycoords=("data", "axes fraction"), xytext=(3, -3),
                textcoords="offset points", ha="left", va="top", fontsize=7.5, color="#333333")


def localize_dates(ax, lang: str) -> None:
    """Date ticks in `lang`: years as numbers, months as "Oct 2021" / "oct 2021" (CLDR via formats)."""
    import matplotlib.dates as mdates

    class _Dates(Formatter):
        def __call__(self, x, pos=None) -> str:
            when = mdates.num2date(x)
            return str(when.year) if when.month == 1 and when.day == 1 else formats.month_short(when.date(), lang)

    ax.xaxis.set_major_formatter(_Dates())


def set_title(ax, title: str, width: int = 90) -> None:
    """The figure's title, on two lines when it is longer than `width` characters (a spec title can be long)."""
    ax.set_title(textwrap.fill(title, width), fontsize=10)


def footnote(fig, text: str) -> float:
    """The source line (or lines, separated by newlines) at the bottom left of the figure; returns the share of
    the figure's height it takes, for `tight_layout(rect=(0, share, 1, 1))`."""
    if not text:
        return 0.0
    width = int(fig.get_figwidth() * 16.5)      # characters of 7-point text across the figure
    text = "\n".join(textwrap.fill(line, width, break_on_hyphens=False) for line in text.split("\n"))
    fig.text(0.01, 0.01, text, fontsize=7, color="#444444", ha="left", va="bottom", linespacing=1.3)
    return 0.01 + 0.03 * (text.count("\n") + 1)


def save(fig, path) -> Path:
    """Write the figure (PNG without the Software stamp, so the same drawing gives the same bytes; SVG or another
    format by the file's suffix) and close it."""
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, metadata={"Software": None} if path.suffix.lower() == ".png" else None)
    plt.close(fig)
    return path
