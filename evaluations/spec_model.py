"""Evaluation specs: each evaluation is a small YAML file in evaluations/specs/, read into `EvaluationSpec`.

A spec says which table to read (`data`), the design, the estimators with their options
(evaluations.options), and what the reader must be told with the result (scope, desired direction,
threats to validity). A bad spec is refused with one line naming the file and the field, e.g.
`evaluations/specs/x.yaml: estimators.cs.control: must be one of never, notyet, got 'all'`.
Evaluators can override estimator options at launch (Dagster run config) through `with_overrides`.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, ClassVar

import yaml
from pydantic import AfterValidator, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from .lines_of_action import GOALS, LINE_IDS
from .options import DESIGNS, Block, Estimators, one_of, unused_estimators
from .publication.vocabulary import DESIRED_DIRECTIONS, SCOPES
from .threats import resolve as resolve_threats

SPEC_DIR = Path(__file__).resolve().parent / "specs"
REPO_ROOT = Path(__file__).resolve().parents[1]
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: same safe subset, faster
# data keys each design needs besides `table` and `time`
REQUIRED_DATA = {
    "staggered_did": ("unit", "outcome", "cohort"),
    "event_study": ("unit", "outcome", "cohort"),
    "its": ("value",),
    "comparative_its": ("value", "treated", "comparison"),
    "indicator_trend": ("value",),
    "dose_response": ("unit", "outcome", "dose"),
    "synthetic_did": ("unit", "outcome", "treated"),
}


class SpecError(ValueError):
    pass


def _bilingual(value: dict[str, str]) -> dict[str, str]:
    if not {"en", "es"} <= set(value):
        raise ValueError("must have en and es texts")
    return value


Bilingual = Annotated[dict[str, str], AfterValidator(_bilingual)]


def _source_texts(value: dict[str, Any]) -> dict[str, Any]:
    if not {"en", "es"} <= set(value) or not all(isinstance(value[k], str) for k in ("en", "es")):
        raise ValueError("must have en and es texts")
    unknown = sorted(set(value) - {"en", "es", "raw"})
    if unknown:
        raise ValueError(f"unknown source key {unknown[0]!r}; expected en, es, raw")
    raw = value.get("raw", [])
    if not isinstance(raw, list) or not all(isinstance(r, str) and r for r in raw):
        raise ValueError("raw: must be a list of raw table names (pipelines/sources/ specs)")
    return value


# A source as the figures name it, {en, es}, and `raw`: the raw tables it comes from (the names of its
# pipelines/sources/ specs), whose retrieval dates the source lines give (tests/unit/test_spec_sources.py checks
# every name against the source specs and the dbt lineage of `data.table`).
SourceTexts = Annotated[dict[str, Any], AfterValidator(_source_texts)]


class SpecData(Block):
    """Where the numbers come from and which columns play which part (column names of `table`)."""

    noun: ClassVar[str] = "data key"
    table: str = Field(description="warehouse table, schema.name")
    time: str = Field(description="column of the first day of each month")
    value: str | None = Field(None, description="series designs: the column summed per month")
    per_100k: str | None = Field(None, description="population column: the series is sum(value) / sum(population) × 100,000")
    filter: str | None = Field(None, description="pandas query selecting the spec's rows")
    series_query: str | None = Field(None, description="its: an extra query for the modelled series")
    treated: str | None = Field(None, description="comparative_its: query of the treated series; "
                                                     "synthetic_did: query of the treated units' rows")
    comparison: str | None = Field(None, description="comparative_its: query of the comparison series")
    rolling_months: int | None = Field(None, description="the source publishes rolling sums over this many months")
    by: str | None = Field(None, description="indicator_trend: column to repeat the comparison for each value of")
    by_query: str | None = Field(None, description="its: query selecting the rows of the per-`by` table")
    by_label: Bilingual | None = Field(None, description="what `by` names, singular ({en: state, es: estado})")
    unit: str | None = Field(None, description="panel designs: the unit id column")
    outcome: str | None = Field(None, description="panel designs: the outcome column")
    cohort: str | None = Field(None, description="DiD: first treated month of the unit (null: never treated)")
    exposure: Bilingual | None = Field(None, description="synthetic_did: which units are treated and why, shown on the page")
    cluster: str | None = Field(None, description="column standard errors are clustered by")
    dose: str | None = Field(None, description="dose_response: the dose column")
    dose_per_100k: str | None = Field(None, description="dose_response: population column to scale the dose by")
    dose_label: Bilingual | None = Field(None, description="dose_response: what the dose is, shown in the reading")
    outlier: str | None = Field(None, description="dose_response: boolean column of rows left out of the headline")
    treatment: Bilingual | None = Field(None, description="DiD: what the treatment is, shown in the reading")
    start: dt.date | None = Field(None, description="first month kept")
    end: dt.date | None = Field(None, description="last day kept")
    unit_label: Bilingual | None = Field(None, description="the units as named after their count ({en: states, es: "
                                                        "estados}), or the name of a single series ({en: United States, "
                                                        "es: Estados Unidos})")
    sources: list[SourceTexts] = Field(default_factory=list, description="the sources, each {en, es, raw: [raw table "
                                                                        "names]}")
    simulated: bool = Field(False, description="the table holds simulated data")
    # the retrieval date (ISO) of each raw table, given by the pipeline (`EvaluationSpec.with_retrieved`), not the YAML
    retrieved: dict[str, str] = Field(default_factory=dict, exclude=True)

    def source_in(self, lang: str = "en") -> str:
        """The sources in one language, joined by '; '."""
        return "; ".join(source[lang] for source in self.sources)

    def source_texts(self) -> list[dict[str, str]]:
        """The sources as {en, es} (the result's `data.sources`)."""
        return [{"en": source["en"], "es": source["es"]} for source in self.sources]

    def dated_sources(self, lang: str = "en") -> list[tuple[str, list[str]]]:
        """Each source in one language with the retrieval dates of its raw tables (those known), for
        `evaluations.figures.source_note`."""
        return [(source[lang], sorted({self.retrieved[r] for r in source.get("raw", []) if self.retrieved.get(r)}))
                for source in self.sources]


class EvaluationSpec(Block):
    name: str
    title: Bilingual
    goal: Annotated[str, one_of(GOALS)]
    line_of_action: Annotated[str, one_of(sorted(LINE_IDS))]
    scope: Annotated[str, one_of(SCOPES)]
    desired_direction: Annotated[str, one_of(DESIRED_DIRECTIONS)]  # which way is good for the indicator
    threats: tuple[dict[str, str], ...]  # [{id, en, es}]: evaluations/threats.yaml ids resolved
    design: Annotated[str, one_of(DESIGNS)]
    data: SpecData
    estimators: Estimators = Estimators()
    outcome: Bilingual | None = None     # plain-language name of what is measured
    units: Bilingual | None = None       # units of the outcome
    notes: Bilingual | None = None       # caveat added to the reading
    literature: dict[str, str] | None = None   # {sign: positive|negative, en, es}: published findings to compare with
    neighbours: dict[str, Any] | None = None   # {geography: table, unit: id column, geometry: WKB column}: spillover
    map: dict[str, Any] | None = None
    spatial: dict[str, Any] | None = None
    path: Path | None = Field(None, exclude=True)  # the YAML file, set by load_spec

    @field_validator("threats", mode="before")
    @classmethod
    def _threats(cls, value, info):
        return tuple(resolve_threats(value, info.data.get("name", "spec")))

    @model_validator(mode="after")
    def _design_needs(self) -> EvaluationSpec:
        for key in REQUIRED_DATA[self.design]:
            if getattr(self.data, key) is None:
                raise ValueError(f"data.{key} is required for design {self.design}")
        if self.design != "staggered_did" or self.outcome:
            for key in ("outcome", "units"):
                if getattr(self, key) is None:
                    raise ValueError(f"{key} (en and es texts) is required for design {self.design}")
        problem = unused_estimators(self.design, self.estimators)
        if problem:
            raise ValueError(problem)
        return self

    def outcome_texts(self) -> tuple[dict[str, str], dict[str, str]]:
        """`outcome` and `units`, which every design requires (staggered_did when it names an outcome)."""
        if self.outcome is None or self.units is None:
            raise SpecError(f"{self.where()}: outcome and units (en and es texts) are required for design {self.design}")
        return self.outcome, self.units

    def where(self) -> str:
        """The spec file as shown in messages (the spec's name when it was not read from a file)."""
        return _where(self.path) if self.path else self.name

    def with_overrides(self, overrides: dict) -> EvaluationSpec:
        """A copy with estimator options replaced ({estimator: {option: value}}); an unknown estimator or
        option, a bad value or an estimator the design does not use is refused by name."""
        merged = self.estimators.listed()
        for estimator, options in (overrides or {}).items():
            merged[estimator] = {**(merged.get(estimator) or {}), **(options or {})}
        where = f"{self.where()} (run config)"
        try:
            estimators = Estimators.model_validate(merged)
        except ValidationError as error:
            raise SpecError(describe(error, where, prefix="estimators")) from None
        problem = unused_estimators(self.design, estimators)
        if problem:
            raise SpecError(f"{where}: {problem}")
        return self.model_copy(update={"estimators": estimators})

    def with_retrieved(self, dates: dict[str, str]) -> EvaluationSpec:
        """A copy whose sources know the retrieval date of each raw table ({raw table name: ISO date}; the
        pipeline gives those of pipelines/sources/), so its figures' source lines name them."""
        return self.model_copy(update={"data": self.data.model_copy(update={"retrieved": dict(dates)})})


def _where(path: Path) -> str:
    """The spec file as shown in messages: relative to the repository when inside it."""
    path = Path(path)
    try:
        return path.resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


def _problem(error: ErrorDetails) -> str:
    kind, ctx, got = error["type"], error.get("ctx") or {}, f", got {error.get('input')!r}"
    if kind == "missing":
        return "missing (required)"
    if kind == "greater_than_equal":
        return f"must be at least {ctx['ge']}{got}"
    if kind == "value_error":
        return error["msg"].removeprefix("Value error, ")
    return f"{error['msg'][:1].lower()}{error['msg'][1:]}{got}"


def describe(error: ValidationError, where: str, prefix: str = "") -> str:
    """One line per pydantic error, joined: `where: field.path: problem`."""
    parts = []
    for e in error.errors(include_url=False):
        loc = ".".join(str(p) for p in ((prefix,) if prefix else ()) + tuple(e["loc"]))
        parts.append(f"{where}: {loc + ': ' if loc else ''}{_problem(e)}")
    return "; ".join(parts)


def load_spec(path: Path) -> EvaluationSpec:
    path = Path(path)
    where = _where(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        at = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise SpecError(f"{where}:{at} not valid YAML ({getattr(error, 'problem', error)})") from None
    if not isinstance(raw, dict):
        raise SpecError(f"{where}: expected a mapping of spec keys")
    try:
        spec = EvaluationSpec.model_validate(raw)
    except ValidationError as error:
        raise SpecError(describe(error, where)) from None
    return spec.model_copy(update={"path": path})


def load_specs(folder: Path = SPEC_DIR) -> list[EvaluationSpec]:
    return [load_spec(p) for p in sorted(Path(folder).glob("*.yaml"))]
