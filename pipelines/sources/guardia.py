"""Guardia Nacional personnel assigned per state and month (Jul 2019 – Jul 2021).

* ``guardia_deployment_state_month``: the Guardia Nacional's answer to transparency request
  2800100091921 as delivered (``GN_base.xlsx``, sheet ``GN``: title row, a year row, a month
  row ``jul … dic``, 32 state rows and a ``Total mensual`` row; Aug–Dec 2021 empty). Read
  with the standard library (the xlsx is a zip of XML), so no spreadsheet package is
  needed. The row ``Total mensual`` is checked against the sum of the states.
* ``guardia_deployment_migrants_state_month``: the republisher's long file, which adds INM
  detentions of migrants (``migrantes_detenidos``) per state and month.

Coahuila, March 2021 reads 12,224 where the neighbouring months read about 2,170: an
obvious transcription error in the response. It is kept as published and flagged in
``suspected_transcription_error`` (never corrected here).
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from .base import Problems, SourceFormatError, SourceSpec, read_text_csv, require_columns
from .census import find_data_root, load_catalogue, normalise_name, state_code_lookup

FAMILY = "guardia"
FOLDER = "guardia/guardia_nacional_despliegue_estatal_2019_2021"
MONTHS_ES3 = ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic")
_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _col_index(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref).group(0)
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def read_xlsx_sheet(path: Path, sheet_name: str) -> list[list[object]]:
    """Cell values (cached values for formulas) of one worksheet, as a dense list of rows."""
    try:
        z = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise SourceFormatError(path, "expected an .xlsx workbook (zip container)") from None
    with z:
        shared: list[str] = []
        if "xl/sharedStrings.xml" in z.namelist():
            for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", _NS):
                shared.append("".join(t.text or "" for t in si.iter(f"{{{_NS['m']}}}t")))
        wb = ET.fromstring(z.read("xl/workbook.xml"))
        rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        target = None
        for sh in wb.find("m:sheets", _NS):
            if sh.get("name") == sheet_name:
                rid = sh.get(_REL)
                for rel in rels:
                    if rel.get("Id") == rid:
                        target = rel.get("Target").lstrip("/")
        if target is None:
            raise SourceFormatError(path, f"expected a worksheet named {sheet_name!r}")
        if not target.startswith("xl/"):
            target = "xl/" + target
        sheet = ET.fromstring(z.read(target))
    rows: dict[int, dict[int, object]] = {}
    for row in sheet.iter(f"{{{_NS['m']}}}row"):
        r = int(row.get("r")) - 1
        for c in row.findall("m:c", _NS):
            v = c.find("m:v", _NS)
            if v is None or v.text is None:
                continue
            kind = c.get("t")
            if kind == "s":
                value: object = shared[int(v.text)]
            elif kind in ("str", "inlineStr"):
                value = v.text
            else:
                value = float(v.text)
            rows.setdefault(r, {})[_col_index(c.get("r"))] = value
    width = max((max(cols) for cols in rows.values()), default=-1) + 1
    return [[rows.get(r, {}).get(c) for c in range(width)] for r in range(max(rows, default=-1) + 1)]


def flag_outlier(frame: pd.DataFrame) -> pd.Series:
    return (frame["cve_ent"] == "05") & (frame["year"] == 2021) & (frame["month"] == 3)


def parse_deployment_xlsx(path: Path) -> pd.DataFrame:
    path = Path(path)
    grid = read_xlsx_sheet(path, "GN")
    title = next((c for c in grid[0] if isinstance(c, str)), "") if grid else ""
    if "2800100091921" not in title:
        raise SourceFormatError(path, "expected the title naming transparency request 2800100091921", 1, "A")
    header_row = next((i for i, r in enumerate(grid) if r and r[0] == "Estado"), None)
    if header_row is None:
        raise SourceFormatError(path, "expected a row starting 'Estado' (year row)")
    years_row, months_row = grid[header_row], grid[header_row + 1]
    periods, year = [], None
    for j in range(1, len(months_row)):
        if isinstance(years_row[j], float):
            year = int(years_row[j])
        m = months_row[j]
        if m is None:
            continue
        if m not in MONTHS_ES3 or year is None:
            raise SourceFormatError(path, f"expected a month abbreviation under a year, found {m!r}", header_row + 2,
                                    _col_letter(j))
        periods.append((j, year, MONTHS_ES3.index(m) + 1))
    catalogue = load_catalogue(find_data_root(path))
    states = state_code_lookup(catalogue)
    problems = Problems(path)
    unknown, bad_values, records, total_row = [], [], [], None
    for i in range(header_row + 2, len(grid)):
        row = grid[i]
        name = row[0]
        if name is None:
            continue
        if normalise_name(name) == "total mensual":
            total_row = (i, row)
            continue
        code = states.get(normalise_name(name))
        if code is None:
            unknown.append((i + 1, name))
            continue
        for j, y, mth in periods:
            v = row[j] if j < len(row) else None
            if v is None:
                continue
            if not isinstance(v, float) or v < 0 or v != int(v):
                bad_values.append((i + 1, _col_letter(j), v))
                continue
            records.append((y, mth, code, str(name), int(v), i + 1))
    if unknown:
        problems.rows(np.ones(len(unknown), bool), "A", "expected a state name of the 2020 catalogue",
                      [v for _, v in unknown], [n for n, _ in unknown])
    for letter in sorted({c for _, c, _ in bad_values}, key=lambda c: (len(c), c)):
        cells = [(n, v) for n, c, v in bad_values if c == letter]
        problems.rows(np.ones(len(cells), bool), letter, "expected a non-negative whole number of personnel",
                      [v for _, v in cells], [n for n, _ in cells])
    out = pd.DataFrame(records, columns=["year", "month", "cve_ent", "state_name", "personnel_assigned", "source_line"])
    problems.duplicates(out, ["year", "month", "cve_ent"], "A", "expected each state once",
                        lines=out["source_line"].to_numpy())
    if not problems and out["cve_ent"].nunique() != 32:
        problems.add(f"expected 32 states, found {out['cve_ent'].nunique()}", "A")
    if total_row is not None and not problems:
        i, row = total_row
        sums = out.groupby(["year", "month"])["personnel_assigned"].sum()
        for j, y, mth in periods:
            v = row[j] if j < len(row) else None
            if v is not None and (y, mth) in sums.index and int(v) != int(sums.loc[(y, mth)]):
                problems.add("expected 'Total mensual' to equal the sum of the states", _col_letter(j), i + 1,
                             f"{int(v)} (the states sum to {int(sums.loc[(y, mth)])})")
    problems.check()
    out["period_month"] = out["year"].astype(str) + "-" + out["month"].astype(str).str.zfill(2) + "-01"
    out["suspected_transcription_error"] = flag_outlier(out)
    return out[["year", "month", "period_month", "cve_ent", "state_name", "personnel_assigned",
                "suspected_transcription_error", "source_line"]].sort_values(["cve_ent", "year", "month"]).reset_index(drop=True)


def _col_letter(index: int) -> str:
    """0 -> 'A', 26 -> 'AA' (the workbook's own column names)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def parse_deployment_csv(path: Path) -> pd.DataFrame:
    path = Path(path)
    df, lines = read_text_csv(path, "expected a UTF-8 CSV")
    require_columns(df, ["ano", "mes", "entidad", "cve_entidad", "despliegue", "migrantes_detenidos"], path)
    problems = Problems(path, lines)
    month = df["mes"].str.strip().str.lower().map({m: i + 1 for i, m in enumerate(MONTHS_ES3)})
    problems.rows(month.isna(), "mes", "expected a Spanish month abbreviation", df["mes"])
    problems.rows(~df["cve_entidad"].str.fullmatch(r"\d{2}"), "cve_entidad", "expected a 2-digit state code", df["cve_entidad"])
    year = pd.to_numeric(df["ano"], errors="coerce")
    problems.rows(year.isna() | (year != year.round()), "ano", "expected a year", df["ano"])
    out = pd.DataFrame({"year": year, "month": month, "cve_ent": df["cve_entidad"], "state_key": df["entidad"]})
    for src, dst in (("despliegue", "personnel_assigned"), ("migrantes_detenidos", "migrants_detained")):
        num = pd.to_numeric(df[src], errors="coerce")
        problems.rows(num.isna() | (num < 0) | (num != num.round()), src, "expected a non-negative whole number", df[src])
        out[dst] = num
    problems.check()
    for column in ("year", "month", "personnel_assigned", "migrants_detained"):
        out[column] = out[column].astype("int64")
    out["period_month"] = out["year"].astype(str) + "-" + out["month"].astype(str).str.zfill(2) + "-01"
    out["suspected_transcription_error"] = flag_outlier(out)
    return out[["year", "month", "period_month", "cve_ent", "state_key", "personnel_assigned", "migrants_detained",
                "suspected_transcription_error"]]


SPECS: tuple[SourceSpec, ...] = (
    SourceSpec(
        name="guardia_deployment_state_month", family=FAMILY,
        title="Guardia Nacional personnel assigned by state and month, Jul 2019 – Jul 2021 (transparency request 2800100091921)",
        title_es=("Elementos de la Guardia Nacional asignados por estado y mes, jul. 2019 – jul. 2021 (solicitud de "
                  "acceso a la información 2800100091921)"),
        files=(f"{FOLDER}/GN_base.xlsx",), parse=parse_deployment_xlsx, key=("year", "month", "cve_ent"),
        publisher="Guardia Nacional, via the Plataforma Nacional de Transparencia", licence="public information",
        publisher_es="Guardia Nacional, mediante la Plataforma Nacional de Transparencia",
        licence_es="información pública",
        url="https://www.plataformadetransparencia.org.mx/", retrieved="2021-09-15",  # version date: FelipeSaNa/despliegue-guardia-nacional commit c3999ae4
        description="Stock of personnel assigned; Coahuila March 2021 flagged as a suspected transcription error.",
        tags={"unit": "personnel", "geography": "state", "period": "month"},
    ),
    SourceSpec(
        name="guardia_deployment_migrants_state_month", family=FAMILY,
        title="Guardia Nacional deployment with INM migrant detentions by state and month (republisher's long file)",
        title_es=("Despliegue de la Guardia Nacional y detenciones de personas migrantes del INM por estado y mes "
                  "(archivo en formato largo del repositorio que lo republica)"),
        files=(f"{FOLDER}/guardia_estaciones_final.csv",), parse=parse_deployment_csv, key=("year", "month", "cve_ent"),
        publisher="Guardia Nacional (deployment); INM / Unidad de Política Migratoria (detentions)", licence="none stated",
        publisher_es="Guardia Nacional (despliegue); INM / Unidad de Política Migratoria (detenciones)",
        licence_es="no indicada",
        url="https://github.com/FelipeSaNa/despliegue-guardia-nacional", retrieved="2022-02-03",  # version date: FelipeSaNa/despliegue-guardia-nacional commit 025b7b30
        description="800 rows = 32 states × 25 months.",
        tags={"unit": "personnel; persons detained", "geography": "state", "period": "month"},
    ),
)
