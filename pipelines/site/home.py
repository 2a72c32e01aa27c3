"""The home page's generated parts: the line above everything (data through, updated, cite, download), then the key
findings, the scorecard, "what we cannot measure yet" and the legend (site/index.qmd includes them)."""
from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

from evaluations import formats
from evaluations.result_model import EvaluationResult

from . import i18n, links
from .findings import evaluation_href, findings_html
from .i18n import pick, t
from .scorecard import insufficient_text, scorecard, scorecard_legend


def data_through(results: list[EvaluationResult]) -> str | None:
    """The latest month any Framework evaluation's data reach (ISO date), None without one."""
    ends = [r.data.period.end for r in results if r.scope == "framework" and r.data.period.end]
    return max(ends) if ends else None


def meta_line(lang: str, results: list[EvaluationResult], run_info: dict) -> str:
    """'Data through December 2025 (latest source) · Updated December 7, 2026 · Cite · Download all results'. The
    date is the run's (run_info["date"], the date of the commit run, as on the reproducibility page and in the cite box:
    a rerun of the same commit gives the same site), else the day (UTC) this site was generated."""
    parts = []
    through = data_through(results)
    if through:
        parts.append(f'<span title="{html.escape(t("data_through_title", lang))}">'
                     f'{html.escape(t("data_through", lang).format(month=formats.month(through, lang)))}</span>')
    updated = run_info.get("date") or dt.datetime.now(dt.timezone.utc).date().isoformat()
    parts.append(html.escape(t("updated", lang).format(date=formats.date(updated, lang))))
    parts.append(f'<a href="{html.escape(links.CITE)}">{t("cite", lang)}</a>')
    parts.append(f'<a href="{html.escape(links.ALL_RESULTS_ZIP)}">{t("download_all", lang)}</a>')
    return '```{=html}\n<p class="home-meta">' + " · ".join(parts) + "</p>\n```\n"


def too_little_data(results: list[EvaluationResult]) -> list[EvaluationResult]:
    """Framework evaluations whose data do not meet the publication rules yet (grade insufficient_data)."""
    return [r for r in results if r.scope == "framework" and r.evidence.grade == "insufficient_data"]


def unmeasured_box(lang: str, results: list[EvaluationResult], gaps: list[dict], known: dict) -> str:
    """'What we cannot measure yet': the declared data gaps (data_gaps.json) and the evaluations with too little data."""
    items = []
    if gaps:
        items.append(f'<h3>{t("unmeasured_gaps", lang)}</h3><ul>' + "".join(
            f'<li><a href="{i18n.GOALS.get(g.get("goal"), {}).get("page", "index")}.html#{html.escape(g.get("line_of_action", ""))}">'
            f'{html.escape(i18n.line_name(g.get("line_of_action", ""), lang, known))}</a>: {html.escape(pick(g.get("reason"), lang))}</li>'
            for g in gaps) + "</ul>")
    thin = too_little_data(results)
    if thin:
        items.append(f'<h3>{t("unmeasured_thin", lang)}</h3><ul>' + "".join(
            f'<li><a href="{evaluation_href(r)}">{html.escape(pick(r.title, lang))}</a>: {insufficient_text(r, lang)}</li>'
            for r in thin) + "</ul>")
    body = "".join(items) or f"<p>{t('nothing_unmeasured', lang)}</p>"
    return f"## {t('unmeasured', lang)} {{#unmeasured}}\n\n```{{=html}}\n<div class=\"unmeasured\">{body}</div>\n```\n"


def home_page(lang: str, results: list[EvaluationResult], gaps: list[dict], known: dict, audit: dict | None,
              results_dir: Path | None) -> str:
    """Key findings, a link to what cannot be measured, the scorecard, the earlier policies, the gaps, the legend."""
    thin = too_little_data(results)
    pointer = t("unmeasured_link", lang).format(gaps=formats.integer(len(gaps), lang), thin=formats.integer(len(thin), lang))
    return "\n".join([
        f'```{{=html}}\n<div class="findings-head"><h2 id="key-findings">{t("key_findings", lang)}</h2>'
        f'<a class="unmeasured-link" href="#unmeasured">{html.escape(pointer)}</a></div>\n'
        f"{findings_html(lang, results, audit)}\n```\n",
        scorecard(lang, results, gaps, known, audit, results_dir),
        unmeasured_box(lang, results, gaps, known),
        scorecard_legend(lang, audit),
    ])
