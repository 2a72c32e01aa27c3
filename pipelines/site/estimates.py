"""Reading the numbers of one result: confidence intervals, evidence, baseline comparison, diagnostics, checks."""
from __future__ import annotations

from evaluations import formats
from evaluations.result_model import EvaluationResult

from . import i18n
from .i18n import pick, t
from .markdown import md_text, sentence, table_md
from .results import audit_entry, estimate_named, evidence_mde, units_of


def ci_text(std_error: float | None, ci_low: float | None, ci_high: float | None, lang: str, digits: int = 3) -> str:
    """'standard error 0.400; 95% CI -0.050 to 2.519' in the page's locale."""
    return (f"{t('se', lang)} {formats.number(std_error, lang, digits)}; {t('ci', lang)} "
            f"{formats.number(ci_low, lang, digits)} {'to' if lang == 'en' else 'a'} {formats.number(ci_high, lang, digits)}")


def mde_text(value: float, share: float | None, lang: str, units=None) -> str:
    """'smallest effect detectable with 80% power: 1.200 victims (15% of the baseline mean)' (safe Markdown)."""
    text = f"{t('mde', lang)}: {formats.number(value, lang, 3)}" + (f" {md_text(pick(units, lang))}" if pick(units, lang) else "")
    if share is not None:
        text += f" ({formats.percent(share, lang)} {t('of_baseline', lang)})"
    return text


def insufficient_reason(result: EvaluationResult, lang: str) -> str:
    """Why no number is published (safe Markdown), in the evaluation's words: the baseline's own "insufficient"
    text ("Insufficient baseline (1 month …): …"), else the first reason of the evidence grade."""
    comparison = result.baseline_comparison or {}
    text = pick(comparison.get("insufficient"), lang) if comparison.get("sufficient") is False else ""
    reasons = result.evidence.reasons
    if not text and reasons:
        text = pick(reasons[0], lang)
    return md_text(text)


def evidence_block(result: EvaluationResult, lang: str, audit: dict | None = None) -> str:
    """The result's "Evidence" line, as the evaluation graded it (nothing is graded here): grade, direction,
    assessment, the q-value of the audit's family, the reasons, and the minimum detectable effect of a null."""
    evidence = result.evidence
    grades = (audit or {}).get("grades")
    parts = [md_text(i18n.grade_label(evidence.grade, lang, grades)),
             md_text(i18n.direction_label(evidence.direction, lang)),
             md_text(i18n.assessment_label(evidence.assessment, lang))]
    q = audit_entry(audit, result.name).get("q_value")
    if q is not None:
        parts.append(formats.p_value(q, lang, "q"))
    text = f'<p class="evidence"><strong>{t("evidence_line", lang)}:</strong> ' + " · ".join(parts) + "</p>\n"
    reasons = [r for r in evidence.reasons if pick(r, lang)]
    if reasons:
        text += "\n" + "".join(f"- {md_text(pick(r, lang))}\n" for r in reasons)
    value, share = evidence_mde(result)
    if value is not None:
        source = estimate_named(result, evidence.estimate_id)
        text += f'\n<p class="note">{sentence(mde_text(value, share, lang, units_of(result, source) if source else None))}.</p>\n'
    return text


def baseline_block(c: dict, lang: str) -> str:
    """Baseline (from its first month with data) and post-Framework means, and the change between them when the
    evaluation published one; no arrow here: a direction is only the evaluation's evidence.direction."""
    base, post = c.get("baseline") or {}, c.get("post") or {}
    with_months = base.get("months") is not None or post.get("months") is not None
    rows = []
    for label, window in ((t("baseline", lang), base), (t("post", lang), post)):
        rows.append([label, md_text(formats.period(window.get("start"), window.get("end"), lang))]
                    + ([formats.integer(window["months"], lang) if window.get("months") is not None else "—"] if with_months else [])
                    + [formats.number(window.get("mean"), lang, 2)])
    text = table_md(["Comparison" if lang == "en" else "Comparación", "Period" if lang == "en" else "Periodo"]
                    + ([t("months_with_data", lang)] if with_months else []) + ["Mean" if lang == "en" else "Promedio"],
                    rows, "llrr" if with_months else "llr")
    change = c.get("change")
    if c.get("sufficient") is False:
        text += f'\n<p class="gap">{md_text(pick(c.get("insufficient"), lang)) or t("insufficient", lang)}</p>\n'
    elif change is not None:
        text += (f'\n<p class="estimate">{t("change", lang)}: {formats.number(change, lang, 2)}'
                 + (f" ({formats.percent(c['percent_change'], lang, 1, per_hundred=True)})" if c.get("percent_change") is not None else "")
                 + (f"; {'trend' if lang == 'en' else 'tendencia'} {formats.number(c['trend_per_year'], lang, 2)} "
                    f"{'per year' if lang == 'en' else 'por año'}" if c.get("trend_per_year") is not None else "") + ".</p>\n")
    if c.get("caveat"):
        text += f'<p class="note">{md_text(pick(c["caveat"], lang))}</p>\n'
    return text


def diagnostics_md(diagnostics: dict, lang: str) -> str:
    parts = []
    for key, value in sorted(diagnostics.items()):
        if not isinstance(value, dict):
            continue
        label = pick(value.get("label"), lang) or key.replace("_", " ")
        numbers = []
        if value.get("statistic") is not None:
            numbers.append(f"{'statistic' if lang == 'en' else 'estadístico'} {formats.number(value['statistic'], lang, 2)}"
                           + (f" ({value['df']} gl)" if lang == "es" and value.get("df") is not None else
                              f" ({value['df']} df)" if value.get("df") is not None else ""))
        if value.get("estimate") is not None:
            numbers.append(f"{formats.number(value['estimate'], lang, 3)} "
                           f"({ci_text(value.get('std_error'), value.get('ci_low'), value.get('ci_high'), lang)})")
        if value.get("p_value") is not None:
            numbers.append(formats.p_value(value["p_value"], lang, "p"))
        parts.append(f"{md_text(label)}: {', '.join(numbers)}" if numbers else md_text(label))
    return "; ".join(parts) + ("." if parts else "")


def quality_line(quality: dict | None, lang: str = "en") -> str:
    if not quality or not quality.get("suites"):
        return f'<p class="note">{t("quality", lang)}: ' + ("no check results recorded for this input." if lang == "en"
                                                            else "no hay resultados de verificación para este insumo.") + "</p>\n"
    parts = []
    for suite in quality["suites"]:
        failed = suite.get("failed", [])
        total = len(suite.get("passed", [])) + len(failed)
        text = (f"{len(suite.get('passed', []))} of {total} checks passed on {md_text(quality.get('table', suite.get('suite', '')))}"
                if lang == "en" else
                f"{len(suite.get('passed', []))} de {total} verificaciones aprobadas en {md_text(quality.get('table', suite.get('suite', '')))}")
        if failed:
            text += (" (not passed: " if lang == "en" else " (no aprobadas: ") + "; ".join(
                f"{md_text(f['name'])} [{md_text(f.get('severity', ''))}]" for f in failed) + ")"
        parts.append(text)
    return f'<p class="note">{t("quality", lang)}: ' + ". ".join(parts) + ".</p>\n"
