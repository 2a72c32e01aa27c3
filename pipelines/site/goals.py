"""The goal pages: a table of contents, then per line of action its Framework evaluations (each opening with its
bottom line), context comparisons and data gaps; then, in their own section, the studies of earlier policies."""
from __future__ import annotations

import html
from pathlib import Path

from evaluations.result_model import EvaluationResult

from . import i18n
from .columns import using_state_names
from .evaluation import result_section
from .headline_first import headline_first
from .i18n import pick, t
from .markdown import md_text
from .results import is_earlier_policy, line_order

EARLIER_POLICY_ID = "earlier-policy"


def goal_section(goal: str, lang: str, results: list[EvaluationResult], gaps: list[dict], known: dict, figures: Path, results_dir: Path,
                 names: dict | None = None, audit: dict | None = None) -> str:
    """A goal page: its table of contents; per line of action, its Framework evaluations (the scorecard's first),
    data gaps and context comparisons (under their own heading); then the evaluations of policies before October
    2021 under one heading of their own."""
    out: list[str] = []
    toc: list[tuple[int, str, str]] = []   # (level, anchor, text) of the sections, for the table of contents
    mine = [r for r in results if r.goal == goal]
    with using_state_names(names):
        for line in line_order(goal, results, gaps, known):
            line_name = i18n.line_name(line, lang, known)
            out.append(f"## {md_text(line_name)} {{#{line}}}\n")
            toc.append((2, line, line_name))
            in_line = [r for r in mine if r.line_of_action == line]
            framework = headline_first([r for r in in_line if r.scope == "framework"], line, audit)
            context = [r for r in in_line if r.scope == "context"]
            for result in framework:
                out.append(result_section(result, lang, figures, results_dir, names, audit, level=3))
                toc.append((3, result.name, pick(result.title, lang)))
            line_gaps = [g for g in gaps if g.get("goal") == goal and g.get("line_of_action") == line]
            for gap in line_gaps:
                out.append(f'<p class="gap"><strong>{t("data_gap", lang)}:</strong> {md_text(pick(gap.get("reason"), lang))}</p>\n')
            if not framework and not line_gaps:
                out.append(f"<p class=\"gap\">{t('not_evaluated', lang)}</p>\n")
            if context:
                heading = i18n.scope_label("context", lang)
                out.append(f"### {md_text(heading)} {{#{line}-context}}\n")
                out.append(f'<p class="note">{t("context_note", lang)}</p>\n')
                toc.append((3, f"{line}-context", heading))
                for result in context:
                    out.append(result_section(result, lang, figures, results_dir, names, audit, level=4))
        earlier = [r for line in line_order(goal, results, gaps, known) for r in mine
                   if r.line_of_action == line and is_earlier_policy(r)]
        if earlier:
            heading = i18n.scope_label("earlier_policy", lang)
            out.append(f"## {md_text(heading)} {{#{EARLIER_POLICY_ID}}}\n")
            out.append(f'<p class="note">{t("earlier_policy_note", lang)}</p>\n')
            toc.append((2, EARLIER_POLICY_ID, heading))
            for result in earlier:
                out.append(result_section(result, lang, figures, results_dir, names, audit, level=3))
                toc.append((3, result.name, pick(result.title, lang)))
    if not out:
        return f"<p class=\"gap\">{t('not_evaluated', lang)}</p>\n"
    return (f'<p class="how-to-read">{t("how_to_read_goal", lang)}</p>\n\n' + toc_html(toc, lang)
            + "\n::: {.goal-body}\n" + "\n".join(out) + "\n:::\n")


def toc_html(entries: list[tuple[int, str, str]], lang: str) -> str:
    """The page's table of contents: the lines of action and their evaluations, as links to their headings. A
    collapsible list (site.js opens it on wide screens, where it stays beside the text)."""
    groups: list[tuple[str, list[str]]] = []
    for level, anchor, text in entries:
        link = f'<a href="#{html.escape(anchor)}">{html.escape(text)}</a>'
        if level == 2 or not groups:
            groups.append((link, []))
        else:
            groups[-1][1].append(f"<li>{link}</li>")
    body = "\n".join(f"<li>{link}" + (f"\n<ul>\n{chr(10).join(children)}\n</ul>" if children else "") + "</li>"
                     for link, children in groups)
    label = html.escape(t("on_this_page", lang))
    return (f'```{{=html}}\n<nav class="goal-toc" aria-label="{label}">\n<details>\n<summary>{label}</summary>\n'
            f"<ul>\n{body}\n</ul>\n</details>\n</nav>\n```\n")


def goal_page(goal: str) -> str:
    return i18n.GOALS.get(goal, {}).get("page", "index")


def line_link(goal: str, line: str, lang: str, known: dict) -> str:
    return f"[{md_text(i18n.line_name(line, lang, known))}]({goal_page(goal)}.qmd#{line})"
