"""Class breaks and class colours of the mapped values (mapclassify), and the legend label of each class.

Fisher–Jenks by default: breaks follow gaps in the data, so an extreme municipality gets its own class
instead of being absorbed in a top quantile; quantiles on request.  Legend labels give the closed range of
the values observed in each class, so the top label always shows the maximum.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Sequence

import mapclassify as mc
import numpy as np
from matplotlib import colormaps
from matplotlib.colors import to_hex

from ... import formats

__all__ = ["Classification", "classify"]


@dataclass
class Classification:
    """Classes of a column: upper bounds, class per observation, legend label and colour per class."""

    scheme: str
    bins: np.ndarray  # upper bounds, last = max
    classes: np.ndarray  # class index per observation, -1 for missing
    labels: list[str]  # one per class, closed ranges
    colours: list[str]

    @property
    def k(self) -> int:
        return len(self.bins)


def _fmt(x: float) -> str:
    """A number in a legend label (English, like the rest of the map): no decimals from 100, one from 10,
    else two; written by evaluations/formats.py like every other number."""
    ax = abs(x)
    return formats.number(x, "en", 0 if ax >= 100 else 1 if ax >= 10 else 2)


def _seeded(fn, seed: int):
    """``fn()`` with numpy's global RNG seeded (mapclassify samples from it), then the RNG's state restored."""
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        return fn()
    finally:
        np.random.set_state(state)


def classify(
    values,
    *,
    scheme: str = "fisher_jenks",
    k: int = 5,
    cmap: str | None = None,
    bins: Sequence[float] | None = None,
    seed: int = 0,
) -> Classification:
    """Classify values into ``k`` classes with mapclassify.

    scheme: ``"fisher_jenks"`` (exact for ≤ 600 distinct values; otherwise mapclassify's sampled
    Fisher–Jenks on a seeded sample that always includes the min and max — exact Fisher–Jenks is O(k·n²) in
    pure Python, ~5 s for 2,469 values without numba), ``"quantiles"``, ``"natural_breaks"``,
    ``"equal_interval"``, ``"user"`` (with ``bins``), or ``"diverging"`` (quantile classes computed
    separately below and above 0, with 0 as a break — for changes).
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Numba not installed")  # pure-Python path is expected
        return _classify(values, scheme=scheme, k=k, cmap=cmap, bins=bins, seed=seed)


def _classify(values, *, scheme, k, cmap, bins, seed) -> Classification:
    y = np.asarray(values, dtype=float)
    ok = ~np.isnan(y)
    yv = y[ok]
    classes = np.full(len(y), -1, dtype=int)
    if yv.size == 0:
        return Classification(scheme, np.array([]), classes, [], [])
    k_eff = int(max(1, min(k, np.unique(yv).size)))
    if scheme == "fisher_jenks":
        if np.unique(yv).size <= 600:
            c = mc.FisherJenks(yv, k=k_eff)
        else:
            c = _seeded(lambda: mc.FisherJenksSampled(yv, k=k_eff, pct=min(1.0, 600 / yv.size)), seed)
        ub = np.asarray(c.bins, dtype=float)
    elif scheme == "quantiles":
        ub = np.asarray(mc.Quantiles(yv, k=k_eff).bins, dtype=float)
    elif scheme == "natural_breaks":
        ub = np.asarray(_seeded(lambda: mc.NaturalBreaks(yv, k=k_eff).bins, seed), dtype=float)
    elif scheme == "equal_interval":
        ub = np.asarray(mc.EqualInterval(yv, k=k_eff).bins, dtype=float)
    elif scheme == "user":
        if bins is None:
            raise ValueError("scheme='user' needs bins")
        ub = np.asarray(mc.UserDefined(yv, bins=list(bins)).bins, dtype=float)
    elif scheme == "diverging":
        half = max(1, k // 2)
        neg, pos = yv[yv < 0], yv[yv > 0]
        edges: list[float] = []
        if neg.size:
            qs = np.unique(np.quantile(neg, np.linspace(0, 1, half + 1)[1:-1]))
            edges += list(qs) + [-1e-12]
        edges += [0.0] if (yv == 0).any() else []
        if pos.size:
            qs = np.unique(np.quantile(pos, np.linspace(0, 1, half + 1)[1:-1]))
            edges += list(qs)
        edges.append(float(yv.max()))
        ub = np.unique(np.asarray([e for e in edges if e <= yv.max()] + [yv.max()], dtype=float))
    else:
        raise ValueError(f"unknown scheme {scheme!r}")
    ub = np.unique(ub)
    ub[-1] = max(ub[-1], yv.max())
    classes[ok] = np.searchsorted(ub, yv, side="left")
    # label each class with the observed min–max inside it (closed ranges; empty classes dropped)
    used = np.unique(classes[ok])
    remap = {old: new for new, old in enumerate(used)}
    classes[ok] = [remap[c] for c in classes[ok]]
    labels = []
    for new in range(len(used)):
        vals = yv[classes[ok] == new]
        lo, hi = vals.min(), vals.max()
        labels.append(_fmt(lo) if lo == hi else f"{_fmt(lo)} – {_fmt(hi)}")
    ub = np.array([yv[classes[ok] == i].max() for i in range(len(used))])
    if cmap is None:
        cmap = "RdBu_r" if scheme == "diverging" else "YlOrRd"
    colours = _class_colours(len(used), cmap, ub if scheme == "diverging" else None, yv)
    return Classification(scheme, ub, classes, labels, colours)


def _class_colours(n: int, cmap: str, ub, yv) -> list[str]:
    cm = colormaps[cmap]
    if n == 1:
        return [to_hex(cm(0.6))]
    if ub is not None:
        # diverging: decreases on the cool half, increases on the warm half, both scaled by the longer
        # side so equal steps get equal colour distance; a class holding only zeros is the neutral centre.
        neg = int((ub < 0).sum())
        zero = int((ub == 0).sum())
        pos = n - neg - zero
        span = max(neg, pos, 1)
        out = []
        for i in range(n):
            if i < neg:
                t = 0.5 - 0.5 * (neg - i) / span
            elif i < neg + zero:
                t = 0.5
            else:
                t = 0.5 + 0.5 * (i - neg - zero + 1) / span
            out.append(to_hex(cm(0.06 + 0.88 * t)))
        return out
    return [to_hex(cm(0.12 + 0.85 * i / (n - 1))) for i in range(n)]
