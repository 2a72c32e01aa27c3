"""The asset check beside every evaluation asset: its result.json is well formed (docs/RESULT_SCHEMA.md)."""
from __future__ import annotations

import base64
import json
import math
from pathlib import Path

import dagster as dg

from ..resources import ProjectResource


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _estimates(node, path: str = "") -> list[tuple[str, dict]]:
    """Every {estimate, std_error | ci_low, ...} record in a result, with where it was found."""
    if isinstance(node, dict):
        if "estimate" in node and ("ci_low" in node or "std_error" in node):
            return [(path, node)]
        return [hit for key, value in node.items() for hit in _estimates(value, f"{path}.{key}" if path else key)]
    if isinstance(node, list):
        return [hit for i, value in enumerate(node) for hit in _estimates(value, f"{path}[{i}]")]
    return []


def review_result(payload: dict) -> tuple[list[str], dict | None, int]:
    """Problems with an evaluation's result.json (docs/RESULT_SCHEMA.md; empty = passed), its headline,
    and how many estimates were checked. Descriptive results (no estimates) pass on the other rules."""
    problems = []
    if (payload.get("sample") or {}).get("rows_in_window", 1) <= 0:
        problems.append("the estimation sample is empty")
    records = _estimates({k: payload.get(k) for k in ("headline", "estimates", "diagnostics", "results")})
    for where, e in records:
        values = {k: e[k] for k in ("estimate", "std_error", "ci_low", "ci_high") if e.get(k) is not None}
        if not all(_finite(v) for v in values.values()):
            problems.append(f"{where}: non-finite value in {values}")
        elif values.get("std_error", 1) < 0:
            problems.append(f"{where}: negative standard error {values['std_error']}")
        elif "ci_low" in values and "ci_high" in values and "estimate" in values \
                and not values["ci_low"] <= values["estimate"] <= values["ci_high"]:
            problems.append(f"{where}: estimate {values['estimate']} outside its CI [{values['ci_low']}, {values['ci_high']}]")
    headline = payload.get("headline")
    if headline is not None and not isinstance(headline, dict):
        problems.append(f"headline is {headline!r}, expected an object or null")
        headline = None
    failed = [f"{s.get('suite')}:{f.get('name')}" for s in (payload.get("quality") or {}).get("suites", [])
              for f in s.get("failed", []) if f.get("severity") == "error"]
    if failed:
        problems.append(f"input table failed blocking expectations: {', '.join(failed)}")
    return problems, headline, len(records)


def build_result_check(key: dg.AssetKey) -> dg.AssetChecksDefinition:
    name = key.path[-1]

    @dg.asset_check(
        asset=key, name="result_well_formed", blocking=False,
        description="result.json exists and parses; every estimate, standard error and CI in it is finite, "
                    "no SE is negative, each estimate lies in its CI, the sample is non-empty, and the input "
                    "table passed its blocking expectations.",
    )
    def _check(project: ProjectResource) -> dg.AssetCheckResult:
        path = project.settings.results_dir / "evaluations" / name / "result.json"
        if not path.is_file():
            return dg.AssetCheckResult(passed=False, metadata={"problem": f"{path} not found"})
        try:
            problems, headline, checked = review_result(json.loads(path.read_text()))
        except (json.JSONDecodeError, AttributeError, TypeError) as error:
            return dg.AssetCheckResult(passed=False, metadata={"problem": f"{path.name} unreadable: {error}"})
        metadata: dict = {"estimates_checked": checked, "problems": "; ".join(problems) or "none"}
        if headline and _finite(headline.get("estimate")):
            metadata["headline_estimate"] = headline["estimate"]
            if _finite(headline.get("ci_low")) and _finite(headline.get("ci_high")):
                metadata["headline_ci"] = f"[{headline['ci_low']:.4f}, {headline['ci_high']:.4f}]"
        for figure in figure_previews(path.parent, json.loads(path.read_text()).get("figures") or []):
            metadata[f"preview_{figure.stem}"] = dg.MetadataValue.md(
                f"![{figure.name}](data:image/png;base64,{base64.b64encode(figure.read_bytes()).decode()})")
        return dg.AssetCheckResult(passed=not problems, metadata=metadata)

    return _check


def figure_previews(folder: Path, figures: list, limit: int = 2, max_bytes: int = 400_000) -> list[Path]:
    """The first PNG figures of a result (small enough to embed in the UI as previews)."""
    out = []
    for figure in figures:
        path = folder / str((figure or {}).get("file", "")) if isinstance(figure, dict) else None
        if path and path.suffix == ".png" and path.is_file() and path.stat().st_size <= max_bytes:
            out.append(path)
    return out[:limit]
