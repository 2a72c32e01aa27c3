"""The fixed-weight jackknife against its definition: re-estimate with each unit removed from the panel."""
from __future__ import annotations

import numpy as np
import pytest

from evaluations.synth.estimate import BlockPanel, Fit, tau
from evaluations.synth.inference import jackknife
from evaluations.synth.weights import Tuning, Weights, sum_normalize


def by_definition(Y, n0, t0, omega, lambda_):
    n = Y.shape[0]
    out = []
    for i in range(n):
        keep = np.delete(np.arange(n), i)
        out.append(tau(Y[keep], n0 - (i < n0), t0, sum_normalize(omega[keep[keep < n0]]), lambda_))
    out = np.array(out)
    return np.sqrt((n - 1) ** 2 / n * np.var(out, ddof=1)), out


@pytest.mark.parametrize("omega", [
    np.array([0.5, 0.2, 0.0, 0.3, 0.0, 0.0]),
    np.array([0.0, 1.0, 0.0, 0.0, 0.0, 0.0]),          # leaving unit 1 out falls back to uniform weights
    np.full(6, 1 / 6),
])
def test_jackknife_equals_leave_one_out_reestimates(omega):
    rng = np.random.default_rng(4)
    Y = rng.normal(size=(9, 7)).cumsum(axis=1)
    lambda_ = np.array([0.1, 0.0, 0.6, 0.3])
    panel = BlockPanel(Y=Y, n0=6, t0=4, units=list(range(9)), times=list(range(7)))
    tuning = Tuning(1.0, 1e-6, True, True, True, True, 1e-5)
    fit = Fit("sdid", tau(Y, 6, 4, omega, lambda_), Weights(omega, lambda_), tuning, 1.0)
    se, draws = jackknife(panel, fit)
    ref_se, ref_draws = by_definition(Y, 6, 4, omega, lambda_)
    np.testing.assert_allclose(draws, ref_draws, atol=1e-12)
    assert se == pytest.approx(ref_se, abs=1e-12)
