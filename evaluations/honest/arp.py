"""Conditional and conditional-least-favourable (C-LF) tests of Andrews, Roth & Pakes (2023).

Tests the moment inequalities ``E[y - X delta] <= 0`` with a nuisance ``delta``, as HonestDiD does for
every value ``theta`` on its grid: the statistic is the linear program ``eta``; conditional on the
binding moments it is a truncated normal; the least-favourable hybrid first rejects when ``eta``
exceeds the least-favourable critical value (size ``kappa = alpha / 10``) and then runs the
conditional test at size ``(alpha - kappa) / (1 - kappa)`` with the upper truncation capped there.
"""
from __future__ import annotations

import numpy as np
from scipy.special import ndtr, ndtri
from scipy.stats import truncnorm

from .polytope import DualPolytope
from .rng import r_rmvnorm

LF_SIMS = 1000
_TOL_LAMBDA = 1e-6
_ROUND_EPS = np.finfo(float).eps ** 0.75


def truncated_normal_quantile(p: float, lower: float, upper: float, mu: float = 0.0, sd: float = 1.0) -> float:
    """Quantile ``p`` of N(mu, sd^2) truncated to ``[lower, upper]``.

    Inverts the normal distribution function on the side of the median where the target probability is
    small (no cancellation near 1); deep in one tail, where both bounds round to the same probability, it
    falls back to scipy's ``truncnorm``.
    """
    a, b = (lower - mu) / sd, (upper - mu) / sd
    lo_cdf, hi_cdf = ndtr(a), ndtr(b)
    lo_sf, hi_sf = ndtr(-a), ndtr(-b)
    target_cdf = lo_cdf + p * (hi_cdf - lo_cdf)
    target_sf = lo_sf - p * (lo_sf - hi_sf)
    if target_cdf <= 0.5 and hi_cdf > lo_cdf and target_cdf > 0:
        z = ndtri(target_cdf)
    elif target_sf < 0.5 and lo_sf > hi_sf and target_sf > 0:
        z = -ndtri(target_sf)
    else:
        z = truncnorm.ppf(p, a, b)
    return float(mu + sd * min(max(z, a), b))


def least_favorable_cv(polytope: DualPolytope | None, sigma: np.ndarray, kappa: float, seed: int = 0) -> float:
    """The ``1 - kappa`` quantile of ``eta`` under ``y ~ N(0, sigma)`` (HonestDiD: 1,000 draws, seed 0).

    Without a nuisance (``polytope`` None) ``eta`` is the largest standardised moment.
    """
    draws = r_rmvnorm(LF_SIMS, sigma, seed)
    if polytope is None:
        eta = (draws / np.sqrt(np.diag(sigma))).max(axis=1)
    else:
        eta = polytope.max_many(draws)
    return float(np.nanquantile(eta, 1 - kappa))


class ConditionalTest:
    """ARP test of ``E[y - X delta] <= 0`` for one ``(X, sigma)``; call :meth:`reject` per ``y``."""

    def __init__(self, x: np.ndarray, sigma: np.ndarray, alpha: float, hybrid: str = "LF",
                 kappa: float | None = None, seed: int = 0):
        self.x = np.asarray(x, dtype=float).reshape(sigma.shape[0], -1)
        self.sigma = np.asarray(sigma, dtype=float)
        self.sd = np.sqrt(np.diag(self.sigma))
        self.k = self.x.shape[1]
        self.polytope = DualPolytope(self.sd, self.x)
        self.hybrid = hybrid
        if hybrid == "LF":
            self.kappa = alpha / 10 if kappa is None else kappa
            self.lf_cv = least_favorable_cv(self.polytope, self.sigma, self.kappa, seed)
            self.size = (alpha - self.kappa) / (1 - self.kappa)
        elif hybrid == "ARP":
            self.lf_cv, self.size = np.inf, alpha
        else:
            raise ValueError("hybrid must be 'LF' or 'ARP'")
        self._primal_cache: dict[bytes, tuple] = {}

    def reject(self, y: np.ndarray) -> bool:
        eta, lam = self.polytope.max(y)
        if not np.isfinite(eta):
            return False
        if self.hybrid == "LF" and eta > self.lf_cv:
            return True
        binding = lam > _TOL_LAMBDA
        x_b = self.x[binding]
        full_rank = x_b.shape[0] > 0 and np.linalg.matrix_rank(x_b) == min(x_b.shape)
        if binding.sum() != self.k + 1 or not full_rank:
            return self._dual_reject(y, eta, lam)
        return self._primal_reject(y, eta, binding)

    def _decide(self, maxstat: float, zlo: float, zup: float) -> bool:
        if not (zlo <= maxstat <= zup):
            return False
        cval = max(0.0, truncated_normal_quantile(1 - self.size, zlo, zup))
        return bool(maxstat > cval)

    def _primal_reject(self, y: np.ndarray, eta: float, binding: np.ndarray) -> bool:
        key = binding.tobytes()
        if key not in self._primal_cache:
            m = len(y)
            w = np.column_stack([self.sd, self.x])
            inv_b = np.linalg.inv(w[binding])
            s_b = np.eye(m)[binding]
            s_bc = np.eye(m)[~binding]
            gamma_b = w[~binding] @ inv_b @ s_b - s_bc
            v_b = (inv_b[0] @ s_b)
            sigma2_b = float(v_b @ self.sigma @ v_b)
            rho = gamma_b @ self.sigma @ v_b / sigma2_b
            self._primal_cache[key] = (gamma_b, v_b, np.sqrt(sigma2_b), rho)
        gamma_b, v_b, sigma_b, rho = self._primal_cache[key]
        with np.errstate(divide="ignore", invalid="ignore"):
            bounds = -(gamma_b @ y) / rho + v_b @ y
        vlo = bounds[rho > 0].max() if (rho > 0).any() else -np.inf
        vup = bounds[rho < 0].min() if (rho < 0).any() else np.inf
        return self._decide(eta / sigma_b, vlo / sigma_b, min(vup, self.lf_cv) / sigma_b)

    def _dual_reject(self, y: np.ndarray, eta: float, gamma: np.ndarray) -> bool:
        var_b = float(gamma @ self.sigma @ gamma)
        if abs(var_b) < np.finfo(float).eps:
            return bool(eta > 0)
        sigma_b = np.sqrt(var_b)
        b = self.sigma @ gamma / var_b
        s_t = y - b * float(gamma @ y)
        vlo, vup = self._vlo_vup_dual(eta, s_t, b, sigma_b)
        return self._decide(eta / sigma_b, vlo / sigma_b, min(vup, self.lf_cv) / sigma_b)

    def _vlo_vup_dual(self, eta: float, s_t: np.ndarray, b: np.ndarray, sigma_b: float) -> tuple[float, float]:
        """Truncation points by HonestDiD's fixed-point shortcut and bisection (ARP, Appendix D)."""
        tol_c = tol_eq = 1e-6
        max_iters, switch_iters = 10_000, 10

        def check(c: float) -> tuple[bool, np.ndarray]:
            value, sol = self.polytope.max(s_t + b * c)
            return bool(abs(c - value) <= tol_eq), sol

        def shortcut(sol: np.ndarray) -> float:
            num = float(sol @ s_t)
            num = 0.0 if abs(num) < _ROUND_EPS else num
            return num / (1.0 - float(sol @ b))

        def search(start: float, upward: bool) -> float:
            ok, sol = check(start)
            if ok:
                return np.inf if upward else -np.inf
            dif, iters = 0.0, 1
            mid = shortcut(sol)
            while True:
                ok, sol = check(mid)
                if ok or iters >= max_iters:
                    break
                iters += 1
                if iters >= switch_iters:
                    dif = tol_c + 1
                    break
                mid = shortcut(sol)
            low, high = (eta, mid) if upward else (mid, eta)
            while dif > tol_c and iters < max_iters:
                iters += 1
                mid = (high + low) / 2
                inside = check(mid)[0]
                if inside == upward:
                    low = mid
                else:
                    high = mid
                dif = high - low
            return mid

        if not check(eta)[0]:
            return eta, np.inf
        vup = search(max(100.0, eta + 20 * sigma_b), upward=True)
        vlo = search(min(-100.0, eta - 20 * sigma_b), upward=False)
        return vlo, vup


def no_nuisance_lf_reject(y: np.ndarray, sigma: np.ndarray, a: np.ndarray, d: np.ndarray, alpha: float,
                          lf_cv: float, kappa: float) -> bool:
    """HonestDiD's single-post-period C-LF test of ``A y <= d`` (no nuisance parameter)."""
    sigma_tilde = np.sqrt(np.diag(a @ sigma @ a.T))
    a_t = a / sigma_tilde[:, None]
    d_t = d / sigma_tilde
    moments = a_t @ y - d_t
    j = int(np.argmax(moments))
    if moments[j] > lf_cv:
        return True
    gamma = a_t[j]
    a_bar = a_t - a_t[j]
    d_bar = d_t - d_t[j]
    var = float(gamma @ sigma @ gamma)
    c = sigma @ gamma / var
    z = y - c * float(gamma @ y)
    ac = a_bar @ c
    with np.errstate(divide="ignore", invalid="ignore"):
        obj = (d_bar - a_bar @ z) / ac
    vlo = obj[ac < 0].max() if (ac < 0).any() else -np.inf
    vup = obj[ac > 0].min() if (ac > 0).any() else np.inf
    size = (alpha - kappa) / (1 - kappa)
    cval = max(0.0, truncated_normal_quantile(1 - size, vlo, vup, mu=d_t[j], sd=np.sqrt(var)))
    return bool(moments[j] + d_t[j] > cval)
