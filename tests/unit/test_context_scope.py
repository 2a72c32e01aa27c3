"""Context comparisons (scope `context`: groups the platform formed, such as regions the drug supply reached at
different times) are shown under their own heading with a note, and never chosen for the scorecard."""
from __future__ import annotations

import pytest

from evaluations.publication.audit import choose
from pipelines.site.goals import goal_section
from tests.fixtures.results import make_result, result_dict

LINE = {"goal": "goal_1_protect_people", "line_of_action": "public_health"}
SYNTHETIC = {"grade": "synthetic_comparison", "direction": "no_clear_change", "assessment": "unclear", "estimate_id": None,
             "reasons": [{"id": "exposure_not_assigned", "en": "Not assigned.", "es": "No asignada."}],
             "baseline_mean": None, "mde": None}


def test_a_context_comparison_is_never_the_scorecard_row_even_with_a_better_grade():
    results = [result_dict("overdose_regions", scope="context", design="synthetic_did", evidence=SYNTHETIC, **LINE),
               result_dict("overdose_trend", **LINE)]                     # descriptive: ranked below synthetic
    row = next(r for r in choose(results) if r["line_of_action"] == "public_health")
    assert row["evaluation"] == "overdose_trend"
    row = next(r for r in choose(results[:1]) if r["line_of_action"] == "public_health")
    assert row["evaluation"] is None                                       # a context comparison alone: no row


@pytest.mark.parametrize("lang, heading, note", [
    ("en", "Context comparisons (not an effect of the Framework)", "is not an effect of the Framework"),
    ("es", "Comparaciones de contexto (no son un efecto del Entendimiento)", "no es un efecto del Entendimiento"),
])
def test_the_goal_page_puts_context_comparisons_under_their_own_heading(tmp_path, lang, heading, note):
    results = [make_result("overdose_regions", scope="context", design="synthetic_did", evidence=SYNTHETIC, **LINE),
               make_result("overdose_trend", **LINE)]
    known = {"public_health": {"goal": "goal_1_protect_people", "name": {"en": "Public health", "es": "Salud pública"}}}
    figures = tmp_path / "figures"
    figures.mkdir()
    page = goal_section("goal_1_protect_people", lang, results, [], known, figures, tmp_path)
    framework, _, context = page.partition("{#public_health-context}")
    escaped = heading.replace("(", "\\(").replace(")", "\\)")            # Markdown-escaped on the page
    assert framework.splitlines()[-1] == f"### {escaped} "                  # the heading carries the anchor
    assert "overdose_trend" in framework and "overdose_regions" not in framework
    assert "overdose_regions" in context and note in context
