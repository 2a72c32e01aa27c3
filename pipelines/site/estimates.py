"""Reading the numbers of one result: confidence intervals, evidence, baseline comparison, diagnostics, checks."""
from __future__ import annotations

import html

from evaluations import formats
from evaluations.result_model import EvaluationResult

from .i18n import pick, t
from .markdown import md_text, table_md


def ci_text(std_error: float | None, ci_low: float | None, ci_high: float | None, lang: str) -> str:
    """'standard error 0.400; 95% CI -0.0500 to 2.52' in the page's locale (3 significant digits)."""
    return f"{t('se', lang)} {formats.significant(std_error, lang)}; {interval_text(ci_low, ci_high, lang)}"


def interval_text(ci_low: float | None, ci_high: float | None, lang: str) -> str:
    """'95% CI -0.0500 to 2.52' (3 significant digits)."""
    return (f"{t('ci', lang)} {formats.significant(ci_low, lang)} {'to' if lang == 'en' else 'a'} "
            f"{formats.significant(ci_high, lang)}")


def mde_text(value: float, share: float | None, lang: str, units=None) -> str:
    """'smallest effect detectable with 80% power: 1.20 victims (15.0% of the baseline mean)' (safe Markdown)."""
    text = f"{t('mde', lang)}: {formats.significant(value, lang)}" + (f" {md_text(pick(units, lang))}" if pick(units, lang) else "")
    if share is not None:
        text += f" ({formats.percent(share, lang, 1)} {t('of_baseline', lang)})"
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


def baseline_block(c: dict, lang: str) -> str:
    """Baseline (from its first month with data) and post-Framework means, and the change between them when the
    evaluation published one; no arrow here: a direction is only the evaluation's evidence.direction."""
    base, post = c.get("baseline") or {}, c.get("post") or {}
    with_months = base.get("months") is not None or post.get("months") is not None
    rows = []
    for label, window in ((t("baseline", lang), base), (t("post", lang), post)):
        rows.append([label, md_text(formats.period(window.get("start"), window.get("end"), lang))]
                    + ([formats.integer(window["months"], lang) if window.get("months") is not None else "—"] if with_months else [])
                    + [formats.significant(window.get("mean"), lang)])
    text = table_md(["Comparison" if lang == "en" else "Comparación", "Period" if lang == "en" else "Periodo"]
                    + ([t("months_with_data", lang)] if with_months else []) + ["Mean" if lang == "en" else "Promedio"],
                    rows, "llrr" if with_months else "llr")
    change = c.get("change")
    if c.get("sufficient") is False:
        text += f'\n<p class="gap">{md_text(pick(c.get("insufficient"), lang)) or t("insufficient", lang)}</p>\n'
    elif change is not None:
        text += (f'\n<p class="estimate">{t("change", lang)}: {formats.significant(change, lang)}'
                 + (f" ({formats.percent(c['percent_change'], lang, 1, per_hundred=True)})" if c.get("percent_change") is not None else "")
                 + (f"; {'trend' if lang == 'en' else 'tendencia'} {formats.significant(c['trend_per_year'], lang)} "
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
            numbers.append(f"{'statistic' if lang == 'en' else 'estadístico'} {formats.significant(value['statistic'], lang)}"
                           + (f" ({value['df']} gl)" if lang == "es" and value.get("df") is not None else
                              f" ({value['df']} df)" if value.get("df") is not None else ""))
        if value.get("estimate") is not None:
            numbers.append(f"{formats.significant(value['estimate'], lang)} "
                           f"({ci_text(value.get('std_error'), value.get('ci_low'), value.get('ci_high'), lang)})")
        if value.get("p_value") is not None:
            numbers.append(formats.p_value(value["p_value"], lang, "p"))
        parts.append(f"{md_text(label)}: {', '.join(numbers)}" if numbers else md_text(label))
    return "; ".join(parts) + ("." if parts else "")


def quality_line(quality: dict | None, lang: str = "en") -> str:
    """How many checks the result's input table passed; the table and the checks by their names, as code."""
    if not quality or not quality.get("suites"):
        return f'<p class="note">{t("quality", lang)}: ' + ("no check results recorded for this input." if lang == "en"
                                                            else "no hay resultados de verificación para este insumo.") + "</p>\n"
    parts = []
    for suite in quality["suites"]:
        failed = suite.get("failed", [])
        total = len(suite.get("passed", [])) + len(failed)
        table = code(quality.get("table", suite.get("suite", "")))
        text = (f"{len(suite.get('passed', []))} of {total} checks passed on {table}" if lang == "en" else
                f"{len(suite.get('passed', []))} de {total} verificaciones aprobadas en {table}")
        if failed:
            text += (" (not passed: " if lang == "en" else " (no aprobadas: ") + "; ".join(
                f"{code(f['name'])} [{md_text(SEVERITY.get(f.get('severity', ''), {}).get(lang, f.get('severity', '')))}]"
                for f in failed) + ")"
        parts.append(text)
    return f'<p class="note">{t("quality", lang)}: ' + ". ".join(parts) + ".</p>\n"


SEVERITY = {"warn": {"en": "warning", "es": "advertencia"}, "error": {"en": "error", "es": "error"}}


def code(name) -> str:
    """An identifier (a table, a check) shown as code."""
    return f"<code>{html.escape(str(name))}</code>"
