"""The result of a synthetic DiD, synthetic control or DiD estimate."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from evaluations.synth.estimate import BlockPanel, Fit

LEVEL = 0.95


@dataclass
class SynthResult:
    """One estimate of the average effect on the treated units over the post periods.

    `unit_weights` are the control units' weights (omega) and `time_weights` the pre
    periods' weights (lambda; all zero for synthetic control, which compares with the
    plain post-period level). `std_error` is NaN when no standard error was asked for.
    """

    estimator: str
    outcome: str
    panel: BlockPanel
    fit: Fit
    std_error: float = math.nan
    se_method: str | None = None
    replications: int | None = None
    seed: int | None = None
    replicates: np.ndarray = field(default_factory=lambda: np.empty(0))

    @property
    def estimate(self) -> float:
        return self.fit.estimate

    @property
    def ci(self) -> tuple[float, float]:
        """Normal 95% interval, estimate ± z(0.975) × standard error."""
        q = float(stats.norm.ppf(0.5 + LEVEL / 2))
        return self.estimate - q * self.std_error, self.estimate + q * self.std_error

    @property
    def p_value(self) -> float:
        if not self.std_error > 0:
            return math.nan
        return float(2 * stats.norm.sf(abs(self.estimate / self.std_error)))

    @property
    def unit_weights(self) -> pd.Series:
        return pd.Series(self.fit.weights.omega, index=pd.Index(self.panel.units[: self.panel.n0], name="unit"),
                         name="omega")

    @property
    def time_weights(self) -> pd.Series:
        return pd.Series(self.fit.weights.lambda_, index=pd.Index(self.panel.times[: self.panel.t0], name="time"),
                         name="lambda")

    @property
    def treated_units(self) -> list:
        return list(self.panel.units[self.panel.n0:])

    def dimensions(self) -> dict[str, float]:
        """Group sizes and effective numbers of controls and pre periods (1 / sum of squared weights)."""
        omega, lam = self.fit.weights.omega, self.fit.weights.lambda_
        return {
            "n_treated": self.panel.n1, "n_control": self.panel.n0,
            "n_control_effective": float(1 / np.sum(omega**2)),
            "t_post": self.panel.t1, "t_pre": self.panel.t0,
            "t_pre_effective": float(1 / np.sum(lam**2)) if lam.any() else math.nan,
        }

    def effect_curve(self) -> pd.Series:
        """Per-post-period effects whose mean is the estimate."""
        p, wts = self.panel, self.fit.weights
        row = np.concatenate([-wts.omega, np.full(p.n1, 1.0 / p.n1)])
        gap = row @ p.Y
        return pd.Series(gap[p.t0:] - gap[: p.t0] @ wts.lambda_, index=pd.Index(p.times[p.t0:], name="time"),
                         name="effect")

    def tidy(self) -> pd.DataFrame:
        low, high = self.ci
        return pd.DataFrame([{
            "term": "att", "estimator": self.estimator, "estimate": self.estimate, "std_error": self.std_error,
            "statistic": self.estimate / self.std_error if self.std_error > 0 else math.nan,
            "p_value": self.p_value, "ci_low": low, "ci_high": high, "se_method": self.se_method,
            "replications": self.replications,
        }])

    def to_dict(self) -> dict:
        low, high = self.ci
        return {
            "estimator": self.estimator, "outcome": self.outcome,
            "att": {"estimate": json_value(self.estimate), "std_error": json_value(self.std_error),
                    "ci_low": json_value(low), "ci_high": json_value(high), "p_value": json_value(self.p_value)},
            "se_method": self.se_method, "replications": self.replications, "seed": self.seed,
            "unit_weights": {str(k): json_value(v) for k, v in self.unit_weights.items()},
            "time_weights": {str(k): json_value(v) for k, v in self.time_weights.items()},
            "treated_units": [str(u) for u in self.treated_units],
            "dimensions": {k: json_value(v) for k, v in self.dimensions().items()},
            "noise_level": json_value(self.fit.noise_level),
            "zeta_omega": json_value(self.fit.tuning.zeta_omega), "zeta_lambda": json_value(self.fit.tuning.zeta_lambda),
            "iterations": {"omega": self.fit.weights.iterations_omega, "lambda": self.fit.weights.iterations_lambda},
        }

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, **kwargs)

    def summary(self, weight_digits: int = 3, mass: float = 0.9) -> str:
        """Estimate, standard error and the largest weights, as R `summary.synthdid_estimate` lists them."""
        low, high = self.ci
        d = self.dimensions()
        se = "none" if self.se_method is None else f"{self.std_error:.4g} ({self.se_method}"
        if self.se_method in ("placebo", "bootstrap"):
            se += f", {self.replications} replications, seed {self.seed})"
        elif self.se_method is not None:
            se += ")"
        lines = [
            f"{self.estimator} — outcome: {self.outcome}",
            f"estimate {self.estimate:.4f}   std. error {se}",
            f"95% CI [{low:.4f}, {high:.4f}]" if self.std_error > 0 else "95% CI not computed",
            f"treated units {d['n_treated']}, controls {d['n_control']} "
            f"(effective {d['n_control_effective']:.{weight_digits}f}); post periods {d['t_post']}, "
            f"pre periods {d['t_pre']} (effective {d['t_pre_effective']:.{weight_digits}f})",
            "largest unit weights: " + _top(self.unit_weights, mass, weight_digits),
        ]
        if self.fit.weights.lambda_.any():
            lines.append("largest time weights: " + _top(self.time_weights, mass, weight_digits))
        return "\n".join(lines)

    def plot(self, path: str | Path, **kwargs) -> Path:
        """Treated and synthetic trajectories with the weighted pre period and the effect arrow."""
        from evaluations.synth.plots import plot_trajectories

        return plot_trajectories(self, path, **kwargs)

    def plot_units(self, path: str | Path, **kwargs) -> Path:
        """Each control unit's own DiD contrast, sized by its weight, with the estimate as a line."""
        from evaluations.synth.plots import plot_unit_contributions

        return plot_unit_contributions(self, path, **kwargs)


def _top(weights: pd.Series, mass: float, digits: int, most: int = 10) -> str:
    """The largest weights that together reach `mass`, at most `most` of them."""
    ordered = weights.sort_values(ascending=False, kind="stable")
    keep = int(np.searchsorted(ordered.cumsum().to_numpy(), mass) + 1)
    shown = [f"{k} {v:.{digits}f}" for k, v in ordered.iloc[:min(keep, most)].items() if v > 0]
    return ", ".join(shown) + (f", … ({keep - most} more)" if keep > most else "")


def json_value(value):
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, np.integer):
        return int(value)
    return value
