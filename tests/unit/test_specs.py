"""Spec format: every shipped spec loads; bad specs fail with one clear message; designs run on small
frames with hand-checked numbers."""
import re

import numpy as np
import pandas as pd
import pytest

from evaluations.designs import run_spec
from evaluations.designs.common import monthly_series
from evaluations.options import DESIGNS
from evaluations.spec_model import SpecError, load_spec, load_specs
from tests.browser.english_words import english_words


def test_shipped_specs_load_and_cover_every_design_but_event_study():
    specs = load_specs()
    assert len({s.name for s in specs}) == len(specs)
    for s in specs:
        assert s.path.stem == s.name
    assert {s.design for s in specs} >= set(DESIGNS) - {"event_study"}
    joint = next(s for s in specs if s.name == "joint_operations_homicides")
    assert joint.map is not None and joint.spatial is not None and joint.estimators.cs is not None


def test_bad_yaml_names_file_and_line(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("name: bad\ntitle: {en: x\n")
    with pytest.raises(SpecError, match=r"bad.yaml: line \d+, column \d+"):
        load_spec(p)


def test_unknown_design_and_missing_keys(tmp_path):
    base = ("name: x\ntitle: {en: a, es: b}\ngoal: goal_1_protect_people\nline_of_action: public_health\n"
            "scope: framework\ndesired_direction: decrease\nthreats: [single_series]\n")
    p = tmp_path / "x.yaml"
    p.write_text(base.replace("scope: framework\n", "") + "design: its\ndata: {table: t, time: p, value: v}\n")
    with pytest.raises(SpecError, match="x.yaml: scope: missing"):
        load_spec(p)
    p.write_text(base.replace("threats: [single_series]", "threats: [no_such_threat]") + "design: its\ndata: {table: t, time: p, value: v}\n")
    with pytest.raises(SpecError, match="no_such_threat"):
        load_spec(p)
    p.write_text(base.replace("scope: framework", "scope: someday") + "design: its\ndata: {table: t, time: p, value: v}\n")
    with pytest.raises(SpecError, match="x.yaml: scope: must be one of framework, earlier_policy, context, got 'someday'"):
        load_spec(p)
    p.write_text(base + "design: magic\ndata: {table: t}\n")
    with pytest.raises(SpecError, match="x.yaml: design: must be one of .*, got 'magic'"):
        load_spec(p)
    p.write_text(base + "design: its\noutcome: {en: a, es: b}\nunits: {en: a, es: b}\ndata: {table: t, time: period}\n")
    with pytest.raises(SpecError, match="x.yaml: data.value is required for design its"):
        load_spec(p)
    p.write_text(base.replace("public_health", "nonsense") + "design: its\ndata: {table: t, time: p, value: v}\n")
    with pytest.raises(SpecError, match="x.yaml: line_of_action: must be one of .*, got 'nonsense'"):
        load_spec(p)


def _spec(tmp_path, design, data, extra=""):
    p = tmp_path / "s.yaml"
    p.write_text("name: s\ntitle: {en: T, es: T}\ngoal: goal_1_protect_people\nline_of_action: public_health\n"
                 "scope: framework\ndesired_direction: decrease\nthreats: [single_series]\n"
                 f"design: {design}\noutcome: {{en: deaths, es: muertes}}\nunits: {{en: deaths, es: muertes}}\n"
                 f"data: {data}\n{extra}")
    return load_spec(p)


def test_rate_per_100k_sums_counts_and_population_of_reporting_rows(tmp_path):
    spec = _spec(tmp_path, "its", "{table: t, time: period, value: v, per_100k: pop}")
    frame = pd.DataFrame({"period": ["2020-01-01"] * 3, "v": [2.0, 3.0, np.nan], "pop": [100_000, 400_000, 999_999]})
    # (2 + 3) / (100,000 + 400,000) * 100,000 = 1.0; the row without a value does not count its population
    assert monthly_series(spec, frame).tolist() == [1.0]


def test_trend_spec_runs_with_filter(tmp_path):
    spec = _spec(tmp_path, "indicator_trend", "{table: t, time: period, value: value, filter: \"indicator == 'a'\"}")
    months = pd.date_range("2018-10-01", "2022-09-01", freq="MS")
    frame = pd.concat([pd.DataFrame({"period": months, "indicator": "a", "value": np.where(months < "2021-10-01", 4.0, 6.0)}),
                       pd.DataFrame({"period": months, "indicator": "b", "value": 1000.0})])
    out = run_spec(spec, frame)
    r = out.result
    assert r["schema"] == 1 and r["headline"] is None and r["design"] == "indicator_trend"
    assert r["baseline_comparison"]["baseline"]["mean"] == 4.0 and r["baseline_comparison"]["change"] == 2.0
    assert r["estimates"][0]["id"] == "mean_change" and r["estimates"][0]["estimate"] == pytest.approx(2.0)
    assert "4.00 deaths a month" in r["reading"]["en"] and set(out.tables) == {"series.csv"}


def test_comparative_its_spec_recovers_the_gap(tmp_path):
    spec = _spec(tmp_path, "comparative_its", "{table: t, time: period, value: v, treated: 'g == 1', comparison: 'g == 0'}",
                 "estimators: {its: {seasonality: false}}\n")
    months = pd.date_range("2016-01-01", "2024-12-01", freq="MS")
    t = np.arange(len(months))
    post = months >= "2021-10-01"
    treated = 50 + 0.1 * t + 7.0 * post
    comparison = 20 + 0.1 * t
    frame = pd.concat([pd.DataFrame({"period": months, "g": 1, "v": treated}),
                       pd.DataFrame({"period": months, "g": 0, "v": comparison})])
    r = run_spec(spec, frame).result
    assert r["headline"]["estimate"] == pytest.approx(7.0, abs=1e-8)
    assert r["estimates"][1]["id"] == "its_slope" and r["estimates"][1]["estimate"] == pytest.approx(0.0, abs=1e-9)
    assert "an increase, 7.00 deaths" in r["reading"]["en"]


def test_overrides_are_validated():
    joint = next(s for s in load_specs() if s.name == "joint_operations_homicides")
    assert joint.with_overrides({"event_study": {"window": [-6, 12]}}).estimators.event_study.window == [-6, 12]
    with pytest.raises(SpecError, match="estimators.cs: unknown option 'draws'; expected one of bootstrap, control,"):
        joint.with_overrides({"cs": {"draws": 5}})


def test_neighbour_cohorts_on_a_row_of_squares():
    import shapely

    from evaluations.designs.staggered import neighbour_cohorts

    # A | B | C | D in a row; A first treated in period 5, D in period 9: B borders A (5), C borders D (9)
    # and B (untreated), so C takes 9; treated units are not neighbours (NaN)
    squares = [shapely.box(i, 0, i + 1, 1) for i in range(4)]
    geo = pd.DataFrame({"id": list("ABCD"), "wkb": shapely.to_wkb(squares)})
    out = neighbour_cohorts(geo, "id", "wkb", pd.Series({"A": 5, "B": 0, "C": 0, "D": 9}))
    assert np.isnan(out["A"]) and np.isnan(out["D"])
    assert (out["B"], out["C"]) == (5, 9)



@pytest.mark.parametrize(("extra", "message"), [
    ("estimators: {its: {seasonality: 'yes'}}\n", "s.yaml: estimators.its.seasonality: input should be a valid boolean, got 'yes'"),
    ("estimators: {its: {min_side: 0}}\n", "s.yaml: estimators.its.min_side: must be at least 1, got 0"),
    ("estimators: {its: {break: 'October'}}\n", "s.yaml: estimators.its.break: must be a date (YYYY-MM-DD), got 'October'"),
    ("estimators: {its: {lags: 3}}\n", "s.yaml: estimators.its: unknown option 'lags'; expected one of break, hac_lags, "
                                       "min_side, placebo_shift, seasonality"),
    ("estimators: {twfe: }\n", "s.yaml: estimators.twfe: the its design does not use this estimator (its estimators: its)"),
    ("estimators: {magic: {}}\n", "s.yaml: estimators: unknown estimator 'magic'; expected one of cs, event_study, its, "
                                  "robustness, synthetic, trend, twfe"),
    ("notes: {en: only English}\n", "s.yaml: notes: must have en and es texts"),
    ("colour: red\n", "s.yaml: unknown key 'colour'"),
])
def test_a_bad_spec_names_file_and_field(tmp_path, extra, message):
    with pytest.raises(SpecError, match=re.escape(message)):
        _spec(tmp_path, "its", "{table: t, time: period, value: v}", extra)


def test_sources_and_unit_label_are_texts_in_both_languages(tmp_path):
    """Data descriptions reach the pages in the reader's language (issue #18): one {en, es} shape, like `title`."""
    data = "{table: t, time: period, value: v, %s}"
    with pytest.raises(SpecError, match=re.escape("s.yaml: data: unknown data key 'source'")):
        _spec(tmp_path, "its", data % "source: CDC")
    with pytest.raises(SpecError, match=re.escape("s.yaml: data.sources.0: input should be a valid dictionary, got 'CDC'")):
        _spec(tmp_path, "its", data % "sources: [CDC]")
    with pytest.raises(SpecError, match=re.escape("s.yaml: data.sources.1: must have en and es texts")):
        _spec(tmp_path, "its", data % "sources: [{en: a, es: b}, {en: only English}]")
    with pytest.raises(SpecError, match=re.escape("s.yaml: data.unit_label: input should be a valid dictionary")):
        _spec(tmp_path, "its", data % "unit_label: United States")
    with pytest.raises(SpecError, match=re.escape("s.yaml: data: unknown data key 'by_label_en'")):
        _spec(tmp_path, "its", data % "by: state, by_label_en: state")
    with pytest.raises(SpecError, match=re.escape("s.yaml: data.by_label: must have en and es texts")):
        _spec(tmp_path, "its", data % "by: state, by_label: {en: state}")
    spec = _spec(tmp_path, "its", data % ("sources: [{en: INEGI death records, es: registros de defunción del INEGI}, "
                                          "{en: CONAPO population, es: población del CONAPO}], "
                                          "unit_label: {en: United States, es: Estados Unidos}"))
    assert spec.data.source_in("es") == "registros de defunción del INEGI; población del CONAPO"
    assert spec.data.source_in("en") == "INEGI death records; CONAPO population"


def test_shipped_specs_describe_their_data_in_spanish():
    """The Spanish text of every spec's sources and units has no English words (acronyms and names aside)."""
    leaks = {}
    for spec in load_specs():
        texts = [source["es"] for source in spec.data.sources] + ([spec.data.unit_label["es"]] if spec.data.unit_label else [])
        assert spec.data.sources, f"{spec.name}: no sources"
        words = english_words(" ".join(texts))
        if words:
            leaks[spec.name] = words
    assert leaks == {}
    overdose = next(s for s in load_specs() if s.name == "overdose_its")
    assert overdose.data.unit_label == {"en": "United States", "es": "Estados Unidos"}


def test_a_bad_option_of_a_listed_estimator_names_its_choices(tmp_path):
    data = "{table: t, time: period, unit: u, outcome: y, cohort: g}"
    with pytest.raises(SpecError, match=r"s.yaml: estimators.cs.control: must be one of never, notyet, got 'all'"):
        _spec(tmp_path, "staggered_did", data, "estimators: {cs: {control: all}}\n")
    with pytest.raises(SpecError, match=r"s.yaml: data: unknown data key 'outcom'"):
        _spec(tmp_path, "staggered_did", data.replace("outcome", "outcom"))
    spec = _spec(tmp_path, "staggered_did", data, "estimators: {twfe: , cs: {bootstrap: 0}}\n")
    # listed without options: run with the defaults; not listed: not run (event study) or defaults (cs)
    assert spec.estimators.twfe.vcov == "cluster" and spec.estimators.event_study is None
    assert spec.estimators.cs.bootstrap == 0 and spec.estimators.cs.seed == 20211008
    assert spec.estimators.options("its").min_side == 6
