"""Goal pages read bottom line first: a table of contents; per evaluation its bottom line (what changed, how sure we
are, what it cannot show), its main chart, then the technical details folded; earlier policies in a section of
their own; readable labels (no code names, states by name, months as months, Yes/No); the one rounding rule.

The results are small hand-written fixtures (tests/fixtures/results.py); expected numbers are worked by hand in
the comments."""
from __future__ import annotations

import html as html_lib
import re
from pathlib import Path

import pytest

from evaluations.publication.vocabulary import ASSESSMENTS, DIRECTIONS, GRADES
from pipelines.settings import SITE_SOURCE_DIR
from pipelines.site import i18n
from pipelines.site.build import publish
from pipelines.site.goals import goal_section
from pipelines.site.results import SiteInputs, load_results
from tests.fixtures.results import estimate, evidence, headline, result_dict, texts, write_result

PNG_1x1 = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                        "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a7dd1a8b0000000049454e44ae426082")
GOAL = "goal_1_protect_people"
NAMES = {"01001": ("Aguascalientes", "Aguascalientes"), "02004": ("Tijuana", "Baja California"),
         "32056": ("Zacatecas", "Zacatecas")}
THREATS = [{"id": f"t{i}", "en": f"Limit number {i}.", "es": f"Límite número {i}."} for i in range(1, 6)]


def deaths_its() -> dict:
    """A Framework ITS on homicides: a level change of 24,825.36 deaths (SE 6,051.14), graded single-series."""
    deaths = texts("deaths", "muertes")
    level = {"estimator": "its_level", "label": texts("Change in level", "Cambio de nivel"), "estimate": 24825.36,
             "std_error": 6051.14, "ci_low": 12964.9, "ci_high": 36685.8, "p_value": 0.0004, "units": deaths}
    return result_dict(
        "deaths_its", title=texts("Homicide deaths, interrupted time series", "Muertes por homicidio, serie interrumpida"),
        goal=GOAL, line_of_action="homicide_reduction", design="its",
        headline=headline(**level),
        estimates=[estimate("its_level", **level),
                   estimate("its_slope", label=texts("Slope change", "Cambio de pendiente"), estimate=-0.0012345,
                            std_error=0.00049, ci_low=-0.0021949, ci_high=-0.0002741, p_value=0.012)],
        baseline_comparison={"baseline": {"start": "2018-10-01", "end": "2021-09-30", "mean": 725.4444, "months": 36},
                             "post": {"start": "2021-10-01", "end": "2025-06-30", "mean": 915.7333, "months": 45},
                             "sufficient": True, "change": 190.2889, "percent_change": 26.2307, "trend_per_year": 16.81},
        threats=THREATS,
        figures=[{"file": "its.png", "kind": "its", "alt": texts("Main chart", "Gráfica principal"),
                  "caption": texts("Main chart", "Gráfica principal")},
                 {"file": "other.png", "kind": "other", "alt": texts("Second chart", "Segunda gráfica"),
                  "caption": texts("Second chart", "Segunda gráfica")}],
        tables=[{"file": "by_unit.csv", "caption": texts("The same model for each state", "El mismo modelo para cada estado")},
                {"file": "att_gt.csv", "caption": texts("Group-time effects", "Efectos por cohorte y periodo")}],
        evidence=evidence(grade="single_series_model", direction="increase", assessment="bad", estimate_id="its_level",
                          reasons=[{"id": "single_series", "en": "One series.", "es": "Una sola serie."}]))


def guard_dose() -> dict:
    """An earlier policy (2019–2021) on the same line."""
    return result_dict(
        "guard_dose", title=texts("National Guard, 2019–2021", "Guardia Nacional, 2019–2021"), goal=GOAL,
        line_of_action="homicide_reduction", design="dose_response", scope="earlier_policy",
        evidence=evidence(grade="association", direction="no_clear_change", assessment="unclear"))


def designations() -> dict:
    """Insufficient data: no number is published."""
    return result_dict(
        "few_months", title=texts("A short series", "Una serie corta"), goal=GOAL, line_of_action="public_health",
        evidence=evidence(grade="insufficient_data", direction="none", assessment="none",
                          reasons=[{"id": "baseline_min_months", "en": "Insufficient baseline (1 month).",
                                    "es": "Línea base insuficiente (1 mes)."}]))


def write_fixture(results: Path) -> Path:
    folder = write_result(results, deaths_its())
    (folder / "its.png").write_bytes(PNG_1x1)
    (folder / "other.png").write_bytes(PNG_1x1)
    (folder / "by_unit.csv").write_text(
        "cve_ent,n_obs,level_estimate,level_std_error,level_p_value,hac_lags,note\n"
        "01,126,-0.11123,0.0994,0.259,5,\n02,126,-2.0612,0.502,0.00004,9,Too short\n", encoding="utf-8")
    (folder / "att_gt.csv").write_text(   # month index = year × 12 + month − 1: 24084 = January 2007
        "group,time,event_time,base_time,post,estimate,std_error,n_treated,reference\n"
        "24084,24083,-1,24082,False,-0.158,0.32,212,True\n24084,24095,11,24083,True,1.0054,0.622,212,False\n", encoding="utf-8")
    write_result(results, guard_dose())
    write_result(results, designations())
    (results / "data_gaps.json").write_text("[]")
    return results


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory) -> Path:
    return write_fixture(tmp_path_factory.mktemp("goal-pages") / "results")


@pytest.fixture(scope="module")
def markdown(results_dir, tmp_path_factory) -> dict[str, str]:
    figures = tmp_path_factory.mktemp("figures")
    known = {line["id"]: line for line in i18n.lines_of_action()}
    results = load_results(results_dir)
    return {lang: goal_section(GOAL, lang, results, [], known, figures, results_dir, NAMES) for lang in ("en", "es")}


@pytest.fixture(scope="module")
def site(results_dir, tmp_path_factory) -> Path:
    inputs = SiteInputs(results_dir, [], {"commit": "abc1234", "version": "dev", "lock_sha256": "cd" * 32}, [], NAMES)
    return publish(SITE_SOURCE_DIR, tmp_path_factory.mktemp("site") / "site", inputs, "dev").path


def page(site: Path, lang: str) -> str:
    return html_lib.unescape((site / lang / "goal-1.html").read_text(encoding="utf-8"))


def section(text: str, anchor: str) -> str:
    match = re.search(rf'<h([1-6])[^>]*id="{re.escape(anchor)}"', text)
    assert match, anchor
    end = re.compile(rf"<h[1-{match.group(1)}]\b").search(text, match.end())
    return text[match.start():end.start() if end else len(text)]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_bottom_line_comes_first_then_the_main_chart_then_the_details_folded(site, lang):
    its = section(page(site, lang), "deaths_its")
    box = its.index('<div class="bottom-line">')
    main_chart = its.index('src="figures/deaths_its_its.png"')
    details = its.index('<details class="technical">')
    assert its.index("</h3>") < box < main_chart < details   # nothing between the heading and the bottom line
    assert not re.search(r'<details class="technical"[^>]*\bopen', its)   # folded
    folded = its[details:]
    for inside in ('src="figures/deaths_its_other.png"', "<table", "Slope change" if lang == "en" else "Cambio de pendiente",
                   "Design" if lang == "en" else "Diseño"):
        assert inside in folded and inside not in its[:details], inside
    bottom = its[box:main_chart]
    for words in ("What changed", "How sure we are", "What this cannot show") if lang == "en" else \
            ("Qué cambió", "Qué tan seguros estamos", "Lo que esto no puede mostrar"):
        assert words in bottom
    # the evaluation's own words: direction, assessment, grade, reasons
    assert f"{DIRECTIONS['increase']['symbol']} {DIRECTIONS['increase'][lang]} · {ASSESSMENTS['bad']['symbol']} {ASSESSMENTS['bad'][lang]}" in bottom
    assert GRADES["single_series_model"][lang] in bottom and ("One series." if lang == "en" else "Una sola serie.") in bottom


@pytest.mark.parametrize("lang, changed, sure", [
    # 24,825.36 → 24,800 (3 significant digits); CI 12,964.9 → 13,000 and 36,685.8 → 36,700; means 725.4444 → 725 and
    # 915.7333 → 916; +26.2307% → +26.2% (one decimal)
    ("en", "<strong>24,800 deaths</strong> (data January 2015 – June 2025). Average of the monthly series: 725 "
           "(October 2018 – September 2021) → 916 since the Framework (October 2021 – June 2025), +26.2%.",
     "95% CI 13,000 to 36,700."),
    ("es", "<strong>24,800 muertes</strong> (datos enero de 2015 – junio de 2025). Promedio de la serie mensual: 725 "
           "(octubre de 2018 – septiembre de 2021) → 916 desde el Entendimiento (octubre de 2021 – junio de 2025), +26.2%.",
     "IC 95% 13,000 a 36,700."),
])
def test_numbers_follow_the_one_rounding_rule(site, lang, changed, sure):
    its = section(page(site, lang), "deaths_its")
    assert changed in re.search(r'<p class="changed">(.*?)</p>', its, re.S).group(1)
    assert sure in re.search(r'<p class="evidence">(.*?)</p>', its, re.S).group(1)
    # the technical details: SE 6,051.14 → 6,050; slope -0.0012345 → -0.00123, SE 0.00049 → 0.000490; change 190.2889
    # → 190; means in the comparison table 725 and 916
    se = "standard error" if lang == "en" else "error estándar"
    assert f"{se} 6,050" in its and "-0.00123" in its and "0.000490" in its
    assert ("Change in the mean: 190 (26.2%)" if lang == "en" else "Cambio en el promedio: 190 (26.2%)") in its
    for wrong in ("24,825.360", "6,051.140", "725.44", "190.29"):
        assert wrong not in its, wrong
    assert not re.search(r">-0\.001<", its)   # the slope is not cut to three decimals


@pytest.mark.parametrize("lang", ["en", "es"])
def test_threats_show_three_and_fold_the_others(site, lang):
    bottom = section(page(site, lang), "deaths_its").split('<details class="technical">')[0]
    word = "Limit number" if lang == "en" else "Límite número"
    more = bottom.index('<details class="more-limits">')
    assert all(bottom.index(f"{word} {i}.") < more for i in (1, 2, 3))
    assert all(bottom.index(f"{word} {i}.") > more for i in (4, 5))
    assert ("2 more limits" if lang == "en" else "2 límites más") in bottom


@pytest.mark.parametrize("lang", ["en", "es"])
def test_insufficient_data_says_why_and_shows_no_number(site, lang):
    short = section(page(site, lang), "few_months")
    changed = re.search(r'<p class="changed">(.*?)</p>', short, re.S).group(1)
    assert ("Insufficient baseline (1 month)." if lang == "en" else "Línea base insuficiente (1 mes).") in changed
    assert not re.search(r"\d", changed.replace("(1 month)", "").replace("(1 mes)", ""))
    assert short.count("Insufficient baseline (1 month)" if lang == "en" else "Línea base insuficiente (1 mes)") == 1


@pytest.mark.parametrize("lang", ["en", "es"])
def test_earlier_policies_have_their_own_section_and_the_toc_links_every_section(site, lang):
    text = page(site, lang)
    heading = "Earlier-policy evidence (before the Framework)" if lang == "en" else \
        "Evidencia de políticas anteriores (antes del Entendimiento)"
    earlier = section(text, "earlier-policy")
    assert heading in earlier and re.search(r'<h3[^>]*id="guard_dose"', earlier)
    assert 'id="guard_dose"' not in section(text, "homicide_reduction")
    assert text.index('id="homicide_reduction"') < text.index('id="earlier-policy"')
    toc = re.search(r'<nav class="goal-toc" aria-label="([^"]+)">\s*<details>\s*<summary>([^<]+)</summary>(.*?)</nav>', text, re.S)
    assert toc and toc.group(1) == toc.group(2) == ("On this page" if lang == "en" else "En esta página")
    targets = re.findall(r'href="#([^"]+)"', toc.group(3))
    assert targets == ["public_health", "few_months", "safe_communities", "homicide_reduction", "deaths_its",
                       "earlier-policy", "guard_dose"]
    for target in targets:
        assert text.count(f'id="{target}"') == 1, target
    levels = [int(level) for level in re.findall(r"<h([1-6])\b", text)]
    assert levels[0] == 1 and all(b <= a + 1 for a, b in zip(levels, levels[1:])), levels


@pytest.mark.parametrize("lang, cells", [
    ("en", ["Aguascalientes", "126", "-0.111", "0.0994", "0.259", "5", "", "Baja California", "126", "-2.06", "0.502", "&lt; 0.001"]),
    ("es", ["Aguascalientes", "126", "-0.111", "0.0994", "0.259", "5", "", "Baja California", "126", "-2.06", "0.502", "&lt; 0.001"]),
])
def test_tables_have_readable_headings_states_by_name_months_and_yes_no(site, lang, cells):
    raw = (site / lang / "goal-1.html").read_text(encoding="utf-8")
    by_unit = raw.split("The same model for each state" if lang == "en" else "El mismo modelo para cada estado")[1].split("</table>")[0]
    assert re.findall(r"<td[^>]*>([^<]*)</td>", by_unit)[:12] == cells
    headings = re.findall(r"<th[^>]*>([^<]*)</th>", by_unit)
    assert headings[:4] == (["State", "Observations", "Level change", "Level change, standard error"] if lang == "en" else
                            ["Estado", "Observaciones", "Cambio de nivel", "Cambio de nivel, error estándar"])
    att = raw.split("Group-time effects" if lang == "en" else "Efectos por cohorte y periodo")[1].split("</table>")[0]
    # 24084 = 2007 × 12 + 0: January 2007; 24083: December 2006; 24095: December 2007; 24082: November 2006
    first, second = (re.findall(r"<td[^>]*>([^<]*)</td>", row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", att, re.S)[1:3])
    if lang == "en":
        assert first == ["Jan 2007", "Dec 2006", "-1", "Nov 2006", "No", "-0.158", "0.320", "212", "Yes"]
        assert second[:5] == ["Jan 2007", "Dec 2007", "11", "Dec 2006", "Yes"] and second[5] == "1.01"
    else:
        assert first == ["ene 2007", "dic 2006", "-1", "nov 2006", "No", "-0.158", "0.320", "212", "Sí"]
    assert "True" not in att and "False" not in att


def code_names(markdown: str) -> list[str]:
    """snake_case identifiers in the visible text of generated Markdown: not in heading ids, link targets, HTML
    attributes or code."""
    visible = re.sub(r"\{#[^}]*\}", "", markdown)
    visible = re.sub(r"\]\([^)]*\)", "]", visible)
    visible = re.sub(r'\b(href|src|id|class)="[^"]*"', "", visible)
    visible = re.sub(r"<code>.*?</code>|`[^`]*`", "", visible)
    visible = visible.replace("\\_", "_")
    return re.findall(r"\b[a-z]+_[a-z_]+\b", visible)


def test_no_code_names_in_the_visible_text(markdown):
    for lang, text in markdown.items():
        assert code_names(text) == [], lang
    # the scan finds them when they are there
    assert code_names("| cve\\_ent | level_std_error |\n<code>marts.state_month_panel</code> {#deaths_its}") == \
        ["cve_ent", "level_std_error"]
