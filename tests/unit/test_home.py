"""The home page: key findings written from the published Framework results only, the rounding rule, the
direction / colour / symbol mapping, Spanish (es-MX) formatting, the line above the findings, sparklines and
"what we cannot measure yet". Results come from tests/fixtures/results.py; every expected string is written by
hand here."""
from __future__ import annotations

import html as html_lib
import re

import pytest

from evaluations.publication.vocabulary import ASSESSMENTS, GRADES
from pipelines.settings import SITE_SOURCE_DIR
from pipelines.site import links
from pipelines.site.findings import assessment_badge, average, candidates, choose, finding_html, finding_sentence, observed
from pipelines.site.home import home_page, meta_line, unmeasured_box
from pipelines.site.sparkline import read_series, sparkline_svg
from tests.fixtures.results import estimate, evidence, make_result, texts

VICTIMS = texts("victims", "víctimas")
FILES = texts("investigation files", "carpetas de investigación")
RATE = texts("victims per 100,000 per month", "víctimas por 100 000 al mes")


def trend(name: str, direction: str, assessment: str, *, before: float, after: float, percent: float, ci: tuple[float, float],
          units: dict = VICTIMS, line: str = "safe_communities", scope: str = "framework", post_end: str = "2025-06-30",
          title: dict | None = None):
    """An indicator trend: 36 baseline months (Oct 2018 – Sep 2021) against the months since October 2021."""
    change = estimate("mean_change", "change", estimate=after - before, ci_low=ci[0], ci_high=ci[1], units=units,
                      label=texts("Change in the monthly mean", "Cambio en el promedio mensual"))
    return make_result(
        name, title=title or texts(f"Title of {name}", f"Título de {name}"), line_of_action=line, scope=scope,
        estimates=[change],
        data={"sources": [{"en": "SESNSP", "es": "SESNSP"}], "tables": ["marts.indicators"], "unit": {"en": "national", "es": "nacional"},
              "period": {"start": "2015-01-01", "end": post_end}, "n_units": 1, "n_obs": 126},
        baseline_comparison={"baseline": {"start": "2018-10-01", "end": "2021-09-30", "mean": before, "months": 36},
                             "post": {"start": "2021-10-01", "end": post_end, "mean": after, "months": 45},
                             "sufficient": True, "change": after - before, "percent_change": percent},
        evidence=evidence(grade="descriptive", direction=direction, assessment=assessment, estimate_id="mean_change"))


def effect(name: str, design: str, grade: str, direction: str, assessment: str, *, value: float, ci: tuple[float, float],
           units: dict = RATE, reasons: list | None = None, scope: str = "framework", line: str = "homicide_reduction",
           period: tuple[str, str] = ("2015-01-01", "2025-06-30"), title: dict | None = None):
    level = estimate("its_level", estimate=value, ci_low=ci[0], ci_high=ci[1], units=units,
                     label=texts("Change in level", "Cambio de nivel"))
    return make_result(
        name, title=title or texts(f"Title of {name}", f"Título de {name}"), design=design, line_of_action=line, scope=scope,
        estimates=[level],
        data={"sources": [{"en": "SESNSP", "es": "SESNSP"}], "tables": ["marts.state_month_panel"], "unit": {"en": "national", "es": "nacional"},
              "period": {"start": period[0], "end": period[1]}, "n_units": 1, "n_obs": 126},
        evidence=evidence(grade=grade, direction=direction, assessment=assessment, estimate_id="its_level",
                          reasons=reasons or [{"id": "x", "en": "A reason.", "es": "Una razón."}]))


def insufficient(name: str, line: str = "illicit_financiers"):
    return make_result(
        name, goal="goal_3_criminal_networks", line_of_action=line, title=texts("OFAC designations", "Designaciones de la OFAC"),
        baseline_comparison={"baseline": {"start": "2021-09-01", "end": "2021-09-30", "mean": 12.0, "months": 1},
                             "post": {"start": "2021-10-01", "end": "2024-04-30", "mean": 4.2, "months": 31},
                             "sufficient": False, "change": None, "percent_change": None,
                             "insufficient": texts("Insufficient baseline (1 month).", "Línea base insuficiente (1 mes).")},
        evidence=evidence(grade="insufficient_data", direction="none", assessment="none", estimate_id=None,
                          reasons=[{"id": "insufficient_baseline", "en": "Insufficient baseline (1 month).",
                                    "es": "Línea base insuficiente (1 mes)."}]))


WITHHELD = [{"id": "single_series", "en": "One series.", "es": "Una serie."},
            {"id": "placebo_fails", "en": "A fake break 12 months earlier also shows a change.",
             "es": "Un corte ficticio 12 meses antes también muestra un cambio."},
            {"id": "direction_withheld", "en": "The direction is not claimed.", "es": "No se afirma una dirección."}]


def audit_of(results, scorecard: dict[str, str], q: dict[str, float] | None = None, violations: tuple[str, ...] = (),
             earlier: tuple[str, ...] = ()) -> dict:
    """A publication_audit.json for `results`: scorecard {line: evaluation}, q-values, violations by name."""
    by_name = {r.name: r for r in results}
    return {
        "schema": 1, "passed": not violations, "grades": GRADES,
        "scorecard": [{"goal": by_name[n].goal, "line_of_action": line, "evaluation": n} for line, n in scorecard.items()],
        "earlier_policy": [{"goal": by_name[n].goal, "line_of_action": by_name[n].line_of_action, "evaluation": n} for n in earlier],
        "evaluations": [{"name": r.name, "goal": r.goal, "line_of_action": r.line_of_action, "scope": r.scope,
                         "grade": r.evidence.grade, "direction": r.evidence.direction, "assessment": r.evidence.assessment,
                         "q_value": (q or {}).get(r.name), "violations": [{"rule": "x"}] if r.name in violations else []}
                        for r in results],
        "published": [], "violations": [{"rule": "x"}] if violations else [],
    }


def femicides():
    return trend("femicides", "decrease", "good", before=83.11111111111111, after=72.28888888888889,
                 percent=-13.021390374331549, ci=(-17.46, -4.18), title=texts("Femicide victims", "Víctimas de feminicidio"))


def homicide_its():
    return effect("homicide_its", "its", "single_series_model", "no_clear_change", "unclear", value=-0.47726385056507625,
                  ci=(-0.75307990130620, -0.20144779982395), reasons=WITHHELD,
                  title=texts("Intentional-homicide rate", "Tasa de homicidio doloso"))


def text(html: str) -> str:
    """What a reader sees of a generated part: no tags, no raw-HTML fences, entities decoded."""
    return html_lib.unescape(re.sub(r"<[^>]+>|```(\{=html\})?", "", html))


# ----------------------------------------------------------------------------------------------
# Which results become findings


def test_findings_come_only_from_published_framework_rows_of_the_scorecard():
    results = [
        femicides(),
        trend("narcotics", "decrease", "neutral", before=619.8, after=527.0, percent=-15.0, ci=(-141.3, -44.3), units=FILES,
              line="tco_supply_chains"),
        # a clearer result, but not the scorecard's row for its line: not a finding
        trend("extortion", "increase", "bad", before=725.4, after=915.7, percent=26.2, ci=(137.8, 242.8)),
        # an earlier policy and a context comparison, with clear directions: never findings
        effect("joint_ops", "staggered_did", "comparison_group_diagnostic_fails", "increase", "bad", value=1.03, ci=(0.23, 1.83),
               scope="earlier_policy"),
        effect("west_vs_east", "synthetic_did", "synthetic_comparison", "increase", "bad", value=0.4, ci=(0.29, 0.51),
               scope="context", line="public_health"),
        # a row whose result broke a rule, and one with too little data: not findings
        trend("broken", "decrease", "good", before=10.0, after=5.0, percent=-50.0, ci=(-6.0, -4.0), line="arms_trafficking"),
        insufficient("ofac"),
        homicide_its(),
        effect("arrests", "event_study", "comparison_group_diagnostics_pass", "no_clear_change", "unclear", value=0.0365,
               ci=(-0.336, 0.409), line="investigation_prosecution"),
    ]
    audit = audit_of(results, {"safe_communities": "femicides", "tco_supply_chains": "narcotics", "public_health": "west_vs_east",
                               "arms_trafficking": "broken", "illicit_financiers": "ofac", "homicide_reduction": "homicide_its",
                               "investigation_prosecution": "arrests"},
                     q={"femicides": 0.004, "narcotics": 0.0008, "extortion": 1e-11, "broken": 1e-6, "homicide_its": 0.003,
                        "arrests": 0.85}, violations=("broken",), earlier=("joint_ops",))
    chosen = [r.name for r, _ in choose(candidates(results, audit))]
    # an improvement before a change neither good nor bad (though its q is smaller); then no clear change, best grade first
    assert chosen == ["femicides", "narcotics", "arrests", "homicide_its"]


def test_at_most_three_clear_findings_and_five_in_all():
    clear = [trend(f"clear{i}", "decrease", "good", before=10.0, after=5.0, percent=-50.0, ci=(-6.0, -4.0)) for i in range(5)]
    unclear = [trend(f"unclear{i}", "no_clear_change", "unclear", before=10.0, after=9.0, percent=-10.0, ci=(-2.0, 0.5))
               for i in range(3)]
    results = clear + unclear
    audit = audit_of(results, {f"line{i}": r.name for i, r in enumerate(results)},
                     q={**{f"clear{i}": 0.01 * (5 - i) for i in range(5)}, **{f"unclear{i}": 0.2 + 0.1 * i for i in range(3)}})
    assert [r.name for r, _ in choose(candidates(results, audit))] == ["clear4", "clear3", "clear2", "unclear0", "unclear1"]
    only_clear = audit_of(clear + clear[:0], {f"line{i}": r.name for i, r in enumerate(clear)})
    assert len(choose(candidates(clear, only_clear))) == 5  # nothing unclear to show: the other clear ones fill in


def test_no_findings_without_the_audit_or_without_a_published_result():
    results = [insufficient("ofac")]
    page = home_page("en", results, [], {}, None, None)
    assert "No key findings: these results have not been through the publication audit." in page
    page = home_page("es", results, [], {}, audit_of(results, {"illicit_financiers": "ofac"}), None)
    assert "Todavía ningún resultado cumple las reglas de publicación para ser un hallazgo principal." in page


# ----------------------------------------------------------------------------------------------
# The sentences, in both languages


def test_a_trend_finding_states_direction_unit_period_rounded_numbers_and_how_sure():
    result = femicides()
    assert text(finding_sentence(result, "en")) == (
        "Femicide victims: ▼ decrease — from 83.1 to 72.3 victims per month on average (-13.0%), "
        "Oct 2018 – Sep 2021 vs Oct 2021 – Jun 2025.")
    assert text(finding_sentence(result, "es")) == (
        "Víctimas de feminicidio: ▼ disminución — de 83.1 a 72.3 víctimas al mes en promedio (-13.0%), "
        "oct 2018 – sep 2021 frente a oct 2021 – jun 2025.")
    item = finding_html(result, "en")
    assert 'class="finding finding-good"' in item and '<span class="assess assess-good">✓ improvement</span>' in item
    assert 'href="goal-1.html#femicides"' in item
    assert "How sure we are: Descriptive — it says what changed, not why." in text(item)
    assert "Qué tan seguros estamos: Descriptiva; dice qué cambió, no por qué." in text(finding_html(result, "es"))


def test_an_effect_finding_gives_the_estimate_its_interval_and_why_no_direction_is_claimed():
    result = homicide_its()
    # 3 significant digits: -0.47726 → -0.477, -0.75308 → -0.753, -0.20145 → -0.201
    assert text(finding_sentence(result, "en")) == (
        "Intentional-homicide rate: ● no clear change — change in level: -0.477 victims per 100,000 per month "
        "(95% CI -0.753 to -0.201), Jan 2015 – Jun 2025.")
    assert text(finding_sentence(result, "es")) == (
        "Tasa de homicidio doloso: ● sin cambio claro — cambio de nivel: -0.477 víctimas por 100\u00a0000 al mes "
        "(IC 95%: -0.753 a -0.201), ene 2015 – jun 2025.")
    # the interval excludes zero, so the reader is told why no direction is claimed (the evidence's own reason)
    assert text(finding_html(result, "en")).endswith(
        "How sure we are: Limited — one series with no comparison group, so not a causal estimate. "
        "A fake break 12 months earlier also shows a change.")
    assert "▲" not in finding_html(result, "en") and "▼" not in finding_html(result, "en")


def test_a_null_finding_says_how_large_a_change_could_go_undetected():
    """Beside a null, the minimum detectable effect of its evidence (2.8 × SE; rule mde_beside_null), in words."""
    result = effect("arrests", "event_study", "comparison_group_diagnostics_pass", "no_clear_change", "unclear",
                    value=0.0365242146103734, ci=(-0.33595676361098864, 0.4090051928317355),
                    units=texts("files per 100,000 per month", "carpetas por 100 000 al mes"), period=("2024-01-01", "2025-06-30"),
                    title=texts("Arrests and homicides", "Detenciones y homicidios"))
    result.evidence.mde = {"value": 0.532125461103594, "share_of_baseline": 0.19964868673134395}
    assert text(finding_html(result, "en")).endswith(
        "Arrests and homicides: ● no clear change — change in level: 0.0365 files per 100,000 per month "
        "(95% CI -0.336 to 0.409), Jan 2024 – Jun 2025. How sure we are: The strongest design here — a comparison with "
        "similar places whose checks pass. A change smaller than 0.532 files per 100,000 per month (20.0% of the "
        "baseline) could go undetected.")
    assert text(finding_html(result, "es")).endswith(
        "Qué tan seguros estamos: El diseño más sólido aquí; se compara con lugares similares y sus pruebas se aprueban. "
        "Un cambio menor que 0.532 carpetas por 100\u00a0000 al mes (20.0% de la línea base) podría pasar inadvertido.")


def test_a_trend_with_no_clear_change_says_so_with_no_arrow_and_no_percentage():
    result = trend("firearms", "no_clear_change", "unclear", before=1186.3333333333333, after=1267.391304347826,
                   percent=6.83, ci=(-9.49, 171.6), units=FILES, post_end="2025-07-31",
                   title=texts("Federal firearms-law investigations", "Carpetas por la Ley Federal de Armas de Fuego"))
    assert text(finding_sentence(result, "en")) == (
        "Federal firearms-law investigations: ● no clear change — 1,190 investigation files per month on average in "
        "Oct 2018 – Sep 2021 and 1,270 in Oct 2021 – Jul 2025.")
    assert text(finding_sentence(result, "es")) == (
        "Carpetas por la Ley Federal de Armas de Fuego: ● sin cambio claro — 1,190 carpetas de investigación al mes en "
        "promedio en oct 2018 – sep 2021 y 1,270 en oct 2021 – jul 2025.")
    item = finding_html(result, "en")
    assert "%" not in text(item) and "▲" not in item and "▼" not in item
    assert '<span class="assess assess-unclear">? unclear</span>' in item


# ----------------------------------------------------------------------------------------------
# Numbers: the site's one rounding rule, es-MX like en-US


@pytest.mark.parametrize("lang", ["en", "es"])
def test_rounding_rule_by_hand(lang):
    # an average of counts is an estimate: 3 significant digits; one month's count stays whole
    assert average(24825.36, VICTIMS, lang) == "24,800"
    assert observed(24825.0, VICTIMS, lang) == "24,825"
    assert average(83.11111, VICTIMS, lang) == "83.1"
    assert average(619.8055, FILES, lang) == "620"
    # rates per 100,000: one decimal, averages and single months alike
    assert average(2.241786, RATE, lang) == "2.2"
    assert observed(1.4756226, RATE, lang) == "1.5"
    # a value that is not a whole count is an estimate: 3 significant digits
    assert observed(1186.5, FILES, lang) == "1,190"


def test_spanish_pages_use_es_mx_numbers_dates_and_words():
    result = trend("big", "increase", "bad", before=1234.5678, after=2345.678, percent=90.04, ci=(1000.0, 1222.2),
                   title=texts("Extortion", "Extorsión"))
    sentence = text(finding_sentence(result, "es"))
    # es-MX: decimal point and comma grouping (not "1.230" / "2.350" as Spain writes them), lower-case months
    assert sentence == ("Extorsión: ▲ aumento — de 1,230 a 2,350 víctimas al mes en promedio (+90.0%), "
                        "oct 2018 – sep 2021 frente a oct 2021 – jun 2025.")
    meta = meta_line("es", [result], {"date": "2026-12-07"})
    assert "Datos hasta junio de 2025 (fuente más reciente) · Actualizado el 7 de diciembre de 2026" in text(meta)


# ----------------------------------------------------------------------------------------------
# Direction, colour and symbol


@pytest.mark.parametrize("key, en, es", [("good", "✓ improvement", "✓ mejora"), ("bad", "✗ worsening", "✗ empeoramiento"),
                                         ("neutral", "◇ change, neither good nor bad by itself", "◇ cambio, ni bueno ni malo por sí mismo"),
                                         ("unclear", "? unclear", "? incierto"), ("none", "– not assessed", "– sin valoración")])
def test_each_assessment_has_a_symbol_a_word_and_a_colour(key, en, es):
    assert assessment_badge(key, "en") == f'<span class="assess assess-{key}">{en}</span>'
    assert assessment_badge(key, "es") == f'<span class="assess assess-{key}">{es}</span>'
    assert ASSESSMENTS[key]["symbol"] == en[0]


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_badge_colours_differ_by_assessment_and_keep_the_text_readable():
    """Each badge has its own background and text colour in style.css, and the text contrasts at least 4.5:1
    (WCAG AA) with its background."""
    css = (SITE_SOURCE_DIR / "assets" / "style.css").read_text(encoding="utf-8")
    colours = {}
    for key in ASSESSMENTS:
        rule = re.search(r"([^{}]*\.assess-" + key + r"\b[^{}]*)\{([^}]*)\}", css)
        assert rule, key
        background = re.search(r"background:\s*(#[0-9a-f]{6})", rule.group(2)).group(1)
        colour = re.search(r"(?<!-)color:\s*(#[0-9a-f]{6})", rule.group(2)).group(1)
        light, dark = sorted((_luminance(background), _luminance(colour)), reverse=True)
        assert (light + 0.05) / (dark + 0.05) >= 4.5, (key, background, colour)
        colours[key] = background
    assert len({colours["good"], colours["bad"], colours["neutral"], colours["unclear"]}) == 4


# ----------------------------------------------------------------------------------------------
# The line above the findings, the sparkline, what we cannot measure


def test_the_line_above_the_findings_dates_the_data_and_links_cite_and_download():
    results = [femicides(), trend("later", "decrease", "good", before=10.0, after=5.0, percent=-50.0, ci=(-6.0, -4.0),
                                  post_end="2025-12-31"),
               effect("old_policy", "staggered_did", "comparison_group_diagnostics_pass", "increase", "bad", value=1.0,
                      ci=(0.5, 1.5), scope="earlier_policy", period=("2004-01-01", "2026-03-31"))]
    line = meta_line("en", results, {"commit": "abc1234", "date": "2026-12-07"})
    # the latest month of the Framework evaluations' data (not of the earlier policy's)
    assert text(line).strip() == "Data through December 2025 (latest source) · Updated December 7, 2026 · Cite · Download all results"
    assert f'<a href="{links.CITE}">Cite</a>' in line and f'<a href="{links.ALL_RESULTS_ZIP}">Download all results</a>' in line


def test_a_sparkline_is_drawn_from_the_series_as_published(tmp_path):
    path = tmp_path / "series.csv"
    path.write_text("period,value\n2021-09-01,10\n2021-10-01,20\n2021-11-01,15\n2021-12-01,\n", encoding="utf-8")
    series = read_series(path)
    assert series is not None and len(series.points) == 3  # the empty value is left out
    svg = sparkline_svg(series, "en")
    # 120 × 32 with 3 px padding: x from 3 to 117 over 61 days (Oct 1 is day 30: 3 + 30/61 × 114 = 59.1);
    # y from 29 (the minimum, 10) to 3 (the maximum, 20); 15 is halfway, 16.0
    assert 'points="3.0,29.0 59.1,3.0 117.0,16.0"' in svg
    assert '<line class="sparkline-break" x1="59.1" x2="59.1"' in svg
    assert '<circle class="sparkline-last" cx="117.0" cy="16.0"' in svg
    assert 'aria-label="Series from Sep 2021 to Nov 2021; the dashed line marks October 2021."' in svg
    assert "Serie de sep 2021 a nov 2021; la línea punteada marca octubre de 2021." in sparkline_svg(series, "es")
    yearly = tmp_path / "yearly.csv"
    yearly.write_text("period,exposed_mean,synthetic_sdid\n2017,4.3,6.0\n2018,4.4,6.1\n2019,5.0,6.2\n", encoding="utf-8")
    assert "Series from 2017 to 2019;" in sparkline_svg(read_series(yearly), "en")
    (tmp_path / "other.csv").write_text("period,att\n2019,1\n2020,2\n", encoding="utf-8")
    assert read_series(tmp_path / "other.csv") is None and read_series(tmp_path / "absent.csv") is None


def test_what_we_cannot_measure_lists_the_gaps_and_the_results_with_too_little_data():
    gaps = [{"goal": "goal_2_transborder_crime", "line_of_action": "arms_trafficking", "kind": "partial",
             "reason": {"en": "ATF traces are PDF only.", "es": "Los rastreos de la ATF solo están en PDF."}}]
    known = {"arms_trafficking": {"goal": "goal_2_transborder_crime", "name": {"en": "Reduce arms trafficking",
                                                                              "es": "Reducir el tráfico de armas"}}}
    results = [femicides(), insufficient("ofac")]
    box = unmeasured_box("en", results, gaps, known)
    assert box.startswith("## What we cannot measure yet {#unmeasured}")
    assert "Reduce arms trafficking: ATF traces are PDF only." in text(box)
    assert 'href="goal-2.html#arms_trafficking"' in box
    assert "OFAC designations: Insufficient baseline (1 month)." in text(box)
    assert "femicides" not in box
    es = unmeasured_box("es", results, gaps, known)
    assert "Lo que aún no podemos medir" in es and "Reducir el tráfico de armas: Los rastreos de la ATF solo están en PDF." in text(es)
    page = home_page("en", results, gaps, known, audit_of(results, {"safe_communities": "femicides", "illicit_financiers": "ofac"}), None)
    assert "What we cannot measure yet: data gaps (1), evaluations with too little data (1)" in text(page)
    assert page.index('id="key-findings"') < page.index("Goal I") < page.index("{#unmeasured}") < page.index("{#legend}")
