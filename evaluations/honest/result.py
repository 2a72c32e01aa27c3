"""The sensitivity result: robust intervals by M (or Mbar), the original interval and the breakdown value."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

LABELS = {
    "relative-magnitudes": ("Mbar", "DeltaRM", "C-LF",
                            "post-treatment violations of parallel trends at most Mbar times the largest "
                            "pre-treatment violation (between consecutive periods)"),
    "smoothness": ("M", "DeltaSD", "FLCI",
                   "the slope of the difference in trends changes by at most M between consecutive periods"),
}


# the plot's fixed words in the site's languages
PLOT_WORDS = {"en": {"original": "original", "ylabel": "{}% confidence interval",
                     "title": "Sensitivity to violations of parallel trends ({})"},
              "es": {"original": "original", "ylabel": "intervalo de confianza del {}%",
                     "title": "Sensibilidad a violaciones de tendencias paralelas ({})"}}
PARAMETER_SYMBOLS = {"Mbar": "M̄", "M": "M"}


def _num(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


@dataclass(frozen=True)
class SensitivityResult:
    """HonestDiD sensitivity of ``theta = l'tau_post`` to violations of parallel trends."""

    method: str  # "relative-magnitudes" or "smoothness"
    target: str  # "first-post", "average-post" or "custom"
    l_vec: np.ndarray
    grid: np.ndarray  # the M or Mbar values
    lb: np.ndarray
    ub: np.ndarray
    original: tuple[float, float]  # the usual CI under exact parallel trends
    estimate: float  # l'betahat_post
    std_error: float
    alpha: float
    num_pre: int
    num_post: int
    open_ended: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    theta_step: np.ndarray = field(default_factory=lambda: np.zeros(0))  # test-inversion grid step (C-LF)

    @property
    def parameter(self) -> str:
        return LABELS[self.method][0]

    @property
    def delta(self) -> str:
        return LABELS[self.method][1]

    @property
    def ci_method(self) -> str:
        return LABELS[self.method][2]

    @property
    def significant(self) -> bool:
        """Whether the original interval excludes 0."""
        return bool(self.original[0] > 0 or self.original[1] < 0)

    @property
    def breakdown(self) -> float | None:
        """The smallest grid value whose robust interval includes 0 (None if none does).

        Known only to the grid's resolution: the true breakdown lies between this value and the grid
        value before it (0 when it is the first value).
        """
        covers = (self.lb <= 0) & (self.ub >= 0)
        return float(self.grid[np.argmax(covers)]) if covers.any() else None

    @property
    def grid_resolution(self) -> float | None:
        return float(np.diff(np.sort(self.grid)).max()) if len(self.grid) > 1 else None

    def to_frame(self) -> pd.DataFrame:
        """One row per grid value: m, lb, ub, method, delta (tidy)."""
        return pd.DataFrame({
            "m": self.grid, "lb": self.lb, "ub": self.ub,
            "method": self.ci_method, "delta": self.delta, "target": self.target,
        })

    def to_dict(self) -> dict:
        """JSON-ready: method, target, intervals [{m, lb, ub}], breakdown and context."""
        return {
            "method": self.method,
            "target": self.target,
            "intervals": [{"m": float(m), "lb": _num(lo), "ub": _num(hi)}
                          for m, lo, hi in zip(self.grid, self.lb, self.ub)],
            "breakdown": self.breakdown,
            "breakdown_resolution": self.grid_resolution,
            "original_significant": bool(self.significant),
            "parameter": self.parameter,
            "ci_method": self.ci_method,
            "delta": self.delta,
            "alpha": self.alpha,
            "l_vec": [float(v) for v in self.l_vec],
            "num_pre_periods": self.num_pre,
            "num_post_periods": self.num_post,
            "original": {"estimate": float(self.estimate), "std_error": float(self.std_error),
                         "lb": float(self.original[0]), "ub": float(self.original[1])},
            "open_ended": [bool(v) for v in self.open_ended],
            "theta_grid_step": [float(v) for v in self.theta_step] or None,
        }

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.to_dict(), **kwargs)

    def summary(self) -> str:
        name, _, how, meaning = LABELS[self.method]
        level = round(100 * (1 - self.alpha))
        lines = [
            f"HonestDiD sensitivity ({self.delta}, {how}) of {self.target} effect "
            f"(l = {np.round(self.l_vec, 4).tolist()}), {self.num_pre} pre and {self.num_post} post periods",
            f"  original {level}% CI (exact parallel trends): [{self.original[0]:.4g}, {self.original[1]:.4g}]"
            f"  estimate {self.estimate:.4g} (SE {self.std_error:.3g})",
            f"  {name:>8}  {level}% robust CI",
        ]
        for m, lo, hi, op in zip(self.grid, self.lb, self.ub, self.open_ended):
            lines.append(f"  {m:>8.4g}  [{lo:.4g}, {hi:.4g}]" + ("  (reaches the grid edge)" if op else ""))
        bd = self.breakdown
        if not self.significant:
            lines.append("  breakdown: the original interval already includes 0")
        elif bd is None:
            lines.append(f"  breakdown: no {name} on the grid (up to {self.grid.max():.4g}) gives an interval with 0")
        else:
            lines.append(f"  breakdown: {name} = {bd:.4g} is the smallest grid value whose interval includes 0 "
                         f"(grid resolution {self.grid_resolution or 0:.4g})")
        if len(self.theta_step):
            lines.append(f"  the {how} bounds are points of the test-inversion grid of theta (step "
                         f"{self.theta_step.max():.2g} or finer)")
        lines.append(f"  assumes {meaning}; the data cannot confirm that assumption, only show what follows from it.")
        return "\n".join(lines)

    def plot(self, path: str | Path, title: str | None = None, lang: str = "en", source_note: str = "") -> Path:
        """HonestDiD's sensitivity plot: the original CI, then the robust CIs by M (PNG)."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from ..figures import LocaleFormatter, footnote, localize_axis, save

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        grid = np.asarray(self.grid, dtype=float)
        gap = float(np.diff(np.sort(grid)).min()) if len(grid) > 1 else max(abs(grid[0]), 1.0)
        x0 = grid.min() - gap
        fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
        width = gap / 4
        ax.errorbar([x0], [np.mean(self.original)], yerr=[[np.mean(self.original) - self.original[0]],
                                                          [self.original[1] - np.mean(self.original)]],
                    fmt="none", ecolor="#d62728", capsize=4, elinewidth=1.6, label=PLOT_WORDS[lang]["original"].capitalize())
        mid = (self.lb + self.ub) / 2
        ax.errorbar(grid, mid, yerr=[mid - self.lb, self.ub - mid], fmt="none", ecolor="#01a2d9",
                    capsize=4, elinewidth=1.6, label=self.ci_method)
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_xlim(x0 - width * 2, grid.max() + width * 2)
        ticks = [x0, *grid] if len(grid) <= 12 else [x0, *ax.get_xticks()[ax.get_xticks() >= grid.min()]]
        numbers = LocaleFormatter(lang)
        numbers.set_locs(ticks[1:])
        ax.set_xticks(ticks, [PLOT_WORDS[lang]["original"], *(numbers(t) for t in ticks[1:])])
        localize_axis(ax, lang, "y")
        ax.set_xlabel(PARAMETER_SYMBOLS.get(self.parameter, self.parameter))
        ax.set_ylabel(PLOT_WORDS[lang]["ylabel"].format(round(100 * (1 - self.alpha))))
        ax.set_title(title or PLOT_WORDS[lang]["title"].format(self.delta), fontsize=10)
        ax.legend(loc="upper left", fontsize=8, frameon=False, ncol=2)
        fig.tight_layout(rect=(0, footnote(fig, source_note), 1, 1))
        return save(fig, path)
