"""Security Cabinet arrests and OFAC SDN designations."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from pipelines.sources import enforcement
from pipelines.sources.base import SourceFormatError

DATA = Path(__file__).resolve().parents[2] / "data"
SPEC = {s.name: s for s in enforcement.SPECS}


def _load(name: str) -> pd.DataFrame:
    spec = SPEC[name]
    return pd.concat([spec.parse(DATA / f) for f in spec.files], ignore_index=True)


def test_arrests_match_the_published_extradition_tabulation():
    arrests = _load("gabinete_arrests")
    stats = json.loads((DATA / enforcement.GAB / "gabinete_extradition_stats.json").read_text(encoding="utf-8"))
    assert len(arrests) == stats["total_registros"] == 506
    counts = arrests["us_extradition_request"].value_counts(dropna=False)
    assert counts["yes"] == stats["solicitudes_si"] == 15
    assert counts["no"] == stats["solicitudes_no"] == 400
    assert arrests["us_extradition_request"].isna().sum() == stats["registros_sin_dato"] == 91
    assert arrests["conference_date"].min() == "2024-10-29" and arrests["conference_date"].max() == "2025-07-22"
    assert arrests["date_of_arrest"].dropna().min() == "2024-02-25"
    assert arrests["date_of_arrest"].dropna().max() == "2025-07-19"


def test_arrest_places_are_matched_or_reported():
    arrests = _load("gabinete_arrests")
    assert arrests["cvegeo"].dropna().str.fullmatch(r"\d{5}").all()
    tijuana = arrests[arrests["city_municipality"] == "Tijuana"]
    assert (tijuana["cvegeo"] == "02004").all()
    assert set(arrests["match_status"]) <= {"exact", "alias", "abbreviation", "spacing", "part_of_text",
                                            "multiple_municipalities", "unmatched_municipality", "unmatched_state",
                                            "ambiguous_municipality"}
    matched = arrests["match_status"].isin(["exact", "alias", "abbreviation", "spacing", "part_of_text"])
    assert (arrests["cvegeo"].notna() == matched).all()
    assert arrests["cvegeo"].notna().mean() > 0.55


def test_ofac_first_seen_counts_match_source_md():
    fls = _load("ofac_sdn_first_last_seen")
    assert len(fls) == 15_892
    assert (~fls["present_in_first_snapshot"]).sum() == 6_809
    assert (~fls["present_in_last_snapshot"]).sum() == 927
    new = fls[fls["narcotics_program"] & ~fls["present_in_first_snapshot"]]
    quarter = pd.PeriodIndex(pd.to_datetime(new["first_seen_date"]), freq="Q").astype(str)
    by_q = new.groupby(quarter).size().to_dict()
    assert by_q == {"2021Q3": 16, "2021Q4": 12, "2022Q1": 12, "2022Q2": 6, "2022Q3": 1, "2022Q4": 27,
                    "2023Q1": 25, "2023Q2": 60, "2023Q3": 28, "2023Q4": 79, "2024Q1": 31}


def test_sdn_snapshot_programs_and_mexico_nexus():
    sdn = _load("ofac_sdn_2024_05_03")
    assert len(sdn) == 14_965
    programs = sdn["programs"].str.split(";")
    assert programs.map(lambda p: "SDNTK" in p).sum() == 1_439
    assert programs.map(lambda p: "ILLICIT-DRUGS-EO14059" in p).sum() == 293
    # SOURCE.md counts 794 entries whose remarks mention Mexico / CURP / RFC; our rule also
    # accepts 'Mexican', so it may find a few more, never fewer
    assert 794 <= sdn["mexico_nexus"].sum() <= 800
    assert sdn.loc[sdn["remarks"].fillna("").str.contains("CURP"), "mexico_nexus"].all()


def test_sdn_with_a_header_line_is_rejected(tmp_path):
    src = (DATA / enforcement.OFAC / "sdn_2024-05-03.csv").read_bytes()
    (tmp_path / "sdn.csv").write_bytes(b"ent_num,SDN_Name,SDN_Type,Program,Title,Call_Sign,Vess_type,Tonnage,GRT,"
                                       b"Vess_flag,Vess_owner,Remarks\r\n" + src)
    with pytest.raises(SourceFormatError, match="no header"):
        enforcement.parse_sdn(tmp_path / "sdn.csv")
