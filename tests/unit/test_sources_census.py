"""Census population exports and the 2020 municipal catalogue / name matcher."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipelines.sources import census
from pipelines.sources.base import SourceFormatError

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def population() -> pd.DataFrame:
    spec = census.SPECS[0]
    return pd.concat([spec.parse(DATA / f) for f in spec.files], ignore_index=True)


def test_national_population_matches_published_census_totals(population):
    totals = population.groupby("census_year")["population"].sum()
    # national rows printed in the exports (INEGI census / count results)
    assert totals[1990] == 81_249_645
    assert totals[2005] == 103_263_388
    assert totals[2020] == 126_014_024
    assert (population["population"] == population["population_male"] + population["population_female"]).all()


def test_2020_export_agrees_with_the_catalogue():
    cat = census.parse_municipal_catalogue(DATA / census.CATALOGUE_FILE)
    assert len(cat) == 2469 and cat["cvegeo"].str.fullmatch(r"\d{5}").all()
    exp = census.parse_census(DATA / census.FOLDER / "2020.csv")
    merged = exp.merge(cat, on="cvegeo", how="outer", indicator=True)
    assert (merged["_merge"] == "both").all()
    assert (merged["population"] == merged["population_2020"]).all()
    states = census.parse_state_catalogue(DATA / census.STATE_FILE)
    assert states["population_2020"].sum() == cat["population_2020"].sum() == 126_014_024


def test_name_matcher_is_accent_and_case_insensitive():
    cat = census.load_catalogue(DATA.resolve())
    frame = pd.DataFrame({"state": ["Coahuila", "ESTADO DE MÉXICO", "Oaxaca", "Jalisco", "Narnia"],
                          "mun": ["Saltillo", "naucalpan de juarez", "Santiago Chazumba", "No Especificado", "X"]})
    out = census.match_municipalities(frame, "state", "mun", cat)
    assert out["cvegeo"].tolist()[:3] == ["05030", "15057", "20459"]
    assert out["match_status"].tolist() == ["exact", "exact", "alias", "unmatched_municipality", "unmatched_state"]


def test_missing_column_is_reported(tmp_path):
    src = (DATA / census.CATALOGUE_FILE).read_text(encoding="utf-8").replace("municipio_name", "mun_name", 1)
    (tmp_path / "df_mxmunicipio_2020.csv").write_text(src, encoding="utf-8")
    with pytest.raises(SourceFormatError, match="municipio_name"):
        census.parse_municipal_catalogue(tmp_path / "df_mxmunicipio_2020.csv")


def test_abbreviations_and_pdf_line_wraps_are_matched():
    cat = census.load_catalogue(DATA.resolve())
    frame = pd.DataFrame({"state": ["Nuevo León", "Ciudad de México", "Jalisco"],
                          "mun": ["Gral. Escobedo", "Azcapotzal co", "San Pedro"]})
    out = census.match_municipalities(frame, "state", "mun", cat)
    assert out["cvegeo"].tolist()[:2] == ["19021", "09002"]
    assert out["match_status"].tolist() == ["abbreviation", "spacing", "unmatched_municipality"]
