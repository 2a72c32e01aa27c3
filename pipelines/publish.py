"""Site publishing: evaluation results → generated Markdown partials → rendered, versioned, bilingual HTML.

The Quarto project in site/ holds the pages. Each page has one block per language
(`::: {.content-visible when-profile="es"}`, Quarto's conditional content); their variable parts are
`{{< include _generated/<lang>/… >}}` partials written here from BUILD/results (nothing is computed
at render time). Rendering uses the Quarto CLI when it is on PATH (`quarto render --profile <lang>`),
otherwise pandoc (from the pypandoc-binary wheel) with site/_pandoc/template.html, the navigation of
site/_quarto.yml (+ _quarto-<lang>.yml) and the same language blocks.

Versions work like `mike`: BUILD/site/<version>/<lang>/<page>.html, one folder per release (the exact
git tag of HEAD, else "dev"); BUILD/site/versions.json lists them newest first; BUILD/site/latest/
holds redirect pages to the newest release (plain files: they work from any static server and from
file://). A release folder that exists is never rebuilt; "dev" is rebuilt each run. Every folder is
built under a temporary name and renamed into place when complete.
"""
from __future__ import annotations

import csv
import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import yaml

from evaluations.publication import vocabulary

from . import site_i18n as i18n
from .site_i18n import LANGS, fmt_int, fmt_number, fmt_percent, fmt_period, pick, t

INCLUDE = re.compile(r"\{\{<\s*include\s+(\S+)\s*>\}\}")
QMD_LINK = re.compile(r"\]\(([^)#\s]+)\.qmd(#[^)]*)?\)")
MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~^$<>\"'])")
VERSION_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$")
RESERVED = {"latest", "assets", "versions.json", "index.html", "versions.html"}
LONG_TABLE = 12  # tables with more rows than this get the filter box (site.js)


def md_text(value) -> str:
    """Text from data, safe inside Markdown: HTML-escaped and Markdown punctuation backslash-escaped."""
    return MD_SPECIAL.sub(r"\\\1", html.escape(str(value), quote=False))


def attr_text(value) -> str:
    """Text from data inside a quoted Markdown attribute value ("…"): backslash-escaped; pandoc (and Quarto)
    HTML-escape it when writing the attribute, so it is escaped exactly once."""
    return " ".join(str(value).split()).replace("\\", "\\\\").replace('"', '\\"')


def fmt(value: float, digits: int = 3, lang: str = "en") -> str:
    return fmt_number(value, lang, digits)


class SiteError(Exception):
    """A problem the user can act on (bad version name, unreadable result file); one clear line."""


# ----------------------------------------------------------------------------------------------
# Inputs and result files


@dataclass
class SiteInputs:
    results_dir: Path
    landing_files: list[dict]
    run_info: dict
    sources: list[dict] = field(default_factory=list)  # {name, title, publisher, licence, coverage}
    municipalities: dict[str, tuple[str, str]] = field(default_factory=dict)  # cvegeo -> (municipality, state)


def load_result(path: Path) -> dict:
    """One result.json in the docs/RESULT_SCHEMA.md shape (schema 1). Files written before that contract
    (no "schema" key: results.twfe / sample / event_study_table) are mapped onto it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise SiteError(f"{path}: not a readable result file ({error})") from None
    for key in ("name", "goal"):
        if key not in data:
            raise SiteError(f"{path}: result file lacks the key {key!r} (see docs/RESULT_SCHEMA.md)")
    if "schema" in data:
        return data
    return _from_legacy(data, path.parent)


def _from_legacy(old: dict, folder: Path) -> dict:
    sample, d = old.get("sample", {}), old.get("data", {})
    twfe = (old.get("results") or {}).get("twfe")
    units = {"en": "homicides per 100,000 per month", "es": "homicidios por 100 000 habitantes al mes"}
    headline = None
    estimates = []
    if twfe:
        att = twfe["att"]
        headline = {"id": "twfe", "estimator": "twfe", "units": units,
                    "label": {"en": "Two-way fixed effects estimate", "es": "Estimación de efectos fijos bidireccionales"},
                    **{k: att.get(k) for k in ("estimate", "std_error", "ci_low", "ci_high", "p_value")},
                    "n_obs": twfe.get("n_obs"), "n_clusters": twfe.get("n_clusters")}
        estimates.append(headline)
    figures = []
    if (folder / "event_study.png").exists():
        figures.append({"file": "event_study.png", "kind": "event_study",
                        "alt": {"en": "Event-study plot: estimated effect on the monthly homicide rate for each month "
                                      "before and after an operation began, with a 95% confidence band; month −1 is the reference.",
                                "es": "Gráfica de estudio de eventos: efecto estimado sobre la tasa mensual de homicidios en cada "
                                      "mes antes y después del inicio de un operativo, con banda de confianza del 95%; el mes −1 es la referencia."},
                        "caption": {"en": "Event study with 95% confidence band (reference month −1).",
                                    "es": "Estudio de eventos con banda de confianza del 95% (mes de referencia −1)."}})
    tables = [{"file": "event_study.csv", "caption": {"en": "Event-study coefficients", "es": "Coeficientes del estudio de eventos"}}] \
        if (folder / "event_study.csv").exists() else []
    return {
        "schema": 0, "name": old["name"], "title": old.get("title") or {"en": old["name"], "es": old["name"]},
        "goal": old["goal"], "line_of_action": old.get("line_of_action", "unassigned"),
        "design": old.get("design", ""), "simulated": bool(old.get("simulated", False)),
        "data": {"sources": [d["source"]] if d.get("source") else [], "tables": [d["table"]] if d.get("table") else [],
                 "unit": "municipality", "period": {"start": sample.get("start", d.get("start")), "end": sample.get("end", d.get("end"))},
                 "n_units": sample.get("units"), "n_obs": sample.get("rows_in_window"),
                 "treated_units": sample.get("treated_units"), "cohorts": sample.get("cohorts", [])},
        "headline": headline, "estimates": estimates, "diagnostics": old.get("diagnostics") or {},
        "baseline_comparison": None, "reading": old.get("reading"), "figures": figures, "tables": tables,
        "quality": old.get("quality"),
    }


def load_results(results_dir: Path) -> list[dict]:
    results = []
    for path in sorted((results_dir / "evaluations").glob("*/result.json")):
        result = load_result(path)
        result["_dir"] = path.parent
        results.append(result)
    return results


def load_gaps(results_dir: Path) -> list[dict]:
    path = results_dir / "data_gaps.json"
    if not path.exists():  # results written before data_gaps.json: the gaps as the evaluations layer declares them
        return i18n.known_gaps()
    try:
        return list(json.loads(path.read_text(encoding="utf-8")))
    except json.JSONDecodeError as error:
        raise SiteError(f"{path}: line {error.lineno}, column {error.colno}: {error.msg}") from None


def load_audit(results_dir: Path) -> dict | None:
    """BUILD/results/publication_audit.json, written by the evaluations layer (evaluations/publication): which
    evaluation each scorecard row shows, the q-values, the rules and grades. None for results written before
    the publication rules: the site then shows no scorecard direction or grade and says "not audited"."""
    path = results_dir / "publication_audit.json"
    if not path.exists():
        return None
    try:
        audit = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise SiteError(f"{path}: not a readable publication audit ({error})") from None
    if not isinstance(audit, dict):
        raise SiteError(f"{path}: not a readable publication audit (expected an object)")
    return audit


def audit_entry(audit: dict | None, name: str | None) -> dict:
    """The audit's record of one evaluation (grade, direction, q_value …), {} when absent."""
    return next((e for e in (audit or {}).get("evaluations") or [] if e.get("name") == name), {})


def line_order(goal: str, results: list[dict], gaps: list[dict], known: dict[str, dict]) -> list[str]:
    """Lines of action of a goal: those of evaluations/lines_of_action.py in its order, then any other id seen."""
    order = [line for line, info in known.items() if info["goal"] == goal]
    for item in [*results, *gaps]:
        if item.get("goal") == goal and item.get("line_of_action") and item["line_of_action"] not in order:
            order.append(item["line_of_action"])
    return order


# ----------------------------------------------------------------------------------------------
# Reading the numbers


def ci_text(e: dict, lang: str, digits: int = 3) -> str:
    return (f"{t('se', lang)} {fmt(e.get('std_error'), digits, lang)}; {t('ci', lang)} "
            f"{fmt(e.get('ci_low'), digits, lang)} {'to' if lang == 'en' else 'a'} {fmt(e.get('ci_high'), digits, lang)}")


def fmt_p(p: float, lang: str) -> str:
    """'p = 0.034', or 'p < 0.001' for smaller values (never 'p = 0.000')."""
    return f"p < {fmt(0.001, 3, lang)}" if p < 0.001 else f"p = {fmt(p, 3, lang)}"


def _same_estimate(e: dict, h: dict) -> bool:
    if e.get("id") is not None and h.get("id") is not None:
        return e["id"] == h["id"]
    return e.get("estimator") == h.get("estimator") and e.get("estimate") == h.get("estimate")


def estimate_named(result: dict, estimate_id: str | None) -> dict | None:
    """The entry of "estimates" with this id (evidence.estimate_id names it); the headline when it is that estimate."""
    if not estimate_id:
        return None
    found = next((e for e in result.get("estimates") or [] if e.get("id") == estimate_id), None)
    h = result.get("headline")
    if found is None and h and estimate_id in (h.get("id"), h.get("estimator")):
        return h
    return found


def units_of(result: dict, e: dict) -> dict | str | None:
    if e.get("units"):
        return e["units"]
    h = result.get("headline")
    return h.get("units") if h and _same_estimate(e, h) else None


def mde_of(e: dict | None) -> tuple[float | None, float | None]:
    """(minimum detectable effect, its share of the baseline mean) as the evaluation wrote them: an estimate's
    "mde" / "mde_share_of_baseline", or evidence.mde {"value", "share_of_baseline"}."""
    if not e:
        return None, None
    value = e.get("mde")
    if isinstance(value, dict):
        return value.get("value"), value.get("share_of_baseline")
    if value is None and "value" in e:
        return e.get("value"), e.get("share_of_baseline")
    return value, e.get("mde_share_of_baseline")


def mde_text(value: float, share: float | None, lang: str, units=None) -> str:
    """'smallest effect detectable with 80% power: 1.200 victims (15% of the baseline mean)' (safe Markdown)."""
    text = f"{t('mde', lang)}: {fmt(value, 3, lang)}" + (f" {md_text(pick(units, lang))}" if pick(units, lang) else "")
    if share is not None:
        text += f" ({fmt_percent(share, lang)} {t('of_baseline', lang)})"
    return text


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def p_cell(p: float | None, lang: str) -> str:
    """A p- or q-value in a table cell: '0.034', '< 0.001', or '—'."""
    if p is None:
        return "—"
    return f"< {fmt(0.001, 3, lang)}" if p < 0.001 else fmt(p, 3, lang)


def insufficient_reason(result: dict, lang: str) -> str:
    """Why no number is published (safe Markdown), in the evaluation's words: the baseline's own "insufficient"
    text ("Insufficient baseline (1 month …): …"), else the first reason of the evidence grade."""
    comparison = result.get("baseline_comparison") or {}
    text = pick(comparison.get("insufficient"), lang) if comparison.get("sufficient") is False else ""
    reasons = (result.get("evidence") or {}).get("reasons") or []
    if not text and reasons:
        text = pick(reasons[0], lang)
    return md_text(text)


def reading_of(result: dict, lang: str) -> str:
    """The result's own plain-language paragraph; otherwise (legacy results) what the headline CI says, with no
    direction claimed: directions come only from the evaluation's evidence.direction."""
    if result.get("reading"):
        return md_text(pick(result["reading"], lang))
    h = result.get("headline")
    if not h or h.get("ci_low") is None:
        return ""
    includes_zero = h["ci_low"] <= 0 <= h["ci_high"]
    if lang == "en":
        text = ("The 95% confidence interval includes zero: the data cannot distinguish the effect from no change."
                if includes_zero else "The 95% confidence interval excludes zero.")
        if h.get("estimator") == "twfe":
            text += (" With staggered adoption and effects that change over time, two-way fixed effects can be "
                     "biased; read it with the event study below.")
    else:
        text = ("El intervalo de confianza del 95% incluye el cero: los datos no distinguen el efecto de la ausencia de cambio."
                if includes_zero else "El intervalo de confianza del 95% excluye el cero.")
        if h.get("estimator") == "twfe":
            text += (" Con adopción escalonada y efectos que cambian en el tiempo, los efectos fijos bidireccionales pueden "
                     "estar sesgados; léase junto con el estudio de eventos.")
    return text


# ----------------------------------------------------------------------------------------------
# Generated partials


def table_md(header: list[str], rows: list[list[str]], align: str | None = None) -> str:
    """A pipe table; cells must already be safe Markdown (md_text / fmt)."""
    align = align or "l" * len(header)
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(rule) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def table_html(header: list[str], rows: list[list[str]]) -> str:
    """A long table as a raw HTML block, passed through by pandoc and Quarto untouched. The result manifest
    has thousands of rows: as a pipe table pandoc needs ≈3.5 s a language to parse it, as raw HTML nothing.
    Cells must already be safe HTML (html.escape, <code>)."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "\n".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"```{{=html}}\n<table>\n<thead>\n<tr>{head}</tr>\n</thead>\n<tbody>\n{body}\n</tbody>\n</table>\n```\n"


def figure_md(src: str, alt: str, caption: str) -> str:
    return f'![{md_text(caption)}]({src}){{fig-alt="{attr_text(alt)}"}}\n'


MAX_TABLE_ROWS = 500  # longer CSVs show their first rows; the whole file is linked


def csv_table(path: Path, lang: str) -> str:
    """A result's CSV as a table: numbers in the page's locale (whole-number columns without decimals)."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        return ""
    header, body = rows[0], rows[1:]
    numeric = [bool(body) and all(_is_number(r[i]) for r in body if i < len(r) and r[i] != "") for i in range(len(header))]
    whole = [numeric[i] and all(float(r[i]).is_integer() for r in body if i < len(r) and r[i] != "") for i in range(len(header))]

    def cell(i: int, value: str) -> str:
        if value == "" or not numeric[i]:
            return md_text(value)
        return fmt_int(float(value), lang) if whole[i] else fmt(float(value), 3, lang)

    shown = body[:MAX_TABLE_ROWS]
    table = table_md([md_text(h) for h in header], [[cell(i, v) for i, v in enumerate(r)] for r in shown],
                     "".join("r" if n else "l" for n in numeric))
    if len(body) > len(shown):
        table += (f"\n<p class=\"note\">First {fmt_int(len(shown), lang)} of {fmt_int(len(body), lang)} rows.</p>\n" if lang == "en" else
                  f"\n<p class=\"note\">Primeras {fmt_int(len(shown), lang)} de {fmt_int(len(body), lang)} filas.</p>\n")
    return table


def _is_number(value: str) -> bool:
    try:
        float(value)
        return True
    except ValueError:
        return False


def result_section(result: dict, lang: str, figures: Path, results_dir: Path, names: dict | None = None,
                   audit: dict | None = None, level: int = 3) -> str:
    name = result["name"]
    out = [f"{'#' * level} {md_text(pick(result['title'], lang))} {{#{name}}}\n"]
    if result.get("simulated"):
        out.append(f'<p class="warning">{t("simulated", lang)}</p>\n')
    d = result.get("data") or {}
    period = d.get("period") or {}
    facts = [f"**{t('design', lang)}:** {md_text(i18n.design_name(result.get('design', ''), lang))}"]
    if period.get("start"):
        facts.append(f"**{t('sample', lang)}:** {md_text(fmt_period(period['start'], period.get('end'), lang))}"
                     + (f", {md_text(d['unit'])}" if d.get("n_units") == 1 and d.get("unit") else
                        f", {fmt_int(d['n_units'], lang)} {md_text(_unit_word(d.get('unit'), lang))}" if d.get("n_units") else "")
                     + (f", {fmt_int(d['n_obs'], lang)} {'observations' if lang == 'en' else 'observaciones'}" if d.get("n_obs") else ""))
    if d.get("sources"):
        facts.append(("**Sources:** " if lang == "en" else "**Fuentes:** ") + md_text("; ".join(d["sources"])))
    out.append("  \n".join(facts) + "\n")
    out.append(evidence_block(result, lang, audit))
    threats = [th for th in result.get("threats") or [] if pick(th, lang)]
    if threats:
        out.append(f"**{t('threats', lang)}:**\n\n" + "".join(f"- {md_text(pick(th, lang))}\n" for th in threats))

    comparison = result.get("baseline_comparison")
    if comparison:
        out.append(baseline_block(comparison, lang))
    evidence = result.get("evidence") or {}
    h = result.get("headline")
    if h:
        units = pick(h.get("units"), lang)
        out.append(f'<p class="estimate">{md_text(pick(h.get("label"), lang))}: <strong>{fmt(h.get("estimate"), 3, lang)}</strong> '
                   f'{md_text(units)} ({ci_text(h, lang)}'
                   + (f"; {fmt_p(h['p_value'], lang)}" if h.get("p_value") is not None and h.get("kind") != "level" else "") + ").</p>\n")
        value, share = mde_of(h)
        if value is None:  # the headline repeats an entry of "estimates", which carries the MDE
            value, share = mde_of(estimate_named(result, h.get("id") or h.get("estimator")))
        shown_in_evidence = (mde_of(evidence.get("mde"))[0] is not None
                             and evidence.get("estimate_id") in (h.get("id"), h.get("estimator")))
        if value is not None and not shown_in_evidence:
            out.append(f'<p class="note">{_sentence(mde_text(value, share, lang, h.get("units")))}.</p>\n')
    others = [e for e in result.get("estimates") or [] if not h or not _same_estimate(e, h)]
    if others:
        with_mde = any(mde_of(e)[0] is not None for e in others)
        header = [t("estimate", lang), "Value" if lang == "en" else "Valor", t("se", lang), t("ci", lang), "p"]
        rows = []
        for e in others:
            row = [md_text(pick(e.get("label"), lang) or e.get("id", "")), fmt(e.get("estimate"), 3, lang), fmt(e.get("std_error"), 3, lang),
                   f"{fmt(e.get('ci_low'), 3, lang)} – {fmt(e.get('ci_high'), 3, lang)}",
                   "—" if e.get("kind") == "level" else p_cell(e.get("p_value"), lang)]
            if with_mde:
                value, share = mde_of(e)
                row.append("—" if value is None else fmt(value, 3, lang)
                           + (f" ({fmt_percent(share, lang)} {t('of_baseline', lang)})" if share is not None else ""))
            rows.append(row)
        out.append(table_md(header + ([t("mde_column", lang)] if with_mde else []), rows, "lrrrr" + ("r" if with_mde else "")))
    reading = reading_of(result, lang)
    if reading:
        out.append(f"{reading}\n")
    diagnostics = diagnostics_md(result.get("diagnostics") or {}, lang)
    if diagnostics:
        out.append(f"**{t('diagnostics', lang)}:** {diagnostics}\n")
    for i, figure in enumerate(result.get("figures") or []):
        source = result["_dir"] / figure["file"]
        if not source.exists():
            continue
        target = f"{name}_{Path(figure['file']).name}"
        shutil.copy(source, figures / target)
        alt = pick(figure.get("alt"), lang) or pick(result["title"], lang)
        out.append(figure_md(f"{figures.name}/{target}", alt, pick(figure.get("caption"), lang) or alt))
    for table in result.get("tables") or []:
        source = result["_dir"] / table["file"]
        if source.exists() and source.suffix == ".csv":
            target = f"{name}_{Path(table['file']).name}"
            shutil.copy(source, figures / target)
            out.append(f"<details><summary>{md_text(pick(table.get('caption'), lang) or table['file'])}</summary>\n\n"
                       f"{csv_table(source, lang)}\n"
                       f'<p class="note"><a href="{figures.name}/{target}" download>{"Download the CSV" if lang == "en" else "Descargar el CSV"}</a></p>\n'
                       "</details>\n")
    out.append(quality_line(result.get("quality"), lang))
    out.extend(spatial_section(results_dir, figures, name, lang, names, level + 1))
    return "\n".join(part if part.endswith("\n") else part + "\n" for part in out)


def evidence_block(result: dict, lang: str, audit: dict | None = None) -> str:
    """The result's "Evidence" line, as the evaluation graded it (nothing is graded here): grade, direction,
    assessment, the q-value of the audit's family, the reasons, and the minimum detectable effect of a null."""
    evidence = result.get("evidence")
    if not evidence:
        return f'<p class="evidence"><strong>{t("evidence_line", lang)}:</strong> {t("not_audited_result", lang)}</p>\n'
    grades = (audit or {}).get("grades")
    parts = [md_text(i18n.grade_label(evidence.get("grade"), lang, grades)),
             md_text(i18n.direction_label(evidence.get("direction"), lang)),
             md_text(i18n.assessment_label(evidence.get("assessment"), lang))]
    q = audit_entry(audit, result["name"]).get("q_value")
    if q is not None:
        parts.append(f"q = {p_cell(q, lang)}" if q >= 0.001 else f"q {p_cell(q, lang)}")
    text = f'<p class="evidence"><strong>{t("evidence_line", lang)}:</strong> ' + " · ".join(parts) + "</p>\n"
    reasons = [r for r in evidence.get("reasons") or [] if pick(r, lang)]
    if reasons:
        text += "\n" + "".join(f"- {md_text(pick(r, lang))}\n" for r in reasons)
    value, share = mde_of(evidence.get("mde"))
    if value is not None:
        source = estimate_named(result, evidence.get("estimate_id")) or {}
        text += f'\n<p class="note">{_sentence(mde_text(value, share, lang, units_of(result, source) if source else None))}.</p>\n'
    return text


def _unit_word(unit: str | None, lang: str) -> str:
    words = {"municipality": ("municipalities", "municipios"), "state": ("states", "estados"),
             "field_office": ("field offices", "oficinas de campo"), "country": ("countries", "países")}
    en, es = words.get(unit or "", (f"{unit or 'unit'} units", f"unidades ({unit or 'unidad'})"))
    return en if lang == "en" else es


def baseline_block(c: dict, lang: str) -> str:
    """Baseline (from its first month with data) and post-Framework means, and the change between them when the
    evaluation published one; no arrow here: a direction is only the evaluation's evidence.direction."""
    base, post = c.get("baseline") or {}, c.get("post") or {}
    with_months = base.get("months") is not None or post.get("months") is not None
    rows = []
    for label, window in ((t("baseline", lang), base), (t("post", lang), post)):
        rows.append([label, md_text(fmt_period(window.get("start"), window.get("end"), lang))]
                    + ([fmt_int(window["months"], lang) if window.get("months") is not None else "—"] if with_months else [])
                    + [fmt(window.get("mean"), 2, lang)])
    text = table_md(["Comparison" if lang == "en" else "Comparación", "Period" if lang == "en" else "Periodo"]
                    + ([t("months_with_data", lang)] if with_months else []) + ["Mean" if lang == "en" else "Promedio"],
                    rows, "llrr" if with_months else "llr")
    change = c.get("change")
    if c.get("sufficient") is False:
        text += f'\n<p class="gap">{md_text(pick(c.get("insufficient"), lang)) or t("insufficient", lang)}</p>\n'
    elif change is not None:
        text += (f'\n<p class="estimate">{t("change", lang)}: {fmt(change, 2, lang)}'
                 + (f" ({fmt(c['percent_change'], 1, lang)}%)" if c.get("percent_change") is not None else "")
                 + (f"; {'trend' if lang == 'en' else 'tendencia'} {fmt(c['trend_per_year'], 2, lang)} "
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
            numbers.append(f"{'statistic' if lang == 'en' else 'estadístico'} {fmt(value['statistic'], 2, lang)}"
                           + (f" ({value['df']} gl)" if lang == "es" and value.get("df") is not None else
                              f" ({value['df']} df)" if value.get("df") is not None else ""))
        if value.get("estimate") is not None:
            numbers.append(f"{fmt(value['estimate'], 3, lang)} ({ci_text(value, lang)})")
        if value.get("p_value") is not None:
            numbers.append(fmt_p(value["p_value"], lang))
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


def _figure(source: Path, figures: Path, name: str, alt: str, caption: str | None = None) -> str:
    shutil.copy(source, figures / name)
    return figure_md(f"{figures.name}/{name}", alt, caption or alt)


MAP_TEXT = {
    "changed": {"en": "Where homicide rates changed", "es": "Dónde cambiaron las tasas de homicidio"},
    "hotspots": {"en": "Hot spots and how they moved", "es": "Puntos calientes y su desplazamiento"},
    "municipalities": {"en": "Municipalities with the largest increase", "es": "Municipios con el mayor aumento"},
}


def spatial_section(results_dir: Path, figures: Path, name: str, lang: str = "en",
                    names: dict[str, tuple[str, str]] | None = None, level: int = 4) -> list[str]:
    """Spillover-aware estimate, change map and hot-spot maps of one spec (those that exist)."""
    en = lang == "en"
    lines: list[str] = []
    spill_path = results_dir / "spatial" / name / "spillover.json"
    if spill_path.exists():
        spill = json.loads(spill_path.read_text())
        effects = {e["index"]: e for e in spill["effects"]}
        direct, ring = effects["direct"], effects.get("spill_ring1")

        def est(e):
            return {"std_error": e["se"], "ci_low": e["ci_low"], "ci_high": e["ci_high"]}

        lines.append(
            f'<p class="estimate">' + ("Spillover-aware estimate — direct effect on municipalities of treated states: "
                                       if en else "Estimación que considera derrames — efecto directo en municipios de estados tratados: ")
            + f'<strong>{fmt(direct["estimate"], 3, lang)}</strong> ({ci_text(est(direct), lang)})'
            + ((("; spillover on untreated neighbouring municipalities: " if en else "; derrame en municipios vecinos no tratados: ")
                + f'<strong>{fmt(ring["estimate"], 3, lang)}</strong> ({ci_text(est(ring), lang)})') if ring else "")
            + ".</p>\n")
        no_spill = bool(ring) and ring["ci_low"] <= 0 <= ring["ci_high"]
        lines.append(
            ("The spillover-aware model separates untreated municipalities that border a treated one from the farther controls, "
             "so displaced violence among neighbours does not contaminate the comparison "
             + ("(the neighbours' 95% CI includes zero: no detectable spillover)." if no_spill
                else "(the neighbours' CI excludes zero: violence spilled over or was displaced).")) if en else
            ("El modelo con derrames separa a los municipios no tratados que colindan con uno tratado de los controles más lejanos, "
             "para que la violencia desplazada entre vecinos no contamine la comparación "
             + ("(el IC 95% de los vecinos incluye el cero: no se detecta derrame)." if no_spill
                else "(el IC de los vecinos excluye el cero: la violencia se derramó o se desplazó).")) + "\n")
        excluded = spill.get("excluded_cohorts") or []
        if excluded:   # publication rule cohort_min_size, as in the headline estimate
            units, dates = sum(c["units"] for c in excluded), ", ".join(c["cohort"] for c in excluded)
            lines.append(f'<p class="note">' + (
                f"Left out of this estimate, as of the headline: {len(excluded)} cohort(s) of {fmt_int(units, lang)} "
                f"municipalities (first treated {dates}) with fewer than {vocabulary.MIN_COHORT_UNITS} municipalities or in "
                f"fewer than {vocabulary.MIN_COHORT_CLUSTERS} states; they still "
                f"mark their neighbours as exposed." if en else
                f"Excluidas de esta estimación, como de la principal: {len(excluded)} cohorte(s) de {fmt_int(units, lang)} "
                f"municipios (primer tratamiento {dates}) con menos de {vocabulary.MIN_COHORT_UNITS} municipios o en menos de "
                f"{vocabulary.MIN_COHORT_CLUSTERS} estados; aun así marcan a sus "
                f"vecinos como expuestos.") + "</p>\n")
    map_dir = results_dir / "maps" / name
    if (map_dir / "summary.json").exists():
        summary = json.loads((map_dir / "summary.json").read_text())
        base, post = summary["baseline"], summary["post"]
        period = (f"{fmt_period(base[0], base[1], lang)} {'and' if en else 'y'} {fmt_period(post[0], post[1], lang)}")
        lines.append(f"{'#' * level} {MAP_TEXT['changed'][lang]}\n")
        legend = "; ".join(str(x) for x in summary.get("legend", []))  # alt text: attr_text escapes it
        alt = (f"Map of Mexico's municipalities shaded by the change in the annualised homicide rate per 100,000 between {period}; "
               f"classes: {legend}." if en else
               f"Mapa de los municipios de México sombreados según el cambio en la tasa anualizada de homicidios por 100 000 entre {period}; "
               f"clases: {legend}.")
        lines.append(_figure(map_dir / summary["png"], figures, f"{name}_change_map.png", alt,
                             ("Change in the homicide rate per 100,000 per year, " if en else "Cambio en la tasa de homicidios por 100 000 al año, ") + period))
        if summary.get("html") and (map_dir / summary["html"]).exists():
            shutil.copy(map_dir / summary["html"], figures / f"{name}_change_map.html")
            lines.append(f'<p class="map-link"><a class="interactive-map" href="{figures.name}/{name}_change_map.html">'
                         f"{t('interactive_map', lang)}</a></p>\n")
        lines.append(
            (f"Across {fmt_int(summary['municipalities'], lang)} municipalities the median change was "
             f"{fmt(summary['median_change'], 1, lang)} per 100,000 per year; "
             f"{fmt_percent(summary['share_increasing'], lang)} of municipalities saw an increase.") if en else
            (f"En {fmt_int(summary['municipalities'], lang)} municipios el cambio mediano fue de "
             f"{fmt(summary['median_change'], 1, lang)} por 100 000 al año; "
             f"{fmt_percent(summary['share_increasing'], lang)} de los municipios registró un aumento.") + "\n")
        lines.append(top_municipalities(map_dir, names or {}, lang))
    hot_path = results_dir / "spatial" / name / "hotspots.json"
    if hot_path.exists():
        hot = json.loads(hot_path.read_text())
        lines.append(f"{'#' * level} {MAP_TEXT['hotspots'][lang]}\n")
        b, p = hot["spots"]["baseline"], hot["spots"]["post"]
        lines.append(
            (f"Global Moran's I of the homicide rate: {fmt(hot['moran_baseline']['I'], 3, lang)} in the baseline and "
             f"{fmt(hot['moran_post']['I'], 3, lang)} after (permutation p = {fmt(hot['moran_post']['p_sim'], 3, lang)}). Local hot and cold "
             f"spots by Getis–Ord Gi* with {fmt_int(hot['permutations'], lang)} permutations (seed {hot['seed']}) and Benjamini–Hochberg "
             f"false-discovery control at {fmt_percent(hot['alpha'], lang)}: {b.get('hot', 0)} hot spots before, {p.get('hot', 0)} after.")
            if en else
            (f"I de Moran global de la tasa de homicidios: {fmt(hot['moran_baseline']['I'], 3, lang)} en la línea base y "
             f"{fmt(hot['moran_post']['I'], 3, lang)} después (p por permutación = {fmt(hot['moran_post']['p_sim'], 3, lang)}). Puntos calientes y "
             f"fríos locales por Gi* de Getis–Ord con {fmt_int(hot['permutations'], lang)} permutaciones (semilla {hot['seed']}) y control de la "
             f"tasa de falsos descubrimientos de Benjamini–Hochberg al {fmt_percent(hot['alpha'], lang)}: {b.get('hot', 0)} puntos calientes antes, "
             f"{p.get('hot', 0)} después.") + "\n")
        transitions = hot.get("transitions") or {}
        alt = (("Map of homicide hot and cold spots that persisted, appeared or disappeared between the periods; counts: "
                if en else "Mapa de puntos calientes y fríos de homicidio que persistieron, aparecieron o desaparecieron entre los periodos; conteos: ")
               + "; ".join(f"{k} {v}" for k, v in sorted(transitions.items())))
        folder = results_dir / "spatial" / name
        lines.append(_figure(folder / hot["maps"]["transition"], figures, f"{name}_hotspots_transition.png", alt,
                             "Hot-spot transitions (Gi*, FDR-controlled)" if en else "Transiciones de puntos calientes (Gi*, con control FDR)"))
    return lines


def top_municipalities(map_dir: Path, names: dict[str, tuple[str, str]], lang: str, n: int = 15) -> str:
    """The municipalities with the largest increase, with their names (text from data: escaped)."""
    change_csv = map_dir / "change.csv"
    if not change_csv.exists():
        return ""
    with open(change_csv, newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r.get("change") not in (None, "")]
    rows.sort(key=lambda r: float(r["change"]), reverse=True)
    body = []
    for r in rows[:n]:
        code = r.get("CVEGEO") or r.get("cvegeo") or ""
        municipality, state = names.get(code, (r.get("municipality", ""), r.get("state", "")))
        body.append([md_text(code), md_text(municipality), md_text(state), fmt(float(r["baseline_rate"]), 1, lang),
                     fmt(float(r["post_rate"]), 1, lang), fmt(float(r["change"]), 1, lang)])
    en = lang == "en"
    header = ["INEGI", "Municipality" if en else "Municipio", "State" if en else "Estado",
              "Baseline rate" if en else "Tasa base", "Post rate" if en else "Tasa posterior", "Change" if en else "Cambio"]
    return (f"<details><summary>{MAP_TEXT['municipalities'][lang]} ({len(body)})</summary>\n\n"
            + table_md(header, body, "lllrrr") + "\n</details>\n")


def is_earlier_policy(result: dict) -> bool:
    return result.get("scope") == "earlier_policy"


def goal_section(goal: str, lang: str, results: list[dict], gaps: list[dict], known: dict, figures: Path, results_dir: Path,
                 names: dict | None = None, audit: dict | None = None) -> str:
    """A goal page: per line of action, its Framework evaluations and data gaps, then (under their own heading)
    the evaluations of policies before October 2021."""
    out = []
    for line in line_order(goal, results, gaps, known):
        out.append(f"## {md_text(i18n.line_name(line, lang, known))} {{#{line}}}\n")
        mine = [r for r in results if r["goal"] == goal and r.get("line_of_action") == line]
        framework = [r for r in mine if not is_earlier_policy(r)]
        earlier = [r for r in mine if is_earlier_policy(r)]
        for result in framework:
            out.append(result_section(result, lang, figures, results_dir, names, audit, level=3))
        line_gaps = [g for g in gaps if g.get("goal") == goal and g.get("line_of_action") == line]
        for gap in line_gaps:
            out.append(f'<p class="gap"><strong>{t("data_gap", lang)}:</strong> {md_text(pick(gap.get("reason"), lang))}</p>\n')
        if not framework and not line_gaps:
            out.append(f"<p class=\"gap\">{t('not_evaluated', lang)}</p>\n")
        if earlier:
            out.append(f"### {md_text(i18n.scope_label('earlier_policy', lang))} {{#{line}-earlier-policy}}\n")
            out.append(f'<p class="note">{t("earlier_policy_note", lang)}</p>\n')
            for result in earlier:
                out.append(result_section(result, lang, figures, results_dir, names, audit, level=4))
    if not out:
        out.append(f"<p class=\"gap\">{t('not_evaluated', lang)}</p>\n")
    return "\n".join(out)


def _goal_page(goal: str) -> str:
    return i18n.GOALS.get(goal, {}).get("page", "index")


def _line_link(goal: str, line: str, lang: str, known: dict) -> str:
    return f"[{md_text(i18n.line_name(line, lang, known))}]({_goal_page(goal)}.qmd#{line})"


def headline_cell(result: dict | None, entry: dict, lang: str) -> str:
    """The number a scorecard row shows: the estimate the evaluation's evidence.estimate_id names, with units and
    95% CI; for insufficient data the reason instead of a number."""
    evidence = (result or {}).get("evidence") or {}
    grade = evidence.get("grade") or entry.get("grade")
    if grade == "insufficient_data":
        return (insufficient_reason(result, lang) if result else "") or md_text(i18n.grade_label(grade, lang))
    estimate_id = evidence.get("estimate_id") if result else entry.get("estimate_id")
    e = estimate_named(result, estimate_id) if result else None
    if e is None and entry.get("estimate") is not None and estimate_id:
        e = {k: entry.get(k) for k in ("estimate", "ci_low", "ci_high")}
    if e is None or e.get("estimate") is None:
        return (insufficient_reason(result, lang) if result else "") or "—"
    label = pick(e.get("label"), lang)
    units = pick(units_of(result, e), lang) if result else ""
    return ((f"{md_text(label)}: " if label else "") + f"**{fmt(e['estimate'], 3, lang)}**" + (f" {md_text(units)}" if units else "")
            + (f" ({t('ci', lang)} {fmt(e['ci_low'], 3, lang)} {'to' if lang == 'en' else 'a'} {fmt(e['ci_high'], 3, lang)})"
               if e.get("ci_low") is not None and e.get("ci_high") is not None else ""))


def scorecard_cells(name: str | None, by_name: dict[str, dict], audit: dict, lang: str) -> list[str]:
    """Evaluation, headline, direction, assessment, grade and q-value of one scorecard row: all from the one
    evaluation the audit names (its result.json, else the audit's own record of it)."""
    if name is None:
        return ["—", "—", t("no_data", lang), "—", t("none", lang), "—"]
    result, entry = by_name.get(name), audit_entry(audit, name)
    evidence = ((result or {}).get("evidence") or {}) or entry
    title = pick(result["title"], lang) if result else name
    goal = (result or entry).get("goal", "")
    evaluation = f"[{md_text(title)}]({_goal_page(goal)}.qmd#{name})"
    if result and result.get("simulated"):
        evaluation += " (simulated data)" if lang == "en" else " (datos simulados)"
    if not evidence.get("grade"):
        return [evaluation, "—", t("not_audited", lang), t("not_audited", lang), t("not_audited", lang), "—"]
    return [evaluation, headline_cell(result, entry, lang),
            md_text(i18n.direction_label(evidence.get("direction"), lang)),
            md_text(i18n.assessment_label(evidence.get("assessment"), lang)),
            md_text(i18n.grade_label(evidence.get("grade"), lang, audit.get("grades"))),
            p_cell(entry.get("q_value"), lang)]


def _not_audited_cells(mine: list[dict], lang: str) -> list[str]:
    if not mine:
        return ["—", "—", t("no_data", lang), "—", t("none", lang), "—"]
    titles = "; ".join(f"[{md_text(pick(r['title'], lang))}]({_goal_page(r['goal'])}.qmd#{r['name']})" for r in mine)
    return [titles, "—", t("not_audited", lang), t("not_audited", lang), t("not_audited", lang), "—"]


def scorecard(lang: str, results: list[dict], gaps: list[dict], known: dict, audit: dict | None = None) -> str:
    """The home page: per goal, one row per line of action showing the one Framework evaluation the publication audit
    names for it; then the earlier-policy evidence apart; then a legend. Nothing is graded or compared here."""
    by_name = {r["name"]: r for r in results}
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
                cells = _not_audited_cells([r for r in results if r["goal"] == goal and r.get("line_of_action") == line
                                            and not is_earlier_policy(r)], lang)
            rows.append([_line_link(goal, line, lang, known), *cells])
        if rows:
            out.append(table_md(header, rows))
        else:
            out.append(f"<p class=\"gap\">{t('not_evaluated', lang)}</p>\n")
    if audit is not None:
        earlier = [[_line_link(row.get("goal", ""), row.get("line_of_action", ""), lang, known),
                    *scorecard_cells(row.get("evaluation"), by_name, audit, lang)]
                   for row in audit.get("earlier_policy") or [] if row.get("evaluation")]
    else:
        earlier = [[_line_link(r["goal"], r.get("line_of_action", ""), lang, known), *_not_audited_cells([r], lang)]
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
        n, what = fmt_int(family["tests"], lang), md_text(pick(family.get("description"), lang))
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


def methods_section(lang: str, results: list[dict], audit: dict | None = None) -> str:
    en = lang == "en"
    rows = []
    for r in results:
        estimators = ", ".join(sorted({md_text(e.get("estimator") or e.get("id", "")) for e in r.get("estimates") or []}))
        grade = (r.get("evidence") or {}).get("grade")
        rows.append([f"[{md_text(pick(r['title'], lang))}]({_goal_page(r['goal'])}.qmd#{r['name']})",
                     md_text(i18n.design_name(r.get("design", ""), lang)), estimators or "—",
                     md_text(i18n.grade_label(grade, lang, (audit or {}).get("grades"))) if grade else t("not_audited", lang),
                     diagnostics_md(r.get("diagnostics") or {}, lang) or "—", str(r["seed"]) if r.get("seed") is not None else "—"])
    if rows:
        out = [table_md(["Evaluation" if en else "Evaluación", t("design", lang), "Estimators" if en else "Estimadores",
                         t("evidence", lang), t("diagnostics", lang), "Seed" if en else "Semilla"], rows)]
    else:
        out = ["No evaluation results in this build.\n" if en else "No hay resultados de evaluación en esta versión.\n"]
    out.append(publication_rules_section(lang, audit))
    return "\n".join(out)


def publication_rules_section(lang: str, audit: dict | None) -> str:
    """Every publication rule and evidence grade, as the audit of this build lists them (as evaluations/publication
    defines them when the results were not audited), and the size of the scorecard's multiple-testing family."""
    en = lang == "en"
    if audit is not None and audit.get("rules"):
        rules = [(r.get("id", ""), r.get("title"), r.get("description")) for r in audit["rules"]]
    else:
        from evaluations.publication.rules import RULES

        rules = [(r.id, r.title, r.description) for r in RULES]
    out = [f"## {t('rules_heading', lang)} {{#publication-rules}}\n",
           ("No number reaches this site unless its result passes the rules below; the evaluations are graded by what "
            "their design and diagnostics can show, and every page shows that grade with the result." if en else
            "Ninguna cifra llega a este sitio si su resultado no cumple las reglas siguientes; cada evaluación recibe un "
            "grado según lo que su diseño y sus diagnósticos pueden mostrar, y cada página muestra ese grado junto al resultado.")
           + "\n",
           f"### {'Rules' if en else 'Reglas'} {{#rules}}\n",
           "".join(f"- **{md_text(pick(title, lang))}** (<code>{md_text(rule_id)}</code>): {md_text(pick(description, lang))}\n"
                   for rule_id, title, description in rules),
           f"### {'Evidence grades' if en else 'Grados de evidencia'} {{#grades}}\n",
           "".join(f"- **{md_text(pick(g, lang))}**: {md_text(pick(g.get('description'), lang))}\n"
                   for g in grade_entries(audit))]
    if audit is None:
        out.append(("These results were not audited (publication_audit.json is missing): no q-values are shown." if en else
                    "Estos resultados no se auditaron (falta publication_audit.json): no se muestran valores q.") + "\n")
        return "\n".join(out)
    family = audit.get("family") or {}
    if family.get("tests") is not None:
        n = fmt_int(family["tests"], lang)
        out.append((f"This site reports {n} tests in its scorecard family; q-values control the false discovery rate "
                    "(Benjamini–Hochberg)." if en else
                    f"Este sitio reporta {n} pruebas en la familia de su tablero; los valores q controlan la tasa de falsos "
                    "descubrimientos (Benjamini–Hochberg).")
                   + (f" {'The family' if en else 'La familia'}: {md_text(pick(family['description'], lang))}."
                      if pick(family.get("description"), lang) else "") + "\n")
    violations = audit.get("violations") or []
    if audit.get("passed") is False or violations:
        out.append('<p class="warning">' + ("The publication audit of this build did not pass:" if en else
                                             "La auditoría de publicación de esta versión no se aprobó:") + "</p>\n\n"
                   + "".join(f"- {md_text(v.get('evaluation') or v.get('name') or '')} "
                             f"(<code>{md_text(v.get('rule', ''))}</code>): {md_text(v.get('message', ''))}\n"
                             if isinstance(v, dict) else f"- {md_text(v)}\n" for v in violations))
    else:
        out.append(("Every result in this build passed every rule that applies to its design." if en else
                    "Cada resultado de esta versión cumple todas las reglas que aplican a su diseño.") + "\n")
    return "\n".join(out)


def data_sources_section(landing_files: list[dict], sources: list[dict] | None = None, lang: str = "en") -> str:
    en = lang == "en"
    meta = {s["name"]: s for s in sources or []}
    out = []
    if meta:
        rows = [[md_text(s["name"]), md_text(s.get("title", "")), md_text(s.get("publisher", "")) or "—",
                 md_text(s.get("coverage", "")) or "—", md_text(s.get("licence", "")) or "—"] for s in meta.values()]
        out.append(table_md(["table" if en else "tabla", "Source" if en else "Fuente", "Publisher" if en else "Editor",
                             "Coverage" if en else "Cobertura", "Licence" if en else "Licencia"], rows))
    rows = [[md_text(f["table_name"]), md_text(f["file"]), fmt_int(f.get("size_bytes"), lang),
             fmt_int(f["rows"], lang) if f.get("rows") is not None else "—", f"<code>{md_text(f['sha256'])}</code>" if f.get("sha256") else "—"]
            for f in landing_files]
    out.append(("Files as received, identified by their SHA-256:\n\n" if en else
                "Archivos tal como se recibieron, identificados por su SHA-256:\n\n")
               + table_md(["table" if en else "tabla", "file" if en else "archivo", "bytes", "rows" if en else "filas", "SHA-256"], rows, "llrrl"))
    out.append("Each folder's SOURCE.md in the repository's `data/` gives the full provenance.\n" if en else
               "El archivo SOURCE.md de cada carpeta de `data/` en el repositorio da la procedencia completa.\n")
    return "\n".join(out)


def reproducibility_section(run_info: dict, results_dir: Path, landing_files: list[dict], lang: str) -> str:
    en = lang == "en"
    version = run_info.get("version", "dev")
    facts = [["Version" if en else "Versión", f"<code>{md_text(version)}</code>"],
             ["Commit", f"<code>{md_text(run_info.get('commit', 'unknown'))}</code>"],
             ["Lock file SHA-256" if en else "SHA-256 del archivo de bloqueo", f"<code>{md_text(run_info.get('lock_sha256', '—'))}</code>"]]
    out = [table_md(["", ""], facts)]
    manifest_path = results_dir / "manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        out.append(("## Result manifest\n\n" if en else "## Manifiesto de resultados\n\n")
                   + ("Every published number and the hashes of everything that produced it "
                      "([manifest.json](../manifest.json), which `bicentennial reproduce` compares a rerun with):\n\n" if en else
                      "Cada número publicado y los hashes de todo lo que lo produjo "
                      "([manifest.json](../manifest.json), con el que `bicentennial reproduce` compara una nueva ejecución):\n\n")
                   + table_html(["key" if en else "clave", "value" if en else "valor"], _flatten_rows(manifest)))
    else:
        out.append(("## Input files\n\n" if en else "## Archivos de entrada\n\n")
                   + table_md(["file" if en else "archivo", "SHA-256"],
                              [[md_text(f["file"]), f"<code>{md_text(f['sha256'])}</code>"] for f in landing_files]))
    checkout = "" if version == "dev" else f"git checkout {version}\n"
    out.append(("## How to rerun\n\n" if en else "## Cómo volver a ejecutar\n\n")
               + ("With Python 3.11 and `make`, from a clone of the repository:\n\n" if en else
                  "Con Python 3.11 y `make`, desde un clon del repositorio:\n\n")
               + f"```\n{checkout}make run     # locked environment (requirements.lock), whole pipeline, site\nmake test\n```\n\n"
               + ("The environment is installed from the hashed lock whose SHA-256 is above; every input file is "
                  "checked against its SHA-256; results carry no wall-clock time, so a rerun gives the same numbers."
                  if en else
                  "El entorno se instala desde el archivo de bloqueo con hashes cuyo SHA-256 aparece arriba; cada archivo de "
                  "entrada se verifica contra su SHA-256; los resultados no registran la hora, así que una nueva ejecución da los mismos números.")
               + "\n")
    return "\n".join(out)


def _flatten_rows(value, prefix: str = "") -> list[list[str]]:
    rows: list[list[str]] = []
    if isinstance(value, dict):
        for key in sorted(value):
            rows += _flatten_rows(value[key], f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list) and value and all(isinstance(v, (dict, list)) for v in value):
        for i, item in enumerate(value):
            rows += _flatten_rows(item, f"{prefix}[{i}]")
    else:
        text = json.dumps(value, ensure_ascii=False) if isinstance(value, list) else str(value)
        rows.append([f"<code>{html.escape(prefix)}</code>", html.escape(text)])
    return rows


def run_section(run_info: dict, lang: str = "en") -> str:
    return (f'<p class="note">{"Built from commit" if lang == "en" else "Generado a partir del commit"} '
            f'{md_text(run_info.get("commit", "unknown"))}, {"version" if lang == "en" else "versión"} '
            f'{md_text(run_info.get("version", "dev"))}.</p>\n')


def quality_section(results_dir: Path, lang: str) -> str:
    """The Data quality page: every suite's outcomes and quarantined rows (pipelines/quality/page.py)."""
    from .quality.page import quality_page

    return quality_page(results_dir, lang)


def write_generated(stage: Path, inputs: SiteInputs) -> None:
    generated, figures = stage / "_generated", stage / "figures"
    generated.mkdir(exist_ok=True)
    figures.mkdir(exist_ok=True)
    results = load_results(inputs.results_dir)
    gaps = load_gaps(inputs.results_dir)
    known = {line["id"]: line for line in i18n.lines_of_action()}
    audit = load_audit(inputs.results_dir)
    for lang in LANGS:
        folder = generated / lang
        folder.mkdir(exist_ok=True)
        for goal, info in i18n.GOALS.items():
            (folder / f"{info['page']}.md").write_text(
                goal_section(goal, lang, results, gaps, known, figures, inputs.results_dir, inputs.municipalities, audit),
                encoding="utf-8")
        (folder / "scorecard.md").write_text(scorecard(lang, results, gaps, known, audit), encoding="utf-8")
        (folder / "methods.md").write_text(methods_section(lang, results, audit), encoding="utf-8")
        (folder / "data-sources.md").write_text(data_sources_section(inputs.landing_files, inputs.sources, lang), encoding="utf-8")
        (folder / "reproducibility.md").write_text(
            reproducibility_section(inputs.run_info, inputs.results_dir, inputs.landing_files, lang), encoding="utf-8")
        (folder / "run.md").write_text(run_section(inputs.run_info, lang), encoding="utf-8")
        (folder / "quality.md").write_text(quality_section(inputs.results_dir, lang), encoding="utf-8")


def fill_missing_partials(stage: Path) -> list[Path]:
    """A page may include a partial that nothing wrote in this build (its results are absent): the page then
    says so in its language instead of the whole site failing. Returns the partials written."""
    written = []
    for page in sorted(stage.glob("*.qmd")):
        for match in INCLUDE.finditer(page.read_text(encoding="utf-8")):
            path = stage / match.group(1)
            if path.exists():
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            es = "es" in Path(match.group(1)).parts
            path.write_text('<p class="gap">' + ("Esta sección no está disponible en esta versión: sus resultados no se generaron."
                                                  if es else "This section is not available in this build: its results were not generated.")
                            + "</p>\n", encoding="utf-8")
            written.append(path)
    return written


# ----------------------------------------------------------------------------------------------
# Rendering


FENCE_OPEN = re.compile(r"^(:{3,})\s*(\{[^}]*\}|\S+)?\s*$")
WHEN_PROFILE = re.compile(r"""\.content-visible\b[^}]*\bwhen-profile\s*=\s*["']?([\w-]+)""")
HEADING = re.compile(r"^#\s+(.+?)\s*(\{[^}]*\})?\s*$", re.MULTILINE)
IMG_FIG_ALT = re.compile(r'<img\b([^>]*?)\sdata-fig-alt="([^"]*)"([^>]*?)\salt="[^"]*"')


def select_language(text: str, lang: str) -> str:
    """Keep the `::: {.content-visible when-profile="<lang>"}` blocks of `lang` (without their fences), drop
    other languages' blocks (what `quarto render --profile <lang>` does); everything else is kept."""
    out: list[str] = []
    stack: list[tuple[bool, bool]] = []  # per open fence: (is a language block, is dropped)
    for line in text.splitlines(keepends=True):
        match = FENCE_OPEN.match(line.rstrip("\n"))
        if match and match.group(2):  # an opening fence
            profile = WHEN_PROFILE.search(match.group(2))
            if profile:
                stack.append((True, profile.group(1) != lang))
                continue
            stack.append((False, False))
        elif match and stack:  # a closing fence
            is_language_block, dropped = stack.pop()
            if is_language_block or dropped or any(d for _, d in stack):
                continue
            out.append(line)
            continue
        if not any(d for _, d in stack):
            out.append(line)
    return "".join(out)


def expand_includes(text: str, base: Path) -> str:
    def include(match: re.Match) -> str:
        path = base / match.group(1)
        if not path.exists():
            raise SiteError(f"{path}: included page part is missing")
        return path.read_text(encoding="utf-8")

    return INCLUDE.sub(include, text)


def split_front_matter(text: str) -> tuple[dict, str]:
    if text.startswith("---"):
        _, front, body = text.split("---", 2)
        return yaml.safe_load(front) or {}, body
    return {}, text


def pandoc_path() -> str:
    import pypandoc

    return pypandoc.get_pandoc_path()


def site_config(stage: Path, lang: str) -> dict:
    """_quarto.yml with the language profile _quarto-<lang>.yml merged over it (navbar items missing from the
    profile keep the base text, so a page added to _quarto.yml alone still appears in every language)."""
    config = yaml.safe_load((stage / "_quarto.yml").read_text(encoding="utf-8"))
    profile_path = stage / f"_quarto-{lang}.yml"
    if profile_path.exists():
        profile = yaml.safe_load(profile_path.read_text(encoding="utf-8")) or {}
        base_nav = config["website"]["navbar"]["left"]
        nav = (profile.get("website", {}).get("navbar", {}) or {}).get("left")
        config["website"]["title"] = profile.get("website", {}).get("title", config["website"]["title"])
        if nav:
            hrefs = {item["href"] for item in nav}
            config["website"]["navbar"]["left"] = nav + [item for item in base_nav if item["href"] not in hrefs]
        config["lang"] = profile.get("lang", lang)
    return config


def _pandoc_html(markdown: str) -> str:
    return subprocess.run(
        [pandoc_path(), "--from=markdown", "--to=html5", "--wrap=none", "--section-divs=false"],
        input=markdown, capture_output=True, text=True, check=True,
    ).stdout


def render_with_pandoc(stage: Path, out: Path, version: str = "dev") -> list[Path]:
    """Every page of the project in every language: out/<lang>/<page>.html (+ assets/, figures/ beside them)."""
    template = jinja2.Environment(autoescape=True).from_string((stage / "_pandoc" / "template.html").read_text(encoding="utf-8"))
    pages: list[tuple[str, str, str, str, dict, list[dict]]] = []  # lang, page, body, fallback title, website, navbar
    for lang in LANGS:
        config = site_config(stage, lang)
        website = config["website"]
        navbar_items = [i for i in website["navbar"]["left"] if (stage / i["href"]).exists()]
        for page in [p for p in config["project"]["render"] if (stage / p).exists()]:
            front, body = split_front_matter((stage / page).read_text(encoding="utf-8"))
            body = select_language(body, lang)
            body = QMD_LINK.sub(lambda m: f"]({m.group(1)}.html{m.group(2) or ''})", expand_includes(body, stage))
            pages.append((lang, page, body, front.get("title", page), website, navbar_items))
    # One pandoc process per page, as many at a time as there are cores (pandoc is the site stage's cost).
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        fragments = list(pool.map(_pandoc_html, [page[2] for page in pages]))
    written = []
    for (lang, page, body, fallback_title, website, navbar_items), fragment in zip(pages, fragments):
        fragment = IMG_FIG_ALT.sub(lambda m: f'<img{m.group(1)}{m.group(3)} alt="{m.group(2)}"', fragment)
        fragment = fragment.replace('<figcaption aria-hidden="true">', "<figcaption>")
        heading = HEADING.search(body)
        title = re.sub(r"\\(.)", r"\1", html.unescape(heading.group(1))) if heading else fallback_title
        page_html = Path(page).with_suffix(".html").name
        target = out / lang / page_html
        target.parent.mkdir(parents=True, exist_ok=True)
        navbar = [{"href": Path(i["href"]).with_suffix(".html").name, "text": i["text"], "current": i["href"] == page}
                  for i in navbar_items]
        others = [{"lang": other, "name": i18n.LANG_NAMES[other], "href": f"../{other}/{page_html}"} for other in LANGS if other != lang]
        target.write_text(template.render(
            lang=i18n.LOCALE_TAGS[lang], title=title, site_title=website["title"], navbar=navbar, body=fragment,
            footer=t("footer", lang), version=version, languages=others, text={k: v[lang] for k, v in i18n.TEXT.items()},
            page=page_html, page_lang=lang,
        ), encoding="utf-8")
        written.append(target)
    for lang in LANGS:
        for folder in ("assets", "figures"):
            if (stage / folder).exists():
                _copy_or_link(stage / folder, out / lang / folder, link_from=out / LANGS[0] / folder if lang != LANGS[0] else None)
    return written


def _copy_or_link(source: Path, target: Path, link_from: Path | None) -> None:
    """Copy a folder; for the second language hard-link the first language's identical files (no double disk use)."""
    for path in source.rglob("*"):
        if path.is_dir():
            continue
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        twin = link_from / path.relative_to(source) if link_from else None
        if twin is not None and twin.exists():
            try:
                os.link(twin, destination)
                continue
            except OSError:
                pass
        shutil.copy2(path, destination)


def render(stage: Path, out: Path, version: str = "dev") -> str:
    """Render the staged project into `out` (out/<lang>/…); returns the renderer used."""
    out.mkdir(parents=True, exist_ok=True)
    if shutil.which("quarto") and not os.environ.get("BICENTENNIAL_FORCE_PANDOC"):
        for lang in LANGS:
            subprocess.run(["quarto", "render", str(stage), "--profile", lang, "--output-dir", str(out / lang)],
                           check=True, capture_output=True)
        return "quarto"
    render_with_pandoc(stage, out, version)
    return "pandoc"


def swap_into_place(new: Path, target: Path) -> None:
    """Replace `target` with `new` by renames, so readers see the old site or the new one, never half."""
    old = target.with_name(target.name + ".previous")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        target.rename(old)
    new.rename(target)
    if old.exists():
        shutil.rmtree(old)


# ----------------------------------------------------------------------------------------------
# Versions


@dataclass
class Published:
    root: Path          # BUILD/site
    version: str
    path: Path          # BUILD/site/<version>
    renderer: str       # quarto | pandoc | skipped
    message: str = ""

    @property
    def index(self) -> Path:
        return self.root / "index.html"


def version_key(version: str):
    """Newest-first ordering of release names: numeric parts compare as numbers (v1.10 > v1.9)."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", version) if part]


def list_versions(root: Path) -> list[str]:
    """Version folders under the site root (each has a version.json written when it was built)."""
    if not root.exists():
        return []
    found = [p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".") and (p / "version.json").exists()]
    releases = sorted((v for v in found if v != "dev"), key=version_key, reverse=True)
    return releases + (["dev"] if "dev" in found else [])


def check_version(version: str) -> str:
    if not VERSION_NAME.match(version or "") or version in RESERVED:
        raise SiteError(f"version {version!r} cannot name a site folder: use a git tag such as v1.2.0 "
                        "(letters, digits, '.', '_', '+', '-'; not 'latest')")
    return version


def write_atomic(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def redirect_page(target: str, lang: str = "en") -> str:
    safe = html.escape(target, quote=True)
    return (f'<!DOCTYPE html>\n<html lang="{i18n.LOCALE_TAGS.get(lang, "en-US")}">\n<head>\n<meta charset="utf-8">\n'
            f'<title>Redirecting…</title>\n<meta http-equiv="refresh" content="0; url={safe}">\n'
            f'<link rel="canonical" href="{safe}">\n</head>\n<body>\n<p><a href="{safe}">{safe}</a></p>\n</body>\n</html>\n')


def update_index(root: Path) -> list[dict]:
    """versions.json, latest/ (redirects to the newest release, else dev), versions.html and the root redirect."""
    versions = list_versions(root)
    releases = [v for v in versions if v != "dev"]
    newest = releases[0] if releases else (versions[0] if versions else None)
    entries = [{"version": v, "title": v, "aliases": ["latest"] if v == newest else []} for v in versions]
    write_atomic(root / "versions.json", json.dumps(entries, indent=2) + "\n")
    if newest is None:
        return entries
    latest_new = Path(tempfile.mkdtemp(prefix=".latest-", dir=root))
    for page in sorted((root / newest).rglob("*.html")):
        relative = page.relative_to(root / newest)
        if relative.parts[0] not in LANGS or len(relative.parts) != 2:
            continue
        destination = latest_new / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(redirect_page(f"../../{newest}/{relative.as_posix()}", relative.parts[0]), encoding="utf-8")
    (latest_new / "index.html").write_text(redirect_page(f"../{newest}/{LANGS[0]}/index.html"), encoding="utf-8")
    (latest_new / "version.txt").write_text(newest + "\n", encoding="utf-8")
    latest_new.chmod(0o755)
    swap_into_place(latest_new, root / "latest")
    items = "\n".join(f'<li><a href="{html.escape(v)}/{LANGS[0]}/index.html">{html.escape(v)}</a>'
                      f' (<a href="{html.escape(v)}/es/index.html" hreflang="es">es</a>)'
                      + (" — latest" if v == newest else "") + "</li>" for v in versions)
    write_atomic(root / "versions.html",
                 '<!DOCTYPE html>\n<html lang="en-US">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n'
                 '<title>Versions – Bicentennial Framework evaluation</title>\n</head>\n<body>\n<main>\n<h1>Versions / Versiones</h1>\n'
                 f"<ul>\n{items}\n</ul>\n</main>\n</body>\n</html>\n")
    write_atomic(root / "index.html", redirect_page(f"{newest}/{LANGS[0]}/index.html"))
    return entries


def publish(site_source: Path, root: Path, inputs: SiteInputs, version: str = "dev", work_dir: Path | None = None) -> Published:
    """Render one version into root/<version>/ unless it is a release that already exists (never rebuilt);
    then refresh versions.json, latest/ and the root index. `work_dir` holds the temporary build (default: root)."""
    check_version(version)
    root.mkdir(parents=True, exist_ok=True)
    _retire_flat_layout(root)
    target = root / version
    if version != "dev" and (target / "version.json").exists():
        update_index(root)
        return Published(root, version, target, "skipped",
                         f"site version {version} already published at {target}; released versions are never rebuilt")
    work = Path(tempfile.mkdtemp(prefix=".site-build-", dir=work_dir or root))
    try:
        stage = work / "project"
        shutil.copytree(site_source, stage, ignore=shutil.ignore_patterns("_site", "_generated", ".quarto", "figures"))
        write_generated(stage, inputs)
        fill_missing_partials(stage)
        rendered = work / "site"
        renderer = render(stage, rendered, version)
        if (inputs.results_dir / "manifest.json").exists():  # published as /<version>/manifest.json (bicentennial reproduce)
            shutil.copy2(inputs.results_dir / "manifest.json", rendered / "manifest.json")
        (rendered / "version.json").write_text(json.dumps(
            {"version": version, "commit": inputs.run_info.get("commit", "unknown"),
             "lock_sha256": inputs.run_info.get("lock_sha256", ""), "renderer": renderer}, indent=2, sort_keys=True) + "\n")
        if version == "dev":
            swap_into_place(rendered, target)
        else:
            rendered.rename(target)  # fails, leaving the existing folder alone, if another build won the race
        update_index(root)
        return Published(root, version, target, renderer)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _retire_flat_layout(root: Path) -> None:
    """Sites built before versioning had pages directly in BUILD/site/: drop those pages (not versions)."""
    if (root / "versions.json").exists():
        return
    for path in root.iterdir():
        if path.is_file() and path.suffix == ".html":
            path.unlink()
        elif path.is_dir() and path.name in ("assets", "figures"):
            shutil.rmtree(path)


def carry_versions(previous_root: Path, root: Path) -> list[str]:
    """Hard-link (copy where linking fails) the released versions of a previously published site into `root`, so
    a site built in a staging folder and renamed over the old one keeps every release byte for byte."""
    carried = []
    for version in list_versions(previous_root):
        if version == "dev" or (root / version).exists():
            continue
        temporary = root / f".carry-{version}"
        shutil.rmtree(temporary, ignore_errors=True)
        shutil.copytree(previous_root / version, temporary, copy_function=_link_or_copy, symlinks=True)
        temporary.rename(root / version)
        carried.append(version)
    return carried


def _link_or_copy(source: str, destination: str) -> None:
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)


STAGING = re.compile(r"^\.run-\d+$")  # pipelines/commands/run.py builds into BUILD/.run-<pid>/


def published_site(build_dir: Path) -> Path:
    """The site that readers see. A `bicentennial run` builds into BUILD/.run-<pid>/ and renames its site over
    BUILD/site/ when everything succeeded, so the released versions must be carried over from there."""
    return build_dir.parent / "site" if STAGING.match(build_dir.name) else build_dir / "site"


def build_site(site_source: Path, build_dir: Path, inputs: SiteInputs, version: str = "dev",
               previous_site: Path | None = None) -> Published:
    """The site of one build: BUILD/site/<version>/…, keeping the releases of `previous_site` (the last published
    site, when this build runs in a staging folder that will be renamed over it)."""
    root = build_dir / "site"
    root.mkdir(parents=True, exist_ok=True)
    if previous_site is not None and previous_site.resolve() != root.resolve():
        carry_versions(previous_site, root)
    return publish(site_source, root, inputs, version, work_dir=build_dir)
