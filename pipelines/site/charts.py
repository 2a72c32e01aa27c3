"""Interactive charts of a result's time series, with Chart / Table / Download (CSV) tabs, that work offline.

`chart_part` turns a figure of a result (trend, series, interrupted time series, synthetic trajectories, event
study) into a <figure class="chart">: a title stating the takeaway the evaluation graded (its direction and
evidence grade, never recomputed), the chart as a Vega-Lite specification in a data attribute, the same
data as a table with the site's number formats, the result's CSV to download, the source and the last month
of data. One local script, assets/vega-bundle.js (Vega, Vega-Lite and Vega-Embed from vl-convert-python, written
into the site once),
draws every chart (site/assets/site.js); the figure's PNG stays as the fallback without JavaScript. Figures of
other kinds, or without their CSV, return None and are shown as images.
"""
from __future__ import annotations

import csv
import html
import json
import re
import shutil
from pathlib import Path

from evaluations import formats
from evaluations.figures import source_note
from evaluations.result_model import EvaluationResult, Figure
from evaluations.spec_model import SPEC_DIR, EvaluationSpec, load_spec
from evaluations.vega_bundle import BUNDLE_FILE, vega_bundle

from ..sources import retrieved_dates
from . import i18n
from .chart_specs import BREAK, ChartText, date_iso, event_study_spec, its_spec, locale, number, synthetic_spec, trend_spec
from .columns import column_labels
from .i18n import chart_text, pick
from .results import estimate_named, units_of

CHARTED = ("trend", "series", "its", "synthdid", "event_study")
BUNDLE = BUNDLE_FILE


def chart_part(result: EvaluationResult, figure: Figure, folder: Path, figures: Path, lang: str,
               image: str, alt: str) -> str | None:
    """The figure as an interactive chart with its tabs ("image": the static drawing, already beside the pages)."""
    if figure.kind not in CHARTED:
        return None
    stem = Path(figure.file).stem
    data = next((p for p in (folder / f"{stem}.csv", folder / "series.csv") if p.exists()), None)
    if data is None:
        return None
    with open(data, newline="", encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    if not table or not _chartable(figure.kind, table):
        return None
    text = _text(result, figure.kind, lang, table)
    rows, spec = _spec(result, figure.kind, table, text)
    download = f"{result.name}_{data.name}"            # the file table_part links too: one copy, same name
    shutil.copy(data, figures / download)
    write_bundle(figures.parent / "assets")
    first = bool(result.figures) and result.figures[0].file == figure.file
    title, subtitle = takeaway(result, figure, lang, first)
    ident = f"chart-{result.name}-{stem}".replace("_", "-")
    payload = {"spec": spec, "locale": locale(lang)}
    return "```{=html}\n" + _figure_html(ident, title, subtitle, payload, image, alt, _table_html(table, text),
                                         f"{figures.name}/{download}", len(table), source_line(result, lang), lang) + "\n```\n"


PERIOD = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


def _chartable(kind: str, table: list[dict]) -> bool:
    """Whether the CSV has what the chart of its kind draws: event times and intervals, or periods (a year, a
    month or a day) with a number in every row; any other table stays a table beside the figure."""
    if kind == "event_study":
        return all(c in table[0] for c in ("event_time", "estimate", "ci_low", "ci_high")) and all(
            number(r.get("event_time")) is not None for r in table)
    return "period" in table[0] and len(table[0]) > 1 and all(PERIOD.fullmatch(r.get("period") or "") for r in table)


def _text(result: EvaluationResult, kind: str, lang: str, table: list[dict]) -> ChartText:
    outcome, units = _outcome_units(result)
    unit = pick(units, lang)
    units_en = pick(units, "en")
    if kind == "event_study":
        y_title, value_kind = f"{chart_text('effect', lang)} ({unit})" if unit else chart_text("effect", lang), "significant"
    else:
        value_kind = "rate" if "100,000" in units_en else "significant" if "log" in units_en else "count"
        y_title = unit
        if kind in ("trend", "series") and unit and "month" not in units_en:
            y_title = chart_text("per_month", lang, units=unit)
        if kind == "synthdid" and outcome:
            y_title = _sentence(pick(outcome, lang))
    yearly = all(len(r.get("period", "")) == 4 for r in table)
    labels = {key: texts[lang] for key, texts in i18n.CHART_TEXT.items() if "{" not in texts[lang]}
    labels.update(date=chart_text("year" if yearly else "month", lang), value=_sentence(unit) or labels["value"],
                  counterfactual_shown=labels["counterfactual"])
    x_title = chart_text("event_time", lang) if kind == "event_study" else ""
    return ChartText(lang, y_title, value_kind, labels, x_title, yearly)


def _spec_of(result: EvaluationResult) -> EvaluationSpec | None:
    """The result's spec, None when its file is not in this checkout."""
    path = SPEC_DIR / f"{result.name}.yaml"
    return load_spec(path) if path.exists() else None


def _outcome_units(result: EvaluationResult) -> tuple[dict | None, dict | None]:
    """The spec's outcome and units (as the result's own figures label their axes); the headline's units when the
    spec file is not in this checkout."""
    spec = _spec_of(result)
    if spec is not None and spec.units:
        return spec.outcome, spec.units
    return None, (result.headline.units if result.headline else None)


def _spec(result: EvaluationResult, kind: str, table: list[dict], text: ChartText) -> tuple[list[dict], dict]:
    if kind == "event_study":
        rows = [{"event_time": int(float(r["event_time"])), **{c: number(r[c]) for c in ("estimate", "ci_low", "ci_high")}}
                for r in table if number(r.get("estimate")) is not None]
        return rows, event_study_spec(rows, text)
    dated = [(date_iso(r["period"]), r) for r in table]
    if kind == "its" and "observed" in table[0]:
        rows = [{"date": d, "observed": number(r["observed"]), "fitted": number(r["fitted"]), "phase": int(d >= BREAK),
                 "counterfactual_shown": number(r["counterfactual"]) if d >= BREAK else None} for d, r in dated]
        return rows, its_spec(rows, text)
    if kind == "synthdid" and "exposed_mean" in table[0]:
        estimator = (result.results.get("synthetic") or {}).get("estimator") or "sdid"
        comparison = f"synthetic_{estimator}" if f"synthetic_{estimator}" in table[0] else "synthetic_sdid"
        rows = [{"date": d, "exposed_mean": number(r["exposed_mean"]), comparison: number(r[comparison])} for d, r in dated]
        return rows, synthetic_spec(rows, text, comparison)
    column = "value" if "value" in table[0] else next(c for c in table[0] if c != "period")
    rows = [{"date": d, "value": number(r[column])} for d, r in dated]
    return rows, trend_spec(rows, text, _means(result, text))


def _means(result: EvaluationResult, text: ChartText) -> list[dict]:
    """The baseline and post-October-2021 means the evaluation computed (its baseline comparison), as drawn."""
    c = result.baseline_comparison or {}
    if c.get("sufficient") is False:
        return []
    means = []
    for key, window in (("baseline", c.get("baseline")), ("post", c.get("post"))):
        if window and window.get("mean") is not None and window.get("start"):
            label = chart_text(f"{key}_mean", text.lang, months=formats.integer(window.get("months"), text.lang),
                               month=formats.month_short(window["start"], text.lang))
            text.labels[key] = label
            means.append({"key": key, "label": label, "mean": window["mean"],
                          "start": date_iso(window["start"]), "end": date_iso(window.get("end") or window["start"])})
    return means


def takeaway(result: EvaluationResult, figure: Figure, lang: str, first: bool) -> tuple[str, str]:
    """(title, subtitle). The result's first figure states what the evaluation found: its caption, the direction it
    claims (evidence.direction), the estimate its evidence grades with the 95% interval (none when the grade is
    insufficient data) and the grade. Other figures keep their caption."""
    caption = pick(figure.caption, lang) or pick(result.title, lang)
    if not first:
        return caption, ""
    evidence = result.evidence
    title = caption
    if evidence.direction in ("increase", "decrease", "no_clear_change"):
        title = f"{caption}: {i18n.direction_label(evidence.direction, lang)}"
    parts = []
    estimate = estimate_named(result, evidence.estimate_id) or result.headline
    if estimate is not None and estimate.estimate is not None and evidence.grade != "insufficient_data":
        units = pick(units_of(result, estimate), lang)
        parts.append(f"{pick(estimate.label, lang)}: {formats.significant(estimate.estimate, lang)}" + (f" {units}" if units else "")
                     + (f" ({i18n.t('ci', lang)} {formats.significant(estimate.ci_low, lang)} {chart_text('to', lang)} "
                        f"{formats.significant(estimate.ci_high, lang)})" if estimate.ci_low is not None else ""))
    parts.append(f"{chart_text('evidence', lang)}: {i18n.grade_label(evidence.grade, lang)}")
    return title, " · ".join(parts)


def source_line(result: EvaluationResult, lang: str) -> str:
    """"Sources: …, retrieved July 20, 2025; … · data through June 2025": the line under the result's static
    figures (evaluations.figures.source_note), each source with the retrieval date of its raw tables
    (pipelines/sources/, named by the spec's `data.sources[].raw`)."""
    spec = _spec_of(result)
    sources = (spec.with_retrieved(retrieved_dates()).data.dated_sources(lang) if spec is not None
               else [pick(s, lang) for s in result.data.sources])
    return source_note(sources, lang, through=result.data.period.end or None)


def _cell(column: str, value: str, text: ChartText) -> str:
    """A CSV value in the page's locale, by the site's rounding rule (the CSV download keeps every digit)."""
    if column == "period":
        return value if text.yearly else formats.month(date_iso(value)[:10], text.lang)
    x = number(value)
    if x is None:
        return html.escape(value)
    if column == "event_time":
        return formats.integer(x, text.lang)
    if column == "p_value":
        return formats.p_value(x, text.lang)
    return {"count": formats.count, "rate": formats.rate, "significant": formats.significant}[text.value_kind](x, text.lang)


def _table_html(table: list[dict], text: ChartText) -> str:
    columns = list(table[0])
    names = column_labels("", columns, text.lang)
    head = "".join(f"<th>{html.escape(text.labels['date'] if c == 'period' else text.labels.get(c, n))}</th>"
                   for c, n in zip(columns, names))
    body = "".join("<tr>" + "".join(f"<td>{_cell(c, r.get(c) or '', text)}</td>" for c in columns) + "</tr>" for r in table)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _figure_html(ident: str, title: str, subtitle: str, payload: dict, image: str, alt: str, table: str, csv_href: str,
                 n_rows: int, source: str, lang: str) -> str:
    e = html.escape
    spec = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).replace("&", "&amp;").replace("'", "&#39;").replace("<", "&lt;").replace(">", "&gt;")
    tabs = "".join(
        f'<button type="button" role="tab" id="{ident}-tab-{key}" aria-controls="{ident}-{key}" '
        f'aria-selected="{"true" if key == "chart" else "false"}" tabindex="{0 if key == "chart" else -1}">{e(chart_text("tab_" + key, lang))}</button>'
        for key in ("chart", "table", "download"))
    return (f'<figure class="chart" id="{ident}">\n'
            f'<p class="chart-title">{e(title)}</p>\n' + (f'<p class="chart-subtitle">{e(subtitle)}</p>\n' if subtitle else "")
            + f'<div class="chart-tabs" role="tablist" aria-label="{e(chart_text("tabs_label", lang))}">{tabs}</div>\n'
            f'<div class="chart-panel" role="tabpanel" id="{ident}-chart" aria-labelledby="{ident}-tab-chart">'
            f"<div class=\"vega\" data-chart='{spec}'></div>"
            f'<noscript><img src="{e(image)}" alt="{e(alt)}"></noscript></div>\n'
            f'<div class="chart-panel" role="tabpanel" id="{ident}-table" aria-labelledby="{ident}-tab-table" tabindex="0" hidden>{table}</div>\n'
            f'<div class="chart-panel" role="tabpanel" id="{ident}-download" aria-labelledby="{ident}-tab-download" hidden>'
            f'<p><a href="{e(csv_href)}" download>{e(chart_text("download", lang, rows=formats.integer(n_rows, lang)))}</a></p></div>\n'
            f'<figcaption>{e(source)}</figcaption>\n</figure>')


def write_bundle(assets: Path) -> Path:
    """assets/vega-bundle.js, written once per site build (every language folder gets a copy of assets/)."""
    path = assets / BUNDLE
    if not path.exists():
        assets.mkdir(parents=True, exist_ok=True)
        path.write_text(vega_bundle(), encoding="utf-8")
    return path


def _sentence(text: str | None) -> str:
    return (text[:1].upper() + text[1:]) if text else ""
