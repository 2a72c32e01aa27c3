"""One evaluation's section of a goal page: facts, evidence, estimates, reading, figures, tables, maps."""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

from evaluations import formats

from . import i18n
from .columns import column_labels
from .estimates import baseline_block, ci_text, diagnostics_md, evidence_block, mde_text, quality_line, reading_of
from .i18n import pick, t
from .markdown import figure_md, md_text, sentence, table_md
from .results import estimate_named, mde_of, same_estimate
from .spatial import spatial_section

MAX_TABLE_ROWS = 500  # longer CSVs show their first rows; the whole file is linked


def csv_table(path: Path, lang: str) -> str:
    """A result's CSV as a table: numbers in the page's locale (whole-number columns without decimals)."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        return ""
    header, body = column_labels(path.name, rows[0], lang), rows[1:]
    numeric = [bool(body) and all(_is_number(r[i]) for r in body if i < len(r) and r[i] != "") for i in range(len(header))]
    whole = [numeric[i] and all(float(r[i]).is_integer() for r in body if i < len(r) and r[i] != "") for i in range(len(header))]

    def cell(i: int, value: str) -> str:
        if value == "" or not numeric[i]:
            return md_text(value)
        return formats.integer(float(value), lang) if whole[i] else formats.number(float(value), lang, 3)

    shown = body[:MAX_TABLE_ROWS]
    table = table_md([md_text(h) for h in header], [[cell(i, v) for i, v in enumerate(r)] for r in shown],
                     "".join("r" if n else "l" for n in numeric))
    if len(body) > len(shown):
        table += (f"\n<p class=\"note\">First {formats.integer(len(shown), lang)} of {formats.integer(len(body), lang)} rows.</p>\n" if lang == "en" else
                  f"\n<p class=\"note\">Primeras {formats.integer(len(shown), lang)} de {formats.integer(len(body), lang)} filas.</p>\n")
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
        facts.append(f"**{t('sample', lang)}:** {md_text(formats.period(period['start'], period.get('end'), lang))}"
                     + (f", {md_text(d['unit'])}" if d.get("n_units") == 1 and d.get("unit") else
                        f", {formats.integer(d['n_units'], lang)} {md_text(_unit_word(d.get('unit'), lang))}" if d.get("n_units") else "")
                     + (f", {formats.integer(d['n_obs'], lang)} {'observations' if lang == 'en' else 'observaciones'}" if d.get("n_obs") else ""))
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
        out.append(f'<p class="estimate">{md_text(pick(h.get("label"), lang))}: <strong>{formats.number(h.get("estimate"), lang, 3)}</strong> '
                   f'{md_text(units)} ({ci_text(h, lang)}'
                   + (f"; {formats.p_value(h['p_value'], lang, 'p')}" if h.get("p_value") is not None and h.get("kind") != "level" else "") + ").</p>\n")
        value, share = mde_of(h)
        if value is None:  # the headline repeats an entry of "estimates", which carries the MDE
            value, share = mde_of(estimate_named(result, h.get("id") or h.get("estimator")))
        shown_in_evidence = (mde_of(evidence.get("mde"))[0] is not None
                             and evidence.get("estimate_id") in (h.get("id"), h.get("estimator")))
        if value is not None and not shown_in_evidence:
            out.append(f'<p class="note">{sentence(mde_text(value, share, lang, h.get("units")))}.</p>\n')
    others = [e for e in result.get("estimates") or [] if not h or not same_estimate(e, h)]
    if others:
        with_mde = any(mde_of(e)[0] is not None for e in others)
        header = [t("estimate", lang), "Value" if lang == "en" else "Valor", t("se", lang), t("ci", lang), "p"]
        rows = []
        for e in others:
            row = [md_text(pick(e.get("label"), lang) or e.get("id", "")), formats.number(e.get("estimate"), lang, 3), formats.number(e.get("std_error"), lang, 3),
                   f"{formats.number(e.get('ci_low'), lang, 3)} – {formats.number(e.get('ci_high'), lang, 3)}",
                   "—" if e.get("kind") == "level" else formats.p_value(e.get("p_value"), lang)]
            if with_mde:
                value, share = mde_of(e)
                row.append("—" if value is None else formats.number(value, lang, 3)
                           + (f" ({formats.percent(share, lang)} {t('of_baseline', lang)})" if share is not None else ""))
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


def _unit_word(unit: str | None, lang: str) -> str:
    words = {"municipality": ("municipalities", "municipios"), "state": ("states", "estados"),
             "field_office": ("field offices", "oficinas de campo"), "country": ("countries", "países")}
    en, es = words.get(unit or "", (f"{unit or 'unit'} units", f"unidades ({unit or 'unidad'})"))
    return en if lang == "en" else es
