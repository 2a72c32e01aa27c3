"""Frank–Wolfe weights in Gram form against a transcription of R `synthdid`'s `sc.weight.fw`.

The reference below follows R/solver.R of github.com/synth-inference/synthdid (functions
`fw.step` and `sc.weight.fw`) line by line: the fitted values, gradient, line search and loss
are recomputed from A at every step. The library's solvers update them along each step instead
(through A'A and A'b, or through A x), so agreement to rounding checks those updates. Every test
runs on both backends (numpy, and the numba-compiled steps when numba is installed).
"""
from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest

from evaluations.synth import weights as w

HAS_NUMBA = importlib.util.find_spec("numba") is not None


@pytest.fixture(autouse=True, params=["numpy", pytest.param("numba", marks=pytest.mark.skipif(
    not HAS_NUMBA, reason="numba is not installed"))])
def backend(request, monkeypatch):
    monkeypatch.setattr(w, "BACKEND", request.param)
    if request.param == "numba":
        assert w.compiled_steps() is not None
    return request.param


def r_sc_weight_fw(Y, zeta, intercept=True, start=None, min_decrease=1e-3, max_iter=1000):
    Y = np.asarray(Y, dtype=float)
    n, t0 = Y.shape[0], Y.shape[1] - 1
    lam = np.full(t0, 1.0 / t0) if start is None else np.array(start, dtype=float)
    if intercept:
        Y = Y - Y.mean(axis=0)
    A, b, eta = Y[:, :t0], Y[:, t0], n * zeta ** 2
    vals = []
    while len(vals) < max_iter and (len(vals) < 2 or vals[-2] - vals[-1] > min_decrease ** 2):
        Ax = A @ lam
        half_grad = (Ax - b) @ A + eta * lam
        i = int(np.argmin(half_grad))
        d_x = -lam.copy()
        d_x[i] = 1 - lam[i]
        if np.any(d_x != 0):
            d_err = A[:, i] - Ax
            step = -(half_grad @ d_x) / (d_err @ d_err + eta * (d_x @ d_x))
            lam = lam + min(1.0, max(0.0, step)) * d_x
        err = Y @ np.append(lam, -1.0)
        vals.append(zeta ** 2 * (lam @ lam) + (err @ err) / n)
    return lam, len(vals)


def problems(m, n, k, seed):
    rng = np.random.default_rng(seed)
    common = rng.normal(size=(m, n, 1))
    return common + 0.3 * rng.normal(size=(m, n, k + 1))


@pytest.mark.parametrize("intercept", [True, False])
@pytest.mark.parametrize("m,n,k", [(1, 12, 30), (1, 40, 8), (7, 12, 30), (5, 40, 8)])
def test_gram_form_follows_the_r_iterations(m, n, k, intercept):
    Y = problems(m, n, k, seed=m * 100 + k)
    zeta, min_decrease, max_iter = 0.05, 1e-6, 400
    x, steps = w.frank_wolfe(Y, zeta, intercept, None, min_decrease, max_iter)
    for r in range(m):
        ref, ref_steps = r_sc_weight_fw(Y[r], zeta, intercept, None, min_decrease, max_iter)
        np.testing.assert_allclose(x[r], ref, atol=1e-11)
        assert steps[r] == ref_steps
    assert np.allclose(x.sum(axis=1), 1.0) and (x >= 0).all()


def test_problems_stopping_at_different_steps_leave_the_stack_with_their_own_answer():
    Y = problems(6, 15, 10, seed=3)
    Y[2] = Y[2, :, [0] * 10 + [0]].T                    # target equals column 0: converges at once
    starts = np.full((6, 10), 0.1)
    x, steps = w.frank_wolfe(Y, 0.01, True, starts, 1e-4, 300)
    assert len(set(steps.tolist())) > 1
    for r in range(6):
        ref, ref_steps = r_sc_weight_fw(Y[r], 0.01, True, starts[r], 1e-4, 300)
        np.testing.assert_allclose(x[r], ref, atol=1e-11)
        assert steps[r] == ref_steps


def test_direct_form_and_gram_chunks_give_the_same_weights(monkeypatch):
    Y = problems(5, 20, 12, seed=9)
    gram, gram_steps = w.frank_wolfe(Y, 0.02, True, None, 1e-5, 500)
    monkeypatch.setattr(w, "GRAM_CELLS", 2 * 12 * 12)        # two problems per Gram chunk
    chunked, chunked_steps = w.frank_wolfe(Y, 0.02, True, None, 1e-5, 500)
    monkeypatch.setattr(w, "GRAM_CELLS", 12 * 12 - 1)        # one Gram matrix too large: direct form
    direct, direct_steps = w.frank_wolfe(Y, 0.02, True, None, 1e-5, 500)
    np.testing.assert_allclose(chunked, gram, atol=1e-12)
    np.testing.assert_allclose(direct, gram, atol=1e-11)
    assert (chunked_steps == gram_steps).all() and (direct_steps == gram_steps).all()


def test_a_start_at_a_vertex_that_is_optimal_stays_there_to_rounding():
    Y = problems(1, 10, 4, seed=1)
    Y[0, :, 4] = Y[0, :, 1]
    start = np.array([[0.0, 1.0, 0.0, 0.0]])
    x, _ = w.frank_wolfe(Y, 0.0, False, start, 1e-8, 50)
    ref, _ = r_sc_weight_fw(Y[0], 0.0, False, start[0], 1e-8, 50)
    np.testing.assert_allclose(x[0], ref, atol=1e-14)
    np.testing.assert_allclose(x, start, atol=1e-14)


def test_restarts_share_the_gram_matrices_and_follow_r_from_the_sparsified_answer():
    Y = problems(4, 18, 9, seed=12)
    start = np.asfortranarray(np.full((4, 9), 1 / 9))      # column-major starts, as a broadcast can give
    x, steps = w.frank_wolfe(Y, 0.03, True, start, 1e-6, 20, (500,))
    for r in range(4):
        first, n1 = r_sc_weight_fw(Y[r], 0.03, True, start[r], 1e-6, 20)
        ref, n2 = r_sc_weight_fw(Y[r], 0.03, True, w.sparsify(first), 1e-6, 500)
        np.testing.assert_allclose(x[r], ref, atol=1e-11)
        assert steps[r] == n1 + n2


@pytest.mark.parametrize("intercept", [True, False])
def test_resamples_taking_a_shared_gram_matrix_solve_the_same_problems(intercept):
    rng = np.random.default_rng(21)
    Y = rng.normal(size=(14, 9)).cumsum(axis=1)                # 12 control units, 2 treated, 6 pre periods
    gram = w.unit_gram(Y, 12, 6, intercept)
    draws = np.sort(rng.integers(0, 12, size=(5, 10)), axis=1)  # control units of five resamples
    stack = np.concatenate([Y[draws], np.broadcast_to(Y[12:], (5, 2, 9))], axis=1)
    tuning = w.Tuning(0.4, 1e-6, intercept, True, True, False, 1e-6)
    lam = np.broadcast_to(np.full(6, 1 / 6), (5, 6))
    plain = w.solve_stack(stack, 10, 6, tuning, None, lam)
    shared = w.solve_stack(stack, 10, 6, tuning, None, lam, w.SharedGram(gram, draws))
    # a unit drawn twice gives two equal columns, whose split of the weight is set by rounding; the
    # weight per unit, which is all the estimate uses, is not
    per_unit = lambda omega: np.stack([np.bincount(d, o, minlength=12) for d, o in zip(draws, omega)])  # noqa: E731
    np.testing.assert_allclose(per_unit(shared[0]), per_unit(plain[0]), atol=1e-12)


@pytest.mark.parametrize("rescale_below", [1e-150, 0.9])
def test_one_problem_with_scaled_vectors_follows_r_whenever_it_rescales(monkeypatch, rescale_below):
    monkeypatch.setattr(w, "RESCALE_BELOW", rescale_below)       # 0.9: fold the scales back nearly every step
    Y = problems(1, 25, 40, seed=5)
    x, steps = w.frank_wolfe(Y, 0.02, True, None, 1e-7, 3000)
    ref, ref_steps = r_sc_weight_fw(Y[0], 0.02, True, None, 1e-7, 3000)
    np.testing.assert_allclose(x[0], ref, atol=1e-11)
    assert steps[0] == ref_steps and ref_steps > 100


def test_unknown_backend_is_rejected_and_a_missing_numba_falls_back_to_numpy(monkeypatch):
    monkeypatch.setattr(w, "BACKEND", "cython")
    with pytest.raises(ValueError, match="BICENTENNIAL_SYNTH_BACKEND must be one of numba, numpy; got 'cython'"):
        w.compiled_steps()
    monkeypatch.setattr(w, "BACKEND", "numba")
    monkeypatch.setitem(sys.modules, "evaluations.synth.compiled", None)     # import fails as without numba
    assert w.compiled_steps() is None
    Y = problems(1, 12, 6, seed=2)
    x, steps = w.frank_wolfe(Y, 0.05, True, None, 1e-6, 200)
    ref, ref_steps = r_sc_weight_fw(Y[0], 0.05, True, None, 1e-6, 200)
    np.testing.assert_allclose(x[0], ref, atol=1e-12)
    assert steps[0] == ref_steps
