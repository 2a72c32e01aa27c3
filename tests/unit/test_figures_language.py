"""Every static figure in the page's language (evaluations/figures.py and the plot functions): each drawing is
rendered to SVG with its text kept as text, and the test reads what a reader would see — Spanish words and no
English ones on the Spanish drawing, numbers grouped and signed as the page writes them, the October 2021 start
of the Framework marked on time axes that span it, and a design returning both `<name>.png` and `<name>.es.png`."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import matplotlib
import numpy as np
import pandas as pd
import pytest

from evaluations import figures
from evaluations.designs import run_spec
from evaluations.designs.honest_sensitivity import honest_block
from evaluations.designs.trend import plot_trend
from evaluations.did.cs import att_gt
from evaluations.did.plots import plot_event_study
from evaluations.did.pretrend_power import pretrend_power
from evaluations.its import fit_its, plot_its
from evaluations.options import RobustnessOptions
from evaluations.spec_model import EvaluationSpec
from tests.unit.test_design_honest import panel as honest_panel
from tests.unit.test_synthetic_design import make_spec as synthetic_spec
from tests.unit.test_synthetic_design import parallel_frame

# words of the English drawings that must never appear on a Spanish one (proper names such as Callaway–Sant'Anna,
# HonestDiD or Gi* are allowed; "original" is the same word in both languages)
ENGLISH = re.compile(r"\b(Monthly|Baseline|Mean|since|Observed|Fitted|Counterfactual|Source|Sources|through|"
                     r"Framework|Bicentennial|before|after|treatment|confidence|interval|band|Months|Effect|units|"
                     r"cohorts|comparison|never|Estimate|Hypothesised|trend|Expected|Coefficient|Periods|weight|"
                     r"exposed|time weights|estimate|Sensitivity|violations|No data|Change|Period|Classes|grey)\b")
GROUPED = re.compile(r"^-?\d{1,3}(,\d{3})+$")     # en-US and es-MX (NOM-008-SCFI) both write 12,345


def svg_text(path) -> str:
    """All the text of an SVG drawn with svg.fonttype "none" (text kept as <text> elements), one line each."""
    root = ET.parse(path).getroot()
    return "\n".join("".join(el.itertext()) for el in root.iter() if el.tag.endswith("}text") or el.tag == "text")


@pytest.fixture(autouse=True)
def text_as_text():
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        yield


def months(start: str, n: int) -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n, freq="MS")


def trend_spec(design: str = "indicator_trend") -> EvaluationSpec:
    return EvaluationSpec.model_validate({
        "name": "toy_trend", "title": {"en": "Toy victims in Mexico", "es": "Víctimas de prueba en México"},
        "goal": "goal_1_protect_people", "line_of_action": "public_health", "scope": "framework",
        "desired_direction": "decrease", "threats": ["single_series"], "design": design,
        "outcome": {"en": "toy victims", "es": "víctimas de prueba"}, "units": {"en": "victims", "es": "víctimas"},
        "data": {"table": "marts.toy", "time": "period", "value": "value", "sources": [{"en": "SESNSP victims (fuero común)", "es": "víctimas del SESNSP (fuero común)"}]},
    })


def toy_frame() -> pd.DataFrame:
    """48 months before October 2021 at 12,000 victims a month and 40 months from it at 14,000, plus a small wave."""
    index = months("2017-10-01", 88)
    value = np.where(index < "2021-10-01", 12_000.0, 14_000.0) + 300 * np.sin(np.arange(88))
    return pd.DataFrame({"period": index, "value": value})


def test_word_fills_placeholders_and_refuses_an_unknown_language():
    assert figures.word("baseline_mean", "es", months=36) == "Promedio de la línea base (36 meses)"
    assert figures.word("per_month", "en", units="victims") == "victims per month"
    assert figures.framework_label("en") == "Bicentennial Framework (Oct 2021)"
    assert figures.framework_label("es") == "Entendimiento Bicentenario (oct 2021)"
    with pytest.raises(ValueError, match="unknown site language"):
        figures.word("observed", "fr")


def test_per_month_adds_the_period_only_when_the_units_do_not_name_one():
    assert figures.per_month("víctimas", "es") == "víctimas al mes"
    assert figures.per_month("victims per 100,000 per month", "en") == "victims per 100,000 per month"
    assert figures.per_month("muertes (12 meses)", "es") == "muertes (12 meses)"


def test_source_note_names_the_sources_the_last_month_and_the_retrieval_date():
    assert figures.source_note("SESNSP víctimas; CONAPO population", "es", through="2025-06-30",
                               retrieved="2025-07-20") == ("Fuentes: SESNSP víctimas; CONAPO population · datos hasta "
                                                           "junio de 2025 · consultado el 20 de julio de 2025")
    assert figures.source_note("CBP seizures", "en", through="2025-06-30") == "Source: CBP seizures · data through June 2025"
    assert figures.source_note("", "en") == ""


def test_twin_names_and_bilingual_drawings():
    assert figures.twin_name("trend.png", "es") == "trend.es.png" and figures.twin_name("trend.png", "en") == "trend.png"
    drawn = []
    pair = figures.bilingual("x.png", lambda path, lang: drawn.append((path, lang)))
    assert sorted(pair) == ["x.es.png", "x.png"]
    pair["x.es.png"]("p1")
    pair["x.png"]("p2")
    assert drawn == [("p1", "es"), ("p2", "en")]


def test_locale_formatter_groups_thousands_and_keeps_the_decimals_the_spacing_needs():
    f = figures.LocaleFormatter("es")
    f.set_locs([0.0, 20_000.0, 40_000.0])
    assert [f(x) for x in (0.0, 20_000.0, 40_000.0)] == ["0", "20,000", "40,000"]
    f.set_locs([0.0, 0.5, 1.0])
    assert [f(x) for x in (0.0, 0.5, 1.0)] == ["0.0", "0.5", "1.0"]
    f.set_locs([-0.25, 0.0, 0.25])
    assert f(-0.25) == "-0.25"     # hyphen-minus, CLDR's sign for en_US and es_MX (evaluations/formats.py)


def test_trend_design_draws_both_languages_and_the_spanish_one_has_only_spanish_words(tmp_path):
    out = run_spec(trend_spec(), toy_frame())
    assert set(out.figures) == {"trend.png", "trend.es.png"}
    text = svg_text(out.figures["trend.es.png"](tmp_path / "trend.es.svg"))
    for needle in ("Víctimas de prueba en México", "Valor mensual", "Promedio de la línea base (36 meses)",
                   "Promedio desde oct 2021 (40 meses)", "Entendimiento Bicentenario (oct 2021)", "víctimas al mes",
                   "Fuente: víctimas del SESNSP (fuero común) · datos hasta enero de 2025"):
        assert needle in text, needle
    assert not ENGLISH.search(text), ENGLISH.search(text)
    ticks = text.split("\n")
    assert any(GROUPED.match(t) for t in ticks), ticks          # 12,000-scale values: grouped tick labels
    english = svg_text(out.figures["trend.png"](tmp_path / "trend.svg"))
    for needle in ("Monthly value", "Baseline mean (36 months)", "Mean since Oct 2021 (40 months)",
                   "Bicentennial Framework (Oct 2021)", "victims per month", "Source: SESNSP victims (fuero común) · data "
                   "through January 2025"):
        assert needle in english, needle


def test_trend_alt_text_states_the_means_it_draws(tmp_path):
    alt = run_spec(trend_spec(), toy_frame()).result["figures"][0]["alt"]
    # hand: the 36 baseline months are 12,000 + 300 sin(t), t = 12..47; their mean
    t = np.arange(88)
    base = (12_000 + 300 * np.sin(t))[12:48].mean()
    post = (14_000 + 300 * np.sin(t))[48:].mean()
    assert f"{base:,.0f} victims per month in the 36 months before October 2021" in alt["en"]
    assert f"{post:,.0f} en los 40 meses posteriores" in alt["es"]
    assert alt["es"].startswith("Víctimas de prueba, mes a mes")


def test_its_design_and_plot_in_spanish(tmp_path):
    out = run_spec(trend_spec("its"), toy_frame())
    assert set(out.figures) == {"its.png", "its.es.png"}
    text = svg_text(out.figures["its.es.png"](tmp_path / "its.es.svg"))
    for needle in ("Observado", "Ajustado", "Contrafactual (sin cambio)", "Entendimiento Bicentenario (oct 2021)",
                   "víctimas al mes", "Fuente: víctimas del SESNSP"):
        assert needle in text, needle
    assert not ENGLISH.search(text), ENGLISH.search(text)
    alt = out.result["figures"][0]["alt"]
    assert "cambio de nivel estimado en octubre de 2021" in alt["es"] and "IC 95%" in alt["es"]
    assert "estimated change in level at October 2021" in alt["en"]


def test_its_plot_marks_a_break_that_is_not_the_framework_start(tmp_path):
    index = months("2015-01-01", 120)
    fit = fit_its(pd.Series(np.arange(120.0) + 5 * (index >= "2019-01-01"), index=index), "2019-01-01",
                  seasonality=False, placebo_shift=None)
    text = svg_text(plot_its(fit, tmp_path / "b.svg", "T", "u", lang="es"))
    assert "Corte: ene 2019" in text and "Entendimiento Bicentenario (oct 2021)" in text


def test_a_series_that_ends_before_the_framework_has_no_framework_mark(tmp_path):
    series = pd.Series(np.arange(24.0), index=months("2015-01-01", 24))
    text = svg_text(plot_trend(series, {}, tmp_path / "t.svg", "T", "u", lang="es"))
    assert "Entendimiento" not in text


def test_event_study_plot_in_spanish_with_the_page_minus_sign(tmp_path):
    table = pd.DataFrame({"event_time": range(-6, 7), "estimate": np.linspace(-3, 3, 13)})
    table["ci_low"], table["ci_high"] = table["estimate"] - 1, table["estimate"] + 1
    text = svg_text(plot_event_study(table, tmp_path / "e.svg", "Título", "Efecto (homicidios por 100 000 al mes)",
                                     source_note="Fuente: INEGI", lang="es"))
    for needle in ("antes del tratamiento", "después del tratamiento", "Meses desde el inicio del tratamiento",
                   "intervalo de confianza del 95%", "Fuente: INEGI"):
        assert needle in text, needle
    assert not ENGLISH.search(text), ENGLISH.search(text)
    negative = [t for t in text.split("\n") if re.fullmatch(r"\D\d+", t)]
    assert negative and all(t.startswith("-") for t in negative)        # formats' sign, not matplotlib's U+2212
    assert "\u2212" not in text


def test_callaway_santanna_plot_in_spanish(tmp_path):
    cs = att_gt(honest_panel(), "y", "unit", "_t", "_g", control="never")
    text = svg_text(cs.plot_event_study(tmp_path / "cs.svg", title="Título", ylabel="Efecto", lang="es"))
    for needle in ("banda puntual del 95%", "40 unidades, 2 cohortes, comparación: unidades nunca tratadas",
                   "antes del tratamiento"):
        assert needle in text, needle
    assert not ENGLISH.search(text), ENGLISH.search(text)


def test_honest_sensitivity_figures_in_both_languages(tmp_path):
    sources = {"en": "Source: INEGI", "es": "Fuente: INEGI"}
    _, _, drawings = honest_block(honest_panel(), "y", "unit", "never", None, RobustnessOptions(), sources)
    text = svg_text(drawings["honest_sensitivity.es.png"](tmp_path / "h.es.svg"))
    for needle in ("Efecto promedio en los meses 0–5", "intervalo de confianza del 95%", "original", "M̄", "0.5",
                   "Fuente: INEGI"):
        assert needle in text, needle
    assert not ENGLISH.search(text), ENGLISH.search(text)


def test_pretrend_power_plot_in_spanish(tmp_path):
    sigma = np.diag([0.04, 0.03, 0.02, 0.02, 0.03])
    res = pretrend_power(np.array([0.1, -0.05, 0.0, 0.2, 0.3]), sigma, np.array([-3, -2, 0, 1, 2]), reference=-1)
    text = svg_text(res.plot(tmp_path / "p.svg", lang="es"))
    for needle in ("Estimación (IC 95%)", "Tendencia hipotética", "Esperado tras aprobar la prueba previa",
                   "Periodos desde el tratamiento", "Coeficiente"):
        assert needle in text, needle
    assert not ENGLISH.search(text), ENGLISH.search(text)


def test_synthetic_design_draws_both_languages_with_the_framework_mark(tmp_path):
    out = run_spec(synthetic_spec(), parallel_frame())
    assert {"synthdid.png", "synthdid.es.png", "synthdid_units.png", "synthdid_units.es.png"} <= set(out.figures)
    text = svg_text(out.figures["synthdid.es.png"](tmp_path / "s.es.svg"))
    for needle in ("expuestas (promedio)", "Entendimiento Bicentenario (oct 2021)", "estimación 0.75", "Fuente: juguete",
                   "ene 2019"):
        assert needle in text, needle
    units = svg_text(out.figures["synthdid_units.es.png"](tmp_path / "u.es.svg"))
    assert "Contribución de cada unidad de control" in units and "peso ≤ 0.001" in units
    alt = {f["file"]: f["alt"] for f in out.result["figures"]}
    assert "el efecto estimado (0.750 unidades" in alt["synthdid.png"]["es"]
    assert "la estimación (0.750 unidades" in alt["synthdid_units.png"]["es"]


def test_spanish_map_legend_and_footer(tmp_path):
    gpd = pytest.importorskip("geopandas")
    from shapely.geometry import box

    from evaluations.spatial.maps import categorical_map, change_map

    squares = gpd.GeoDataFrame({"CVEGEO": [f"0100{i}" for i in range(1, 7)], "NOMGEO": list("abcdef"),
                                "NOM_ENT": ["x"] * 6, "cat": ["hot", "hot", "cold", "ns", "ns", "ns"]},
                               geometry=[box(-100 + i, 20, -99 + i, 21) for i in range(6)], crs="EPSG:4326")
    out = categorical_map(squares, "cat", tmp_path / "c.es.png", title="Puntos", source="INEGI", date="2008",
                          formats=("png",), lang="es")
    assert out.png.name == "c.es.png" and out.png.exists()
    assert out.legend_labels == ["Punto caliente (Gi*) (2)", "Punto frío (Gi*) (1)", "No significativo (3)"]
    states = gpd.GeoDataFrame({"CVE_ENT": ["01"], "NOM_ENT": ["x"]}, geometry=[box(-100, 20, -94, 21)], crs="EPSG:4326")
    change = pd.DataFrame({"CVEGEO": [f"0100{i}" for i in range(1, 6)], "change": [-2.0, -1.0, 1.0, 2.0, 3.0]})
    out = change_map(change, tmp_path / "m.es.png", title="Cambio", source="INEGI", date="2004 a 2009",
                     legend_title="Cambio por 100 000 al año", lang="es", formats=("png",),
                     municipalities=squares.drop(columns="cat"), states=states)
    assert out.legend_labels[-1] == "Sin datos" and out.png.exists()
    from evaluations.spatial.maps import MapStyle
    footer = MapStyle(title="t", source="INEGI", date="2004 a 2009", lang="es").footer(1, "diverging")
    assert footer == "Fuente: INEGI · Periodo: 2004 a 2009 · Clases: divergentes (cuantiles a cada lado del 0) · 1 unidad sin datos (gris)"


def test_shipped_specs_name_their_sources_in_spanish_for_the_spanish_figures():
    from evaluations.spec_model import load_specs

    english = re.compile(r"\b(population|press conferences|death records|seizures|death counts|transparency request|"
                         r"third-party|months ending|scrape|remarks|Office of Field Operations)\b")
    specs = load_specs()
    assert any(english.search(s.data.source_in("en")) for s in specs)      # the English line does name them so
    for spec in specs:
        assert spec.data.source_in("es") and not english.search(spec.data.source_in("es")), spec.name


def test_alt_texts_repeat_a_withheld_direction(tmp_path):
    """A series whose level jumps at October 2021 while a fake break a year earlier 'finds' a jump too (the
    placebo fails): the rules withhold the direction, and every alt text says so after its numbers."""
    from evaluations.designs import WITHHELD_ALT

    index = months("2015-01-01", 120)
    value = 100.0 + 20 * (index >= "2020-10-01") + 20 * (index >= "2021-10-01")
    result = run_spec(trend_spec("its"), pd.DataFrame({"period": index, "value": value + np.sin(np.arange(120))})).result
    assert result["evidence"]["direction"] == "not_attributed"
    assert any(r["id"] == "direction_withheld" for r in result["evidence"]["reasons"])
    for figure in result["figures"]:
        assert figure["alt"]["en"].endswith(WITHHELD_ALT["en"]) and figure["alt"]["es"].endswith(WITHHELD_ALT["es"])
    clear = run_spec(trend_spec(), toy_frame()).result           # a descriptive decrease/increase: nothing added
    assert not clear["figures"][0]["alt"]["en"].endswith(WITHHELD_ALT["en"])
