"""Randomization inference over cluster-level adoption: full enumeration checked by a brute-force loop."""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from evaluations.did import twfe
from evaluations.did.cs import att_gt
from evaluations.did.randomization import RandomizationError, cluster_cohorts, distinct_assignments, randomization_test
from evaluations.did.randomization_cs import SimpleATT


def clustered_panel(seed: int = 1) -> pd.DataFrame:
    """6 states × 2 municipalities × 8 periods; states 0 and 1 adopt in period 4, state 2 in period 6."""
    rng = np.random.default_rng(seed)
    state_cohort = {0: 4, 1: 4, 2: 6, 3: 0, 4: 0, 5: 0}
    rows = []
    for state, g in state_cohort.items():
        for municipality in range(2):
            unit = 10 * state + municipality
            level = rng.normal()
            for t in range(1, 9):
                effect = 0.8 if g and t >= g else 0.0
                rows.append({"state": state, "unit": unit, "time": t, "cohort": g,
                             "y": level + 0.1 * t + effect + 0.5 * rng.normal()})
    return pd.DataFrame(rows)


def post_minus_pre(frame: pd.DataFrame) -> float:
    """Mean change after adoption among treated rows less the mean change of the never treated (simple DiD)."""
    treated = frame["cohort"] > 0
    after = treated & (frame["time"] >= frame["cohort"])
    change = frame.loc[after, "y"].mean() - frame.loc[treated & ~after, "y"].mean()
    control = frame.loc[~treated & (frame["time"] >= 5), "y"].mean() - frame.loc[~treated & (frame["time"] < 5), "y"].mean()
    return float(change - control)


def test_enumeration_equals_a_brute_force_loop():
    panel = clustered_panel()
    result = randomization_test(panel, "state", "cohort", post_minus_pre, draws=999)
    states = [0, 1, 2, 3, 4, 5]
    observed = [4, 4, 6, 0, 0, 0]
    distinct = sorted(set(itertools.permutations(observed)))
    assert len(distinct) == 60 == distinct_assignments(pd.Series(observed)) == result.draws
    stats = []
    for assignment in distinct:
        cohort = panel["state"].map(dict(zip(states, assignment)))
        stats.append(post_minus_pre(panel.assign(cohort=cohort)))
    observed_stat = post_minus_pre(panel)
    expected = sum(abs(s) >= abs(observed_stat) - 1e-12 for s in stats) / len(stats)
    assert result.enumerated and result.statistic == pytest.approx(observed_stat)
    assert result.p_value == pytest.approx(expected, abs=1e-12)
    assert 1 / 60 <= result.p_value < 0.5
    assert sorted(result.distribution) == pytest.approx(sorted(stats))


def test_drawn_permutations_are_seeded_with_a_twfe_statistic():
    panel = clustered_panel(seed=2)

    def twfe_estimate(frame: pd.DataFrame) -> float:
        treated = ((frame["cohort"] > 0) & (frame["time"] >= frame["cohort"])).astype(float)
        return twfe(frame.assign(d=treated), "y", "unit", "time", "d", cluster="state").att.estimate

    first = randomization_test(panel, "state", "cohort", twfe_estimate, draws=20, seed=4)
    again = randomization_test(panel, "state", "cohort", twfe_estimate, draws=20, seed=4)
    assert not first.enumerated and first.draws == 21 and first.seed == 4
    np.testing.assert_array_equal(first.distribution, again.distribution)
    assert first.p_value == pytest.approx(np.mean(np.abs(first.distribution) >= abs(first.statistic) - 1e-12))
    assert first.to_dict()["treated_clusters"] == 3


def test_a_cluster_with_two_cohorts_is_refused():
    panel = clustered_panel()
    panel.loc[panel["unit"] == 1, "cohort"] = 6
    with pytest.raises(RandomizationError, match="cluster 0 has units in several cohorts"):
        randomization_test(panel, "state", "cohort", post_minus_pre)
    with pytest.raises(RandomizationError, match="needs treated and untreated"):
        randomization_test(clustered_panel().assign(cohort=0), "state", "cohort", post_minus_pre)


def staggered_panel(seed: int = 5) -> pd.DataFrame:
    """12 units in 6 states × 10 periods: cohorts 4 (states 0, 1), 6 (state 2), 8 (state 3), never (states 4, 5);
    unit weights 1–3."""
    rng = np.random.default_rng(seed)
    state_cohort = {0: 4, 1: 4, 2: 6, 3: 8, 4: 0, 5: 0}
    rows = []
    for state, g in state_cohort.items():
        for municipality in range(2):
            unit = 10 * state + municipality
            level, weight = rng.normal(), 1.0 + (unit % 3)
            for t in range(1, 11):
                effect = 0.5 * (t - g + 1) if g and t >= g else 0.0
                rows.append({"state": state, "unit": unit, "time": t, "cohort": g, "weight": weight,
                             "y": level + 0.2 * t + effect + rng.normal()})
    return pd.DataFrame(rows)


@pytest.mark.parametrize(("level", "control", "weights", "max_e"), [
    ("state", "never", None, np.inf), ("state", "notyet", "weight", 2.0), ("unit", "notyet", None, np.inf),
])
def test_the_simple_att_of_an_assignment_is_att_gts(level, control, weights, max_e, monkeypatch):
    """SimpleATT computes from the assignment alone (never through att_gt) what att_gt and its simple aggregation
    give on the data with the cohorts reassigned (every assignment of the states; 200 of the units)."""
    panel = staggered_panel()
    statistic = SimpleATT(panel, "y", "unit", "time", "cohort", level, control, weights, max_e)
    monkeypatch.setattr(statistic, "_by_att_gt", lambda assignment: pytest.fail("refitted with att_gt"))
    cohorts = cluster_cohorts(panel, level, "cohort")
    values = cohorts.to_numpy()
    rng = np.random.default_rng(0)
    assignments = (sorted(set(itertools.permutations(values))) if level == "state" else
                   [rng.permutation(values) for _ in range(200)])
    for assignment in assignments:
        reassigned = panel.assign(cohort=panel[level].map(dict(zip(cohorts.index, assignment))))
        expected = att_gt(reassigned, "y", "unit", "time", "cohort", control=control,
                          weights=weights).aggregate("simple", max_e=max_e).overall["estimate"]
        assert statistic(pd.Series(assignment, index=cohorts.index)) == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_an_assignment_outside_the_direct_case_goes_through_att_gt():
    """Without never-treated units (the last cohort is then only a comparison group) SimpleATT refits with att_gt."""
    panel = staggered_panel()
    panel = panel[panel["state"] < 4]
    statistic = SimpleATT(panel, "y", "unit", "time", "cohort", "state", "notyet")
    assert not statistic.direct
    assignment = pd.Series([8, 6, 4, 4], index=[0, 1, 2, 3])
    reassigned = panel.assign(cohort=panel["state"].map(assignment))
    expected = att_gt(reassigned, "y", "unit", "time", "cohort", control="notyet").aggregate("simple").overall["estimate"]
    assert statistic(assignment) == expected


def test_the_p_value_is_the_same_with_the_statistic_of_the_assignment():
    panel = staggered_panel(seed=8)
    statistic = SimpleATT(panel, "y", "unit", "time", "cohort", "unit", "never")
    slow = randomization_test(panel, "unit", "cohort", statistic.of_data, draws=60, seed=3)
    fast = randomization_test(panel, "unit", "cohort", statistic.of_data, draws=60, seed=3, of_assignment=statistic)
    assert fast.statistic == slow.statistic and fast.p_value == slow.p_value and fast.draws == slow.draws == 61
    np.testing.assert_allclose(fast.distribution, slow.distribution, rtol=1e-12, atol=1e-12)
    # an of_assignment that does not reproduce the statistic on the observed data is not used
    wrong = randomization_test(panel, "unit", "cohort", statistic.of_data, draws=60, seed=3,
                               of_assignment=lambda assignment: 0.0)
    np.testing.assert_array_equal(wrong.distribution, slow.distribution)
