"""evaluations.spatial.geometry: loading, codes, post-2020 municipalities, projection."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from evaluations.spatial import geometry as geo


@pytest.fixture(scope="module")
def mun():
    return geo.load_municipalities()


def test_municipal_layer_has_2469_valid_polygons_with_string_codes(mun):
    assert len(mun) == 2469
    assert mun.crs.to_epsg() == 4326
    assert mun["CVEGEO"].str.fullmatch(r"\d{5}").all()
    assert mun["CVEGEO"].is_unique
    assert (mun["CVEGEO"] == mun["CVE_ENT"] + mun["CVE_MUN"]).all()
    assert mun.geometry.is_valid.all()  # the 6 self-touching polygons were repaired
    assert set(mun.geom_type) <= {"Polygon", "MultiPolygon"}
    assert mun["CVE_ENT"].nunique() == 32


def test_states_layer(mun):
    st = geo.load_states()
    assert len(st) == 32
    assert sorted(st["CVE_ENT"]) == sorted(mun["CVE_ENT"].unique())


def test_projected_area_matches_national_territory(mun):
    # INEGI: continental + insular surface of Mexico = 1,964,375 km² (1,959,248 continental + 5,127 insular).
    # The polygons are simplified (quantised topojson) and EPSG:6372 is conformal, so allow 2 %.
    total = geo.areas_km2(mun).sum()
    assert total == pytest.approx(1_964_375, rel=0.02)
    # and the projected layer is in metres, not degrees
    assert geo.to_projected(mun).crs.axis_info[0].unit_name == "metre"


def test_wkb_round_trip_and_reader(mun):
    sub = mun.iloc[:50]
    for as_hex in (False, True):
        df = geo.polygons_to_wkb(sub, hex=as_hex)
        assert not hasattr(df, "geometry") or df["geometry"].dtype == object
        back = geo.read_polygons(df)
        assert back.crs.to_epsg() == 4326
        assert shapely.equals_exact(back.geometry.values, sub.geometry.values, tolerance=1e-9).all()
        assert (back["CVEGEO"].values == sub["CVEGEO"].values).all()
    # bytearray / memoryview, as DuckDB returns BLOBs
    df = geo.polygons_to_wkb(sub.iloc[:3])
    df["geometry"] = [memoryview(b) for b in df["geometry"]]
    assert len(geo.polygons_from_wkb(df)) == 3


def test_normalise_codes():
    out = geo.normalise_cvegeo(pd.Series([1001, "2004", 9015.0, None]))
    assert out.tolist()[:3] == ["01001", "02004", "09015"]
    assert pd.isna(out.iloc[3])
    assert geo.normalise_cve_ent([1, "9", 32]).tolist() == ["01", "09", "32"]


def test_post_2020_table_is_consistent_with_polygons(mun):
    codes = set(mun["CVEGEO"])
    for code, m in geo.POST_2020_MUNICIPALITIES.items():
        assert code not in codes, f"{m.name} should have no polygon"
        assert m.parent_cvegeo in codes
        assert code[:2] == m.parent_cvegeo[:2], "a new municipality stays in its parent's state"
        assert mun.loc[mun["CVEGEO"] == m.parent_cvegeo, "NOMGEO"].iloc[0] == m.parent_name


def test_fold_new_municipalities_sums_into_parent():
    df = pd.DataFrame(
        {
            "CVEGEO": ["02002", "02007", "02002", "02007", "12012", "12083", "01001"],
            "year": [2022, 2022, 2023, 2023, 2023, 2023, 2023],
            "homicides": [100, 7, 90, 5, 10, 3, 50],
            "population": [1_000_000, 20_000, 1_010_000, 21_000, 60_000, 11_000, 950_000],
        }
    )
    out = geo.fold_new_municipalities(df, by=["year"]).set_index(["CVEGEO", "year"])
    # hand sums: Mexicali + San Felipe; Ayutla + Ñuu Savi; Aguascalientes untouched
    assert out.loc[("02002", 2022), "homicides"] == 107
    assert out.loc[("02002", 2023), "population"] == 1_031_000
    assert out.loc[("12012", 2023), "homicides"] == 13
    assert out.loc[("01001", 2023), "homicides"] == 50
    assert "02007" not in out.index.get_level_values(0)
    assert out["homicides"].sum() == df["homicides"].sum()  # nothing lost


def test_fold_by_name_when_code_missing():
    # the third-party SESNSP 2024–25 file has names, no codes
    df = pd.DataFrame(
        {
            "CVEGEO": ["25006", None, None],
            "CVE_ENT": ["25", "25", "24"],
            "municipio": ["Culiacán", "ELDORADO", "Villa de Pozos"],
            "n": [30, 4, 2],
        }
    )
    out = geo.fold_new_municipalities(df, names_col="municipio", value_cols=["n"]).set_index("CVEGEO")
    assert out.loc["25006", "n"] == 34
    assert out.loc["24028", "n"] == 2


def test_dissolve_to_states(mun):
    m = mun.assign(one=1)
    st = geo.dissolve_to_states(m, values=["one"])
    assert len(st) == 32
    assert st["one"].sum() == 2469
    assert np.isclose(geo.areas_km2(st).sum(), geo.areas_km2(mun).sum(), rtol=1e-3)
