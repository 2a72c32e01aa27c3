"""``honest_sensitivity``: HonestDiD's sensitivity analysis for one event study."""
from __future__ import annotations

import math

import numpy as np
from scipy.stats import norm

from .flci import optimal_flci
from .relative_magnitudes import GRID_POINTS, rm_accept_grid
from .result import SensitivityResult

METHODS = ("relative-magnitudes", "smoothness")
TARGETS = ("first-post", "average-post")


class HonestInputError(ValueError):
    """Bad input to the sensitivity analysis; the message names the argument."""


def target_vector(target, num_post: int) -> tuple[str, np.ndarray]:
    """``first-post`` (e1), ``average-post`` (1/T each) or a custom weight vector of length T."""
    if isinstance(target, str):
        if target == "first-post":
            return target, np.eye(num_post)[0]
        if target == "average-post":
            return target, np.full(num_post, 1.0 / num_post)
        raise HonestInputError(f"target must be one of {', '.join(TARGETS)} or a vector, not {target!r}")
    l_vec = np.asarray(target, dtype=float).ravel()
    if l_vec.shape != (num_post,) or not np.isfinite(l_vec).all():
        raise HonestInputError(f"target vector must have {num_post} finite entries (one per post period)")
    return "custom", l_vec


def _check(betahat, sigma, num_pre: int, num_post: int) -> tuple[np.ndarray, np.ndarray]:
    beta = np.asarray(betahat, dtype=float).ravel()
    sig = np.asarray(sigma, dtype=float)
    if int(num_pre) != num_pre or num_pre < 2:
        raise HonestInputError(f"num_pre must be at least 2 pre-treatment coefficients (reference period "
                               f"excluded), got {num_pre}")
    if int(num_post) != num_post or num_post < 1:
        raise HonestInputError(f"num_post must be at least 1 post-treatment coefficient, got {num_post}")
    if beta.size != num_pre + num_post:
        raise HonestInputError(f"betahat has {beta.size} entries but num_pre + num_post = {num_pre + num_post}")
    if sig.shape != (beta.size, beta.size):
        raise HonestInputError(f"sigma must be {beta.size} x {beta.size} (one row per coefficient), got "
                               f"{'x'.join(map(str, sig.shape))}")
    if not (np.isfinite(beta).all() and np.isfinite(sig).all()):
        raise HonestInputError("betahat and sigma must be finite")
    scale = max(float(np.abs(sig).max()), 1e-300)
    if np.abs(sig - sig.T).max() > 1e-8 * scale:
        raise HonestInputError("sigma must be symmetric")
    if np.linalg.eigvalsh(sig).min() < -1e-10 * scale:
        raise HonestInputError("sigma must be positive semi-definite")
    return beta, (sig + sig.T) / 2


def smoothness_upper_bound(betahat, sigma, num_pre: int, alpha: float = 0.05) -> float:
    """HonestDiD's ``DeltaSD_upperBound_Mpre``: the largest one-sided ``1 - alpha`` upper bound of the
    absolute pre-period second differences (periods ``-K..-1`` and the reference, 0)."""
    pre = np.append(np.asarray(betahat, dtype=float)[:num_pre], 0.0)
    cov = np.zeros((num_pre + 1, num_pre + 1))
    cov[:num_pre, :num_pre] = np.asarray(sigma, dtype=float)[:num_pre, :num_pre]
    second = np.zeros((num_pre - 1, num_pre + 1))
    for r in range(num_pre - 1):
        second[r, r:r + 3] = (1.0, -2.0, 1.0)
    a = np.vstack([second, -second])
    se = np.sqrt(np.diag(a @ cov @ a.T))
    return float((a @ pre + norm.ppf(1 - alpha) * se).max())


def _grid(grid, method: str, beta: np.ndarray, sigma: np.ndarray, num_pre: int) -> np.ndarray:
    """The given grid, or HonestDiD's default: Mbar 0..2 (10 values); M 0..the pre-period bound (10 values)."""
    name = "mbar" if method == "relative-magnitudes" else "m"
    if grid is None:
        if method == "relative-magnitudes":
            return np.linspace(0.0, 2.0, 10)
        return np.linspace(0.0, smoothness_upper_bound(beta, sigma, num_pre), 10)
    g = np.asarray(grid, dtype=float).ravel()
    if g.size == 0 or not np.isfinite(g).all():
        raise HonestInputError(f"{name} grid must be a non-empty list of finite numbers")
    if (g < 0).any():
        raise HonestInputError(f"{name} grid must not contain negative values (got {g[g < 0][0]:g})")
    return g


def original_ci(betahat, sigma, num_pre: int, num_post: int, l_vec, alpha: float = 0.05) -> tuple[float, float, float, float]:
    """HonestDiD's ``constructOriginalCS``: estimate, SE and the usual CI of ``l'tau_post``."""
    post = slice(num_pre, num_pre + num_post)
    est = float(np.asarray(l_vec) @ np.asarray(betahat)[post])
    se = float(np.sqrt(np.asarray(l_vec) @ np.asarray(sigma)[post, post] @ np.asarray(l_vec)))
    z = norm.ppf(1 - alpha / 2)
    return est, se, est - z * se, est + z * se


def honest_sensitivity(betahat, sigma, num_pre: int, num_post: int, method: str = "relative-magnitudes",
                       grid=None, target="first-post", alpha: float = 0.05, grid_points: int = GRID_POINTS,
                       grid_center: str = "estimate", seed: int = 0) -> SensitivityResult:
    """Robust confidence intervals for ``l'tau_post`` over a grid of M (smoothness) or Mbar (relative magnitudes).

    ``betahat`` are the event-study coefficients, pre-treatment then post-treatment, with the reference
    period excluded; ``sigma`` their covariance. ``relative-magnitudes`` gives HonestDiD's
    ``createSensitivityResults_relativeMagnitudes`` (Delta^RM, C-LF, test inversion over ``grid_points``
    values of theta); ``smoothness`` gives ``createSensitivityResults`` (Delta^SD, FLCI). The theta grid
    is centred on the estimate (``grid_center="estimate"``, as HonestDiD's README output and the Stata
    package) or on 0 (``"zero"``, HonestDiD's released default).
    """
    if method not in METHODS:
        raise HonestInputError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    if grid_center not in ("estimate", "zero"):
        raise HonestInputError("grid_center must be 'estimate' or 'zero'")
    if not (0 < alpha < 1):
        raise HonestInputError(f"alpha must be between 0 and 1, got {alpha}")
    beta, sig = _check(betahat, sigma, num_pre, num_post)
    label, l_vec = target_vector(target, num_post)
    values = _grid(grid, method, beta, sig, num_pre)
    est, se, lo, hi = original_ci(beta, sig, num_pre, num_post, l_vec, alpha)
    lbs, ubs, edges, steps = [], [], [], []
    for m in values:
        if method == "relative-magnitudes":
            theta, accept = rm_accept_grid(beta, sig, num_pre, num_post, l_vec, float(m), alpha,
                                           grid_points=grid_points, seed=seed,
                                           centered=grid_center == "estimate")
            if accept.any():
                lbs.append(float(theta[accept].min()))
                ubs.append(float(theta[accept].max()))
            else:
                lbs.append(math.nan)
                ubs.append(math.nan)
            edges.append(bool(accept[0] or accept[-1]))
            steps.append(float(theta[1] - theta[0]))
        else:
            ci = optimal_flci(beta, sig, num_pre, l_vec, float(m), alpha, seed)
            lbs.append(ci.lb)
            ubs.append(ci.ub)
            edges.append(False)
    return SensitivityResult(
        method=method, target=label, l_vec=l_vec, grid=values, lb=np.array(lbs), ub=np.array(ubs),
        original=(lo, hi), estimate=est, std_error=se, alpha=alpha, num_pre=int(num_pre),
        num_post=int(num_post), open_ended=np.array(edges, dtype=bool), theta_step=np.array(steps),
    )
