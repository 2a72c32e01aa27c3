"""On a goal page, the evaluation a line of action's scorecard row shows (the audit's choice, best grade first)
comes first among that line's Framework evaluations, so the headline is read before the results beside it."""
from __future__ import annotations

from evaluations.result_model import EvaluationResult


def headline_first(results: list[EvaluationResult], line: str, audit: dict | None) -> list[EvaluationResult]:
    """`results` with the scorecard's evaluation for `line` moved to the front (order otherwise kept)."""
    chosen = next((row.get("evaluation") for row in (audit or {}).get("scorecard") or []
                   if row.get("line_of_action") == line), None)
    return sorted(results, key=lambda r: r.name != chosen)
