"""The bottom line that opens an evaluation's section of a goal page: what changed, how sure we are, what the result
cannot show. Every word of it comes from the result as the evaluation graded it (evidence grade, direction,
assessment, the estimate the evidence names, the baseline comparison, the threats) and from the audit's q-value;
nothing is computed here but the rounding of evaluations/formats.py."""
from __future__ import annotations

from evaluations import formats
from evaluations.publication.vocabulary import GRADE_PLAIN
from evaluations.result_model import EvaluationResult, Headline

from . import i18n
from .estimates import insufficient_reason, interval_text, mde_text
from .i18n import pick, t
from .markdown import md_text, sentence
from .results import audit_entry, estimate_named, evidence_mde, units_of

THREATS_SHOWN = 3  # the first threats (the spec's own come first); the others one click away

TEXT = {
    "bottom_line": {"en": "Bottom line", "es": "En resumen"},
    "what_changed": {"en": "What changed", "es": "Qué cambió"},
    "how_sure": {"en": "How sure we are", "es": "Qué tan seguros estamos"},
    "more_threats": {"en": "{n} more limits", "es": "{n} límites más"},
    "average": {"en": "Average of the monthly series", "es": "Promedio de la serie mensual"},
    "since": {"en": "since the Framework", "es": "desde el Entendimiento"},
    "data": {"en": "data", "es": "datos"},
}


def _t(key: str, lang: str) -> str:
    return TEXT[key][lang]


def grade_plain(grade: str | None, lang: str) -> str:
    """The grade in plain words ("" for a grade the vocabulary does not have)."""
    return GRADE_PLAIN.get(grade or "", {}).get(lang, "")


def graded_estimate(result: EvaluationResult) -> Headline | None:
    """The estimate the evidence grades (evidence.estimate_id), else the headline."""
    return estimate_named(result, result.evidence.estimate_id) or result.headline


def what_changed(result: EvaluationResult, lang: str) -> str:
    """'● no clear change · ? unclear. Change in level …: -0.477 victims per 100,000 per month (data January 2015 –
    June 2025). Average of the monthly series: 2.24 (…) → 1.89 since the Framework (…), -15.8%.'"""
    ev = result.evidence
    words = [md_text(i18n.direction_label(ev.direction, lang))
             + (f" · {md_text(i18n.assessment_label(ev.assessment, lang))}" if ev.assessment not in (None, "none") else "") + "."]
    if ev.grade == "insufficient_data" or ev.direction == "none":
        reason = insufficient_reason(result, lang)
        if reason:
            words.append(reason if reason.endswith(".") else reason + ".")
        return " ".join(words)
    e = graded_estimate(result)
    period = result.data.period
    if e is not None:
        units = pick(units_of(result, e), lang)
        words.append(f"{md_text(pick(e.label, lang) or e.id)}: <strong>{formats.significant(e.estimate, lang)}"
                     + (f" {md_text(units)}" if units else "") + "</strong>"
                     + (f" ({_t('data', lang)} {md_text(formats.period(period.start, period.end, lang))})" if period.start else "") + ".")
    c = result.baseline_comparison or {}
    base, post = c.get("baseline") or {}, c.get("post") or {}
    if c.get("sufficient") is not False and base.get("mean") is not None and post.get("mean") is not None:
        text = (f"{_t('average', lang)}: {formats.significant(base['mean'], lang)} "
                f"({md_text(formats.period(base.get('start'), base.get('end'), lang))}) → {formats.significant(post['mean'], lang)} "
                f"{_t('since', lang)} ({md_text(formats.period(post.get('start'), post.get('end'), lang))})")
        if c.get("percent_change") is not None:
            text += f", {formats.percent(c['percent_change'], lang, 1, per_hundred=True, signed=True)}"
        words.append(text + ".")
    return " ".join(words)


def how_sure(result: EvaluationResult, lang: str, audit: dict | None) -> str:
    """The evidence line: grade (the audit's label), the grade in plain words, the 95% CI of the graded estimate, the
    audit's q-value; then the grade's reasons and, for a null, the smallest effect the data could have detected."""
    ev = result.evidence
    grade = i18n.grade_label(ev.grade, lang, (audit or {}).get("grades"))
    line = f"<strong>{_t('how_sure', lang)}:</strong> {md_text(grade)}"
    plain = grade_plain(ev.grade, lang)
    if plain:
        line += f" — {md_text(plain)}."
    e = graded_estimate(result) if ev.grade != "insufficient_data" else None
    extra = []
    if e is not None and e.ci_low is not None and e.ci_high is not None:
        extra.append(interval_text(e.ci_low, e.ci_high, lang))
    q = audit_entry(audit, result.name).get("q_value")
    if q is not None:
        extra.append(formats.p_value(q, lang, "q"))
    if extra:
        line += " " + sentence("; ".join(extra)) + "."
    text = f'<p class="evidence">{line}</p>\n'
    shown = insufficient_reason(result, lang) if ev.grade == "insufficient_data" or ev.direction == "none" else ""
    reasons = [r for r in ev.reasons if pick(r, lang) and md_text(pick(r, lang)) != shown]   # not twice in the box
    if reasons:
        text += "\n" + "".join(f"- {md_text(pick(r, lang))}\n" for r in reasons)
    value, share = evidence_mde(result)
    if value is not None:
        source = estimate_named(result, ev.estimate_id)
        text += f'\n<p class="note">{sentence(mde_text(value, share, lang, units_of(result, source) if source else None))}.</p>\n'
    return text


def cannot_show(result: EvaluationResult, lang: str) -> str:
    """The result's threats: the first THREATS_SHOWN, the others folded."""
    threats = [md_text(pick(th, lang)) for th in result.threats if pick(th, lang)]
    if not threats:
        return ""
    shown, folded = threats[:THREATS_SHOWN], threats[THREATS_SHOWN:]
    text = f'<p class="limits"><strong>{t("threats", lang)}:</strong></p>\n\n' + "".join(f"- {th}\n" for th in shown)
    if folded:
        text += (f'\n<details class="more-limits"><summary>{_t("more_threats", lang).format(n=len(folded))}</summary>\n\n'
                 + "".join(f"- {th}\n" for th in folded) + "\n</details>\n")
    return text


def bottom_line(result: EvaluationResult, lang: str, audit: dict | None = None) -> str:
    """The box that opens an evaluation's section."""
    return ('::: {.bottom-line}\n'
            f'<p class="bottom-line-title">{_t("bottom_line", lang)}</p>\n\n'
            f'<p class="changed"><strong>{_t("what_changed", lang)}:</strong> {what_changed(result, lang)}</p>\n\n'
            f"{how_sure(result, lang, audit)}\n"
            f"{cannot_show(result, lang)}"
            ":::\n")
