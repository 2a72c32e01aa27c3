"""Unit and time weights for synthetic DiD: Frank–Wolfe on the simplex, as in R `synthdid`.

The weight problem is min_x ||A x - b||^2 / n + zeta^2 ||x||^2 over the unit simplex, where
the rows of A are observations (control units for time weights, pre periods for unit
weights). With an intercept, every column of [A b] is centred first, which lets the
synthetic unit differ from the target by a constant. Each Frank–Wolfe step moves toward
one vertex with an exact line search; iteration stops once the penalised loss falls by
less than `min_decrease**2` (after at least two steps) or after `max_iter` steps.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_ITER = 10_000
MAX_ITER_PRE_SPARSIFY = 100


@dataclass(frozen=True)
class Tuning:
    """Regularisation and stopping options shared by an estimate and its resamples."""

    zeta_omega: float
    zeta_lambda: float
    omega_intercept: bool
    lambda_intercept: bool
    update_omega: bool
    update_lambda: bool
    min_decrease: float
    max_iter: int = MAX_ITER


@dataclass(frozen=True)
class Weights:
    omega: np.ndarray
    lambda_: np.ndarray
    iterations_omega: int = 0
    iterations_lambda: int = 0


def noise_level(Y: np.ndarray, n0: int, t0: int) -> float:
    """Standard deviation (n - 1 denominator) of the first differences over time of the control units' pre-period outcomes."""
    diffs = np.diff(Y[:n0, :t0], axis=1)
    return float(np.std(diffs, ddof=1))


def collapsed_form(Y: np.ndarray, n0: int, t0: int) -> np.ndarray:
    """The (n0 + 1) × (t0 + 1) matrix with treated units and post periods averaged into one row and one column."""
    top = np.column_stack([Y[:n0, :t0], Y[:n0, t0:].mean(axis=1)])
    bottom = np.append(Y[n0:, :t0].mean(axis=0), Y[n0:, t0:].mean())
    return np.vstack([top, bottom])


def sparsify(v: np.ndarray) -> np.ndarray:
    """Zero the weights at or below a quarter of the largest and renormalise."""
    v = np.where(v <= v.max() / 4, 0.0, v)
    return v / v.sum()


def sum_normalize(x: np.ndarray) -> np.ndarray:
    """Rescale to sum one; uniform weights when every entry is zero."""
    total = x.sum()
    return x / total if total != 0 else np.full(len(x), 1.0 / len(x))


def frank_wolfe(
    Y: np.ndarray, zeta: float, intercept: bool, start: np.ndarray | None, min_decrease: float, max_iter: int,
) -> tuple[np.ndarray, int]:
    """Simplex weights on the first columns of `Y` that best reproduce its last column.

    Returns the weights and the number of iterations run. The residual A x and the
    gradient are updated along each step instead of being recomputed.
    """
    n, k = Y.shape[0], Y.shape[1] - 1
    if intercept:
        Y = Y - Y.mean(axis=0)
    A, b = Y[:, :k], Y[:, k]
    At = np.ascontiguousarray(A.T)
    x = np.full(k, 1.0 / k) if start is None else np.asarray(start, dtype=float).copy()
    zeta2 = zeta * zeta
    eta = n * zeta2
    threshold = min_decrease * min_decrease
    Ax = A @ x
    err = Ax - b
    xx = float(x @ x)
    previous = current = np.inf
    t = 0
    while t < max_iter and (t < 2 or previous - current > threshold):
        t += 1
        half_grad = err @ A + eta * x
        i = int(np.argmin(half_grad))
        xi = x[i]
        if not (xi == 1.0 and np.count_nonzero(x) == 1):
            d_err = At[i] - Ax
            denom = float(d_err @ d_err) + eta * (xx + 1.0 - 2.0 * xi)
            slope = float(half_grad[i] - half_grad @ x)
            step = min(1.0, max(0.0, -slope / denom)) if denom > 0 else 0.0
            x *= 1.0 - step
            x[i] += step
            Ax += step * d_err
            err = Ax - b
            xx = float(x @ x)
        previous, current = current, zeta2 * xx + float(err @ err) / n
    return x, t


def solve(
    Y: np.ndarray, n0: int, t0: int, tuning: Tuning, omega: np.ndarray | None = None, lambda_: np.ndarray | None = None,
) -> Weights:
    """Unit weights omega (length n0) and time weights lambda (length t0) for the block design.

    Weights passed in are used as they are when the matching `update_*` option is off,
    and as the starting point otherwise. Updated weights follow synthdid_estimate: at
    most 100 steps, then `sparsify`, then a second run up to `tuning.max_iter` steps.
    """
    Yc = collapsed_form(Y, n0, t0)
    it_lambda = it_omega = 0
    if tuning.update_lambda:
        lambda_, it_lambda = _two_rounds(Yc[:n0, :], tuning.zeta_lambda, tuning.lambda_intercept, lambda_, tuning)
    if tuning.update_omega:
        omega, it_omega = _two_rounds(Yc[:, :t0].T, tuning.zeta_omega, tuning.omega_intercept, omega, tuning)
    if omega is None or lambda_ is None:
        raise ValueError("weights that are not updated must be given")
    return Weights(np.asarray(omega, dtype=float), np.asarray(lambda_, dtype=float), it_omega, it_lambda)


def _two_rounds(
    Y: np.ndarray, zeta: float, intercept: bool, start: np.ndarray | None, tuning: Tuning,
) -> tuple[np.ndarray, int]:
    first, n1 = frank_wolfe(Y, zeta, intercept, start, tuning.min_decrease, MAX_ITER_PRE_SPARSIFY)
    second, n2 = frank_wolfe(Y, zeta, intercept, sparsify(first), tuning.min_decrease, tuning.max_iter)
    return second, n1 + n2
