"""Indicator trends (`indicator_trend` specs) → result.json payloads: the monthly series, its mean before
and since October 2021 under the publication rules (evaluations.trends), and the same comparison for each
value of `data.by`. Descriptive: no causal estimate."""
from __future__ import annotations

import pandas as pd

from .. import formats
from ..publication import enforce_baseline
from ..reading import trend_reading
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
    result["figures"].append({"file": "trend.png", "kind": "trend", "alt": {
        "en": f"Monthly {outcome['en']}" + (" with the baseline and post-October-2021 means" if "baseline" in drawn else
                                            " with its mean over the months with data"),
        "es": f"{outcome['es'][:1].upper() + outcome['es'][1:]} mensual" + (
            " con los promedios de la línea base y posteriores a octubre de 2021" if "baseline" in drawn else
            " con su promedio en los meses con datos")},
        "caption": {"en": spec.title["en"], "es": spec.title["es"]}})
    return EvaluationOutput(result, tables,
                            {"trend.png": lambda path: plot_trend(series, drawn, path, spec.title["en"], units["en"], spec.data.source_text("en"))})


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


def plot_trend(series: pd.Series, block: dict, path, title: str, ylabel: str, source_note: str = ""):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.2), dpi=110)
    ax.plot(series.index, series.to_numpy(), color="#555555", lw=1, marker="o", ms=2.5, label="Monthly value")
    for key, colour in (("baseline", "#1f4e79"), ("post", "#c55a11")):
        w = block.get(key)
        if w:
            label = (f"Baseline mean ({w['months']} months)" if key == "baseline" else
                     f"Mean since {formats.month_short(w['start'], 'en')} ({w['months']} months)")
            ax.hlines(w["mean"], pd.Timestamp(w["start"]), pd.Timestamp(w["end"]), color=colour, lw=2, label=label)
    ax.axvline(pd.Timestamp("2021-10-01"), color="black", lw=0.8, ls=":")
    ax.set_title(title, fontsize=10)
    ax.set_ylabel(ylabel, fontsize=9)
    ax.legend(fontsize=8, frameon=False)
    if source_note:
        fig.text(0.01, 0.01, source_note[:160], fontsize=7, color="#555555")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)
    return path
