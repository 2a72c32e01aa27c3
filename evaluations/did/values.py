"""How data values appear in error messages and result files of the difference-in-differences designs."""
from __future__ import annotations


def show_value(x) -> str:
    """A value for an error message: numpy scalars as plain numbers, strings quoted."""
    if hasattr(x, "item"):
        x = x.item()
    return repr(x) if isinstance(x, str) else str(x)


def plain_number(x) -> int | float:
    """A period or cohort value as written: whole numbers as int (2004, not 2004.0), others as float."""
    x = float(x)
    return int(x) if x.is_integer() else x
