"""Page weight budget (issue #18): a goal page with every local resource it loads weighs at most 3 MB, and so does
each interactive map page it links. Rendered from the session pipeline's results.

A page's weight is the page plus every file it references as a resource (stylesheets, scripts, images, those in
<noscript> included, so the figure is counted whether or not JavaScript runs), plus the Vega bundle that site.js
loads on pages with charts. Links a reader follows (<a href>: other pages, CSV downloads) are not part of it."""
from __future__ import annotations

import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import pytest

from pipelines.settings import SITE_SOURCE_DIR
from pipelines.site.build import publish
from pipelines.site.results import SiteInputs

pytestmark = pytest.mark.integration

BUDGET = 3_000_000


class _Resources(HTMLParser):
    """src/href of the resources a page loads; the interactive map links; whether it has charts."""

    def __init__(self):
        super().__init__()
        self.resources: list[str] = []
        self.maps: list[str] = []
        self.charts = False
        self._noscript = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("img", "script", "source", "video", "audio", "iframe", "embed") and a.get("src"):
            self.resources.append(a["src"])
        if tag == "link" and a.get("href") and "stylesheet" in (a.get("rel") or ""):
            self.resources.append(a["href"])
        if tag == "a" and "interactive-map" in (a.get("class") or ""):
            self.maps.append(a["href"])
        if tag == "figure" and "chart" in (a.get("class") or "").split():
            self.charts = True

    def handle_data(self, data):        # <noscript> content is text to a parser that runs scripts
        if self.lasttag == "noscript" and "<img" in data:
            inner = _Resources()
            inner.feed(data)
            self.resources += inner.resources


def weight(page: Path) -> tuple[int, dict[str, int], list[Path]]:
    """(bytes, {resource: bytes}, linked map pages) of one page."""
    parser = _Resources()
    parser.feed(page.read_text(encoding="utf-8"))
    local = [r for r in parser.resources if not urlsplit(r).scheme and not r.startswith("//")]
    if parser.charts:
        local.append("assets/vega-bundle.js")
    sizes = {}
    for ref in dict.fromkeys(local):
        path = (page.parent / urlsplit(ref).path).resolve()
        assert path.is_file(), f"{page.name} references {ref}, which is missing"
        sizes[ref] = path.stat().st_size
    return page.stat().st_size + sum(sizes.values()), sizes, [page.parent / m for m in parser.maps]


@pytest.fixture(scope="module")
def site(pipeline_build, tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("weight-site")
    results = base / "results"
    shutil.copytree(pipeline_build / "results", results)
    with duckdb.connect(str(pipeline_build / "warehouse.duckdb"), read_only=True) as con:
        landing = con.execute("select * from raw._landing_files order by table_name, file").df().to_dict("records")
    return publish(SITE_SOURCE_DIR, base / "site", SiteInputs(results, landing, {"commit": "1234567"}), "dev").path


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_goal_page_and_map_page_with_what_it_loads_is_within_3_mb(site, lang):
    for page in sorted((site / lang).glob("goal-*.html")):
        total, parts, maps = weight(page)
        assert total <= BUDGET, f"{page.name}: {total:,} bytes; largest parts: {sorted(parts.items(), key=lambda p: -p[1])[:5]}"
        if page.name == "goal-1.html":
            assert "assets/vega-bundle.js" in parts and maps, "goal I has charts and a map"
        for map_page in maps:
            map_total, map_parts, _ = weight(map_page)
            assert any(name.startswith("geometry-") for name in map_parts), map_parts   # the shared geometry file
            assert map_total <= BUDGET, f"{map_page.name}: {map_total:,} bytes; {map_parts}"


def test_weight_counts_the_page_its_resources_and_the_bundle(tmp_path):
    """The measure itself, on a page made here: 200 + 20 + 30 (in <noscript>) + 7 (the bundle) bytes."""
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "style.css").write_bytes(b"x" * 20)
    (tmp_path / "assets" / "vega-bundle.js").write_bytes(b"x" * 7)
    (tmp_path / "a.png").write_bytes(b"x" * 30)
    body = ('<link rel="stylesheet" href="assets/style.css"><figure class="chart"><noscript><img src="a.png" alt="a">'
            '</noscript></figure><a href="data.csv" download>csv</a>')
    page = tmp_path / "p.html"
    page.write_text(body + " " * (200 - len(body)))
    total, parts, maps = weight(page)
    assert (total, maps) == (257, []) and parts == {"assets/style.css": 20, "a.png": 30, "assets/vega-bundle.js": 7}
