"""National Guard deployment: the transparency-request workbook, the long republished
file, and the Coahuila March 2021 outlier flag."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipelines.sources import guardia
from pipelines.sources.base import SourceFormatError

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def xlsx() -> pd.DataFrame:
    return guardia.parse_deployment_xlsx(DATA / guardia.SPECS[0].files[0])


def test_national_totals_match_source_md(xlsx):
    national = xlsx.groupby("period_month")["personnel_assigned"].sum()
    assert (national.loc["2019-07-01":"2019-11-01"] == 56_191).all()
    assert national["2019-12-01"] == 74_437
    assert (national.loc["2021-05-01":"2021-07-01"] == 99_946).all()
    assert 95_000 < national["2020-07-01"] < 97_000  # "~96,000 (Jul 2020)"
    assert len(xlsx) == 32 * 25 and xlsx["cve_ent"].str.fullmatch(r"\d{2}").all()


def test_coahuila_march_2021_is_flagged_not_fixed(xlsx):
    flagged = xlsx[xlsx["suspected_transcription_error"]]
    assert len(flagged) == 1
    row = flagged.iloc[0]
    assert (row["cve_ent"], row["period_month"], row["personnel_assigned"]) == ("05", "2021-03-01", 12_224)
    neighbours = xlsx[(xlsx["cve_ent"] == "05") & xlsx["period_month"].isin(["2021-02-01", "2021-04-01"])]
    assert neighbours["personnel_assigned"].between(2_000, 2_400).all()


def test_workbook_and_long_file_agree_cell_by_cell(xlsx):
    long = guardia.parse_deployment_csv(DATA / guardia.SPECS[1].files[0])
    merged = xlsx.merge(long, on=["year", "month", "cve_ent"], how="outer", indicator=True)
    assert (merged["_merge"] == "both").all() and len(merged) == 800
    assert (merged["personnel_assigned_x"] == merged["personnel_assigned_y"]).all()
    assert long["migrants_detained"].sum() > 0


def test_not_a_workbook_is_rejected(tmp_path):
    (tmp_path / "GN_base.xlsx").write_text("estado,jul\n", encoding="utf-8")
    with pytest.raises(SourceFormatError, match="xlsx"):
        guardia.parse_deployment_xlsx(tmp_path / "GN_base.xlsx")


def test_latin1_long_file_is_rejected(tmp_path):
    text = (DATA / guardia.SPECS[1].files[0]).read_text(encoding="utf-8") + "2021,jul,querétaro,22,1,1\n"
    (tmp_path / "g.csv").write_bytes(text.encode("latin-1"))
    with pytest.raises(SourceFormatError, match="UTF-8"):
        guardia.parse_deployment_csv(tmp_path / "g.csv")
