"""SESNSP files in their published formats: totals against SOURCE.md figures and
independent sums written here with the csv module."""
from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from pipelines.sources import sesnsp
from pipelines.sources.base import SourceFormatError

DATA = Path(__file__).resolve().parents[2] / "data"
SPEC = {s.name: s for s in sesnsp.SPECS}


def _load(name: str) -> pd.DataFrame:
    spec = SPEC[name]
    return pd.concat([spec.parse(DATA / f) for f in spec.files], ignore_index=True)


@pytest.fixture(scope="module")
def victims() -> pd.DataFrame:
    return _load("sesnsp_victims_state")


@pytest.fixture(scope="module")
def municipal() -> pd.DataFrame:
    return _load("sesnsp_idm_lethal_violence_municipal")


def test_guanajuato_wide_format_totals_equal_an_independent_sum():
    df = _load("sesnsp_idm_guanajuato_homicide")
    assert df["cvegeo"].str.fullmatch(r"11\d{3}").all() and df["cvegeo"].nunique() == 46
    assert not df.duplicated(list(SPEC["sesnsp_idm_guanajuato_homicide"].key)).any()
    # December 2025 is not published: absent, not zero
    assert df[(df["year"] == 2025)]["month"].max() == 11
    expected: dict[tuple[int, str], int] = {}
    with open(DATA / sesnsp.GTO / "homicidios_gto_2020_2025_raw.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            key = (int(row["Año"]), row["Subtipo de delito"])
            expected[key] = expected.get(key, 0) + sum(int(float(row[m])) for m in sesnsp.MONTHS_ES if row[m] != "")
    got = df.groupby(["year", "crime_subtype"])["crimes"].sum()
    assert {k: int(v) for k, v in got.items()} == expected
    assert expected[(2020, "Homicidio doloso")] == 3359  # Guanajuato 2020, intentional homicide files


def test_victims_match_national_figures_in_source_md(victims):
    doloso = victims[victims["crime_subtype"] == "Homicidio doloso"].groupby("year")["victims"].sum()
    assert doloso.loc[2018:2025].tolist() == [33742, 34723, 34569, 33359, 30979, 29721, 30046, 12752]
    assert len(victims) == 927_360
    assert victims["cve_ent"].str.fullmatch(r"\d{2}").all()
    assert set(victims["sex"]) == {"male", "female", "unidentified"}
    # Jul–Dec 2025 absent
    assert victims[victims["year"] == 2025]["month"].max() == 6


def test_victims_youth_and_femicide_are_available(victims):
    fem = victims[victims["crime_subtype"] == "Feminicidio"]
    assert set(fem["sex"]) <= {"female", "male", "unidentified"} and fem["victims"].sum() > 0
    assert set(victims["age_group"]) == {"minor_0_17", "adult_18_plus", "not_specified", "unidentified"}


def test_municipal_names_are_matched_and_unmatched_reported(municipal):
    names = municipal.drop_duplicates(["state_name", "municipality_name"])
    assert len(names) == 2486 and len(municipal) == 44_748
    status = names["match_status"].value_counts()
    # SOURCE.md: 2,463 of 2,486 match exactly; two of the 23 others are hand-checked spelling variants
    assert status["exact"] == 2463 and status["alias"] == 2 and status["unmatched_municipality"] == 21
    unmatched = municipal[municipal["cvegeo"].isna()]
    assert {"No Especificado", "Otros Municipios", "Villa de Pozos", "Eldorado"} <= set(unmatched["municipality_name"])
    # nothing is dropped: every published count is in the table
    total = 0.0
    with open(DATA / sesnsp.VIOL / "violencia_homicida_municipal_nacional_2024_2025.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            total += float(row["Homicidio doloso"])
    assert municipal["homicide_intentional"].sum() == int(total)


def test_municipal_sums_equal_state_file_where_vintages_agree(municipal):
    state = _load("sesnsp_lethal_violence_state_month")
    mun = municipal.groupby(["year", "month"])["homicide_intentional"].sum()
    st = state.groupby(["year", "month"])["homicide_intentional"].sum()
    same = [(2024, m) for m in range(1, 8)] + [(2025, m) for m in range(1, 6)]
    for key in same:
        assert mun[key] == st[key], key
    assert mun[(2024, 1)] == 2049
    # SOURCE.md: national intentional homicide about 2,000–2,280 a month in 2024
    assert mun.loc[2024].between(1850, 2300).all()
    # the later 'corregido' vintage revised Aug–Dec 2024 without recomputing Total: flagged
    flagged = state[~state["total_equals_subtypes"]]
    assert set(zip(flagged["year"], flagged["month"])) == {(2024, m) for m in range(8, 13)}


def test_ideff_federal_crimes():
    df = _load("sesnsp_ideff_federal_state")
    # 13,398 published rows × 12 months, less Aug–Dec 2025 (990 rows × 5 months, not published)
    assert len(df) == 13_398 * 12 - 990 * 5
    assert df[df["year"] == 2025]["month"].max() == 7
    assert df["cve_ent"].dropna().str.fullmatch(r"\d{2}").all()
    total = 0
    with open(DATA / sesnsp.IDEFF / "IDEFF_jul25.csv", encoding="latin-1", newline="") as handle:
        for row in csv.DictReader(handle):
            total += sum(int(row[m]) for m in sesnsp.IDEFF_MONTHS if row[m] != "")
    assert df["crimes"].sum() == total
    groups = df.groupby("crime_group")["crimes"].sum()
    assert {"narcotics_federal_penal_code", "narcotics_retail", "firearms", "organized_crime", "migration"} <= set(groups.index)
    assert groups["firearms"] > 0


def test_ideff_reencoded_as_utf8_is_rejected(tmp_path):
    text = (DATA / sesnsp.IDEFF / "IDEFF_jul25.csv").read_bytes().decode("latin-1")
    (tmp_path / "IDEFF_jul25.csv").write_text(text, encoding="utf-8")
    with pytest.raises(SourceFormatError, match="latin-1"):
        sesnsp.parse_ideff(tmp_path / "IDEFF_jul25.csv")


def test_negative_count_is_rejected(tmp_path):
    path = DATA / sesnsp.GTO / "homicidios_gto_2020_2025_raw.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = lines[1].replace(",1,2,2,", ",-1,2,2,", 1)
    (tmp_path / path.name).write_text("".join(lines), encoding="utf-8")
    with pytest.raises(SourceFormatError, match="non-negative"):
        sesnsp.parse_idm_municipal(tmp_path / path.name)
