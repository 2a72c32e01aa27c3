"""The HonestDiD sensitivity block of the staggered designs (evaluations/designs/honest_sensitivity.py)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from evaluations.designs.honest_sensitivity import honest_block
from evaluations.options import RobustnessOptions


def panel(effect: float = 1.0, noise: float = 0.05, seed: int = 3) -> pd.DataFrame:
    """40 units over 30 months: 10 start at month 15, 10 at month 18, 20 never; outcome = unit + month effects
    + `effect` from the start on + noise. Every post-treatment event-time effect is `effect` by construction."""
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(40):
        g = 15 if u < 10 else 18 if u < 20 else 0
        for t in range(1, 31):
            y = 0.3 * u + 0.1 * t + (effect if g and t >= g else 0.0) + rng.normal(0, noise)
            rows.append({"unit": u, "_t": t, "_g": g, "y": y, "state": u % 8})
    return pd.DataFrame(rows)


def test_a_constant_effect_is_the_estimate_and_the_interval_widens_with_mbar():
    diagnostics, tables, figures = honest_block(panel(), "y", "unit", "never", None, RobustnessOptions())
    entry = diagnostics["honest_sensitivity"]
    # the average over months 0..5 of effects that are all 1.0 (noise 0.05 over 10+ units per cell)
    assert abs(entry["original"]["estimate"] - 1.0) < 0.05
    assert entry["original"]["lb"] < 1.0 < entry["original"]["ub"]
    intervals = entry["intervals"]
    assert [i["m"] for i in intervals] == [0.0, 0.5, 1.0, 1.5, 2.0]
    widths = [i["ub"] - i["lb"] for i in intervals]
    assert all(b >= a - 1e-9 for a, b in zip(widths, widths[1:]))      # a larger M̄ never narrows the interval
    assert entry["original_significant"] is True
    assert entry["window_months"] == [6, 6] and entry["num_pre_periods"] == 5 and entry["num_post_periods"] == 6
    assert list(tables) == ["honest_sensitivity.csv"]
    assert sorted(figures) == ["honest_sensitivity.es.png", "honest_sensitivity.png"]   # one drawing per language
    assert len(tables["honest_sensitivity.csv"]) == 5


def test_the_label_says_what_it_covers_and_assumes_in_both_languages():
    entry = honest_block(panel(), "y", "unit", "never", None, RobustnessOptions())[0]["honest_sensitivity"]
    en, es = entry["label"]["en"], entry["label"]["es"]
    assert "months 0–5" in en and "not the headline's whole period" in en and "the data cannot say which M̄ holds" in en
    assert "meses 0–5" in es and "no todo el periodo del resultado principal" in es and "los datos no dicen" in es


def test_no_effect_and_noise_says_the_interval_already_includes_zero():
    entry = honest_block(panel(effect=0.0, noise=1.0), "y", "unit", "never", None, RobustnessOptions())[0]["honest_sensitivity"]
    assert entry["original"]["lb"] <= 0 <= entry["original"]["ub"]
    assert entry["original_significant"] is False
    assert "already includes zero" in entry["label"]["en"] and "ya incluye el cero" in entry["label"]["es"]


def test_a_zero_window_turns_it_off_and_bad_options_are_refused():
    assert honest_block(panel(), "y", "unit", "never", None, RobustnessOptions(honest_window=[0, 0])) == ({}, {}, {})
    for bad in ({"honest_window": [6]}, {"honest_window": [-1, 6]}, {"honest_mbar": [-0.5, 1]}, {"honest_mbar": []}):
        try:
            RobustnessOptions(**bad)
        except ValueError as error:
            assert "honest_" in str(error)
        else:
            raise AssertionError(f"{bad} accepted")
