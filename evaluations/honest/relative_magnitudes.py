"""Confidence sets under relative magnitudes, Delta^RM(Mbar) (Rambachan & Roth 2023, Section 2.4.1).

``Delta^RM(Mbar)``: every post-period first difference of the trend violation ``delta`` is at most
``Mbar`` times the largest pre-period first difference. It is the union over the period ``s`` of that
largest pre-period difference and its sign of polyhedra ``A_s delta <= 0``; the confidence set is the
union of the C-LF (or conditional) test-inversion sets of those polyhedra, on HonestDiD's grid of
``grid_points`` values of ``theta = l'tau`` spanning ``+-20`` standard errors of ``l'betahat_post``.
"""
from __future__ import annotations

import numpy as np

from .arp import ConditionalTest, least_favorable_cv, no_nuisance_lf_reject

GRID_POINTS = 1000


def rm_constraints(num_pre: int, num_post: int, mbar: float, s: int, max_positive: bool) -> np.ndarray:
    """``A`` with ``Delta^RM_{s,sign}(Mbar) = {delta : A delta <= 0}`` (columns: pre then post, t=0 dropped)."""
    n = num_pre + num_post
    diffs = np.zeros((n, n + 1))
    for r in range(n):
        diffs[r, r], diffs[r, r + 1] = -1.0, 1.0
    largest = np.zeros(n + 1)
    largest[num_pre + s - 1], largest[num_pre + s] = -1.0, 1.0
    if not max_positive:
        largest = -largest
    bound = np.vstack([np.tile(largest, (num_pre, 1)), np.tile(mbar * largest, (num_post, 1))])
    a = np.vstack([diffs - bound, -diffs - bound])
    a = a[(a * a).sum(axis=1) > 1e-10]
    return np.delete(a, num_pre, axis=1)


def gamma_matrix(l_vec: np.ndarray) -> np.ndarray:
    """Invertible matrix with first row ``l'``, completed by the first unit vectors that add rank."""
    rows = [l_vec]
    for e in np.eye(len(l_vec)):
        if np.linalg.matrix_rank(np.vstack(rows + [e])) > len(rows):
            rows.append(e)
        if len(rows) == len(l_vec):
            break
    return np.vstack(rows)


def theta_grid(betahat: np.ndarray, sigma: np.ndarray, num_pre: int, l_vec: np.ndarray, mbar: float,
               grid_points: int = GRID_POINTS, centered: bool = False) -> np.ndarray:
    """HonestDiD's grid: ``[-20, 20]`` standard errors of ``l'betahat_post`` around 0, or, ``centered``,
    around ``l'betahat_post`` widened by ``Mbar (1..T)'|l|`` times the largest pre-period first
    difference (the grid of the Stata package and of HonestDiD's ``issue_grid`` revision)."""
    post = slice(num_pre, None)
    sd_theta = float(np.sqrt(l_vec @ sigma[post, post] @ l_vec))
    if not centered:
        return np.linspace(-20 * sd_theta, 20 * sd_theta, grid_points)
    pre = betahat[:num_pre]
    max_pre = float(np.abs(np.diff(np.append(pre, 0.0))).max()) if num_pre > 1 else abs(float(pre[0]))
    half = mbar * float(np.arange(1, len(l_vec) + 1) @ np.abs(l_vec)) * max_pre + 20 * sd_theta
    mid = float(betahat[post] @ l_vec)
    return np.linspace(mid - half, mid + half, grid_points)


def _accept_fixed_s(betahat, sigma, num_pre, num_post, l_vec, a, grid, alpha, seed) -> np.ndarray:
    """C-LF acceptance over ``grid`` for one polyhedron ``A delta <= 0`` (post-period moments only)."""
    post_cols = a[:, num_pre:]
    if num_post == 1:
        a = a[post_cols[:, 0] != 0]
        kappa = alpha / 10
        lf_cv = least_favorable_cv(None, a @ sigma @ a.T, kappa, seed)
        d = np.zeros(a.shape[0])
        e = np.zeros(len(betahat))
        e[num_pre] = 1.0
        return np.array([not no_nuisance_lf_reject(betahat - e * t, sigma, a, d, alpha, lf_cv, kappa)
                         for t in grid])
    rows = (post_cols != 0).any(axis=1)
    a_gamma_inv = post_cols @ np.linalg.inv(gamma_matrix(l_vec))
    y = a @ betahat
    sigma_y = a @ sigma @ a.T
    test = ConditionalTest(a_gamma_inv[rows, 1:], sigma_y[np.ix_(rows, rows)], alpha, "LF", seed=seed)
    y_rows, slope = y[rows], a_gamma_inv[rows, 0]
    return np.array([not test.reject(y_rows - slope * t) for t in grid])


def rm_accept_grid(betahat: np.ndarray, sigma: np.ndarray, num_pre: int, num_post: int, l_vec: np.ndarray,
                   mbar: float, alpha: float = 0.05, grid_points: int = GRID_POINTS,
                   seed: int = 0, centered: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The theta grid and which of its points the Delta^RM(Mbar) confidence set accepts."""
    grid = theta_grid(betahat, sigma, num_pre, l_vec, mbar, grid_points, centered)
    accept = np.zeros(len(grid), dtype=bool)
    for s in range(-(num_pre - 1), 1):
        for positive in (True, False):
            a = rm_constraints(num_pre, num_post, mbar, s, positive)
            accept |= _accept_fixed_s(betahat, sigma, num_pre, num_post, l_vec, a, grid, alpha, seed)
    return grid, accept
