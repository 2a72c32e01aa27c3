"""The inputs of the site: result files, data gaps and the publication audit, as the evaluations wrote them.

Nothing is computed here: the helpers find, in a result, the estimate and the minimum detectable effect its
evidence names.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from evaluations.result_model import EvaluationResult, Headline

from . import i18n


class SiteError(Exception):
    """A problem the user can act on (bad version name, unreadable result file); one clear line."""


@dataclass
class SiteInputs:
    results_dir: Path
    landing_files: list[dict]
    run_info: dict
    sources: list[dict] = field(default_factory=list)  # {name, title, publisher, licence, coverage}
    municipalities: dict[str, tuple[str, str]] = field(default_factory=dict)  # cvegeo -> (municipality, state)


def load_result(path: Path) -> EvaluationResult:
    """One result.json read into `EvaluationResult` (docs/RESULT_SCHEMA.md); one clear error naming the file and
    the first field that does not fit."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise SiteError(f"{path}: not a readable result file ({error})") from None
    except json.JSONDecodeError as error:
        raise SiteError(f"{path}: line {error.lineno}, column {error.colno}: {error.msg}") from None
    try:
        return EvaluationResult.model_validate(data)
    except ValidationError as error:
        raise SiteError(f"{path}: {_first_problem(error)} (see docs/RESULT_SCHEMA.md)") from None


def _first_problem(error: ValidationError) -> str:
    """'field 'headline.ci_low': Field required (and 2 more)': the first field that does not fit the model."""
    problems = error.errors(include_url=False)
    first = problems[0]
    field = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in first["loc"]).lstrip(".")
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"field {field or '(the whole file)'!r}: {first['msg']}{more}"


def result_folder(results_dir: Path, result: EvaluationResult) -> Path:
    """Where a result's figures and tables are: BUILD/results/evaluations/<name>/."""
    return results_dir / "evaluations" / result.name


def load_results(results_dir: Path) -> list[EvaluationResult]:
    """Every result of the build, sorted by folder; each folder is named after its result."""
    results = []
    for path in sorted((results_dir / "evaluations").glob("*/result.json")):
        result = load_result(path)
        if path.parent.name != result.name:
            raise SiteError(f"{path}: field 'name': {result.name!r} differs from its folder {path.parent.name!r}")
        results.append(result)
    return results


def load_gaps(results_dir: Path) -> list[dict]:
    path = results_dir / "data_gaps.json"
    if not path.exists():  # results written before data_gaps.json: the gaps as the evaluations layer declares them
        return i18n.known_gaps()
    try:
        return list(json.loads(path.read_text(encoding="utf-8")))
    except json.JSONDecodeError as error:
        raise SiteError(f"{path}: line {error.lineno}, column {error.colno}: {error.msg}") from None


def load_audit(results_dir: Path) -> dict | None:
    """BUILD/results/publication_audit.json, written by the evaluations layer (evaluations/publication): which
    evaluation each scorecard row shows, the q-values, the rules and grades. None for results written before
    the publication rules: the site then shows no scorecard direction or grade and says "not audited"."""
    path = results_dir / "publication_audit.json"
    if not path.exists():
        return None
    try:
        audit = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise SiteError(f"{path}: not a readable publication audit ({error})") from None
    if not isinstance(audit, dict):
        raise SiteError(f"{path}: not a readable publication audit (expected an object)")
    return audit


def audit_entry(audit: dict | None, name: str | None) -> dict:
    """The audit's record of one evaluation (grade, direction, q_value …), {} when absent."""
    return next((e for e in (audit or {}).get("evaluations") or [] if e.get("name") == name), {})


def line_order(goal: str, results: list[EvaluationResult], gaps: list[dict], known: dict[str, dict]) -> list[str]:
    """Lines of action of a goal: those of evaluations/lines_of_action.py in its order, then any other id seen."""
    order = [line for line, info in known.items() if info["goal"] == goal]
    seen = [(r.goal, r.line_of_action) for r in results] + [(g.get("goal"), g.get("line_of_action")) for g in gaps]
    for item_goal, line in seen:
        if item_goal == goal and line and line not in order:
            order.append(line)
    return order


def is_earlier_policy(result: EvaluationResult) -> bool:
    return result.scope == "earlier_policy"


def is_headline(e: Headline, result: EvaluationResult) -> bool:
    """Whether an estimate is the one the result's headline repeats (same estimator and value)."""
    h = result.headline
    return h is not None and e.estimator == h.estimator and e.estimate == h.estimate


def estimate_named(result: EvaluationResult, estimate_id: str | None) -> Headline | None:
    """The entry of "estimates" with this id (evidence.estimate_id names it); the headline when its estimator
    has this name and no entry does."""
    if not estimate_id:
        return None
    found = next((e for e in result.estimates if e.id == estimate_id), None)
    h = result.headline
    if found is None and h and estimate_id == h.estimator:
        return h
    return found


def units_of(result: EvaluationResult, e: Headline) -> dict | None:
    if e.units:
        return e.units
    return result.headline.units if is_headline(e, result) else None


def mde_of(e: Headline | None) -> tuple[float | None, float | None]:
    """(minimum detectable effect, its share of the baseline mean) of an estimate or the headline."""
    return (None, None) if e is None else (e.mde, e.mde_share_of_baseline)


def evidence_mde(result: EvaluationResult) -> tuple[float | None, float | None]:
    """(minimum detectable effect, its share of the baseline mean) of the estimate the evidence grades."""
    mde = result.evidence.mde or {}
    return mde.get("value"), mde.get("share_of_baseline")
