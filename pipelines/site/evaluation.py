"""One evaluation's section of a goal page: facts, evidence, estimates, reading, figures, tables, maps.

`result_section` lists the parts in reading order; each is a function of the typed result
(`evaluations.result_model.EvaluationResult`) returning Markdown, "" when the result has nothing for it. A new
part of the result file gets its own function (in its own module when it is more than a few lines) and one
line in that list."""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

from evaluations import formats
from evaluations.result_model import EvaluationResult, Figure, TableFile

from . import columns, i18n
from .bottomline import bottom_line
from .charts import chart_part
from .estimates import baseline_block, ci_text, diagnostics_md, mde_text, quality_line
from .i18n import pick, t
from .markdown import figure_md, md_text, sentence, table_md
from .results import estimate_named, evidence_mde, is_headline, mde_of, result_folder
from .spatial import spatial_section

MAX_TABLE_ROWS = 500  # longer CSVs show their first rows; the whole file is linked


def csv_table(path: Path, lang: str) -> str:
    """A result's CSV as a table: headings and cells as pipelines/site/columns.py describes each column (estimates to
    3 significant digits, counts whole, months as months, states by name, Yes/No), in the page's locale."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        return ""
    names, body = rows[0], rows[1:]
    kinds = [columns.column(path.name, name)["kind"] for name in names]
    numeric = [bool(body) and all(_is_number(r[i]) for r in body if i < len(r) and r[i] != "") for i in range(len(names))]
    whole = [numeric[i] and all(float(r[i]).is_integer() for r in body if i < len(r) and r[i] != "") for i in range(len(names))]
    right = [numeric[i] and kinds[i] not in ("month_index", "period", "year", "month", "state", "bool") for i in range(len(names))]
    shown = body[:MAX_TABLE_ROWS]
    table = table_md([md_text(h) for h in columns.column_labels(path.name, names, lang)],
                     [[columns.cell(kinds[i], v, lang, whole=whole[i]) for i, v in enumerate(r)] for r in shown],
                     "".join("r" if n else "l" for n in right))
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


def result_section(result: EvaluationResult, lang: str, figures: Path, results_dir: Path, names: dict | None = None,
                   audit: dict | None = None, level: int = 3) -> str:
    """One evaluation's section: its bottom line (what changed, how sure we are, what it cannot show), its main
    chart (the result's first figure), then everything else folded under "Technical details"; each part is ""
    when the result has nothing for it."""
    folder = result_folder(results_dir, result)
    details = [
        facts_md(result, lang),
        f"{md_text(pick(result.reading, lang))}\n" if pick(result.reading, lang) else "",
        baseline_block(result.baseline_comparison, lang) if result.baseline_comparison else "",
        headline_md(result, lang),
        estimates_table(result, lang),
        diagnostics_line(result, lang),
        *(figure_part(result, figure, folder, figures, lang) for figure in result.figures[1:]),
        *(table_part(result, table, folder, figures, lang) for table in result.tables),
        quality_line(result.quality, lang),
    ]
    details = [part for part in details if part] + spatial_section(results_dir, figures, result.name, lang, names, level + 1)
    parts = [
        f"{'#' * level} {md_text(pick(result.title, lang))} {{#{result.name}}}\n",
        f'<p class="warning">{t("simulated", lang)}</p>\n' if result.simulated else "",
        bottom_line(result, lang, audit),
        *(figure_part(result, figure, folder, figures, lang) for figure in result.figures[:1]),
        technical_details(details, lang),
    ]
    return "\n".join(part if part.endswith("\n") else part + "\n" for part in parts if part)


def technical_details(parts: list[str], lang: str) -> str:
    """The parts an evaluator reads, folded: facts, reading, estimates, diagnostics, other figures, tables, maps."""
    if not parts:
        return ""
    body = "\n".join(part if part.endswith("\n") else part + "\n" for part in parts)
    return (f'<details class="technical">\n<summary>{t("technical_details", lang)}</summary>\n\n{body}\n</details>\n')


def facts_md(result: EvaluationResult, lang: str) -> str:
    """Design, sample (period, units, observations) and sources."""
    d = result.data
    facts = [f"**{t('design', lang)}:** {md_text(i18n.design_name(result.design, lang))}"]
    if d.period.start:
        facts.append(f"**{t('sample', lang)}:** {md_text(formats.period(d.period.start, d.period.end, lang))}"
                     + (f", {md_text(pick(d.unit, lang))}" if d.n_units == 1 else
                        f", {formats.integer(d.n_units, lang)} {md_text(pick(d.unit, lang))}" if d.n_units else "")
                     + (f", {formats.integer(d.n_obs, lang)} {'observations' if lang == 'en' else 'observaciones'}" if d.n_obs else ""))
    if d.sources:
        facts.append(("**Sources:** " if lang == "en" else "**Fuentes:** ") + md_text("; ".join(pick(s, lang) for s in d.sources)))
    return "  \n".join(facts) + "\n"


def headline_md(result: EvaluationResult, lang: str) -> str:
    """The headline with its SE, CI and p-value; its minimum detectable effect unless the evidence line shows it."""
    h = result.headline
    if not h:
        return ""
    text = (f'<p class="estimate">{md_text(pick(h.label, lang))}: <strong>{formats.significant(h.estimate, lang)}</strong> '
            f'{md_text(pick(h.units, lang))} ({ci_text(h.std_error, h.ci_low, h.ci_high, lang)}'
            + (f"; {formats.p_value(h.p_value, lang, 'p')}" if h.p_value is not None else "") + ").</p>\n")
    value, share = mde_of(h)
    if value is None:  # the headline repeats an entry of "estimates", which carries the MDE
        value, share = mde_of(estimate_named(result, h.estimator))
    shown_in_evidence = evidence_mde(result)[0] is not None and result.evidence.estimate_id in (None, h.estimator)
    if value is not None and not shown_in_evidence:
        text += f'\n<p class="note">{sentence(mde_text(value, share, lang, h.units))}.</p>\n'
    return text


def estimates_table(result: EvaluationResult, lang: str) -> str:
    """The estimates other than the headline: value, SE, CI, p (none for a level), and the MDE when any has one."""
    others = [e for e in result.estimates if not is_headline(e, result)]
    if not others:
        return ""
    with_mde = any(e.mde is not None for e in others)
    header = [t("estimate", lang), "Value" if lang == "en" else "Valor", sentence(t("se", lang)), t("ci", lang), "p"]
    rows = []
    for e in others:
        row = [md_text(pick(e.label, lang) or e.id), formats.significant(e.estimate, lang), formats.significant(e.std_error, lang),
               "—" if e.ci_low is None and e.ci_high is None else f"{formats.significant(e.ci_low, lang)} – {formats.significant(e.ci_high, lang)}",
               "—" if e.kind == "level" else formats.p_value(e.p_value, lang)]
        if with_mde:
            row.append("—" if e.mde is None else formats.significant(e.mde, lang)
                       + (f" ({formats.percent(e.mde_share_of_baseline, lang, 1)} {t('of_baseline', lang)})"
                          if e.mde_share_of_baseline is not None else ""))
        rows.append(row)
    return table_md(header + ([t("mde_column", lang)] if with_mde else []), rows, "lrrrr" + ("r" if with_mde else ""))


def diagnostics_line(result: EvaluationResult, lang: str) -> str:
    diagnostics = diagnostics_md(result.diagnostics, lang)
    return f"**{t('diagnostics', lang)}:** {diagnostics}\n" if diagnostics else ""


def figure_part(result: EvaluationResult, figure: Figure, folder: Path, figures: Path, lang: str) -> str:
    """A figure of the result, copied beside the pages ("" when its file is missing)."""
    source = folder / figure.file
    localized = source.with_name(f"{source.stem}.{lang}{source.suffix}")   # a drawing in the page's language
    if localized.exists():
        source = localized
    if not source.exists():
        return ""
    target = f"{result.name}_{source.name}"   # both languages share one figures folder while the site is built
    shutil.copy(source, figures / target)
    alt = pick(figure.alt, lang) or pick(result.title, lang)
    chart = chart_part(result, figure, folder, figures, lang, f"{figures.name}/{target}", alt)  # None: not a charted kind
    return chart or figure_md(f"{figures.name}/{target}", alt, pick(figure.caption, lang) or alt)


def table_part(result: EvaluationResult, table: TableFile, folder: Path, figures: Path, lang: str) -> str:
    """A CSV of the result as a folded table with a download link ("" when its file is missing or not a CSV)."""
    source = folder / table.file
    if not (source.exists() and source.suffix == ".csv"):
        return ""
    target = f"{result.name}_{Path(table.file).name}"
    shutil.copy(source, figures / target)
    return (f"<details><summary>{md_text(pick(table.caption, lang) or table.file)}</summary>\n\n"
            f"{csv_table(source, lang)}\n"
            f'<p class="note"><a href="{figures.name}/{target}" download>{"Download the CSV" if lang == "en" else "Descargar el CSV"}</a></p>\n'
            "</details>\n")
