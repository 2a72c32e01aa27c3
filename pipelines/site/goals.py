"""The goal pages: per line of action, its Framework evaluations and data gaps, then earlier policies."""
from __future__ import annotations

from pathlib import Path

from evaluations.result_model import EvaluationResult

from . import i18n
from .evaluation import result_section
from .headline_first import headline_first
from .i18n import pick, t
from .markdown import md_text
from .results import is_earlier_policy, line_order


def goal_section(goal: str, lang: str, results: list[EvaluationResult], gaps: list[dict], known: dict, figures: Path, results_dir: Path,
                 names: dict | None = None, audit: dict | None = None) -> str:
    """A goal page: per line of action, its Framework evaluations and data gaps, then (under their own headings)
    context comparisons and the evaluations of policies before October 2021."""
    out = []
    for line in line_order(goal, results, gaps, known):
        out.append(f"## {md_text(i18n.line_name(line, lang, known))} {{#{line}}}\n")
        mine = [r for r in results if r.goal == goal and r.line_of_action == line]
        framework = headline_first([r for r in mine if r.scope == "framework"], line, audit)
        context = [r for r in mine if r.scope == "context"]
        earlier = [r for r in mine if is_earlier_policy(r)]
        for result in framework:
            out.append(result_section(result, lang, figures, results_dir, names, audit, level=3))
        line_gaps = [g for g in gaps if g.get("goal") == goal and g.get("line_of_action") == line]
        for gap in line_gaps:
            out.append(f'<p class="gap"><strong>{t("data_gap", lang)}:</strong> {md_text(pick(gap.get("reason"), lang))}</p>\n')
        if not framework and not line_gaps:
            out.append(f"<p class=\"gap\">{t('not_evaluated', lang)}</p>\n")
        if context:
            out.append(f"### {md_text(i18n.scope_label('context', lang))} {{#{line}-context}}\n")
            out.append(f'<p class="note">{t("context_note", lang)}</p>\n')
            for result in context:
                out.append(result_section(result, lang, figures, results_dir, names, audit, level=4))
        if earlier:
            out.append(f"### {md_text(i18n.scope_label('earlier_policy', lang))} {{#{line}-earlier-policy}}\n")
            out.append(f'<p class="note">{t("earlier_policy_note", lang)}</p>\n')
            for result in earlier:
                out.append(result_section(result, lang, figures, results_dir, names, audit, level=4))
    if not out:
        out.append(f"<p class=\"gap\">{t('not_evaluated', lang)}</p>\n")
    return "\n".join(out)


def goal_page(goal: str) -> str:
    return i18n.GOALS.get(goal, {}).get("page", "index")


def line_link(goal: str, line: str, lang: str, known: dict) -> str:
    return f"[{md_text(i18n.line_name(line, lang, known))}]({goal_page(goal)}.qmd#{line})"
