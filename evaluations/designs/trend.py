"""Indicator trends (`indicator_trend` specs) → result.json payloads: the monthly series, its mean before
and since October 2021 under the publication rules (evaluations.trends), and the same comparison for each
value of `data.by`. Descriptive: no causal estimate."""
from __future__ import annotations

import pandas as pd

from .. import figures as fig_text
from .. import formats
from ..publication import enforce_baseline
from ..reading import fmt, trend_reading
from ..spec_model import EvaluationSpec, SpecError
from ..trends import CAVEAT, baseline_comparison
from .common import NATIONAL, EvaluationOutput, _baseline, _est, _skeleton, _trend_block, monthly_series


def run_trend(spec: EvaluationSpec, frame: pd.DataFrame) -> EvaluationOutput:
    series = monthly_series(spec, frame).dropna()
    if series.empty:
        raise SpecError(f"{spec.name}: no rows with a value in {spec.data.table} after the filter")
    outcome, units = spec.outcome_texts()
    result = _skeleton(spec, NATIONAL, series.index.min(), series.index.max(), 1, len(series))
    comparison = _baseline(spec, series)
    block, change = _trend_block(spec, series)
    result["baseline_comparison"] = block
    if block is not None and change is not None:   # _trend_block gives a change only with its block
        b, p = block["baseline"], block["post"]
        result["estimates"].append(_est(change, "mean_change", {
            "en": f"Change in the monthly mean, {b['months']} months before vs {p['months']} months since October 2021 (descriptive)",
            "es": f"Cambio en el promedio mensual, {b['months']} meses antes vs {p['months']} meses desde octubre de 2021 "
                  f"(descriptivo)"}, units))
        result["results"]["trend"] = {"mean_change": dict(change), "hac_lags": comparison.hac_lags}
    post_mean = comparison.post_mean_estimate
    if post_mean is not None:
        p = comparison.post
        first, last = p["first_month_with_data"], p["end"]
        result["estimates"].append(_est(post_mean, "post_mean", {
            "en": f"Monthly mean, {formats.month_short(first, 'en')} – {formats.month_short(last, 'en')} (descriptive; interval for month-to-month noise)",
            "es": f"Promedio mensual, {formats.month_short(first, 'es')} – {formats.month_short(last, 'es')} (descriptivo; intervalo por la "
                  f"variación mensual)"}, units))
        result["results"].setdefault("trend", {})["post_mean"] = {k: v for k, v in post_mean.items() if k != "p_value"}
    windows = block or {"baseline": comparison.baseline, "post": comparison.post}
    result["reading"] = trend_reading(outcome, dict(windows, change_estimate=change), units, CAVEAT, spec.notes)
    tables = {"series.csv": series.rename("value").rename_axis("period").reset_index()}
    if spec.data.by:
        tables["by_unit.csv"] = _trend_by_unit(spec, frame, spec.data.by)
        by = spec.data.by_label or {"en": spec.data.by, "es": spec.data.by}
        result["tables"].append({"file": "by_unit.csv", "caption": {
            "en": f"The same comparison for each {by['en']} (descriptive)",
            "es": f"La misma comparación para cada {by['es']} (descriptiva)"}})
    result["tables"].append({"file": "series.csv", "caption": {"en": f"Monthly series: {outcome['en']}",
                                                               "es": f"Serie mensual: {outcome['es']}"}})
    drawn = block if block and block.get("sufficient") else {"post": comparison.post}
    result["figures"].append({"file": "trend.png", "kind": "trend", "alt": trend_alt(outcome, units, drawn),
                              "caption": {"en": spec.title["en"], "es": spec.title["es"]}})
    return EvaluationOutput(result, tables, fig_text.bilingual("trend.png", lambda path, lang: plot_trend(
        series, drawn, path, spec.title[lang], fig_text.per_month(units[lang], lang),
        fig_text.source_note(spec.data.dated_sources(lang), lang, through=series.index.max()), lang)))


def trend_alt(outcome: dict, units: dict, drawn: dict) -> dict:
    """What the trend chart shows, in words: the means it draws, with their months (descriptive)."""
    b, p = drawn.get("baseline"), drawn.get("post")
    out = {}
    for lang in ("en", "es"):
        what, unit = fig_text.capitalized(outcome[lang]), fig_text.per_month(units[lang], lang)
        since = formats.month(p.get("first_month_with_data") or p["start"], lang) if p else ""
        if b and p:
            out[lang] = (f"{what}, month by month: on average {fmt(b['mean'], lang)} {unit} in the {b['months']} months "
                         f"before October 2021 and {fmt(p['mean'], lang)} in the {p['months']} months since (descriptive, "
                         f"through {formats.month(p['end'], lang)})." if lang == "en" else
                         f"{what}, mes a mes: en promedio {fmt(b['mean'], lang)} {unit} en los {b['months']} meses antes de "
                         f"octubre de 2021 y {fmt(p['mean'], lang)} en los {p['months']} meses posteriores (descriptivo, "
                         f"hasta {formats.month(p['end'], lang)}).")
        elif p:
            out[lang] = (f"{what}, month by month: on average {fmt(p['mean'], lang)} {unit} over the {p['months']} months "
                         f"with data from {since} to {formats.month(p['end'], lang)}." if lang == "en"
                         else f"{what}, mes a mes: en promedio {fmt(p['mean'], lang)} {unit} en los {p['months']} meses con "
                         f"datos de {since} a {formats.month(p['end'], lang)}.")
        else:
            out[lang] = f"{what}, month by month." if lang == "en" else f"{what}, mes a mes."
    return out


def _trend_by_unit(spec: EvaluationSpec, frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """The before/after comparison for each `by` value, under the same publication rules as the headline."""
    rows = []
    for key, part in monthly_series(spec, frame, by=by).dropna().groupby(level=1):
        c = baseline_comparison(part.droplevel(1), name=f"{spec.name} {key}")
        block = enforce_baseline(dict(c.to_dict(), change_estimate=c.change_estimate)) if c.baseline and c.post else None
        ok = bool(block and block["sufficient"])
        rows.append({by: key, "baseline_months": c.baseline["months"] if c.baseline else 0,
                     "baseline_mean": c.baseline["mean"] if c.baseline else None,
                     "post_mean": c.post["mean"] if c.post else None, "change": c.change if ok else None,
                     "percent_change": c.percent_change if ok else None,
                     **{f"change_{k}": (v if ok else None) for k, v in (c.change_estimate or {}).items()}})
    return pd.DataFrame(rows)


def plot_trend(series: pd.Series, block: dict, path, title: str, ylabel: str, source_note: str = "", lang: str = "en",
               series_label: str = "monthly_value"):
    """The monthly series with the baseline and post means of `block` (those it has), in `lang`; the start of
    the Framework marked when the series spans it. `series_label`: the word of evaluations.figures naming the
    series ("monthly_value", or "published_value" for a series shown as published)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .. import figures as fig_text

    fig, ax = plt.subplots(figsize=(8, 4.2), dpi=110)
    ax.plot(series.index, series.to_numpy(), color="#555555", lw=1, marker="o", ms=2.5,
            label=fig_text.word(series_label, lang))
    for key, colour in (("baseline", "#1f4e79"), ("post", "#c55a11")):
        w = block.get(key)
        if w:
            label = (fig_text.word("baseline_mean", lang, months=w["months"]) if key == "baseline" else
                     fig_text.word("mean_since", lang, month=formats.month_short(w["start"], lang), months=w["months"]))
            ax.hlines(w["mean"], pd.Timestamp(w["start"]), pd.Timestamp(w["end"]), color=colour, lw=2, label=label)
    fig_text.mark_framework(ax, lang, series.index.min(), series.index.max())
    fig_text.localize_axis(ax, lang)
    fig_text.set_title(ax, title)
    ax.set_ylabel(ylabel, fontsize=9)
    ax.legend(fontsize=8, frameon=False, loc="best")
    fig_text.footnote(fig, source_note)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return fig_text.save(fig, path)
