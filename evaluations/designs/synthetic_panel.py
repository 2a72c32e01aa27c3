"""The balanced unit × period panel a `synthetic_did` spec asks for, from its warehouse table.

Rules, stated in the result so the page can print them:
- the spec's rows (`data.filter`, `data.start`/`data.end`) are summed per unit and period;
- a unit is treated when its rows match `data.treated` (a pandas query); a unit whose rows disagree is refused;
- balance: a unit is kept only when it has a value in every period of the window (a reported zero counts as a
  value, a missing row or a missing value does not); the units left out are listed;
- the outcome is put on the spec's scale (`none`, `log`, `log1p`); `log` refuses zeros and negatives.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..spec_model import EvaluationSpec, SpecError
from ..synth import BlockPanel, SynthInputError, panel_matrices
from .common import select_rows

TRANSFORMS: dict[str, Callable[[pd.Series], pd.Series]] = {"none": lambda y: y, "log": np.log, "log1p": np.log1p}


@dataclass
class SyntheticPanel:
    """The block panel (control units first), the long table it came from and what was left out."""

    block: BlockPanel
    long: pd.DataFrame                      # unit, period (Timestamp), label, value (raw), outcome (on the scale), treated
    dropped: list[dict] = field(default_factory=list)   # [{unit, periods_with_value, periods}]
    frequency: str = "month"                 # "month" or "year" (one period a year)

    @property
    def labels(self) -> list[str]:
        return list(self.block.times)


def period_label(period: pd.Timestamp, frequency: str) -> str:
    """How a period is named in tables and on the time axis: YYYY-MM, or YYYY when the panel has one period a year."""
    return f"{period.year}" if frequency == "year" else f"{period.year}-{period.month:02d}"


def _frequency(periods: pd.DatetimeIndex) -> str:
    if len(periods) > 1 and (periods.month == periods[0].month).all():
        return "year"
    return "month"


def build_panel(spec: EvaluationSpec, frame: pd.DataFrame, break_date: pd.Timestamp, transform: str) -> SyntheticPanel:
    """The balanced panel of `spec` with units treated from `break_date`; SpecError naming the spec when it cannot be built."""
    d = spec.data
    assert d.unit is not None and d.outcome is not None and d.treated is not None  # spec_model.REQUIRED_DATA
    data = select_rows(spec, frame)
    for column in (d.unit, d.outcome):
        if column not in data.columns:
            raise SpecError(f"{spec.name}: column {column!r} not in {d.table}")
    if data.empty:
        raise SpecError(f"{spec.name}: no rows in {d.table} after the filter")
    try:
        flagged = data.eval(d.treated)
    except Exception as error:  # pandas raises many kinds for a bad expression
        raise SpecError(f"{spec.name}: data.treated {d.treated!r} cannot be applied to {d.table} ({error})") from None
    flagged = pd.Series(np.asarray(flagged, dtype=bool), index=data.index)
    by_unit = flagged.groupby(data[d.unit]).agg(["min", "max"])
    mixed = by_unit.index[by_unit["min"] != by_unit["max"]]
    if len(mixed):
        raise SpecError(f"{spec.name}: data.treated marks only some rows of unit {mixed[0]!r} as treated")
    treated_units = set(by_unit.index[by_unit["max"]])
    period = pd.to_datetime(data[d.time])
    value = pd.to_numeric(data[d.outcome], errors="coerce")
    long = (value.groupby([data[d.unit], period]).sum(min_count=1)
            .rename("value").rename_axis(["unit", "period"]).reset_index())
    periods = pd.DatetimeIndex(sorted(long["period"].unique()))
    counts = long.dropna(subset=["value"]).groupby("unit")["period"].nunique()
    units = sorted(long["unit"].unique())
    kept = [u for u in units if counts.get(u, 0) == len(periods)]
    dropped = [{"unit": str(u), "periods_with_value": int(counts.get(u, 0)), "periods": len(periods)}
               for u in units if u not in kept]
    long = long[long["unit"].isin(kept)].copy()
    if transform == "log" and (long["value"] <= 0).any():
        row = long[long["value"] <= 0].iloc[0]
        raise SpecError(f"{spec.name}: estimators.synthetic.transform 'log' needs positive values; unit "
                        f"{row['unit']!r} has {row['value']} in {row['period']:%Y-%m} (use log1p)")
    long["outcome"] = TRANSFORMS[transform](long["value"].astype(float))
    frequency = _frequency(periods)
    long["label"] = [period_label(p, frequency) for p in long["period"]]
    long["treated"] = long["unit"].isin(treated_units)
    long["_w"] = (long["treated"] & (long["period"] >= break_date)).astype(int)
    n_treated = long.loc[long["treated"], "unit"].nunique()
    if n_treated == 0 or n_treated == len(kept):
        raise SpecError(f"{spec.name}: data.treated {d.treated!r} leaves {n_treated} treated of {len(kept)} balanced "
                        f"units; a synthetic comparison needs both treated and control units")
    try:
        block = panel_matrices(long, "unit", "label", "outcome", "_w")
    except SynthInputError as error:
        raise SpecError(f"{spec.name}: {error}") from None
    return SyntheticPanel(block, long.drop(columns="_w"), dropped, frequency)
