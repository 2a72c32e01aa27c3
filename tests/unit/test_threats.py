"""Threats to validity: every spec says what its result cannot show (scope, desired direction, threats that
resolve against evaluations/threats.yaml), and bad threat lists are refused with the spec's name.

The specs are read with yaml directly, not through evaluations.spec_model."""
from pathlib import Path

import pytest
import yaml

from evaluations.threats import CATALOGUE, CATALOGUE_PATH, SPECIFIC, load_catalogue, resolve

SPEC_DIR = Path(__file__).resolve().parents[2] / "evaluations" / "specs"
SPEC_FILES = sorted(SPEC_DIR.glob("*.yaml"))
EARLIER_POLICY = {"joint_operations_homicides", "guardia_dose_response"}
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _spec(path: Path) -> dict:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=LOADER)


def test_there_are_specs():
    assert len(SPEC_FILES) >= 21


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda p: p.stem)
def test_spec_threats_resolve(path):
    spec = _spec(path)
    assert isinstance(spec.get("threats"), list) and spec["threats"], f"{path.stem}: no threats listed"
    threats = resolve(spec["threats"], spec["name"])
    assert len(threats) == len(spec["threats"])
    for threat in threats:
        assert set(threat) == {"id", "en", "es"} and threat["en"] and threat["es"]
        assert threat["id"] == SPECIFIC or threat["id"] in CATALOGUE
    ids = [t["id"] for t in threats if t["id"] != SPECIFIC]
    assert len(ids) == len(set(ids)), f"{path.stem}: a catalogue id is listed twice"


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda p: p.stem)
def test_spec_scope_and_direction(path):
    spec = _spec(path)
    assert spec.get("scope") in ("framework", "earlier_policy", "context")
    assert spec.get("desired_direction") in ("decrease", "increase", "neither")
    keys = list(spec)
    i = keys.index("line_of_action")
    assert keys[i + 1:i + 4] == ["scope", "desired_direction", "threats"]


def test_earlier_policy_specs_are_exactly_the_two_historical_studies():
    scopes = {p.stem: _spec(p)["scope"] for p in SPEC_FILES}
    assert {name for name, scope in scopes.items() if scope == "earlier_policy"} == EARLIER_POLICY


def test_neither_direction_says_why():
    # an ambiguous indicator must say why in one of its threats (the enforcement catalogue entry or its own item)
    for path in SPEC_FILES:
        spec = _spec(path)
        if spec["desired_direction"] == "neither":
            items = spec["threats"]
            assert "enforcement_driven_measurement" in items or any(isinstance(t, dict) for t in items), path.stem


def test_catalogue_entries_are_bilingual():
    required = {"selection_into_treatment", "covid_2020", "mx_government_change_2024", "enforcement_driven_measurement",
                "anticipation", "concurrent_policies", "single_series", "reporting_changes", "provisional_data",
                "approximate_dates"}
    assert required <= set(CATALOGUE)
    raw = yaml.load(CATALOGUE_PATH.read_text(encoding="utf-8"), Loader=LOADER)
    assert set(raw) == set(CATALOGUE)
    for threat_id, entry in raw.items():
        assert set(entry) == {"en", "es"}, threat_id
        assert entry["en"].strip() and entry["es"].strip() and entry["en"] != entry["es"], threat_id


def test_resolve_keeps_catalogue_ids_and_marks_inline_items():
    out = resolve(["covid_2020", {"en": "A caveat.", "es": "Una salvedad."}], "demo")
    assert out == [{"id": "covid_2020", **CATALOGUE["covid_2020"]}, {"id": SPECIFIC, "en": "A caveat.", "es": "Una salvedad."}]
    out[0]["en"] = "changed"
    assert CATALOGUE["covid_2020"]["en"] != "changed"
    assert resolve(None, "demo") == []


@pytest.mark.parametrize("items, match", [
    (["covid_2021"], r"my_spec: unknown threat id 'covid_2021'"),
    ([{"en": "Only English."}], r"my_spec: threat item .*Only English.*\(missing es\)"),
    ([{"es": "Solo español."}], r"my_spec: threat item .*Solo español.*\(missing en\)"),
    ([{"en": "", "es": "Vacío en inglés."}], r"my_spec: .*missing en"),
    ([{"en": "a", "es": "b", "fr": "c"}], r"my_spec: .*unexpected keys \['fr'\]"),
    ([42], r"my_spec: threat item 42 is neither"),
    ("covid_2020", r"my_spec: threats must be a list"),
])
def test_bad_threats_are_refused_with_the_spec_name(items, match):
    with pytest.raises(ValueError, match=match):
        resolve(items, "my_spec")


def test_malformed_catalogue_is_refused(tmp_path):
    p = tmp_path / "threats.yaml"
    p.write_text("covid_2020: {en: only English}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="covid_2020"):
        load_catalogue(p)
    p.write_text("specific: {en: a, es: b}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="reserved"):
        load_catalogue(p)
