"""Fixed-length confidence intervals under smoothness, Delta^SD(M) (Armstrong & Kolesar; Rambachan & Roth 2023).

The FLCI is ``a + v'betahat +- chi`` with ``v = (v_pre, l)``: the pre-period weights ``v_pre`` trade
variance against worst-case bias over ``Delta^SD(M) = {delta : |second differences| <= M}``. As in
HonestDiD the weights are written through ``w`` (``v_pre`` is the first difference of ``w``); the
worst-case bias is ``M (c0 + sum_k |z_k|)`` with ``z`` the partial sums of ``w`` and ``z_K = sum_s s
l_s``. For a standard deviation ``h`` the smallest worst-case bias is a small convex program (solved
with SLSQP); the half-length ``h * q(M bias / h)``, with ``q`` the ``1 - alpha`` quantile of
``|N(M bias / h, 1)|``, is then minimised over ``h`` between the smallest attainable standard
deviation and that of the least-biased estimator. ``q`` is HonestDiD's Monte Carlo quantile (10^6
draws of R's generator, seed 0), so the intervals equal R's.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize, minimize_scalar

from .rng import cached_rnorm

FOLDED_SIMS = 10**6


def folded_normal_quantile(p: float, mu: float, seed: int = 0) -> float:
    """HonestDiD's ``.qfoldednormal``: the ``p`` quantile of ``|Z + mu|`` over 10^6 R draws of ``Z``."""
    return float(np.quantile(np.abs(cached_rnorm(FOLDED_SIMS, seed) + mu), p))


@dataclass(frozen=True)
class FLCI:
    lb: float
    ub: float
    half_length: float
    weights: np.ndarray  # (v_pre, l): the estimator is weights' betahat


class _Problem:
    """Variance and worst-case bias of ``v'betahat`` as functions of the free partial sums ``z_1..z_{K-1}``."""

    def __init__(self, sigma: np.ndarray, num_pre: int, l_vec: np.ndarray):
        k, t = num_pre, len(l_vec)
        self.k, self.l_vec = k, l_vec
        steps = np.arange(1, t + 1)
        self.c = float(steps @ l_vec)
        self.c0 = sum(abs(float(np.arange(1, s + 1) @ l_vec[t - s:])) for s in range(1, t + 1)) - self.c
        # v_pre = T w and w = D z, so v_pre = T D z = P z_free + q (z_K = c fixed)
        td = np.eye(k) - np.eye(k, k=-1)
        td = td @ td
        self.p_mat, self.q_vec = td[:, : k - 1], td[:, k - 1] * self.c
        pre, post = slice(0, k), slice(k, None)
        s_pre = sigma[pre, pre]
        s_cross = sigma[pre, post] @ l_vec
        self.quad = self.p_mat.T @ s_pre @ self.p_mat
        self.lin = 2 * self.p_mat.T @ (s_pre @ self.q_vec + s_cross)
        self.const = float(self.q_vec @ s_pre @ self.q_vec + 2 * self.q_vec @ s_cross + l_vec @ sigma[post, post] @ l_vec)

    def variance(self, z: np.ndarray) -> float:
        return float(z @ self.quad @ z + self.lin @ z + self.const)

    def bias(self, z: np.ndarray) -> float:
        """Worst-case bias for M = 1."""
        return self.c0 + abs(self.c) + float(np.abs(z).sum())

    def v_pre(self, z: np.ndarray) -> np.ndarray:
        return self.p_mat @ z + self.q_vec

    def min_variance(self) -> np.ndarray:
        if self.k == 1:
            return np.zeros(0)
        return np.linalg.solve(2 * self.quad, -self.lin)

    def min_bias_given_sd(self, h: float, start: np.ndarray) -> np.ndarray:
        """The least worst-case bias over ``z`` with standard deviation at most ``h`` (``start``: a feasible point)."""
        n = self.k - 1
        if n == 0 or self.variance(np.zeros(n)) <= h * h:
            return np.zeros(n)
        scale = h * h

        def slack(x: np.ndarray) -> float:
            return (scale - self.variance(x[:n] - x[n:])) / scale

        def slack_gradient(x: np.ndarray) -> np.ndarray:
            g = 2 * self.quad @ (x[:n] - x[n:]) + self.lin
            return -np.concatenate([g, -g]) / scale

        x0 = np.concatenate([np.clip(start, 0, None), np.clip(-start, 0, None)])
        res = minimize(lambda x: x.sum(), x0, jac=lambda x: np.ones(2 * n), method="SLSQP",
                       bounds=[(0, None)] * (2 * n),
                       constraints=[{"type": "ineq", "fun": slack, "jac": slack_gradient}],
                       options={"ftol": 1e-15, "maxiter": 1000})
        if slack(res.x) < -1e-6:
            return start  # feasible (``start`` has the least variance): a conservative, longer interval
        return res.x[:n] - res.x[n:]


def optimal_flci(betahat: np.ndarray, sigma: np.ndarray, num_pre: int, l_vec: np.ndarray, m: float,
                 alpha: float = 0.05, seed: int = 0) -> FLCI:
    """HonestDiD's ``findOptimalFLCI``: the shortest FLCI for ``l'tau_post`` under ``Delta^SD(M)``."""
    prob = _Problem(np.asarray(sigma, dtype=float), num_pre, np.asarray(l_vec, dtype=float))
    z_min = prob.min_variance()
    h_min = np.sqrt(prob.variance(z_min))
    h_0 = np.sqrt(prob.variance(np.zeros(num_pre - 1)))

    cache: dict[float, tuple[float, np.ndarray]] = {}

    def half_length(h: float) -> float:
        if h not in cache:
            z = z_min if h <= h_min else prob.min_bias_given_sd(h, z_min)
            hl = folded_normal_quantile(1 - alpha, m * prob.bias(z) / h, seed) * h
            cache[h] = (hl, z)
        return cache[h][0]

    candidates = [h_min, h_0]
    if h_0 > h_min * (1 + 1e-12):
        res = minimize_scalar(half_length, bounds=(h_min, h_0), method="bounded",
                              options={"xatol": 1e-10 * h_0})
        candidates.append(float(res.x))
    best = min(candidates, key=half_length)
    hl, z = cache[best]
    weights = np.concatenate([prob.v_pre(z), prob.l_vec])
    centre = float(weights @ betahat)
    return FLCI(centre - hl, centre + hl, hl, weights)
