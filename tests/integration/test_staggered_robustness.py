"""The robustness rows of the two staggered evaluations in a real build: their keys, tables and pages."""
import json

import pandas as pd
import pytest

EXPECTED_ROWS = {"twfe_wild_bootstrap", "cs_randomization", "sdid_staggered"}


def _result(build, name: str) -> dict:
    return json.loads((build / f"results/evaluations/{name}/result.json").read_text())


@pytest.mark.parametrize(("name", "permuted", "weights", "draws"), [
    ("joint_operations_homicides", "clusters", "webb", 1000),   # 29 states: 2^29 sign vectors exceed the draws
    ("arrests_homicides_event_study", "units", "webb", 500),    # the spec's 499 permutations and the observed one
])
def test_robustness_rows_keys_and_tables(pipeline_build, name, permuted, weights, draws):
    r = _result(pipeline_build, name)
    rows = {e["id"]: e for e in r["estimates"] if e["kind"] == "sensitivity"}
    assert set(rows) == EXPECTED_ROWS
    robustness = r["results"]["robustness"]
    assert set(robustness) == {"wild_bootstrap", "randomization", "sdid", "border_bands"}
    wcr = robustness["wild_bootstrap"]
    assert (wcr["weights"], wcr["draws"], wcr["enumerated"]) == (weights, 9999, False)
    assert rows["twfe_wild_bootstrap"]["p_value"] == wcr["p_value"]
    assert robustness["randomization"]["permuted"] == permuted and robustness["randomization"]["draws"] == draws
    assert rows["cs_randomization"]["estimate"] == pytest.approx(r["headline"]["estimate"])
    folder = pipeline_build / f"results/evaluations/{name}"
    bands = pd.read_csv(folder / "border_distance_effects.csv")
    assert bands["band"].tolist() == ["0–100 km", "100–300 km", "300+ km"]
    assert bands["treated_units"].sum() == r["sample"]["treated_units"]
    cohorts = pd.read_csv(folder / "sdid_cohorts.csv")
    assert cohorts["weight"].iloc[:-1].sum() == pytest.approx(1.0) and cohorts["cohort"].iloc[-1] == "all"
    assert {"border_distance_effects.csv", "sdid_cohorts.csv"} <= {t["file"] for t in r["tables"]}


def test_joint_operations_sdid_uses_states_as_units(pipeline_build):
    sdid = _result(pipeline_build, "joint_operations_homicides")["results"]["robustness"]["sdid"]
    assert sdid["units"] == "clusters" and sdid["se_method"] == "jackknife"
    assert sum(c["n_treated"] for c in sdid["cohorts"]) == 7     # the treated states of the kept cohorts
