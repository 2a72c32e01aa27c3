"""The home page: the scorecard of every line of action and its legend."""
from __future__ import annotations

from evaluations import formats
from evaluations.publication import vocabulary
from evaluations.result_model import EvaluationResult

from . import i18n
from .estimates import insufficient_reason
from .goals import goal_page, line_link
from .i18n import pick, t
from .markdown import md_text, table_md
from .results import audit_entry, estimate_named, is_earlier_policy, line_order, units_of


def headline_cell(result: EvaluationResult | None, entry: dict, lang: str) -> str:
    """The number a scorecard row shows: the estimate the evaluation's evidence.estimate_id names, with units and
    95% CI; for insufficient data the reason instead of a number. Without the result file, the audit's record."""
    reason = insufficient_reason(result, lang) if result else ""
    grade = result.evidence.grade if result else entry.get("grade")
    if grade == "insufficient_data":
        return reason or md_text(i18n.grade_label(grade, lang))
    estimate_id = result.evidence.estimate_id if result else entry.get("estimate_id")
    e = estimate_named(result, estimate_id) if result else None
    if e is not None:
        label, units = pick(e.label, lang), pick(units_of(result, e), lang)
        value, low, high = e.estimate, e.ci_low, e.ci_high
    elif entry.get("estimate") is not None and estimate_id:
        label, units = "", ""
        value, low, high = entry["estimate"], entry.get("ci_low"), entry.get("ci_high")
    else:
        value = None
    if value is None:
        return reason or "—"
    return ((f"{md_text(label)}: " if label else "") + f"**{formats.number(value, lang, 3)}**" + (f" {md_text(units)}" if units else "")
            + (f" ({t('ci', lang)} {formats.number(low, lang, 3)} {'to' if lang == 'en' else 'a'} {formats.number(high, lang, 3)})"
               if low is not None and high is not None else ""))


def scorecard_cells(name: str | None, by_name: dict[str, EvaluationResult], audit: dict, lang: str) -> list[str]:
    """Evaluation, headline, direction, assessment, grade and q-value of one scorecard row: all from the one
    evaluation the audit names (its result.json, else the audit's own record of it)."""
    if name is None:
        return ["—", "—", t("no_data", lang), "—", t("none", lang), "—"]
    result, entry = by_name.get(name), audit_entry(audit, name)
    if result:
        evidence = result.evidence
        grade, direction, assessment = evidence.grade, evidence.direction, evidence.assessment
        title, goal = pick(result.title, lang), result.goal
    else:
        grade, direction, assessment = entry.get("grade"), entry.get("direction"), entry.get("assessment")
        title, goal = name, entry.get("goal", "")
    evaluation = f"[{md_text(title)}]({goal_page(goal)}.qmd#{name})"
    if result and result.simulated:
        evaluation += " (simulated data)" if lang == "en" else " (datos simulados)"
    if not grade:
        return [evaluation, "—", t("not_audited", lang), t("not_audited", lang), t("not_audited", lang), "—"]
    return [evaluation, headline_cell(result, entry, lang),
            md_text(i18n.direction_label(direction, lang)),
            md_text(i18n.assessment_label(assessment, lang)),
            md_text(i18n.grade_label(grade, lang, audit.get("grades"))),
            formats.p_value(entry.get("q_value"), lang)]


def _not_audited_cells(mine: list[EvaluationResult], lang: str) -> list[str]:
    if not mine:
        return ["—", "—", t("no_data", lang), "—", t("none", lang), "—"]
    titles = "; ".join(f"[{md_text(pick(r.title, lang))}]({goal_page(r.goal)}.qmd#{r.name})" for r in mine)
    return [titles, "—", t("not_audited", lang), t("not_audited", lang), t("not_audited", lang), "—"]


def scorecard(lang: str, results: list[EvaluationResult], gaps: list[dict], known: dict, audit: dict | None = None) -> str:
    """The home page: per goal, one row per line of action showing the one Framework evaluation the publication audit
    names for it; then the earlier-policy evidence apart; then a legend. Nothing is graded or compared here."""
    by_name = {r.name: r for r in results}
    header = [t("line_of_action", lang), t("evaluation", lang), t("headline", lang), t("direction", lang),
              t("assessment", lang), t("evidence", lang), t("q_value", lang)]
    out = [] if audit is not None else [f'<p class="gap">{t("not_audited_note", lang)}</p>\n']
    rows_of = {(row.get("goal"), row.get("line_of_action")): row.get("evaluation") for row in (audit or {}).get("scorecard") or []}
    for goal, info in i18n.GOALS.items():
        out.append(f"## [{md_text(i18n.goal_title(goal, lang))}]({info['page']}.qmd)\n")
        lines = line_order(goal, results, gaps, known)
        lines += [line for (g, line) in rows_of if g == goal and line and line not in lines]
        rows = []
        for line in lines:
            if audit is not None:
                cells = scorecard_cells(rows_of.get((goal, line)), by_name, audit, lang)
            else:
                cells = _not_audited_cells([r for r in results if r.goal == goal and r.line_of_action == line
                                            and not is_earlier_policy(r)], lang)
            rows.append([line_link(goal, line, lang, known), *cells])
        if rows:
            out.append(table_md(header, rows))
        else:
            out.append(f"<p class=\"gap\">{t('not_evaluated', lang)}</p>\n")
    if audit is not None:
        earlier = [[line_link(row.get("goal", ""), row.get("line_of_action", ""), lang, known),
                    *scorecard_cells(row.get("evaluation"), by_name, audit, lang)]
                   for row in audit.get("earlier_policy") or [] if row.get("evaluation")]
    else:
        earlier = [[line_link(r.goal, r.line_of_action, lang, known), *_not_audited_cells([r], lang)]
                   for r in results if is_earlier_policy(r)]
    if earlier:
        out.append(f"## {md_text(i18n.scope_label('earlier_policy', lang))} {{#earlier-policy}}\n")
        out.append(f'<p class="note">{t("earlier_policy_note", lang)}</p>\n')
        out.append(table_md(header, earlier))
    out.append(scorecard_legend(lang, audit))
    return "\n".join(out)


def grade_entries(audit: dict | None) -> list[dict]:
    """The evidence grades, best first (vocabulary.GRADES order), in the audit's words when it has them."""
    grades = (audit or {}).get("grades") or {}
    ids = [*vocabulary.GRADES, *(g for g in grades if g not in vocabulary.GRADES)]
    return [entry for entry in (grades.get(g) or vocabulary.GRADES.get(g) for g in ids) if isinstance(entry, dict)]


def scorecard_legend(lang: str, audit: dict | None) -> str:
    """Symbols, grades (one line each, from the grades' own descriptions) and the q-value's family."""
    en = lang == "en"
    directions = "; ".join(md_text(i18n.direction_label(d, lang)) for d in vocabulary.DIRECTIONS)
    assessments = "; ".join(md_text(i18n.assessment_label(a, lang)) for a in vocabulary.ASSESSMENTS)
    items = [
        (f"**{t('direction', lang)}** ({directions}): ▲ or ▼ only when the 95% confidence interval of the estimate shown "
         "excludes zero and the evaluation's own checks (placebo dates, a second specification) do not contradict it; "
         "otherwise no clear change is claimed, and the goal page says why." if en else
         f"**{t('direction', lang)}** ({directions}): ▲ o ▼ solo cuando el intervalo de confianza del 95% de la estimación "
         "mostrada excluye el cero y las propias pruebas de la evaluación (fechas placebo, una segunda especificación) no "
         "lo contradicen; si no, no se afirma un cambio claro y la página del objetivo explica por qué."),
        (f"**{t('assessment', lang)}** ({assessments}): whether that direction is good or bad for the indicator, "
         "as each evaluation declares which way the indicator should move." if en else
         f"**{t('assessment', lang)}** ({assessments}): si esa dirección es buena o mala para el indicador, según "
         "el sentido en que cada evaluación declara que este debería moverse."),
        f"**{t('evidence', lang)}**:\n" + "".join(
            f"    - **{md_text(pick(g, lang))}**: {md_text(pick(g.get('description'), lang))}\n"
            for g in grade_entries(audit)).rstrip("\n"),
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
