"""evaluations.spatial.border: distances to the U.S.–Mexico line and to ports of entry.

Reference values
----------------
City-centre coordinates are the ones given in each city's Wikipedia infobox (degrees–minutes–seconds
converted to decimal degrees):
  Tijuana 32°31′30″N 117°02′00″W · Ciudad Juárez 31°44′42″N 106°29′06″W ·
  Monterrey 25°40′17″N 100°18′31″W · Mexico City 19°25′57″N 99°07′59″W.
Tijuana and Ciudad Juárez are twin cities of San Diego and El Paso: their centres lie within a few km of the
line.  For Monterrey and Mexico City the reference is an independent computation with a peer library:
pyproj's geodesic (Karney's algorithm on the WGS84 ellipsoid) from the city to a 0.005°-densified copy of the
border line — no projection involved — against which our EPSG:6372 planar distance must agree within 1 %.
Those straight-line distances (~145 km and ~730 km, to the Río Bravo near Ciudad Mier/Roma and near
Reynosa/Matamoros) are shorter than the road distances usually quoted (Monterrey–Nuevo Laredo ≈ 220 km on
federal highway 85; Mexico City–Nuevo Laredo ≈ 1,150 km), which is why the looser bounds below are wide
around the straight-line value, not around the road figures.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Geod

from evaluations.spatial import border as bd
from evaluations.spatial import geometry as geo


def dms(d, m, s, neg=False):
    v = d + m / 60 + s / 3600
    return -v if neg else v


CITIES = {
    "Tijuana": (dms(117, 2, 0, True), dms(32, 31, 30)),
    "Ciudad Juárez": (dms(106, 29, 6, True), dms(31, 44, 42)),
    "Monterrey": (dms(100, 18, 31, True), dms(25, 40, 17)),
    "Mexico City": (dms(99, 7, 59, True), dms(19, 25, 57)),
}

GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def border_vertices():
    line = bd.load_border_line().geometry.iloc[0]
    dense = shapely.segmentize(line, 0.005)  # ≤ ~550 m between vertices → error ≤ ~0.3 km
    xy = np.asarray(dense.coords)
    return xy[:, 0], xy[:, 1]


def geodesic_km_to_border(lon, lat, border_vertices):
    lons, lats = border_vertices
    _, _, d = GEOD.inv(np.full(lons.shape, lon), np.full(lats.shape, lat), lons, lats)
    return d.min() / 1000.0


@pytest.fixture(scope="module")
def city_distances():
    names = list(CITIES)
    pts = bd.points_from_lonlat([CITIES[n][0] for n in names], [CITIES[n][1] for n in names], name=names)
    d = bd.distance_to_border_km(pts)
    ports = bd.distance_to_nearest_port_km(pts)
    return pts.assign(dist_border_km=d.values).join(ports).set_index("name")


def test_border_data_is_in_the_repository():
    assert bd.BORDER_PATH.exists() and bd.PORTS_PATH.exists()
    assert "shared" not in str(bd.BORDER_PATH) and "shared" not in str(bd.PORTS_PATH)
    line = geo.to_projected(bd.load_border_line()).geometry.iloc[0]
    # SOURCE.md: 3,132 km in EPSG:6372 for the simplified line
    assert line.length / 1000 == pytest.approx(3132, abs=5)


def test_twin_cities_are_on_the_border(city_distances):
    assert city_distances.loc["Tijuana", "dist_border_km"] < 5
    assert city_distances.loc["Ciudad Juárez", "dist_border_km"] < 5


@pytest.mark.parametrize("city,low,high", [("Monterrey", 120, 180), ("Mexico City", 650, 800)])
def test_interior_cities_match_geodesic_reference(city, low, high, city_distances, border_vertices):
    ours = city_distances.loc[city, "dist_border_km"]
    ref = geodesic_km_to_border(*CITIES[city], border_vertices)
    assert ours == pytest.approx(ref, rel=0.01)
    assert low < ours < high


def test_nearest_ports(city_distances):
    tj = city_distances.loc["Tijuana"]
    assert tj["nearest_port_name"] == "San Ysidro"
    cj = city_distances.loc["Ciudad Juárez"]
    assert cj["nearest_port_name"] == "El Paso"
    ports = bd.load_ports_of_entry().set_index("port_name")
    for city, port in (("Tijuana", "San Ysidro"), ("Ciudad Juárez", "El Paso")):
        p = ports.loc[port]
        _, _, d = GEOD.inv(CITIES[city][0], CITIES[city][1], p["longitude"], p["latitude"])
        assert city_distances.loc[city, "dist_port_km"] == pytest.approx(d / 1000, rel=0.01)


def test_ports_table():
    ports = bd.load_ports_of_entry()
    assert len(ports) == 28  # 30 codes minus the two stray BTS rows without coordinates
    assert ports["port_code"].str.fullmatch(r"\d{4}").all()
    assert ports["nearest_mx_mun_cvegeo"].str.fullmatch(r"\d{5}").all()


@pytest.fixture(scope="module")
def table():
    mun = geo.load_municipalities()
    return bd.border_distances(mun).merge(mun[["CVEGEO", "NOMGEO"]], on="CVEGEO").set_index("CVEGEO")


def test_municipal_border_table(table):
    assert len(table) == 2469
    # twin cities of U.S. ports touch the line; Mexico City's Cuauhtémoc and Mérida are far
    for code in ("02004", "08037", "28027", "26043", "28032", "28022", "05025"):
        assert table.loc[code, "border_municipality"], code
        assert table.loc[code, "border_band"] == "0–25 km"
    assert table.loc["09015", "dist_border_km"] > 650
    assert table.loc["09015", "border_band"] == "700+ km"
    # Mérida: ~950 km to Brownsville–Matamoros in a straight line, and farther than Mexico City
    assert table.loc["31050", "dist_border_km"] > max(850, table.loc["09015", "dist_border_km"])
    # INEGI counts 38 municipalities on the northern border; polygon simplification and the offshore ends of
    # the line make one or two coastal neighbours touch it too.
    assert 36 <= table["border_municipality"].sum() <= 41
    assert (table["dist_border_km"] <= table["dist_border_centroid_km"] + 1e-9).all()
    assert table["border_band"].notna().all()


def test_port_municipalities_are_border_municipalities(table):
    # peer check: the port table's nearest municipality was computed independently (sjoin_nearest)
    ports = bd.load_ports_of_entry()
    assert table.loc[ports["nearest_mx_mun_cvegeo"], "border_municipality"].all()
    # and the port's own municipality is (nearly always) the nearest port for its centroid
    same = [table.loc[c, "nearest_port_code"] in set(ports.loc[ports.nearest_mx_mun_cvegeo == c, "port_code"])
            for c in ports["nearest_mx_mun_cvegeo"].unique()]
    assert np.mean(same) >= 0.8


def test_distance_bands_labels():
    import pandas as pd

    b = bd.distance_bands(pd.Series([0.0, 24.9, 25.0, 150.0, 2000.0]))
    assert b.tolist() == ["0–25 km", "0–25 km", "25–100 km", "100–300 km", "700+ km"]
    assert list(b.cat.categories) == ["0–25 km", "25–100 km", "100–300 km", "300–700 km", "700+ km"]
