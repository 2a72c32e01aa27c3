"""SESNSP (Secretariado Ejecutivo del Sistema Nacional de Seguridad Pública) files.

Four raw tables, each read in the format in which it was published:

* ``sesnsp_idm_guanajuato_homicide``: SESNSP's own wide municipal format (one column per
  month), Guanajuato homicide rows 2020 – Nov 2025; ``Cve. Municipio`` is the CVEGEO written
  as an integer. Counts are investigation files (carpetas), not victims.
* ``sesnsp_idm_lethal_violence_municipal``: a third party's long aggregate for all
  municipalities, Jan 2024 – Jun 2025, names only. Names are matched to INEGI codes with
  the 2020 census catalogue (`pipelines.sources.census.match_municipalities`);
  unmatched names stay in the table with an empty ``cvegeo`` and a ``match_status``.
* ``sesnsp_lethal_violence_state_month``: the same author's state × month file (later vintage).
* ``sesnsp_victims_state``: victims by state, month, sex and age group, 2015 – Jun 2025 (bz2).
* ``sesnsp_ideff_federal_state``: federal crimes (IDEFF), state × month, 2012 – Jul 2025 (latin-1).

Months that SESNSP had not yet published (empty cells after the cut-off) are left out,
never turned into zeros; an empty cell anywhere else is a format error.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .base import Problems, SourceFormatError, SourceSpec, per_distinct, read_text_csv, require_columns, whole_numbers
from .census import find_data_root, load_catalogue, match_municipalities, normalise_name, state_code_lookup

FAMILY = "sesnsp"
GTO = "sesnsp/sesnsp_idm_guanajuato_homicidio_2020_2025"
VIOL = "sesnsp/sesnsp_idm_violencia_homicida_municipal_2024_2025"
VICT = "sesnsp/sesnsp_victimas_estatal_2015_2025"
IDEFF = "sesnsp/sesnsp_ideff_fuero_federal_estatal_2012_2025"

MONTHS_ES = ("Enero", "Febrero", "Marzo", "Abril", "Mayo", "Junio", "Julio", "Agosto",
             "Septiembre", "Octubre", "Noviembre", "Diciembre")
MONTH_NUMBER = {m: i + 1 for i, m in enumerate(MONTHS_ES)}


def _read_csv(path: Path, encoding: str, **kw) -> tuple[pd.DataFrame, np.ndarray]:
    """The file as text (and the file line of each row), read like every source (base.read_text_csv)."""
    return read_text_csv(path, f"expected {encoding} text", encoding=encoding, **kw)


def _whole(values: pd.Series, problems: Problems, column: str, lines=None) -> pd.Series:
    """Counts written as '3' or '3.0' (float; int64 once `problems` holds nothing); anything fractional,
    negative, text or empty is recorded with every line."""
    num, bad = whole_numbers(values)
    problems.rows(bad, column, "expected a non-negative whole count", values, lines)
    return num


def _wide_months_to_long(df: pd.DataFrame, problems: Problems, id_cols: list[str], month_cols: list[str],
                         year_col: str, value_name: str) -> pd.DataFrame:
    """Melt month columns, carrying each row's file line (`_line`, from `problems.lines`); drop cells of
    not-yet-published months (empty after the last filled month). Problems name the file's month column."""
    df = df.copy()
    df["_line"] = problems.lines
    year = pd.to_numeric(df[year_col], errors="coerce")
    problems.rows(year.isna(), year_col, "expected a year", df[year_col])
    long = df.assign(_year=year).melt(id_vars=id_cols + ["_year", "_line"], value_vars=month_cols,
                                      var_name="_month", value_name="_value")
    long["month"] = long["_month"].map({c: i + 1 for i, c in enumerate(month_cols)}).astype("int64")
    long["year"] = long.pop("_year")
    empty = (long["_value"].str.strip() == "").to_numpy()
    if empty.any():
        # allowed only at the end of the series: after the last month with any value
        period = (long["year"] * 100 + long["month"]).to_numpy()
        filled = period[~empty & ~np.isnan(period)]
        last = int(filled.max()) if len(filled) else 0
        bad = empty & (period <= last)
        month = long["_month"].to_numpy()
        for column in month_cols:
            problems.rows(bad & (month == column), column, "expected a count (empty cells are allowed only for months "
                          f"after the last published month {last // 100}-{last % 100:02d})", lines=long["_line"])
        long = long[~empty]
    num, bad = whole_numbers(long["_value"])
    month = long["_month"].to_numpy()
    for column in month_cols:
        problems.rows(bad.to_numpy() & (month == column), column, "expected a non-negative whole count", long["_value"],
                      long["_line"])
    long[value_name] = num
    return long.drop(columns=["_month", "_value"])


# ---------------------------------------------------------------- Guanajuato IDM (SESNSP format)
GTO_COLUMNS = ["Año", "Clave_Ent", "Entidad", "Cve. Municipio", "Municipio", "Bien jurídico afectado",
               "Tipo de delito", "Subtipo de delito", "Modalidad", *MONTHS_ES]


def _state_code(code: pd.Series) -> pd.Series:
    """True where a state code reads 1–32 (with or without the leading zero)."""
    number = pd.to_numeric(code.where(code.str.fullmatch(r"\d{1,2}")), errors="coerce")
    return number.between(1, 32)


def parse_idm_municipal(path: Path) -> pd.DataFrame:
    path = Path(path)
    df, lines = _read_csv(path, "utf-8")
    require_columns(df, GTO_COLUMNS, path)
    problems = Problems(path, lines)
    code = df["Cve. Municipio"].str.strip()
    good_code = code.str.fullmatch(r"\d{4,5}")
    problems.rows(~good_code, "Cve. Municipio", "expected an INEGI municipal code", code)
    state = df["Clave_Ent"].str.strip()
    good_state = _state_code(state)
    problems.rows(~good_state, "Clave_Ent", "expected a state code 01–32", state)
    df["cvegeo"] = code.str.zfill(5)
    df["cve_ent"] = state.str.zfill(2)
    problems.rows(good_code & good_state & (df["cvegeo"].str[:2] != df["cve_ent"]), "Cve. Municipio",
                  "expected a municipal code starting with the state code (Clave_Ent)", code)
    long = _wide_months_to_long(df, problems, ["Año", "cve_ent", "cvegeo", "Municipio", "Bien jurídico afectado",
                                               "Tipo de delito", "Subtipo de delito", "Modalidad"],
                                list(MONTHS_ES), "Año", "crimes")
    problems.check()
    out = long.rename(columns={"Municipio": "municipality_name", "Bien jurídico afectado": "legal_good",
                               "Tipo de delito": "crime_type", "Subtipo de delito": "crime_subtype",
                               "Modalidad": "modality", "_line": "source_line"})
    out["year"] = out["year"].astype("int64")
    out["crimes"] = out["crimes"].astype("int64")
    cols = ["year", "month", "cve_ent", "cvegeo", "municipality_name", "legal_good", "crime_type",
            "crime_subtype", "modality", "crimes", "source_line"]
    return out[cols].sort_values(["cvegeo", "year", "month", "crime_subtype", "modality"]).reset_index(drop=True)


# ---------------------------------------------------------------- third-party municipal aggregate
VIOL_COLUMNS = ["Entidad", "Municipio", "Feminicidio", "Homicidio culposo", "Homicidio doloso", "Total", "Año",
                "Mes", "Periodo", "Otros delitos que atentan contra la vida y la integridad corporal"]
SUBTYPES = {"Feminicidio": "femicide", "Homicidio culposo": "homicide_negligent",
            "Homicidio doloso": "homicide_intentional",
            "Otros delitos que atentan contra la vida y la integridad corporal": "other_against_life"}
UNKNOWN_STATE = "expected a state name of the 2020 catalogue"


def _month_from_name(df: pd.DataFrame, problems: Problems, col: str) -> pd.Series:
    month = df[col].str.strip().str.capitalize().map(MONTH_NUMBER)
    problems.rows(month.isna(), col, "expected a Spanish month name", df[col])
    return month


def _counts_and_total(df: pd.DataFrame, out: pd.DataFrame, problems: Problems) -> tuple[pd.Series, pd.Series]:
    """The four subtypes into `out`, and (Total, rows whose five counts are all numbers)."""
    valid = pd.Series(True, index=df.index)
    for src, dst in SUBTYPES.items():
        out[dst] = _whole(df[src], problems, src)
        valid &= out[dst].notna() & (out[dst] >= 0)
    total = _whole(df["Total"], problems, "Total")
    return total, valid & total.notna() & (total >= 0)


def parse_lethal_violence_municipal(path: Path) -> pd.DataFrame:
    path = Path(path)
    df, lines = _read_csv(path, "utf-8")
    require_columns(df, VIOL_COLUMNS, path)
    problems = Problems(path, lines)
    out = pd.DataFrame({
        "year": _whole(df["Año"], problems, "Año"),
        "month": _month_from_name(df, problems, "Mes"),
        "state_name": df["Entidad"].str.strip(),
        "municipality_name": df["Municipio"].str.replace("\n", " ").str.strip(),
    })
    total, valid = _counts_and_total(df, out, problems)
    problems.rows(valid & (total != out[list(SUBTYPES.values())].sum(axis=1)), "Total",
                  "expected Total = Feminicidio + Homicidio culposo + Homicidio doloso + Otros", df["Total"])
    out["total"] = total
    catalogue = load_catalogue(find_data_root(path))
    out = match_municipalities(out, "state_name", "municipality_name", catalogue)
    problems.rows(out["match_status"].eq("unmatched_state"), "Entidad", UNKNOWN_STATE, df["Entidad"])
    problems.duplicates(out, ["year", "month", "state_name", "municipality_name"], "Municipio",
                        "expected one row per municipality and month", valid=out["year"].notna() & out["month"].notna())
    problems.check()
    for column in ("year", "month", *SUBTYPES.values(), "total"):
        out[column] = out[column].astype("int64")
    cols = ["year", "month", "cve_ent", "state_name", "municipality_name", "cvegeo", "match_status",
            *SUBTYPES.values(), "total"]
    return out[cols]


STATE_VIOL_COLUMNS = ["Año", "Mes", "Periodo", "Estado", "Feminicidio", "Homicidio culposo", "Homicidio doloso",
                      "Otros delitos que atentan contra la vida y la integridad corporal", "Total"]


def parse_lethal_violence_state(path: Path) -> pd.DataFrame:
    path = Path(path)
    df, lines = _read_csv(path, "utf-8")
    require_columns(df, STATE_VIOL_COLUMNS, path)
    problems = Problems(path, lines)
    out = pd.DataFrame({"year": _whole(df["Año"], problems, "Año"), "month": _month_from_name(df, problems, "Mes"),
                        "state_name": df["Estado"].str.strip()})
    out["total"], _ = _counts_and_total(df, out, problems)
    catalogue = load_catalogue(find_data_root(path))
    states = state_code_lookup(catalogue)
    out["cve_ent"] = out["state_name"].map(lambda s: states.get(normalise_name(s)))
    problems.rows(out["cve_ent"].isna(), "Estado", UNKNOWN_STATE, df["Estado"])
    problems.check()
    for column in ("year", "month", *SUBTYPES.values(), "total"):
        out[column] = out[column].astype("int64")
    # In this third-party "corregido" file, Aug–Dec 2024 were revised subtype by subtype
    # without recomputing Total (149 rows differ). Reported, not fixed.
    out["total_equals_subtypes"] = out["total"] == out[list(SUBTYPES.values())].sum(axis=1)
    return out[["year", "month", "cve_ent", "state_name", *SUBTYPES.values(), "total", "total_equals_subtypes"]]


# ---------------------------------------------------------------- victims (long, bz2)
VICT_COLUMNS = ["date_year_month", "n_year", "n_month", "cve_ent", "nombre_estado", "bien_juridico_afectado",
                "tipo_de_delito", "subtipo_de_delito", "modalidad", "genero", "rango_de_edad", "n_victimas"]
SEXES = {"Hombre": "male", "Mujer": "female", "No identificado": "unidentified"}
AGE_GROUPS = {"Menores de edad (0-17)": "minor_0_17", "Adultos (18 y más)": "adult_18_plus",
              "No especificado": "not_specified", "No identificado": "unidentified"}


def parse_victims(path: Path) -> pd.DataFrame:
    path = Path(path)
    if path.suffix != ".bz2":
        raise SourceFormatError(path, "expected the bzip2-compressed file as published (.csv.bz2)")
    # 927,360 rows but at most a few hundred distinct values per column: read as categories, so each
    # check below runs once per distinct value (base.per_distinct) and DuckDB stores them quickly.
    df, lines = read_text_csv(path, "expected a bzip2 stream", dtype="category", compression="bz2")
    require_columns(df, VICT_COLUMNS, path)
    problems = Problems(path, lines)
    state_code = per_distinct(df["cve_ent"], lambda v: v.str.fullmatch(r"\d{2}")).astype(bool)
    problems.rows(~state_code, "cve_ent", "expected a 2-digit state code", df["cve_ent"])
    for col, allowed in (("genero", SEXES), ("rango_de_edad", AGE_GROUPS)):
        problems.rows(~df[col].isin(list(allowed)), col, f"expected one of {list(allowed)}", df[col])
    year = _whole(df["n_year"], problems, "n_year")
    month = _whole(df["n_month"], problems, "n_month")
    victims = _whole(df["n_victimas"], problems, "n_victimas")
    # date_year_month must read <year>-<month, 2 digits>-15: judged once per distinct (year, month, date).
    known = (year.notna() & month.notna()).to_numpy()
    dates = df["date_year_month"].astype("category")
    period = np.where(known, year.fillna(0).to_numpy() * 100 + month.fillna(0).to_numpy(), 0).astype("int64")
    width = len(dates.cat.categories) + 1
    combos, inverse = np.unique(period * width + dates.cat.codes.to_numpy(), return_inverse=True)
    labels = np.asarray(dates.cat.categories, dtype=object)
    stamps = np.array([f"{c // width // 100}-{c // width % 100:02d}-15" for c in combos], dtype=object)
    disagree = np.array([labels[c % width] != stamp if c % width < len(labels) else True
                         for c, stamp in zip(combos, stamps)], dtype=bool)
    problems.rows(disagree[inverse] & known, "date_year_month", "expected the date <n_year>-<n_month>-15",
                  df["date_year_month"])
    problems.check()
    return pd.DataFrame({
        "year": year.astype("int64"), "month": month.astype("int64"), "cve_ent": df["cve_ent"],
        "state_name": df["nombre_estado"], "legal_good": df["bien_juridico_afectado"], "crime_type": df["tipo_de_delito"],
        "crime_subtype": df["subtipo_de_delito"], "modality": df["modalidad"],
        "sex": df["genero"].map(SEXES), "age_group": df["rango_de_edad"].map(AGE_GROUPS),
        "victims": victims.astype("int64"),
    })


# ---------------------------------------------------------------- IDEFF (latin-1, wide)
IDEFF_MONTHS = ["ENERO", "FEBRERO", "MARZO", "ABRIL", "MAYO", "JUNIO", "JULIO", "AGOSTO", "SEPTIEMBRE",
                "OCTUBRE", "NOVIEMBRE", "DICIEMBRE"]
IDEFF_COLUMNS = ["AÑO", "INEGI", "ENTIDAD", "LEY", "CONCEPTO", "TIPO", *IDEFF_MONTHS]


def ideff_group(concept: pd.Series, crime_type: pd.Series) -> pd.Series:
    """Framework-relevant grouping of federal crimes."""
    out = pd.Series("other_federal", index=concept.index, dtype="object")
    out[concept == "CONTRA LA SALUD"] = "narcotics_federal_penal_code"
    out[crime_type == "CONTRA LA SALUD EN SU MODALIDAD DE NARCOMENUDEO"] = "narcotics_retail"
    out[crime_type == "LEY FEDERAL DE ARMAS DE FUEGO Y EXPLOSIVOS (L.F.A.F.E.)"] = "firearms"
    out[concept == "LEY FEDERAL CONTRA LA DELINCUENCIA ORGANIZADA (L.F.C.D.O.)"] = "organized_crime"
    out[crime_type == "LEY DE MIGRACION"] = "migration"
    return out


def parse_ideff(path: Path) -> pd.DataFrame:
    path = Path(path)
    # latin-1 as published; a UTF-8 re-save without a byte-order mark is refused by the shared reader
    df, lines = _read_csv(path, "latin-1")
    require_columns(df, IDEFF_COLUMNS, path)
    problems = Problems(path, lines)
    code = df["INEGI"].str.strip()
    abroad = df["ENTIDAD"].str.strip() == "EXTRANJERO"
    problems.rows(~abroad & ~_state_code(code), "INEGI", "expected a state code 1–32", code)
    df["cve_ent"] = code.where(abroad | (code == ""), code.str.zfill(2)).replace("", None)
    long = _wide_months_to_long(df, problems, ["AÑO", "cve_ent", "ENTIDAD", "LEY", "CONCEPTO", "TIPO"],
                                IDEFF_MONTHS, "AÑO", "crimes")
    problems.check()
    out = long.rename(columns={"ENTIDAD": "state_name", "LEY": "law", "CONCEPTO": "concept", "TIPO": "crime_type",
                               "_line": "source_line"})
    out["year"] = out["year"].astype("int64")
    out["crimes"] = out["crimes"].astype("int64")
    out["crime_group"] = ideff_group(out["concept"], out["crime_type"])
    cols = ["year", "month", "cve_ent", "state_name", "law", "concept", "crime_type", "crime_group", "crimes",
            "source_line"]
    return out[cols].reset_index(drop=True)


SPECS: tuple[SourceSpec, ...] = (
    SourceSpec(
        name="sesnsp_idm_guanajuato_homicide", family=FAMILY,
        title="SESNSP municipal incidence (IDM), Guanajuato homicide rows, 2020 – Nov 2025 (SESNSP wide format)",
        title_es=("Incidencia delictiva municipal del SESNSP (IDM), filas de homicidio de Guanajuato, 2020 – nov. "
                  "2025 (formato ancho del SESNSP)"),
        files=(f"{GTO}/homicidios_gto_2020_2025_raw.csv",), parse=parse_idm_municipal,
        key=("year", "month", "cvegeo", "crime_subtype", "modality"),
        publisher="SESNSP, Incidencia delictiva municipal (subset cut by a third party)", licence="Libre Uso MX",
        publisher_es="SESNSP, Incidencia delictiva municipal (subconjunto extraído por un tercero)",
        url="https://www.gob.mx/sesnsp/acciones-y-programas/datos-abiertos-de-incidencia-delictiva", retrieved="2026-01-13",  # version date: MauricioAguilarOrta/sesnsp-guanajuato-homicidios commit 3b198563
        description="Carpetas de investigación (crimes reported), not victims.",
        tags={"unit": "investigation files", "geography": "municipality", "period": "month"},
    ),
    SourceSpec(
        name="sesnsp_idm_lethal_violence_municipal", family=FAMILY,
        title="SESNSP lethal violence by municipality (names matched to INEGI codes), Jan 2024 – Jun 2025",
        title_es=("Violencia homicida por municipio, SESNSP (nombres vinculados a las claves del INEGI), ene. 2024 – "
                  "jun. 2025"),
        files=(f"{VIOL}/violencia_homicida_municipal_nacional_2024_2025.csv",), parse=parse_lethal_violence_municipal,
        key=("year", "month", "state_name", "municipality_name"),
        publisher="SESNSP IDM, aggregated over modality by a third party", licence="Libre Uso MX",
        publisher_es="SESNSP, Incidencia delictiva municipal (IDM), con las modalidades sumadas por un tercero",
        url="https://www.gob.mx/sesnsp/acciones-y-programas/datos-abiertos-de-incidencia-delictiva", retrieved="2025-08-28",  # version date: sebrodriguezh/SESNSP_Site commit 204d4eb3
        description="Names matched within state to the 2020 catalogue; match_status says how; unmatched rows keep cvegeo empty.",
        tags={"unit": "investigation files", "geography": "municipality", "period": "month"},
    ),
    SourceSpec(
        name="sesnsp_lethal_violence_state_month", family=FAMILY,
        title="SESNSP lethal violence by state and month, 2024 – Jul 2025 (third-party 'corregido' file)",
        title_es="Violencia homicida por estado y mes, SESNSP, 2024 – jul. 2025 (archivo “corregido” de un tercero)",
        files=(f"{VIOL}/violencia_homicida_estatal_mensual_2024_2025_corregido.csv",), parse=parse_lethal_violence_state,
        key=("year", "month", "cve_ent"),
        publisher="SESNSP fuero común state files, compiled by a third party", licence="Libre Uso MX",
        publisher_es="SESNSP, archivos estatales de incidencia delictiva del fuero común, compilados por un tercero",
        url="https://www.gob.mx/sesnsp/acciones-y-programas/datos-abiertos-de-incidencia-delictiva", retrieved="2025-08-28",  # version date: sebrodriguezh/SESNSP_Site commit 204d4eb3
        description=("Later vintage than the municipal file: Aug–Dec 2024 and Jun 2025 differ; in Aug–Dec 2024 "
                     "Total is not the sum of the subtypes (total_equals_subtypes = false)."),
        tags={"unit": "investigation files", "geography": "state", "period": "month"},
    ),
    SourceSpec(
        name="sesnsp_victims_state", family=FAMILY,
        title="SESNSP victims by state, month, crime, sex and age group, 2015 – Jun 2025",
        title_es=("Víctimas de delitos del fuero común por estado, mes, delito, sexo y grupo de edad, SESNSP, 2015 – "
                  "jun. 2025"),
        files=(f"{VICT}/db_victimas_delitos_ent_long.csv.bz2",), parse=parse_victims,
        key=("year", "month", "cve_ent", "crime_type", "crime_subtype", "modality", "sex", "age_group"),
        publisher="SESNSP, Víctimas (nueva metodología), reshaped long by a third party", licence="Libre Uso MX",
        publisher_es="SESNSP, Víctimas (nueva metodología), reorganizado en formato largo por un tercero",
        url="https://www.gob.mx/sesnsp/acciones-y-programas/datos-abiertos-de-incidencia-delictiva", retrieved="2025-07-20",  # version date: isaacarroyov/datos_facil_acceso commit 804bd401
        description="Victims (persons), state level only.",
        tags={"unit": "victims", "geography": "state", "period": "month"},
    ),
    SourceSpec(
        name="sesnsp_ideff_federal_state", family=FAMILY,
        title="SESNSP federal crimes (IDEFF) by state and month, 2012 – Jul 2025",
        title_es="Delitos del fuero federal (IDEFF) por estado y mes, SESNSP, 2012 – jul. 2025",
        files=(f"{IDEFF}/IDEFF_jul25.csv",), parse=parse_ideff,
        key=("year", "month", "state_name", "law", "concept", "crime_type"),
        publisher="SESNSP, Incidencia delictiva del fuero federal (FGR)", licence="Libre Uso MX",
        publisher_es="SESNSP, Incidencia delictiva del fuero federal (FGR)",
        url="https://www.gob.mx/sesnsp/acciones-y-programas/datos-abiertos-de-incidencia-delictiva", retrieved="2025-09-01",  # version date: sebrodriguezh/Cifras-de-Incidencia-Delictiva-Federal-2012---2025 commit f20ac02c
        description="Federal investigation files; crime_group marks narcotics, firearms, organized crime, migration.",
        tags={"unit": "investigation files", "geography": "state", "period": "month"},
    ),
)
