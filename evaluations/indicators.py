"""Indicator arithmetic shared by maps and trend tables: baseline vs later-period comparisons."""
from __future__ import annotations

import pandas as pd


def period_change(
    frame: pd.DataFrame, unit: str, time: str, count: str, population: str,
    baseline: tuple, post: tuple, per: float = 100_000, annualise: bool = True,
) -> pd.DataFrame:
    """Rate per `per` inhabitants in a baseline and a later period, and their difference, per unit.

    The rate of a period is total count / mean population × per, divided by the number of
    years in the period when `annualise` (months / 12), so periods of different length compare.
    """
    dates = pd.to_datetime(frame[time])
    rows = []
    for label, (start, end) in (("baseline", baseline), ("post", post)):
        mask = (dates >= pd.Timestamp(start)) & (dates <= pd.Timestamp(end))
        part = frame[mask]
        months = part[time].nunique()
        grouped = part.groupby(unit).agg(count=(count, "sum"), population=(population, "mean"))
        rate = grouped["count"] / grouped["population"] * per
        if annualise:
            rate = rate / (months / 12)
        rows.append(rate.rename(f"{label}_rate"))
    out = pd.concat(rows, axis=1)
    out["change"] = out["post_rate"] - out["baseline_rate"]
    return out.reset_index()
