"""CBP drug seizures: southwest-border fentanyl totals stated in SOURCE.md, fiscal-year
calendar mapping, and no overlap between the two release vintages."""
from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from pipelines.sources import cbp
from pipelines.sources.base import SourceFormatError

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def nationwide() -> pd.DataFrame:
    spec = cbp.SPECS[0]
    return pd.concat([spec.parse(DATA / f) for f in spec.files], ignore_index=True)


def test_southwest_border_fentanyl_pounds_match_source_md(nationwide):
    swb = nationwide[(nationwide["region"] == "Southwest Border") & (nationwide["drug_type"] == "Fentanyl")]
    lbs = swb.groupby("fiscal_year")["quantity_lbs"].sum().round()
    assert lbs[2019] == 2633 and lbs[2021] == 10586 and lbs[2023] == 26718
    assert lbs[2024] == 21148 and lbs[2025] == 11488 and lbs[2026] == 3354
    fy26 = nationwide[nationwide["fiscal_year"] == 2026]
    assert fy26["fiscal_year_to_date"].all()
    assert set(fy26["period_month"]) == {"2025-10-01", "2025-11-01", "2025-12-01"}


def test_rows_and_totals_equal_an_independent_read(nationwide):
    assert len(nationwide) == 10_092 + 7_895
    events = 0
    for name in ("nationwide-drugs-fy19-fy22.csv", "nationwide-drugs-fy23-fy26-dec.csv"):
        with open(DATA / cbp.FOLDER / name, encoding="utf-8", newline="") as handle:
            events += sum(int(r["Count of Event"]) for r in csv.DictReader(handle))
    assert nationwide["seizure_events"].sum() == events
    # the two vintages do not overlap in fiscal years
    years = nationwide.groupby("release_file")["fiscal_year"].agg(["min", "max"])
    assert years.loc["nationwide-drugs-fy19-fy22.csv", "max"] < years.loc["nationwide-drugs-fy23-fy26-dec.csv", "min"]
    assert not nationwide.duplicated(list(cbp.KEY)).any()
    # October of FY2023 is calendar October 2022
    oct23 = nationwide[(nationwide["fiscal_year"] == 2023) & (nationwide["month"] == 10)]
    assert (oct23["calendar_year"] == 2022).all()


def test_amo_files_parse():
    spec = cbp.SPECS[1]
    amo = pd.concat([spec.parse(DATA / f) for f in spec.files], ignore_index=True)
    assert len(amo) == 1_772 + 1_292
    assert set(amo["component"]) == {"Air and Marine Operations"}


def test_renamed_column_is_reported(tmp_path):
    src = (DATA / cbp.FOLDER / "amo-drug-seizures-fy23-fy26-dec.csv").read_text(encoding="utf-8")
    (tmp_path / "amo.csv").write_text(src.replace("Sum Qty (lbs)", "Qty", 1), encoding="utf-8")
    with pytest.raises(SourceFormatError, match="Sum Qty"):
        cbp.parse_amo(tmp_path / "amo.csv")
