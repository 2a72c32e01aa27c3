"""The two synthetic_did evaluations re-derived from the warehouse with SQL and an independent peer
(diff-diff 3.13 `SyntheticDiD`, a pinned test dependency), and their place on the goal pages."""
import json
import warnings

import numpy as np
import pytest

CBP = """select area_of_responsibility as unit, period, ln(1 + sum(quantity_lbs)) as y,
                 bool_or(is_southwest_border) as exposed
          from marts.cbp_seizures_month where drug_type = 'Fentanyl' and component = 'Office of Field Operations'
          group by all"""
WEST = ("AK", "AR", "AZ", "CA", "CO", "HI", "IA", "ID", "KS", "LA", "MN", "MO", "MT", "ND", "NE", "NM", "NV", "OK",
        "OR", "SD", "TX", "UT", "WA", "WY")
# states with a December value in each of the 8 years 2017-2024 (the spec's balance rule), logged
OVERDOSE = f"""with dec as (select state_abbr as unit, year(period) as period, deaths_12mo_ending as deaths
                            from marts.overdose_deaths_month
                            where geography_level = 'state' and month(period) = 12 and year(period) between 2017 and 2024
                              and deaths_12mo_ending is not null)
               select unit, period, ln(deaths) as y, unit in {WEST} as exposed from dec
               where unit in (select unit from dec group by unit having count(*) = 8)"""


def _result(build, name):
    return json.loads((build / "results/evaluations" / name / "result.json").read_text())


@pytest.mark.parametrize(("name", "query", "first_post"), [
    ("cbp_fentanyl_synthetic_did", CBP, "2021-10-01"),
    ("overdose_west_synthetic_did", OVERDOSE, 2022),
])
def test_headline_equals_diff_diff_on_the_warehouse_panel(pipeline_build, con, name, query, first_post):
    diff_diff = pytest.importorskip("diff_diff")
    panel = con.execute(query).df()
    if isinstance(first_post, str):
        panel["period"] = panel["period"].astype("datetime64[ns]")
        first_post = np.datetime64(first_post)
    panel["treated"] = panel["exposed"].astype(int)
    post = sorted(p for p in panel["period"].unique() if p >= first_post)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer = diff_diff.SyntheticDiD(variance_method="placebo", n_bootstrap=200, seed=20211008).fit(
            panel, outcome="y", treatment="treated", unit="unit", time="period", post_periods=post)
    r = _result(pipeline_build, name)
    assert r["headline"]["estimate"] == pytest.approx(peer.att, abs=1e-6)
    assert r["diagnostics"]["weights"]["n_treated"] == panel.loc[panel.exposed, "unit"].nunique()
    assert r["diagnostics"]["weights"]["n_control"] == panel.loc[~panel.exposed, "unit"].nunique()
    assert r["evidence"]["grade"] == "synthetic_comparison"
    # diff-diff draws its placebo reassignments from numpy's default generator as evaluations.synth does
    assert r["headline"]["std_error"] == pytest.approx(peer.se, rel=1e-9)


def test_the_synthetic_headline_leads_its_line_on_the_goal_pages(pipeline_build):
    site = pipeline_build / "site" / "dev"
    for lang, suffix in (("en", ".png"), ("es", ".es.png")):       # each page shows the drawing in its language
        page = (site / lang / "goal-2.html").read_text()
        assert page.index('id="cbp_fentanyl_synthetic_did"') < page.index('id="cbp_fentanyl_comparative_its"')
        assert f"cbp_fentanyl_synthetic_did_synthdid{suffix}" in page
        assert (site / lang / "figures" / f"cbp_fentanyl_synthetic_did_synthdid{suffix}").is_file()
        page1 = (site / lang / "goal-1.html").read_text()
        assert "Shover" in page1 and f"overdose_west_synthetic_did_synthdid_units{suffix}" in page1
        # the west-vs-east overdose comparison is context, under its own heading, never the scorecard's row
        assert page1.index('id="public_health-context"') < page1.index('id="overdose_west_synthetic_did"')
        assert "overdose_west_synthetic_did" not in (site / lang / "index.html").read_text()
