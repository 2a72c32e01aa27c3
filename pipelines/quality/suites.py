"""Run an expectation suite (expectations/*.yml) on a DataFrame with Great Expectations 1.x.

GE 1.x has no maintained Dagster integration (dagster-ge is pinned to GE < 1.0), so this small
adapter turns each expectation's outcome into a plain record; pipelines/assets/quality.py reports
those records as Dagster asset checks. No Dagster imports here.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd
import yaml

SEVERITIES = ("error", "warn")


@dataclass(frozen=True)
class Expectation:
    name: str
    type: str
    kwargs: dict
    severity: str
    description: str = ""
    value_set_from: dict | None = None


@dataclass(frozen=True)
class Suite:
    name: str
    asset: tuple[str, ...]
    table: str
    description: str
    expectations: tuple[Expectation, ...]
    path: Path


@dataclass
class ExpectationOutcome:
    suite: str
    name: str
    type: str
    severity: str
    success: bool
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    examples: list = field(default_factory=list)
    observed: object = None
    message: str = ""

    @property
    def blocking_failure(self) -> bool:
        return self.severity == "error" and not self.success


class SuiteFileError(ValueError):
    pass


def load_suite(path: Path) -> Suite:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    try:
        expectations = []
        for item in raw["expectations"]:
            if item["severity"] not in SEVERITIES:
                raise SuiteFileError(f"{path.name}: expectation {item['name']!r}: severity must be error or warn")
            expectations.append(Expectation(
                name=item["name"], type=item["type"], kwargs=dict(item.get("kwargs") or {}),
                severity=item["severity"], description=item.get("description", ""),
                value_set_from=item.get("value_set_from"),
            ))
        return Suite(raw["suite"], tuple(raw["asset"]), raw["table"], raw.get("description", ""), tuple(expectations), Path(path))
    except KeyError as missing:
        raise SuiteFileError(f"{Path(path).name}: missing key {missing}") from None


def load_suites(folder: Path) -> list[Suite]:
    return [load_suite(p) for p in sorted(Path(folder).glob("*.yml"))]


def _class_name(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))


def _jsonable(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def validate(suite: Suite, frame: pd.DataFrame, lookup_values: Callable[[str, str], list] | None = None) -> list[ExpectationOutcome]:
    """Validate `frame` against `suite`; `lookup_values(table, column)` resolves value_set_from."""
    import great_expectations as gx  # slow import (≈4 s): only when checks run

    frame = _with_datetime_columns(frame)

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    batch = (
        context.data_sources.add_pandas("bicentennial")
        .add_dataframe_asset(name=suite.name)
        .add_batch_definition_whole_dataframe("all_rows")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    outcomes = []
    for expectation in suite.expectations:
        kwargs = dict(expectation.kwargs)
        if expectation.value_set_from:
            if lookup_values is None:
                raise SuiteFileError(f"{suite.name}.{expectation.name}: value_set_from needs a warehouse lookup")
            kwargs["value_set"] = lookup_values(expectation.value_set_from["table"], expectation.value_set_from["column"])
        column = kwargs.get("column")
        if column in frame.columns and pd.api.types.is_datetime64_any_dtype(frame[column]):
            for bound in ("min_value", "max_value"):
                if isinstance(kwargs.get(bound), str):
                    kwargs[bound] = pd.Timestamp(kwargs[bound])
        try:
            config = getattr(gx.expectations, _class_name(expectation.type))(**kwargs)
        except AttributeError:
            raise SuiteFileError(f"{suite.path.name}: unknown expectation type {expectation.type!r}") from None
        result = batch.validate(config, result_format={"result_format": "SUMMARY", "partial_unexpected_count": 5})
        details = result.result or {}
        outcome = ExpectationOutcome(
            suite=suite.name, name=expectation.name, type=expectation.type, severity=expectation.severity,
            success=bool(result.success),
            unexpected_count=_jsonable(details.get("unexpected_count")),
            unexpected_percent=_jsonable(details.get("unexpected_percent")),
            examples=_jsonable(list(details.get("partial_unexpected_list") or [])[:5]),
            observed=_jsonable(details.get("observed_value")),
        )
        if result.exception_info and result.exception_info.get("raised_exception"):
            outcome.success = False
            outcome.message = re.sub(r"\s+", " ", str(result.exception_info.get("exception_message")))[:300]
        else:
            outcome.message = describe(outcome, expectation)
        outcomes.append(outcome)
    return outcomes


def _with_datetime_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """DuckDB DATE columns arrive as Python dates (object dtype); GE compares datetimes."""
    import datetime as dt

    converted = {}
    for column in frame.columns:
        if frame[column].dtype == object:
            sample = frame[column].dropna()
            if not sample.empty and isinstance(sample.iloc[0], dt.date):
                converted[column] = pd.to_datetime(frame[column])
    return frame.assign(**converted) if converted else frame


def describe(outcome: ExpectationOutcome, expectation: Expectation) -> str:
    column = expectation.kwargs.get("column") or expectation.kwargs.get("column_list") or ""
    if outcome.success:
        return f"{expectation.name}: passed"
    if outcome.unexpected_count is not None:
        return (f"{expectation.name}: {outcome.unexpected_count:,} unexpected value(s) in {column}"
                f"; e.g. {outcome.examples[:3]}")
    if outcome.observed is None:
        return f"{expectation.name}: could not be evaluated on this table"
    return f"{expectation.name}: failed (observed {outcome.observed!r})"
