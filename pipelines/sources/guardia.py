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
import zipfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd

from .base import SourceFormatError, SourceSpec, require_columns
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
            raise SourceFormatError(path, f"expected a month abbreviation under a year, found {m!r}", header_row + 2)
        periods.append((j, year, MONTHS_ES3.index(m) + 1))
    catalogue = load_catalogue(find_data_root(path))
    states = state_code_lookup(catalogue)
    records, total_row = [], None
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
            raise SourceFormatError(path, f"unknown state name {name!r}", i + 1, "A")
        for j, y, mth in periods:
            v = row[j] if j < len(row) else None
            if v is None:
                continue
            if not isinstance(v, float) or v < 0 or v != int(v):
                raise SourceFormatError(path, f"expected a non-negative whole number of personnel, found {v!r}", i + 1)
            records.append((y, mth, code, str(name), int(v)))
    out = pd.DataFrame(records, columns=["year", "month", "cve_ent", "state_name", "personnel_assigned"])
    if out["cve_ent"].nunique() != 32:
        raise SourceFormatError(path, f"expected 32 states, found {out['cve_ent'].nunique()}")
    if out.duplicated(["year", "month", "cve_ent"]).any():
        raise SourceFormatError(path, "a state appears twice")
    if total_row is not None:
        i, row = total_row
        sums = out.groupby(["year", "month"])["personnel_assigned"].sum()
        for j, y, mth in periods:
            v = row[j] if j < len(row) else None
            if v is not None and (y, mth) in sums.index and int(v) != int(sums.loc[(y, mth)]):
                raise SourceFormatError(path, f"'Total mensual' {int(v)} differs from the sum of states {int(sums.loc[(y, mth)])}",
                                        i + 1)
    out["period_month"] = out["year"].astype(str) + "-" + out["month"].astype(str).str.zfill(2) + "-01"
    out["suspected_transcription_error"] = flag_outlier(out)
    return out[["year", "month", "period_month", "cve_ent", "state_name", "personnel_assigned",
                "suspected_transcription_error"]].sort_values(["cve_ent", "year", "month"]).reset_index(drop=True)


def parse_deployment_csv(path: Path) -> pd.DataFrame:
    path = Path(path)
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise SourceFormatError(path, f"expected a UTF-8 CSV: {exc}") from None
    require_columns(df, ["ano", "mes", "entidad", "cve_entidad", "despliegue", "migrantes_detenidos"], path)
    month = df["mes"].str.strip().str.lower().map({m: i + 1 for i, m in enumerate(MONTHS_ES3)})
    if month.isna().any():
        i = int(month.isna().to_numpy().nonzero()[0][0])
        raise SourceFormatError(path, f"expected a Spanish month abbreviation, found {df['mes'].iloc[i]!r}", i + 2, "mes")
    if not df["cve_entidad"].str.fullmatch(r"\d{2}").all():
        i = int((~df["cve_entidad"].str.fullmatch(r"\d{2}")).to_numpy().nonzero()[0][0])
        raise SourceFormatError(path, f"expected a 2-digit state code, found {df['cve_entidad'].iloc[i]!r}", i + 2, "cve_entidad")
    out = pd.DataFrame({"year": pd.to_numeric(df["ano"], errors="coerce"), "month": month.astype("int64"),
                        "cve_ent": df["cve_entidad"], "state_key": df["entidad"]})
    for src, dst in (("despliegue", "personnel_assigned"), ("migrantes_detenidos", "migrants_detained")):
        num = pd.to_numeric(df[src], errors="coerce")
        bad = num.isna() | (num < 0) | (num != num.round())
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            raise SourceFormatError(path, f"expected a non-negative whole number, found {df[src].iloc[i]!r}", i + 2, src)
        out[dst] = num.astype("int64")
    if out["year"].isna().any():
        raise SourceFormatError(path, "expected a year in 'ano'", None, "ano")
    out["year"] = out["year"].astype("int64")
    out["period_month"] = out["year"].astype(str) + "-" + out["month"].astype(str).str.zfill(2) + "-01"
    out["suspected_transcription_error"] = flag_outlier(out)
    return out[["year", "month", "period_month", "cve_ent", "state_key", "personnel_assigned", "migrants_detained",
                "suspected_transcription_error"]]


SPECS: tuple[SourceSpec, ...] = (
    SourceSpec(
        name="guardia_deployment_state_month", family=FAMILY,
        title="Guardia Nacional personnel assigned by state and month, Jul 2019 – Jul 2021 (transparency request 2800100091921)",
        files=(f"{FOLDER}/GN_base.xlsx",), parse=parse_deployment_xlsx, key=("year", "month", "cve_ent"),
        publisher="Guardia Nacional, via the Plataforma Nacional de Transparencia", licence="public information",
        description="Stock of personnel assigned; Coahuila March 2021 flagged as a suspected transcription error.",
        tags={"unit": "personnel", "geography": "state", "period": "month"},
    ),
    SourceSpec(
        name="guardia_deployment_migrants_state_month", family=FAMILY,
        title="Guardia Nacional deployment with INM migrant detentions by state and month (republisher's long file)",
        files=(f"{FOLDER}/guardia_estaciones_final.csv",), parse=parse_deployment_csv, key=("year", "month", "cve_ent"),
        publisher="Guardia Nacional (deployment); INM / Unidad de Política Migratoria (detentions)", licence="none stated",
        description="800 rows = 32 states × 25 months.",
        tags={"unit": "personnel; persons detained", "geography": "state", "period": "month"},
    ),
)
