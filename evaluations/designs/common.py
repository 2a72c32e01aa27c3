"""What every design's runner shares: the result skeleton (docs/RESULT_SCHEMA.md), estimate rows, the
spec's rows and its monthly series."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..publication import enforce_baseline
from ..spec_model import EvaluationSpec, SpecError


@dataclass
class EvaluationOutput:
    """A result.json payload (without `quality`, which the pipeline adds), the tables to write as CSV
    (file name -> DataFrame) and the figures to draw (file name -> function of the output path)."""

    result: dict
    tables: dict = field(default_factory=dict)
    figures: dict = field(default_factory=dict)


# How a result names its units when the spec gives no `data.unit_label` (after their count, or a single series)
MUNICIPALITIES = {"en": "municipalities", "es": "municipios"}
UNITS = {"en": "units", "es": "unidades"}
GROUPS = {"en": "groups", "es": "grupos"}
NATIONAL = {"en": "national", "es": "nacional"}


def _est(est: dict, id_: str, label: dict, units: dict | None = None, estimator: str | None = None) -> dict:
    out = {"id": id_, "label": label, **{k: _clean_num(est.get(k)) for k in ("estimate", "std_error", "ci_low", "ci_high", "p_value")}}
    if units:
        out["units"] = units
    if estimator:
        out["estimator"] = estimator
    return out


def _clean_num(x):
    if x is None:
        return None
    x = float(x)
    return x if x == x and abs(x) != float("inf") else None


def _skeleton(spec: EvaluationSpec, unit: dict[str, str], start, end, n_units, n_obs) -> dict:
    """The result's fields every design fills the same way; `unit` names the units unless the spec's
    `data.unit_label` does."""
    return {
        "schema": 1, "name": spec.name, "title": spec.title, "goal": spec.goal, "line_of_action": spec.line_of_action,
        "design": spec.design, "simulated": spec.data.simulated,
        "data": {"sources": spec.data.source_texts(), "tables": [spec.data.table], "unit": spec.data.unit_label or unit,
                 "period": {"start": None if start is None else str(pd.Timestamp(start).date()),
                            "end": None if end is None else str((pd.Timestamp(end) + pd.offsets.MonthEnd(0)).date())},
                 "n_units": int(n_units), "n_obs": int(n_obs)},
        "headline": None, "estimates": [], "diagnostics": {}, "baseline_comparison": None,
        "reading": {"en": "", "es": ""}, "figures": [], "tables": [], "results": {},
    }


def select_rows(spec: EvaluationSpec, frame: pd.DataFrame, query: str | None = None) -> pd.DataFrame:
    """The spec's rows: its `filter` (a pandas query), an extra query, and the start/end window."""
    d = spec.data
    data = frame
    for q in (d.filter, query):
        if q:
            try:
                data = data.query(q)
            except Exception as error:  # pandas raises many kinds for a bad expression
                raise SpecError(f"{spec.name}: filter {q!r} cannot be applied to {d.table} ({error})") from None
    for col in [d.time]:
        if col not in data.columns:
            raise SpecError(f"{spec.name}: column {col!r} not in {d.table}")
    dates = pd.to_datetime(data[d.time])
    keep = pd.Series(True, index=data.index)
    if d.start:
        keep &= dates >= pd.Timestamp(d.start)
    if d.end:
        keep &= dates <= pd.Timestamp(d.end)
    return data[keep]


def monthly_series(spec: EvaluationSpec, frame: pd.DataFrame, query: str | None = None, by: str | None = None):
    """Sum of `value` per month (and per `by`); with data.per_100k, sum(value) / sum(population) × 100,000
    over the rows that report the value. Months where no row reports the value are missing."""
    d = spec.data
    data = select_rows(spec, frame, query).copy()
    for col in [d.value] + ([d.per_100k] if d.per_100k else []) + ([by] if by else []):
        if col not in data.columns:
            raise SpecError(f"{spec.name}: column {col!r} not in {d.table}")
    data["_period"] = pd.to_datetime(data[d.time])
    keys = ["_period"] + ([by] if by else [])
    value = pd.to_numeric(data[d.value], errors="coerce")
    grouped = value.groupby([data[k] for k in keys]).sum(min_count=1)
    if d.per_100k:
        pop = pd.to_numeric(data[d.per_100k], errors="coerce").where(value.notna())
        grouped = grouped / pop.groupby([data[k] for k in keys]).sum(min_count=1) * 100_000
    return grouped.rename("value")


def month_index(values: pd.Series) -> pd.Series:
    """Months since year 0 (so consecutive months differ by 1); missing stays missing."""
    dates = pd.to_datetime(values)
    return (dates.dt.year * 12 + dates.dt.month - 1).astype("Int64")


def _baseline(spec: EvaluationSpec, series: pd.Series):
    from ..trends import baseline_comparison

    months = spec.estimators.options("trend").baseline_months
    return baseline_comparison(series, baseline_months=months, name=spec.name)


def _trend_block(spec: EvaluationSpec, series: pd.Series) -> tuple[dict | None, dict | None]:
    """The baseline comparison as it may be published (publication rules enforced) and its change estimate
    (None when either window is too short); None when the series does not cover both windows."""
    comparison = _baseline(spec, series)
    block = dict(comparison.to_dict(), change_estimate=comparison.change_estimate)
    if not (block["baseline"] and block["post"]):
        return None, None
    block = enforce_baseline(block)
    return block, block.pop("change_estimate")
