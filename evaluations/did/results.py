"""Result objects for regression-based designs (in the spirit of linearmodels' results)."""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from scipy import stats


@dataclass
class Coefficient:
    term: str
    estimate: float
    std_error: float
    t_stat: float
    p_value: float
    ci_low: float
    ci_high: float


@dataclass
class RegressionResult:
    """One estimated regression design with its headline term.

    `coefficients` keeps every regressor; `headline` names the term reported as the
    effect (the treatment dummy for TWFE). Counts of what was used and what was
    dropped are part of the result, never hidden.
    """

    design: str
    outcome: str
    headline: str | None
    coefficients: list[Coefficient]
    n_obs: int
    n_units: int
    n_periods: int
    n_clusters: int | None
    vcov: str
    dropped_rows: int = 0
    notes: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)
    covariance: pd.DataFrame | None = field(default=None, repr=False, compare=False)   # of the coefficients, as reported

    def coefficient(self, term: str) -> Coefficient:
        for c in self.coefficients:
            if c.term == term:
                return c
        raise KeyError(f"no coefficient {term!r}; terms: {[c.term for c in self.coefficients]}")

    @property
    def att(self) -> Coefficient:
        if self.headline is None:
            raise ValueError(f"{self.design} has no single headline term")
        return self.coefficient(self.headline)

    def tidy(self) -> pd.DataFrame:
        return pd.DataFrame([asdict(c) for c in self.coefficients])

    def to_dict(self) -> dict:
        out = {
            "design": self.design, "outcome": self.outcome, "n_obs": self.n_obs, "n_units": self.n_units,
            "n_periods": self.n_periods, "n_clusters": self.n_clusters, "vcov": self.vcov,
            "dropped_rows": self.dropped_rows, "notes": list(self.notes),
            "coefficients": {c.term: {k: _clean(v) for k, v in asdict(c).items() if k != "term"} for c in self.coefficients},
        }
        if self.headline is not None:
            out["att"] = {k: _clean(v) for k, v in asdict(self.att).items() if k != "term"}
        out.update(self.extra)
        return out

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, **kwargs)

    def summary(self) -> str:
        lines = [
            f"{self.design} — outcome: {self.outcome}",
            f"observations {self.n_obs:,}  units {self.n_units:,}  periods {self.n_periods:,}"
            + (f"  clusters {self.n_clusters:,}" if self.n_clusters else "") + f"  vcov {self.vcov}",
        ]
        if self.dropped_rows:
            lines.append(f"dropped rows: {self.dropped_rows:,}")
        lines.append(f"{'term':<24}{'estimate':>12}{'std.err':>12}{'p':>8}{'95% CI':>26}")
        for c in self.coefficients:
            lines.append(
                f"{c.term:<24}{c.estimate:>12.5g}{c.std_error:>12.5g}{c.p_value:>8.3f}"
                f"{f'[{c.ci_low:.4g}, {c.ci_high:.4g}]':>26}"
            )
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)


def _clean(value):
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return None if math.isnan(value) else value
    return value


def coefficient(term: str, estimate: float, std_error: float, df: int | None = None, level: float = 0.95) -> Coefficient:
    """A coefficient with its t statistic, p-value and CI (t with df when given, else normal)."""
    t = estimate / std_error if std_error > 0 else float("nan")
    dist = stats.t(df) if df else stats.norm()
    p = float(2 * dist.sf(abs(t)))
    q = float(dist.ppf(0.5 + level / 2))
    return Coefficient(term, float(estimate), float(std_error), float(t), p, estimate - q * std_error, estimate + q * std_error)
