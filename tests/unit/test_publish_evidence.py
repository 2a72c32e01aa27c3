"""The site shows the evaluations' evidence and the publication audit, and computes none of it: scorecard rows from the
one evaluation the audit names, arrows only from evidence.direction, insufficient baselines, earlier policies apart,
minimum detectable effects beside nulls, and the publication rules on the methods page.

The fixtures are small hand-written results built with tests/fixtures/results.py (so they read into
EvaluationResult) and a publication_audit.json."""
from __future__ import annotations

import html as html_lib
import json
import re
from pathlib import Path

import pytest

from evaluations.publication.rules import RULES
from evaluations.publication.vocabulary import ASSESSMENTS, DIRECTIONS, GRADES
from pipelines.settings import SITE_SOURCE_DIR
from pipelines.site.build import publish
from pipelines.site.estimates import baseline_block
from pipelines.site.results import SiteInputs
from tests.fixtures.results import result_dict, write_result
from tests.fixtures.results import texts as _text

HOMICIDES = ("goal_1_protect_people", "homicide_reduction")


def result(name: str, goal: str, line: str, design: str, *, scope: str = "framework", evidence: dict,
           headline: dict | None = None, estimates: list | None = None, baseline_comparison: dict | None = None,
           threats: list | None = None, title: dict | None = None) -> dict:
    parts = {"goal": goal, "line_of_action": line, "design": design, "scope": scope, "evidence": evidence,
             "headline": headline, "estimates": estimates or [], "baseline_comparison": baseline_comparison}
    if title:
        parts["title"] = title
    if threats:
        parts["threats"] = threats
    return result_dict(name, **parts)


def homicide_its() -> dict:
    """The audit's choice for the homicide line: an ITS whose level change is positive but whose CI covers zero
    (p = 0.42), over a baseline comparison whose change is positive too."""
    level = {"id": "its_level", "estimator": "its_level", "kind": "effect",
             "label": _text("Change in level at 2021-10", "Cambio de nivel en 2021-10"),
             "estimate": 0.3, "std_error": 0.37, "ci_low": -0.43, "ci_high": 1.03, "p_value": 0.42,
             "units": _text("victims per 100,000 per month", "víctimas por 100 000 al mes"),
             "mde": 1.036, "mde_share_of_baseline": 0.46}
    headline = {k: v for k, v in level.items() if k not in ("id", "kind", "mde", "mde_share_of_baseline")}
    return result(
        "homicide_its", *HOMICIDES, "its", headline=headline,
        title=_text("Homicide rate, interrupted time series", "Tasa de homicidios, serie de tiempo interrumpida"),
        estimates=[level,
                   {"id": "its_slope", "kind": "effect", "label": _text("Slope change", "Cambio de pendiente"),
                    "estimate": 0.01, "std_error": 0.02, "ci_low": -0.03, "ci_high": 0.05, "p_value": 0.6,
                    "mde": 0.056, "mde_share_of_baseline": 0.025},
                   {"id": "its_level_quadratic", "kind": "sensitivity", "label": _text("Level change, quadratic trend",
                                                                                         "Cambio de nivel, tendencia cuadrática"),
                    "estimate": 0.5, "std_error": 0.4, "ci_low": -0.28, "ci_high": 1.28, "p_value": 0.21,
                    "mde": 1.12, "mde_share_of_baseline": 0.5}],
        baseline_comparison={"baseline": {"start": "2015-01-01", "end": "2021-09-30", "mean": 2.24, "months": 81,
                                          "first_month_with_data": "2015-01-01"},
                             "post": {"start": "2021-10-01", "end": "2025-06-30", "mean": 2.74, "months": 45},
                             "sufficient": True, "change": 0.5, "percent_change": 22.3, "trend_per_year": 0.05,
                             "caveat": _text("Descriptive.", "Descriptivo.")},
        threats=[{"id": "concurrent", "en": "Anything else that changed in October 2021 <script>x</script>",
                  "es": "Cualquier otra cosa que cambiara en octubre de 2021"}],
        evidence={"grade": "single_series_model", "direction": "no_clear_change", "assessment": "unclear",
                  "estimate_id": "its_level", "baseline_mean": 2.24, "mde": {"value": 1.036, "share_of_baseline": 0.46},
                  "reasons": [{"id": "ci_covers_zero", "en": "The 95% interval of the level change covers zero.",
                               "es": "El intervalo del 95% del cambio de nivel incluye el cero."},
                              {"id": "single_series", "en": "One series: anything else that changed then looks the same.",
                               "es": "Una sola serie: cualquier otra cosa que cambiara entonces se ve igual."}]})


def kidnapping_trend() -> dict:
    """A second Framework evaluation on the same line: descriptive, with a clear decrease (not the row's choice)."""
    change = {"id": "mean_change", "kind": "change", "label": _text("Change in the monthly mean", "Cambio en el promedio mensual"),
              "estimate": -7.25, "std_error": 1.5, "ci_low": -10.19, "ci_high": -4.31, "p_value": 0.0001,
              "units": _text("victims", "víctimas")}
    post = {"id": "post_mean", "kind": "level", "label": _text("Monthly mean since October 2021", "Promedio mensual desde octubre de 2021"),
            "estimate": 60.0, "std_error": 2.0, "ci_low": 56.08, "ci_high": 63.92, "p_value": 1e-12,
            "units": _text("victims", "víctimas")}
    return result(
        "kidnapping_trend", *HOMICIDES, "indicator_trend", estimates=[change, post],
        title=_text("Kidnapping victims", "Víctimas de secuestro"),
        baseline_comparison={"baseline": {"start": "2018-10-01", "end": "2021-09-30", "mean": 67.25, "months": 36},
                             "post": {"start": "2021-10-01", "end": "2025-06-30", "mean": 60.0, "months": 45},
                             "sufficient": True, "change": -7.25, "percent_change": -10.8, "trend_per_year": -1.0},
        evidence={"grade": "descriptive", "direction": "decrease", "assessment": "good", "estimate_id": "mean_change",
                  "baseline_mean": 67.25, "mde": None,
                  "reasons": [{"id": "ci_excludes_zero", "en": "The 95% interval of the change excludes zero.",
                               "es": "El intervalo del 95% del cambio excluye el cero."}]})


def joint_operations() -> dict:
    """An earlier policy (2006–2008) on the same line of action."""
    cs = {"id": "cs", "estimator": "cs", "kind": "effect", "label": _text("Average effect (Callaway–Sant'Anna)", "Efecto promedio (Callaway–Sant'Anna)"),
          "estimate": 0.61, "std_error": 0.3, "ci_low": 0.02, "ci_high": 1.2, "p_value": 0.04,
          "units": _text("homicides per 100,000 per month", "homicidios por 100 000 al mes")}
    return result(
        "joint_operations", *HOMICIDES, "staggered_did", scope="earlier_policy",
        title=_text("Joint military operations, 2006–2008", "Operativos conjuntos, 2006–2008"),
        headline={k: v for k, v in cs.items() if k not in ("id", "kind")}, estimates=[cs],
        evidence={"grade": "comparison_group_diagnostics_pass", "direction": "increase", "assessment": "bad", "estimate_id": "cs",
                  "baseline_mean": 1.5, "mde": None,
                  "reasons": [{"id": "ci_excludes_zero", "en": "The interval excludes zero.", "es": "El intervalo excluye el cero."}]})


def ofac_designations() -> dict:
    """A baseline of one month with data: no change, percentage or direction is published."""
    post = {"id": "post_mean", "kind": "level", "label": _text("Monthly mean since October 2021", "Promedio mensual desde octubre de 2021"),
            "estimate": 4.2, "std_error": 0.5, "ci_low": 3.22, "ci_high": 5.18, "p_value": None, "units": _text("designations", "designaciones")}
    return result(
        "ofac_designations", "goal_3_criminal_networks", "illicit_financiers", "indicator_trend", estimates=[post],
        title=_text("OFAC designations with a Mexico nexus", "Designaciones de la OFAC con nexo mexicano"),
        baseline_comparison={"baseline": {"start": "2021-09-01", "end": "2021-09-30", "mean": 12.0, "months": 1,
                                          "months_expected": 36, "first_month_with_data": "2021-09-01"},
                             "post": {"start": "2021-10-01", "end": "2025-06-30", "mean": 4.2, "months": 45},
                             "sufficient": False, "change": None, "percent_change": None, "trend_per_year": None,
                             "insufficient": _text("Insufficient baseline (1 month): at least 24 months with data are needed.",
                                                   "Línea base insuficiente (1 mes): se necesitan al menos 24 meses con datos.")},
        evidence={"grade": "insufficient_data", "direction": "none", "assessment": "none", "estimate_id": None,
                  "baseline_mean": None, "mde": None,
                  "reasons": [{"id": "baseline_min_months", "en": "Insufficient baseline (1 month): at least 24 months with data are needed.",
                               "es": "Línea base insuficiente (1 mes): se necesitan al menos 24 meses con datos."}]})


RESULTS = [homicide_its, kidnapping_trend, joint_operations, ofac_designations]


def audit_entry(r: dict, q_value: float | None) -> dict:
    ev = r["evidence"]
    e = next((x for x in r["estimates"] if x["id"] == ev["estimate_id"]), {})
    return {"name": r["name"], "goal": r["goal"], "line_of_action": r["line_of_action"], "scope": r["scope"], "design": r["design"],
            "grade": ev["grade"], "direction": ev["direction"], "assessment": ev["assessment"], "estimate_id": ev["estimate_id"],
            "estimate": e.get("estimate"), "ci_low": e.get("ci_low"), "ci_high": e.get("ci_high"), "p_value": e.get("p_value"),
            "q_value": q_value, "rules_passed": r["publication"]["rules_passed"], "violations": []}


def publication_audit(results: dict[str, dict]) -> dict:
    return {
        "schema": 1, "passed": True,
        "rules": [{"id": rule.id, "title": rule.title, "description": rule.description} for rule in RULES],
        "grades": dict(sorted(GRADES.items())),  # the audit file is written with sorted keys
        "family": {"method": "benjamini_hochberg", "tests": 9, "alpha": 0.05,
                   "description": {"en": "one headline test per evaluation with a p-value",
                                   "es": "una prueba principal por evaluación con valor p"}},
        "scorecard": [{"goal": "goal_1_protect_people", "line_of_action": "homicide_reduction", "evaluation": "homicide_its"},
                      {"goal": "goal_1_protect_people", "line_of_action": "public_health", "evaluation": None},
                      {"goal": "goal_3_criminal_networks", "line_of_action": "illicit_financiers", "evaluation": "ofac_designations"}],
        "earlier_policy": [{"goal": "goal_1_protect_people", "line_of_action": "homicide_reduction", "evaluation": "joint_operations"}],
        "evaluations": [audit_entry(results["homicide_its"], 0.61), audit_entry(results["kidnapping_trend"], 0.0009),
                        audit_entry(results["joint_operations"], 0.12), audit_entry(results["ofac_designations"], None)],
        "published": [], "violations": [],
    }


def write_results(folder: Path, audited: bool = True) -> Path:
    results = {make()["name"]: make() for make in RESULTS}
    for r in results.values():
        write_result(folder, r)
    (folder / "data_gaps.json").write_text("[]")
    if audited:
        (folder / "publication_audit.json").write_text(json.dumps(publication_audit(results), ensure_ascii=False), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The site built once from the fixtures, with their publication audit: BUILD/site/dev."""
    tmp = tmp_path_factory.mktemp("evidence")
    results = write_results(tmp / "results")
    inputs = SiteInputs(results, [], {"commit": "abc1234", "version": "dev", "lock_sha256": "cd" * 32})
    published = publish(SITE_SOURCE_DIR, tmp / "site", inputs, "dev")
    assert published.renderer == "pandoc"
    return published.path


def page(site: Path, lang: str, name: str) -> str:
    return html_lib.unescape((site / lang / name).read_text(encoding="utf-8"))


def section(text: str, anchor: str) -> str:
    """The part of a page from the heading with id `anchor` to the next heading of the same or a higher level."""
    match = re.search(rf'<h([1-6])[^>]*id="{re.escape(anchor)}"', text)
    assert match, anchor
    level = int(match.group(1))
    end = re.compile(rf"<h[1-{level}]\b").search(text, match.end())
    return text[match.start():end.start() if end else len(text)]


def scorecard_row(text: str, name: str) -> str:
    """The <tr> of the scorecard that links to the evaluation `name`."""
    rows = [row for row in re.findall(r"<tr\b[^>]*>.*?</tr>", text, re.S) if f'#{name}"' in row]
    assert len(rows) == 1, (name, rows)
    return rows[0]


def part(row: str, css_class: str) -> str:
    """The text of the one element of a scorecard row with this class ("" when there is none)."""
    found = re.findall(rf'<(span|strong) class="{css_class}[ "][^>]*>(.*?)</\1>', row, re.S)
    assert len(found) <= 1, (css_class, found)
    return re.sub(r"<[^>]+>", "", found[0][1]).strip() if found else ""


def goal_block(index: str, goal_page: str) -> str:
    """The scorecard of one goal on the home page: from its <h2> (a link to the goal page) to the next <h2>."""
    parts = re.split(r"(?=<h2\b)", index)
    return next(p for p in parts if p.startswith("<h2") and f'href="{goal_page}"' in p.split("</h2>")[0])


def cells(row: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_scorecard_row_shows_the_evaluation_the_audit_names(site, lang):
    index = page(site, lang, "index.html")
    goal_1 = goal_block(index, "goal-1.html")
    html_row = scorecard_row(goal_1, "homicide_its")
    row = cells(html_row)
    # indicator, before → since, trend, estimate, direction, evidence: all from homicide_its
    assert ("Homicide rate, interrupted time series" if lang == "en" else "Tasa de homicidios, serie de tiempo interrumpida") in row[0]
    assert row[0].startswith("Homicide and high-impact crime reduction" if lang == "en" else "Reducción de homicidios y delitos de alto impacto")
    # es-MX groups thousands with a space; the scorecard keeps "100 000" on one line (a no-break space)
    units = "victims per 100,000 per month" if lang == "en" else "víctimas por 100\u00a0000 al mes"
    assert part(html_row, "unit") == units
    # a rate's monthly averages to one decimal: 2.24 → 2.2, 2.74 → 2.7
    assert part(html_row, "before-after") == "2.2 → 2.7"
    # the estimate and its interval to 3 significant digits: 0.3 → 0.300, -0.43 → -0.430, 1.03 → 1.03
    assert part(html_row, "estimate-value") == "0.300" and units in row[3]
    assert part(html_row, "ci") == ("95% CI: -0.430 to 1.03" if lang == "en" else "IC 95%: -0.430 a 1.03")
    assert part(html_row, "direction") == f"{DIRECTIONS['no_clear_change']['symbol']} {DIRECTIONS['no_clear_change'][lang]}"
    assert part(html_row, "assess") == f"{ASSESSMENTS['unclear']['symbol']} {ASSESSMENTS['unclear'][lang]}"
    assert 'class="assess assess-unclear"' in html_row and 'class="row-unclear"' in html_row
    assert part(html_row, "grade") == GRADES["single_series_model"][lang]
    assert part(html_row, "q") == "q = 0.610"
    # … and nothing from kidnapping_trend, the other Framework evaluation of the same line
    assert "#kidnapping_trend" not in goal_1 and "-7.25" not in goal_1
    assert GRADES["descriptive"][lang] not in goal_1.split('id="legend"')[0]
    assert "▲" not in goal_1 and "▼" not in goal_1  # the change (+0.5) and estimate (+0.3) are positive: no arrow
    # a line the audit gives no evaluation: no data
    assert ("○ no data" if lang == "en" else "○ sin datos") in goal_1


@pytest.mark.parametrize("lang", ["en", "es"])
def test_insufficient_data_shows_the_reason_and_no_number(site, lang):
    index = page(site, lang, "index.html")
    html_row = scorecard_row(index, "ofac_designations")
    row = cells(html_row)
    assert row[3] == ("Insufficient baseline (1 month): at least 24 months with data are needed." if lang == "en" else
                      "Línea base insuficiente (1 mes): se necesitan al menos 24 meses con datos.")  # no number
    assert row[1] == "—"  # no before/after averages on a baseline of one month
    assert part(html_row, "direction") == f"{DIRECTIONS['none']['symbol']} {DIRECTIONS['none'][lang]}"
    assert part(html_row, "grade") == GRADES["insufficient_data"][lang] and part(html_row, "q") == ""
    goal_3 = section(page(site, lang, "goal-3.html"), "ofac_designations")
    full = ("Insufficient baseline (1 month): at least 24 months with data are needed." if lang == "en" else
            "Línea base insuficiente (1 mes): se necesitan al menos 24 meses con datos.")
    assert full in goal_3
    assert ("Change in the mean" if lang == "en" else "Cambio en el promedio") not in goal_3
    assert "%" not in re.sub(r"<[^>]+>", "", goal_3).replace("95%", "")  # no percentage change
    # the baseline window printed is the one with data: September 2021, 1 month
    assert ("September 2021 – September 2021" if lang == "en" else "septiembre de 2021 – septiembre de 2021") in goal_3
    assert re.search(r"<td[^>]*>1</td>", goal_3)
    assert "#ofac_designations" in goal_block(index, "goal-3.html")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_level_gets_no_p_value(site, lang):
    kidnapping = section(page(site, lang, "goal-1.html"), "kidnapping_trend")
    post_row = next(r for r in re.findall(r"<tr>.*?</tr>", kidnapping, re.S) if "Monthly mean" in r or "Promedio mensual" in r)
    assert cells(post_row)[4] == "—"  # the result carries p = 1e-12 against zero; a count's mean is not tested
    change_row = next(r for r in re.findall(r"<tr>.*?</tr>", kidnapping, re.S) if "Change in the monthly" in r or "Cambio en el promedio mensual" in r)
    assert cells(change_row)[4] == "&lt; 0.001" or cells(change_row)[4] == "< 0.001"


def test_an_insufficient_baseline_never_prints_a_change_even_if_one_is_given():
    comparison = ofac_designations()["baseline_comparison"] | {"change": -7.8, "percent_change": -65.0}
    for lang, words in (("en", "Insufficient baseline (1 month)"), ("es", "Línea base insuficiente (1 mes)")):
        text = baseline_block(comparison, lang).replace("\\", "")  # Markdown escapes
        assert words in text
        assert "-65.0" not in text and "-7.80" not in text and "%" not in text


@pytest.mark.parametrize("lang", ["en", "es"])
def test_no_arrow_for_no_clear_change_and_the_evidence_line_on_the_goal_page(site, lang):
    goal_1 = page(site, lang, "goal-1.html")
    its = section(goal_1, "homicide_its")
    assert "▲" not in its and "▼" not in its  # positive change and estimate, but no clear change
    # the bottom line: "what changed" carries the evaluation's direction and assessment, "how sure" its grade and q
    changed = re.search(r'<p class="changed">(.*?)</p>', its, re.S).group(1)
    assert (f"{DIRECTIONS['no_clear_change']['symbol']} {DIRECTIONS['no_clear_change'][lang]} · "
            f"{ASSESSMENTS['unclear']['symbol']} {ASSESSMENTS['unclear'][lang]}.") in changed
    assert ("<strong>0.300 victims per 100,000 per month</strong>" if lang == "en" else
            "<strong>0.300 víctimas por 100 000 al mes</strong>") in changed
    evidence = re.search(r'<p class="evidence">(.*?)</p>', its, re.S).group(1)
    for words in (GRADES["single_series_model"][lang], "q = 0.610",
                  "95% CI -0.430 to 1.03" if lang == "en" else "IC 95% -0.430 a 1.03"):
        assert words in evidence
    assert ("<li>The 95% interval of the level change covers zero.</li>" if lang == "en" else
            "<li>El intervalo del 95% del cambio de nivel incluye el cero.</li>") in its
    # threats to validity, as a list, escaped
    heading = "What this cannot show" if lang == "en" else "Lo que esto no puede mostrar"
    assert heading in its and its.index(heading) < its.index("<table")
    raw = (site / lang / "goal-1.html").read_text(encoding="utf-8")
    assert "<script>x</script>" not in raw
    if lang == "en":
        assert "<li>Anything else that changed in October 2021 &lt;script&gt;x&lt;/script&gt;</li>" in raw
    # the descriptive decrease of the other evaluation carries its own arrow and assessment
    kidnapping = section(goal_1, "kidnapping_trend")
    changed = re.search(r'<p class="changed">(.*?)</p>', kidnapping, re.S).group(1)
    assert f"▼ {DIRECTIONS['decrease'][lang]}" in changed and f"✓ {ASSESSMENTS['good'][lang]}" in changed
    assert "q < 0.001" in kidnapping


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_minimum_detectable_effect_sits_beside_a_null(site, lang):
    its = section(page(site, lang, "goal-1.html"), "homicide_its")
    if lang == "en":
        assert "Smallest effect detectable with 80% power: 1.04 victims per 100,000 per month (46.0% of the baseline mean)." in its
    else:
        assert "Efecto más pequeño detectable con 80% de potencia: 1.04 víctimas por 100 000 al mes (46.0% del promedio de la línea base)." in its
    # once: the evidence line shows it, so the headline of the same estimate does not repeat it
    assert its.count("Smallest effect detectable with" if lang == "en" else "Efecto más pequeño detectable con") == 1
    # in the estimates table too, for every estimate whose interval covers zero
    slope = next(r for r in re.findall(r"<tr>.*?</tr>", its, re.S) if "Slope change" in r or "Cambio de pendiente" in r)
    assert cells(slope)[-1] == ("0.0560 (2.5% of the baseline mean)" if lang == "en" else "0.0560 (2.5% del promedio de la línea base)")
    # in the bottom line, above the tables
    assert its.index("Smallest effect" if lang == "en" else "Efecto más pequeño") < its.index('<details class="technical">') < its.index("<table")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_earlier_policies_are_apart_on_the_goal_page_and_in_the_scorecard(site, lang):
    heading = "Earlier-policy evidence (before the Framework)" if lang == "en" else \
        "Evidencia de políticas anteriores (antes del Entendimiento)"
    goal_1 = page(site, lang, "goal-1.html")
    line = section(goal_1, "homicide_reduction")
    earlier = section(goal_1, "earlier-policy")   # a section of the page of its own, after the lines of action
    assert re.search(r'<h2[^>]*id="earlier-policy"', goal_1)
    assert heading in earlier and "joint_operations" in earlier
    assert ("not results of the Framework" if lang == "en" else "no son resultados del Entendimiento") in earlier
    assert 'id="homicide_its"' in line and 'id="kidnapping_trend"' in line
    assert 'id="joint_operations"' not in line and 'id="homicide_its"' not in earlier
    assert goal_1.index('id="homicide_reduction"') < goal_1.index('id="earlier-policy"')
    assert re.search(r'<h3[^>]*id="joint_operations"', earlier)  # under the section's heading
    toc = re.search(r'<nav class="goal-toc".*?</nav>', goal_1, re.S).group(0)  # and in the table of contents
    assert toc.index('href="#earlier-policy"') < toc.index('href="#joint_operations"')
    levels = [int(level) for level in re.findall(r"<h([1-6])\b", goal_1)]
    assert levels[0] == 1 and all(b <= a + 1 for a, b in zip(levels, levels[1:])), levels
    # the scorecard: a separate table after the goals
    index = page(site, lang, "index.html")
    table = section(index, "earlier-policy")
    assert heading in table
    row = scorecard_row(table, "joint_operations")
    assert part(row, "direction") == f"▲ {DIRECTIONS['increase'][lang]}" and part(row, "assess") == f"✗ {ASSESSMENTS['bad'][lang]}"
    assert part(row, "grade") == GRADES["comparison_group_diagnostics_pass"][lang] and part(row, "q") == "q = 0.120"
    assert index.count("#joint_operations") == 1  # nowhere else on the home page: not a key finding either


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_methods_page_lists_every_rule_and_grade(site, lang):
    methods = section(page(site, lang, "methods.html"), "publication-rules")
    assert ("Publication rules and evidence grades" if lang == "en" else "Reglas de publicación y grados de evidencia") in methods
    for rule in RULES:
        assert rule.title[lang] in methods, rule.id
        assert rule.description[lang] in methods, rule.id
        assert rule.id in methods
    for grade in GRADES.values():
        assert grade[lang] in methods and grade["description"][lang] in methods
    assert ("This site reports 9 tests in its scorecard family; q-values control the false discovery rate (Benjamini–Hochberg)."
            if lang == "en" else
            "Este sitio reporta 9 pruebas en la familia de su tablero; los valores q controlan la tasa de falsos descubrimientos "
            "(Benjamini–Hochberg).") in methods


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_legend_explains_symbols_grades_and_q_values(site, lang):
    legend = section(page(site, lang, "index.html"), "legend")
    for entry in [*DIRECTIONS.values(), *ASSESSMENTS.values()]:
        assert f"{entry['symbol']} {entry[lang]}" in legend
    for grade in GRADES.values():
        assert grade["description"][lang] in legend
    assert ("q-value: p-value adjusted, by Benjamini–Hochberg, for all 9 tests this site reports (one headline test per "
            "evaluation with a p-value)." if lang == "en" else
            "valor q: valor p ajustado, por Benjamini–Hochberg, para las 9 pruebas que reporta este sitio (una prueba principal "
            "por evaluación con valor p).") in re.sub(r"<[^>]+>", "", legend)
    # grades best first, whatever order the audit file keeps them in
    assert [legend.index(GRADES[g]["description"][lang]) for g in GRADES] == sorted(legend.index(GRADES[g]["description"][lang]) for g in GRADES)


def test_without_the_audit_the_site_says_not_audited_and_still_lists_the_rules(tmp_path):
    results = write_results(tmp_path / "results", audited=False)
    inputs = SiteInputs(results, [], {"commit": "abc1234", "version": "dev", "lock_sha256": "cd" * 32})
    site = publish(SITE_SOURCE_DIR, tmp_path / "site", inputs, "dev").path
    for lang, words in (("en", "not audited"), ("es", "sin auditar")):
        index = page(site, lang, "index.html")
        scorecard = index.split('id="legend"')[0]
        assert words in scorecard and "▲" not in scorecard and "▼" not in scorecard
        row = cells(scorecard_row(scorecard, "ofac_designations"))
        assert row[3] == "—" and row[4] == words and row[5] == words  # no number, no direction, no grade
        assert 'id="earlier-policy"' in index and "#joint_operations" in section(index, "earlier-policy")
        methods = section(page(site, lang, "methods.html"), "publication-rules")
        assert all(rule.title[lang] in methods for rule in RULES)
        assert ("These results were not audited" if lang == "en" else "Estos resultados no se auditaron") in methods
