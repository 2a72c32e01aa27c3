"""Difference-in-differences estimators: TWFE, event study (and Callaway–Sant'Anna, diagnostics)."""
from .event_study import event_study, event_study_table
from .results import Coefficient, RegressionResult
from .twfe import DidInputError, twfe

__all__ = ["Coefficient", "DidInputError", "RegressionResult", "event_study", "event_study_table", "twfe"]
