"""Standard normal draws identical to R's ``set.seed(seed); rnorm(n)``.

HonestDiD's critical values are Monte Carlo quantiles: the least-favourable critical value of the
conditional-least-favourable hybrid (1,000 draws) and the folded-normal quantile of the FLCI (10^6
draws), both with ``set.seed(0)``. Drawing the same numbers as R (Mersenne-Twister seeded by R's
``set.seed`` scrambling, normals by inversion) makes the intervals equal to R's, not only close.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.special import ndtri

_MASK = 0xFFFFFFFF
_TWO_27 = 134217728.0
_I2_32M1 = 2.328306437080797e-10  # R's 1 / (2^32 - 1), used to keep uniforms inside (0, 1)


def _seeded_generator(seed: int) -> np.random.MT19937:
    """MT19937 in the state R's ``set.seed(seed)`` leaves (default kinds since R 3.6)."""
    s = seed & _MASK
    for _ in range(50):
        s = (69069 * s + 1) & _MASK
    key = np.empty(625, dtype=np.uint32)
    for j in range(625):
        s = (69069 * s + 1) & _MASK
        key[j] = s
    bitgen = np.random.MT19937()
    # key[0] is R's position counter (set to 624 by its fix-up): the twister regenerates first
    bitgen.state = {"bit_generator": "MT19937", "state": {"key": key[1:], "pos": 624}}
    return bitgen


def _uniforms(bitgen: np.random.MT19937, n: int) -> np.ndarray:
    u = bitgen.random_raw(n).astype(np.float64) * 2.3283064365386963e-10
    u[u <= 0.0] = 0.5 * _I2_32M1
    u[1.0 - u <= 0.0] = 1.0 - 0.5 * _I2_32M1
    return u


def r_rnorm(n: int, seed: int = 0) -> np.ndarray:
    """The first ``n`` values of R's ``set.seed(seed); rnorm(n)``."""
    pairs = _uniforms(_seeded_generator(seed), 2 * n).reshape(n, 2)
    u = (np.floor(_TWO_27 * pairs[:, 0]) + pairs[:, 1]) / _TWO_27
    return ndtri(u)


@lru_cache(maxsize=4)
def cached_rnorm(n: int, seed: int = 0) -> np.ndarray:
    """Read-only cached :func:`r_rnorm` (the FLCI search reuses the same 10^6 draws)."""
    draws = r_rnorm(n, seed)
    draws.setflags(write=False)
    return draws


def r_rmvnorm(n: int, sigma: np.ndarray, seed: int = 0) -> np.ndarray:
    """``set.seed(seed); mvtnorm::rmvnorm(n, sigma = sigma)`` (eigen square root, rows filled first)."""
    sigma = np.asarray(sigma, dtype=float)
    p = sigma.shape[0]
    values, vectors = np.linalg.eigh(sigma)
    root = (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T
    return r_rnorm(n * p, seed).reshape(n, p) @ root
