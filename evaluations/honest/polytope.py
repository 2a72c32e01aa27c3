"""Linear programs over the dual polytope of the ARP moment-inequality test.

The test statistic of Andrews, Roth & Pakes (2023) is ``eta(y) = min_{eta, delta} eta`` subject to
``y - X delta <= eta * sd``. By duality ``eta(y) = max lambda'y`` over ``P = {lambda >= 0 :
sd'lambda = 1, X'lambda = 0}``, a polytope that depends on ``X`` and ``sd`` only. HonestDiD solves
one linear program per grid point and per simulated draw; enumerating the vertices of ``P`` once turns
every such program into a matrix product. When ``P`` has too many candidate bases the programs are
solved one by one with HiGHS.
"""
from __future__ import annotations

from itertools import combinations
from math import comb

import numpy as np
from scipy.optimize import linprog

MAX_BASES = 200_000
_FEAS_TOL = 1e-10


class DualPolytope:
    """``P = {lambda >= 0 : W'lambda = e1}`` with ``W = [sd, X]`` (one row per moment)."""

    def __init__(self, sd: np.ndarray, x: np.ndarray):
        self.w = np.column_stack([np.asarray(sd, dtype=float), np.asarray(x, dtype=float).reshape(len(sd), -1)])
        self.m, self.k1 = self.w.shape
        self.vertices = self._enumerate() if comb(self.m, self.k1) <= MAX_BASES else None

    def _enumerate(self) -> np.ndarray | None:
        if np.linalg.matrix_rank(self.w) < self.k1:
            return None
        subsets = np.array(list(combinations(range(self.m), self.k1)), dtype=int)
        basis = np.transpose(self.w[subsets], (0, 2, 1))  # (n, k+1, k+1): rows of W' restricted to S
        scale = np.abs(basis).max(axis=(1, 2), keepdims=True)
        scale[scale == 0] = 1.0
        ok = np.abs(np.linalg.det(basis / scale)) > 1e-12
        subsets, basis = subsets[ok], basis[ok]
        rhs = np.zeros((len(basis), self.k1))
        rhs[:, 0] = 1.0
        lam_s = np.linalg.solve(basis, rhs[..., None])[..., 0]
        feasible = (lam_s >= -_FEAS_TOL * np.abs(lam_s).max(axis=1, keepdims=True)).all(axis=1)
        verts = np.zeros((int(feasible.sum()), self.m))
        np.put_along_axis(verts, subsets[feasible], np.clip(lam_s[feasible], 0.0, None), axis=1)
        if len(verts) == 0:
            return None
        return np.unique(np.round(verts, 14), axis=0)

    def max(self, f: np.ndarray) -> tuple[float, np.ndarray]:
        """``max f'lambda`` over ``P`` and a maximiser (HonestDiD's ``eta`` and ``lambda``)."""
        f = np.asarray(f, dtype=float)
        if self.vertices is not None:
            values = self.vertices @ f
            i = int(np.argmax(values))
            return float(values[i]), self.vertices[i]
        res = linprog(-f, A_eq=self.w.T, b_eq=np.eye(self.k1)[0], bounds=(0, None), method="highs")
        if res.status != 0:
            return float("nan"), np.full(self.m, np.nan)
        return float(-res.fun), res.x

    def max_many(self, f_rows: np.ndarray) -> np.ndarray:
        """``max f'lambda`` for each row of ``f_rows``."""
        f_rows = np.asarray(f_rows, dtype=float)
        if self.vertices is not None:
            return (f_rows @ self.vertices.T).max(axis=1)
        return np.array([self.max(f)[0] for f in f_rows])
