"""Interrupted time series (`its`) and comparative ITS (`comparative_its`) specs → result.json payloads.

The publication rules decide what may be modelled (evaluations.publication.vocabulary):
- a series of rolling sums (spec `data.rolling_months`) is never modelled: it is shown as published,
  with calendar-year totals where the window is 12 months;
- a series with fewer than ITS_MIN_PRE months before the break or ITS_MIN_POST from it gets no model;
- otherwise the segmented regression (evaluations.its.fit_its, Newey–West lags chosen from the residuals)
  is the headline, with a quadratic-pre-trend fit beside it as a sensitivity row.
"""
from __future__ import annotations

import pandas as pd

from .. import figures as fig_text
from .. import formats
from ..its import FRAMEWORK_START, ITSInputError, comparative_series, fit_its, plot_its
from ..publication.evidence import reason
from ..publication.vocabulary import ITS_MIN_POST, ITS_MIN_PRE
from ..reading import fmt, its_reading, join
from ..spec_model import EvaluationSpec, SpecError
from .common import GROUPS, NATIONAL, EvaluationOutput, _clean_num, _est, _skeleton, _trend_block, monthly_series
from .trend import plot_trend


def its_options(spec: EvaluationSpec) -> dict:
    o = spec.estimators.options("its")
    return {"break_date": pd.Timestamp(o.break_date or FRAMEWORK_START), "seasonality": o.seasonality,
            "placebo_shift": o.placebo_shift, "hac_lags": o.hac_lags, "min_side": o.min_side}


def _series(spec: EvaluationSpec, frame: pd.DataFrame):
    d = spec.data
    if spec.design == "comparative_its":
        treated = monthly_series(spec, frame, d.treated).dropna()
        comparison = monthly_series(spec, frame, d.comparison).dropna()
        return comparative_series(treated, comparison), GROUPS, 2, treated, comparison
    series = monthly_series(spec, frame, d.series_query).dropna()
    return series, NATIONAL, 1, None, None


def _series_figure(spec: EvaluationSpec, series: pd.Series, result: dict, finding: dict) -> dict:
    """The series as published (no model), drawn in both languages; `finding` ends its alt text."""
    outcome, units = spec.outcome_texts()
    result["figures"].append({"file": "series.png", "kind": "series", "alt": {
        "en": f"{fig_text.capitalized(outcome['en'])}, month by month as published: {finding['en']}",
        "es": f"{fig_text.capitalized(outcome['es'])}, mes a mes como se publica: {finding['es']}"},
        "caption": {"en": spec.title["en"], "es": spec.title["es"]}})
    return fig_text.bilingual("series.png", lambda path, lang: plot_trend(
        series, {}, path, spec.title[lang], fig_text.per_month(units[lang], lang),
        fig_text.source_note(spec.data.dated_sources(lang), lang, through=series.index.max()), lang, "published_value"))


def _rolling_output(spec: EvaluationSpec, series: pd.Series, unit: dict[str, str], n_units: int, months: int) -> EvaluationOutput:
    """A rolling-sum series: no model. Calendar-year totals (the value ending in December) when the window is 12."""
    outcome, _ = spec.outcome_texts()
    result = _skeleton(spec, unit, series.index.min(), series.index.max(), n_units, len(series))
    result["data"]["rolling_months"] = months
    result["_insufficient_reasons"] = [reason(
        "rolling_sums", f"Each value sums {months} months, so consecutive values share {months - 1}: no model is fitted.",
        f"Cada valor suma {months} meses, así que valores consecutivos comparten {months - 1}: no se ajusta ningún modelo.")]
    tables = {"series.csv": series.rename("value").rename_axis("period").reset_index()}
    years = series[series.index.month == 12] if months == 12 else series.iloc[0:0]
    years_text = {"en": "", "es": ""}
    if not years.empty:
        table = pd.DataFrame({"year": years.index.year, "total": years.to_numpy()})
        tables["calendar_years.csv"] = table
        result["tables"].append({"file": "calendar_years.csv", "caption": {
            "en": f"Calendar-year totals: {outcome['en']} (the 12 months ending in December)",
            "es": f"Totales por año calendario: {outcome['es']} (los 12 meses que terminan en diciembre)"}})
        shown = table.tail(6)
        years_text = {lang: ("Calendar-year totals: " if lang == "en" else "Totales por año calendario: ")
                      + "; ".join(f"{y}: {fmt(v, lang, 0)}" for y, v in zip(shown["year"], shown["total"])) + "."
                      for lang in ("en", "es")}
    last = series.index.max()
    result["reading"] = join(
        {"en": f"{outcome['en'][:1].upper() + outcome['en'][1:]}: the source publishes {months}-month rolling sums "
               f"(latest: {fmt(series.iloc[-1], 'en', 0)} in the {months} months ending {formats.month(last, 'en')}). Because "
               f"consecutive values share {months - 1} months, the platform fits no model and reports no before/after change "
               f"on them.",
         "es": f"{outcome['es'][:1].upper() + outcome['es'][1:]}: la fuente publica sumas móviles de {months} meses "
               f"(la más reciente: {fmt(series.iloc[-1], 'es', 0)} en los {months} meses que terminan en {formats.month(last, 'es')}). Como "
               f"valores consecutivos comparten {months - 1} meses, la plataforma no ajusta ningún modelo ni reporta un cambio "
               f"antes/después sobre ellos."}, years_text, spec.notes or {})
    result["tables"].append({"file": "series.csv", "caption": {"en": "Monthly series as published", "es": "Serie mensual como se publica"}})
    latest = {lang: (f"the latest value is {fmt(series.iloc[-1], lang, 0)} in the {months} months ending "
                     f"{formats.month(last, lang)}; no model is fitted to rolling sums." if lang == "en" else
                     f"el valor más reciente es {fmt(series.iloc[-1], lang, 0)} en los {months} meses que terminan en "
                     f"{formats.month(last, lang)}; no se ajusta ningún modelo a sumas móviles.") for lang in ("en", "es")}
    return EvaluationOutput(result, tables, _series_figure(spec, series, result, latest))


def _too_short_output(spec: EvaluationSpec, series: pd.Series, unit: dict[str, str], n_units: int, n_pre: int, n_post: int, break_date) -> EvaluationOutput:
    outcome, _ = spec.outcome_texts()
    result = _skeleton(spec, unit, series.index.min(), series.index.max(), n_units, len(series))
    text = {"en": f"{n_pre} months before {formats.month(break_date, 'en')} and {n_post} from it; an interrupted time series "
                  f"needs at least {ITS_MIN_PRE} and {ITS_MIN_POST}, so no change is estimated.",
            "es": f"{n_pre} meses antes de {formats.month(break_date, 'es')} y {n_post} desde entonces; una serie de tiempo interrumpida "
                  f"necesita al menos {ITS_MIN_PRE} y {ITS_MIN_POST}, así que no se estima ningún cambio."}
    result["_insufficient_reasons"] = [reason("its_too_short", text["en"], text["es"])]
    result["results"]["its"] = {"n_pre": n_pre, "n_post": n_post, "break_date": str(break_date.date())}
    result["reading"] = join({lang: f"{outcome[lang][:1].upper() + outcome[lang][1:]}: {text[lang]}"
                              for lang in ("en", "es")}, spec.notes or {})
    tables = {"series.csv": series.rename("value").rename_axis("period").reset_index()}
    result["tables"].append({"file": "series.csv", "caption": {"en": "Monthly series", "es": "Serie mensual"}})
    return EvaluationOutput(result, tables, _series_figure(spec, series, result, text))


def run_its(spec: EvaluationSpec, frame: pd.DataFrame) -> EvaluationOutput:
    d = spec.data
    outcome, units = spec.outcome_texts()
    opts = its_options(spec)
    series, unit, n_units, treated, comparison = _series(spec, frame)
    if series.empty:
        raise SpecError(f"{spec.name}: no rows with a value in {d.table} after the filter")
    if d.rolling_months:
        return _rolling_output(spec, series, unit, n_units, d.rolling_months)
    n_pre = int((series.index < opts["break_date"]).sum())
    n_post = int(len(series) - n_pre)
    if n_pre < ITS_MIN_PRE or n_post < ITS_MIN_POST:
        return _too_short_output(spec, series, unit, n_units, n_pre, n_post, opts["break_date"])
    fit_options = dict(seasonality=opts["seasonality"], hac_lags=opts["hac_lags"], min_side=opts["min_side"])
    try:
        fit = fit_its(series, opts["break_date"], placebo_shift=opts["placebo_shift"], name=spec.name, **fit_options)
        quadratic = fit_its(series, opts["break_date"], placebo_shift=None, trend="quadratic", name=spec.name, **fit_options)
    except ITSInputError as error:
        raise SpecError(str(error)) from None
    result = _skeleton(spec, unit, fit.start, fit.end, n_units, fit.n_obs)
    bl = fit.break_date.strftime("%Y-%m")
    level_label = {"en": f"Change in level at {bl} (interrupted time series)", "es": f"Cambio de nivel en {bl} (serie de tiempo interrumpida)"}
    result["headline"] = {k: v for k, v in _est(fit.level.to_dict(), "its_level", level_label, units, "its_level").items() if k != "id"}
    slope_units = {"en": f"{units['en']} per month", "es": f"{units['es']} por mes"}
    result["estimates"] = [
        _est(fit.level.to_dict(), "its_level", level_label, units, "its_level"),
        _est(fit.slope.to_dict(), "its_slope", {"en": f"Change in monthly slope at {bl}", "es": f"Cambio de pendiente mensual en {bl}"},
             slope_units, "its_slope"),
        _est(fit.pre_slope.to_dict(), "pre_slope", {"en": "Monthly slope before the break", "es": "Pendiente mensual antes del corte"},
             slope_units, "its_pre_slope"),
        dict(_est(quadratic.level.to_dict(), "its_level_quadratic", {
            "en": f"Sensitivity: change in level at {bl} with a quadratic pre-trend",
            "es": f"Sensibilidad: cambio de nivel en {bl} con tendencia previa cuadrática"}, units, "its_level"),
             kind="sensitivity"),
    ]
    if fit.placebo is not None:
        result["diagnostics"]["placebo"] = {
            **{k: _clean_num(v) for k, v in fit.placebo.level.to_dict().items()},
            "break_date": str(fit.placebo.break_date.date()),
            "label": {"en": f"Level change at a fake break {opts['placebo_shift']} months earlier (pre-break months only)",
                      "es": f"Cambio de nivel en un corte ficticio {opts['placebo_shift']} meses antes (solo meses previos)"}}
    rule = {"en": "lags chosen from the residuals, Newey & West 1994" if fit.hac_rule != "fixed" else "lags fixed in the spec",
            "es": "rezagos elegidos a partir de los residuos, Newey y West 1994" if fit.hac_rule != "fixed" else "rezagos fijados en la especificación"}
    result["diagnostics"]["autocorrelation"] = {
        "hac_lags": fit.hac_lags, "hac_rule": fit.hac_rule, "residual_autocorrelation": _clean_num(fit.residual_autocorrelation),
        "label": {"en": f"Newey–West standard errors, {fit.hac_lags} lags ({rule['en']}); residual autocorrelation at lag 1: "
                        f"{fmt(fit.residual_autocorrelation, 'en', 2)}",
                  "es": f"Errores estándar de Newey–West, {fit.hac_lags} rezagos ({rule['es']}); autocorrelación de los residuos "
                        f"en el rezago 1: {fmt(fit.residual_autocorrelation, 'es', 2)}"}}
    result["results"]["its"] = dict(fit.to_dict(), counterfactual_in_range=bool(fit.counterfactual_in_range()),
                                    quadratic=quadratic.to_dict())
    block, _ = _trend_block(spec, series)
    result["baseline_comparison"] = block
    series_table = fit.frame.copy()
    if spec.design == "comparative_its":
        series_table = series_table.merge(pd.DataFrame({"period": treated.index, "treated": treated.to_numpy()}), on="period", how="left")
        series_table = series_table.merge(pd.DataFrame({"period": comparison.index, "comparison": comparison.to_numpy()}), on="period", how="left")
    tables = {"series.csv": series_table}
    result["tables"].append({"file": "series.csv", "caption": {"en": "Observed, fitted and counterfactual series",
                                                               "es": "Serie observada, ajustada y contrafactual"}})
    if d.by:
        tables["by_unit.csv"] = _by_unit(spec, frame, opts)
        by = d.by_label or {"en": d.by, "es": d.by}
        result["tables"].append({"file": "by_unit.csv", "caption": {
            "en": f"The same model for each {by['en']}: level and slope changes with 95% CIs",
            "es": f"El mismo modelo para cada {by['es']}: cambios de nivel y pendiente con IC 95%"}})
    break_label = {"en": formats.month(fit.break_date, "en"), "es": formats.month(fit.break_date, "es")}
    result["reading"] = its_reading(outcome, break_label, fit.level.to_dict(), fit.slope.to_dict(), units,
                                    result["diagnostics"].get("placebo"), fit.n_post)
    if spec.notes:
        result["reading"] = join(result["reading"], spec.notes)
    result["figures"].append({"file": "its.png", "kind": "its", "alt": its_alt(outcome, units, fit),
                              "caption": {"en": spec.title["en"], "es": spec.title["es"]}})
    figures = fig_text.bilingual("its.png", lambda path, lang: plot_its(
        fit, path, spec.title[lang], fig_text.per_month(units[lang], lang),
        fig_text.source_note(d.dated_sources(lang), lang, through=fit.end), lang))
    return EvaluationOutput(result, tables, figures)


def its_alt(outcome: dict, units: dict, fit) -> dict:
    """What the ITS chart shows, in words: the series, and the fitted level change at the break with its 95% CI."""
    level = fit.level
    out = {}
    for lang in ("en", "es"):
        month, what = formats.month(fit.break_date, lang), fig_text.capitalized(outcome[lang])
        ci = f"{fmt(level.ci_low, lang)} {'to' if lang == 'en' else 'a'} {fmt(level.ci_high, lang)}"
        zero = (("; the interval includes zero" if lang == "en" else "; el intervalo incluye el cero")
                if level.ci_low <= 0 <= level.ci_high else "")
        out[lang] = (f"{what}, observed month by month from {formats.month(fit.start, lang)} to {formats.month(fit.end, lang)}, "
                     f"with the fitted trend and the counterfactual without a change at {month}; estimated change in level at "
                     f"{month}: {fmt(level.estimate, lang)} {units[lang]} (95% CI {ci}{zero})." if lang == "en" else
                     f"{what}: serie observada mes a mes de {formats.month(fit.start, lang)} a {formats.month(fit.end, lang)}, con "
                     f"la tendencia ajustada y el contrafactual sin cambio en {month}; cambio de nivel estimado en "
                     f"{month}: {fmt(level.estimate, lang)} {units[lang]} (IC 95% {ci}{zero}).")
    return out


def _by_unit(spec: EvaluationSpec, frame: pd.DataFrame, opts: dict) -> pd.DataFrame:
    """The same model for each `by` value; a unit below the ITS length rule gets a note and no numbers."""
    d, rows = spec.data, []
    for key, part in monthly_series(spec, frame, d.by_query, by=d.by).dropna().groupby(level=1):
        part = part.droplevel(1)
        n_pre = int((part.index < opts["break_date"]).sum())
        if n_pre < ITS_MIN_PRE or len(part) - n_pre < ITS_MIN_POST:
            rows.append({d.by: key, "n_obs": len(part), "note": f"{n_pre} months before and {len(part) - n_pre} after the "
                                                                   f"break: below the publication rule, not estimated"})
            continue
        try:
            f = fit_its(part, opts["break_date"], seasonality=opts["seasonality"], hac_lags=opts["hac_lags"],
                        placebo_shift=None, name=f"{spec.name} {key}")
        except ITSInputError as error:
            rows.append({d.by: key, "n_obs": len(part), "note": str(error)})
            continue
        rows.append({d.by: key, "n_obs": f.n_obs, **{f"level_{k}": v for k, v in f.level.to_dict().items()},
                     **{f"slope_{k}": v for k, v in f.slope.to_dict().items()}, "hac_lags": f.hac_lags, "note": ""})
    return pd.DataFrame(rows)
