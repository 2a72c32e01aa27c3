"""HonestDiD sensitivity of a TWFE event study (``evaluations.did.event_study``) and its CLI options."""
from __future__ import annotations

import numpy as np

from ..did.event_vcov import event_vcov
from ..did.twfe import DidInputError
from .api import HonestInputError, honest_sensitivity
from .result import SensitivityResult

BINNING_NOTE = ("event times beyond --window are pooled into the end coefficients; the sensitivity treats each "
                "coefficient as one period")


def parse_grid(text: str, option: str) -> list[float]:
    """``"0.5,1,1.5"`` -> [0.5, 1.0, 1.5]; one-line errors name ``option``."""
    parts = [p.strip() for p in str(text).split(",")]
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise HonestInputError(f"{option} must be comma-separated numbers, got {text!r}") from None
    if not values or not np.isfinite(values).all():
        raise HonestInputError(f"{option} must be comma-separated finite numbers, got {text!r}")
    negative = [v for v in values if v < 0]
    if negative:
        raise HonestInputError(f"{option} must not contain negative values, got {negative[0]:g}")
    return values


def event_study_inputs(result) -> tuple[np.ndarray, np.ndarray, int, int, list[int]]:
    """``betahat`` (pre then post, reference excluded), ``sigma``, counts and event times of an event study
    (TWFE) or a Callaway–Sant'Anna fit, from `evaluations.did.event_vcov`."""
    try:
        cov = event_vcov(result)
    except DidInputError as error:
        raise HonestInputError(str(error)) from None
    times = [int(e) for e in cov.event_times]
    reference = cov.reference
    num_pre = sum(e < reference for e in times)
    num_post = sum(e > reference for e in times)
    expected = list(range(reference - num_pre, reference)) + list(range(reference + 1, reference + 1 + num_post))
    if times != expected:
        raise HonestInputError(f"event times must be consecutive around the reference {reference}, got {times}")
    return cov.betahat, cov.sigma, num_pre, num_post, times


def event_study_sensitivity(result, method: str, grid=None, target: str = "first-post",
                            alpha: float = 0.05) -> SensitivityResult:
    """Sensitivity of the event study's first post period (event time 0) or post-period average."""
    beta, sigma, num_pre, num_post, times = event_study_inputs(result)
    if num_pre < 2:
        raise HonestInputError(f"--sensitivity needs at least 2 pre-treatment event times besides the reference "
                               f"-1; --window gives {num_pre} ({', '.join(str(e) for e in times if e < -1) or 'none'})")
    return honest_sensitivity(beta, sigma, num_pre, num_post, method=method, grid=grid, target=target, alpha=alpha)


def cli_sensitivity_options(args) -> tuple[str, list[float] | None] | None:
    """``bicentennial did --design event-study --sensitivity ...``: the method and grid, checked before fitting."""
    method = getattr(args, "sensitivity", None)
    mbar, m = getattr(args, "mbar", None), getattr(args, "m_grid", None)
    if method is None:
        for option, value in (("--mbar", mbar), ("--m", m)):
            if value is not None:
                raise HonestInputError(f"{option} needs --sensitivity")
        return None
    if args.design != "event-study":
        raise HonestInputError(f"--sensitivity applies to --design event-study, not {args.design}")
    if method == "relative-magnitudes":
        if m is not None:
            raise HonestInputError("--m is the smoothness grid; relative-magnitudes takes --mbar")
        grid = parse_grid(mbar, "--mbar") if mbar is not None else None
    else:
        if mbar is not None:
            raise HonestInputError("--mbar is the relative-magnitudes grid; smoothness takes --m")
        grid = parse_grid(m, "--m") if m is not None else None
    return method, grid
