"""Synthetic DiD, synthetic control and DiD on a block design (Arkhangelsky et al. 2021, Algorithm 1).

The three estimators share one formula, tau = (omega_target - omega)' Y (lambda_target - lambda),
and differ only in their weights, following R `synthdid`:

- ``sdid``: unit weights with ridge zeta_omega = (N_treated × T_post)^(1/4) × noise level and an
  intercept; time weights with zeta_lambda = 1e-6 × noise level and an intercept;
- ``sc``: unit weights with zeta_omega = 1e-6 × noise level and no intercept; no time weights;
- ``did``: uniform unit and time weights.

The noise level is the standard deviation of the first differences of the control units'
pre-period outcomes; the stopping threshold is 1e-5 × noise level.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from evaluations.synth import weights as w

ESTIMATORS = ("sdid", "sc", "did")


class SynthInputError(ValueError):
    """Input a synthetic-DiD estimate cannot use; the message names the option or column."""


@dataclass(frozen=True)
class BlockPanel:
    """Outcomes as a units × periods matrix, control units first, treated units last, periods in order."""

    Y: np.ndarray
    n0: int
    t0: int
    units: list
    times: list

    @property
    def n1(self) -> int:
        return self.Y.shape[0] - self.n0

    @property
    def t1(self) -> int:
        return self.Y.shape[1] - self.t0


@dataclass(frozen=True)
class Fit:
    """One point estimate with the weights and the options that produced it."""

    estimator: str
    estimate: float
    weights: w.Weights
    tuning: w.Tuning
    noise_level: float


def panel_matrices(df: pd.DataFrame, unit: str, time: str, outcome: str, treatment: str) -> BlockPanel:
    """Reshape a balanced long panel with simultaneous adoption into a `BlockPanel`.

    Rows are sorted with never-treated units first, then by unit label; columns by time,
    as R `synthdid::panel.matrices` does. Units and times are coded once (`pd.factorize`,
    sorted) and the matrices filled by those codes, without a pandas pivot.
    """
    missing = [c for c in (unit, time, outcome, treatment) if c not in df.columns]
    if missing:
        raise SynthInputError(f"panel has no column {missing[0]!r} (columns: {list(df.columns)})")
    for column in (unit, time, outcome, treatment):
        bad = df[column].isna().to_numpy()
        if bad.any():
            raise SynthInputError(f"column {column!r} is missing at row {int(np.flatnonzero(bad)[0])}")
    values = set(pd.unique(df[treatment]))
    if not values <= {0, 1, True, False}:
        raise SynthInputError(f"column {treatment!r} must be 0/1; found {sorted(map(str, values))[:5]}")
    if len(values) < 2:
        raise SynthInputError(f"column {treatment!r} has no variation: every row is {next(iter(values))}")
    unit_code, units = pd.factorize(df[unit], sort=True)
    time_code, times = pd.factorize(df[time], sort=True)
    cell = unit_code * len(times) + time_code
    rows_per_cell = np.bincount(cell, minlength=len(units) * len(times))
    if (rows_per_cell > 1).any():
        order = np.argsort(cell, kind="stable")
        repeated = order[1:][cell[order[1:]] == cell[order[:-1]]]
        row = int(repeated.min())
        raise SynthInputError(f"panel has two rows for {unit}={df[unit].iloc[row]!r}, {time}={df[time].iloc[row]!r} (row {row})")
    if (rows_per_cell == 0).any():
        u, t = divmod(int(np.flatnonzero(rows_per_cell == 0)[0]), len(times))
        raise SynthInputError(f"panel is not balanced: no row for {unit}={units[u]!r}, {time}={times[t]!r}")
    Y = np.empty((len(units), len(times)))
    Y[unit_code, time_code] = df[outcome].to_numpy(dtype=float)
    Wm = np.empty((len(units), len(times)), dtype=bool)
    Wm[unit_code, time_code] = df[treatment].to_numpy().astype(bool)
    treated = Wm.any(axis=1)
    first = int(np.flatnonzero(Wm.any(axis=0))[0])
    if first == 0:
        raise SynthInputError(
            f"no pre-treatment periods: column {treatment!r} is 1 in the first period {times[0]!r}"
        )
    adoption_ok = not Wm[~treated].any() and not Wm[:, :first].any() and Wm[treated, first:].all()
    if not adoption_ok:
        raise SynthInputError(
            f"column {treatment!r}: adoption is not simultaneous (treated units must all switch on at "
            f"{time}={times[first]!r} and stay treated)"
        )
    order = np.lexsort((np.arange(len(units)), treated))
    return BlockPanel(
        Y=Y[order], n0=int((~treated).sum()), t0=first, units=[units[i] for i in order], times=list(times),
    )


def validate(panel: BlockPanel) -> None:
    """Reject designs the estimators cannot use, naming what is short."""
    if panel.t0 < 2:
        raise SynthInputError(f"need at least 2 pre-treatment periods; the panel has {panel.t0}")
    if panel.t1 < 1 or panel.n1 < 1:
        raise SynthInputError("need at least one treated unit and one post-treatment period")
    if panel.n0 < 2:
        raise SynthInputError(f"need at least 2 control units; the panel has {panel.n0}")
    if not np.isfinite(panel.Y).all():
        u, t = np.argwhere(~np.isfinite(panel.Y))[0]
        raise SynthInputError(f"outcome is not finite for unit {panel.units[u]!r} at time {panel.times[t]!r}")


def default_tuning(panel: BlockPanel, estimator: str) -> tuple[w.Tuning, float]:
    """The options R `synthdid` uses for `estimator`, with the noise level they are scaled by."""
    if estimator not in ESTIMATORS:
        raise SynthInputError(f"estimator must be one of {', '.join(ESTIMATORS)}; got {estimator!r}")
    sigma = w.noise_level(panel.Y, panel.n0, panel.t0)
    eta_omega = (panel.n1 * panel.t1) ** 0.25 if estimator == "sdid" else 1e-6
    tuning = w.Tuning(
        zeta_omega=eta_omega * sigma, zeta_lambda=1e-6 * sigma,
        omega_intercept=estimator != "sc", lambda_intercept=True,
        update_omega=estimator != "did", update_lambda=estimator == "sdid",
        min_decrease=1e-5 * sigma,
    )
    return tuning, sigma


def initial_weights(estimator: str, n0: int, t0: int) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Fixed weights of the estimator (None where they are estimated)."""
    if estimator == "did":
        return np.full(n0, 1.0 / n0), np.full(t0, 1.0 / t0)
    if estimator == "sc":
        return None, np.zeros(t0)
    return None, None


def tau(Y: np.ndarray, n0: int, t0: int, omega: np.ndarray, lambda_: np.ndarray) -> float:
    """(omega_target - omega)' Y (lambda_target - lambda) with uniform target weights."""
    n1, t1 = Y.shape[0] - n0, Y.shape[1] - t0
    row = np.concatenate([-omega, np.full(n1, 1.0 / n1)])
    col = np.concatenate([-lambda_, np.full(t1, 1.0 / t1)])
    return float(row @ Y @ col)


def tau_stack(Y: np.ndarray, n0: int, t0: int, omega: np.ndarray, lambda_: np.ndarray) -> np.ndarray:
    """`tau` for each panel of a stack (panels, units, periods) with weights (panels, n0) and (panels, t0)."""
    m, n, t = Y.shape
    row = np.concatenate([-omega, np.full((m, n - n0), 1.0 / (n - n0))], axis=1)
    col = np.concatenate([-lambda_, np.full((m, t - t0), 1.0 / (t - t0))], axis=1)
    return np.einsum("rn,rnt,rt->r", row, Y, col)


def estimate_stack(
    Y: np.ndarray, n0: int, t0: int, tuning: w.Tuning, omega: np.ndarray | None, lambda_: np.ndarray | None,
    unit_gram: w.SharedGram | None = None,
) -> np.ndarray:
    """Estimates on a stack of panels of one shape, weights solved together (starting values per panel)."""
    omegas, lambdas, _, _ = w.solve_stack(Y, n0, t0, tuning, omega, lambda_, unit_gram)
    return tau_stack(Y, n0, t0, omegas, lambdas)


def fit_block(
    Y: np.ndarray, n0: int, t0: int, estimator: str, tuning: w.Tuning, noise: float,
    omega: np.ndarray | None = None, lambda_: np.ndarray | None = None,
) -> Fit:
    """Weights and estimate on matrix `Y` with the given options (used for the estimate and its resamples)."""
    weights = w.solve(Y, n0, t0, tuning, omega, lambda_)
    return Fit(estimator, tau(Y, n0, t0, weights.omega, weights.lambda_), weights, tuning, noise)


def fit_panel(panel: BlockPanel, estimator: str = "sdid") -> Fit:
    """The `estimator` estimate on `panel` with R `synthdid`'s default options."""
    validate(panel)
    tuning, sigma = default_tuning(panel, estimator)
    omega, lambda_ = initial_weights(estimator, panel.n0, panel.t0)
    return fit_block(panel.Y, panel.n0, panel.t0, estimator, tuning, sigma, omega, lambda_)
