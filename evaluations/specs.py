"""Evaluation specs: each evaluation is a small YAML file in evaluations/specs/.

A spec says which table to read, the outcome, unit, time, treatment cohort, clustering and the
estimators with their options; `run_did_spec` turns a DataFrame into results. Evaluators can
override estimator options at launch (Dagster run config) through `with_overrides`.
"""
from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from .did import event_study, event_study_table, twfe
from .did.results import RegressionResult

SPEC_DIR = Path(__file__).resolve().parent / "specs"
ESTIMATOR_OPTIONS = {
    "twfe": {"vcov": str},
    "event_study": {"window": list, "bin_endpoints": bool, "vcov": str},
}


class SpecError(ValueError):
    pass


@dataclass(frozen=True)
class EvaluationSpec:
    name: str
    title: dict
    goal: str
    line_of_action: str
    design: str
    data: dict
    estimators: dict
    map: dict | None = None
    spatial: dict | None = None
    path: Path | None = None

    def with_overrides(self, overrides: dict) -> "EvaluationSpec":
        """A copy with estimator options replaced; unknown estimators or options are refused by name."""
        estimators = copy.deepcopy(self.estimators)
        for estimator, options in (overrides or {}).items():
            if estimator not in ESTIMATOR_OPTIONS:
                raise SpecError(f"unknown estimator {estimator!r}; expected one of {sorted(ESTIMATOR_OPTIONS)}")
            for option, value in options.items():
                kind = ESTIMATOR_OPTIONS[estimator].get(option)
                if kind is None:
                    raise SpecError(f"{estimator}.{option}: unknown option; expected one of {sorted(ESTIMATOR_OPTIONS[estimator])}")
                if not isinstance(value, kind):
                    raise SpecError(f"{estimator}.{option}: expected {kind.__name__}, got {value!r}")
                estimators.setdefault(estimator, {})[option] = value
        spec = copy.copy(self)
        object.__setattr__(spec, "estimators", estimators)
        _validate(spec)
        return spec


def _validate(spec: EvaluationSpec) -> None:
    for key in ("table", "unit", "time", "outcome", "cohort"):
        if key not in spec.data:
            raise SpecError(f"{spec.name}: data.{key} is required")
    es = spec.estimators.get("event_study")
    if es is not None:
        window = es.get("window", [-5, 5])
        if not (len(window) == 2 and all(isinstance(w, int) for w in window) and window[0] < -1 <= window[1]):
            raise SpecError(f"{spec.name}: event_study.window must be [low, high] integers with low < -1 <= high, got {window}")
    for estimator, options in spec.estimators.items():
        vcov = (options or {}).get("vcov")
        if vcov is not None and vcov not in ("iid", "robust", "cluster"):
            raise SpecError(f"{spec.name}: {estimator}.vcov must be iid, robust or cluster, got {vcov!r}")


def load_spec(path: Path) -> EvaluationSpec:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    try:
        spec = EvaluationSpec(
            name=raw["name"], title=raw["title"], goal=raw["goal"], line_of_action=raw["line_of_action"],
            design=raw["design"], data=raw["data"], estimators=raw.get("estimators") or {},
            map=raw.get("map"), spatial=raw.get("spatial"), path=Path(path),
        )
    except KeyError as missing:
        raise SpecError(f"{Path(path).name}: missing key {missing}") from None
    _validate(spec)
    return spec


def load_specs(folder: Path = SPEC_DIR) -> list[EvaluationSpec]:
    return [load_spec(p) for p in sorted(Path(folder).glob("*.yaml"))]


def month_index(values: pd.Series) -> pd.Series:
    """Months since year 0 (so consecutive months differ by 1); missing stays missing."""
    dates = pd.to_datetime(values)
    return (dates.dt.year * 12 + dates.dt.month - 1).astype("Int64")


@dataclass
class DidEvaluation:
    spec: EvaluationSpec
    results: dict[str, RegressionResult] = field(default_factory=dict)
    event_study: pd.DataFrame | None = None
    sample: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "name": self.spec.name, "title": self.spec.title, "goal": self.spec.goal,
            "line_of_action": self.spec.line_of_action, "design": self.spec.design,
            "data": {k: str(v) for k, v in self.spec.data.items()}, "estimators": self.spec.estimators,
            "sample": self.sample,
            "results": {k: r.to_dict() for k, r in self.results.items()},
            "event_study_table": None if self.event_study is None else self.event_study.to_dict(orient="records"),
        }


def prepare_did_frame(spec: EvaluationSpec, frame: pd.DataFrame) -> pd.DataFrame:
    """Restrict to the spec's window, index months, and derive the treatment dummy from the cohort."""
    d = spec.data
    data = frame.copy()
    dates = pd.to_datetime(data[d["time"]])
    start, end = pd.Timestamp(d.get("start", dates.min())), pd.Timestamp(d.get("end", dates.max()))
    data = data[(dates >= start) & (dates <= end)].copy()
    data["_t"] = month_index(data[d["time"]]).astype("int64")
    data["_g"] = month_index(data[d["cohort"]]).fillna(0).astype("int64")
    data["_treated"] = ((data["_g"] > 0) & (data["_t"] >= data["_g"])).astype(float)
    return data


def run_did_spec(spec: EvaluationSpec, frame: pd.DataFrame) -> DidEvaluation:
    d = spec.data
    data = prepare_did_frame(spec, frame)
    cluster = d.get("cluster")
    out = DidEvaluation(spec)
    cohorts = sorted(int(g) for g in data["_g"].unique() if g > 0)
    out.sample = {
        "rows_in_window": int(len(data)),
        "units": int(data[d["unit"]].nunique()),
        "treated_units": int(data.loc[data["_g"] > 0, d["unit"]].nunique()),
        "cohorts": [f"{g // 12:04d}-{g % 12 + 1:02d}" for g in cohorts],
        "start": str(pd.Timestamp(d.get("start")).date()) if d.get("start") else None,
        "end": str(pd.Timestamp(d.get("end")).date()) if d.get("end") else None,
    }
    if "twfe" in spec.estimators:
        o = spec.estimators["twfe"] or {}
        out.results["twfe"] = twfe(data, d["outcome"], d["unit"], "_t", "_treated",
                                   vcov=o.get("vcov", "cluster"), cluster=cluster)
    if "event_study" in spec.estimators:
        o = spec.estimators["event_study"] or {}
        out.results["event_study"] = event_study(
            data, d["outcome"], d["unit"], "_t", "_g", window=tuple(o.get("window", (-5, 5))),
            bin_endpoints=o.get("bin_endpoints", True), vcov=o.get("vcov", "cluster"), cluster=cluster,
        )
        out.event_study = event_study_table(out.results["event_study"])
    return out


def as_date(value) -> dt.date:
    return pd.Timestamp(value).date()
