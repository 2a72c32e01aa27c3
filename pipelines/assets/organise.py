"""Where an asset sits in the graph evaluators see: one group per strategic goal for every evaluation, map or
spatial asset whose tags carry `goal` (from its spec in evaluations/specs/), owned by its line of action, and
versioned by the hash of its spec and of the evaluations library, so an edited spec or estimator shows as stale.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import dagster as dg

from ..jobs import GOALS
from ..settings import SPECS_DIR

EVALUATIONS_DIR = SPECS_DIR.parent


def _digest(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path.relative_to(EVALUATIONS_DIR)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


# the library and the data it ships (threats catalogue, the Framework's goals and lines of action): editing any
# of them marks every evaluation stale
LIBRARY_DIGEST = _digest([p for p in EVALUATIONS_DIR.rglob("*.py") if "__pycache__" not in p.parts]
                         + [EVALUATIONS_DIR / "threats.yaml", *sorted((EVALUATIONS_DIR / "framework").glob("*.csv"))])
SPEC_FILES = {p.stem: p for p in SPECS_DIR.glob("*.yaml")}


def spec_of(key: dg.AssetKey) -> str | None:
    """The spec an evaluation-side asset comes from: `<prefix>/<spec>` or `<prefix>/<spec>_<suffix>`."""
    last = key.path[-1]
    matches = [name for name in SPEC_FILES if last == name or last.startswith(name + "_")]
    return max(matches, key=len) if matches else None


def organise(spec: dg.AssetSpec) -> dg.AssetSpec:
    """Goal group, line-of-action owner and content-based code version for goal-tagged assets;
    a description for every asset."""
    description = spec.description or f"{spec.key.to_user_string()} ({spec.group_name or 'default'} layer)."
    goal = spec.tags.get("goal")
    if not goal:
        return spec.replace_attributes(description=description)
    if goal not in GOALS:
        raise ValueError(f"{spec.key.to_user_string()}: tag goal={goal!r} is not one of {sorted(GOALS)}")
    spec_name = spec_of(spec.key)
    parts = [spec.code_version or "0", LIBRARY_DIGEST]
    if spec_name:
        parts.append(_digest([SPEC_FILES[spec_name]]))
    line = spec.tags.get("line_of_action")
    return spec.replace_attributes(
        group_name=goal, description=description, code_version="-".join(parts),
        owners=[*spec.owners, *([f"team:{line}"] if line and f"team:{line}" not in spec.owners else [])],
    )
