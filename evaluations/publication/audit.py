"""The publication audit: every written result checked against the rules, the scorecard chosen, q-values.

`audit(results)` takes the result dicts of a run (build/results/evaluations/*/result.json) and returns
the content of build/results/publication_audit.json: every published estimate with the rules its result
passed, every violation, the one evaluation each scorecard row shows, and Benjamini–Hochberg q-values
over the family of headline tests (one per evaluation with a p-value). `bicentennial audit` prints it
and the pipeline refuses to publish the site while it has violations.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scipy import stats

from ..lines_of_action import LINES
from .rules import RULES, check
from .vocabulary import GRADES

# which evaluation a scorecard row shows when a line has several (first = preferred); ties: by name
GRADE_RANK = ["comparison_group_diagnostics_pass", "synthetic_comparison", "single_series_model", "descriptive",
              "comparison_group_diagnostic_fails", "association", "insufficient_data"]


def load_results(results_dir: Path) -> list[dict]:
    """Every result.json under results_dir/evaluations, sorted by name."""
    out = []
    for path in sorted(Path(results_dir, "evaluations").glob("*/result.json")):
        try:
            out.append(json.loads(path.read_text(encoding="utf-8")))
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}: line {error.lineno}, column {error.colno}: {error.msg}") from None
    return sorted(out, key=lambda r: r.get("name", ""))


def _headline_test(result: dict) -> dict | None:
    ev = result.get("evidence") or {}
    return next((e for e in result.get("estimates") or [] if e.get("id") == ev.get("estimate_id")), None)


def q_values(p_values: list[float]) -> list[float]:
    """Benjamini–Hochberg adjusted p-values (scipy.stats.false_discovery_control)."""
    return [float(q) for q in stats.false_discovery_control(p_values, method="bh")] if p_values else []


def _rank(result: dict) -> tuple:
    return GRADE_RANK.index((result.get("evidence") or {}).get("grade", "insufficient_data")), result["name"]


def choose(results: list[dict]) -> list[dict]:
    """One scorecard row per line of action: its best-graded Framework evaluation (None when it has none)."""
    rows = []
    for line in LINES:
        mine = sorted((r for r in results if r.get("line_of_action") == line["id"] and r.get("scope") == "framework"), key=_rank)
        rows.append({"goal": line["goal"], "line_of_action": line["id"], "evaluation": mine[0]["name"] if mine else None})
    return rows


def earlier_policy(results: list[dict]) -> list[dict]:
    """Every earlier-policy study, in line-of-action order (shown in a table of their own)."""
    order = [line["id"] for line in LINES]
    studies = [r for r in results if r.get("scope") == "earlier_policy"]
    studies.sort(key=lambda r: (order.index(r["line_of_action"]) if r.get("line_of_action") in order else len(order), *_rank(r)))
    return [{"goal": r.get("goal"), "line_of_action": r.get("line_of_action"), "evaluation": r["name"]} for r in studies]


def audit(results: list[dict]) -> dict:
    entries: list[dict[str, Any]] = []
    published: list[dict[str, Any]] = []
    violations: list[dict[str, Any]] = []
    for r in results:
        passed, found = check(r)
        violations += [{"evaluation": r.get("name"), **v} for v in found]
        ev = r.get("evidence") or {}
        head = _headline_test(r) or {}
        entries.append({"name": r.get("name"), "goal": r.get("goal"), "line_of_action": r.get("line_of_action"),
                        "scope": r.get("scope"), "design": r.get("design"), "grade": ev.get("grade"),
                        "direction": ev.get("direction"), "assessment": ev.get("assessment"),
                        "estimate_id": ev.get("estimate_id"), "estimate": head.get("estimate"),
                        "ci_low": head.get("ci_low"), "ci_high": head.get("ci_high"), "p_value": head.get("p_value"),
                        "q_value": None, "rules_passed": passed, "violations": [v["rule"] for v in found]})
        for e in r.get("estimates") or []:
            published.append({"evaluation": r.get("name"), "id": e.get("id"), "kind": e.get("kind"),
                              "estimate": e.get("estimate"), "ci_low": e.get("ci_low"), "ci_high": e.get("ci_high"),
                              "p_value": e.get("p_value"), "grade": ev.get("grade"), "rules_passed": passed})
    family = [x for x in entries if x["p_value"] is not None]
    for x, q in zip(family, q_values([x["p_value"] for x in family])):
        x["q_value"] = q
    return {
        "schema": 1, "passed": not violations,
        "rules": [{"id": rule.id, "title": rule.title, "description": rule.description} for rule in RULES],
        "grades": GRADES,
        "family": {"method": "benjamini_hochberg", "tests": len(family), "alpha": 0.05,
                   "description": {"en": "one headline test per evaluation with a p-value",
                                   "es": "una prueba principal por evaluación con valor p"}},
        "scorecard": choose(results), "earlier_policy": earlier_policy(results),
        "evaluations": entries, "published": published, "violations": violations,
    }


def report_lines(report: dict) -> list[str]:
    """The audit as text: one line per published estimate, then the violations and the verdict."""
    by_name = {e["name"]: e for e in report["evaluations"]}
    lines = [f"{'evaluation':34} {'estimate':24} {'value':>12} {'95% CI':>27} {'grade':36} direction"]
    for p in report["published"]:
        ev = by_name[p["evaluation"]]
        ci = (f"[{p['ci_low']:.4g}, {p['ci_high']:.4g}]" if p.get("ci_low") is not None and p.get("ci_high") is not None else "—")
        value = f"{p['estimate']:.4g}" if p.get("estimate") is not None else "—"
        marker = ev["direction"] if p["id"] == ev["estimate_id"] else ""
        lines.append(f"{p['evaluation'][:34]:34} {str(p['id'])[:24]:24} {value:>12} {ci:>27} {str(ev['grade']):36} {marker}")
    for e in report["evaluations"]:
        if e["estimate_id"] is None:
            lines.append(f"{e['name'][:34]:34} {'(no published estimate)':24} {'':>12} {'':>27} {str(e['grade']):36} {e['direction']}")
    lines.append(f"rules checked on every result: {', '.join(r['id'] for r in report['rules'])}")
    lines.append(f"family of headline tests: {report['family']['tests']} (Benjamini–Hochberg q-values)")
    for v in report["violations"]:
        lines.append(f"VIOLATION {v['evaluation']}: {v['rule']}: {v['message']}")
    n = len(report["violations"])
    lines.append(f"audit {'PASSED' if report['passed'] else 'FAILED'}: {len(report['published'])} published estimates in "
                 f"{len(report['evaluations'])} evaluations, {n} violation{'s' if n != 1 else ''}")
    return lines
