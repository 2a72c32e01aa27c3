"""Synthetic difference-in-differences, synthetic control and DiD in one framework.

Arkhangelsky, Athey, Hirshberg, Imbens & Wager (2021), "Synthetic Difference-in-Differences",
American Economic Review 111(12); options and numerical conventions follow the R package
`synthdid` (regularisation, Frank–Wolfe stopping rule, sparsification, intercepts, and the
placebo, bootstrap and jackknife standard errors).

    >>> result = synthdid(df, unit="State", time="Year", outcome="PacksPerCapita", treatment="treated",
    ...                   estimator="sdid", se="placebo", replications=200, seed=1)
    >>> result.estimate, result.std_error, result.ci
"""
from __future__ import annotations

import math

import pandas as pd

from evaluations.synth.estimate import ESTIMATORS, BlockPanel, SynthInputError, fit_panel, panel_matrices
from evaluations.synth.inference import SE_METHODS, check_se_options, standard_error
from evaluations.synth.result import SynthResult
from evaluations.synth.staggered import StaggeredResult, synthdid_staggered

__all__ = [
    "ESTIMATORS", "SE_METHODS", "BlockPanel", "StaggeredResult", "SynthInputError", "SynthResult", "panel_matrices",
    "synthdid", "synthdid_panel", "synthdid_staggered",
]


def synthdid(
    df: pd.DataFrame, unit: str, time: str, outcome: str, treatment: str, estimator: str = "sdid",
    se: str | None = "placebo", replications: int = 200, seed: int | None = 0,
) -> SynthResult:
    """Estimate the average effect on the treated with `estimator` ("sdid", "sc" or "did").

    `df` is a balanced long panel; `treatment` is 0/1 and switches on for every treated unit in
    the same period. `se` is "placebo" (the one method for a single treated unit), "bootstrap",
    "jackknife" or None; `replications` and `seed` drive the placebo and bootstrap draws.
    """
    panel = panel_matrices(df, unit, time, outcome, treatment)
    return synthdid_panel(panel, outcome, estimator, se, replications, seed)


def synthdid_panel(
    panel: BlockPanel, outcome: str = "outcome", estimator: str = "sdid", se: str | None = "placebo",
    replications: int = 200, seed: int | None = 0,
) -> SynthResult:
    """As `synthdid`, on a panel already in block form."""
    if se is not None:
        check_se_options(panel, None, se, replications)
    fit = fit_panel(panel, estimator)
    if se is None:
        return SynthResult(estimator, outcome, panel, fit)
    std_error, draws = standard_error(panel, fit, se, replications, seed)
    reps = replications if se != "jackknife" else None
    return SynthResult(estimator, outcome, panel, fit, std_error if math.isfinite(std_error) else math.nan,
                       se, reps, seed if se != "jackknife" else None, draws)
