"""Standard errors for synthetic DiD (Arkhangelsky et al. 2021, Algorithms 2–4; R `synthdid::vcov`).

- ``placebo`` (Algorithm 4): the treated units are dropped and as many control units, drawn
  at random, are relabelled treated; the estimator is rerun with the original options and
  the standard error is the standard deviation of the placebo estimates. The only method
  for a single treated unit; needs more control than treated units.
- ``bootstrap`` (Algorithm 2): units are resampled with replacement (draws with no control
  or no treated unit are redrawn) and the weights re-estimated, starting from the
  original unit weights renormalised over the drawn controls.
- ``jackknife`` (Algorithm 3): each unit is left out in turn with the weights held fixed
  (unit weights renormalised). Not recommended for synthetic control.

Bootstrap and placebo standard errors use the 1/B denominator, as synthdid does, and a
numpy generator seeded by the caller, so a seed gives the same standard error every run.
"""
from __future__ import annotations

import numpy as np

from evaluations.synth.estimate import BlockPanel, Fit, SynthInputError, estimate_stack
from evaluations.synth.weights import SharedGram, sum_normalize, unit_gram

SE_METHODS = ("placebo", "bootstrap", "jackknife")
CHUNK_CELLS = 4_000_000


def check_se_options(panel: BlockPanel, fit: Fit | None, se: str, replications: int) -> None:
    """Raise SynthInputError naming the option when `se` cannot be computed on `panel` (and `fit`, when given)."""
    if se not in SE_METHODS:
        raise SynthInputError(f"se must be one of {', '.join(SE_METHODS)} or None; got {se!r}")
    if se in ("placebo", "bootstrap") and (isinstance(replications, bool) or not isinstance(replications, int)
                                           or replications < 2):
        raise SynthInputError(f"replications must be an integer of at least 2 for se={se!r}; got {replications!r}")
    if se in ("bootstrap", "jackknife") and panel.n1 < 2:
        raise SynthInputError(
            f"se={se!r} needs at least 2 treated units; the panel has {panel.n1} (use se='placebo')"
        )
    if se == "placebo" and panel.n0 <= panel.n1:
        raise SynthInputError(
            f"se='placebo' needs more control units than treated units; the panel has {panel.n0} control "
            f"and {panel.n1} treated"
        )
    if se == "jackknife" and fit is not None and np.count_nonzero(fit.weights.omega) < 2:
        raise SynthInputError("se='jackknife' needs at least 2 control units with non-zero weight")


def standard_error(
    panel: BlockPanel, fit: Fit, se: str, replications: int = 200, seed: int | None = 0,
) -> tuple[float, np.ndarray]:
    """The standard error by method `se` and the replicate estimates it was computed from."""
    check_se_options(panel, fit, se, replications)
    if se == "jackknife":
        return jackknife(panel, fit)
    rng = np.random.default_rng(seed)
    draws = placebo(panel, fit, replications, rng) if se == "placebo" else bootstrap(panel, fit, replications, rng)
    return float(np.std(draws, ddof=0)), draws


def placebo(panel: BlockPanel, fit: Fit, replications: int, rng: np.random.Generator) -> np.ndarray:
    """Placebo estimates on the control units only, `panel.n1` of them relabelled treated at random."""
    controls = panel.Y[: panel.n0]
    n0 = panel.n0 - panel.n1
    orders = np.stack([rng.permutation(panel.n0) for _ in range(replications)])
    starts = np.stack([sum_normalize(fit.weights.omega[o[:n0]]) for o in orders])
    return _in_chunks(controls[orders], n0, panel.t0, fit, starts, _gram(panel, fit), orders[:, :n0])


def bootstrap(panel: BlockPanel, fit: Fit, replications: int, rng: np.random.Generator) -> np.ndarray:
    """Estimates on unit resamples drawn with replacement, redrawing those without both groups.

    Draws with the same number of control units are solved together; the estimates keep the
    order of the draws.
    """
    n = panel.Y.shape[0]
    draws: list[np.ndarray] = []
    while len(draws) < replications:
        draw = np.sort(rng.integers(0, n, n))
        n_control = int((draw < panel.n0).sum())
        if 0 < n_control < n:
            draws.append(draw)
    stacked = np.stack(draws)
    n_controls = (stacked < panel.n0).sum(axis=1)
    out = np.empty(replications)
    gram = _gram(panel, fit)
    for n0 in np.unique(n_controls):
        which = np.flatnonzero(n_controls == n0)
        starts = np.stack([sum_normalize(fit.weights.omega[d[:n0]]) for d in stacked[which]])
        out[which] = _in_chunks(panel.Y[stacked[which]], int(n0), panel.t0, fit, starts, gram, stacked[which, :n0])
    return out


def _gram(panel: BlockPanel, fit: Fit) -> np.ndarray | None:
    """The control units' A'A for the unit weights of every resample, when they are re-estimated."""
    if not fit.tuning.update_omega:
        return None
    return unit_gram(panel.Y, panel.n0, panel.t0, fit.tuning.omega_intercept)


def _in_chunks(
    Y: np.ndarray, n0: int, t0: int, fit: Fit, starts: np.ndarray, gram: np.ndarray | None, controls: np.ndarray,
) -> np.ndarray:
    """Estimates on the stack `Y`, solved a bounded number of panels at a time to cap memory.

    `controls` gives, for each panel, the rows of the original panel its control units are;
    with `gram`, their unit-weight problems take A'A from it instead of recomputing it.
    """
    size = max(1, CHUNK_CELLS // (Y.shape[1] * Y.shape[2]))
    lam = np.broadcast_to(fit.weights.lambda_, (Y.shape[0], t0))
    out = np.empty(Y.shape[0])
    for lo in range(0, Y.shape[0], size):
        hi = lo + size
        shared = None if gram is None else SharedGram(gram, controls[lo:hi])
        out[lo:hi] = estimate_stack(Y[lo:hi], n0, t0, fit.tuning, starts[lo:hi], lam[lo:hi], shared)
    return out


def jackknife(panel: BlockPanel, fit: Fit) -> tuple[float, np.ndarray]:
    """Leave-one-unit-out estimates with fixed weights and the jackknife standard error.

    With the time weights fixed, each unit enters the estimate through one number,
    z_u = Y_u (lambda_target - lambda); leaving a control out renormalises omega over the
    others, leaving a treated unit out averages the other treated z. So every leave-one-out
    estimate comes from z and omega in O(units) instead of one pass over the panel each.
    """
    n, n0 = panel.Y.shape[0], panel.n0
    omega = np.asarray(fit.weights.omega, dtype=float)
    t1 = panel.Y.shape[1] - panel.t0
    col = np.concatenate([-np.asarray(fit.weights.lambda_, dtype=float), np.full(t1, 1.0 / t1)])
    z = panel.Y @ col
    zc, zt = z[:n0], z[n0:]
    control = float(omega @ zc)
    out = np.empty(n)
    rest = omega.sum() - omega
    others_zero = np.count_nonzero(omega) - (omega != 0) == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        out[:n0] = zt.mean() - np.where(others_zero, (zc.sum() - zc) / (n0 - 1), (control - omega * zc) / rest)
    out[n0:] = (zt.sum() - zt) / (len(zt) - 1) - control
    se = float(np.sqrt((n - 1) / n * (n - 1) * np.var(out, ddof=1)))
    return se, out
