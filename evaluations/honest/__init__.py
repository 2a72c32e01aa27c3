"""HonestDiD sensitivity analysis (Rambachan & Roth 2023) with R ``HonestDiD``'s conventions.

``honest_sensitivity(betahat, sigma, num_pre, num_post, method=..., grid=..., target=...)`` returns a
:class:`SensitivityResult` with robust confidence intervals under relative magnitudes (Delta^RM, the
conditional-least-favourable hybrid test of Andrews, Roth & Pakes) or smoothness (Delta^SD, the
fixed-length CI), the original CI, the breakdown value, a tidy frame, JSON and the sensitivity plot.
"""
from .api import METHODS, TARGETS, HonestInputError, honest_sensitivity, original_ci, target_vector
from .result import SensitivityResult

__all__ = [
    "METHODS", "TARGETS", "HonestInputError", "SensitivityResult", "honest_sensitivity", "original_ci",
    "target_vector",
]
