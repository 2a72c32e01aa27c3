"""The site's "Data quality" page, built from the same outcome files as the Dagster asset checks.

An equivalent of Great Expectations Data Docs that works offline (GE's own Data Docs load their
styling from CDNs): every suite, every expectation with its severity, result, unexpected count and
examples, and the rows quarantined. Everything that comes from data is escaped (names in the
files can hold HTML, JavaScript or spreadsheet formulas).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from evaluations import formats

from .markdown import md_text

TEXT = {
    "en": {
        "none": "No check results in this build.",
        "summary": "{suites} suites, {total} expectations: {passed} passed, {error} blocking failures, {warn} warnings.",
        "quarantined": "{rows} row(s) quarantined in this build (see each suite).",
        "head": "| expectation | severity | result | unexpected | examples | detail |",
        "pass": "passed", "fail": "not passed", "skip": "not evaluated",
        "rows": "{rows} rows checked", "quarantine_rows": "{rows} row(s) quarantined (moved to quarantine.rows with file and line)",
        "blocked": "Blocking failure: nothing downstream of this table was built from it.",
        "load_error": "The file could not be loaded: {message}",
        "qhead": "| file | line/row | expectation | value |",
        "severity": {"error": "blocking", "warn": "warning"},
        "unexpected": "{count} unexpected value(s) in {column}",
        "examples": "e.g.",
        "observed": "observed: {observed}",
        "not_evaluated": "could not be evaluated on this table",
    },
    "es": {
        "none": "No hay resultados de verificación en esta compilación.",
        "summary": "{suites} conjuntos, {total} expectativas: {passed} cumplidas, {error} fallas bloqueantes, {warn} advertencias.",
        "quarantined": "{rows} fila(s) en cuarentena en esta compilación (ver cada conjunto).",
        "head": "| expectativa | severidad | resultado | inesperados | ejemplos | detalle |",
        "pass": "cumplida", "fail": "no cumplida", "skip": "no evaluada",
        "rows": "{rows} filas verificadas", "quarantine_rows": "{rows} fila(s) en cuarentena (movidas a quarantine.rows con archivo y línea)",
        "blocked": "Falla bloqueante: nada posterior a esta tabla se construyó con ella.",
        "load_error": "El archivo no pudo cargarse: {message}",
        "qhead": "| archivo | línea/fila | expectativa | valor |",
        "severity": {"error": "bloqueante", "warn": "advertencia"},
        "unexpected": "{count} valor(es) fuera de lo esperado en {column}",
        "examples": "p. ej.",
        "observed": "observado: {observed}",
        "not_evaluated": "no pudo evaluarse en esta tabla",
    },
}


def load_suite_results(results_dir: Path) -> list[dict]:
    folder = Path(results_dir) / "quality"
    out = []
    for path in sorted(folder.glob("*.json")):
        if path.name == "report.json":
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and "expectations" in data and "table" in data:
            data["_quarantine_csv"] = path.with_name(path.stem + ".quarantine.csv")
            out.append(data)
    return out


def _cell(value, limit: int = 160) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = " ".join(str(text).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return md_text(text)


def quality_page(results_dir: Path, lang: str = "en") -> str:
    t = TEXT.get(lang, TEXT["en"])
    suites = load_suite_results(results_dir)
    if not suites:
        return t["none"] + "\n"
    outcomes = [e for s in suites for e in s["expectations"]]
    passed = sum(bool(e["success"]) for e in outcomes)
    error = sum(not e["success"] and e["severity"] == "error" and e.get("evaluated", True) for e in outcomes)
    warn = sum(not e["success"] and e["severity"] == "warn" and e.get("evaluated", True) for e in outcomes)
    quarantined = sum(int(s.get("quarantined_rows") or 0) for s in suites)
    lines = [f'<p class="estimate">{_cell(t["summary"].format(suites=len(suites), total=len(outcomes), passed=passed, error=error, warn=warn))}</p>\n']
    if quarantined:
        lines.append(t["quarantined"].format(rows=formats.integer(quarantined, lang)) + "\n")
    for suite in sorted(suites, key=lambda s: (not s["table"].startswith("raw."), s["table"])):
        lines.append(f"## {_code(suite['table'])} {{#{_anchor(suite['suite'])}}}\n")
        meta = [t["rows"].format(rows=formats.integer(int(suite.get('rows') or 0), lang))]
        if suite.get("quarantined_rows"):
            meta.append(t["quarantine_rows"].format(rows=formats.integer(int(suite['quarantined_rows']), lang)))
        lines.append(_cell("; ".join(meta), 400) + "\n")
        if suite.get("load_error"):
            lines.append(f'<p class="warning">{_cell(t["load_error"].format(message=suite["load_error"].get("message", "")), 400)}</p>\n')
        elif suite.get("blocked"):
            lines.append(f'<p class="warning">{_cell(t["blocked"])}</p>\n')
        rows = [t["head"], "|---|---|---|---:|---|---|"]
        for e in suite["expectations"]:
            result = t["pass"] if e["success"] else (t["fail"] if e.get("evaluated", True) else t["skip"])
            count = "" if e.get("unexpected_count") is None else formats.integer(e["unexpected_count"], lang)
            examples = "" if e["success"] else _cell(e.get("examples") or e.get("observed") or "", 80)
            detail = "" if e["success"] else _detail(e, t, lang)
            severity = t["severity"].get(e["severity"], e["severity"])
            rows.append(f"| {_code(e['name'])} | {severity} | {result} | {count} | {examples} | {detail} |")
        lines.append("\n".join(rows) + "\n")
        lines.append(_quarantine_sample(suite, t))
    return "\n".join(lines)


def _quarantine_sample(suite: dict, t: dict, limit: int = 10) -> str:
    path = suite.get("_quarantine_csv")
    if not path or not Path(path).exists():
        return ""
    import pandas as pd

    frame = pd.read_csv(path, dtype=str, keep_default_na=False, nrows=limit)
    rows = [t["qhead"], "|---|---:|---|---|"]
    for r in frame.itertuples(index=False):
        where = r.source_line or f"#{r.source_row}"
        rows.append(f"| {_cell(r.source_file)} | {_cell(where)} | {_cell(r.expectation)} | {_cell(r.value, 80)} |")
    return "\n".join(rows) + "\n"


def _code(identifier: str) -> str:
    """A table, check or column name as code (it is an identifier, not prose in the page's language)."""
    return f"`{' '.join(str(identifier).split()).replace('`', '').replace('|', '')}`"


UNEXPECTED = re.compile(r"unexpected value\(s\) in ([^;]+);")


def _detail(e: dict, t: dict, lang: str) -> str:
    """A failed check in the page's language, from the outcome's fields (the English `message` of the check
    outcome names the column; a check that raised keeps its own message, as code)."""
    column = UNEXPECTED.search(e.get("message") or "")
    if e.get("unexpected_count") is not None:
        text = md_text(t["unexpected"].format(count=formats.integer(e["unexpected_count"], lang), column="\x00"))
        return text.replace("\x00", _code(column.group(1))) if column else text.split(" \x00")[0].rsplit(" ", 1)[0]
    if not e.get("evaluated", True) or e.get("observed") is None:
        return md_text(t["not_evaluated"])
    return md_text(t["observed"].format(observed="\x00")).replace("\x00", _cell(e["observed"], 120))


def _anchor(name: str) -> str:
    return "q-" + "".join(c if c.isalnum() else "-" for c in name.lower())
