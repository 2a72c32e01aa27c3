"""Interactive charts (pipelines/site/charts.py): the chart carries the CSV's numbers, the tabs and their panels,
the takeaway the evaluation graded, the October 2021 rule, the page's language and number locale. Every
expected value is written here by hand."""
from __future__ import annotations

import html
import json
import re

import pytest

from pipelines.site.charts import chart_part
from pipelines.site.evaluation import figure_part
from tests.fixtures.results import estimate, evidence, headline, make_result, texts

TREND_CSV = "period,value\n2021-08-01,1234.0\n2021-09-01,980.0\n2021-10-01,1010.0\n2021-11-01,875.5\n"
ITS_CSV = ("period,observed,fitted,counterfactual\n2021-08-01,2.25,2.2,2.2\n2021-09-01,2.31,2.21,2.21\n"
           "2021-10-01,1.9,1.8,2.22\n2021-11-01,1.7,1.79,2.23\n")
FIGURE = {"file": "trend.png", "kind": "trend", "alt": texts("Monthly victims", "Víctimas mensuales"),
          "caption": texts("Victims in Mexico", "Víctimas en México")}


def _setup(tmp_path, csv_text: str, **parts):
    folder = tmp_path / "results" / "evaluations" / "example_trend"
    folder.mkdir(parents=True)
    (folder / "series.csv").write_text(csv_text)
    (folder / "trend.png").write_bytes(b"png")
    figures = tmp_path / "project" / "figures"
    figures.mkdir(parents=True)
    result = make_result(figures=[FIGURE | parts.pop("figure", {})], **parts)
    return result, folder, figures


def _payload(markup: str) -> dict:
    return json.loads(html.unescape(re.search(r"data-chart='([^']*)'", markup).group(1)))


def _points_layer(spec: dict) -> dict:
    return next(layer for layer in spec["layer"] if layer.get("mark", {}).get("type") == "point")


def test_trend_chart_holds_the_csv_numbers_tabs_break_and_takeaway(tmp_path):
    result, folder, figures = _setup(
        tmp_path, TREND_CSV,
        evidence=evidence(direction="decrease", assessment="good", estimate_id="mean_change"),
        estimates=[estimate("mean_change", "change", label=texts("Change in the mean", "Cambio en el promedio"),
                            estimate=-123.456, ci_low=-200.0, ci_high=-46.9, units=texts("victims", "víctimas"))])
    markup = figure_part(result, result.figures[0], folder, figures, "en")

    # title: the caption and the direction the evaluation claims; subtitle: its estimate (3 significant digits),
    # interval and grade
    assert '<p class="chart-title">Victims in Mexico: ▼ decrease</p>' in markup
    assert "Change in the mean: -123 victims (95% CI -200 to -46.9) · Evidence: Descriptive comparison" in markup
    # tabs: a tablist, the chart selected, the other panels hidden until chosen
    assert markup.count('role="tab"') == 3 and 'role="tablist"' in markup
    assert re.search(r'role="tab" id="[^"]+-tab-chart" aria-controls="[^"]+-chart" aria-selected="true" tabindex="0"', markup)
    assert len(re.findall(r'role="tabpanel"[^>]*hidden', markup)) == 2
    # the chart's data are the CSV's values, unrounded; the rule marks October 2021
    spec = _payload(markup)["spec"]
    assert [(r["date"], r["value"]) for r in spec["data"]["values"]] == [
        ("2021-08-01T00:00", 1234.0), ("2021-09-01T00:00", 980.0), ("2021-10-01T00:00", 1010.0), ("2021-11-01T00:00", 875.5)]
    rules = [layer for layer in spec["layer"] if layer.get("mark", {}).get("type") == "rule" and "data" in layer]
    assert {"date": "2021-10-01T00:00", "label": "Framework begins\n(Oct 2021)"} in rules[0]["data"]["values"]
    points = _points_layer(spec)
    tooltip = points["encoding"]["tooltip"]
    assert tooltip[0]["format"] == "%B %Y" and tooltip[1]["field"] == "value_text"   # months; then the value…
    assert {"calculate": "isValid(datum['value']) ? format(datum['value'], ',.0f') : '—'", "as": "value_text"} in \
        points["transform"]                                                          # …a count, as a whole number
    # table: the same rows, formatted by the site's rules; download: the CSV itself, byte for byte
    assert "<td>August 2021</td><td>1,234</td>" in markup and "<td>November 2021</td><td>876</td>" in markup
    assert '<a href="figures/example_trend_series.csv" download>' in markup
    assert (figures / "example_trend_series.csv").read_text() == TREND_CSV
    # without JavaScript: the drawing; the bundle is written beside the pages once
    assert '<noscript><img src="figures/example_trend_trend.png" alt="Monthly victims"></noscript>' in markup
    assert (figures.parent / "assets" / "vega-bundle.js").stat().st_size > 500_000
    assert "Source: Source · data through June 2025" in markup


def test_spanish_chart_speaks_spanish_with_the_mexican_number_locale(tmp_path):
    result, folder, figures = _setup(tmp_path, TREND_CSV, evidence=evidence(direction="increase", assessment="bad"))
    markup = figure_part(result, result.figures[0], folder, figures, "es")
    payload = _payload(markup)
    assert payload["locale"]["number"] == {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["$", ""],
                                           "minus": "-"}
    assert payload["locale"]["time"]["months"][9] == "octubre"
    assert _points_layer(payload["spec"])["encoding"]["tooltip"][0]["format"] == "%B de %Y"
    assert '<p class="chart-title">Víctimas en México: ▲ aumento</p>' in markup
    assert ">Gráfica</button>" in markup and ">Tabla</button>" in markup and ">Descargar (CSV)</button>" in markup
    assert "<td>octubre de 2021</td><td>1,010</td>" in markup
    assert "Inicia el Entendimiento\\n(oct 2021)" in markup and "Framework" not in markup


def test_its_chart_draws_the_counterfactual_from_the_break_only(tmp_path):
    result, folder, figures = _setup(
        tmp_path, ITS_CSV, design="its", figure={"file": "its.png", "kind": "its"},
        headline=headline(estimator="its_level", estimate=-0.477, ci_low=-0.753, ci_high=-0.201,
                          units=texts("victims per 100,000 per month", "víctimas por 100 000 al mes")),
        evidence=evidence(grade="single_series_model", direction="no_clear_change", estimate_id="its_level"))
    (folder / "its.png").write_bytes(b"png")
    markup = figure_part(result, result.figures[0], folder, figures, "en")
    rows = _payload(markup)["spec"]["data"]["values"]
    assert [r["counterfactual_shown"] for r in rows] == [None, None, 2.22, 2.23]
    assert [r["phase"] for r in rows] == [0, 0, 1, 1]      # the fitted line is two segments
    assert '<p class="chart-title">Victims in Mexico: ● no clear change</p>' in markup
    assert "-0.477 victims per 100,000 per month (95% CI -0.753 to -0.201)" in markup
    assert "<td>September 2021</td><td>2.3</td><td>2.2</td><td>2.2</td>" in markup   # a rate: one decimal


def test_no_number_in_the_title_when_the_grade_is_insufficient_data(tmp_path):
    result, folder, figures = _setup(
        tmp_path, TREND_CSV, headline=headline(estimate=5.0),
        evidence=evidence(grade="insufficient_data", direction="none", assessment="none"))
    markup = figure_part(result, result.figures[0], folder, figures, "en")
    assert '<p class="chart-title">Victims in Mexico</p>' in markup
    assert '<p class="chart-subtitle">Evidence: Insufficient data</p>' in markup


@pytest.mark.parametrize("kind, csv_name", [("sensitivity", "series.csv"), ("trend", None)])
def test_other_kinds_and_figures_without_their_csv_stay_images(tmp_path, kind, csv_name):
    result, folder, figures = _setup(tmp_path, TREND_CSV, figure={"kind": kind})
    if csv_name is None:
        (folder / "series.csv").unlink()
    assert chart_part(result, result.figures[0], folder, figures, "en", "figures/x.png", "alt") is None
    assert figure_part(result, result.figures[0], folder, figures, "en").startswith("![Victims in Mexico]")
