"""The goal pages of a real build carry no code names in their visible text (the same scan as the unit test, on
every result of the embedded data)."""
from __future__ import annotations

import duckdb
import pytest

from pipelines.site import i18n
from pipelines.site.goals import goal_section
from pipelines.site.results import load_audit, load_gaps, load_results
from tests.unit.test_goal_pages import code_names

pytestmark = pytest.mark.integration


def test_no_code_names_on_the_goal_pages_of_a_build(pipeline_build, tmp_path):
    results_dir = pipeline_build / "results"
    with duckdb.connect(str(pipeline_build / "warehouse.duckdb"), read_only=True) as con:
        names = {c: (m, s) for c, m, s in con.execute(
            "select cvegeo, municipality_name, state_name from marts.dim_municipalities").fetchall()}
    results, gaps, audit = load_results(results_dir), load_gaps(results_dir), load_audit(results_dir)
    known = {line["id"]: line for line in i18n.lines_of_action()}
    found = {}
    for goal in i18n.GOALS:
        for lang in i18n.LANGS:
            text = goal_section(goal, lang, results, gaps, known, tmp_path, results_dir, names, audit)
            assert "{.bottom-line}" in text and 'class="technical"' in text
            if code_names(text):
                found[(goal, lang)] = sorted(set(code_names(text)))
    assert found == {}
