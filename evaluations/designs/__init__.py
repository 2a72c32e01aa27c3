"""One module per evaluation design: a runner turns a spec (evaluations.spec_model) and its table (a
DataFrame) into a result.json payload; `common` holds what they share. `run_spec` picks the runner."""
from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from ..publication import PublicationError, finalize
from ..spec_model import EvaluationSpec, SpecError
from .common import EvaluationOutput
from .dose_response import run_dose_response
from .its import run_its
from .staggered import run_staggered
from .synthetic import run_synthetic
from .trend import run_trend

Runner = Callable[[EvaluationSpec, pd.DataFrame], EvaluationOutput]
RUNNERS: dict[str, Runner] = {
    "staggered_did": run_staggered, "event_study": run_staggered, "its": run_its, "comparative_its": run_its,
    "indicator_trend": run_trend, "dose_response": run_dose_response,
    "synthetic_did": run_synthetic,
}


def run_spec(spec: EvaluationSpec, frame: pd.DataFrame, geography: pd.DataFrame | None = None) -> EvaluationOutput:
    """Run any spec on its table and return the result in the docs/RESULT_SCHEMA.md form, with the
    publication rules applied; `geography` (polygons) is used by DiD specs with a `neighbours` block."""
    if geography is not None and spec.design in ("staggered_did", "event_study"):
        output = run_staggered(spec, frame, geography)
    else:
        output = RUNNERS[spec.design](spec, frame)
    try:
        output.result = finalize(output.result, spec.scope, spec.desired_direction, list(spec.threats))
    except PublicationError as error:
        raise SpecError(str(error)) from None
    output.result["figures"] = with_withheld_direction(output.result)
    return output


WITHHELD_ALT = {"en": "The platform claims no direction from this estimate (see its evidence grade).",
                "es": "La plataforma no afirma una dirección a partir de esta estimación (ver su grado de evidencia)."}


def with_withheld_direction(result: dict) -> list[dict]:
    """The result's figures, their alt texts ending with the platform's own decision when the publication rules
    withheld a direction (evidence direction not_attributed: the interval excludes zero, the design's own checks
    contradict it): a chart whose alt gives that interval must not read as a claim the page does not make."""
    evidence = result.get("evidence") or {}
    withheld = evidence.get("direction") == "not_attributed"
    if not withheld:
        return result["figures"]
    return [dict(f, alt={lang: f"{f['alt'][lang]} {WITHHELD_ALT[lang]}" for lang in ("en", "es")})
            for f in result["figures"]]
