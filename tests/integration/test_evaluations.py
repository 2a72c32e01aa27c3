"""Every spec's result in the pipeline output follows docs/RESULT_SCHEMA.md; every line of action is evaluated
or listed as a gap; numbers re-derived from the warehouse for one ITS and one trend."""
import json
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from evaluations.lines_of_action import LINES
from evaluations.spec_model import load_specs
from tests.integration.twfe_reference import joint_operations_twfe

SPECS = load_specs()
TOP = {"schema", "name", "title", "goal", "line_of_action", "design", "simulated", "data", "headline", "estimates",
       "diagnostics", "baseline_comparison", "reading", "figures", "tables", "quality"}


def _result(build, name):
    return json.loads((build / "results/evaluations" / name / "result.json").read_text())


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_result_follows_the_schema(pipeline_build, spec):
    r = _result(pipeline_build, spec.name)
    assert TOP <= set(r) and r["schema"] == 1 and r["name"] == spec.name and r["design"] == spec.design
    assert r["data"]["n_obs"] > 0 and r["data"]["sources"] and r["data"]["tables"] == [spec.data.table]
    assert r["reading"]["en"] and r["reading"]["es"]
    for e in r["estimates"] + ([r["headline"]] if r["headline"] else []):
        if e["ci_low"] is not None:
            assert e["ci_low"] <= e["estimate"] <= e["ci_high"]
            if e["ci_low"] <= 0 <= e["ci_high"] and e is r["headline"]:
                assert "no detectable change" in r["reading"]["en"]
    for item in r["figures"] + r["tables"]:
        assert (pipeline_build / "results/evaluations" / spec.name / item["file"]).stat().st_size > 0


def test_every_line_of_action_has_a_result_or_a_gap(pipeline_build):
    gaps = json.loads((pipeline_build / "results/data_gaps.json").read_text())
    evaluated = {_result(pipeline_build, s.name)["line_of_action"] for s in SPECS}
    no_data = {g["line_of_action"] for g in gaps if g["kind"] == "no_data"}
    for line in LINES:
        assert (line["id"] in evaluated) != (line["id"] in no_data), line["id"]
    assert {g["line_of_action"] for g in gaps if g["kind"] == "partial"} <= evaluated


def test_joint_operations_headline_is_callaway_santanna_with_twfe_beside(pipeline_build, con):
    r = _result(pipeline_build, "joint_operations_homicides")
    assert r["headline"]["estimator"] == "cs"
    ids = {e["id"]: e for e in r["estimates"]}
    # the TWFE estimate listed beside the headline is the coefficient of a by-hand demeaning of the warehouse panel
    reference = joint_operations_twfe(con)
    assert ids["twfe"]["estimate"] == pytest.approx(reference["estimate"], rel=1e-8, abs=1e-10)
    assert ids["twfe"]["std_error"] == pytest.approx(reference["std_error"], rel=1e-8)
    assert ids["cs"]["estimate"] == pytest.approx(r["results"]["cs"]["att"]["estimate"])
    assert ids["cs"]["estimate"] != pytest.approx(ids["twfe"]["estimate"], rel=1e-3)
    # the Goodman-Bacon weighted sum reproduces the TWFE coefficient of the balanced panel
    bacon = r["diagnostics"]["bacon"]
    assert bacon["weighted_sum"] == pytest.approx(bacon["twfe_estimate"], rel=1e-8)
    assert r["results"]["cs"]["bootstrap"]["draws"] == 999 and r["seed"] == 20211008
    assert r["diagnostics"]["placebo"]["shift_periods"] == 12
    pre = r["diagnostics"]["pretrend"]
    assert pre["pre_event_times"] == len(pd.read_csv(pipeline_build / "results/evaluations/joint_operations_homicides/"
                                                     "cs_event_study.csv").query("event_time < 0"))


def test_joint_operations_cs_headline_equals_diff_diff_on_the_warehouse_panel(pipeline_build, con):
    """The headline Callaway–Sant'Anna ATT (never-treated comparison, simple aggregation) computed by an
    independent implementation, diff-diff, on the estimation panel read from the warehouse (small cohorts left
    out by hand, tests/integration/twfe_reference.py). Only the point estimate is compared: the headline's
    standard error is a state-clustered bootstrap, diff-diff's an unclustered analytic one."""
    dd = pytest.importorskip("diff_diff")
    panel = joint_operations_twfe(con)["panel"]

    def month(values):
        dates = pd.to_datetime(values)
        return dates.dt.year * 12 + dates.dt.month

    df = pd.DataFrame({"unit": panel["cvegeo"].astype(int).to_numpy(), "t": month(panel["period"]).to_numpy(),
                       "y": panel["homicide_rate"].to_numpy(),
                       "g": month(panel["treatment_start_period"]).fillna(0).astype(int).to_numpy()})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = dd.CallawaySantAnna(control_group="never_treated", n_bootstrap=0).fit(
            df, outcome="y", unit="unit", time="t", first_treat="g")
    simple = reference.aggregate("simple").to_dataframe().iloc[0]
    headline = _result(pipeline_build, "joint_operations_homicides")["headline"]
    assert headline["estimator"] == "cs"
    assert headline["estimate"] == pytest.approx(simple["att"], rel=1e-10)


def test_national_homicide_its_reproduced_from_the_warehouse(pipeline_build, con):
    panel = con.execute("select period, sum(sesnsp_homicide_victims) v, sum(case when sesnsp_homicide_victims is not null "
                        "then population end) p from marts.state_month_panel where period >= date '2015-01-01' "
                        "group by period having count(sesnsp_homicide_victims) > 0 order by period").df()
    y = panel["v"] / panel["p"] * 1e5
    months = pd.to_datetime(panel["period"])
    t = (months.dt.year - 2015) * 12 + months.dt.month - 1
    t0 = (2021 - 2015) * 12 + 9
    post = (t >= t0).astype(float)
    X = pd.DataFrame({"const": 1.0, "time": t.astype(float), "level": post, "slope": (t - t0) * post})
    for m in range(2, 13):
        X[f"m{m}"] = (months.dt.month == m).astype(float)
    ols = sm.OLS(y.to_numpy(), X).fit()
    lags = _nw94_lags(ols.resid.to_numpy())
    ref = sm.OLS(y.to_numpy(), X).fit(cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True})
    r = _result(pipeline_build, "homicide_rate_its_sesnsp")
    assert r["results"]["its"]["hac_lags"] == lags and r["results"]["its"]["hac_rule"] == "newey_west_1994_automatic"
    assert r["headline"]["estimate"] == pytest.approx(ref.params["level"], rel=1e-8)
    assert r["headline"]["std_error"] == pytest.approx(ref.bse["level"], rel=1e-8)
    by_unit = pd.read_csv(pipeline_build / "results/evaluations/homicide_rate_its_sesnsp/by_unit.csv")
    assert len(by_unit) == 32


def _nw94_lags(u: np.ndarray) -> int:
    """Newey & West (1994) automatic Bartlett lag on residuals, written out: the rule the ITS must follow."""
    n = len(u)
    pre = int(np.floor(4 * (n / 100) ** (2 / 9)))
    sigma = [float(u[j:] @ u[:n - j]) / n for j in range(pre + 1)]
    s0, s1 = sigma[0] + 2 * sum(sigma[1:]), 2 * sum(j * sigma[j] for j in range(1, pre + 1))
    return max(0, min(int(np.floor(1.1447 * ((s1 / s0) ** 2) ** (1 / 3) * n ** (1 / 3))), n - 2))


def test_femicide_trend_means_by_hand(pipeline_build, con):
    s = con.execute("select period, value from marts.indicators where indicator = 'Femicide victims'").df()
    s["period"] = pd.to_datetime(s["period"])
    base = s[(s.period >= "2018-10-01") & (s.period < "2021-10-01")]["value"].mean()
    post = s[s.period >= "2021-10-01"]["value"].mean()
    b = _result(pipeline_build, "femicide_trend")["baseline_comparison"]
    assert (b["baseline"]["mean"], b["post"]["mean"]) == (pytest.approx(base), pytest.approx(post))
    assert b["percent_change"] == pytest.approx(100 * (post - base) / base)


def test_per_state_tables_and_overdose_calendar_years(pipeline_build, con):
    # overdose deaths are 12-month rolling sums: no model, the calendar-year totals are the December values
    national = con.execute("select period, deaths_12mo_ending from marts.overdose_deaths_month where geography_level = "
                           "'national' and month(period) = 12 order by period").df()
    years = pd.read_csv(pipeline_build / "results/evaluations/overdose_its/calendar_years.csv")
    assert years["year"].tolist() == pd.to_datetime(national["period"]).dt.year.tolist()
    assert years["total"].tolist() == pytest.approx(national["deaths_12mo_ending"].tolist())
    overdose = _result(pipeline_build, "overdose_its")
    assert overdose["headline"] is None and overdose["evidence"]["reasons"][0]["id"] == "rolling_sums"
    assert not (pipeline_build / "results/evaluations/overdose_its/by_unit.csv").exists()
    firearms = pd.read_csv(pipeline_build / "results/evaluations/federal_firearms_trend/by_unit.csv")
    assert len(firearms) == 32


def test_arrests_event_study_has_the_bordering_municipalities(pipeline_build, con):
    r = _result(pipeline_build, "arrests_homicides_event_study")
    arrested = con.execute("select count(distinct cvegeo) from marts.municipal_homicides_arrests_month "
                           "where first_arrest_period is not null").fetchone()[0]
    excluded = r["sample"]["excluded_cohorts"]
    assert r["sample"]["treated_units"] == arrested - sum(c["units"] for c in excluded)
    # the municipality arrested 2024-02-25 (announced 2025-03-11) is a cohort of one: excluded, and said
    assert {"cohort": "2024-02", "units": 1, "clusters": 1, "reason": "fewer than 5 units"} in excluded
    assert all(c["units"] >= 5 and c["clusters"] >= 2 for c in r["sample"]["cohort_sizes"])
    assert "2024-02" not in r["sample"]["cohorts"] and "was left out" in r["reading"]["en"]
    ids = {e["id"] for e in r["estimates"]}
    assert {"cs", "twfe", "cs_neighbours"} <= ids
    assert 0 < r["sample"]["neighbour_units_treated"] < r["sample"]["units"] - arrested
    assert "bordering units" in r["reading"]["en"] and "colindantes" in r["reading"]["es"]


def test_women_homicide_trend_from_the_staging_victims(pipeline_build, con):
    s = con.execute("select period, sum(victims) v from staging.stg_sesnsp__victims_state where crime_subtype = "
                    "'Homicidio doloso' and sex = 'female' group by period").df()
    s["period"] = pd.to_datetime(s["period"])
    base = s[(s.period >= "2018-10-01") & (s.period < "2021-10-01")]["v"].mean()
    b = _result(pipeline_build, "women_homicide_trend")["baseline_comparison"]
    assert b["baseline"]["mean"] == pytest.approx(base) and b["baseline"]["months"] == 36



def test_ofac_shows_an_insufficient_baseline(pipeline_build):
    r = _result(pipeline_build, "ofac_mexico_designations")
    c = r["baseline_comparison"]
    assert c["sufficient"] is False and c["change"] is None and c["percent_change"] is None
    assert c["baseline"]["start"] == c["baseline"]["first_month_with_data"] == "2021-09-01"
    assert r["evidence"]["grade"] == "insufficient_data" and r["evidence"]["direction"] == "none"
    assert "Insufficient baseline (1 month" in r["reading"]["en"] and "36 months" not in r["reading"]["en"]
    assert "mean_change" not in {e["id"] for e in r["estimates"]}


def test_publication_audit_lists_every_estimate_and_passes(pipeline_build):
    report = json.loads((pipeline_build / "results/publication_audit.json").read_text())
    assert report["passed"] and report["violations"] == []
    published = {(p["evaluation"], p["id"]) for p in report["published"]}
    for spec in SPECS:
        r = _result(pipeline_build, spec.name)
        assert {(spec.name, e["id"]) for e in r["estimates"]} <= published
        ev = r["evidence"]
        head = next((e for e in r["estimates"] if e["id"] == ev["estimate_id"]), None)
        if head is not None and head["ci_low"] <= 0 <= head["ci_high"]:
            assert ev["direction"] == "no_clear_change" and ev["mde"]["value"] == pytest.approx(2.8 * head["std_error"])
    rows = [row for row in report["scorecard"] if row["evaluation"]]
    assert rows and all(_result(pipeline_build, row["evaluation"])["scope"] == "framework" for row in rows)
    assert {row["evaluation"] for row in report["earlier_policy"]} == {"joint_operations_homicides", "guardia_dose_response"}
    for row in rows:   # no arrow where the row's own headline interval covers zero
        entry = next(e for e in report["evaluations"] if e["name"] == row["evaluation"])
        if entry["ci_low"] is not None and entry["ci_low"] <= 0 <= entry["ci_high"]:
            assert entry["direction"] == "no_clear_change"


def test_bicentennial_audit_command(pipeline_build):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "pipelines.cli", "audit", "--build-dir", str(pipeline_build)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "ofac_mexico_designations" in done.stdout and "audit PASSED" in done.stdout.splitlines()[-1]


def test_spillover_estimate_leaves_out_the_same_small_cohorts(pipeline_build):
    headline = _result(pipeline_build, "joint_operations_homicides")["sample"]
    spill = json.loads((pipeline_build / "results/spatial/joint_operations_homicides/spillover.json").read_text())
    # the spillover panel keeps municipalities with a polygon only, so sizes may differ; the cohorts may not
    assert [c["cohort"] for c in spill["excluded_cohorts"]] == [c["cohort"] for c in headline["excluded_cohorts"]]
    assert [c["cohort"] for c in spill["cohort_sizes"]] == [c["cohort"] for c in headline["cohort_sizes"]]
    assert spill["excluded_cohorts"]
