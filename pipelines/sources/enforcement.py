"""Enforcement events: Security Cabinet arrests (Mexico) and OFAC SDN designations (U.S.).

* ``gabinete_arrests``: one row per detainee announced at the federal Security Cabinet's
  press conferences (Oct 2024 – Jul 2025), hand-compiled by a third party; free-text
  municipality matched to INEGI codes within the state of arrest (``match_status``).
* ``ofac_sdn_first_last_seen``: every SDN entry seen in the 2021-08-18 … 2024-05-03 scrape
  history, with first/last-seen snapshot timestamps (≈ designation / delisting dates).
* ``ofac_sdn_2024_05_03``: the OFAC legacy ``sdn.csv`` as published on 2024-05-03 (no
  header, ``-0-`` for missing, DOS EOF byte at the end); gives the Remarks text from which
  a Mexico nexus is read (nationality/citizenship/address Mexico, CURP, R.F.C.).
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .base import Problems, SourceSpec, read_published_text, read_text_csv, require_columns
from .census import find_data_root, load_catalogue, match_municipalities, normalise_name

FAMILY = "enforcement"
GAB = "enforcement/gabinete_seguridad_detenidos_2024_2025"
OFAC = "enforcement/ofac_sdn_gitscrape_2021_2024"

NARCOTICS_PROGRAMS = ("SDNTK", "SDNT", "ILLICIT-DRUGS-EO14059")

# ---------------------------------------------------------------- Security Cabinet arrests
GAB_COLUMNS = ["conference_id", "conference_date", "detainee_name", "detainee_age", "detainee_alias",
               "criminal_group", "charges_or_supposed_role", "date_of_arrest", "city_municipality",
               "state_of_arrest", "involved_institutions", "US_request_extradition", "items_seized",
               "additional_details", "other", "original_row_id"]
EXTRADITION = {"Sí": "yes", "Si": "yes", "No": "no", "": None, "No especificado": None}


def _iso_date(df: pd.DataFrame, problems: Problems, column: str, required: bool) -> pd.Series:
    """ISO dates; a range 'YYYY-MM-DD a YYYY-MM-DD' (one row) gives its first day."""
    text = df[column].str.strip().str.replace(r"^(\d{4}-\d{2}-\d{2}) a \d{4}-\d{2}-\d{2}$", r"\1", regex=True)
    ok = text.str.fullmatch(r"\d{4}-\d{2}-\d{2}") | (not required and text.eq(""))
    problems.rows(~ok, column, "expected a date YYYY-MM-DD", text)
    parsed = pd.to_datetime(text.where(ok).replace("", None), format="%Y-%m-%d", errors="coerce")
    problems.rows(ok & parsed.isna() & text.ne(""), column, "expected a valid calendar date", text)
    return text.replace("", None)


def _match_free_text_places(frame: pd.DataFrame, catalogue: pd.DataFrame) -> pd.DataFrame:
    """Match 'city_municipality' free text within state: whole text first, then each comma part.

    A text naming several municipalities ('Ahome, Guasave') gets match_status
    'multiple_municipalities' and no cvegeo; several states in state_of_arrest give
    'unmatched_state'.
    """
    whole = match_municipalities(frame, "state_of_arrest", "city_municipality", catalogue)
    missing = whole["cvegeo"].isna() & whole["match_status"].ne("unmatched_state")
    if missing.any():
        parts = frame.loc[missing, ["state_of_arrest", "city_municipality"]].copy()
        parts["_part"] = parts["city_municipality"].str.split(r"[,;/]| y ", regex=True)
        parts = parts.explode("_part")
        parts["_part"] = parts["_part"].str.strip()
        matched = match_municipalities(parts, "state_of_arrest", "_part", catalogue)
        matched = matched[matched["cvegeo"].notna()]
        # an arrest place naming two different municipalities stays unmatched
        n_codes = matched.groupby(level=0)["cvegeo"].nunique()
        first = matched.groupby(level=0)["cvegeo"].first()
        hit = first[n_codes == 1]
        whole.loc[hit.index, "cvegeo"] = hit
        whole.loc[hit.index, "match_status"] = "part_of_text"
        several = n_codes[n_codes > 1].index
        whole.loc[several, "match_status"] = "multiple_municipalities"
    return whole


def parse_arrests(path: Path) -> pd.DataFrame:
    path = Path(path)
    df, lines = read_text_csv(path, "expected a UTF-8 CSV with quoted multi-line fields")
    require_columns(df, GAB_COLUMNS, path)
    problems = Problems(path, lines)  # lines of the file: a quoted field may span several
    ext = df["US_request_extradition"].str.strip()
    problems.rows(~ext.isin(list(EXTRADITION)), "US_request_extradition", "expected Sí / No / blank", ext)
    age = pd.to_numeric(df["detainee_age"].str.extract(r"^\s*(\d{1,3})(?:\.0)?\s*(?:años)?\s*$")[0], errors="coerce")
    conference_id = pd.to_numeric(df["conference_id"], errors="coerce")
    problems.rows(conference_id.isna(), "conference_id", "expected a numeric conference_id", df["conference_id"])
    out = pd.DataFrame({
        "arrest_id": range(1, len(df) + 1),
        "conference_id": conference_id.astype("Int64"),
        "conference_date": _iso_date(df, problems, "conference_date", True),
        "date_of_arrest": _iso_date(df, problems, "date_of_arrest", False),
        "date_of_arrest_text": df["date_of_arrest"].str.strip().replace("", None),
        "detainee_name": df["detainee_name"].str.strip(),
        "detainee_age": age.astype("Int64"),
        "detainee_alias": df["detainee_alias"].str.strip().replace("", None),
        "criminal_group": df["criminal_group"].str.strip().replace("", None),
        "charges_or_role": df["charges_or_supposed_role"].str.strip().replace("", None),
        "city_municipality": df["city_municipality"].str.replace("\n", " ").str.strip(),
        "state_of_arrest": df["state_of_arrest"].str.strip(),
        "involved_institutions": df["involved_institutions"].str.strip().replace("", None),
        "us_extradition_request": ext.map(EXTRADITION),
        "items_seized": df["items_seized"].str.strip().replace("", None),
        "original_row_id": df["original_row_id"].str.strip(),
    })
    problems.check()
    text = (out["items_seized"].fillna("") + " " + out["charges_or_role"].fillna("")).map(normalise_name)
    out["mentions_fentanyl"] = text.str.contains("fentanil")
    out["mentions_firearms"] = text.str.contains(r"\barmas?\b|\bfusil|\brifle|\bpistola")
    catalogue = load_catalogue(find_data_root(path))
    out = _match_free_text_places(out, catalogue)
    return out


# ---------------------------------------------------------------- OFAC
FLS_COLUMNS = ["ent_num", "sdn_name", "sdn_type", "program", "first_seen_snapshot_utc", "last_seen_snapshot_utc",
               "present_in_first_snapshot", "present_in_last_snapshot"]


def programs_list(program: pd.Series) -> pd.Series:
    """'SDNTK] [ILLICIT-DRUGS-EO14059' -> 'SDNTK;ILLICIT-DRUGS-EO14059'."""
    return program.fillna("").str.split(r"\]\s*\[").map(lambda ps: ";".join(p.strip(" []") for p in ps if p.strip(" []")))


def is_narcotics(programs: pd.Series) -> pd.Series:
    return programs.str.split(";").map(lambda ps: any(p in NARCOTICS_PROGRAMS for p in ps))


def _sdn_type(t: pd.Series) -> pd.Series:
    t = t.str.strip()
    return t.where(t != "-0-", "entity").str.lower()


def parse_first_last_seen(path: Path) -> pd.DataFrame:
    path = Path(path)
    df, lines = read_text_csv(path, "expected a UTF-8 CSV")
    require_columns(df, FLS_COLUMNS, path)
    problems = Problems(path, lines)
    ent = pd.to_numeric(df["ent_num"], errors="coerce")
    problems.rows(ent.isna() | (ent != ent.round()), "ent_num", "expected an integer ent_num", df["ent_num"])
    first = pd.to_datetime(df["first_seen_snapshot_utc"], utc=True, errors="coerce", format="ISO8601")
    last = pd.to_datetime(df["last_seen_snapshot_utc"], utc=True, errors="coerce", format="ISO8601")
    for col, parsed in (("first_seen_snapshot_utc", first), ("last_seen_snapshot_utc", last)):
        problems.rows(parsed.isna(), col, "expected an ISO timestamp", df[col])
    problems.rows(last < first, "last_seen_snapshot_utc", "expected last_seen on or after first_seen",
                  df["last_seen_snapshot_utc"])
    for col in ("present_in_first_snapshot", "present_in_last_snapshot"):
        problems.rows(~df[col].isin(["True", "False"]), col, "expected True/False", df[col])
    problems.duplicates(pd.DataFrame({"ent_num": ent}), ["ent_num"], "ent_num", "expected one row per ent_num",
                        valid=ent.notna())
    problems.check()
    programs = programs_list(df["program"])
    first_utc, last_utc = first.dt.strftime("%Y-%m-%dT%H:%M:%SZ"), last.dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return pd.DataFrame({
        "ent_num": ent.astype("int64"), "sdn_name": df["sdn_name"].str.strip(), "sdn_type": _sdn_type(df["sdn_type"]),
        "programs": programs, "narcotics_program": is_narcotics(programs),
        "first_seen_utc": first_utc, "last_seen_utc": last_utc,
        "first_seen_date": first_utc.str[:10], "last_seen_date": last_utc.str[:10],  # the %Y-%m-%d part
        "present_in_first_snapshot": df["present_in_first_snapshot"].eq("True"),
        "present_in_last_snapshot": df["present_in_last_snapshot"].eq("True"),
    })


SDN_COLUMNS = ["ent_num", "SDN_Name", "SDN_Type", "Program", "Title", "Call_Sign", "Vess_type", "Tonnage", "GRT",
               "Vess_flag", "Vess_owner", "Remarks"]
_MEXICO = re.compile(r"\bMexico\b|\bCURP\b|R\.F\.C\.|\bMexican\b", re.IGNORECASE)


def parse_sdn(path: Path) -> pd.DataFrame:
    """OFAC legacy sdn.csv: 12 unnamed columns, '-0-' = missing, trailing 0x1A EOF byte."""
    path = Path(path)
    text = read_published_text(path, "latin-1", compression=None, expected="expected latin-1 text (OFAC legacy sdn.csv)")
    text = text.rstrip("\n")
    if text.endswith("\x1a"):
        text = text[:-1]
    reader = csv.reader(io.StringIO(text, newline=""))
    rows, starts, previous = [], [], 0
    for row in reader:
        rows.append(row)
        starts.append(previous + 1)
        previous = reader.line_num
    problems = Problems(path, np.asarray(starts, dtype="int64"))
    widths = np.array([len(r) for r in rows])
    problems.rows(widths != len(SDN_COLUMNS), None, f"expected {len(SDN_COLUMNS)} fields (OFAC legacy sdn.csv)",
                  found=widths)
    first = pd.Series([r[0] if r else "" for r in rows], dtype=object)
    problems.rows(~first.str.strip().str.isdigit(), "ent_num",
                  "expected a numeric ent_num (the legacy file has no header)", first)
    problems.check()
    df = pd.DataFrame(rows, columns=SDN_COLUMNS).apply(lambda s: s.str.strip())
    df = df.replace("-0-", None)
    problems.duplicates(df, ["ent_num"], "ent_num", "expected one row per ent_num")
    problems.check()
    m = re.search(r"(\d{4}-\d{2}-\d{2})", path.name)
    programs = programs_list(df["Program"])
    remarks = df["Remarks"].fillna("")
    return pd.DataFrame({
        "snapshot_date": m.group(1) if m else None,
        "ent_num": df["ent_num"].astype("int64"), "sdn_name": df["SDN_Name"],
        "sdn_type": df["SDN_Type"].fillna("entity").str.lower(), "programs": programs,
        "narcotics_program": is_narcotics(programs), "title": df["Title"], "remarks": df["Remarks"],
        "mexico_nexus": remarks.str.contains(_MEXICO),
        "mentions_curp_or_rfc": remarks.str.contains(r"\bCURP\b|R\.F\.C\.", regex=True),
        "linked_to": remarks.str.extract(r"Linked To: ([^.;]+)")[0],
    })


SPECS: tuple[SourceSpec, ...] = (
    SourceSpec(
        name="gabinete_arrests", family=FAMILY,
        title="Security Cabinet press-conference arrests (one row per detainee), Oct 2024 – Jul 2025",
        title_es=("Detenciones anunciadas en las conferencias de prensa del Gabinete de Seguridad (una fila por "
                  "persona detenida), oct. 2024 – jul. 2025"),
        files=(f"{GAB}/gabinete_detenidos_final.csv",), parse=parse_arrests, key=("arrest_id",),
        publisher="Gabinete de Seguridad press conferences, hand-compiled by a third party", licence="none stated",
        publisher_es="Conferencias de prensa del Gabinete de Seguridad, compiladas a mano por un tercero",
        licence_es="no indicada",
        url="https://github.com/sebrodriguezh/Cifras-de-Incidencia-Delictiva-Federal-2012---2025", retrieved="2025-09-01",  # version date: commit f20ac02c
        description="Dated arrests with place (matched to INEGI codes), group, and U.S. extradition request.",
        tags={"unit": "detainee", "geography": "municipality", "period": "day"},
    ),
    SourceSpec(
        name="ofac_sdn_first_last_seen", family=FAMILY,
        title="OFAC SDN entries with first/last-seen dates in the 2021–2024 scrape history",
        title_es=("Registros de la lista SDN de la OFAC con la primera y la última fecha en que aparecen en las "
                  "copias periódicas de la lista, 2021–2024"),
        files=(f"{OFAC}/sdn_ent_first_last_seen.csv",), parse=parse_first_last_seen, key=("ent_num",),
        publisher="U.S. Treasury OFAC (derived from a public git-scrape)", licence="U.S. public domain",
        publisher_es=("Office of Foreign Assets Control (OFAC) del Departamento del Tesoro de EE. UU. (datos derivados "
                      "de un historial público de copias periódicas de la lista en git)"),
        licence_es="dominio público (EE. UU.)", names_en=("Office of Foreign Assets Control",),
        url="https://ofac.treasury.gov/specially-designated-nationals-and-blocked-persons-list-sdn-human-readable-lists", retrieved="2024-05-04",  # version date: last snapshot of jackdwyer/specially-designated-nationals-list
        description="first_seen approximates the designation date within days (not official).",
        tags={"unit": "SDN entry", "geography": "none", "period": "day"},
    ),
    SourceSpec(
        name="ofac_sdn_2024_05_03", family=FAMILY,
        title="OFAC SDN list (legacy sdn.csv) as published on 2024-05-03",
        title_es="Lista SDN de la OFAC (formato anterior, sdn.csv) tal como se publicó el 3 de mayo de 2024",
        files=(f"{OFAC}/sdn_2024-05-03.csv",), parse=parse_sdn, key=("ent_num",),
        publisher="U.S. Treasury OFAC", licence="U.S. public domain",
        publisher_es="Office of Foreign Assets Control (OFAC) del Departamento del Tesoro de EE. UU.",
        licence_es="dominio público (EE. UU.)", names_en=("Office of Foreign Assets Control",),
        url="https://ofac.treasury.gov/specially-designated-nationals-and-blocked-persons-list-sdn-human-readable-lists", retrieved="2024-05-03",  # version date: jackdwyer/specially-designated-nationals-list commit a5ec3c5e
        description="Remarks give the Mexico nexus (nationality/address Mexico, CURP, R.F.C.).",
        tags={"unit": "SDN entry", "geography": "none", "period": "snapshot"},
    ),
)
