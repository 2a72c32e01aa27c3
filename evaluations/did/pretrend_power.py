"""Power of the pre-trend test against a hypothesised trend, and the bias it leaves (Roth 2022).

Roth, J. (2022), "Pretest with Caution: Event-Study Estimates after Testing for Parallel Trends", American
Economic Review: Insights 4(3), 305-322; conventions of his R package `pretrends`:

* the pre-test rejects when any pre-period coefficient is individually significant, ``|beta_j / se_j| > c``
  with ``c = 1.96`` (R's ``thresholdTstat.Pretest``); it passes when every pre-period coefficient lies in the box
  ``[-c se_j, c se_j]``;
* with event-study coefficients ``betahat ~ N(tau + delta, Sigma)``, the power against a hypothesised difference in
  trends ``delta`` is ``1 - P(beta_pre in box)`` (a multivariate normal rectangle probability, Genz's algorithm as
  R's `mvtnorm::pmvnorm`); the *size* is the same probability with ``delta = 0``;
* conditional on passing, ``E[beta_pre]`` is the mean of the normal truncated to the box (Tallis 1961,
  Manjunath & Wilhelm 2012, as `tmvtnorm::mtmvnorm`) and
  ``E[beta_post] = delta_post + Sigma_post,pre Sigma_pre^-1 (E[beta_pre | pass] - delta_pre)``: the bias of each
  post-period coefficient that survives the pre-test ("meanAfterPretesting");
* a linear trend is ``delta_t = slope (t - reference)``; `slope_for_power` is the slope whose power is the target
  (R `slope_for_power`, a magnitude). Bayes factor ``(1 - power) / (1 - size)``, likelihood ratio
  ``phi(betahat_pre; delta_pre) / phi(betahat_pre; 0)``.

``base="varying"`` (Callaway–Sant'Anna with a varying base period): each pre-period coefficient, the one at the
reference period included, is a one-period change, so a linear trend puts ``slope`` on every one of them; the
post-period coefficients are, as with a universal base, relative to the reference period.

The probabilities are computed to the absolute `tolerance` (scipy's Genz integration with a fixed seed, so the
same inputs give the same numbers).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize, stats

from .twfe import DidInputError

THRESHOLD = 1.96
TOLERANCE = 1e-6
BASES = ("universal", "varying")


def _box_probability(mean: np.ndarray, cov: np.ndarray, lower: np.ndarray, upper: np.ndarray,
                     tolerance: float) -> float:
    """P(lower <= X <= upper) for X ~ N(mean, cov)."""
    if len(mean) == 0:
        return 1.0
    if len(mean) == 1:
        sd = float(np.sqrt(max(cov[0, 0], 0.0)))
        if sd <= 1e-12 * max(1.0, abs(upper[0]), abs(lower[0])):     # degenerate: all mass at the mean
            return float(lower[0] <= mean[0] <= upper[0])
        return float(stats.norm.cdf(upper[0], mean[0], sd) - stats.norm.cdf(lower[0], mean[0], sd))
    p = stats.multivariate_normal.cdf(upper, mean=mean, cov=cov, lower_limit=lower, maxpts=1_000_000 * len(mean),
                                      abseps=tolerance, releps=0, allow_singular=True, rng=np.random.default_rng(0))
    return float(np.clip(p, 0.0, 1.0))


def _box(sigma_pre: np.ndarray, threshold: float) -> np.ndarray:
    return threshold * np.sqrt(np.diag(sigma_pre))


def rejection_probability(delta_pre, sigma_pre, threshold: float = THRESHOLD, tolerance: float = TOLERANCE) -> float:
    """Probability that some pre-period coefficient is individually significant when their mean is `delta_pre`."""
    delta_pre = np.asarray(delta_pre, float)
    sigma_pre = np.atleast_2d(np.asarray(sigma_pre, float))
    ub = _box(sigma_pre, threshold)
    return 1.0 - _box_probability(delta_pre, sigma_pre, -ub, ub, tolerance)


def truncated_mean(mean, cov, lower, upper, tolerance: float = TOLERANCE) -> np.ndarray:
    """Mean of N(mean, cov) truncated to the box [lower, upper] (Tallis' formula)."""
    mu = np.asarray(mean, float)
    cov = np.atleast_2d(np.asarray(cov, float))
    a, b = np.asarray(lower, float) - mu, np.asarray(upper, float) - mu
    k = len(mu)
    alpha = _box_probability(np.zeros(k), cov, a, b, tolerance)
    if alpha <= 0:
        raise DidInputError("the pre-test box has probability zero under the hypothesised trend")
    grad = np.zeros(k)
    for j in range(k):
        others = np.arange(k) != j
        s_jj = cov[j, j]
        beta = cov[others, j] / s_jj
        cond_cov = cov[np.ix_(others, others)] - np.outer(cov[others, j], cov[j, others]) / s_jj
        for x, sign in ((a[j], 1.0), (b[j], -1.0)):
            density = stats.norm.pdf(x, 0.0, np.sqrt(s_jj))
            if density == 0.0:
                continue
            rest = _box_probability(beta * x, cond_cov, a[others], b[others], tolerance) if k > 1 else 1.0
            grad[j] += sign * density * rest
    return mu + cov @ grad / alpha


def linear_trend(event_times, reference: int, slope: float, base: str = "universal") -> np.ndarray:
    """The coefficients' means under a linear difference in trends ``slope (t - reference)``."""
    if base not in BASES:
        raise DidInputError(f"base must be one of {BASES}, got {base!r}")
    t = np.asarray(event_times, float)
    delta = slope * (t - reference)
    if base == "varying":
        delta = np.where(t <= reference, slope, delta)
    return delta


def pre_period_mask(t_vec, reference: int, base: str = "universal") -> np.ndarray:
    """Which coefficients are pre-period ones: before the reference period, or, with a varying base, up to it."""
    t_vec = np.asarray(t_vec)
    return t_vec <= reference if base == "varying" else t_vec < reference


def _pre_mask(t_vec: np.ndarray, reference: int, base: str = "universal") -> np.ndarray:
    pre = pre_period_mask(t_vec, reference, base)
    if not pre.any():
        raise DidInputError(f"no pre-period coefficients: every relative time is at or after the reference {reference}")
    return pre


def slope_for_power(sigma_pre, target_power: float, t_pre, reference: int = -1, threshold: float = THRESHOLD,
                    base: str = "universal", tolerance: float = TOLERANCE) -> float | None:
    """Slope of a linear trend against which the pre-test has `target_power` (R `slope_for_power`).

    None when the pre-test rejects with at least that probability even under parallel trends (its size).
    """
    if not 0 < target_power < 1:
        raise DidInputError(f"target_power must be in (0, 1), got {target_power!r}")
    sigma_pre = np.atleast_2d(np.asarray(sigma_pre, float))
    t_pre = np.asarray(t_pre, float)
    if sigma_pre.shape != (len(t_pre), len(t_pre)):
        raise DidInputError(f"sigma_pre is {sigma_pre.shape}, but there are {len(t_pre)} pre-period relative times")
    _pre_mask(t_pre, reference, base)
    unit = linear_trend(t_pre, reference, 1.0, base)

    def gap(slope: float) -> float:
        return rejection_probability(slope * unit, sigma_pre, threshold, tolerance) - target_power

    if gap(0.0) >= 0:
        return None
    upper = 8 * float(np.sqrt(np.diag(sigma_pre)).max())
    while gap(upper) < 0:
        upper *= 2
    return float(optimize.brentq(gap, 0.0, upper, xtol=upper * tolerance * 1e-2, rtol=1e-10))


@dataclass
class PretrendPowerResult:
    """Power of the pre-test against `delta` and the coefficients' means after passing it."""

    event_times: np.ndarray
    betahat: np.ndarray
    std_errors: np.ndarray
    delta: np.ndarray                  # hypothesised difference in trends (mean of each coefficient)
    mean_after_pretest: np.ndarray     # E[coefficient | pre-test passed] when the truth is `delta`
    reference: int
    base: str
    threshold: float
    power: float
    size: float
    bayes_factor: float
    likelihood_ratio: float
    slope: float | None                # slope of the hypothesised linear trend (None for a general delta)
    slope_50: float | None
    slope_80: float | None
    notes: list[str] = field(default_factory=list)

    @property
    def post(self) -> np.ndarray:
        return self.event_times > self.reference

    @property
    def bias_post(self) -> np.ndarray:
        """Bias of each post-period coefficient conditional on passing the pre-test."""
        return self.mean_after_pretest[self.post]

    @property
    def bias_post_average(self) -> float:
        """Bias of the average of the post-period coefficients, conditional on passing."""
        return float(self.bias_post.mean())

    def to_frame(self) -> pd.DataFrame:
        """One row per coefficient, the reference period included as zero (R's ``df_eventplot``)."""
        frame = pd.DataFrame({"event_time": self.event_times, "estimate": self.betahat, "std_error": self.std_errors,
                              "hypothesised_trend": self.delta, "mean_after_pretest": self.mean_after_pretest})
        if self.base == "universal" and self.reference not in set(self.event_times.tolist()):
            frame.loc[len(frame)] = [self.reference, 0.0, 0.0, 0.0, 0.0]
        frame["event_time"] = frame["event_time"].astype(int)
        return frame.sort_values("event_time").reset_index(drop=True)

    def to_dict(self) -> dict:
        def num(x):
            return None if x is None or not np.isfinite(x) else float(x)
        return {
            "power": num(self.power), "size": num(self.size), "bayes_factor": num(self.bayes_factor),
            "likelihood_ratio": num(self.likelihood_ratio), "slope": num(self.slope),
            "slope_50": num(self.slope_50), "slope_80": num(self.slope_80), "threshold": self.threshold,
            "reference_period": self.reference, "base_period": self.base,
            "bias_post_average": num(self.bias_post_average),
            "coefficients": [{k: (int(v) if k == "event_time" else num(v)) for k, v in row.items()}
                             for row in self.to_frame().to_dict("records")],
            "notes": list(self.notes),
        }

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.to_dict(), **kwargs)

    def summary(self) -> str:
        def fmt(x):
            return "n/a" if x is None else f"{x:.4g}"
        trend = f"linear trend, slope {fmt(self.slope)}" if self.slope is not None else "hypothesised trend"
        lines = [
            f"Pre-trend power (Roth 2022): pre-test = no pre-period coefficient with |t| > {self.threshold:g}",
            f"power against the {trend}: {self.power:.4f}  (size under parallel trends {self.size:.4f})",
            f"Bayes factor {self.bayes_factor:.4f}  likelihood ratio {self.likelihood_ratio:.4g}",
            f"slope detected with 50% power: {fmt(self.slope_50)}; with 80% power: {fmt(self.slope_80)}",
            f"bias of the average post-period coefficient after passing: {self.bias_post_average:.4g}",
            f"{'t':>5}{'estimate':>12}{'std.err':>10}{'trend':>12}{'after pretest':>15}",
        ]
        for r in self.to_frame().itertuples(index=False):
            lines.append(f"{r.event_time:>5d}{r.estimate:>12.4f}{r.std_error:>10.4f}{r.hypothesised_trend:>12.4f}"
                         f"{r.mean_after_pretest:>15.4f}")
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)

    def plot(self, path: str | Path, title: str | None = None, ylabel: str | None = None, xlabel: str | None = None,
             lang: str = "en") -> Path:
        """Event-study coefficients with 95% intervals, the hypothesised trend and the means after pre-testing,
        in `lang` (the fixed words and number format of evaluations.figures)."""
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from .. import figures
        frame = self.to_frame()
        fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
        ax.axhline(0, color="grey", lw=0.8)
        ax.errorbar(frame["event_time"], frame["estimate"], yerr=1.96 * frame["std_error"], fmt="o", color="black",
                    capsize=2, label=figures.word("estimate_ci", lang))
        ax.plot(frame["event_time"], frame["hypothesised_trend"], "^-", color="tab:red",
                label=figures.word("hypothesised_trend", lang))
        ax.plot(frame["event_time"], frame["mean_after_pretest"], "s--", color="tab:blue",
                label=figures.word("after_pretest", lang))
        figures.localize_axis(ax, lang, "both")
        ax.set(title=title or figures.word("pretrend_title", lang), xlabel=xlabel or figures.word("periods_since_treatment", lang),
               ylabel=ylabel or figures.word("coefficient", lang))
        ax.legend(frameon=False, fontsize=8)
        fig.tight_layout()
        return figures.save(fig, path)


def _ratio(log_a: float, log_b: float) -> float:
    """exp(log_a - log_b); NaN when both densities are zero (the estimate lies off a singular covariance's support)."""
    if not (np.isfinite(log_a) or np.isfinite(log_b)):
        return float("nan")
    with np.errstate(over="ignore"):
        return float(np.exp(log_a - log_b))


def pretrend_power(betahat, sigma, t_vec, reference: int = -1, slope: float | None = None, delta=None,
                   threshold: float = THRESHOLD, base: str = "universal",
                   tolerance: float = TOLERANCE) -> PretrendPowerResult:
    """Roth's (2022) power analysis of the pre-test for one hypothesised trend (R `pretrends`).

    `t_vec` are the coefficients' relative times (the reference period omitted, or, with ``base="varying"``,
    estimated); the hypothesised trend is the linear ``slope (t - reference)`` or any vector `delta`. Without
    either, the trend is the linear one against which the pre-test has 80% power.
    """
    beta = np.asarray(betahat, float).ravel()
    sigma = np.atleast_2d(np.asarray(sigma, float))
    t_vec = np.asarray(t_vec).astype(int).ravel()
    if sigma.shape != (len(beta), len(beta)) or len(t_vec) != len(beta):
        raise DidInputError(f"betahat ({len(beta)}), sigma {sigma.shape} and t_vec ({len(t_vec)}) do not match")
    if not np.allclose(sigma, sigma.T, rtol=1e-8, atol=1e-14) or np.any(np.diag(sigma) <= 0):
        raise DidInputError("sigma must be a symmetric covariance matrix with positive variances")
    if slope is not None and delta is not None:
        raise DidInputError("give either slope or delta, not both")
    pre = _pre_mask(t_vec, reference, base)
    post = t_vec > reference
    sigma_pre = sigma[np.ix_(pre, pre)]
    slope_50 = slope_for_power(sigma_pre, 0.5, t_vec[pre], reference, threshold, base, tolerance)
    slope_80 = slope_for_power(sigma_pre, 0.8, t_vec[pre], reference, threshold, base, tolerance)
    notes = []
    if slope is None and delta is None:
        slope = slope_80
        if slope is None:
            raise DidInputError("the pre-test rejects with probability >= 80% even under parallel trends; give a slope")
        notes.append("hypothesised trend: the linear trend the pre-test detects with 80% probability")
    if delta is None:
        assert slope is not None   # set above when neither was given
        delta = linear_trend(t_vec, reference, float(slope), base)
    delta = np.asarray(delta, float).ravel()
    if len(delta) != len(beta):
        raise DidInputError(f"delta has {len(delta)} entries, betahat {len(beta)}")
    power = rejection_probability(delta[pre], sigma_pre, threshold, tolerance)
    size = rejection_probability(np.zeros(pre.sum()), sigma_pre, threshold, tolerance)
    if size > 0.05 + 1e-9:
        notes.append(f"the pre-test rejects with probability {size:.2f} under parallel trends ({int(pre.sum())} "
                     f"pre-period coefficients each at |t| > {threshold:g})")
    rank = int(np.linalg.matrix_rank(sigma_pre, rtol=1e-10, hermitian=True))
    if rank < pre.sum():
        notes.append(f"the pre-period coefficients' covariance is singular (rank {rank} of {int(pre.sum())}): "
                     f"densities and projections use its pseudo-inverse")
    likelihood = stats.multivariate_normal(mean=delta[pre], cov=sigma_pre, allow_singular=True).logpdf(beta[pre])
    likelihood_0 = stats.multivariate_normal(mean=np.zeros(pre.sum()), cov=sigma_pre,
                                             allow_singular=True).logpdf(beta[pre])
    ub = _box(sigma_pre, threshold)
    mean_pre = truncated_mean(delta[pre], sigma_pre, -ub, ub, tolerance)
    mean_after = delta.copy()
    mean_after[pre] = mean_pre
    shift = sigma[np.ix_(post, pre)] @ np.linalg.pinv(sigma_pre, rtol=1e-10, hermitian=True) @ (mean_pre - delta[pre])
    mean_after[post] = delta[post] + shift
    if base == "varying":
        notes.append("pre-period coefficients are one-period changes (varying base period)")
    return PretrendPowerResult(
        event_times=t_vec, betahat=beta, std_errors=np.sqrt(np.diag(sigma)), delta=delta,
        mean_after_pretest=mean_after, reference=int(reference), base=base, threshold=float(threshold),
        power=power, size=size, bayes_factor=(1 - power) / (1 - size),
        likelihood_ratio=_ratio(likelihood, likelihood_0), slope=None if slope is None else float(slope),
        slope_50=slope_50, slope_80=slope_80, notes=notes,
    )
