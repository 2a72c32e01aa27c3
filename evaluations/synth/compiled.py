"""Frank–Wolfe steps in Gram form compiled with numba (the default backend of `evaluations.synth.weights`).

`stack_steps` runs the steps of `weights._gram_stack` and `one_steps` those of `weights._gram_one`
with the same floating-point operations in the same order (same starting h'x and c'x, same
argmin rule, no fused multiply-add), so both backends give bit-for-bit the same weights; the
tests check it with ==. The pure-numpy path pays about 2.5 µs of interpreter overhead per step,
this one a few nanoseconds per entry of the problem (Proposition 99's unit weights take R's
full 10,000 steps). numba is optional (the `fast` extra, numba==0.68.1; not in requirements.lock,
see pyproject.toml) and imported here only; `weights` uses this module when numba is installed and
falls back to numpy otherwise, and `weights.BACKEND` (environment variable BICENTENNIAL_SYNTH_BACKEND)
can force the numpy path.

The machine code is cached next to this file (`cache=True`). A process's first call pays for
importing numba and loading that cache (about a second; the first call after an install also
compiles, a few seconds); see benchmarks/README.md for the measured times.
"""
from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _first_min(v):  # pragma: no cover - compiled
    """Index of the first smallest entry, as numpy's argmin (for vectors without NaN)."""
    i = 0
    low = v[0]
    for j in range(1, v.shape[0]):
        if v[j] < low:
            low = v[j]
            i = j
    return i


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _nonzero(v):  # pragma: no cover - compiled
    count = 0
    for j in range(v.shape[0]):
        if v[j] != 0.0:
            count += 1
    return count


@numba.njit(cache=True, nogil=True, error_model="numpy")
def stack_steps(R, diag, c, bb, x, h, hx0, cx0, threshold, max_iter):  # pragma: no cover - compiled
    """`weights._gram_stack`: steps for each problem of the stack, in place on `x` and `h`; returns the step counts.

    Per problem r: R[r] = H - c' (rows H[i] - c), diag[r] = diagonal of H, c[r] = A'b,
    bb[r] = b'b, x[r] the start, h[r] = H x - c the half gradient, hx0[r] = h'x, cx0[r] = c'x.
    """
    m, k = x.shape
    steps = np.zeros(m, dtype=np.int64)
    for r in range(m):
        xr, hr, cr, dr, Rr = x[r], h[r], c[r], diag[r], R[r]
        hx, cx = hx0[r], cx0[r]
        previous = np.inf
        current = np.inf
        t = 0
        while t < max_iter and (t < 2 or previous - current > threshold):
            t += 1
            i = _first_min(hr)
            xi, hi, ci, di = xr[i], hr[i], cr[i], dr[i]
            denom = di - 2.0 * (hi + ci) + (hx + cx)
            step = (hx - hi) / denom
            if step < 0.0:
                step = 0.0
            elif step > 1.0:
                step = 1.0
            if denom <= 0 or (xi == 1.0 and _nonzero(xr) == 1):
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


@numba.njit(cache=True, nogil=True, error_model="numpy")
def one_steps(R, diag, c, bb, u, g, hx, cx, threshold, max_iter, rescale_below):  # pragma: no cover - compiled
    """`weights._gram_one`: x = sx u and h = sh g with u and g updated in place; returns (sx, steps)."""
    k = u.shape[0]
    sx = 1.0
    sh = 1.0
    previous = np.inf
    current = np.inf
    t = 0
    while t < max_iter and (t < 2 or previous - current > threshold):
        t += 1
        i = _first_min(g)
        xi, hi, ci = sx * u[i], sh * g[i], c[i]
        denom = diag[i] - 2.0 * (hi + ci) + hx + cx
        if denom > 0 and not (xi == 1.0 and _nonzero(u) == 1):
            ratio = (hx - hi) / denom
            step = ratio if ratio > 0.0 else 0.0      # min(1.0, max(0.0, ratio)) as Python evaluates it
            step = step if step < 1.0 else 1.0
            keep = 1.0 - step
            hx = keep * keep * hx + keep * step * (2.0 * hi + ci - cx) + step * step * (diag[i] - ci)
            cx = keep * cx + step * ci
            if keep == 0.0:
                u[:] = 0.0
                u[i] = 1.0
                sx = 1.0
                g[:] = R[i]
                sh = 1.0
            else:
                sx *= keep
                sh *= keep
                u[i] += step / sx
                q = step / sh
                row = R[i]
                for j in range(k):
                    g[j] += row[j] * q
                if sx < rescale_below or sh < rescale_below:
                    for j in range(k):
                        u[j] *= sx
                        g[j] *= sh
                    sx = 1.0
                    sh = 1.0
        previous = current
        current = hx - cx + bb
    return sx, t
