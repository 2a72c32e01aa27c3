"""Vega-Lite specifications of a result's time-series figures, one builder per figure kind.

A builder takes the rows of the result's CSV (as written, every value a string) and a `ChartText` (labels in the
page's language, units, number formats) and returns a Vega-Lite dict. Numbers are never changed: the chart shows
the CSV's values; tooltips and axes format them with d3-format patterns that follow the site's rounding rule
(evaluations/formats.py: counts whole, rates one decimal, estimates three significant digits), in the page's
locale (`locale()`, from the same CLDR data Babel uses). Dates are local-time ISO strings ("2021-10-01T00:00"), so a
month reads the same in every time zone.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from babel import Locale

from evaluations import formats
from evaluations.its import FRAMEWORK_START

BREAK = FRAMEWORK_START.strftime("%Y-%m-%dT00:00")     # the Framework's start, October 2021 (one definition)
COLOURS = {"observed": "#555555", "fitted": "#1f4e79", "counterfactual": "#c55a11", "baseline": "#1f4e79",
           "post": "#c55a11", "exposed": "#1f4e79", "synthetic": "#c55a11", "estimate": "#1f4e79"}
# d3-format patterns of the rounding rule; formats.count / formats.rate / formats.significant write the same
D3_FORMAT = {"count": ",.0f", "rate": ",.1f", "significant": ",.3r"}
MONTH_FORMAT = {"en": "%B %Y", "es": "%B de %Y"}     # formats.month: "October 2021" / "octubre de 2021"
D3_MONTHS = {"en": "en-US", "es": "es-MX"}


@dataclass
class ChartText:
    """What a chart says, in one language: its labels are already translated."""
    lang: str
    y_title: str
    value_kind: str                          # count | rate | significant
    labels: dict[str, str] = field(default_factory=dict)   # column or element -> label
    x_title: str = ""
    yearly: bool = False


def locale(lang: str) -> dict:
    """Vega's number and time locale for a site language: decimal and grouping symbols from CLDR (Babel, as
    evaluations/formats.py), the hyphen-minus that formats.py writes, month names from d3's CLDR locale."""
    import vl_convert

    symbols = Locale.parse(formats.locale_of(lang)).number_symbols.get("latn", {})
    number = {"decimal": symbols.get("decimal", "."), "thousands": symbols.get("group", ","), "grouping": [3],
              "currency": ["$", ""], "minus": "-"}
    return {"number": number, "time": vl_convert.get_time_format_locale(D3_MONTHS[lang])}


def date_iso(period: str) -> str:
    """'2021-10-01' or '2021-10' → '2021-10-01T00:00'; a year '2017' → '2017-01-01T00:00'."""
    text = period.strip()
    if len(text) == 4:
        text += "-01-01"
    elif len(text) == 7:
        text += "-01"
    return text[:10] + "T00:00"


def number(value: str) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _date_field(text: ChartText, title: str | None = None) -> dict:
    return {"field": "date", "type": "temporal", "title": title or text.labels.get("date", ""),
            "format": "%Y" if text.yearly else MONTH_FORMAT[text.lang]}


def _value_field(column: str, text: ChartText) -> dict:
    return {"field": column, "type": "quantitative", "title": text.labels.get(column, column),
            "format": D3_FORMAT[text.value_kind]}


def _colour(key: str, text: ChartText, keys: list[str]) -> dict:
    return {"datum": text.labels[key], "type": "nominal",
            "scale": {"domain": [text.labels[k] for k in keys], "range": [COLOURS[k] for k in keys]},
            "legend": {"title": None, "orient": "top", "direction": "vertical", "labelLimit": 250}}


def _x(text: ChartText) -> dict:
    return {"field": "date", "type": "temporal", "title": text.x_title or None,
            "axis": {"format": "%Y", "labelOverlap": True, "tickCount": {"interval": "year", "step": 1}}}


def _y(column: str, text: ChartText) -> dict:
    return {"field": column, "type": "quantitative", "title": text.y_title[:1].upper() + text.y_title[1:],
            "axis": {"format": ",~r", "titleLimit": 290}, "scale": {"zero": False}}   # the plot is 300 px high


def break_layers(rows: list[dict], text: ChartText) -> list[dict]:
    """The October 2021 rule and its label, when the series spans that month."""
    dates = sorted(r["date"] for r in rows)
    if not dates or not (dates[0] <= BREAK <= dates[-1]):
        return []
    late = sum(d < BREAK for d in dates) > len(dates) / 2     # the label goes on the side with more room
    mark = {"data": {"values": [{"date": BREAK, "label": text.labels["break"]}]},
            "encoding": {"x": {"field": "date", "type": "temporal"}}}
    return [{**mark, "mark": {"type": "rule", "color": "#000", "strokeDash": [2, 3]}},
            {**mark, "mark": {"type": "text", "align": "right" if late else "left", "baseline": "top", "dx": -4 if late else 4,
                              "y": 2, "fontSize": 11, "color": "#000", "lineBreak": "\n"},
             "encoding": {**mark["encoding"], "text": {"field": "label"}}}]


def _frame(layers: list[dict], rows: list[dict], text: ChartText) -> dict:
    return {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", "width": "container", "height": 300,
            "autosize": {"type": "fit-x", "contains": "padding"}, "data": {"values": rows},
            "layer": layers + break_layers(rows, text),
            "config": {"font": "system-ui, sans-serif", "axis": {"labelFontSize": 11, "titleFontSize": 12},
                       "legend": {"labelFontSize": 12}, "view": {"stroke": None}}}


def _points(column: str, text: ChartText, tooltip_columns: list[str]) -> dict:
    """Hoverable points on `column`, their tooltip: the month and every listed column ("—" where it is empty)."""
    fmt = D3_FORMAT[text.value_kind]
    shown = [{"calculate": f"isValid(datum['{c}']) ? format(datum['{c}'], '{fmt}') : '—'", "as": f"{c}_text"}
             for c in tooltip_columns]
    return {"mark": {"type": "point", "filled": True, "size": 28, "color": COLOURS["observed"]},
            "transform": [{"filter": f"isValid(datum['{column}'])"}, *shown],
            "encoding": {"x": _x(text), "y": _y(column, text),
                         "tooltip": [_date_field(text)] + [{"field": f"{c}_text", "type": "nominal",
                                                            "title": text.labels.get(c, c)} for c in tooltip_columns]}}


def trend_spec(rows: list[dict], text: ChartText, means: list[dict] | None = None) -> dict:
    """A monthly series; with `means` ([{start, end, mean, label}]) the baseline and post-October-2021 means."""
    keys = ["observed"] + [m["key"] for m in means or []]
    mean_kind = "rate" if text.value_kind == "count" else text.value_kind   # a mean of counts is a rate per month
    layers = [{"mark": {"type": "line", "strokeWidth": 1},
               "encoding": {"x": _x(text), "y": _y("value", text), "color": _colour("observed", text, keys)}},
              _points("value", text, ["value"])]
    for m in means or []:
        layers.append({"data": {"values": [m]}, "mark": {"type": "rule", "strokeWidth": 2.5},
                       "encoding": {"x": {"field": "start", "type": "temporal"}, "x2": {"field": "end"},
                                    "y": {"field": "mean", "type": "quantitative"},
                                    "color": _colour(m["key"], text, keys),
                                    "tooltip": [{"field": "label", "type": "nominal", "title": text.labels["period"]},
                                                {**_value_field("mean", text), "format": D3_FORMAT[mean_kind]}]}})
    return _frame(layers, rows, text)


def its_spec(rows: list[dict], text: ChartText) -> dict:
    """Observed, fitted (one segment each side of the break) and the counterfactual after the break."""
    keys = ["observed", "fitted", "counterfactual"]
    layers = [{"mark": {"type": "line", "strokeWidth": 1},
               "encoding": {"x": _x(text), "y": _y("observed", text), "color": _colour("observed", text, keys)}},
              {"mark": {"type": "line", "strokeWidth": 2},
               "encoding": {"x": _x(text), "y": _y("fitted", text), "detail": {"field": "phase"},
                            "color": _colour("fitted", text, keys)}},
              {"mark": {"type": "line", "strokeWidth": 2, "strokeDash": [6, 3]},
               "transform": [{"filter": "isValid(datum.counterfactual_shown)"}],
               "encoding": {"x": _x(text), "y": _y("counterfactual_shown", text),
                            "color": _colour("counterfactual", text, keys)}},
              _points("observed", text, ["observed", "fitted", "counterfactual_shown"])]
    return _frame(layers, rows, text)


def synthetic_spec(rows: list[dict], text: ChartText, comparison: str) -> dict:
    """The exposed units' mean and the headline estimator's weighted comparison, by period."""
    keys = ["exposed", "synthetic"]
    text.labels = {**text.labels, "exposed_mean": text.labels["exposed"], "synthetic": text.labels.get(comparison, text.labels["synthetic"])}
    text.labels[comparison] = text.labels["synthetic"]
    layers = [{"mark": {"type": "line", "strokeWidth": 2},
               "encoding": {"x": _x(text), "y": _y("exposed_mean", text), "color": _colour("exposed", text, keys)}},
              {"mark": {"type": "line", "strokeWidth": 2, "strokeDash": [6, 3]},
               "encoding": {"x": _x(text), "y": _y(comparison, text), "color": _colour("synthetic", text, keys)}},
              _points("exposed_mean", text, ["exposed_mean", comparison])]
    return _frame(layers, rows, text)


def event_study_spec(rows: list[dict], text: ChartText) -> dict:
    """Estimates by event time with their 95% intervals; a rule at zero and one before period 0 (treatment)."""
    x = {"field": "event_time", "type": "quantitative", "title": text.x_title, "axis": {"format": ",d"}}
    tooltip = [{"field": "event_time", "type": "quantitative", "title": text.labels["event_time"], "format": ",d"}] + \
        [_value_field(c, text) for c in ("estimate", "ci_low", "ci_high")]
    y = {**_y("estimate", text), "scale": {"zero": True}}
    marker = {"data": {"values": [{"event_time": -0.5, "label": text.labels["treatment"]}]},
              "encoding": {"x": {"field": "event_time", "type": "quantitative"}}}
    layers = [{"data": {"values": [{"zero": 0}]}, "mark": {"type": "rule", "color": "#888"},
               "encoding": {"y": {"field": "zero", "type": "quantitative"}}},
              {**marker, "mark": {"type": "rule", "color": "#000", "strokeDash": [2, 3]}},
              {**marker, "mark": {"type": "text", "align": "left", "baseline": "top", "dx": 4, "y": 2, "fontSize": 11},
               "encoding": {**marker["encoding"], "text": {"field": "label"}}},
              {"mark": {"type": "rule", "color": COLOURS["estimate"]},
               "encoding": {"x": x, "y": {"field": "ci_low", "type": "quantitative"}, "y2": {"field": "ci_high"}}},
              {"mark": {"type": "point", "filled": True, "size": 36, "color": COLOURS["estimate"]},
               "encoding": {"x": x, "y": y, "tooltip": tooltip}}]
    return {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", "width": "container", "height": 300,
            "autosize": {"type": "fit-x", "contains": "padding"}, "data": {"values": rows}, "layer": layers,
            "config": {"font": "system-ui, sans-serif", "view": {"stroke": None}}}
