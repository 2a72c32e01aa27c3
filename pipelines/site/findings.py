"""The home page's key findings: sentences written from the results, never by hand, and the numbers they share
with the scorecard.

Which results: the evaluations the publication audit shows on the scorecard (one Framework evaluation per line of
action; never an earlier policy or a context comparison) that passed every rule and have a published estimate
(not "insufficient data"). Clear directions first (improvements and worsenings, then changes neither good nor bad;
smallest q-value first), then those with no clear change (best grade first): at most three clear ones and five in all, so a reader sees both what changed and what did
not. Nothing is graded here: direction, assessment and grade are the evaluation's own (evidence, audit).

Rounding (evaluations/formats.py, the site's one rule): estimates and their intervals to 3 significant digits,
averages of rates per 100,000 to one decimal, other averages (of counts) to 3 significant digits, a single
month's count as a whole number, percentages to one decimal.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass

from evaluations import formats
from evaluations.publication import vocabulary
from evaluations.publication.evidence import WITHHOLDING_REASONS
from evaluations.result_model import EvaluationResult, Headline

from . import i18n
from .i18n import pick, t
from .results import audit_entry, estimate_named, units_of

MAX_FINDINGS, MAX_CLEAR = 5, 3
CLEAR = ("increase", "decrease")


# ----------------------------------------------------------------------------------------------
# Numbers and units, as the home page writes them


def is_rate(units: dict | None) -> bool:
    """Whether a unit is a rate per 100,000 (its averages get one decimal): the specs write "per 100,000" /
    "por 100 000" in the unit."""
    return "100,000" in pick(units, "en") or "100 000" in pick(units, "es")


def monthly_units(result: EvaluationResult, units: dict | None, lang: str) -> str:
    """The unit of a monthly series' averages and changes: "victims per month" for a unit that does not say its
    period ("victims"); as written when it does ("victims per 100,000 per month") or when the result is not a
    monthly before/after comparison (no baseline_comparison, e.g. "log points")."""
    text = pick(units, lang).replace("100 000", "100\u00a0000")  # es-MX groups with a space: keep the number on one line
    if text and result.baseline_comparison and ("month" if lang == "en" else "mes") not in text:
        return t("per_month", lang).format(unit=text)
    return text


def average(value, units: dict | None, lang: str) -> str:
    """An average: one decimal for a rate per 100,000, else 3 significant digits."""
    return formats.rate(value, lang) if is_rate(units) else formats.significant(value, lang)


def observed(value: float, units: dict | None, lang: str) -> str:
    """One period's published value: a rate to one decimal, a whole count as a whole number, else 3 significant digits."""
    if is_rate(units):
        return formats.rate(value, lang)
    return formats.count(value, lang) if float(value).is_integer() else formats.significant(value, lang)


def estimate_with_ci(e: Headline, lang: str) -> tuple[str, str, str]:
    """(estimate, CI low, CI high) to 3 significant digits."""
    return formats.significant(e.estimate, lang), formats.significant(e.ci_low, lang), formats.significant(e.ci_high, lang)


@dataclass(frozen=True)
class BeforeAfter:
    before: str
    after: str
    before_period: str
    after_period: str
    percent: str


def before_after(result: EvaluationResult, units: dict | None, lang: str) -> BeforeAfter | None:
    """The monthly averages before and since October 2021 as the result's baseline_comparison gives them, only
    when the comparison is sufficient (rule baseline_min_months: otherwise no before/after is published)."""
    c = result.baseline_comparison or {}
    if not c.get("sufficient"):
        return None
    b, p = c.get("baseline") or {}, c.get("post") or {}
    if b.get("mean") is None or p.get("mean") is None:
        return None
    return BeforeAfter(average(b["mean"], units, lang), average(p["mean"], units, lang),
                       _period(b.get("start"), b.get("end"), lang), _period(p.get("start"), p.get("end"), lang),
                       formats.percent(c.get("percent_change"), lang, 1, per_hundred=True, signed=True))


def _period(start, end, lang: str) -> str:
    return f"{formats.month_short(start, lang)} – {formats.month_short(end, lang)}"


def data_period(result: EvaluationResult, lang: str) -> str:
    return _period(result.data.period.start, result.data.period.end, lang)


def graded_estimate(result: EvaluationResult) -> Headline | None:
    """The estimate the evidence grades (evidence.estimate_id), when it has an interval."""
    e = estimate_named(result, result.evidence.estimate_id)
    return e if e is not None and None not in (e.estimate, e.ci_low, e.ci_high) else None


def assessment_badge(assessment: str | None, lang: str) -> str:
    """'✓ improvement' as a coloured badge: symbol, word and colour say the same thing."""
    key = assessment if assessment in vocabulary.ASSESSMENTS else "none"
    return f'<span class="assess assess-{key}">{html.escape(i18n.assessment_label(key, lang))}</span>'


def withheld_reasons(result: EvaluationResult, lang: str) -> list[str]:
    """Why a direction whose interval excludes zero is not claimed (the evidence's own reasons)."""
    return [pick(r, lang) for r in result.evidence.reasons if r.get("id") in WITHHOLDING_REASONS]


def confidence(grade: str, lang: str) -> str:
    return pick(vocabulary.CONFIDENCE.get(grade), lang)


def evaluation_href(result: EvaluationResult) -> str:
    return f"{i18n.GOALS.get(result.goal, {}).get('page', 'index')}.html#{result.name}"


# ----------------------------------------------------------------------------------------------
# Choosing and writing the findings


def candidates(results: list[EvaluationResult], audit: dict) -> list[tuple[EvaluationResult, dict]]:
    """The scorecard's evaluations that may be a finding: Framework scope, no violation, a graded estimate."""
    by_name = {r.name: r for r in results}
    out = []
    for row in audit.get("scorecard") or []:
        result, entry = by_name.get(row.get("evaluation") or ""), audit_entry(audit, row.get("evaluation"))
        if (result is None or result.scope != "framework" or entry.get("violations") or entry.get("scope", "framework") != "framework"
                or result.evidence.grade == "insufficient_data" or result.evidence.direction == "none"
                or graded_estimate(result) is None):
            continue
        out.append((result, entry))
    return out


def choose(found: list[tuple[EvaluationResult, dict]]) -> list[tuple[EvaluationResult, dict]]:
    """Clear directions (improvements and worsenings before changes neither good nor bad, then by q-value; at most
    MAX_CLEAR), then no clear change by grade and q-value; MAX_FINDINGS in all."""
    rank = {g: i for i, g in enumerate(vocabulary.GRADES)}

    def q(item) -> float:
        value = item[1].get("q_value")
        return 1.0 if value is None else float(value)

    clear = sorted((f for f in found if f[0].evidence.direction in CLEAR),
                   key=lambda f: (f[0].evidence.assessment not in ("good", "bad"), q(f)))
    unclear = sorted((f for f in found if f[0].evidence.direction not in CLEAR),
                     key=lambda f: (rank.get(f[0].evidence.grade, len(rank)), q(f)))
    chosen = clear[:MAX_CLEAR]
    chosen += unclear[:MAX_FINDINGS - len(chosen)]
    chosen += clear[MAX_CLEAR:][:MAX_FINDINGS - len(chosen)]
    return chosen


def finding_sentence(result: EvaluationResult, lang: str) -> str:
    """'<title>: ▼ decrease — from 83.1 to 72.3 victims per month on average (-13.0%), Oct 2018 – Sep 2021 vs
    Oct 2021 – Jun 2025.' (HTML). A trend's before/after averages are the change its direction is read from; any
    other design states its graded estimate (its label, value and unit) with the 95% interval and the data's period."""
    e = graded_estimate(result)
    assert e is not None
    units = units_of(result, e)
    unit = monthly_units(result, units, lang)
    direction = result.evidence.direction
    numbers = None
    if result.design == "indicator_trend":
        ba = before_after(result, units, lang)
        if ba is not None:
            key = "finding_trend" if direction in CLEAR else "finding_trend_null"
            numbers = t(key, lang).format(before=ba.before, after=ba.after, unit=unit, percent=ba.percent,
                                          before_period=ba.before_period, after_period=ba.after_period)
    if numbers is None:
        value, low, high = estimate_with_ci(e, lang)
        numbers = t("finding_effect", lang).format(label=short_label(e, lang), value=value, unit=unit, low=low, high=high,
                                                   period=data_period(result, lang))
    title = f'<a href="{evaluation_href(result)}">{html.escape(pick(result.title, lang))}</a>'
    return (f"<strong>{title}</strong>: {html.escape(i18n.direction_label(direction, lang))} — "
            f"{html.escape(re.sub(' {2,}', ' ', numbers).strip())}.")


def short_label(e: Headline, lang: str) -> str:
    """The estimate's own label without its parenthesis, lower-cased after the dash: "change in level at 2021-10"."""
    label = pick(e.label, lang).split(" (")[0].strip()
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def undetectable(result: EvaluationResult, lang: str) -> str:
    """Beside a null (the interval covers zero): the smallest change it could detect with 80% power, in words
    (evidence.mde: rule mde_beside_null); "" otherwise."""
    mde = result.evidence.mde or {}
    e = graded_estimate(result)
    if mde.get("value") is None or e is None:
        return ""
    unit = monthly_units(result, units_of(result, e), lang)
    value = formats.significant(mde["value"], lang)
    if mde.get("share_of_baseline") is None:
        return t("finding_mde_no_share", lang).format(mde=value, unit=unit)
    return t("finding_mde", lang).format(mde=value, unit=unit, share=formats.percent(mde["share_of_baseline"], lang, 1))


def finding_html(result: EvaluationResult, lang: str) -> str:
    """One finding: the badge, the sentence, how sure we are (the grade's plain words; beside a null the change it
    could have missed; the first reason a direction was withheld: the scorecard row and the goal page give all)."""
    sure = " ".join(part for part in [confidence(result.evidence.grade, lang), undetectable(result, lang),
                                      *withheld_reasons(result, lang)[:1]] if part)
    return (f'<li class="finding finding-{html.escape(result.evidence.assessment)}">{assessment_badge(result.evidence.assessment, lang)} '
            f'<span class="finding-text">{finding_sentence(result, lang)} '
            f'<span class="how-sure">{t("how_sure", lang)} {html.escape(sure)}</span></span></li>')


def findings_html(lang: str, results: list[EvaluationResult], audit: dict | None) -> str:
    """The list of key findings (raw HTML), or a sentence saying why there is none."""
    if audit is None:
        return f'<p class="gap">{t("not_audited_findings", lang)}</p>'
    chosen = choose(candidates(results, audit))
    if not chosen:
        return f'<p class="gap">{t("no_findings", lang)}</p>'
    return '<ul class="findings">' + "".join(finding_html(r, lang) for r, _ in chosen) + "</ul>"
