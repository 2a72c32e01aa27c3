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

import pandas as pd

from .base import SourceFormatError, SourceSpec, first_row, per_distinct, refuse_first, require_columns
from .census import find_data_root, load_catalogue, match_municipalities

FAMILY = "sesnsp"
GTO = "sesnsp/sesnsp_idm_guanajuato_homicidio_2020_2025"
VIOL = "sesnsp/sesnsp_idm_violencia_homicida_municipal_2024_2025"
VICT = "sesnsp/sesnsp_victimas_estatal_2015_2025"
IDEFF = "sesnsp/sesnsp_ideff_fuero_federal_estatal_2012_2025"

MONTHS_ES = ("Enero", "Febrero", "Marzo", "Abril", "Mayo", "Junio", "Julio", "Agosto",
             "Septiembre", "Octubre", "Noviembre", "Diciembre")
MONTH_NUMBER = {m: i + 1 for i, m in enumerate(MONTHS_ES)}


def _read_csv(path: Path, encoding: str, **kw) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding, **kw)
    except UnicodeDecodeError as exc:
        raise SourceFormatError(path, f"expected {encoding} text: {exc.reason} at byte {exc.start}") from None
    except pd.errors.ParserError as exc:
        raise SourceFormatError(path, f"expected a well-formed CSV: {exc}") from None


def _whole(values: pd.Series, path: Path, column: str, lines: pd.Series) -> pd.Series:
    """Counts written as '3' or '3.0' -> int64; anything fractional, negative or text is an error."""
    num = per_distinct(values, lambda v: pd.to_numeric(v, errors="coerce"))
    bad = num.isna() | (num < 0) | (num != num.round())
    if bad.any():
        i = first_row(bad)
        raise SourceFormatError(path, f"expected a non-negative whole count, found {values.iloc[i]!r}",
                                int(lines.iloc[i]), column)
    return num.astype("int64")


def _wide_months_to_long(df: pd.DataFrame, path: Path, id_cols: list[str], month_cols: list[str],
                         year_col: str, value_name: str) -> pd.DataFrame:
    """Melt month columns; drop cells of not-yet-published months (empty after the last filled month)."""
    df = df.copy()
    df["_line"] = range(2, len(df) + 2)
    long = df.melt(id_vars=id_cols + ["_line"], value_vars=month_cols, var_name="_month", value_name="_value")
    long["month"] = long["_month"].map({c: i + 1 for i, c in enumerate(month_cols)}).astype("int64")
    long["year"] = pd.to_numeric(long[year_col], errors="coerce")
    if long["year"].isna().any():
        i = first_row(long["year"].isna())
        raise SourceFormatError(path, f"expected a year, found {long[year_col].iloc[i]!r}", int(long["_line"].iloc[i]), year_col)
    long["year"] = long["year"].astype("int64")
    empty = long["_value"].str.strip() == ""
    if empty.any():
        # allowed only at the end of the series: after the last month with any value
        filled = long.loc[~empty, ["year", "month"]]
        last = int((filled["year"] * 100 + filled["month"]).max())
        bad = empty & ((long["year"] * 100 + long["month"]) <= last)
        if bad.any():
            i = first_row(bad)
            raise SourceFormatError(path, "expected a count (empty cells are allowed only for months after the "
                                          f"last published month {last // 100}-{last % 100:02d})",
                                    int(long["_line"].iloc[i]), str(long["_month"].iloc[i]))
        long = long[~empty]
    long[value_name] = _whole(long["_value"], path, "month", long["_line"])
    return long.drop(columns=["_month", "_value", "_line"])


# ---------------------------------------------------------------- Guanajuato IDM (SESNSP format)
GTO_COLUMNS = ["Año", "Clave_Ent", "Entidad", "Cve. Municipio", "Municipio", "Bien jurídico afectado",
               "Tipo de delito", "Subtipo de delito", "Modalidad", *MONTHS_ES]


def parse_idm_municipal(path: Path) -> pd.DataFrame:
    path = Path(path)
    df = _read_csv(path, "utf-8")
    require_columns(df, GTO_COLUMNS, path)
    code = df["Cve. Municipio"].str.strip()
    refuse_first(path, ~code.str.fullmatch(r"\d{4,5}"), "Cve. Municipio", "expected an INEGI municipal code", code)
    df["cvegeo"] = code.str.zfill(5)
    df["cve_ent"] = df["Clave_Ent"].str.strip().str.zfill(2)
    refuse_first(path, df["cvegeo"].str[:2] != df["cve_ent"], "Cve. Municipio",
                 "municipal code does not start with the state code")
    long = _wide_months_to_long(df, path, ["Año", "cve_ent", "cvegeo", "Municipio", "Bien jurídico afectado",
                                           "Tipo de delito", "Subtipo de delito", "Modalidad"],
                                list(MONTHS_ES), "Año", "crimes")
    out = long.rename(columns={"Municipio": "municipality_name", "Bien jurídico afectado": "legal_good",
                               "Tipo de delito": "crime_type", "Subtipo de delito": "crime_subtype",
                               "Modalidad": "modality"})
    cols = ["year", "month", "cve_ent", "cvegeo", "municipality_name", "legal_good", "crime_type",
            "crime_subtype", "modality", "crimes"]
    return out[cols].sort_values(["cvegeo", "year", "month", "crime_subtype", "modality"]).reset_index(drop=True)


# ---------------------------------------------------------------- third-party municipal aggregate
VIOL_COLUMNS = ["Entidad", "Municipio", "Feminicidio", "Homicidio culposo", "Homicidio doloso", "Total", "Año",
                "Mes", "Periodo", "Otros delitos que atentan contra la vida y la integridad corporal"]
SUBTYPES = {"Feminicidio": "femicide", "Homicidio culposo": "homicide_negligent",
            "Homicidio doloso": "homicide_intentional",
            "Otros delitos que atentan contra la vida y la integridad corporal": "other_against_life"}


def _month_from_name(df: pd.DataFrame, path: Path, col: str) -> pd.Series:
    month = df[col].str.strip().str.capitalize().map(MONTH_NUMBER)
    refuse_first(path, month.isna(), col, "expected a Spanish month name", df[col])
    return month.astype("int64")


def parse_lethal_violence_municipal(path: Path) -> pd.DataFrame:
    path = Path(path)
    df = _read_csv(path, "utf-8")
    require_columns(df, VIOL_COLUMNS, path)
    lines = pd.Series(range(2, len(df) + 2), index=df.index)
    out = pd.DataFrame({
        "year": _whole(df["Año"], path, "Año", lines),
        "month": _month_from_name(df, path, "Mes"),
        "state_name": df["Entidad"].str.strip(),
        "municipality_name": df["Municipio"].str.replace("\n", " ").str.strip(),
    })
    for src, dst in SUBTYPES.items():
        out[dst] = _whole(df[src], path, src, lines)
    total = _whole(df["Total"], path, "Total", lines)
    refuse_first(path, total != out[list(SUBTYPES.values())].sum(axis=1), "Total",
                 "expected Total = Feminicidio + Homicidio culposo + Homicidio doloso + Otros")
    out["total"] = total
    catalogue = load_catalogue(find_data_root(path))
    out = match_municipalities(out, "state_name", "municipality_name", catalogue)
    unknown = out["match_status"].eq("unmatched_state")
    if unknown.any():
        i = first_row(unknown)
        raise SourceFormatError(path, f"unknown state name {out['state_name'].iloc[i]!r}", i + 2, "Entidad")
    refuse_first(path, out.duplicated(["year", "month", "state_name", "municipality_name"]), "Municipio",
                 "municipality-month listed twice")
    cols = ["year", "month", "cve_ent", "state_name", "municipality_name", "cvegeo", "match_status",
            *SUBTYPES.values(), "total"]
    return out[cols]


STATE_VIOL_COLUMNS = ["Año", "Mes", "Periodo", "Estado", "Feminicidio", "Homicidio culposo", "Homicidio doloso",
                      "Otros delitos que atentan contra la vida y la integridad corporal", "Total"]


def parse_lethal_violence_state(path: Path) -> pd.DataFrame:
    path = Path(path)
    df = _read_csv(path, "utf-8")
    require_columns(df, STATE_VIOL_COLUMNS, path)
    lines = pd.Series(range(2, len(df) + 2), index=df.index)
    out = pd.DataFrame({"year": _whole(df["Año"], path, "Año", lines), "month": _month_from_name(df, path, "Mes"),
                        "state_name": df["Estado"].str.strip()})
    for src, dst in SUBTYPES.items():
        out[dst] = _whole(df[src], path, src, lines)
    out["total"] = _whole(df["Total"], path, "Total", lines)
    # In this third-party "corregido" file, Aug–Dec 2024 were revised subtype by subtype
    # without recomputing Total (149 rows differ). Reported, not fixed.
    out["total_equals_subtypes"] = out["total"] == out[list(SUBTYPES.values())].sum(axis=1)
    catalogue = load_catalogue(find_data_root(path))
    from .census import normalise_name, state_code_lookup
    states = state_code_lookup(catalogue)
    out["cve_ent"] = out["state_name"].map(lambda s: states.get(normalise_name(s)))
    if out["cve_ent"].isna().any():
        i = first_row(out["cve_ent"].isna())
        raise SourceFormatError(path, f"unknown state name {out['state_name'].iloc[i]!r}", i + 2, "Estado")
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
    try:
        # 927,360 rows but at most a few hundred distinct values per column: read as categories, so each
        # check below runs once per distinct value (base.per_distinct) and DuckDB stores them quickly.
        df = pd.read_csv(path, dtype="category", keep_default_na=False, encoding="utf-8", compression="bz2")
    except (OSError, EOFError) as exc:
        raise SourceFormatError(path, f"expected a bzip2 stream: {exc}") from None
    require_columns(df, VICT_COLUMNS, path)
    lines = pd.Series(range(2, len(df) + 2), index=df.index)
    state_code = per_distinct(df["cve_ent"], lambda v: v.str.fullmatch(r"\d{2}")).astype(bool)
    refuse_first(path, ~state_code, "cve_ent", "expected a 2-digit state code", df["cve_ent"])
    for col, allowed in (("genero", SEXES), ("rango_de_edad", AGE_GROUPS)):
        refuse_first(path, ~df[col].isin(list(allowed)), col, f"expected one of {list(allowed)}", df[col])
    year = _whole(df["n_year"], path, "n_year", lines)
    month = _whole(df["n_month"], path, "n_month", lines)
    # date_year_month must read <year>-<month, 2 digits>-15; checked once per distinct (year, month, date)
    # (the first row of a failing combination is the first failing row).
    dates = pd.DataFrame({"year": year, "month": month, "date": df["date_year_month"].astype(object)}).drop_duplicates()
    stamp = dates["year"].astype(str) + "-" + dates["month"].astype(str).str.zfill(2) + "-15"
    disagree = dates.index[stamp != dates["date"]]
    if len(disagree):
        raise SourceFormatError(path, "date_year_month disagrees with n_year/n_month", int(disagree.min()) + 2, "date_year_month")
    return pd.DataFrame({
        "year": year, "month": month, "cve_ent": df["cve_ent"], "state_name": df["nombre_estado"],
        "legal_good": df["bien_juridico_afectado"], "crime_type": df["tipo_de_delito"],
        "crime_subtype": df["subtipo_de_delito"], "modality": df["modalidad"],
        "sex": df["genero"].map(SEXES), "age_group": df["rango_de_edad"].map(AGE_GROUPS),
        "victims": _whole(df["n_victimas"], path, "n_victimas", lines),
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
    raw = path.read_bytes()[:4]
    if raw[:3] == b"A\xc3\x91":
        raise SourceFormatError(path, "expected latin-1 text as published by SESNSP, found UTF-8 ('AÑO' header)", 1, "AÑO")
    df = _read_csv(path, "latin-1")
    require_columns(df, IDEFF_COLUMNS, path)
    code = df["INEGI"].str.strip()
    abroad = df["ENTIDAD"].str.strip() == "EXTRANJERO"
    refuse_first(path, ~abroad & ~code.str.fullmatch(r"\d{1,2}"), "INEGI", "expected a state code 1–32", code)
    df["cve_ent"] = code.where(abroad | (code == ""), code.str.zfill(2)).replace("", None)
    long = _wide_months_to_long(df, path, ["AÑO", "cve_ent", "ENTIDAD", "LEY", "CONCEPTO", "TIPO"],
                                IDEFF_MONTHS, "AÑO", "crimes")
    out = long.rename(columns={"ENTIDAD": "state_name", "LEY": "law", "CONCEPTO": "concept", "TIPO": "crime_type"})
    out["crime_group"] = ideff_group(out["concept"], out["crime_type"])
    cols = ["year", "month", "cve_ent", "state_name", "law", "concept", "crime_type", "crime_group", "crimes"]
    return out[cols].reset_index(drop=True)


SPECS: tuple[SourceSpec, ...] = (
    SourceSpec(
        name="sesnsp_idm_guanajuato_homicide", family=FAMILY,
        title="SESNSP municipal incidence (IDM), Guanajuato homicide rows, 2020 – Nov 2025 (SESNSP wide format)",
        files=(f"{GTO}/homicidios_gto_2020_2025_raw.csv",), parse=parse_idm_municipal,
        key=("year", "month", "cvegeo", "crime_subtype", "modality"),
        publisher="SESNSP, Incidencia delictiva municipal (subset cut by a third party)", licence="Libre Uso MX",
        description="Carpetas de investigación (crimes reported), not victims.",
        tags={"unit": "investigation files", "geography": "municipality", "period": "month"},
    ),
    SourceSpec(
        name="sesnsp_idm_lethal_violence_municipal", family=FAMILY,
        title="SESNSP lethal violence by municipality (names matched to INEGI codes), Jan 2024 – Jun 2025",
        files=(f"{VIOL}/violencia_homicida_municipal_nacional_2024_2025.csv",), parse=parse_lethal_violence_municipal,
        key=("year", "month", "state_name", "municipality_name"),
        publisher="SESNSP IDM, aggregated over modality by a third party", licence="Libre Uso MX",
        description="Names matched within state to the 2020 catalogue; match_status says how; unmatched rows keep cvegeo empty.",
        tags={"unit": "investigation files", "geography": "municipality", "period": "month"},
    ),
    SourceSpec(
        name="sesnsp_lethal_violence_state_month", family=FAMILY,
        title="SESNSP lethal violence by state and month, 2024 – Jul 2025 (third-party 'corregido' file)",
        files=(f"{VIOL}/violencia_homicida_estatal_mensual_2024_2025_corregido.csv",), parse=parse_lethal_violence_state,
        key=("year", "month", "cve_ent"),
        publisher="SESNSP fuero común state files, compiled by a third party", licence="Libre Uso MX",
        description=("Later vintage than the municipal file: Aug–Dec 2024 and Jun 2025 differ; in Aug–Dec 2024 "
                     "Total is not the sum of the subtypes (total_equals_subtypes = false)."),
        tags={"unit": "investigation files", "geography": "state", "period": "month"},
    ),
    SourceSpec(
        name="sesnsp_victims_state", family=FAMILY,
        title="SESNSP victims by state, month, crime, sex and age group, 2015 – Jun 2025",
        files=(f"{VICT}/db_victimas_delitos_ent_long.csv.bz2",), parse=parse_victims,
        key=("year", "month", "cve_ent", "crime_type", "crime_subtype", "modality", "sex", "age_group"),
        publisher="SESNSP, Víctimas (nueva metodología), reshaped long by a third party", licence="Libre Uso MX",
        description="Victims (persons), state level only.",
        tags={"unit": "victims", "geography": "state", "period": "month"},
    ),
    SourceSpec(
        name="sesnsp_ideff_federal_state", family=FAMILY,
        title="SESNSP federal crimes (IDEFF) by state and month, 2012 – Jul 2025",
        files=(f"{IDEFF}/IDEFF_jul25.csv",), parse=parse_ideff,
        key=("year", "month", "state_name", "law", "concept", "crime_type"),
        publisher="SESNSP, Incidencia delictiva del fuero federal (FGR)", licence="Libre Uso MX",
        description="Federal investigation files; crime_group marks narcotics, firearms, organized crime, migration.",
        tags={"unit": "investigation files", "geography": "state", "period": "month"},
    ),
)
