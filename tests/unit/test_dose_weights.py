"""The continuous-treatment DiD requirements check (evaluations.designs.dose_weights) on small hand-made panels."""
from __future__ import annotations

import pandas as pd

from evaluations.designs.dose_weights import CAVEAT, continuous_did_check


def _panel(doses: dict[str, list[float]]) -> pd.DataFrame:
    return pd.DataFrame([{"u": u, "t": t, "d": x} for u, xs in doses.items() for t, x in enumerate(xs)])


def test_all_treated_time_varying_doses_are_refused_with_reasons():
    check = continuous_did_check(_panel({"a": [1.0, 2.0], "b": [3.0, 3.0], "c": [5.0, 4.0]}), "u", "t", "d")
    assert check["feasible"] is False
    assert check["untreated_units"] == 0 and check["units_at_lowest_first_dose"] == 1
    assert check["units_with_time_varying_dose"] == 2 and check["start_dates"] == 1
    assert "only 1 at the lowest first dose" in check["label"]["en"]
    assert "2 of 3 units" in check["label"]["en"] and "2 de 3 unidades" in check["label"]["es"]


def test_untreated_units_and_fixed_doses_meet_the_requirements():
    check = continuous_did_check(_panel({"a": [0.0, 0.0], "b": [2.0, 2.0], "c": [5.0, 5.0]}), "u", "t", "d")
    assert check["feasible"] is True and check["untreated_units"] == 1
    assert "meets the requirements" in check["label"]["en"] and "not estimated here" in check["label"]["en"]


def test_several_units_at_the_lowest_dose_are_a_comparison_group():
    check = continuous_did_check(_panel({"a": [2.0, 2.0], "b": [2.0, 2.0], "c": [5.0, 5.0]}), "u", "t", "d")
    assert check["feasible"] is True and check["units_at_lowest_first_dose"] == 2


def test_level_column_counts_changes_in_the_underlying_count():
    frame = _panel({"a": [1.0, 1.1], "b": [3.0, 3.3]}).assign(n=[10, 10, 30, 30])
    assert continuous_did_check(frame, "u", "t", "d", level="n")["units_with_time_varying_dose"] == 0
    assert continuous_did_check(frame, "u", "t", "d")["units_with_time_varying_dose"] == 2


def test_caveat_names_the_paper_in_both_languages():
    assert all("Callaway, Goodman-Bacon & Sant'Anna, 2024" in CAVEAT[lang] for lang in ("en", "es"))
    assert "not an average causal effect" in CAVEAT["en"] and "no un efecto causal promedio" in CAVEAT["es"]
