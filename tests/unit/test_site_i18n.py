"""Languages of the site: bilingual values, locale tags, and the evidence words of the publication vocabulary.
(Numbers and dates: tests/unit/test_formats.py.)"""
from __future__ import annotations

from evaluations.publication import vocabulary
from pipelines.site import i18n


def test_languages_and_their_locale_tags():
    assert i18n.LANGS == ("en", "es")
    assert i18n.LOCALE_TAGS == {"en": "en-US", "es": "es-MX"}


def test_bilingual_values_fall_back_to_english():
    assert i18n.pick({"en": "Homicides"}, "es") == "Homicides"
    assert i18n.pick({"en": "Homicides", "es": "Homicidios"}, "es") == "Homicidios"
    assert i18n.pick(None, "es") == "" and i18n.pick("plain", "es") == "plain"


def test_evidence_words_come_from_the_publication_vocabulary():
    assert i18n.direction_label("increase", "es") == f"{vocabulary.DIRECTIONS['increase']['symbol']} aumento"
    assert i18n.assessment_label("bad", "en") == f"{vocabulary.ASSESSMENTS['bad']['symbol']} worsening"
    assert i18n.grade_label("single_series_model", "es") == vocabulary.GRADES["single_series_model"]["es"]
    assert i18n.scope_label("earlier_policy", "en") == vocabulary.SCOPES["earlier_policy"]["en"]
    assert i18n.direction_label("sideways", "en") == "sideways"  # an unknown id is shown as it is
    # the old self-made evidence labels are gone
    assert not {"up", "down", "flat", "strong", "moderate", "weak", "descriptive"} & set(i18n.TEXT)
