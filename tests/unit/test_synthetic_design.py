"""The synthetic_did design: a runner on panels whose answer is known by hand, its specs, its result as the
result model and the publication rules see it, and its section of the site in both languages."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evaluations.designs import run_spec
from evaluations.publication import check
from evaluations.publication.synthetic import synthetic_checks
from evaluations.result_model import EvaluationResult
from evaluations.spec_model import SPEC_DIR, EvaluationSpec, SpecError, load_spec
from tests.fixtures.results import make_result

MONTHS = pd.date_range("2019-01-01", periods=48, freq="MS")   # 33 months before October 2021, 15 from it
BREAK = pd.Timestamp("2021-10-01")
TAU = 0.75
TWENTY = tuple(f"C{i:02d}" for i in range(20))


def parallel_frame(tau: float = TAU, treated=("T1",), controls=("A", "B", "C", "D", "E", "F"), noise: float = 0.0,
                   seed: int = 0) -> pd.DataFrame:
    """y = unit level + month level (+ noise), plus `tau` for treated units from October 2021: with no noise every
    control is parallel to the treated units, so any comparison with an intercept recovers `tau` exactly."""
    rng = np.random.default_rng(seed)
    month_level = np.sin(np.arange(len(MONTHS)) / 3.0) + np.arange(len(MONTHS)) * 0.05
    rows = []
    for i, unit in enumerate([*controls, *treated]):
        for t, month in enumerate(MONTHS):
            effect = tau if unit in treated and month >= BREAK else 0.0
            rows.append({"period": month, "office": unit, "y": 2.0 + 0.5 * i + month_level[t] + effect
                         + noise * rng.standard_normal(), "southwest": unit in treated, "kind": "x"})
    return pd.DataFrame(rows)


def make_spec(**synthetic) -> EvaluationSpec:
    return EvaluationSpec.model_validate({
        "name": "toy_synthetic", "title": {"en": "Toy", "es": "Juguete"}, "goal": "goal_2_transborder_crime",
        "line_of_action": "secure_travel_commerce", "scope": "framework", "desired_direction": "neither",
        "threats": ["seizure_weight"], "design": "synthetic_did",
        "outcome": {"en": "the toy outcome", "es": "el resultado de juguete"}, "units": {"en": "units", "es": "unidades"},
        "data": {"table": "marts.toy", "time": "period", "unit": "office", "outcome": "y", "treated": "southwest",
                 "filter": "kind == 'x'", "sources": [{"en": "toy", "es": "juguete"}]},
        "estimators": {"synthetic": {"reps": 50, "seed": 3, **synthetic}},
    })


def estimate(result: dict, id_: str) -> dict:
    return next(e for e in result["estimates"] if e["id"] == id_)


def test_a_constant_effect_on_a_parallel_panel_is_recovered_exactly_by_sdid_and_did():
    result = run_spec(make_spec(), parallel_frame()).result
    assert result["headline"]["estimator"] == "sdid"
    assert result["headline"]["estimate"] == pytest.approx(TAU, abs=1e-9)
    assert estimate(result, "synthetic_did")["estimate"] == pytest.approx(TAU, abs=1e-9)
    # every placebo reassignment among parallel controls gives exactly zero, so the placebo SE is zero
    assert result["headline"]["std_error"] == pytest.approx(0.0, abs=1e-9)
    # the pre-break gap is a constant, which synthetic DiD allows: its fit error is zero
    assert result["diagnostics"]["pre_fit"]["rmse"] == pytest.approx(0.0, abs=1e-9)
    # the placebo break 12 months earlier sees no effect
    assert result["diagnostics"]["placebo"]["estimate"] == pytest.approx(0.0, abs=1e-9)
    assert result["diagnostics"]["placebo"]["break"] == "2020-10"
    weights = result["diagnostics"]["weights"]
    assert (weights["n_treated"], weights["n_control"], weights["t_pre"], weights["t_post"]) == (1, 6, 33, 15)


def test_the_log1p_scale_turns_a_proportional_effect_into_a_constant_one():
    frame = parallel_frame()
    frame["y"] = np.expm1(frame["y"])          # log(1 + y) is the parallel panel again
    result = run_spec(make_spec(transform="log1p"), frame).result
    assert result["headline"]["estimate"] == pytest.approx(TAU, abs=1e-9)
    assert "sample" not in result             # no baseline share on a log scale
    pct = f"{round(math.expm1(TAU) * 100)}%"   # 0.75 log points is a 112% change
    assert pct in result["reading"]["en"]


def test_a_unit_missing_a_month_is_left_out_and_listed():
    frame = parallel_frame()
    extra = parallel_frame(controls=("G",), treated=())
    extra = extra[extra["period"] != MONTHS[5]]
    result = run_spec(make_spec(), pd.concat([frame, extra])).result
    assert result["diagnostics"]["balance"]["dropped"] == [{"unit": "G", "periods_with_value": 47, "periods": 48}]
    assert result["diagnostics"]["weights"]["n_control"] == 6
    assert result["headline"]["estimate"] == pytest.approx(TAU, abs=1e-9)


def test_several_treated_units_get_a_bootstrap_row_beside_the_placebo_headline():
    result = run_spec(make_spec(), parallel_frame(treated=("T1", "T2"), noise=0.05)).result
    boot = estimate(result, "synthetic_sdid_bootstrap")
    assert boot["kind"] == "sensitivity" and boot["estimate"] == result["headline"]["estimate"]
    assert boot["std_error"] > 0 and result["headline"]["std_error"] > 0
    assert {e["id"] for e in result["estimates"]} == {"synthetic_att", "synthetic_sc", "synthetic_did",
                                                      "synthetic_sdid_bootstrap"}


@pytest.mark.parametrize(("change", "message"), [
    ({"synthetic": {"se": "bootstrap"}}, "estimators.synthetic: se='bootstrap' needs at least 2 treated units"),
    ({"data_treated": "southwest or period > '2021-01-01'"}, "marks only some rows of unit"),
    ({"data_treated": "kind == 'x'"}, "leaves 7 treated of 7 balanced units"),
    ({"synthetic": {"transform": "log"}, "negative": True}, "transform 'log' needs positive values"),
])
def test_what_the_runner_cannot_use_is_refused_by_name(change, message):
    spec = make_spec(**change.get("synthetic", {}))
    if "data_treated" in change:
        spec = spec.model_copy(update={"data": spec.data.model_copy(update={"treated": change["data_treated"]})})
    frame = parallel_frame()
    if change.get("negative"):
        frame.loc[0, "y"] = -1.0
    with pytest.raises(SpecError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run_spec(spec, frame)


def test_the_result_validates_and_passes_the_publication_rules():
    result = run_spec(make_spec(), parallel_frame(controls=TWENTY, noise=0.2, seed=1)).result
    EvaluationResult.model_validate({**result, "quality": {}})
    passed, violations = check(result)
    assert violations == [] and "synthetic_placebo_inference" in passed
    assert result["evidence"]["grade"] == "synthetic_comparison"
    assert result["evidence"]["reasons"][0]["id"] == "exposure_not_assigned"
    # the effect (0.75) is several standard errors of 20 noisy controls away from zero, the pre-break fit is close
    # (about the noise, 0.2) and the placebo break finds nothing: a direction is claimed
    assert result["diagnostics"]["pre_fit"]["rmse"] == pytest.approx(0.2, abs=0.05)
    assert result["evidence"]["direction"] == "increase"


def test_a_poor_pre_break_fit_or_a_failed_placebo_withholds_the_direction():
    head = {"estimate": 0.5}
    poor = {"diagnostics": {"pre_fit": {"rmse": 0.6}, "placebo": {"ci_low": -0.1, "ci_high": 0.1}}}
    moved = {"diagnostics": {"pre_fit": {"rmse": 0.1}, "placebo": {"ci_low": 0.2, "ci_high": 0.4}}}
    fine = {"diagnostics": {"pre_fit": {"rmse": 0.1}, "placebo": {"ci_low": -0.1, "ci_high": 0.3}}}
    assert [r["id"] for r in synthetic_checks(poor, head)] == ["poor_pre_fit"]
    assert [r["id"] for r in synthetic_checks(moved, head)] == ["placebo_fails"]
    assert synthetic_checks(fine, head) == []


def test_one_exposed_unit_with_bootstrap_standard_errors_breaks_a_rule():
    result = run_spec(make_spec(), parallel_frame(noise=0.05, seed=1)).result
    broken = dict(result, results={"synthetic": {**result["results"]["synthetic"], "se_method": "bootstrap"}})
    _, violations = check(broken)
    assert [v["rule"] for v in violations] == ["synthetic_placebo_inference"]


def test_the_specs_load_with_their_exposure_rules():
    cbp = load_spec(SPEC_DIR / "cbp_fentanyl_synthetic_did.yaml")
    assert cbp.design == "synthetic_did" and cbp.data.treated == "is_southwest_border"
    o = cbp.estimators.options("synthetic")
    assert (o.estimator, o.se, o.transform, o.break_date) == ("sdid", "placebo", "log1p", "2021-10-01")
    overdose = load_spec(SPEC_DIR / "overdose_west_synthetic_did.yaml")
    assert overdose.data.rolling_months is None and "month == 12" in (overdose.data.filter or "")
    assert any("Shover" in t["en"] and "Shover" in t["es"] for t in overdose.threats)
    homicide = load_spec(SPEC_DIR / "homicide_rate_its_sesnsp.yaml")
    assert any("No synthetic comparison of states" in t["en"] for t in homicide.threats)


def test_a_year_of_december_values_is_labelled_by_year():
    frame = parallel_frame()
    frame = frame[frame["period"].dt.month == 12]      # 2019–2022: break in 2021-10 makes 2021 the first post year
    result = run_spec(make_spec(placebo_shift=1), frame).result
    assert result["results"]["synthetic"]["frequency"] == "year"
    assert list(result["results"]["synthetic"]["time_weights"]) == ["2019", "2020"]
    assert "from 2021" in result["reading"]["en"] and "desde 2021" in result["reading"]["es"]


def test_the_site_section_shows_the_figures_and_the_caveat_in_both_languages(tmp_path):
    from pipelines.site.evaluation import result_section

    output = run_spec(make_spec(), parallel_frame(controls=TWENTY, noise=0.2, seed=1))
    out_dir = tmp_path / "results" / "evaluations" / "toy_synthetic"
    out_dir.mkdir(parents=True)
    for name, draw in output.figures.items():
        draw(out_dir / name)
    for name, table in output.tables.items():
        table.to_csv(out_dir / name, index=False)
    result = EvaluationResult.model_validate(json.loads(json.dumps({**output.result, "quality": {}})))
    figures = tmp_path / "site" / "figures"
    figures.mkdir(parents=True)
    pages = {lang: result_section(result, lang, figures, tmp_path / "results") for lang in ("en", "es")}
    for lang, caveat in (("en", "What this cannot show: the exposure was not randomised nor assigned by the Framework"),
                         ("es", "Lo que esto no puede mostrar: la exposición no fue aleatoria ni asignada por el Entendimiento")):
        suffix = ".png" if lang == "en" else ".es.png"        # the Spanish page shows the Spanish drawing
        assert f"toy_synthetic_synthdid{suffix}" in pages[lang] and f"toy_synthetic_synthdid_units{suffix}" in pages[lang]
        assert caveat in pages[lang]
        assert "unit_weights.csv" in pages[lang] and "time_weights.csv" in pages[lang]
    assert r"Synthetic comparison \(exposure not assigned\)" in pages["en"]   # markdown-escaped
    assert r"Comparación sintética \(exposición no asignada\)" in pages["es"]
    assert Path(figures / "toy_synthetic_synthdid.png").stat().st_size > 10_000
    # one drawing per language: the Spanish one differs (its legend and labels are Spanish)
    assert {"synthdid.png", "synthdid.es.png", "synthdid_units.png", "synthdid_units.es.png"} <= set(output.figures)
    assert (out_dir / "synthdid.png").read_bytes() != (out_dir / "synthdid.es.png").read_bytes()


def test_the_bootstrap_row_is_listed_beside_the_headline_on_the_page(tmp_path):
    from pipelines.site.evaluation import result_section

    output = run_spec(make_spec(), parallel_frame(treated=("T1", "T2"), controls=TWENTY, noise=0.2))
    result = EvaluationResult.model_validate({**json.loads(json.dumps(output.result)), "quality": {}})
    page = result_section(result, "en", tmp_path, tmp_path)
    assert "Sensitivity: synthetic difference-in-differences with bootstrap standard errors" in page


def test_the_scorecard_evaluation_of_a_line_comes_first_on_its_goal_page():
    from pipelines.site.headline_first import headline_first

    results = [make_result(name) for name in ("a_its", "b_ports", "c_synthetic")]
    audit = {"scorecard": [{"line_of_action": "other", "evaluation": "b_ports"},
                           {"line_of_action": "mine", "evaluation": "c_synthetic"}]}
    assert [r.name for r in headline_first(results, "mine", audit)] == ["c_synthetic", "a_its", "b_ports"]
    assert [r.name for r in headline_first(results, "mine", None)] == ["a_its", "b_ports", "c_synthetic"]
