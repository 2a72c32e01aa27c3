"""Locale formatting of the site's numbers and dates, against hand-written examples and Babel's CLDR data."""
from __future__ import annotations

import datetime as dt

import pytest
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from pipelines.site_i18n import MINUS, fmt_date, fmt_int, fmt_month, fmt_number, fmt_percent, pick


def test_mexican_spanish_uses_decimal_point_and_comma_grouping():
    # CLDR es-MX: decimal ".", group "," — unlike CLDR "es" (Spain), which gives "1.234,5".
    assert fmt_number(1234.5, "es", 1) == "1,234.5"
    assert fmt_number(1234567.891, "es", 3) == "1,234,567.891"
    assert fmt_int(2469, "es") == "2,469"
    assert format_decimal(1234567.891, locale="es_MX") == "1,234,567.891"
    assert format_decimal(1234.5, locale="es") == "1.234,5"  # the convention deliberately not used


@pytest.mark.parametrize("value", [0.61, 1234.5, 2469.0, 177624.25, 0.003, 98765.4321, -640.1178, -0.443])
@pytest.mark.parametrize("lang,locale", [("en", "en_US"), ("es", "es_MX")])
def test_numbers_agree_with_cldr(value, lang, locale):
    assert fmt_number(value, lang, 3) == format_decimal(value, format="#,##0.000", locale=locale)


def test_negative_numbers_use_the_cldr_minus_and_never_show_minus_zero():
    assert fmt_number(-0.5807, "es", 3) == MINUS + "0.581" == format_decimal(-0.5807, format="#,##0.000", locale="es_MX")
    assert fmt_number(-1234.5, "en", 1) == "-1,234.5" == format_decimal(-1234.5, format="#,##0.0", locale="en_US")
    assert fmt_number(-0.0001, "en", 2) == "0.00"


@pytest.mark.parametrize("lang,locale", [("en", "en_US"), ("es", "es_MX")])
def test_percentages_agree_with_cldr(lang, locale):
    for share in (0.4744525547445255, 0.05, 1.0):
        assert fmt_percent(share, lang) == format_percent(share, locale=locale)


def test_dates_and_months_in_each_language():
    signing = dt.date(2021, 10, 8)
    assert fmt_date(signing, "en") == "October 8, 2021" == format_date(signing, format="long", locale="en_US")
    assert fmt_date("2021-10-08", "es") == "8 de octubre de 2021" == format_date(signing, format="long", locale="es_MX")
    assert fmt_month("2006-12-01", "es") == "diciembre de 2006"
    assert fmt_month("2006-12-01", "en") == "December 2006"
    for month in range(1, 13):
        day = dt.date(2020, month, 1)
        assert fmt_month(day, "es") == format_date(day, format="MMMM 'de' y", locale="es_MX")


def test_unknown_language_is_a_clear_error_and_bilingual_values_fall_back_to_english():
    with pytest.raises(ValueError, match="unknown site language 'fr'"):
        fmt_number(1, "fr")
    assert pick({"en": "Homicides"}, "es") == "Homicides"
    assert pick({"en": "Homicides", "es": "Homicidios"}, "es") == "Homicidios"


def test_evidence_words_come_from_the_publication_vocabulary():
    from evaluations.publication import vocabulary
    from pipelines import site_i18n

    assert site_i18n.direction_label("increase", "es") == f"{vocabulary.DIRECTIONS['increase']['symbol']} aumento"
    assert site_i18n.assessment_label("bad", "en") == f"{vocabulary.ASSESSMENTS['bad']['symbol']} worsening"
    assert site_i18n.grade_label("single_series_model", "es") == vocabulary.GRADES["single_series_model"]["es"]
    assert site_i18n.scope_label("earlier_policy", "en") == vocabulary.SCOPES["earlier_policy"]["en"]
    assert site_i18n.direction_label("sideways", "en") == "sideways"  # an unknown id is shown as it is
    # the old self-made evidence labels are gone
    assert not {"up", "down", "flat", "strong", "moderate", "weak", "descriptive"} & set(site_i18n.TEXT)
