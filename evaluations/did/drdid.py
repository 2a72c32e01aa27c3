"""2x2 panel DiD estimators with covariates (Sant'Anna & Zhao 2020; the conventions of R's `DRDID`).

The building blocks of each ATT(g,t) with covariates: for one cohort, one period and its base
period, the outcome change of the treated units is compared with that of the comparison units by

* "dr"  — traditional doubly robust: logit propensity score and OLS outcome regression on the
  comparison units (`DRDID::drdid_panel`);
* "reg" — outcome regression (`DRDID::reg_did_panel`);
* "ipw" — standardised inverse probability weighting (`DRDID::std_ipw_did_panel`).

Each returns the ATT and its influence function, which `cs.att_gt` uses for inference.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .twfe import DidInputError

METHODS = ("dr", "reg", "ipw")


def _check_rank(X: np.ndarray, what: str, names: Sequence[str]) -> None:
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise DidInputError(f"singular covariate matrix for {what}: covariates {list(names)} are collinear "
                            "(or constant) in this subsample")


def _logit(X: np.ndarray, D: np.ndarray, w: np.ndarray, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Weighted logistic regression by Newton-Raphson; returns (fitted p, (X'WX)^-1)."""
    beta = np.zeros(X.shape[1])
    dev_old = np.inf
    for _ in range(100):
        eta = X @ beta
        p = 1.0 / (1.0 + np.exp(-eta))
        W = w * p * (1.0 - p)
        H = X.T @ (X * W[:, None])
        step = np.linalg.solve(H, X.T @ (w * (D - p)))
        beta = beta + step
        p = 1.0 / (1.0 + np.exp(-(X @ beta)))
        with np.errstate(divide="ignore", invalid="ignore"):
            dev = -2 * np.sum(w * (D * np.log(np.clip(p, 1e-300, 1)) + (1 - D) * np.log(np.clip(1 - p, 1e-300, 1))))
        if abs(dev - dev_old) < 1e-12 * (abs(dev) + 0.1):
            break
        dev_old = dev
    else:
        raise DidInputError(f"propensity score (logit) did not converge for {what}")
    W = w * p * (1.0 - p)
    return p, np.linalg.inv(X.T @ (X * W[:, None]))


def did_panel_2x2(dy: np.ndarray, D: np.ndarray, X: np.ndarray, w: np.ndarray, method: str,
                  what: str = "", names: Sequence[str] = ()) -> tuple[float, np.ndarray, int]:
    """ATT and its influence function for a 2x2 panel with covariates X (first column = 1).

    method: "dr" (Sant'Anna & Zhao traditional doubly robust, logit propensity score and OLS
    outcome regression on controls), "reg" (outcome regression), "ipw" (standardised IPW).
    Returns (att, influence function on this subsample, number of trimmed control units).
    """
    n = len(dy)
    w = w / w.mean()
    Dc = 1.0 - D
    trimmed = 0
    if method in ("reg", "dr"):
        _check_rank(X[D == 0], f"the outcome regression on comparison units of {what}", names)
        wo = w * Dc
        XtWX = X.T @ (X * wo[:, None])
        beta = np.linalg.solve(XtWX, X.T @ (wo * dy))
        fit = X @ beta
        lin_ols = (wo * (dy - fit))[:, None] * X @ np.linalg.inv(XtWX / n)
    if method in ("ipw", "dr"):
        _check_rank(X, f"the propensity score of {what}", names)
        ps, Hinv = _logit(X, D, w, what)
        ps = np.minimum(ps, 1 - 1e-6)
        trim = np.where(D == 1, ps < 1.01, ps < 0.995).astype(float)
        trimmed = int(((trim == 0) & (D == 0)).sum())
        lin_ps = (w * (D - ps))[:, None] * X @ (Hinv * n)
        w_treat = trim * w * D
        w_cont = trim * w * ps * Dc / (1.0 - ps)
    if method == "dr":
        resid = dy - fit
        eta_t = np.mean(w_treat * resid) / np.mean(w_treat)
        eta_c = np.mean(w_cont * resid) / np.mean(w_cont)
        inf_t = (w_treat * resid - w_treat * eta_t - lin_ols @ np.mean(w_treat[:, None] * X, 0)) / np.mean(w_treat)
        M2 = np.mean((w_cont * (resid - eta_c))[:, None] * X, 0)
        M3 = np.mean(w_cont[:, None] * X, 0)
        inf_c = (w_cont * resid - w_cont * eta_c + lin_ps @ M2 - lin_ols @ M3) / np.mean(w_cont)
        return float(eta_t - eta_c), inf_t - inf_c, trimmed
    if method == "reg":
        wt = w * D
        eta_t = np.mean(wt * dy) / np.mean(wt)
        eta_c = np.mean(wt * fit) / np.mean(wt)
        inf_t = (wt * dy - wt * eta_t) / np.mean(wt)
        inf_c = (wt * fit - wt * eta_c + lin_ols @ np.mean(wt[:, None] * X, 0)) / np.mean(wt)
        return float(eta_t - eta_c), inf_t - inf_c, 0
    if method == "ipw":
        eta_t = np.mean(w_treat * dy) / np.mean(w_treat)
        eta_c = np.mean(w_cont * dy) / np.mean(w_cont)
        inf_t = (w_treat * dy - w_treat * eta_t) / np.mean(w_treat)
        M2 = np.mean((w_cont * (dy - eta_c))[:, None] * X, 0)
        inf_c = (w_cont * dy - w_cont * eta_c + lin_ps @ M2) / np.mean(w_cont)
        return float(eta_t - eta_c), inf_t - inf_c, trimmed
    raise DidInputError(f"method must be one of {METHODS}, got {method!r}")
