"""INEGI census population by municipality (1990–2020) and the 2020 municipal catalogue.

Files in ``data/census/mx_poblacion_municipal_censos_1990_2020/``:

* ``1990.csv`` … ``2020.csv``: raw INEGI "Consulta interactiva" exports (latin-1, the same
  OLAP layout as the homicide exports, read with `pipelines.sources.inegi.read_olap`);
  columns Total / Hombres / Mujeres (2005 and 2010 say Hombre / Mujer).
* ``df_mxmunicipio_2020.csv`` / ``df_mxstate_2020.csv``: the 2020 catalogue of the
  mxmaps package (codes, official and short names, population, seat coordinates).

The module also holds the accent-insensitive name matcher used by every source that
names municipalities without codes (SESNSP aggregates, SSPC daily reports, Security
Cabinet arrests): `normalise_name`, `load_catalogue`, `match_municipalities`.
"""
from __future__ import annotations

import unicodedata
import weakref
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .base import Problems, SourceFormatError, SourceSpec, read_text_csv, require_columns, to_count
from .inegi import read_olap

FAMILY = "census"
FOLDER = "census/mx_poblacion_municipal_censos_1990_2020"
CENSUS_YEARS = (1990, 1995, 2000, 2005, 2010, 2020)
CATALOGUE_FILE = f"{FOLDER}/df_mxmunicipio_2020.csv"
STATE_FILE = f"{FOLDER}/df_mxstate_2020.csv"


# ---------------------------------------------------------------- name matching
@lru_cache(maxsize=1 << 16, typed=True)  # names repeat across files and rows
def normalise_name(text: object) -> str:
    """Lower-case, strip accents and punctuation, collapse spaces: 'Cosío ' -> 'cosio'."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return ""
    s = unicodedata.normalize("NFKD", str(text).replace("\n", " "))
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).lower()
    s = "".join(ch if ch.isalnum() else " " for ch in s)
    return " ".join(s.split())


# Names by which sources refer to states, beyond the catalogue's short and official names.
STATE_ALIASES = {
    "estado de mexico": "15", "edomex": "15", "mexico": "15", "cdmx": "09", "distrito federal": "09",
    "coahuila": "05", "michoacan": "16", "veracruz": "30", "veracruz llave": "30",
    "queretaro de arteaga": "22", "baja california norte": "02",
    "natyarit": "18",  # typo in the Security Cabinet arrests sheet
}

# Spelling variants and city names seen in SESNSP / SSPC / Security Cabinet files for
# municipalities of the 2020 catalogue: (state code, normalised source name) -> the
# catalogue's official municipality name. Targets are resolved to CVEGEO through the
# catalogue itself (and must exist there). Anything else that fails is reported, not guessed.
MUNICIPALITY_ALIASES = {
    ("20", "heroica ciudad de juchitan de zaragoza"): "Juchitán de Zaragoza",
    ("20", "santiago chazumba"): "Villa de Santiago Chazumba",
    ("20", "oaxaca"): "Oaxaca de Juárez",
    ("20", "matias romero"): "Matías Romero Avendaño",
    ("15", "naucalpan"): "Naucalpan de Juárez",
    ("15", "ecatepec"): "Ecatepec de Morelos",
    ("09", "cuajimalpa"): "Cuajimalpa de Morelos",
    ("23", "cancun"): "Benito Juárez",
    ("26", "ciudad obregon"): "Cajeme",
    ("26", "plutarco elias calles"): "General Plutarco Elías Calles",
    ("25", "los mochis"): "Ahome",
    ("08", "ciudad juarez"): "Juárez",
    ("12", "acapulco"): "Acapulco de Juárez",
    ("12", "zihuatanejo"): "Zihuatanejo de Azueta",
    ("13", "pachuca"): "Pachuca de Soto",
    ("11", "dolores hidalgo"): "Dolores Hidalgo Cuna de la Independencia Nacional",
    ("22", "santiago de queretaro"): "Querétaro",
    ("14", "tlajomulco"): "Tlajomulco de Zúñiga",
    ("14", "cd guzman"): "Zapotlán el Grande",
    ("30", "poza rica"): "Poza Rica de Hidalgo",
    ("19", "escobedo"): "General Escobedo",
    ("19", "carmen"): "El Carmen",
}


ABBREVIATIONS = {"gral": "general", "dr": "doctor", "cd": "ciudad", "sta": "santa", "sto": "santo", "fco": "francisco"}


def _expand(key: str) -> str:
    """'gral escobedo' -> 'general escobedo' (common abbreviations in printed municipality names)."""
    return " ".join(ABBREVIATIONS.get(w, w) for w in key.split())


def find_data_root(path: Path, marker: str = CATALOGUE_FILE) -> Path:
    """The repository's data/ folder that holds `path`, recognised by the catalogue file."""
    for parent in Path(path).resolve().parents:
        if (parent / marker).is_file():
            return parent
    raise SourceFormatError(path, f"expected the municipal catalogue {marker} in a parent data/ folder (needed to match names to INEGI codes)")


@lru_cache(maxsize=4)
def load_catalogue(data_root: Path) -> pd.DataFrame:
    """The 2020 municipal catalogue with normalised keys (one row per municipality)."""
    cat = parse_municipal_catalogue(Path(data_root) / CATALOGUE_FILE)
    cat["state_key"] = cat["state_name_official"].map(normalise_name)
    cat["municipality_key"] = cat["municipality_name"].map(normalise_name)
    return cat


def state_code_lookup(catalogue: pd.DataFrame) -> dict[str, str]:
    lookup = dict(STATE_ALIASES)
    states = catalogue.drop_duplicates("cve_ent")
    for _, r in states.iterrows():
        lookup[normalise_name(r["state_name"])] = r["cve_ent"]
        lookup[normalise_name(r["state_name_official"])] = r["cve_ent"]
    return lookup


@dataclass(frozen=True)
class _NameIndex:
    """The catalogue's lookups used by `match_municipalities` (keys are normalised names)."""

    states: dict[str, str]                       # state name -> cve_ent
    by_name: dict[tuple[str, str], str]          # (cve_ent, municipality) -> cvegeo
    ambiguous: set[tuple[str, str]]              # names that occur twice within a state
    by_squeezed: dict[tuple[str, str], str]      # (cve_ent, municipality without spaces) -> cvegeo, if unique
    aliases: dict[tuple[str, str], str]          # MUNICIPALITY_ALIASES resolved to cvegeo


_NAME_INDEXES: dict[int, tuple[weakref.ref, _NameIndex]] = {}


def _name_index(catalogue: pd.DataFrame) -> _NameIndex:
    """The lookups of a catalogue, built once per catalogue object (`load_catalogue` hands out one shared
    frame per data folder; the SSPC source alone matches 27 files against it)."""
    identity = id(catalogue)
    cached = _NAME_INDEXES.get(identity)
    if cached is not None and cached[0]() is catalogue:
        return cached[1]
    by_name = {(r.cve_ent, r.municipality_key): r.cvegeo for r in catalogue.itertuples()}
    dup = catalogue.groupby(["cve_ent", "municipality_key"]).size()
    squeezed = catalogue.assign(k=catalogue["municipality_key"].str.replace(" ", "", regex=False))
    counts = squeezed.groupby(["cve_ent", "k"])["cvegeo"].transform("size")
    aliases = {}
    for (ent, key), target in MUNICIPALITY_ALIASES.items():
        code = by_name.get((ent, normalise_name(target)))
        if code is None:
            raise ValueError(f"alias target {target!r} (state {ent}) is not in the 2020 municipal catalogue")
        aliases[(ent, key)] = code
    index = _NameIndex(
        states=state_code_lookup(catalogue), by_name=by_name, ambiguous=set(dup[dup > 1].index),
        by_squeezed={(r.cve_ent, r.k): r.cvegeo for r in squeezed[counts == 1].itertuples()}, aliases=aliases,
    )
    _NAME_INDEXES[identity] = (weakref.ref(catalogue, lambda _: _NAME_INDEXES.pop(identity, None)), index)
    return index


def match_municipalities(frame: pd.DataFrame, state_col: str, municipality_col: str,
                         catalogue: pd.DataFrame) -> pd.DataFrame:
    """Add cve_ent, cvegeo and match_status to `frame` by matching names within state.

    match_status: 'exact' (accent/case-insensitive name equal to the 2020 catalogue),
    'alias' (a hand-checked spelling variant), 'abbreviation' (Gral., Dr., Cd., Sta. expanded),
    'spacing' (equal once spaces are removed, e.g. a word split by a PDF line wrap; only
    when unique within the state), 'unmatched_municipality' (state known,
    municipality not in the 2020 catalogue: placeholders such as 'No Especificado',
    Oaxaca district splits, municipalities created after 2020, misspellings) or
    'unmatched_state'. Unmatched rows are kept with cvegeo empty.
    """
    index = _name_index(catalogue)
    states, by_name, ambiguous = index.states, index.by_name, index.ambiguous
    by_squeezed, aliases = index.by_squeezed, index.aliases
    pairs = frame[[state_col, municipality_col]].drop_duplicates()
    result = {}
    for s_name, m_name in pairs.itertuples(index=False):
        ent = states.get(normalise_name(s_name))
        key = normalise_name(m_name)
        if ent is None:
            result[(s_name, m_name)] = (None, None, "unmatched_state")
        elif (ent, key) in ambiguous:
            result[(s_name, m_name)] = (ent, None, "ambiguous_municipality")
        elif (ent, key) in by_name:
            result[(s_name, m_name)] = (ent, by_name[(ent, key)], "exact")
        elif (ent, key) in aliases:
            result[(s_name, m_name)] = (ent, aliases[(ent, key)], "alias")
        elif (ent, _expand(key)) in by_name:
            result[(s_name, m_name)] = (ent, by_name[(ent, _expand(key))], "abbreviation")
        elif (ent, key.replace(" ", "")) in by_squeezed:
            # PDF line wraps split words ('Azcapotzal co'); unique within the state
            result[(s_name, m_name)] = (ent, by_squeezed[(ent, key.replace(" ", ""))], "spacing")
        else:
            result[(s_name, m_name)] = (ent, None, "unmatched_municipality")
    keys = list(zip(frame[state_col], frame[municipality_col]))
    out = frame.copy()
    out["cve_ent"] = [result[k][0] for k in keys]
    out["cvegeo"] = [result[k][1] for k in keys]
    out["match_status"] = [result[k][2] for k in keys]
    return out


# ---------------------------------------------------------------- parsers
def parse_census(path: Path) -> pd.DataFrame:
    """One census export → one row per municipality (cvegeo) with total/male/female population."""
    path = Path(path)
    if not path.stem.isdigit() or int(path.stem) not in CENSUS_YEARS:
        raise SourceFormatError(path, f"expected a file named after a census year {CENSUS_YEARS}")
    table = read_olap(path, ("Total", "Hombres", "Mujeres"), header_aliases={"Hombre": "Hombres", "Mujer": "Mujeres"})
    det = table.details
    out = pd.DataFrame({
        "census_year": int(path.stem),
        "cvegeo": det["cve_ent"] + det["cve_mun"],
        "cve_ent": det["cve_ent"],
        "cve_mun": det["cve_mun"],
        "municipality_name": det["name"],
        "population": det["Total"].astype("int64"),
        "population_male": det["Hombres"].astype("int64"),
        "population_female": det["Mujeres"].astype("int64"),
        "source_line": det["line"].astype("int64"),
    })
    problems = Problems(path, det["line"].to_numpy())
    problems.duplicates(out, ["cvegeo"], "code", "expected one row per municipality")
    problems.check()
    return out


CATALOGUE_COLUMNS = ["state_code", "municipio_code", "region", "state_name", "state_name_official", "state_abbr",
                     "state_abbr_official", "municipio_name", "year", "pop", "pop_male", "pop_female",
                     "afromexican", "indigenous_language", "metro_area", "long", "lat"]


def parse_municipal_catalogue(path: Path) -> pd.DataFrame:
    path = Path(path)
    df, lines = read_text_csv(path, "expected a UTF-8 CSV")
    require_columns(df, CATALOGUE_COLUMNS, path)
    problems = Problems(path, lines)
    good = {}
    for col, width in (("state_code", 2), ("municipio_code", 3), ("region", 5)):
        good[col] = df[col].str.fullmatch(rf"\d{{{width}}}")
        problems.rows(~good[col], col, f"expected a {width}-digit code with leading zeros", df[col])
    problems.rows(good["state_code"] & good["municipio_code"] & good["region"]
                  & (df["state_code"] + df["municipio_code"] != df["region"]), "region",
                  "expected region = state_code + municipio_code", df["region"])
    counts = {col: to_count(df[col], problems, col, allow_blank=False) for col in ("pop", "pop_male", "pop_female")}
    problems.duplicates(df, ["region"], "region", "expected one row per municipality (region unique)", valid=good["region"])
    problems.check()
    return pd.DataFrame({
        "cvegeo": df["region"], "cve_ent": df["state_code"], "cve_mun": df["municipio_code"],
        "state_name": df["state_name"], "state_name_official": df["state_name_official"],
        "state_abbr": df["state_abbr"], "municipality_name": df["municipio_name"],
        "population_2020": counts["pop"].astype("int64"),
        "population_male_2020": counts["pop_male"].astype("int64"),
        "population_female_2020": counts["pop_female"].astype("int64"),
        "metro_area": df["metro_area"].replace("", None),
        "seat_longitude": pd.to_numeric(df["long"], errors="coerce"),
        "seat_latitude": pd.to_numeric(df["lat"], errors="coerce"),
    })


STATE_COLUMNS = ["region", "state_name", "state_name_official", "state_abbr", "state_abbr_official", "year", "pop",
                 "pop_male", "pop_female", "afromexican", "indigenous_language"]


def parse_state_catalogue(path: Path) -> pd.DataFrame:
    path = Path(path)
    df, lines = read_text_csv(path, "expected a UTF-8 CSV")
    require_columns(df, STATE_COLUMNS, path)
    problems = Problems(path, lines)
    problems.rows(~df["region"].str.fullmatch(r"\d{2}"), "region", "expected a 2-digit state code with leading zeros",
                  df["region"])
    population = to_count(df["pop"], problems, "pop", allow_blank=False)
    problems.check()
    return pd.DataFrame({
        "cve_ent": df["region"], "state_name": df["state_name"], "state_name_official": df["state_name_official"],
        "state_abbr": df["state_abbr"], "state_abbr_official": df["state_abbr_official"],
        "population_2020": population.astype("int64"),
    })


SPECS: tuple[SourceSpec, ...] = (
    SourceSpec(
        name="census_population_municipal",
        family=FAMILY,
        title="INEGI census population by municipality and sex, 1990–2020",
        title_es="Población censal del INEGI por municipio y sexo, 1990–2020",
        files=tuple(f"{FOLDER}/{y}.csv" for y in CENSUS_YEARS),
        parse=parse_census,
        key=("census_year", "cvegeo"),
        publisher="INEGI, Censos y Conteos de Población y Vivienda (Consulta interactiva)",
        licence="INEGI Términos de Libre Uso de la Información",
        publisher_es="INEGI, Censos y Conteos de Población y Vivienda (Consulta interactiva)",
        url="https://www.inegi.org.mx/programas/ccpv/2020/", retrieved="2021-01-31",  # version date: diegovalle/mxmaps commit e3217640
        description="Population counted (or estimated, 1990–2005) per municipality at each census/count.",
        tags={"unit": "persons", "geography": "municipality", "period": "census year"},
    ),
    SourceSpec(
        name="census_municipal_catalogue_2020",
        family=FAMILY,
        title="Municipal catalogue 2020: codes, names, population, seat coordinates (mxmaps)",
        title_es=("Catálogo de municipios 2020: claves, nombres, población y coordenadas de la cabecera municipal "
                  "(mxmaps)"),
        files=(CATALOGUE_FILE,),
        parse=parse_municipal_catalogue,
        key=("cvegeo",),
        publisher="INEGI (Censo 2020, Catálogo Único de Claves Geoestadísticas) via the mxmaps package",
        licence="BSD-3-Clause (mxmaps); INEGI open data",
        publisher_es="INEGI (Censo 2020, Catálogo Único de Claves Geoestadísticas), mediante el paquete mxmaps",
        licence_es="BSD-3-Clause (mxmaps); datos abiertos del INEGI",
        url="https://github.com/diegovalle/mxmaps", retrieved="2021-02-02",  # version date: diegovalle/mxmaps commit 90cc010d
        description="2,469 municipalities of the 2020 census; used to match names to INEGI codes.",
        tags={"unit": "municipality", "geography": "municipality", "period": "2020"},
    ),
    SourceSpec(
        name="census_state_catalogue_2020",
        family=FAMILY,
        title="State catalogue 2020: codes, names, abbreviations, population (mxmaps)",
        title_es="Catálogo de estados 2020: claves, nombres, abreviaturas y población (mxmaps)",
        files=(STATE_FILE,),
        parse=parse_state_catalogue,
        key=("cve_ent",),
        publisher="INEGI (Censo 2020) via the mxmaps package",
        licence="BSD-3-Clause (mxmaps); INEGI open data",
        publisher_es="INEGI (Censo 2020), mediante el paquete mxmaps",
        licence_es="BSD-3-Clause (mxmaps); datos abiertos del INEGI",
        url="https://github.com/diegovalle/mxmaps", retrieved="2021-02-02",  # version date: diegovalle/mxmaps commit 90cc010d
        description="32 states with official and short names.",
        tags={"unit": "state", "geography": "state", "period": "2020"},
    ),
)
