"""The numba-compiled Frank–Wolfe steps give bit-for-bit the numpy path's numbers.

`evaluations/synth/compiled.py` repeats the numpy solvers' floating-point operations in the same
order, so every weight, estimate and replicate must be equal (==), not merely close, on
Proposition 99 (one treated unit: the one-problem solver; placebo draws: the stack solver) and on a
small simulated panel with several treated units (bootstrap and jackknife). Correctness itself is
tested against R in test_synth.py, test_synth_inference.py and test_synth_weights.py.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evaluations.synth import synthdid
from evaluations.synth import weights as w

pytest.importorskip("numba")

PROP99 = Path(__file__).resolve().parents[1] / "data" / "california_prop99" / "california_prop99.csv"
COLUMNS = {"unit": "State", "time": "Year", "outcome": "PacksPerCapita", "treatment": "treated"}


def simulated(n_units=60, n_periods=25, n_treated=6, first=18, seed=7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = rng.normal(size=(n_units, 1)) + rng.normal(size=(n_units, 2)) @ rng.normal(size=(2, n_periods)) \
        + rng.normal(size=(n_units, n_periods))
    d = np.zeros((n_units, n_periods), dtype=int)
    d[-n_treated:, first:] = 1
    return pd.DataFrame({"State": np.repeat(np.arange(n_units), n_periods), "Year": np.tile(np.arange(n_periods), n_units),
                         "PacksPerCapita": (y + d).ravel(), "treated": d.ravel()})


def both(monkeypatch, df, **kwargs):
    out = []
    for backend in ("numpy", "numba"):
        monkeypatch.setattr(w, "BACKEND", backend)
        out.append(synthdid(df, **COLUMNS, **kwargs))
    return out


@pytest.mark.parametrize(("data", "estimator", "se", "reps"), [
    ("prop99", "sdid", "placebo", 30), ("prop99", "sc", "placebo", 30),
    ("simulated", "sdid", "bootstrap", 20), ("simulated", "sc", "jackknife", 2),
])
def test_backends_give_identical_numbers(monkeypatch, data, estimator, se, reps):
    df = pd.read_csv(PROP99, sep=";") if data == "prop99" else simulated()
    numpy_result, numba_result = both(monkeypatch, df, estimator=estimator, se=se, replications=reps, seed=3)
    assert numba_result.estimate == numpy_result.estimate
    assert numba_result.std_error == numpy_result.std_error
    assert np.array_equal(numba_result.fit.weights.omega, numpy_result.fit.weights.omega)
    assert np.array_equal(numba_result.fit.weights.lambda_, numpy_result.fit.weights.lambda_)
    assert np.array_equal(numba_result.replicates, numpy_result.replicates)
    assert numba_result.fit.weights.iterations_omega == numpy_result.fit.weights.iterations_omega
