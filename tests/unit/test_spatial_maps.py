"""evaluations.spatial.maps: classification, rates/changes, static PNG and offline HTML."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import warnings
from html.parser import HTMLParser
from pathlib import Path

import geopandas as gpd
import mapclassify as mc
import numpy as np
import pandas as pd
import pytest
from matplotlib import colormaps
from matplotlib.colors import to_hex
from PIL import Image

from evaluations.spatial import geometry as geo
from evaluations.spatial import maps

EVIL = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def mun():
    return geo.load_municipalities()


@pytest.fixture(scope="module")
def states():
    return geo.load_states()


# ---------------------------------------------------------------- helpers
def _ramp(name: str, positions) -> list[str]:
    """Colours of a matplotlib colour map (the reference palette) at hand-computed positions."""
    return [to_hex(colormaps[name](t)) for t in positions]


def test_rate_per_100k_by_hand():
    r = maps.rate_per_100k(pd.Series([5, 0, 3, 7]), pd.Series([50_000, 1_000, 0, np.nan]))
    assert r.iloc[0] == pytest.approx(10.0)  # 5 / 50,000 × 100,000
    assert r.iloc[1] == 0.0
    assert np.isnan(r.iloc[2]) and np.isnan(r.iloc[3])


def test_fisher_jenks_gives_an_extreme_value_its_own_class():
    rng = np.random.default_rng(0)
    y = np.concatenate([rng.uniform(0, 50, 300), [900.0]])
    fj = maps.classify(y, scheme="fisher_jenks", k=5)
    # the breaks and classes are mapclassify's Fisher–Jenks (exact for ≤ 600 distinct values)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = mc.FisherJenks(y, k=5)
    np.testing.assert_allclose(fj.bins, reference.bins)
    np.testing.assert_array_equal(fj.classes, reference.yb)
    top = fj.classes == fj.classes.max()
    assert top.sum() == 1 and y[top][0] == 900.0
    assert fj.labels[-1] == "900"
    q = maps.classify(y, scheme="quantiles", k=5)
    np.testing.assert_array_equal(q.classes, mc.Quantiles(y, k=5).yb)
    # quantiles absorb it into the top fifth: the 80th percentile of 301 values is the 241st smallest (position
    # 0.8 × 300 = 240), so 60 values lie above it; the legend's top range still ends at the maximum
    assert (q.classes == q.classes.max()).sum() == 60
    assert q.labels[-1].endswith("– 900")
    for cl in (fj, q):
        assert len(cl.labels) == len(cl.colours) == cl.classes.max() + 1 == 5
        # every observation lies inside the closed range of its class; the bins are the class maxima
        for i in range(5):
            assert y[cl.classes == i].max() == cl.bins[i]
        # sequential ramp: YlOrRd from 0.12 to 0.97 in equal steps
        assert cl.colours == _ramp("YlOrRd", [0.12, 0.3325, 0.545, 0.7575, 0.97])


def test_separated_clusters_give_one_class_each_with_closed_range_labels():
    y = np.array([2, 1, 21, 20, 300, 310, 5000, 90000, np.nan, 1, 20])
    cl = maps.classify(y, k=5)
    assert cl.classes.tolist() == [0, 0, 1, 1, 2, 2, 3, 4, -1, 0, 1]
    assert cl.bins.tolist() == [2, 21, 310, 5000, 90000]
    # two decimals below 10, one below 100, none from 100, thousands separators from 1,000
    assert cl.labels == ["1.00 – 2.00", "20.0 – 21.0", "300 – 310", "5,000", "90,000"]


def test_diverging_classes_break_at_zero_by_hand():
    y = np.array([-30, -10, -5, -1, 0, 2, 4, 8, 20, 50], dtype=float)
    cl = maps.classify(y, scheme="diverging", k=6)
    # k=6 → 3 classes a side.  Decreases [-30,-10,-5,-1]: terciles at positions 1 and 2 (linear) = -10, -5,
    # then a break just below 0; zero is its own class; increases [2,4,8,20,50]: terciles at positions 4/3 and
    # 8/3 = 4 + (8-4)/3 = 5.33 and 8 + (20-8)*2/3 = 16; the top class ends at the maximum.  Upper bounds
    # (-10, -5, -0, 0, 5.33, 16, 50] put the values in these classes (each bound closes its class):
    assert cl.classes.tolist() == [0, 0, 1, 2, 3, 4, 4, 5, 6, 6]
    assert cl.bins.tolist() == [-10, -5, -1, 0, 4, 8, 50]  # observed maximum of each class
    assert cl.labels == ["-30.0 – -10.0", "-5.00", "-1.00", "0.00", "2.00 – 4.00", "8.00", "20.0 – 50.0"]
    # RdBu_r, centred: 3 classes below 0 and 3 above, one step = 1/3 of a half; position 0.06 + 0.88·t
    t = [0.0, 1 / 6, 1 / 3, 0.5, 2 / 3, 5 / 6, 1.0]
    assert cl.colours == _ramp("RdBu_r", [0.06 + 0.88 * x for x in t])


def test_map_style_keywords_win_and_unknown_ones_are_refused(tmp_path, states):
    style = maps.MapStyle(title="A", source="S", date="D", legend_title="L")
    df = states.assign(v=np.arange(32, dtype=float))
    out = maps.choropleth_png(df, "v", tmp_path / "a", style=style, title="B")
    assert _png_text(out.png)["Title"] == "B" and out.legend_title == "L" and out.source == "S"
    with pytest.raises(TypeError, match="legend_titel"):
        maps.choropleth_png(df, "v", tmp_path / "b", style=style, legend_titel="x")
    with pytest.raises(TypeError, match="title"):
        maps.choropleth_png(df, "v", tmp_path / "c", source="S", date="D")
    with pytest.raises(dataclasses.FrozenInstanceError):
        style.title = "C"  # type: ignore[misc]


# ---------------------------------------------------------------- PNG
def _png_text(path: Path) -> dict:
    with Image.open(path) as im:
        im.load()
        assert im.format == "PNG"
        assert im.size[0] > 800 and im.size[1] > 600
        return dict(im.text)


def _png_colours(path: Path) -> set[str]:
    with Image.open(path) as im:
        return {"#%02x%02x%02x" % rgb[:3] for _, rgb in im.convert("RGB").getcolors(maxcolors=1 << 24)}


def test_municipal_png_has_title_legend_source_and_date(tmp_path, mun, states):
    clusters = [1, 2, 20, 21, 300, 310, 5000, 90000]
    data = pd.DataFrame({"CVEGEO": mun["CVEGEO"], "rate": [clusters[i % 8] for i in range(len(mun))]})
    data = data.iloc[5:]  # five municipalities without data
    # user breaks: classes (-inf, 2], (2, 21], (21, 310], (310, 5000], and (5000, max] added by mapclassify
    out = maps.municipal_choropleth(
        data, "rate", tmp_path / "mun_rate", title="Homicide rate, 2021", source="INEGI (test data)",
        date="2021", legend_title="per 100,000", municipalities=mun, states=states, formats=("png",),
        scheme="user", bins=[2, 21, 310, 5000],
    )
    assert out.png.exists() and out.html is None
    meta = _png_text(out.png)
    assert meta["Title"] == "Homicide rate, 2021"
    assert meta["Source"] == "INEGI (test data)" and meta["Creation Time"] == "2021"
    labels = ["1.00 – 2.00", "20.0 – 21.0", "300 – 310", "5,000", "90,000"]
    assert meta["Description"] == "Legend: per 100,000: " + "; ".join(labels)
    assert out.legend_labels == labels + ["No data"] and out.n_missing == 5
    # the classes and the no-data grey are painted (legend patches and polygons)
    colours = _ramp("YlOrRd", [0.12, 0.3325, 0.545, 0.7575, 0.97])
    assert out.classification.colours == colours
    assert set(colours) | {"#d9d9d9"} <= _png_colours(out.png)


def test_state_change_map(tmp_path, states):
    df = pd.DataFrame({"CVE_ENT": states["CVE_ENT"], "change": np.linspace(-40, 60, 32)})
    out = maps.change_map(df, tmp_path / "state_change", title="Change in homicide rate", source="test",
                          date="2019→2023", level="state", legend_title="Δ per 100k", states=states)
    meta = _png_text(out.png)
    assert "Change in homicide rate" == meta["Title"]
    assert out.html.exists()
    # diverging by default: classes never mix decreases and increases; ranges run from the minimum to the maximum
    assert out.classification.scheme == "diverging"
    values = df["change"].to_numpy()
    assert not set(out.classification.classes[values < 0]) & set(out.classification.classes[values > 0])
    assert out.legend_labels[0].startswith("-40.0 – ") and out.legend_labels[-1].endswith(" – 60.0")
    assert out.legend_title == "Δ per 100k"


# ---------------------------------------------------------------- HTML
class _FetchFinder(HTMLParser):
    """Collects every attribute the browser would fetch (src, href, srcset, data, poster, CSS url())."""

    def __init__(self):
        super().__init__()
        self.fetches: list[str] = []
        self.scripts_with_src: list[str] = []

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k in ("src", "href", "srcset", "data", "poster", "action") and v:
                self.fetches.append(v)
            if tag == "script" and k == "src":
                self.scripts_with_src.append(v or "")


@pytest.fixture(scope="module")
def evil_html(tmp_path_factory, mun):
    # one state's municipalities keep the file small; one name is a script-injection attempt
    sub = mun[mun["CVE_ENT"] == "02"].copy()
    sub.loc[sub.index[0], "NOMGEO"] = EVIL
    sub["rate"] = np.arange(len(sub), dtype=float) * 7.5
    out = maps.choropleth_html(sub, "rate", tmp_path_factory.mktemp("html") / "bc", title="Tasa <b>BC</b>",
                               source="S & P", date="2024-06", legend_title="per 100k")
    return out, out.html.read_text(encoding="utf-8")


def test_html_is_self_contained(evil_html):
    out, text = evil_html
    finder = _FetchFinder()
    finder.feed(text)
    # two local scripts, both written beside the page: the Vega bundle and the simplified geometry
    assert len(finder.scripts_with_src) == 2 and finder.scripts_with_src[0] == "vega-bundle.js"
    assert re.fullmatch(r"geometry-[0-9a-f]{16}\.js", finder.scripts_with_src[1])
    for script in finder.scripts_with_src:
        assert (out.html.parent / script).stat().st_size > 0
    assert not [u for u in finder.fetches if re.match(r"\s*(https?:)?//", u, re.I)]
    assert not re.search(r"<script[^>]+src\s*=\s*[\"']?https?:", text, re.I)
    assert not re.search(r"url\(\s*[\"']?https?:", text, re.I)
    assert "<link" not in text.lower()
    assert len(text) < 20_000    # the page holds its rows only (it was 3 MB with plotly.js inline)


def test_geometry_is_one_topology_whose_shared_borders_are_stored_once(mun):
    """Two squares side by side share one edge: TopoJSON stores it once and the second square references it
    reversed (~index). Hand-made polygons in metres around Mexico City's projected coordinates."""
    from shapely.geometry import box

    from evaluations.spatial.geometry import PROJECTED_CRS
    from evaluations.spatial.maps.interactive import web_topology

    x0, y0 = 2_800_000, 800_000
    squares = gpd.GeoDataFrame({"CVEGEO": ["A", "B"]}, geometry=[box(x0, y0, x0 + 10_000, y0 + 10_000),
                                                                  box(x0 + 10_000, y0, x0 + 20_000, y0 + 10_000)],
                               crs=PROJECTED_CRS).to_crs("EPSG:4326")
    _, topology = web_topology(squares, "CVEGEO", 0)
    a, b = [g["arcs"][0][0] for g in topology["objects"]["units"]["geometries"]]
    assert [g["id"] for g in topology["objects"]["units"]["geometries"]] == ["A", "B"]
    assert len(topology["arcs"]) == 3          # A's outer part, B's outer part, the shared edge (once)
    assert len(set(a) & {~i for i in b}) == 1  # A uses the shared edge one way, B the other
    key, whole = web_topology(mun, "CVEGEO", 2000.0)
    assert len(whole["objects"]["units"]["geometries"]) == len(mun)
    assert len(json.dumps(whole, separators=(",", ":"))) < 700_000   # all municipalities, simplified


def test_html_escapes_names_and_shows_them_on_hover(evil_html):
    out, text = evil_html
    assert EVIL not in text
    assert "<script>alert" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text  # in the page's data attribute, escaped
    assert "Tasa &lt;b&gt;BC&lt;/b&gt;" in text  # title escaped in the page heading
    assert "Tijuana, Baja California" in text  # municipality, state in the hover
    assert "S &amp; P" in text and "2024-06" in text


def _map_page(path: Path) -> tuple[str, dict]:
    """(the page's text, its Vega-Lite specification) of an interactive map page."""
    text = path.read_text(encoding="utf-8")
    spec = re.search(r"data-spec='([^']*)'", text).group(1)
    for escaped, plain in (("&lt;", "<"), ("&gt;", ">"), ("&#39;", "'"), ("&amp;", "&")):
        spec = spec.replace(escaped, plain)
    return text, json.loads(spec)


def test_a_map_page_is_written_in_its_language_and_shares_the_geometry(tmp_path, mun):
    """The same map in English and in Spanish: <html lang>, legend, tooltips ("class" / "clase", "no data" /
    "sin datos") and numbers in each language (1,234.5 in both en-US and es-MX), one geometry file for both."""
    sub = mun[mun["CVE_ENT"] == "02"].copy()
    sub["rate"] = [1234.5] + [np.nan] + [10.25] * (len(sub) - 2)
    common = {"source": "INEGI", "date": "2024", "k": 2}
    en = maps.choropleth_html(sub, "rate", tmp_path / "m", title="Change", legend_title="Change per year", **common)
    es = maps.choropleth_html(sub, "rate", tmp_path / "m.es.html", title="Cambio", legend_title="Cambio al año",
                              lang="es", **common)
    assert (en.html.name, es.html.name) == ("m.html", "m.es.html")
    (en_text, en_spec), (es_text, es_spec) = _map_page(en.html), _map_page(es.html)
    assert '<html lang="en">' in en_text and '<html lang="es">' in es_text
    assert "<title>Cambio</title>" in es_text and "Fuente: INEGI · Periodo: 2024" in es_text
    assert "Source: INEGI · Period: 2024" in en_text
    en_tips = {row["tip"] for row in en_spec["transform"][0]["from"]["data"]["values"]}
    es_tips = {row["tip"] for row in es_spec["transform"][0]["from"]["data"]["values"]}
    first = f"{sub['NOMGEO'].iloc[0]}, {sub['NOM_ENT'].iloc[0]}"
    second = f"{sub['NOMGEO'].iloc[1]}, {sub['NOM_ENT'].iloc[1]}"
    assert f"{first} · Change per year: 1,234.5 · class: 1,234" in en_tips   # a class label: no decimals from 100
    assert f"{first} · Cambio al año: 1,234.5 · clase: 1,234" in es_tips
    assert f"{second} · Change per year: no data · class: No data" in en_tips
    assert f"{second} · Cambio al año: sin datos · clase: Sin datos" in es_tips
    assert es_spec["encoding"]["color"]["legend"]["title"] == "Cambio al año"
    assert "Sin datos" in es_spec["encoding"]["color"]["scale"]["domain"]
    assert "No data" in en_spec["encoding"]["color"]["scale"]["domain"]
    geometry = sorted(p.name for p in tmp_path.glob("geometry-*.js"))
    assert len(geometry) == 1 and f'src="{geometry[0]}"' in en_text and f'src="{geometry[0]}"' in es_text


_INTERIOR_POINTS_JS = """
() => Array.from(document.querySelectorAll('#map path[aria-roledescription="geoshape"]')).map(p => {
  const b = p.getBBox(), m = p.getScreenCTM();
  for (let i = 1; i < 24; i++) for (let j = 1; j < 24; j++) {
    const pt = new DOMPoint(b.x + b.width * i / 24, b.y + b.height * j / 24);
    if (p.isPointInFill(pt)) { const s = pt.matrixTransform(m); return [s.x, s.y]; }
  }
  return null;
}).filter(x => x)
"""


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.browser
def test_html_renders_offline_in_chromium(evil_html):
    sync_api = pytest.importorskip("playwright.sync_api")
    exe = _chromium()
    if exe is None:
        pytest.skip("no Chromium on this machine")
    out, _ = evil_html
    requests, dialogs, errors = [], [], []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=["--no-sandbox"])
        page = browser.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(out.html.resolve().as_uri())
        page.wait_for_selector("#map.drawn", timeout=30_000)
        shapes = page.locator('#map svg path[aria-roledescription="geoshape"]')
        n_paths = shapes.count()
        labels = []
        # hover over a point inside each polygon (found with SVG isPointInFill) and read the tooltip
        for x, y in page.evaluate(_INTERIOR_POINTS_JS):
            page.mouse.move(x, y, steps=2)
            page.wait_for_timeout(150)
            tip = page.locator("#vg-tooltip-element")
            if tip.count() and tip.is_visible():
                labels.append(tip.inner_text())
        browser.close()
    assert [u for u in requests if not u.startswith("file:")] == []
    assert dialogs == [] and errors == []
    assert n_paths == 6  # Baja California's 6 municipalities in the 2020 set (incl. San Quintín)
    assert len(labels) >= 5, labels
    assert any("per 100k" in t for t in labels), labels
    assert any("Tijuana, Baja California" in t for t in labels), labels
    # the hostile name is shown as literal text in the tooltip, and no dialog was opened
    assert any(EVIL in t for t in labels), labels


def test_unmatched_keys_are_reported(tmp_path, states):
    df = pd.DataFrame({"CVE_ENT": list(states["CVE_ENT"][:30]) + ["99"], "v": np.arange(31, dtype=float)})
    with pytest.warns(UserWarning, match="no polygon"):
        out = maps.state_choropleth(df, "v", tmp_path / "s", title="t", source="s", date="d", states=states,
                                    formats=("png",))
    assert out.extra["unmatched_keys"] == ["99"]
    assert out.n_missing == 2  # two states without data, drawn grey
