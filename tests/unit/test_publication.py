"""Publication rules: each failure the independent review found, constructed on purpose, gets the exact grade,
direction and wording the rules prescribe; the audit catches a result that slipped past them.

Expected values are by hand: the MDE is 2.8 × the standard error that the test recomputes with its own
Newey–West sums; q-values are Benjamini–Hochberg worked out in the test.
"""
import json
import math

import numpy as np
import pandas as pd
import pytest

from evaluations.designs import run_spec
from evaluations.publication import audit, check, finalize
from evaluations.publication.vocabulary import MDE_FACTOR
from evaluations.spec_model import load_spec

HEAD = ("name: s\ntitle: {en: T, es: T}\ngoal: goal_1_protect_people\nline_of_action: homicide_reduction\n"
        "scope: framework\ndesired_direction: decrease\nthreats: [single_series]\n"
        "outcome: {en: homicides, es: homicidios}\nunits: {en: victims, es: víctimas}\n")


def _spec(tmp_path, design: str, data: str, extra: str = ""):
    p = tmp_path / "s.yaml"
    p.write_text(HEAD + f"design: {design}\ndata: {data}\n{extra}", encoding="utf-8")
    return load_spec(p)


def _monthly(start: str, end: str, values) -> pd.DataFrame:
    months = pd.date_range(start, end, freq="MS")
    return pd.DataFrame({"period": months, "value": values(np.arange(len(months)), months)})


def test_one_month_baseline_is_insufficient_and_says_so(tmp_path):
    # the OFAC case: data from September 2021, so one baseline month
    spec = _spec(tmp_path, "indicator_trend", "{table: t, time: period, value: value}")
    frame = _monthly("2021-09-01", "2024-04-01", lambda i, m: np.where(m < "2021-10-01", 10.0, 5.0 + (i % 3)))
    r = run_spec(spec, frame).result
    c = r["baseline_comparison"]
    assert (c["baseline"]["start"], c["baseline"]["months"], c["sufficient"]) == ("2021-09-01", 1, False)
    assert c["change"] is None and c["percent_change"] is None
    assert [e["id"] for e in r["estimates"]] == ["post_mean"]
    assert r["evidence"]["grade"] == "insufficient_data" and r["evidence"]["direction"] == "none"
    assert r["evidence"]["assessment"] == "none" and r["evidence"]["estimate_id"] is None
    assert r["evidence"]["reasons"][0]["en"].startswith("Insufficient baseline (1 month of data before October 2021; "
                                                       "at least 24 are needed)")
    assert "over the 1 month with data before October 2021 (September 2021 to September 2021)" in r["reading"]["en"]
    assert "36 months" not in r["reading"]["en"] and "%" not in r["reading"]["en"]
    assert "Línea base insuficiente (1 mes con datos antes de octubre de 2021" in r["reading"]["es"]


def test_post_only_series_has_no_baseline_and_no_test_against_zero(tmp_path):
    # the Security Cabinet arrests case: counts from October 2024 only
    spec = _spec(tmp_path, "indicator_trend", "{table: t, time: period, value: value}")
    frame = _monthly("2024-10-01", "2025-07-01", lambda i, m: 40.0 + 3 * (i % 4))
    r = run_spec(spec, frame).result
    assert r["baseline_comparison"] is None
    assert r["evidence"]["grade"] == "insufficient_data" and r["evidence"]["direction"] == "none"
    (post,) = r["estimates"]
    assert post["id"] == "post_mean" and post["kind"] == "level" and post["p_value"] is None
    assert post["label"]["en"] == "Monthly mean, Oct 2024 – Jul 2025 (descriptive; interval for month-to-month noise)"
    assert "since October 2021" not in post["label"]["en"]
    assert "from October 2024 to July 2025 (10 months)" in r["reading"]["en"]
    assert "no baseline and no before/after comparison is possible" in r["reading"]["en"]


def _nw_se_of_change(y: np.ndarray, post: np.ndarray) -> float:
    """Newey–West SE of the post dummy by hand: Bartlett weights, the 1994 automatic lag, n/(n−k)."""
    X = np.column_stack([np.ones(len(y)), post.astype(float)])
    beta = np.linalg.solve(X.T @ X, X.T @ y)
    u = y - X @ beta
    n = len(u)
    pre = int(math.floor(4 * (n / 100) ** (2 / 9)))
    sigma = [sum(u[t] * u[t - j] for t in range(j, n)) / n for j in range(pre + 1)]
    s0 = sigma[0] + 2 * sum(sigma[1:])
    s1 = 2 * sum(j * sigma[j] for j in range(1, pre + 1))
    lags = max(0, min(int(math.floor(1.1447 * ((s1 / s0) ** 2) ** (1 / 3) * n ** (1 / 3))), n - 2))
    scores = X * u[:, None]
    S = scores.T @ scores
    for lag in range(1, lags + 1):
        g = scores[lag:].T @ scores[:-lag]
        S += (1 - lag / (lags + 1)) * (g + g.T)
    bread = np.linalg.inv(X.T @ X)
    return float(math.sqrt((bread @ S @ bread)[1, 1] * n / (n - 2)))


def test_interval_covering_zero_gives_no_clear_change_and_the_mde(tmp_path):
    spec = _spec(tmp_path, "indicator_trend", "{table: t, time: period, value: value}")
    pattern = np.array([3.0, -1.0, 4.0, -5.0, 2.0, -3.0])
    frame = _monthly("2018-10-01", "2023-09-01", lambda i, m: 100 + pattern[i % 6] + np.where(m >= "2021-10-01", 0.5, 0.0))
    r = run_spec(spec, frame).result
    change = next(e for e in r["estimates"] if e["id"] == "mean_change")
    assert change["ci_low"] < 0 < change["ci_high"]
    ev = r["evidence"]
    assert (ev["grade"], ev["direction"], ev["assessment"], ev["estimate_id"]) == (
        "descriptive", "no_clear_change", "unclear", "mean_change")
    base = frame[frame["period"] >= "2018-10-01"]
    se = _nw_se_of_change(base["value"].to_numpy(), (base["period"] >= "2021-10-01").to_numpy())
    assert change["std_error"] == pytest.approx(se, rel=1e-10)
    assert ev["mde"]["value"] == pytest.approx(2.8 * se, rel=1e-10) and change["mde"] == pytest.approx(2.8 * se, rel=1e-10)
    baseline_mean = base.loc[base["period"] < "2021-10-01", "value"].mean()
    assert ev["mde"]["share_of_baseline"] == pytest.approx(2.8 * se / baseline_mean, rel=1e-10)
    assert [x["id"] for x in ev["reasons"]] == ["descriptive", "interval_covers_zero"]


def test_its_with_three_post_months_is_not_estimated(tmp_path):
    # the INEGI case: the series ends in December 2021
    spec = _spec(tmp_path, "its", "{table: t, time: period, value: value}", "estimators: {its: {min_side: 3}}\n")
    frame = _monthly("2015-01-01", "2021-12-01", lambda i, m: 2000 + 5.0 * i + 30 * np.sin(i))
    out = run_spec(spec, frame)
    r = out.result
    assert r["headline"] is None and r["estimates"] == []
    assert r["evidence"]["grade"] == "insufficient_data" and r["evidence"]["direction"] == "none"
    assert r["evidence"]["reasons"][0]["en"] == ("81 months before October 2021 and 3 from it; an interrupted time series "
                                                 "needs at least 24 and 12, so no change is estimated.")
    assert "series.png" in out.figures


def test_rolling_sums_are_never_modelled(tmp_path):
    # the overdose case: 12-month-ending counts
    spec = _spec(tmp_path, "its", "{table: t, time: period, value: value, rolling_months: 12}")
    frame = _monthly("2015-01-01", "2025-07-01", lambda i, m: 20000.0 + 300 * i)
    out = run_spec(spec, frame)
    r = out.result
    assert r["headline"] is None and r["estimates"] == [] and r["baseline_comparison"] is None
    assert r["evidence"]["grade"] == "insufficient_data"
    assert r["evidence"]["reasons"][0]["id"] == "rolling_sums"
    years = out.tables["calendar_years.csv"]
    # December of 2015 is month index 11: 20000 + 300 × 11 = 23,300
    assert years.iloc[0].tolist() == [2015, 23300.0] and years["year"].tolist() == list(range(2015, 2025))
    assert "fits no model" in r["reading"]["en"] and "an increase" not in r["reading"]["en"]


def _panel(cohort_of: dict, n_never: int, months: int = 24, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    units = [(u, g, s) for u, (g, s) in cohort_of.items()] + [(f"n{i}", None, f"S{i % 4}") for i in range(n_never)]
    for unit, g, state in units:
        for t, period in enumerate(pd.date_range("2024-01-01", periods=months, freq="MS")):
            effect = -8.0 if (g is not None and period >= pd.Timestamp(g) and unit == "solo") else 0.0
            rows.append({"unit": unit, "state": state, "period": period, "first": g,
                         "y": 5 + 0.1 * t + rng.normal(0, 0.3) + effect})
    return pd.DataFrame(rows)


def test_singleton_cohort_is_excluded_and_reported(tmp_path):
    spec = _spec(tmp_path, "event_study",
                 "{table: t, unit: unit, time: period, outcome: y, cohort: first, cluster: state}",
                 "estimators: {cs: {control: notyet, bootstrap: 0, placebo_shift: 3}}\n")
    cohorts = {"solo": ("2024-03-01", "S0")}                       # one unit, one state: the 19013 case
    cohorts.update({f"a{i}": ("2024-09-01", f"S{i % 3}") for i in range(6)})   # six units in three states
    r = run_spec(spec, _panel(cohorts, n_never=20)).result
    assert r["sample"]["excluded_cohorts"] == [{"cohort": "2024-03", "units": 1, "clusters": 1, "reason": "fewer than 5 units"}]
    assert r["sample"]["cohort_sizes"] == [{"cohort": "2024-09", "units": 6, "clusters": 3}]
    assert r["sample"]["cohorts"] == ["2024-09"] and r["sample"]["treated_units"] == 6
    # the −8 effect lived only in the excluded unit: the headline no longer carries it
    assert abs(r["headline"]["estimate"]) < 1.0
    assert "1 cohort (1 unit; first treated 2024-03) was left out: fewer than 5 units or in fewer than 2 states" in r["reading"]["en"]
    assert any(x["id"] == "cohorts_excluded" for x in r["evidence"]["reasons"])
    passed, violations = check(r)
    assert "cohort_min_size" in passed and violations == []


def _result(**over) -> dict:
    base = {"name": "x", "goal": "goal_1_protect_people", "line_of_action": "homicide_reduction", "design": "its",
            "headline": {"estimate": 1.0}, "baseline_comparison": None, "data": {}, "diagnostics": {},
            "results": {"its": {"n_pre": 60, "n_post": 30, "hac_rule": "newey_west_1994_automatic", "hac_lags": 5,
                                "counterfactual_in_range": True}},
            "estimates": [{"id": "its_level", "estimate": 1.0, "std_error": 0.2, "ci_low": 0.6, "ci_high": 1.4, "p_value": 0.001},
                          {"id": "its_level_quadratic", "kind": "sensitivity", "estimate": 0.9, "std_error": 0.3,
                           "ci_low": 0.3, "ci_high": 1.5, "p_value": 0.003}]}
    return {**base, **over}


def test_finalize_grades_a_robust_its_and_the_audit_catches_a_doctored_arrow():
    ok = finalize(_result(), "framework", "decrease", [{"id": "single_series", "en": "e", "es": "s"}])
    assert (ok["evidence"]["grade"], ok["evidence"]["direction"], ok["evidence"]["assessment"]) == (
        "single_series_model", "increase", "bad")
    assert {"its_min_observations", "no_rolling_sums", "hac_lags_from_data", "its_sensitivity",
            "direction_from_interval"} <= set(ok["publication"]["rules_passed"])
    # the sensitivity row disagrees: the interval excludes zero, but the change is not attributed (no arrow), and the
    # reading says why
    shaky = _result(estimates=[_result()["estimates"][0], {"id": "its_level_quadratic", "kind": "sensitivity", "estimate": -0.2,
                                                           "std_error": 0.3, "ci_low": -0.8, "ci_high": 0.4, "p_value": 0.5}])
    out = finalize(dict(shaky, reading={"en": "R.", "es": "L."}), "framework", "decrease", [{"id": "t", "en": "e", "es": "s"}])
    assert out["evidence"]["direction"] == "not_attributed" and out["evidence"]["mde"] is None
    assert out["evidence"]["assessment"] == "unclear"
    assert out["reading"]["en"].startswith("R. The platform claims no direction here: With a quadratic pre-trend")
    # an arrow written by hand against the interval, and a percent change on a one-month baseline
    doctored = json.loads(json.dumps(ok))
    doctored["estimates"][0].update(ci_low=-0.1)
    doctored["baseline_comparison"] = {"baseline": {"months": 1, "start": "2021-09-01", "first_month_with_data": "2021-09-01"},
                                       "post": {"months": 31}, "change": -4.6, "percent_change": -45.8}
    report = audit([doctored])
    assert not report["passed"]
    assert {v["rule"] for v in report["violations"]} == {"direction_from_interval", "baseline_min_months", "mde_beside_null"}
    assert "direction increase although the 95% interval of its_level covers zero" in [v["message"] for v in report["violations"]]


def test_q_values_are_benjamini_hochberg_and_the_scorecard_takes_one_evaluation_per_line():
    results = []
    for name, p, grade, line in (("a", 0.01, "descriptive", "homicide_reduction"), ("b", 0.04, "single_series_model", "homicide_reduction"),
                                 ("c", 0.03, "descriptive", "public_health"), ("d", 0.50, "descriptive", "safe_communities")):
        results.append({"name": name, "goal": "goal_1_protect_people", "line_of_action": line, "scope": "framework",
                        "design": "indicator_trend", "estimates": [{"id": "mean_change", "estimate": 1.0, "p_value": p}],
                        "evidence": {"grade": grade, "estimate_id": "mean_change"}})
    report = audit(results)
    q = {e["name"]: e["q_value"] for e in report["evaluations"]}
    # sorted p: 0.01, 0.03, 0.04, 0.50 → p·m/rank = 0.04, 0.06, 0.0533, 0.50; running minimum from the top
    assert q == pytest.approx({"a": 0.04, "c": 0.04 * 4 / 3, "b": 0.04 * 4 / 3, "d": 0.50})
    assert report["family"]["tests"] == 4
    rows = {r["line_of_action"]: r["evaluation"] for r in report["scorecard"]}
    assert rows["homicide_reduction"] == "b"          # the single-series model outranks the descriptive trend
    assert rows["public_health"] == "c" and rows["extraditions"] is None
    assert report["earlier_policy"] == []


def test_mde_factor_is_the_sum_of_the_normal_quantiles():
    from scipy import stats

    assert MDE_FACTOR == pytest.approx(stats.norm.ppf(0.975) + stats.norm.ppf(0.80), abs=0.005)


def test_audit_command_exit_codes(tmp_path, capsys):
    from pipelines.cli import main

    folder = tmp_path / "results" / "evaluations" / "x"
    folder.mkdir(parents=True)
    good = finalize(_result(), "framework", "decrease", [{"id": "single_series", "en": "e", "es": "s"}])
    (folder / "result.json").write_text(json.dumps(good))
    assert main(["audit", "--results-dir", str(tmp_path / "results")]) == 0
    out = capsys.readouterr().out
    assert "its_level" in out and out.strip().splitlines()[-1].startswith("audit PASSED: 2 published estimates in 1 evaluations")
    bad = json.loads(json.dumps(good))
    bad["estimates"][0]["p_value"] = None
    bad["estimates"][0]["kind"] = "level"
    bad["estimates"][0]["p_value"] = 0.001     # a level tested against zero
    (folder / "result.json").write_text(json.dumps(bad))
    assert main(["audit", "--results-dir", str(tmp_path / "results")]) == 1
    out = capsys.readouterr().out
    assert "VIOLATION x: no_zero_test_for_levels: estimate its_level publishes a test that a level differs from zero" in out
    assert main(["audit", "--results-dir", str(tmp_path / "empty")]) == 2


def test_audit_asset_fails_the_run_on_a_violation_so_the_site_is_not_rendered(tmp_path):
    import dagster as dg

    from pipelines.assets.evaluations import publication_audit_asset
    from pipelines.resources import ProjectResource

    folder = tmp_path / "results" / "evaluations" / "x"
    folder.mkdir(parents=True)
    good = finalize(_result(), "framework", "decrease", [{"id": "single_series", "en": "e", "es": "s"}])
    project = ProjectResource(data_dir=str(tmp_path), build_dir=str(tmp_path), warehouse_path=str(tmp_path / "w.duckdb"))
    (folder / "result.json").write_text(json.dumps(good))
    assert dg.materialize([publication_audit_asset], resources={"project": project}).success
    written = json.loads((tmp_path / "results" / "publication_audit.json").read_text())
    assert written["passed"] and {(p["evaluation"], p["id"]) for p in written["published"]} == {
        ("x", "its_level"), ("x", "its_level_quadratic")}
    good["evidence"]["direction"] = "decrease"          # an arrow against the sign of the estimate
    (folder / "result.json").write_text(json.dumps(good))
    run = dg.materialize([publication_audit_asset], resources={"project": project}, raise_on_error=False)
    assert not run.success
    failure = next(e for e in run.all_events if e.event_type_value == "STEP_FAILURE")
    assert "direction_from_interval: direction decrease contradicts the sign of its_level" in failure.event_specific_data.error.message


def test_every_grade_is_said_in_plain_words_in_both_languages():
    """The home page's short form and the goal pages' sentence exist for every grade, and for nothing else."""
    from evaluations.publication.vocabulary import CONFIDENCE, GRADE_PLAIN, GRADES

    assert set(CONFIDENCE) == set(GRADE_PLAIN) == set(GRADES)
    for words in (*CONFIDENCE.values(), *GRADE_PLAIN.values()):
        assert words["en"].strip() and words["es"].strip() and words["en"] != words["es"]
