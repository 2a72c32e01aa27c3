"""The landing-folder sensor and the result check added to every goal evaluation, on hand-built inputs."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import dagster as dg
import pytest

from pipelines.assets.result_checks import review_result
from pipelines.definitions import defs
from pipelines.resources import ProjectResource
from pipelines.sensors import changed_sources, fingerprints, landing_files, undeclared_files
from pipelines.sources import SOURCES, SourceSpec

REPO_DATA = Path(__file__).resolve().parents[2] / "data"


def spec(name: str, *files: str) -> SourceSpec:
    return SourceSpec(name=name, family="test", title=name, files=files, parse=lambda path: None)


def test_changed_sources_are_those_with_a_new_changed_or_removed_file():
    sources = (spec("a", "x/a1.csv", "x/a2.csv"), spec("b", "y/b.csv"), spec("c", "z/c.csv"))
    before = {"x/a1.csv": "10:1", "x/a2.csv": "20:1", "y/b.csv": "5:1"}
    after = {"x/a1.csv": "10:1", "x/a2.csv": "21:2", "z/c.csv": "7:3"}  # a2 changed, b removed, c new
    assert changed_sources(before, after, sources) == ["a", "b", "c"]
    assert changed_sources(before, before, sources) == []


def test_fingerprints_and_undeclared_files(tmp_path):
    sources = (spec("a", "x/a1.csv"),)
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "a1.csv").write_text("h\n1\n")
    (tmp_path / "x" / "a_2026_10.csv").write_text("h\n2\n")
    (tmp_path / "x" / "SOURCE.md").write_text("provenance")
    prints = fingerprints(tmp_path, sources)
    assert list(prints) == ["x/a1.csv"] and prints["x/a1.csv"].startswith("4:")
    assert undeclared_files(tmp_path, sources) == ["x/a_2026_10.csv"]


def test_sensor_records_a_baseline_then_requests_the_changed_source_and_everything_downstream(tmp_path):
    rollouts = next(s for s in SOURCES if s.name == "program_rollouts")
    for relative in rollouts.files:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO_DATA / relative, tmp_path / relative)
    project = ProjectResource(data_dir=str(tmp_path), build_dir=str(tmp_path / "build"),
                              warehouse_path=str(tmp_path / "build" / "w.duckdb"))

    def tick(cursor):
        context = dg.build_sensor_context(cursor=cursor, resources={"project": project}, definitions=defs)
        return landing_files(context), context.cursor

    first, cursor = tick(None)
    assert isinstance(first, dg.SkipReason) and "First tick" in first.skip_message
    unchanged, cursor = tick(cursor)
    assert isinstance(unchanged, dg.SkipReason) and "No landing file changed" in unchanged.skip_message

    path = tmp_path / rollouts.files[0]
    path.write_text(path.read_text() + "\n")  # a new release of the file
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    request, _ = tick(cursor)
    assert isinstance(request, dg.RunRequest)
    selected = {k.to_user_string() for k in request.asset_selection}
    assert {"raw/program_rollouts", "evaluations/joint_operations_homicides", "site/website"} <= selected
    assert "raw/states" not in selected and not any(k.startswith("raw/") and k != "raw/program_rollouts" for k in selected)
    assert request.tags["bicentennial/sources"] == "program_rollouts"


def payload(**overrides) -> dict:
    base = {
        "headline": {"estimator": "cs", "estimate": 0.61, "std_error": 0.30, "ci_low": 0.02, "ci_high": 1.20},
        "estimates": [{"id": "twfe", "estimate": 0.65, "std_error": 0.31, "ci_low": 0.05, "ci_high": 1.25}],
        "sample": {"rows_in_window": 177624},
        "quality": {"suites": [{"suite": "s", "passed": ["a"], "failed": [{"name": "w", "severity": "warn"}]}]},
    }
    base.update(overrides)
    return base


def test_review_result_accepts_a_well_formed_result_and_a_descriptive_one():
    problems, headline, checked = review_result(payload())
    assert problems == [] and headline["estimate"] == 0.61 and checked == 2
    problems, headline, checked = review_result(payload(headline=None, estimates=[]))
    assert problems == [] and headline is None and checked == 0


@pytest.mark.parametrize(("change", "expected"), [
    ({"estimates": [{"id": "twfe", "estimate": 2.0, "std_error": 0.3, "ci_low": 0.05, "ci_high": 1.25}]},
     "estimates[0]: estimate 2.0 outside its CI"),
    ({"headline": {"estimate": float("nan"), "std_error": 0.3, "ci_low": 0.0, "ci_high": 1.0}}, "headline: non-finite"),
    ({"estimates": [{"id": "x", "estimate": 0.1, "std_error": -0.3}]}, "estimates[0]: negative standard error"),
    ({"sample": {"rows_in_window": 0}}, "the estimation sample is empty"),
    ({"quality": {"suites": [{"suite": "panel", "failed": [{"name": "rate_ok", "severity": "error"}]}]}},
     "blocking expectations: panel:rate_ok"),
])
def test_review_result_names_each_problem(change, expected):
    problems, _, _ = review_result(json.loads(json.dumps(payload(**change), allow_nan=True)))
    assert any(expected in p for p in problems), problems


def test_figure_previews_embed_only_existing_small_pngs(tmp_path):
    from pipelines.assets.result_checks import figure_previews

    (tmp_path / "a.png").write_bytes(b"\x89PNG" + b"0" * 100)
    (tmp_path / "big.png").write_bytes(b"\x89PNG" + b"0" * 500_000)
    (tmp_path / "map.html").write_text("<html></html>")
    figures = [{"file": "missing.png"}, {"file": "big.png"}, {"file": "map.html"}, {"file": "a.png"}, "junk"]
    assert [p.name for p in figure_previews(tmp_path, figures)] == ["a.png"]
