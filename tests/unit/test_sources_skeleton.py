"""Parsers of the skeleton's sources, against independent counts and the SOURCE.md figures."""
from __future__ import annotations

import gzip
import json

import pytest

from pipelines.sources import SourceFormatError, source_by_name
from tests.conftest import DATA_DIR


def test_gargiulo_parses_every_line_with_text_codes():
    path = DATA_DIR / "homicides/gargiulo/mexico-muni-month-homicide-rates-2000-2021.csv.gz"
    frame = source_by_name("gargiulo_homicides").parse(path)
    with gzip.open(path, "rt") as handle:
        lines = handle.read().splitlines()
    assert len(frame) == len(lines) - 1 == 651_288
    assert frame["cvegeo"].str.len().eq(5).all() and frame["cvegeo"].iloc[0] == "01001"
    # SOURCE.md: 2,467 municipalities × 264 months; 2019 = 35,188 homicides.
    assert frame["cvegeo"].nunique() == 2467
    assert frame.loc[frame.year == 2019, "homicides"].sum() == 35_188
    assert frame["source_line"].iloc[-1] == len(lines)


def test_conapo_unpivots_years(tmp_path):
    frame = source_by_name("conapo_population").parse(DATA_DIR / "population/conapo/poblacion.csv")
    assert frame["cvegeo"].nunique() == 2475  # SOURCE.md: 2,475 municipal codes
    assert frame["year"].min() == 1990 and frame["year"].max() == 2040
    # The first data line of the file: Aguascalientes 1990 = 499,839.
    assert frame.query("cvegeo == '01001' and year == 1990")["population"].item() == 499_839


def test_geography_keeps_every_feature():
    path = DATA_DIR / "geo/mx_mapas/municipios_mxmaps.geojson"
    frame = source_by_name("municipalities").parse(path)
    assert len(frame) == len(json.loads(path.read_text())["features"]) == 2469


def test_program_contract_matches_the_published_yaml():
    """Each contract row's date stands in the published YAML under the operation its source cites.

    The published file is not valid YAML ("Phase II = 2007-05-01" lines), so it is read as text.
    """
    import re

    frame = source_by_name("program_rollouts").parse(DATA_DIR / "programs/joint_operations_2006_2008.csv")
    text = (DATA_DIR / "programs/operativos_conjuntos_2006_2008/military-operations.yaml").read_text(encoding="utf-8-sig")
    blocks = dict(re.findall(r"^(\S[^:\n]*):\n((?:[ #].*\n?)*)", text, flags=re.M))
    for row in frame.itertuples():
        key = re.search(r"yaml (\S+(?: Leon)?)", row.source).group(1)
        assert str(row.start_date) in blocks[key], (key, row.start_date)
    first = frame.groupby("unit_code")["start_date"].min().astype(str).to_dict()
    assert first["16"] == "2006-12-11" and first["08"] == "2007-01-22" and first["26"] == "2008-03-07"
    assert len(first) == 10  # Michoacán, BC, Guerrero, Sinaloa, Durango, Chihuahua, Tamaulipas, NL, Veracruz, Sonora


@pytest.mark.parametrize(
    "content, column, line",
    [
        ("unit_type,unit_code,program,event,start_date,end_date,intensity,source\nstate,1,p,e,2007-01-01,,,s\n", "unit_code", 2),
        ("unit_type,unit_code,program,event,start_date,end_date,intensity,source\nstate,01,p,e,2007-13-01,,,s\n", "start_date", 2),
        ("unit_type,unit_code,program,event,start_date,end_date,intensity,source\nstate,01,p,e,2007-01-01,,-3,s\n", "intensity", 2),
        ("unit_type,unit_code,program,event,start_date,end_date,intensity,source\nregion,01,p,e,2007-01-01,,,s\n", "unit_type", 2),
        ("unit_type,unit_code,program,start_date\nstate,01,p,2007-01-01\n", "event", 1),
    ],
)
def test_program_contract_errors_name_line_and_column(tmp_path, content, column, line):
    path = tmp_path / "rollout.csv"
    path.write_text(content)
    with pytest.raises(SourceFormatError) as error:
        source_by_name("program_rollouts").parse(path)
    assert (error.value.line, error.value.column) == (line, column)
    assert str(error.value).startswith(f"rollout.csv, line {line}, column '{column}'")


def test_gargiulo_negative_count_is_refused(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("ent_mun|year|month|homicides|pop_est|homicide_rate\n01001|2000|1|3|10|1\n01001|2000|2|-1|10|1\n")
    with pytest.raises(SourceFormatError, match=r"bad.csv, line 3, column 'homicides': expected a non-negative count"):
        source_by_name("gargiulo_homicides").parse(path)
