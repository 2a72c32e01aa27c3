"""Run an expectation suite (expectations/*.yml) on a DataFrame with Great Expectations 1.x.

GE 1.x has no maintained Dagster integration (dagster-ge is pinned to GE < 1.0), so this small
adapter turns each expectation's outcome into a plain record; pipelines/assets/quality.py reports
those records as Dagster asset checks. No Dagster imports here.
"""
from __future__ import annotations

import functools
import itertools
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import yaml

SEVERITIES = ("error", "warn")
# libyaml's loader when PyYAML was built with it (same safe subset, several times faster: the suites are
# read by every raw asset and check)
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Expectation:
    name: str
    type: str
    kwargs: dict
    severity: str
    description: str = ""
    value_set_from: dict | None = None
    quarantine: bool = False

    @property
    def columns(self) -> list[str]:
        kwargs = self.kwargs
        return [c for c in [kwargs.get("column"), *(kwargs.get("column_list") or [])] if c]


@dataclass(frozen=True)
class Suite:
    name: str
    asset: tuple[str, ...]
    table: str
    description: str
    expectations: tuple[Expectation, ...]
    path: Path
    derived: dict = field(default_factory=dict)
    file_header: dict | None = None

    @property
    def is_raw(self) -> bool:
        return self.table.startswith("raw.")


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
    evaluated: bool = True
    quarantined: int = 0

    @property
    def blocking_failure(self) -> bool:
        return self.severity == "error" and not self.success


class SuiteFileError(ValueError):
    pass


FILE_PARSES = "file_parses"
# Expectations that judge single rows: their failing rows can be quarantined.
ROW_LEVEL_PREFIXES = ("expect_column_values_", "expect_compound_columns_to_be_unique", "expect_select_column_values_")


def load_suite(path: Path) -> Suite:
    path = Path(path)
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    try:
        expectations = []
        derived = dict(raw.get("derived") or {})
        for item in raw["expectations"]:
            if item["severity"] not in SEVERITIES:
                raise SuiteFileError(f"{path.name}: expectation {item['name']!r}: severity must be error or warn")
            if item["name"] == FILE_PARSES:
                raise SuiteFileError(f"{path.name}: {FILE_PARSES!r} is reserved (every raw suite has it)")
            quarantine = bool(item.get("quarantine", False))
            if quarantine and not str(raw["table"]).startswith("raw."):
                raise SuiteFileError(f"{path.name}: expectation {item['name']!r}: only raw tables quarantine rows")
            if quarantine and not item["type"].startswith(ROW_LEVEL_PREFIXES):
                raise SuiteFileError(f"{path.name}: expectation {item['name']!r}: {item['type']} is not row-level, cannot quarantine")
            expectation = Expectation(
                name=item["name"], type=item["type"], kwargs=dict(item.get("kwargs") or {}),
                severity=item["severity"], description=item.get("description", ""),
                value_set_from=item.get("value_set_from"), quarantine=quarantine,
            )
            expectations.append(expectation)
        names = [e.name for e in expectations]
        if len(set(names)) != len(names):
            raise SuiteFileError(f"{path.name}: expectation names must be unique")
        header = raw.get("file_header")
        if header is not None and not (isinstance(header, dict) and isinstance(header.get("columns"), list)):
            raise SuiteFileError(f"{path.name}: file_header needs columns (a list), and optionally delimiter and encoding")
        return Suite(raw["suite"], tuple(raw["asset"]), raw["table"], raw.get("description", ""),
                     tuple(expectations), path, derived, header)
    except KeyError as missing:
        raise SuiteFileError(f"{path.name}: missing key {missing}") from None
    except TypeError:
        raise SuiteFileError(f"{path.name}: not a suite (expected keys suite, asset, table, expectations)") from None


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


def validate(suite: Suite, frame: pd.DataFrame, lookup_values: Callable[[str, str], list] | None = None,
             table_columns: list[str] | None = None) -> list[ExpectationOutcome]:
    """Validate `frame` against `suite`; `lookup_values(table, column)` resolves value_set_from.

    `table_columns` (the table's full column list) lets the caller pass only the columns the
    expectations read; schema expectations are then judged on those names."""
    import great_expectations as gx  # slow import (≈4 s): only when checks run

    frame = _with_datetime_columns(frame)
    derived = [c for c in suite.derived if c in frame.columns]

    source = _pandas_source()

    definition = source.add_dataframe_asset(name=f"{suite.name}_{next(_ASSET_IDS)}").add_batch_definition_whole_dataframe("all_rows")
    base_columns = [c for c in frame.columns if c not in derived]

    def batch_data(expectation: Expectation) -> tuple[str, pd.DataFrame | None]:
        """GE copies and hashes the whole DataFrame it is given, so each batch holds only the columns
        its expectations read: (group, data); data None for a column-set group (built once its members are known)."""
        if expectation.type.startswith("expect_table_row_count"):
            return "row_count", frame[base_columns[:1]]
        if expectation.type.startswith(("expect_table_column", "expect_column_to_exist")):
            schema = pd.DataFrame(columns=table_columns) if table_columns is not None else frame[base_columns].head(0)
            return "schema", schema
        needed = expectation.columns
        if needed and all(c in frame.columns for c in needed):
            return "columns " + ", ".join(sorted(set(needed))), None
        # A column the frame lacks (or none named): alone on every column, so GE reports its own error.
        return f"missing {expectation.name}", frame[base_columns]

    outcomes: dict[str, ExpectationOutcome] = {}
    groups: dict[tuple[str, bool], list] = {}
    for expectation in suite.expectations:
        kwargs = dict(expectation.kwargs)
        if expectation.value_set_from:
            if lookup_values is None:
                raise SuiteFileError(f"{suite.name}.{expectation.name}: value_set_from needs a warehouse lookup")
            try:
                kwargs["value_set"] = lookup_values(expectation.value_set_from["table"], expectation.value_set_from["column"])
            except LookupError as missing:
                outcomes[expectation.name] = ExpectationOutcome(
                    suite=suite.name, name=expectation.name, type=expectation.type, severity=expectation.severity,
                    success=False, message=f"{expectation.name}: not evaluated ({missing})", evaluated=False)
                continue
        column = kwargs.get("column")
        if column in frame.columns and pd.api.types.is_datetime64_any_dtype(frame[column]):
            for bound in ("min_value", "max_value"):
                if isinstance(kwargs.get(bound), str):
                    kwargs[bound] = pd.Timestamp(kwargs[bound])
        try:
            config = getattr(gx.expectations, _class_name(expectation.type))(**kwargs, meta={"name": expectation.name})
        except AttributeError:
            raise SuiteFileError(f"{suite.path.name}: unknown expectation type {expectation.type!r}") from None
        kind, data = batch_data(expectation)
        # A summary only (counts and the first examples): the failing rows of quarantining expectations are
        # found in DuckDB (pipelines/quality/quarantine.py), never as one Python list per row.
        groups.setdefault(kind, [data, []])[1].append((expectation, config))

    # One GE suite per batch: GE then builds one metric graph and computes each metric once for all
    # the expectations on the same columns, instead of once per expectation.
    for kind, (data, members) in groups.items():
        as_float = set()
        if data is None:
            data, as_float = _fast_comparable(frame, members)
        gx_suite = gx.ExpectationSuite(name=f"{suite.name}_{kind}", expectations=[config for _, config in members])
        result_format = {"result_format": "SUMMARY", "partial_unexpected_count": 5}
        results = definition.get_batch(batch_parameters={"dataframe": data}).validate(gx_suite, result_format=result_format)
        by_name = {r.expectation_config.meta["name"]: r for r in results.results}
        for expectation, _ in members:
            whole = expectation.kwargs.get("column") in as_float
            outcomes[expectation.name] = _outcome(suite, expectation, by_name[expectation.name], whole)
    return [outcomes[e.name] for e in suite.expectations]


def _outcome(suite: Suite, expectation: Expectation, result, whole_numbers: bool = False) -> ExpectationOutcome:
    """`whole_numbers`: the column was a nullable integer one compared as float64 (_fast_comparable);
    its failing values are reported as the whole numbers they are."""
    details = result.result or {}
    examples = list(details.get("partial_unexpected_list") or [])[:5]
    outcome = ExpectationOutcome(
        suite=suite.name, name=expectation.name, type=expectation.type, severity=expectation.severity,
        success=bool(result.success),
        unexpected_count=_jsonable(details.get("unexpected_count")),
        unexpected_percent=_jsonable(details.get("unexpected_percent")),
        examples=[int(v) for v in examples] if whole_numbers else _jsonable(examples),
        observed=_jsonable(details.get("observed_value")),
    )
    if result.exception_info and result.exception_info.get("raised_exception"):
        outcome.success = False
        outcome.message = re.sub(r"\s+", " ", str(result.exception_info.get("exception_message")))[:300]
    else:
        outcome.message = describe(outcome, expectation)
    return outcome


# GE's column_values_between compares whole columns only for int64, float64 and datetime64[ns]; any other
# dtype (DuckDB's int32, datetime64[us], nullable Int64) goes value by value through Series.map, 20-100x slower.
_VECTORIZED_BETWEEN = {"i": "int64", "u": "int64", "M": "datetime64[ns]"}
# Expectations whose outcome does not depend on the width of a column's dtype, only on its values.
_DTYPE_BLIND = ("expect_column_values_to_be_between", "expect_column_values_to_not_be_null")
_EXACT_IN_FLOAT = 2**53


def _fast_comparable(frame: pd.DataFrame, members: list) -> tuple[pd.DataFrame, set[str]]:
    """The columns `members` read, those read only by between/not-null expectations widened to a dtype GE
    compares vectorised, and the names of the nullable integer columns among them made float64.

    Widening int32->int64 and datetime64[us]->[ns] keeps every value (dates 1677-2262). A nullable integer
    column (DuckDB's integers with NULLs) read only by between expectations with numeric bounds becomes
    float64 (NULL -> NaN, which GE leaves out as it leaves out NA) when every value is below 2**53 in size,
    so exact in float64: pass/fail and counts are the same, and the caller turns the reported values
    back into the whole numbers they are."""
    columns = list(dict.fromkeys(c for e, _ in members for c in e.columns))
    readers = {c: [e for e, _ in members if c in e.columns] for c in columns}
    data = frame[columns]
    widened, as_float = {}, set()
    for c in columns:
        if not all(e.type in _DTYPE_BLIND for e in readers[c]):
            continue
        values = data[c]
        dtype = values.dtype
        target = _VECTORIZED_BETWEEN.get(getattr(dtype, "kind", ""))
        if isinstance(dtype, np.dtype) and target and dtype != np.dtype(target) and not (dtype.kind == "u" and dtype.itemsize == 8):
            try:
                widened[c] = values.astype(target)
            except pd.errors.OutOfBoundsDatetime:  # a date nanoseconds cannot hold: compared value by value as before
                pass
        elif (pd.api.types.is_integer_dtype(dtype) and not isinstance(dtype, np.dtype)
              and all(e.type == "expect_column_values_to_be_between" and _numeric_bounds(e) for e in readers[c])
              and not (values.abs() >= _EXACT_IN_FLOAT).any()):
            widened[c] = values.astype("float64")
            as_float.add(c)
    return (data.assign(**widened) if widened else data), as_float


def _numeric_bounds(expectation: Expectation) -> bool:
    bounds = [expectation.kwargs.get(k) for k in ("min_value", "max_value")]
    return all(b is None or isinstance(b, (int, float)) and not isinstance(b, bool) for b in bounds)


_ASSET_IDS = itertools.count()


@functools.lru_cache(maxsize=1)
def _pandas_source():
    """One ephemeral GE context per process (creating one costs about a second)."""
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    return context.data_sources.add_pandas("bicentennial")


def _with_datetime_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """DuckDB DATE columns arrive as Python dates (object dtype); GE compares datetimes."""
    import datetime as dt

    converted = {}
    for column in frame.columns:
        if frame[column].dtype == object:
            present = frame[column].notna().to_numpy()  # the first value present, as dropna().iloc[0] without a copy
            if present.any() and isinstance(frame[column].iloc[present.argmax()], dt.date):
                converted[column] = pd.to_datetime(frame[column])
    return frame.assign(**converted) if converted else frame


def outcome_record(outcome: ExpectationOutcome) -> dict:
    """The JSON-able record of an outcome (results files, Dagster metadata)."""
    return dict(outcome.__dict__)


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
