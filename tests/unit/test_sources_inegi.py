"""INEGI OLAP homicide exports: parse every real file, check the export's arithmetic and
compare annual totals with the Gargiulo et al. series built from INEGI microdata."""
from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pandas as pd
import pytest

from pipelines.sources import inegi
from pipelines.sources.base import SourceFormatError

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def homicides() -> pd.DataFrame:
    spec = inegi.SPECS[0]
    return pd.concat([spec.parse(DATA / f) for f in spec.files], ignore_index=True)


def _national_row_total(path: Path) -> int:
    """The export's own national 'Total' cell, read with the csv module only."""
    with open(path, encoding="latin-1", newline="") as handle:
        for row in csv.reader(handle):
            if len(row) > 2 and row[1] == "Total" and row[0].strip() == "":
                return int(row[2].replace(",", ""))
    raise AssertionError("no national row")


def test_every_year_parses_with_text_codes(homicides):
    assert sorted(homicides["year_registration"].unique()) == list(range(1990, 2016))
    assert homicides["cvegeo"].str.fullmatch(r"\d{5}").all()
    assert homicides["cve_ent"].str.fullmatch(r"\d{2}").all()
    assert not homicides.duplicated(list(inegi.SPECS[0].key)).any()
    # Aguascalientes (01001) keeps its leading zero
    assert "01001" in set(homicides["cvegeo"])
    # SOURCE.md: 1,456 municipality rows in 1990 and 1,559 in 2015 (ours include EE999 and abroad rows)
    rows = homicides[homicides["month_registration"] == 1].groupby("year_registration").size()
    assert 1456 <= rows[1990] <= 1456 + 40
    assert 1559 <= rows[2015] <= 1559 + 40


def test_annual_totals_equal_the_exports_national_row(homicides):
    totals = homicides.groupby("year_registration")["homicides"].sum()
    for year in (1990, 2000, 2010, 2015):
        assert totals[year] == _national_row_total(DATA / inegi.FOLDER / f"{year}.csv")
    # figures printed in the 2015 export: national 20,762; January 1,500; December 1,957
    assert totals[2015] == 20762
    y15 = homicides[homicides["year_registration"] == 2015].groupby("month_registration")["homicides"].sum()
    assert (y15[1], y15[12]) == (1500, 1957)


def test_agrees_with_gargiulo_on_annual_totals(homicides):
    """Same death certificates, different time axis (registration vs occurrence) and Gargiulo
    drops deaths abroad / unknown place: annual totals agree within 3 %, 2000–2015 within 1 %."""
    path = DATA / "homicides/gargiulo/mexico-muni-month-homicide-rates-2000-2021.csv.gz"
    gargiulo: dict[int, float] = {}
    with gzip.open(path, "rt") as handle:
        for row in csv.DictReader(handle, delimiter="|"):
            year = int(row["year"])
            if year <= 2015:
                gargiulo[year] = gargiulo.get(year, 0.0) + float(row["homicides"])
    ours = homicides[homicides["area_type"] != "abroad"].groupby("year_registration")["homicides"].sum()
    for year in range(2000, 2016):
        assert abs(ours[year] - gargiulo[year]) / gargiulo[year] < 0.03, year
    assert abs(ours.loc[2000:2015].sum() - sum(gargiulo.values())) / sum(gargiulo.values()) < 0.01


def test_a_changed_count_breaks_the_subtotals(tmp_path):
    src = (DATA / inegi.FOLDER / "2015.csv").read_bytes()
    broken = src.replace(b'" 01 002 ","Asientos","1"', b'" 01 002 ","Asientos","2"', 1)
    assert broken != src
    (tmp_path / "2015.csv").write_bytes(broken)
    with pytest.raises(SourceFormatError, match="row total|subtotal"):
        inegi.parse_homicides(tmp_path / "2015.csv")


def test_utf8_reencoded_file_is_rejected(tmp_path):
    text = (DATA / inegi.FOLDER / "2015.csv").read_bytes().decode("latin-1")
    (tmp_path / "2015.csv").write_bytes(text.encode("utf-8"))
    with pytest.raises(SourceFormatError, match="latin-1"):
        inegi.parse_homicides(tmp_path / "2015.csv")
