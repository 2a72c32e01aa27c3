"""Readings are written from the numbers: no direction claimed when the CI covers zero."""
from evaluations.reading import effect_sentence, fmt, its_reading, pretrend_sentence, trend_reading

UNITS = {"en": "victims", "es": "víctimas"}


def test_ci_covering_zero_is_no_detectable_change():
    s = effect_sentence({"en": "Change", "es": "Cambio"}, {"estimate": 2.5, "ci_low": -0.1, "ci_high": 5.1}, UNITS)
    assert "no detectable change" in s["en"] and "increase" not in s["en"]
    assert "ningún cambio detectable" in s["es"] and "aumento" not in s["es"]


def test_direction_when_the_ci_excludes_zero():
    down = effect_sentence({"en": "Change", "es": "Cambio"}, {"estimate": -2.0, "ci_low": -3.0, "ci_high": -1.0}, UNITS)
    assert down["en"] == "Change: a decrease, -2.00 victims (95% CI -3.00 to -1.00)."
    assert down["es"] == "Cambio: una disminución, -2.00 víctimas (IC 95%: -3.00 a -1.00)."


def test_number_formats_follow_the_site_locales():
    # en-US and es-MX (CLDR) both write 12,346 and 0.123: the readings match the site's tables.
    assert fmt(12345.678, "en") == "12,346" and fmt(12345.678, "es") == "12,346"
    assert fmt(0.1234, "es") == "0.123" and fmt(-1.5, "es") == "-1.50"
    assert fmt(None) == "n/a" and fmt(None, "es") == "n/d"


def test_its_reading_flags_a_failed_placebo_and_a_short_post_period():
    r = its_reading({"en": "homicides", "es": "homicidios"}, {"en": "October 2021", "es": "octubre de 2021"},
                    {"estimate": -5.0, "ci_low": -8.0, "ci_high": -2.0}, {"estimate": 0.1, "ci_low": -0.1, "ci_high": 0.3},
                    UNITS, placebo={"estimate": -4.0, "ci_low": -6.0, "ci_high": -2.0}, n_post=3)
    assert "a decrease" in r["en"] and "Change in trend: no detectable change" in r["en"]
    assert "Caution: the placebo check" in r["en"] and "Only 3 months" in r["en"]
    assert "Precaución" in r["es"] and "Solo se observan 3 meses" in r["es"]


def test_trend_reading_numbers():
    comp = {"baseline": {"mean": 10.0, "start": "2018-10-01", "end": "2021-09-30", "months": 36},
            "post": {"mean": 13.0, "start": "2021-10-01", "end": "2022-09-30", "months": 12}, "sufficient": True,
            "change": 3.0, "percent_change": 30.0, "change_estimate": {"estimate": 3.0, "ci_low": -1.0, "ci_high": 7.0}}
    r = trend_reading({"en": "femicides", "es": "feminicidios"}, comp, UNITS, {"en": "Descriptive.", "es": "Descriptivo."})
    assert "Femicides: 10.0 victims a month" in r["en"] and "change of 3.00 (+30.0%)" in r["en"]
    assert "not distinguishable from zero" in r["en"] and r["en"].endswith("Descriptive.")
    assert "(+30.0%)" in r["es"]
    assert "over the 36 months with data before October 2021 (October 2018 to September 2021)" in r["en"]
    assert "en los 36 meses con datos antes de octubre de 2021 (octubre de 2018 a septiembre de 2021)" in r["es"]


def test_trend_reading_with_a_one_month_baseline_states_it_and_no_change():
    comp = {"baseline": {"mean": 10.0, "start": "2021-09-01", "end": "2021-09-30", "months": 1},
            "post": {"mean": 5.42, "start": "2021-10-01", "end": "2024-04-30", "months": 31}, "sufficient": False,
            "change": None, "percent_change": None,
            "insufficient": {"en": "Insufficient baseline (1 month of data before October 2021).", "es": "Línea base insuficiente (1 mes)."}}
    r = trend_reading({"en": "designations", "es": "designaciones"}, comp, UNITS, {"en": "Descriptive.", "es": "Descriptivo."})
    assert "over the 1 month with data before October 2021 (September 2021 to September 2021)" in r["en"]
    assert "Insufficient baseline (1 month" in r["en"] and "36 months" not in r["en"]
    assert "change of" not in r["en"] and "%" not in r["en"]
    assert "en el 1 mes con datos" in r["es"] and "Línea base insuficiente (1 mes)" in r["es"]


def test_pre_trend_p_values_never_read_as_zero():
    tiny = pretrend_sentence({"p_value": 0.0002})
    assert "(pre-trend test p < 0.001)" in tiny["en"] and "tendencias previas p < 0.001)" in tiny["es"]
    assert "(pre-trend test p = 0.412)" in pretrend_sentence({"p_value": 0.4123})["en"]
