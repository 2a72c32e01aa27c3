"""The inputs of the site: result files, data gaps and the publication audit, as the evaluations wrote them.

Nothing is computed here: the helpers find, in a result, the estimate and the minimum detectable effect its
evidence names.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

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


def load_result(path: Path) -> dict:
    """One result.json in the docs/RESULT_SCHEMA.md shape; a clear error when it is unreadable or lacks a key
    the site needs."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise SiteError(f"{path}: not a readable result file ({error})") from None
    for key in ("name", "goal", "schema"):
        if key not in data:
            raise SiteError(f"{path}: result file lacks the key {key!r} (see docs/RESULT_SCHEMA.md)")
    return data


def load_results(results_dir: Path) -> list[dict]:
    results = []
    for path in sorted((results_dir / "evaluations").glob("*/result.json")):
        result = load_result(path)
        result["_dir"] = path.parent
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


def line_order(goal: str, results: list[dict], gaps: list[dict], known: dict[str, dict]) -> list[str]:
    """Lines of action of a goal: those of evaluations/lines_of_action.py in its order, then any other id seen."""
    order = [line for line, info in known.items() if info["goal"] == goal]
    for item in [*results, *gaps]:
        if item.get("goal") == goal and item.get("line_of_action") and item["line_of_action"] not in order:
            order.append(item["line_of_action"])
    return order


def is_earlier_policy(result: dict) -> bool:
    return result.get("scope") == "earlier_policy"


def same_estimate(e: dict, h: dict) -> bool:
    if e.get("id") is not None and h.get("id") is not None:
        return e["id"] == h["id"]
    return e.get("estimator") == h.get("estimator") and e.get("estimate") == h.get("estimate")


def estimate_named(result: dict, estimate_id: str | None) -> dict | None:
    """The entry of "estimates" with this id (evidence.estimate_id names it); the headline when it is that estimate."""
    if not estimate_id:
        return None
    found = next((e for e in result.get("estimates") or [] if e.get("id") == estimate_id), None)
    h = result.get("headline")
    if found is None and h and estimate_id in (h.get("id"), h.get("estimator")):
        return h
    return found


def units_of(result: dict, e: dict) -> dict | str | None:
    if e.get("units"):
        return e["units"]
    h = result.get("headline")
    return h.get("units") if h and same_estimate(e, h) else None


def mde_of(e: dict | None) -> tuple[float | None, float | None]:
    """(minimum detectable effect, its share of the baseline mean) as the evaluation wrote them: an estimate's
    "mde" / "mde_share_of_baseline", or evidence.mde {"value", "share_of_baseline"}."""
    if not e:
        return None, None
    value = e.get("mde")
    if isinstance(value, dict):
        return value.get("value"), value.get("share_of_baseline")
    if value is None and "value" in e:
        return e.get("value"), e.get("share_of_baseline")
    return value, e.get("mde_share_of_baseline")
