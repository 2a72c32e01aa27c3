"""Randomization inference over cluster-level adoption: full enumeration checked by a brute-force loop."""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from evaluations.did import twfe
from evaluations.did.randomization import RandomizationError, distinct_assignments, randomization_test


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
