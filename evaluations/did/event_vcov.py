"""Event-study coefficients with their full covariance matrix, the input of pre-trend power (Roth 2022) and
HonestDiD sensitivity (Rambachan & Roth 2023).

* TWFE event study (`event_study`): the event-time dummies' covariance as reported (linearmodels' clustered
  covariance, times the fixest small-sample factor under ``ssc="fixest"``); reference period -1 omitted.
* Callaway–Sant'Anna dynamic aggregation: ``Sigma = S'S / n^2``, where ``S`` holds the influence functions of the
  event-time effects (the ATT(g,t) influence functions combined with the aggregation weights, plus the term for
  the estimated cohort shares), summed within clusters when the estimate is clustered. This is R `did`'s
  ``aggte(type = "dynamic")$inf.function$dynamic.inf.func.e`` turned into a covariance as HonestDiD does
  (``crossprod(IF) / n^2``); its diagonal is the square of the analytic standard errors. With a bootstrapped
  estimate the covariance is still the analytic one.

With ``base_period="universal"`` the CS reference period ``-1 - anticipation`` is an exact zero and is dropped;
with ``base_period="varying"`` every pre-period coefficient is a one-period change (from e - 1 to e), so
``base == "varying"`` is recorded and the caller must build hypothesised trends accordingly
(`pretrend_power.linear_trend` does).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .bootstrap import cluster_sums
from .cs_result import CSResult
from .pretrend_power import pre_period_mask
from .results import RegressionResult
from .twfe import DidInputError

SOURCES = ("twfe", "cs_dynamic")


@dataclass(frozen=True)
class EventCovariance:
    """Event-time coefficients sorted by relative time, the reference period left out.

    Unpacks as ``betahat, sigma, event_times, reference = ...``.
    """

    betahat: np.ndarray          # (k,)
    sigma: np.ndarray            # (k, k)
    event_times: np.ndarray      # (k,) integer relative times
    reference: int               # omitted (TWFE, CS universal) or base (CS varying) period
    source: str                  # "twfe" or "cs_dynamic"
    base: str = "universal"      # "universal" or "varying" (CS one-period pre-period changes)

    def __iter__(self):
        return iter((self.betahat, self.sigma, self.event_times, self.reference))

    @property
    def pre(self) -> np.ndarray:
        """Mask of the pre-period coefficients: relative time below the reference period or, with a varying base
        (one-period changes), up to it."""
        return pre_period_mask(self.event_times, self.reference, self.base)

    @property
    def post(self) -> np.ndarray:
        """Mask of the coefficients after the reference period (anticipation periods included)."""
        return self.event_times > self.reference

    @property
    def std_errors(self) -> np.ndarray:
        return np.sqrt(np.clip(np.diag(self.sigma), 0.0, None))

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"event_time": self.event_times, "estimate": self.betahat, "std_error": self.std_errors})


def coefficient_covariance(fit, terms: list[str], rename: dict[str, str] | None = None,
                           factor: float | None = None) -> pd.DataFrame:
    """The covariance of `terms` of a linearmodels fit, scaled by `factor` (the fixest small-sample factor that
    `twfe.coefficients_of` applies to the standard errors), labelled with the renamed terms."""
    cov = fit.cov.loc[terms, terms] * (1.0 if factor is None else float(factor))
    names = [(rename or {}).get(t, t) for t in terms]
    return pd.DataFrame(cov.to_numpy(), index=names, columns=names)


def twfe_event_vcov(result) -> EventCovariance:
    """From an `event_study` result: the ``event_time=e`` coefficients and their covariance."""
    if result.covariance is None:
        raise DidInputError("the event-study result carries no covariance matrix (estimate it with event_study)")
    terms = [c.term for c in result.coefficients if c.term.startswith("event_time=")]
    if not terms:
        raise DidInputError("the result has no event_time= coefficients")
    times = np.array([int(t.split("=", 1)[1]) for t in terms])
    order = np.argsort(times, kind="stable")
    terms = [terms[i] for i in order]
    beta = np.array([result.coefficient(t).estimate for t in terms])
    sigma = result.covariance.loc[terms, terms].to_numpy(dtype=float)
    reference = int(result.extra.get("reference_period", -1))
    return EventCovariance(beta, sigma, times[order], reference, "twfe")


def cs_event_vcov(result, balance_e: int | None = None, min_e: float = -np.inf,
                  max_e: float = np.inf) -> EventCovariance:
    """From a `CSResult`: the dynamic (event-time) aggregation and its influence-function covariance."""
    agg = result.aggregate("dynamic", balance_e=balance_e, min_e=min_e, max_e=max_e)
    A, C, Ind, pg = agg._by_terms
    influence = np.asarray(A.T @ result._if.T).T + Ind @ C - pg @ C
    n = influence.shape[0]
    sums = cluster_sums(influence, result._cluster_codes, result.n_clusters)
    sigma = sums.T @ sums / n**2
    times = agg.by["event_time"].to_numpy().astype(int)
    beta = agg.by["estimate"].to_numpy(dtype=float)
    reference = -1 - int(result.anticipation)
    keep = np.ones(len(times), bool)
    if result.base_period == "universal":
        keep = times != reference
    return EventCovariance(beta[keep], sigma[np.ix_(keep, keep)], times[keep], reference, "cs_dynamic",
                           base=result.base_period)


def event_vcov(result, **kwargs) -> EventCovariance:
    """`twfe_event_vcov` for an event-study `RegressionResult`, `cs_event_vcov` for a `CSResult`."""
    if isinstance(result, RegressionResult) and result.design == "event_study":
        return twfe_event_vcov(result)
    if isinstance(result, CSResult):
        return cs_event_vcov(result, **kwargs)
    raise DidInputError(f"event_vcov needs an event-study or Callaway-Sant'Anna result, got {type(result).__name__}")
