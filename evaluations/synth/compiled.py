"""Frank–Wolfe steps in Gram form compiled with numba (the default backend of `evaluations.synth.weights`).

One function, `gram_steps`, runs the same steps as `weights._gram_stack` with the same
floating-point operations in the same order, one problem after another: the pure-numpy
path pays about 2.5 µs of interpreter overhead per step, this one a few nanoseconds per
entry of the problem (Proposition 99's unit weights take R's full 10,000 steps). numba is
imported here only; `weights` falls back to numpy when it is not installed, and the backend
can be chosen with `weights.BACKEND` or the environment variable BICENTENNIAL_SYNTH_BACKEND.

The machine code is cached next to this file (`cache=True`): the first call after an install
compiles it (about a second), later processes load it from the cache.
"""
from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True, error_model="numpy")
def gram_steps(R, diag, c, bb, x, h, threshold, max_iter):  # pragma: no cover - compiled
    """Frank–Wolfe steps for each problem of the stack, in place on `x` and `h`; returns the step counts.

    Per problem r: R[r] = H - c' (rows H[i] - c), diag[r] = diagonal of H, c[r] = A'b,
    bb[r] = b'b, x[r] the start and h[r] = H x - c the half gradient; a problem stops after
    `max_iter` steps or once (after two steps) its loss times n falls by `threshold` or less.
    """
    m, k = x.shape
    steps = np.zeros(m, dtype=np.int64)
    for r in range(m):
        xr, hr, cr, dr, Rr = x[r], h[r], c[r], diag[r], R[r]
        hx = 0.0
        cx = 0.0
        for j in range(k):
            hx += hr[j] * xr[j]
            cx += cr[j] * xr[j]
        previous = np.inf
        current = np.inf
        t = 0
        while t < max_iter and (t < 2 or previous - current > threshold):
            t += 1
            i = 0
            low = hr[0]
            for j in range(1, k):
                if hr[j] < low:
                    low = hr[j]
                    i = j
            xi, hi, ci, di = xr[i], hr[i], cr[i], dr[i]
            denom = di - 2.0 * (hi + ci) + (hx + cx)
            step = (hx - hi) / denom
            if step < 0.0:
                step = 0.0
            elif step > 1.0:
                step = 1.0
            stuck = denom <= 0.0
            if xi == 1.0 and not stuck:
                nonzero = 0
                for j in range(k):
                    if xr[j] != 0.0:
                        nonzero += 1
                stuck = nonzero == 1
            if stuck:
                step = 0.0
            keep = 1.0 - step
            hx = keep * (keep * hx + step * (2.0 * hi + ci - cx)) + step * step * (di - ci)
            cx = keep * cx + step * ci
            row = Rr[i]
            for j in range(k):
                xr[j] *= keep
                hr[j] = hr[j] * keep + row[j] * step
            xr[i] += step
            previous = current
            current = hx - cx + bb[r]
        steps[r] = t
    return steps
