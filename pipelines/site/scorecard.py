"""The home page's scorecard: one row per line of action (a card on a phone), the earlier-policy table, the legend.

Each row shows the one Framework evaluation the publication audit names for the line: indicator and unit, the
monthly averages before and since October 2021, a sparkline of its series, the graded estimate with its 95%
interval, the direction and whether it is good or bad (symbol, word and colour), and the evidence grade with
its plain words and q-value. Nothing is graded or compared here.
"""
from __future__ import annotations

import html
from pathlib import Path

from evaluations import formats
from evaluations.publication import vocabulary
from evaluations.result_model import EvaluationResult

from . import i18n
from .findings import (
    assessment_badge,
    before_after,
    confidence,
    estimate_with_ci,
    evaluation_href,
    graded_estimate,
    monthly_units,
    observed,
    withheld_reasons,
)
from .goals import goal_page
from .i18n import pick, t
from .markdown import md_text
from .results import audit_entry, is_earlier_policy, line_order, result_folder, units_of
from .sparkline import read_series, sparkline_svg

COLUMNS = ("col_indicator", "col_before_after", "col_trend", "col_estimate", "col_direction", "col_evidence")


def _esc(text) -> str:
    return html.escape(str(text or ""))


def _note(text: str) -> str:
    return f'<span class="note">{text}</span>' if text else ""


def line_cell(goal: str, line: str, lang: str, known: dict) -> str:
    return f'<a class="line" href="{goal_page(goal)}.html#{_esc(line)}">{_esc(i18n.line_name(line, lang, known))}</a>'


def insufficient_text(result: EvaluationResult, lang: str) -> str:
    """Why no number is published, in the evaluation's words: the baseline's own "insufficient" text, else the
    first reason of its evidence."""
    comparison = result.baseline_comparison or {}
    text = pick(comparison.get("insufficient"), lang) if comparison.get("sufficient") is False else ""
    if not text and result.evidence.reasons:
        text = pick(result.evidence.reasons[0], lang)
    return _esc(text)


def estimate_cell(result: EvaluationResult, lang: str) -> str:
    if result.evidence.grade == "insufficient_data":
        return insufficient_text(result, lang) or _esc(i18n.grade_label("insufficient_data", lang))
    e = graded_estimate(result)
    if e is None:
        return "—"
    value, low, high = estimate_with_ci(e, lang)
    unit = monthly_units(result, units_of(result, e), lang)
    return (f'<strong class="estimate-value">{value}</strong> {_esc(unit)}<br>'
            f'<span class="ci">{t("ci", lang)}: {low} {t("to", lang)} {high}</span>' + _note(_esc(pick(e.label, lang))))


def before_after_cell(result: EvaluationResult, lang: str) -> str:
    e = graded_estimate(result)
    units = units_of(result, e) if e is not None else next((x.units for x in result.estimates if x.units), None)
    ba = before_after(result, units, lang) if result.evidence.grade != "insufficient_data" else None
    if ba is None:
        return "—"
    return (f'<span class="before-after">{ba.before} → {ba.after}</span>'
            + _note(f"{_esc(t('on_average', lang))}, {_esc(ba.before_period)} → {_esc(ba.after_period)}"))


def trend_cell(result: EvaluationResult, results_dir: Path | None, lang: str) -> str:
    """The sparkline of series.csv, and its last published value when the series is the indicator itself."""
    series = read_series(result_folder(results_dir, result) / "series.csv") if results_dir else None
    if series is None:
        return "—"
    text = sparkline_svg(series, lang)
    if series.column == "value" or (series.column == "observed" and result.design == "its"):
        when, value = series.points[-1]
        units = next((x.units for x in [graded_estimate(result), *result.estimates] if x is not None and x.units), None)
        month = _esc(formats.month_short(when, lang))
        label = (t("rolling_latest", lang).format(months=result.data.rolling_months, month=month) if result.data.rolling_months
                 else f"{t('latest_value', lang)} ({month})")
        text += _note(f"{label}: {observed(value, units, lang)}")
    return text


def direction_cell(direction: str | None, assessment: str | None, lang: str, withheld: list[str] | None = None) -> str:
    """The badge (symbol, word, colour), the direction, and why a direction was withheld when it was."""
    return (assessment_badge(assessment, lang) + f'<span class="direction">{_esc(i18n.direction_label(direction, lang))}</span>'
            + _note(_esc(" ".join(withheld or []))))


def evidence_cell(grade: str | None, q_value, lang: str, audit: dict | None) -> str:
    text = f'<span class="grade">{_esc(i18n.grade_label(grade, lang, (audit or {}).get("grades")))}</span>'
    text += _note(_esc(confidence(grade or "", lang)))
    if q_value is not None:
        text += f'<span class="q">{_esc(formats.p_value(q_value, lang, "q"))}</span>'
    return text


def row_cells(name: str | None, by_name: dict[str, EvaluationResult], audit: dict, lang: str,
              results_dir: Path | None) -> tuple[str, list[str]]:
    """(assessment, [indicator, before → after, trend, estimate, direction, evidence]) of the evaluation the audit
    names; from the audit's own record when its result file is missing."""
    if name is None:
        return "none", ["", "—", "—", "—", _esc(t("no_data", lang)), _esc(t("none", lang))]
    result, entry = by_name.get(name), audit_entry(audit, name)
    if result is None:
        return entry.get("assessment") or "none", [
            f'<span class="indicator">{_esc(name)}</span>', "—", "—", "—",
            direction_cell(entry.get("direction"), entry.get("assessment"), lang),
            evidence_cell(entry.get("grade"), entry.get("q_value"), lang, audit)]
    evidence = result.evidence
    e = graded_estimate(result)
    unit = monthly_units(result, units_of(result, e), lang) if e is not None else ""
    indicator = f'<a class="indicator" href="{evaluation_href(result)}">{_esc(pick(result.title, lang))}</a>'
    if result.simulated:
        indicator += " (simulated data)" if lang == "en" else " (datos simulados)"
    indicator += f'<span class="unit">{_esc(unit)}</span>' if unit else ""
    return evidence.assessment, [indicator, before_after_cell(result, lang), trend_cell(result, results_dir, lang),
                                 estimate_cell(result, lang),
                                 direction_cell(evidence.direction, evidence.assessment, lang, withheld_reasons(result, lang)),
                                 evidence_cell(evidence.grade, entry.get("q_value"), lang, audit)]


def not_audited_cells(mine: list[EvaluationResult], lang: str) -> list[str]:
    if not mine:
        return ["", "—", "—", "—", _esc(t("no_data", lang)), _esc(t("none", lang))]
    titles = "; ".join(f'<a class="indicator" href="{evaluation_href(r)}">{_esc(pick(r.title, lang))}</a>' for r in mine)
    return [titles, "—", "—", "—", _esc(t("not_audited", lang)), _esc(t("not_audited", lang))]


def table_html(rows: list[tuple[str, str, list[str]]], lang: str) -> str:
    """A raw HTML table (passed through by pandoc and Quarto); each cell says its column in data-label, so on a
    narrow screen a row reads as a card."""
    labels = [t(c, lang) for c in COLUMNS]
    head = "".join(f'<th scope="col">{_esc(label)}</th>' for label in labels)
    body = []
    for assessment, line, cells in rows:
        tds = [f'<td data-label="{_esc(labels[0])}"><div class="cell">{line}{cells[0]}</div></td>']
        tds += [f'<td data-label="{_esc(label)}"><div class="cell">{cell}</div></td>' for label, cell in zip(labels[1:], cells[1:])]
        body.append(f'<tr class="row-{_esc(assessment)}">' + "".join(tds) + "</tr>")
    return ('```{=html}\n<table class="scorecard">\n<thead><tr>' + head + "</tr></thead>\n<tbody>\n"
            + "\n".join(body) + "\n</tbody>\n</table>\n```\n")


def scorecard(lang: str, results: list[EvaluationResult], gaps: list[dict], known: dict, audit: dict | None = None,
              results_dir: Path | None = None) -> str:
    """Per goal, one row per line of action showing the one Framework evaluation the publication audit names for
    it; then the earlier-policy evidence apart. Without the audit, rows say "not audited"."""
    by_name = {r.name: r for r in results}
    out = [] if audit is not None else [f'<p class="gap">{t("not_audited_note", lang)}</p>\n']
    rows_of = {(row.get("goal"), row.get("line_of_action")): row.get("evaluation") for row in (audit or {}).get("scorecard") or []}
    for goal, info in i18n.GOALS.items():
        out.append(f"## [{md_text(i18n.goal_title(goal, lang))}]({info['page']}.qmd)\n")
        lines = line_order(goal, results, gaps, known)
        lines += [line for (g, line) in rows_of if g == goal and line and line not in lines]
        rows = []
        for line in lines:
            if audit is not None:
                assessment, cells = row_cells(rows_of.get((goal, line)), by_name, audit, lang, results_dir)
            else:
                assessment, cells = "none", not_audited_cells(
                    [r for r in results if r.goal == goal and r.line_of_action == line and r.scope == "framework"], lang)
            rows.append((assessment, line_cell(goal, line, lang, known), cells))
        out.append(table_html(rows, lang) if rows else f"<p class=\"gap\">{t('not_evaluated', lang)}</p>\n")
    earlier_rows = []
    if audit is not None:
        for row in audit.get("earlier_policy") or []:
            if row.get("evaluation"):
                assessment, cells = row_cells(row["evaluation"], by_name, audit, lang, results_dir)
                earlier_rows.append((assessment, line_cell(row.get("goal", ""), row.get("line_of_action", ""), lang, known), cells))
    else:
        earlier_rows = [("none", line_cell(r.goal, r.line_of_action, lang, known), not_audited_cells([r], lang))
                        for r in results if is_earlier_policy(r)]
    if earlier_rows:
        out.append(f"## {md_text(i18n.scope_label('earlier_policy', lang))} {{#earlier-policy}}\n")
        out.append(f'<p class="note">{t("earlier_policy_note", lang)}</p>\n')
        out.append(table_html(earlier_rows, lang))
    return "\n".join(out)


def graded(audit: dict | None) -> list[tuple[str, dict]]:
    """(id, grade) of every evidence grade, best first (vocabulary.GRADES order), in the audit's words when it has them."""
    grades = (audit or {}).get("grades") or {}
    ids = [*vocabulary.GRADES, *(g for g in grades if g not in vocabulary.GRADES)]
    return [(g, entry) for g, entry in ((g, grades.get(g) or vocabulary.GRADES.get(g)) for g in ids) if isinstance(entry, dict)]


def grade_entries(audit: dict | None) -> list[dict]:
    """The evidence grades, best first (vocabulary.GRADES order), in the audit's words when it has them."""
    return [entry for _, entry in graded(audit)]


def scorecard_legend(lang: str, audit: dict | None) -> str:
    """Symbols and colours, grades (label, plain words, description) and the q-value's family."""
    en = lang == "en"
    directions = "; ".join(md_text(i18n.direction_label(d, lang)) for d in vocabulary.DIRECTIONS)
    assessments = "; ".join(md_text(i18n.assessment_label(a, lang)) for a in vocabulary.ASSESSMENTS)
    items = [
        (f"**{t('direction', lang)}** ({directions}): ▲ or ▼ only when the 95% confidence interval of the estimate shown "
         "excludes zero and the evaluation's own checks (placebo dates, a second specification) do not contradict it; "
         "when the interval covers zero, no clear change; when it excludes zero but those checks contradict it, a "
         "change not attributable (the series moved, and something other than the Framework may explain it); the goal "
         "page says why." if en else
         f"**{t('direction', lang)}** ({directions}): ▲ o ▼ solo cuando el intervalo de confianza del 95% de la estimación "
         "mostrada excluye el cero y las propias pruebas de la evaluación (fechas placebo, una segunda especificación) no "
         "lo contradicen; si el intervalo incluye el cero, sin cambio claro; si lo excluye pero esas pruebas lo "
         "contradicen, cambio no atribuible (la serie se movió y algo distinto del Entendimiento puede explicarlo); la "
         "página del objetivo explica por qué."),
        (f"**{t('assessment', lang)}** ({assessments}): whether that direction is good or bad for the indicator, "
         "as each evaluation declares which way the indicator should move. " if en else
         f"**{t('assessment', lang)}** ({assessments}): si esa dirección es buena o mala para el indicador, según "
         "el sentido en que cada evaluación declara que este debería moverse. ") + t("colour_note", lang),
        f"**{t('evidence', lang)}**:\n" + "".join(
            f"    - **{md_text(pick(g, lang))}**: " + (f"*{md_text(confidence(gid, lang))}* " if confidence(gid, lang) else "")
            + f"{md_text(pick(g.get('description'), lang))}\n"
            for gid, g in graded(audit)).rstrip("\n"),
    ]
    family = (audit or {}).get("family") or {}
    if audit is None:
        items.append(f"**{t('q_value', lang)}**: " + ("not audited, so none is shown." if en else "sin auditar; no se muestra ninguno."))
    elif family.get("tests") is not None:
        n, what = formats.integer(family["tests"], lang), md_text(pick(family.get("description"), lang))
        items.append(f"**{t('q_value', lang)}**: " + (
            f"p-value adjusted, by Benjamini–Hochberg, for all {n} tests this site reports" + (f" ({what})" if what else "") + "."
            if en else
            f"valor p ajustado, por Benjamini–Hochberg, para las {n} pruebas que reporta este sitio" + (f" ({what})" if what else "") + "."))
    items.append(f"**{t('no_data', lang)}**: " + ("the line of action has no Framework evaluation; its goal page states the data "
                                                  "that are missing." if en else
                                                  "la línea de acción no tiene una evaluación del Entendimiento; su página de "
                                                  "objetivo indica los datos que faltan."))
    return (f"## {t('legend', lang)} {{#legend}}\n\n" + "".join(f"- {item}\n" for item in items)
            + ("\nThe rules every published number passed are on the [Methods](methods.qmd#publication-rules) page.\n" if en else
               "\nLas reglas que cumple cada cifra publicada están en la página de [Métodos](methods.qmd#publication-rules).\n"))
