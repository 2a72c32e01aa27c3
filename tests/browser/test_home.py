"""The home page in headless Chromium (Debian's /usr/bin/chromium driven by Playwright), served from 127.0.0.1, in
both languages: at 390 × 844 every scorecard row is a card, nothing is cut off and the page does not scroll
sideways; at 1280 × 800 the first screen shows the key findings and the start of the scorecard. Screenshots go to
this test's tmp folder."""
from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.settings import SITE_SOURCE_DIR
from pipelines.site.build import publish
from pipelines.site.results import SiteInputs
from tests.browser.support import CHROMIUM, local_only_context, serve
from tests.conftest import missing_system_dependency

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]



@pytest.fixture(scope="module")
def server(pipeline_build, tmp_path_factory):
    """The site of the session pipeline's results (a copy), served from 127.0.0.1."""
    if not Path(CHROMIUM).exists():
        missing_system_dependency(f"{CHROMIUM} is missing and could not be installed here: scripts/test-system-deps "
                                  "installs Debian's chromium (needs root and apt-get)")
    base = tmp_path_factory.mktemp("home-site")
    shutil.copytree(pipeline_build / "results", base / "results")
    with duckdb.connect(str(pipeline_build / "warehouse.duckdb"), read_only=True) as con:
        landing = con.execute("select * from raw._landing_files order by table_name, file").df().to_dict("records")
    run_info = {"commit": "1111111", "version": "dev", "lock_sha256": "0" * 64, "run_date": "2026-12-07"}
    published = publish(SITE_SOURCE_DIR, base / "site", SiteInputs(base / "results", landing, run_info), "dev")
    with serve(published.path) as url:
        yield url


def open_home(browser, server: str, lang: str, width: int, height: int):
    context = local_only_context(browser, width, height)
    page = context.new_page()
    page.goto(f"{server}/{lang}/index.html")
    page.wait_for_load_state("load")
    return context, page, context.outside


# every element of the scorecard that reaches past the right edge of the window, or whose content is wider than
# its box (cut off or scrolling inside it)
CUT_OFF = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll('table.scorecard, table.scorecard tbody *, ul.findings *, .unmeasured *, .home-meta')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0) continue;
    if (box.right > width + 0.5 || box.left < -0.5) out.push(el.tagName + '.' + el.className + ' ' + Math.round(box.left) + '..' + Math.round(box.right));
    if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible') out.push('scrolls: ' + el.tagName + '.' + el.className);
  }
  return out;
}"""


@pytest.mark.parametrize("lang", ["en", "es"])
def test_on_a_phone_each_scorecard_row_is_a_card_and_nothing_is_cut_off(browser, server, lang, tmp_path):
    context, page, outside = open_home(browser, server, lang, 390, 844)
    try:
        page.screenshot(path=str(tmp_path / f"home-{lang}-390.png"), full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
        rows = page.locator("table.scorecard tbody tr")
        assert rows.count() >= 10  # one per line of action, plus the earlier policies
        shapes = page.evaluate("""() => [...document.querySelectorAll('table.scorecard tbody tr')].map(tr => ({
            display: getComputedStyle(tr).display, width: tr.getBoundingClientRect().width,
            cells: [...tr.cells].map(td => getComputedStyle(td).display)}))""")
        for shape in shapes:  # a card: the row and its cells are blocks as wide as the page allows
            assert shape["display"] == "block" and shape["width"] <= 390 - 2 * 16, shape
            assert set(shape["cells"]) <= {"block", "grid"}, shape
        labels = page.evaluate("getComputedStyle(document.querySelector('table.scorecard tbody td:nth-child(4)'), '::before').content")
        assert labels.strip('"') == ("Estimate (95% CI)" if lang == "en" else "Estimación (IC 95%)")  # each value says its column
        assert page.evaluate(CUT_OFF) == []
        assert outside == []
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_first_wide_screen_shows_the_key_findings_and_the_start_of_the_scorecard(browser, server, lang, tmp_path):
    context, page, outside = open_home(browser, server, lang, 1280, 800)
    try:
        page.screenshot(path=str(tmp_path / f"home-{lang}-1280.png"))
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
        findings = page.locator("ul.findings li.finding")
        assert 3 <= findings.count() <= 5
        assert page.locator("ul.findings").bounding_box()["y"] + page.locator("ul.findings").bounding_box()["height"] <= 800
        first_row = page.locator("table.scorecard tbody tr").first.bounding_box()
        assert first_row["y"] < 800  # the scorecard's first row starts on the first screen
        meta = page.locator("p.home-meta").inner_text()
        assert ("Data through" if lang == "en" else "Datos hasta") in meta
        assert page.locator("p.home-meta a").count() == 2  # cite, download all results
        assert page.evaluate(CUT_OFF) == []
        assert outside == []
    finally:
        context.close()
