"""Robustness rows of the staggered designs (evaluations/designs/robustness.py, border_bands.py).

Expected values are computed here by other means: the wild cluster bootstrap by refitting the regression for
every one of the 2^G sign vectors, randomization inference by enumerating the assignments and computing the
difference in mean changes by hand, the band effects from a panel built with known effects, and distances
from geography (Tijuana touches the border; Mérida is about 950 km from the mouth of the Rio Grande).
"""
import itertools
import json

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from evaluations.designs import run_spec
from evaluations.designs.border_bands import effects_by_band, unit_distances
from evaluations.designs.robustness import cs_randomization, twfe_wild_bootstrap, wild_weights
from evaluations.options import RobustnessOptions
from evaluations.result_model import EvaluationResult
from evaluations.spec_model import SpecError, load_spec, load_specs

HEAD = ("name: s\ntitle: {en: T, es: T}\ngoal: goal_1_protect_people\nline_of_action: homicide_reduction\n"
        "scope: framework\ndesired_direction: decrease\nthreats: [spillovers]\n"
        "outcome: {en: homicides, es: homicidios}\nunits: {en: victims, es: víctimas}\n")
DATA = "{table: t, unit: unit, time: period, outcome: y, cohort: first, cluster: state}"


def _spec(tmp_path, robustness: str, cluster: bool = True):
    p = tmp_path / "s.yaml"
    data = DATA if cluster else DATA.replace(", cluster: state", "")
    p.write_text(HEAD + f"design: staggered_did\ndata: {data}\nestimators: {{cs: {{bootstrap: 0}}, twfe: {{}}, "
                        f"robustness: {robustness}}}\n", encoding="utf-8")
    return load_spec(p)


def _prepared(frame: pd.DataFrame) -> pd.DataFrame:
    """The runner's columns: months indexed, cohort month (0: never) and the treatment dummy."""
    out = frame.copy()
    out["_t"] = out["period"].dt.year * 12 + out["period"].dt.month - 1
    first = pd.to_datetime(out["first"])
    out["_g"] = (first.dt.year * 12 + first.dt.month - 1).fillna(0).astype("int64")
    out["_treated"] = ((out["_g"] > 0) & (out["_t"] >= out["_g"])).astype(float)
    return out


def test_auto_weights_enumerate_rademacher_only_when_every_sign_vector_fits():
    assert wild_weights(6, 999, "auto") == "rademacher"      # 2^6 = 64 <= 999
    assert wild_weights(10, 999, "auto") == "webb"           # 2^10 = 1024 > 999
    assert wild_weights(29, 9999, "auto") == "webb"
    assert wild_weights(29, 9999, "rademacher") == "rademacher"


def _crv1_t(y, X, j, codes):
    """OLS coefficient j over its CRV1 standard error (no small-sample factor: it cancels in the p-value)."""
    xtx_inv = np.linalg.inv(X.T @ X)
    beta = xtx_inv @ X.T @ y
    u = y - X @ beta
    meat = sum(np.outer(X[codes == g].T @ u[codes == g], X[codes == g].T @ u[codes == g]) for g in np.unique(codes))
    v = xtx_inv @ meat @ xtx_inv
    return beta[j], np.sqrt(v[j, j])


def test_wild_bootstrap_equals_refitting_every_sign_vector_by_hand(tmp_path):
    rng = np.random.default_rng(3)
    rows = []
    for u in range(6):      # six units, each its own cluster; units 0-2 treated from period 3 of 6
        for t in range(6):
            rows.append({"unit": f"u{u}", "state": f"u{u}", "period": pd.Timestamp(2020, 1 + t, 1),
                         "first": "2020-04-01" if u < 3 else None, "y": u + 0.5 * t + rng.normal()
                         + (1.0 if u < 3 and t >= 3 else 0.0)})
    data = _prepared(pd.DataFrame(rows))
    spec = _spec(tmp_path, "{wild_bootstrap: 999, randomization: 0, sdid: false, border_bands_km: []}")
    w = twfe_wild_bootstrap(spec, data, spec.estimators.robustness)
    assert (w.weights, w.enumerated, w.draws, w.n_clusters) == ("rademacher", True, 64, 6)
    # by hand: unit and period dummies, the restricted fit without D, 64 refits
    fe = pd.get_dummies(data[["unit"]].astype(str)).join(pd.get_dummies(data["_t"].astype(str), drop_first=True))
    X_r = fe.to_numpy(float)
    X = np.column_stack([data["_treated"].to_numpy(), X_r])
    y = data["y"].to_numpy()
    codes = pd.factorize(data["state"])[0]
    beta, se = _crv1_t(y, X, 0, codes)
    fitted = X_r @ np.linalg.lstsq(X_r, y, rcond=None)[0]
    resid = y - fitted
    t_obs = beta / se
    t_boot = []
    for signs in itertools.product((1.0, -1.0), repeat=6):
        b, s = _crv1_t(fitted + np.array(signs)[codes] * resid, X, 0, codes)
        t_boot.append(b / s)
    p_hand = np.mean(np.abs(t_boot) >= abs(t_obs) * (1 - 1e-10))
    assert w.estimate == pytest.approx(beta, rel=1e-9)
    assert w.p_value == pytest.approx(p_hand, abs=1e-12)


def _ri_panel():
    """Four states (1, 2, 3 and 2 municipalities), 6 months; state A treated from month 4 with effect 2."""
    rng = np.random.default_rng(7)
    rows = []
    sizes = {"A": 2, "B": 1, "C": 3, "D": 2}
    for state, n in sizes.items():
        for i in range(n):
            level = rng.normal(5, 1)
            for t in range(6):
                rows.append({"unit": f"{state}{i}", "state": state, "period": pd.Timestamp(2020, 1 + t, 1),
                             "first": "2020-04-01" if state == "A" else None,
                             "y": level + 0.3 * t + rng.normal(0, 0.2) + (2.0 if state == "A" and t >= 3 else 0.0)})
    return _prepared(pd.DataFrame(rows))


def _simple_att_by_hand(panel: pd.DataFrame, treated_state: str) -> float:
    """One cohort (month index of April 2020), never-treated comparison: mean over post months of the
    difference in mean change from March between the treated state's units and all other units."""
    wide = panel.pivot(index="unit", columns="_t", values="y")
    state = panel.groupby("unit")["state"].first()
    base = wide.columns[2]
    change = wide[wide.columns[3:]].sub(wide[base], axis=0)
    gap = change[state == treated_state].mean() - change[state != treated_state].mean()
    return float(gap.mean())


def test_randomization_permutes_state_cohorts_and_matches_enumeration_by_hand(tmp_path):
    panel = _ri_panel()
    spec = _spec(tmp_path, "{wild_bootstrap: 0, randomization: 999, sdid: false, border_bands_km: []}")
    observed = _simple_att_by_hand(panel, "A")
    r = cs_randomization(spec, panel, spec.estimators.robustness, "never", np.inf, observed)
    stats = [_simple_att_by_hand(panel, s) for s in "ABCD"]   # the four ways to give the cohort to one state
    assert r.enumerated and r.draws == 4 and (r.n_clusters, r.treated_clusters) == (4, 1)
    assert r.statistic == pytest.approx(observed, rel=1e-9)
    assert sorted(r.distribution) == pytest.approx(sorted(stats), rel=1e-9)
    assert r.p_value == pytest.approx(np.mean(np.abs(stats) >= abs(observed) - 1e-12))


def test_randomization_over_states_refuses_states_with_several_cohorts_naming_the_option(tmp_path):
    panel = _ri_panel()
    panel.loc[panel["unit"] == "C0", "_g"] = panel["_g"].max()   # one unit of state C adopts too
    spec = _spec(tmp_path, "{wild_bootstrap: 0, randomization: 99, sdid: false, border_bands_km: []}")
    with pytest.raises(SpecError, match="estimators.robustness.randomization_unit: cluster 'C' has units in several cohorts"):
        cs_randomization(spec, panel, spec.estimators.robustness, "never", np.inf, 0.0)
    spec = _spec(tmp_path, "{wild_bootstrap: 0, randomization: 99, randomization_unit: unit, sdid: false, "
                           "border_bands_km: []}")
    r = cs_randomization(spec, panel, spec.estimators.robustness, "never", np.inf, 0.0)
    assert (r.n_clusters, r.treated_clusters) == (8, 3)


def _band_panel():
    """Five treated units per band (effects 3, 2 and 1 from 2021-01) and ten never-treated units."""
    rows, distances = [], {}
    units = [(f"n{i}", None, 0.0, 500.0) for i in range(10)]
    for band, (km, effect) in enumerate([(20.0, 3.0), (100.0, 2.0), (450.0, 1.0)]):   # 100 km: second band
        units += [(f"b{band}{i}", "2021-01-01", effect, km) for i in range(5)]
    for k, (unit, first, effect, km) in enumerate(units):
        distances[unit] = km
        for t, period in enumerate(pd.date_range("2020-01-01", periods=24, freq="MS")):
            post = first is not None and period >= pd.Timestamp(first)
            rows.append({"unit": unit, "state": unit, "period": period, "first": first,
                         "y": k + 0.2 * t + np.sin(t) + (effect if post else 0.0)})
    return _prepared(pd.DataFrame(rows)), pd.Series(distances)


def test_band_effects_recover_each_band_and_count_its_treated_units():
    panel, distances = _band_panel()
    table = effects_by_band(panel, "y", "unit", None, distances, [100, 300])
    assert table["band"].tolist() == ["0–100 km", "100–300 km", "300+ km"]
    assert table["treated_units"].tolist() == [5, 5, 5] and table["treated_units_used"].tolist() == [5, 5, 5]
    assert table["comparison_units"].tolist() == [10, 10, 10]
    assert table["estimate"].to_numpy() == pytest.approx([3.0, 2.0, 1.0], abs=1e-9)
    table = effects_by_band(panel, "y", "unit", None, distances, [50, 101])   # 100 km falls in [50, 101)
    assert table["treated_units"].tolist() == [5, 5, 5] and table["band"].tolist()[1] == "50–101 km"
    assert table["estimate"].to_numpy() == pytest.approx([3.0, 2.0, 1.0], abs=1e-9)
    table = effects_by_band(panel, "y", "unit", None, distances, [10, 15])     # an empty band has no estimate
    assert table["treated_units"].tolist() == [0, 0, 15] and np.isnan(table["estimate"].iloc[0])


def test_distances_to_the_border_of_real_municipalities():
    km = unit_distances(["02004", "31050", "02007", "02002", "99999"])   # Tijuana, Mérida, San Felipe, Mexicali
    assert km["02004"] < 2.0
    assert 850 < km["31050"] < 1100
    assert km["02007"] == km["02002"] < 2.0             # San Felipe (2020) has Mexicali's polygon, on the border
    assert np.isnan(km["99999"])


@pytest.mark.parametrize(("options", "message"), [
    ({"border_bands_km": [300, 100]}, "increasing positive distances"),
    ({"border_bands_km": [0, 100]}, "increasing positive distances"),
    ({"wild_weights": "mammen"}, "must be one of auto, rademacher, webb"),
    ({"randomization_unit": "state"}, "must be one of cluster, unit"),
    ({"wild_bootstrap": -1}, "greater than or equal to 0"),
    ({"randomization": "999"}, "valid integer"),
    ({"permutations": 99}, "unknown option 'permutations'"),
])
def test_bad_robustness_options_are_refused_by_name(options, message):
    with pytest.raises(ValidationError, match=message):
        RobustnessOptions(**options)


def test_defaults_of_the_robustness_options():
    o = RobustnessOptions()
    assert (o.wild_bootstrap, o.wild_weights, o.randomization, o.randomization_unit, o.sdid, o.sdid_se,
            o.border_bands_km) == (9999, "auto", 999, "cluster", True, "jackknife", [100, 300])


def _spec_panel(spec, treated_states: dict, never_states: list[str], per_state: int = 3, start=None) -> pd.DataFrame:
    """A panel with the real spec's columns: real municipality codes (the first of each state), the months of its
    window (from `start`, when given: fewer pre-treatment months keep the pre-trend power's normal probabilities
    low-dimensional, and they are not what these tests check)."""
    from evaluations.spatial.geometry import load_municipalities

    codes = load_municipalities()["CVEGEO"]
    d = spec.data
    months = pd.date_range(start or d.start, d.end, freq="MS")
    rng = np.random.default_rng(11)
    rows = []
    for state in [*treated_states, *never_states]:
        for code in codes[codes.str[:2] == state].iloc[:per_state]:
            first = treated_states.get(state)
            level = rng.normal(2, 0.5)
            for t, period in enumerate(months):
                post = first is not None and period >= pd.Timestamp(first)
                rows.append({d.unit: code, d.cluster: state, d.time: period.date(), d.cohort: first,
                             d.outcome: level + 0.01 * t + rng.normal(0, 0.1) + (0.5 if post else 0.0),
                             "undated_arrests": 0})
    return pd.DataFrame(rows)


@pytest.mark.parametrize(("name", "treated", "never", "start"), [
    ("joint_operations_homicides", {"02": "2007-01-01", "08": "2007-01-01", "16": "2008-01-01", "12": "2008-01-01"},
     ["31", "32", "20", "30"], "2006-07-01"),
    ("arrests_homicides_event_study", {"02": "2024-09-01", "08": "2024-09-01", "16": "2025-01-01", "12": "2025-01-01"},
     ["31", "32", "20", "30"], None),
])
def test_real_specs_publish_the_robustness_rows(name, treated, never, start):
    spec = next(s for s in load_specs() if s.name == name)
    assert spec.estimators.robustness is not None and spec.estimators.robustness.border_bands_km == [100, 300]
    spec = spec.with_overrides({"cs": {"bootstrap": 0}, "robustness": {"wild_bootstrap": 999, "randomization": 99}})
    out = run_spec(spec, _spec_panel(spec, treated, never, start=start))
    r = out.result
    rows = {e["id"]: e for e in r["estimates"] if e["kind"] == "sensitivity"}
    assert set(rows) == {"twfe_wild_bootstrap", "cs_randomization", "sdid_staggered"}
    assert rows["twfe_wild_bootstrap"]["estimate"] == pytest.approx(next(e for e in r["estimates"] if e["id"] == "twfe")["estimate"])
    assert rows["cs_randomization"]["estimate"] == pytest.approx(r["headline"]["estimate"])
    assert all(rows[k]["p_value"] is not None for k in rows)
    assert set(r["results"]["robustness"]) == {"wild_bootstrap", "randomization", "sdid", "border_bands"}
    assert r["results"]["robustness"]["randomization"]["permuted"] == ("clusters" if name.startswith("joint") else "units")
    assert {"sdid_cohorts.csv", "border_distance_effects.csv"} <= set(out.tables)
    bands = out.tables["border_distance_effects.csv"]
    assert bands["treated_units"].sum() == 12           # every treated unit has a polygon and one band
    for lang, words in (("en", ("Few-cluster check", "Randomization inference", "not a causal gradient")),
                        ("es", ("pocos conglomerados", "aleatorización", "no un gradiente causal"))):
        assert all(w in r["reading"][lang] for w in words)
    EvaluationResult.model_validate(json.loads(json.dumps({**r, "quality": {}}, default=str)))


def test_the_band_table_has_headings_in_both_languages_on_the_site(tmp_path):
    from pipelines.site.evaluation import csv_table

    path = tmp_path / "border_distance_effects.csv"
    path.write_text("band,treated_units,estimate,ci_low\n0–100 km,53,2.78,-0.12\n", encoding="utf-8")
    assert "Distancia a la frontera con EE. UU." in csv_table(path, "es") and "| band |" not in csv_table(path, "es")
    assert "Treated units in the band" in csv_table(path, "en") and "95% CI, low" in csv_table(path, "en")
    other = tmp_path / "att_gt.csv"
    other.write_text("estimate,some_new_column\n1.0,2\n", encoding="utf-8")
    # every table gets readable headings: the shared ones, and any other column's name made readable
    assert "| Estimación | Some new column |" in csv_table(other, "es") and "estimate" not in csv_table(other, "es")


def _wcr(p_value: float, ci=(0.1, 2.0)):
    from evaluations.did.wild_bootstrap import WildBootstrapResult

    return WildBootstrapResult(term="_treated", estimate=1.0, null=0.0, t_stat=2.0, p_value=p_value, ci=ci, level=0.95,
                               draws=9999, weights="webb", enumerated=False, n_clusters=29, seed=1)


def test_the_reading_says_when_a_few_cluster_p_value_disagrees_with_the_analytic_one():
    from evaluations.designs.robustness import randomization_sentence, wild_sentence
    from evaluations.did.randomization import RandomizationResult

    units = {"en": "victims", "es": "víctimas"}
    agree, disagree = wild_sentence(_wcr(0.03), 0.01, units), wild_sentence(_wcr(0.08), 0.01, units)
    assert "disagree" not in agree["en"] and "no coinciden" not in agree["es"]
    assert "disagree at the 5% level" in disagree["en"] and "no coinciden al nivel del 5%" in disagree["es"]
    assert "p = 0.080" in disagree["en"] and "analytic p = 0.010" in disagree["en"]
    unbounded = wild_sentence(_wcr(0.3, (-np.inf, 2.0)), 0.2, units)
    assert "without bound" in unbounded["en"] and "sin límite" in unbounded["es"]

    def ri(p):
        return RandomizationResult(statistic=1.0, p_value=p, draws=1000, enumerated=False, n_clusters=29,
                                   treated_clusters=7, seed=1, distribution=np.zeros(1000))
    assert "disagree" in randomization_sentence(ri(0.2), 0.01, True)["en"]
    assert "disagree" not in randomization_sentence(ri(0.02), 0.01, True)["en"]
    assert "among the 29 clusters, 7 of them treated" in randomization_sentence(ri(0.02), 0.01, True)["en"]
