"""The result file: what `run_spec` returns and the evaluation asset writes as result.json
(docs/RESULT_SCHEMA.md lists these fields; a test checks the document against the models).

The numbered parts the site shows are typed (headline, estimates, data, figures, tables, evidence);
the machine-readable detail that differs by design (diagnostics, results, sample, baseline_comparison,
quality) stays a mapping. Keys a result leaves out stay out: dump with `exclude_unset=True`.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .options import DESIGNS, one_of
from .publication.vocabulary import ASSESSMENTS, DESIRED_DIRECTIONS, DIRECTIONS, GRADES, SCOPES

Texts = dict[str, str]   # {"en": ..., "es": ...}


class ResultPart(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Headline(ResultPart):
    """The number a page leads with; every estimate has these fields too."""

    label: Texts
    estimator: str | None = Field(None, description="cs | twfe | its_level | its_slope | twfe_dose | ...")
    estimate: float | None
    std_error: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    units: Texts | None = None
    mde: float | None = Field(None, description="2.8 × SE when the 95% interval covers zero (effects, changes)")
    mde_share_of_baseline: float | None = None


class Estimate(Headline):
    id: str
    kind: Literal["effect", "change", "level", "sensitivity", "context"]


class Period(ResultPart):
    start: str | None
    end: str | None


class ResultData(ResultPart):
    sources: list[Texts]
    tables: list[str]
    unit: Texts = Field(description="the units as named after their count, or the name of a single series")
    period: Period
    n_units: int
    n_obs: int
    rolling_months: int | None = None


class Figure(ResultPart):
    file: str
    kind: str
    alt: Texts
    caption: Texts


class TableFile(ResultPart):
    file: str
    caption: Texts


class Evidence(ResultPart):
    grade: Annotated[str, one_of(GRADES)]
    direction: Annotated[str, one_of(DIRECTIONS)]
    assessment: Annotated[str, one_of(ASSESSMENTS)]
    estimate_id: str | None
    reasons: list[dict[str, str]]
    baseline_mean: float | None
    mde: dict[str, float | None] | None


class Publication(ResultPart):
    rules_passed: list[str]


class EvaluationResult(ResultPart):
    schema_version: Literal[1] = Field(alias="schema")
    name: str
    title: Texts
    goal: str
    line_of_action: str
    design: Annotated[str, one_of(DESIGNS)]
    simulated: bool
    data: ResultData
    headline: Headline | None
    estimates: list[Estimate]
    diagnostics: dict[str, Any]
    baseline_comparison: dict[str, Any] | None
    reading: Texts
    figures: list[Figure]
    tables: list[TableFile]
    quality: dict[str, Any]
    seed: int | None = None
    results: dict[str, Any]
    sample: dict[str, Any] | None = None
    scope: Annotated[str, one_of(SCOPES)]
    desired_direction: Annotated[str, one_of(DESIRED_DIRECTIONS)]
    threats: list[dict[str, str]]
    evidence: Evidence
    publication: Publication

    def to_json(self) -> dict:
        """The result as written to result.json (keys the result left out stay out)."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)
