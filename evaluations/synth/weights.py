"""Unit and time weights for synthetic DiD: Frank–Wolfe on the simplex, as in R `synthdid`.

The weight problem is min_x ||A x - b||^2 / n + zeta^2 ||x||^2 over the unit simplex, where
the rows of A are observations (control units for time weights, pre periods for unit
weights). With an intercept, every column of [A b] is centred first, which lets the
synthetic unit differ from the target by a constant. Each Frank–Wolfe step moves toward
one vertex with an exact line search; iteration stops once the penalised loss falls by
less than `min_decrease**2` (after at least two steps) or after `max_iter` steps.

The steps in Gram form run in numpy or, when numba is installed (optional), compiled (`BACKEND`).
"""
from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from types import ModuleType

import numpy as np

MAX_ITER = 10_000
MAX_ITER_PRE_SPARSIFY = 100
GRAM_CELLS = 8_000_000
RESCALE_BELOW = 1e-150
BACKENDS = ("numba", "numpy")
# "numba": the Gram-form steps run compiled (`compiled.one_steps`, `compiled.stack_steps`) when numba
# is installed, in numpy otherwise; "numpy": always the pure-numpy steps. Both give bit-for-bit the
# same weights (tests/unit/test_synth_backends.py); the compiled steps cost about a second to load
# in a new process and save about 2.5 µs a step after that (benchmarks/README.md).
BACKEND = os.environ.get("BICENTENNIAL_SYNTH_BACKEND", "numba")


def compiled_steps() -> ModuleType | None:
    """The compiled module when `BACKEND` is "numba" and numba is installed, else None."""
    if BACKEND not in BACKENDS:
        raise ValueError(f"BICENTENNIAL_SYNTH_BACKEND must be one of {', '.join(BACKENDS)}; got {BACKEND!r}")
    if BACKEND == "numpy":
        return None
    try:
        return importlib.import_module("evaluations.synth.compiled")
    except ImportError:
        return None


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
    """Unit weights omega, time weights lambda, and the Frank–Wolfe iterations each took (0 when fixed)."""

    omega: np.ndarray
    lambda_: np.ndarray
    iterations_omega: int = 0
    iterations_lambda: int = 0


def noise_level(Y: np.ndarray, n0: int, t0: int) -> float:
    """Standard deviation (n - 1 denominator) of the first differences over time of the control units' pre-period outcomes."""
    diffs = np.diff(Y[:n0, :t0], axis=1)
    return float(np.std(diffs, ddof=1))


def collapsed_form(Y: np.ndarray, n0: int, t0: int) -> np.ndarray:
    """Treated units and post periods averaged into one last row and one last column.

    Works on the last two axes, so a stack of panels gives a stack of (n0 + 1) × (t0 + 1) matrices.
    """
    top = np.concatenate([Y[..., :n0, :t0], Y[..., :n0, t0:].mean(axis=-1, keepdims=True)], axis=-1)
    bottom = np.concatenate(
        [Y[..., n0:, :t0].mean(axis=-2, keepdims=True), Y[..., n0:, t0:].mean(axis=(-2, -1), keepdims=True)], axis=-1,
    )
    return np.concatenate([top, bottom], axis=-2)


def sparsify(v: np.ndarray) -> np.ndarray:
    """Zero the weights at or below a quarter of the largest and renormalise (each row of a stack)."""
    v = np.where(v <= v.max(axis=-1, keepdims=True) / 4, 0.0, v)
    return v / v.sum(axis=-1, keepdims=True)


@dataclass(frozen=True)
class SharedGram:
    """A'A of one larger weight problem, and for each problem of a stack the columns of it that problem keeps.

    Resamples of a panel draw their control units from the panel's, and the unit-weight
    problem centres each unit over periods, so a draw's A'A is `gram[columns][:, columns]`.
    """

    gram: np.ndarray
    columns: np.ndarray


def unit_gram(Y: np.ndarray, n0: int, t0: int, intercept: bool) -> np.ndarray | None:
    """A'A of the unit-weight problem on the n0 control units of `Y` (pre periods × units, centred
    over periods with an intercept); None when it would exceed the Gram-form memory bound."""
    if n0 * n0 > GRAM_CELLS:
        return None
    A = Y[:n0, :t0].T
    if intercept:
        A = A - A.mean(axis=0)
    return A.T @ A


def sum_normalize(x: np.ndarray) -> np.ndarray:
    """Rescale to sum one; uniform weights when every entry is zero."""
    total = x.sum()
    return x / total if total != 0 else np.full(len(x), 1.0 / len(x))


def frank_wolfe(
    Y: np.ndarray, zeta: float, intercept: bool, start: np.ndarray | None, min_decrease: float, max_iter: int,
    restarts: tuple[int, ...] = (), shared: SharedGram | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Simplex weights on the first columns of each matrix in the stack `Y` that best reproduce its last column.

    `Y` has shape (problems, n, k + 1) and `start` shape (problems, k). Every problem runs its
    own iterations and stops on its own. Each entry of `restarts` runs Frank–Wolfe again from
    `sparsify` of the previous answer with that step limit, on the same matrices. Returns the
    weights (problems, k) and the number of iterations each ran in all. Problems are solved in
    Gram form (`_frank_wolfe_gram`) a bounded number at a time; when one problem's k × k Gram
    matrix alone exceeds the bound, the stack is solved directly on A (`_frank_wolfe_direct`).
    With `shared`, each problem's A'A is taken from it instead of being computed.
    """
    m, k = Y.shape[0], Y.shape[2] - 1
    if intercept:
        Y = Y - Y.mean(axis=1, keepdims=True)
    x = np.full((m, k), 1.0 / k) if start is None else np.array(start, dtype=float, ndmin=2)
    limits = (max_iter, *restarts)
    per_problem = k * k
    if per_problem > GRAM_CELLS:
        steps = np.zeros(m, dtype=int)
        for round_, limit in enumerate(limits):
            x, more = _frank_wolfe_direct(Y, zeta, sparsify(x) if round_ else x, min_decrease, limit)
            steps += more
        return x, steps
    size = max(1, GRAM_CELLS // per_problem)
    if size >= m:
        return _frank_wolfe_gram(Y, zeta, x, min_decrease, limits, shared)
    parts = [_frank_wolfe_gram(Y[lo:lo + size], zeta, x[lo:lo + size], min_decrease, limits,
                               None if shared is None else SharedGram(shared.gram, shared.columns[lo:lo + size]))
             for lo in range(0, m, size)]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _frank_wolfe_gram(
    Y: np.ndarray, zeta: float, x: np.ndarray, min_decrease: float, limits: tuple[int, ...],
    shared: SharedGram | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Frank–Wolfe on (already centred) `Y` through H = A'A + n zeta^2 I and c = A'b only.

    The half gradient h = H x - c moves along a step toward vertex i as
    h <- (1 - s) h + s (H[i] - c), so each step costs O(k) per problem instead of O(n k);
    the line search uses d'H d = H_ii - 2 (H x)_i + x'H x with d = e_i - x, and, since
    x'H x = ||A x||^2 + n zeta^2 ||x||^2 and x sums to one, the loss
    ||A x - b||^2 / n + zeta^2 ||x||^2 is (h'x - c'x + b'b) / n. H and c are built once
    for all the runs in `limits` (see `frank_wolfe`); a restart takes h = A'(A x - b) + n zeta^2 x
    from A, as the first step of R `synthdid` does.
    """
    m, n, k = Y.shape[0], Y.shape[1], Y.shape[2] - 1
    A, b = Y[:, :, :k], Y[:, :, k]
    At = A.transpose(0, 2, 1)
    if shared is None:
        H = np.matmul(At, A)
    else:
        H = shared.gram[shared.columns[:, :, None], shared.columns[:, None, :]]
    c = np.matmul(At, b[:, :, None])[:, :, 0]
    bb = _rowdot(b, b)
    eta = n * zeta * zeta
    diag = H.diagonal(axis1=1, axis2=2) + eta
    H[:, np.arange(k), np.arange(k)] = diag
    h = np.matmul(H, x[:, :, None])[:, :, 0] - c
    R = H
    R -= c[:, None, :]
    threshold = n * min_decrease * min_decrease
    steps = np.zeros(m, dtype=int)
    fast = compiled_steps()
    for round_, limit in enumerate(limits):
        if round_:
            x = sparsify(x)
            err = np.matmul(A, x[:, :, None]) - b[:, :, None]
            h = np.matmul(At, err)[:, :, 0] + eta * x
        if m == 1:
            x1, t1 = _gram_one(R[0], diag[0], c[0], float(bb[0]), x[0].copy(), h[0], threshold, limit, fast)
            x, more = x1[None], np.array([t1])
        else:
            x, more = _gram_stack(R, diag, c, bb, x, h, threshold, limit, fast)
        steps += more
    return x, steps


def _gram_stack(
    R: np.ndarray, diag: np.ndarray, c: np.ndarray, bb: np.ndarray, x: np.ndarray, h: np.ndarray,
    threshold: float, max_iter: int, fast: ModuleType | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The steps of `_frank_wolfe_gram` on a stack, problems leaving it as they stop (loss times n).

    With `fast` (the compiled module), its `stack_steps` takes the same steps one problem at a time.
    """
    m, k = x.shape
    x, h, c = np.array(x, dtype=float, order="C"), np.array(h, dtype=float, order="C"), np.ascontiguousarray(c)
    hx, cx = _rowdot(h, x), _rowdot(c, x)
    if fast is not None:
        steps = fast.stack_steps(np.ascontiguousarray(R), np.ascontiguousarray(diag), c, np.ascontiguousarray(bb),
                                 x, h, hx, cx, float(threshold), int(max_iter))
        return x, steps.astype(int)
    cf, df, Rf = c.reshape(-1), np.ascontiguousarray(diag).reshape(-1), R.reshape(-1, k)
    previous = np.full(m, np.inf)
    current = np.full(m, np.inf)
    steps = np.zeros(m, dtype=int)
    out = x.copy()
    live = np.arange(m)
    subset = True
    t = 0
    with np.errstate(divide="ignore", invalid="ignore"):
        while live.size:
            go = _going(t, max_iter, previous, current, threshold)
            if go is not None:
                out[live[~go]], steps[live[~go]] = x[~go], t
                live, h, hx, cx, bb, x, previous, current = (
                    v[go] for v in (live, h, hx, cx, bb, x, previous, current))
                subset = True
                if not live.size:
                    break
            if subset:
                base, full = np.arange(live.size) * k, live * k
                xf, hf = x.reshape(-1), h.reshape(-1)
                subset = False
            t += 1
            i = h.argmin(axis=1)
            fi, gi = base + i, full + i
            xi, hi, ci, di = xf[fi], hf[fi], cf[gi], df[gi]
            denom = di - 2.0 * (hi + ci) + (hx + cx)
            step = np.clip((hx - hi) / denom, 0.0, 1.0)
            stuck = denom <= 0
            at_vertex = xi == 1.0
            if at_vertex.any():
                stuck |= at_vertex & (np.count_nonzero(x, axis=1) == 1)
            if stuck.any():
                step[stuck] = 0.0
            keep = 1.0 - step
            hx = keep * (keep * hx + step * (2.0 * hi + ci - cx)) + step * step * (di - ci)
            cx = keep * cx + step * ci
            keep = keep[:, None]
            x *= keep
            xf[fi] += step
            h *= keep
            row = Rf.take(gi, axis=0)
            row *= step[:, None]
            h += row
            previous, current = current, hx - cx + bb
    return out, steps


def _gram_one(
    R: np.ndarray, diag: np.ndarray, c: np.ndarray, bb: float, x: np.ndarray, h: np.ndarray,
    threshold: float, max_iter: int, fast: ModuleType | None = None,
) -> tuple[np.ndarray, int]:
    """`_frank_wolfe_gram` for one problem (its loss times n), with h'x and c'x carried as floats.

    x and h are kept as scale × vector (x = sx u, h = sh g), so a step rescales two floats and
    touches one entry of u and one row's worth of g. With `fast` (the compiled module), its
    `one_steps` takes the same steps.
    """
    hx, cx = float(h @ x), float(c @ x)
    if fast is not None:
        u, g = np.array(x, dtype=float, order="C"), np.array(h, dtype=float, order="C")
        sx, t = fast.one_steps(np.ascontiguousarray(R), np.ascontiguousarray(diag), np.ascontiguousarray(c),
                               float(bb), u, g, hx, cx, float(threshold), int(max_iter), float(RESCALE_BELOW))
        return u * sx, int(t)
    diag_l, c_l = diag.tolist(), c.tolist()
    u, g, sx, sh = x, h.copy(), 1.0, 1.0
    previous = current = np.inf
    t = 0
    while t < max_iter and (t < 2 or previous - current > threshold):
        t += 1
        i = int(g.argmin())
        xi, hi, ci = sx * u.item(i), sh * g.item(i), c_l[i]
        denom = diag_l[i] - 2.0 * (hi + ci) + hx + cx
        if denom > 0 and not (xi == 1.0 and np.count_nonzero(u) == 1):
            step = min(1.0, max(0.0, (hx - hi) / denom))
            keep = 1.0 - step
            hx = keep * keep * hx + keep * step * (2.0 * hi + ci - cx) + step * step * (diag_l[i] - ci)
            cx = keep * cx + step * ci
            if keep == 0.0:
                u[:] = 0.0
                u[i], sx = 1.0, 1.0
                g[:] = R[i]
                sh = 1.0
            else:
                sx *= keep
                sh *= keep
                u[i] += step / sx
                g += R[i] * (step / sh)
                if sx < RESCALE_BELOW or sh < RESCALE_BELOW:
                    u *= sx
                    g *= sh
                    sx = sh = 1.0
        previous, current = current, hx - cx + bb
    return u * sx, t


def _frank_wolfe_direct(
    Y: np.ndarray, zeta: float, x: np.ndarray, min_decrease: float, max_iter: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Frank–Wolfe on (already centred) `Y` working on A itself, updating the fitted values A x along each step."""
    m, n, k = Y.shape[0], Y.shape[1], Y.shape[2] - 1
    A, b = np.ascontiguousarray(Y[:, :, :k]), Y[:, :, k]
    At = np.ascontiguousarray(A.transpose(0, 2, 1))
    zeta2 = zeta * zeta
    eta = n * zeta2
    threshold = min_decrease * min_decrease
    Ax = np.einsum("rnk,rk->rn", A, x)
    err = Ax - b
    xx = np.einsum("rk,rk->r", x, x)
    previous = np.full(m, np.inf)
    current = np.full(m, np.inf)
    steps = np.zeros(m, dtype=int)
    out = x.copy()
    live = rows = np.arange(m)
    t = 0
    while live.size:
        go = _going(t, max_iter, previous, current, threshold)
        if go is not None:
            out[live[~go]], steps[live[~go]] = x[~go], t
            live, A, At, b, x, Ax, err, xx, previous, current = (
                v[go] for v in (live, A, At, b, x, Ax, err, xx, previous, current))
            rows = np.arange(live.size)
            if not live.size:
                break
        t += 1
        half_grad = np.matmul(err[:, None, :], A)[:, 0, :] + eta * x
        i = half_grad.argmin(axis=1)
        xi = x[rows, i]
        d_err = At[rows, i] - Ax
        denom = _rowdot(d_err, d_err) + eta * (xx + 1.0 - 2.0 * xi)
        slope = half_grad[rows, i] - _rowdot(half_grad, x)
        moves = denom > 0
        at_vertex = xi == 1.0
        if at_vertex.any():
            moves &= ~(at_vertex & (np.count_nonzero(x, axis=1) == 1))
        step = np.where(moves, np.minimum(1.0, np.maximum(0.0, -slope / np.where(moves, denom, 1.0))), 0.0)
        x *= (1.0 - step)[:, None]
        x[rows, i] += step
        Ax += step[:, None] * d_err
        err = Ax - b
        xx = _rowdot(x, x)
        previous, current = current, zeta2 * xx + _rowdot(err, err) / n
    return out, steps


def _going(t: int, max_iter: int, previous: np.ndarray, current: np.ndarray, threshold: float) -> np.ndarray | None:
    """R `synthdid`'s stopping rule for the live problems of a stack after t steps: None when every one
    takes another step, else which ones do (none once t reaches max_iter; after two steps, those whose
    loss fell by more than `threshold`)."""
    if t >= max_iter:
        return np.zeros(len(current), dtype=bool)
    if t < 2:
        return None
    go = previous - current > threshold
    return None if go.all() else go


def _rowdot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.matmul(a[:, None, :], b[:, :, None])[:, 0, 0]


def solve(
    Y: np.ndarray, n0: int, t0: int, tuning: Tuning, omega: np.ndarray | None = None, lambda_: np.ndarray | None = None,
) -> Weights:
    """Unit weights omega (length n0) and time weights lambda (length t0) for one block design."""
    omegas, lambdas, it_omega, it_lambda = solve_stack(
        Y[None], n0, t0, tuning, None if omega is None else omega[None], None if lambda_ is None else lambda_[None])
    return Weights(omegas[0], lambdas[0], int(it_omega[0]), int(it_lambda[0]))


def solve_stack(
    Y: np.ndarray, n0: int, t0: int, tuning: Tuning, omega: np.ndarray | None = None,
    lambda_: np.ndarray | None = None, unit_gram: SharedGram | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Weights for a stack of block designs of one shape: omega (panels, n0), lambda (panels, t0) and iteration counts.

    Weights passed in are used as they are when the matching `update_*` option is off,
    and as the starting point otherwise. Updated weights follow synthdid_estimate: at
    most 100 steps, then `sparsify`, then a second run up to `tuning.max_iter` steps.
    `unit_gram` gives the unit-weight problems' A'A (see `SharedGram`).
    """
    m = Y.shape[0]
    Yc = collapsed_form(Y, n0, t0)
    it_lambda = it_omega = np.zeros(m, dtype=int)
    if tuning.update_lambda:
        lambda_, it_lambda = _two_rounds(Yc[:, :n0, :], tuning.zeta_lambda, tuning.lambda_intercept, lambda_, tuning)
    if tuning.update_omega:
        omega, it_omega = _two_rounds(Yc[:, :, :t0].transpose(0, 2, 1), tuning.zeta_omega, tuning.omega_intercept,
                                      omega, tuning, unit_gram)
    if omega is None or lambda_ is None:
        raise ValueError("weights that are not updated must be given")
    omega = np.broadcast_to(np.asarray(omega, dtype=float), (m, n0))
    lambda_ = np.broadcast_to(np.asarray(lambda_, dtype=float), (m, t0))
    return omega, lambda_, it_omega, it_lambda


def _two_rounds(
    Y: np.ndarray, zeta: float, intercept: bool, start: np.ndarray | None, tuning: Tuning,
    shared: SharedGram | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    return frank_wolfe(Y, zeta, intercept, start, tuning.min_decrease, MAX_ITER_PRE_SPARSIFY, (tuning.max_iter,),
                       shared)
