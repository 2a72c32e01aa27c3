"""The interactive charts in headless Chromium (Debian's /usr/bin/chromium), the site served from 127.0.0.1 by a
server this module starts and stops: hovering a point shows the CSV's value as the site's formatter writes it
(evaluations.formats, Babel: an implementation independent of the d3-format the chart uses), the tabs work with
the keyboard, the Download tab returns the result's CSV, and no request leaves 127.0.0.1."""
from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from evaluations import formats
from pipelines.settings import SITE_SOURCE_DIR
from pipelines.site.build import publish
from pipelines.site.results import SiteInputs
from tests.browser.support import CHROMIUM, local_only_context, serve
from tests.conftest import missing_system_dependency

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]



@pytest.fixture(scope="module")
def site(pipeline_build, tmp_path_factory) -> tuple[Path, Path]:
    """(site root, results folder): the "dev" site rendered from a copy of the session pipeline's results."""
    if not Path(CHROMIUM).exists():
        missing_system_dependency(f"{CHROMIUM} is missing and could not be installed here: scripts/test-system-deps "
                                  "installs Debian's chromium (needs root and apt-get)")
    base = tmp_path_factory.mktemp("chart-site")
    results = base / "results"
    shutil.copytree(pipeline_build / "results", results)
    with duckdb.connect(str(pipeline_build / "warehouse.duckdb"), read_only=True) as con:
        landing = con.execute("select * from raw._landing_files order by table_name, file").df().to_dict("records")
    publish(SITE_SOURCE_DIR, base / "site", SiteInputs(results, landing, {"commit": "1234567", "lock_sha256": "0" * 64}), "dev")
    return base / "site", results


@pytest.fixture(scope="module")
def server(site):
    with serve(site[0]) as url:
        yield url


@pytest.fixture
def page(browser):
    """A page whose requests are all checked: anything not addressed to 127.0.0.1 is recorded and aborted."""
    context = local_only_context(browser)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.local = context.local
    yield tab
    context.close()
    assert context.outside == [], f"requests left 127.0.0.1: {context.outside}"
    assert errors == [], f"JavaScript errors: {errors}"


def _rows(path: Path) -> dict[str, dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return {row["period"][:7]: row for row in csv.DictReader(handle)}


def _open(page, server: str, lang: str, goal: int) -> None:
    page.goto(f"{server}/dev/{lang}/goal-{goal}.html")
    count = page.locator("figure.chart").count()
    assert count > 0
    page.wait_for_function(f"() => document.querySelectorAll('figure.chart .vega.drawn').length === {count}")


def _hover_points(page, chart_id: str, picks: list[int]) -> list[dict[str, str]]:
    """Hover the chart's points number `picks`; each tooltip as {label: text}."""
    chart = page.locator(f"#{chart_id}")
    chart.scroll_into_view_if_needed()
    points = chart.locator('svg [aria-roledescription="point"]')
    assert points.count() > max(picks)
    shown = []
    for n in picks:
        points.nth(n).hover(force=True)
        tooltip = chart.locator(".chart-tooltip")
        tooltip.wait_for(state="visible")
        shown.append(dict(line.split(": ", 1) for line in tooltip.inner_text().splitlines()))
        page.mouse.move(0, 0)
    return shown


@pytest.mark.parametrize("lang", ["en", "es"])
def test_hover_shows_the_csv_value_as_the_site_writes_it(page, server, site, lang):
    _open(page, server, lang, 1)
    # a count series (whole numbers) and a rate series (one decimal), each point's month and value
    femicide = _rows(site[1] / "evaluations/femicide_trend/series.csv")
    month = {formats.month(f"{period}-01", lang): period for period in femicide}
    for tooltip in _hover_points(page, "chart-femicide-trend-trend", [0, 40, 80, 120]):
        (label, when), (_, value) = list(tooltip.items())[:2]
        assert label == ("Month" if lang == "en" else "Mes")
        assert value == formats.count(float(femicide[month[when]]["value"]), lang)
    rate = _rows(site[1] / "evaluations/homicide_rate_its_sesnsp/series.csv")
    month = {formats.month(f"{period}-01", lang): period for period in rate}
    for tooltip in _hover_points(page, "chart-homicide-rate-its-sesnsp-its", [3, 90, 125]):
        values = list(tooltip.values())
        row = rate[month[values[0]]]
        assert values[1] == formats.rate(float(row["observed"]), lang)
        assert values[2] == formats.rate(float(row["fitted"]), lang)
    assert any(url.endswith("/assets/vega-bundle.js") for url in page.local)   # the one local bundle


def test_tabs_switch_with_the_keyboard_and_download_returns_the_csv(page, server, site):
    _open(page, server, "en", 3)
    chart = page.locator("figure.chart").first
    ident = chart.get_attribute("id")
    tabs = chart.locator('[role="tab"]')
    assert tabs.all_inner_texts() == ["Chart", "Table", "Download (CSV)"]

    def selected() -> list[str]:
        return [tabs.nth(i).get_attribute("aria-selected") for i in range(3)]

    tabs.nth(0).focus()
    page.keyboard.press("ArrowRight")
    assert selected() == ["false", "true", "false"]
    assert page.evaluate("() => document.activeElement.getAttribute('aria-controls')") == f"{ident}-table"
    assert chart.locator(f"#{ident}-table").is_visible() and not chart.locator(f"#{ident}-chart").is_visible()
    first_row = chart.locator(f"#{ident}-table tbody tr").first.locator("td").all_inner_texts()
    page.keyboard.press("ArrowRight")
    assert selected() == ["false", "false", "true"]
    link = chart.locator(f"#{ident}-download a[download]")
    assert link.is_visible()
    page.keyboard.press("ArrowRight")                      # wraps round to the first tab
    assert selected() == ["true", "false", "false"]
    page.keyboard.press("End")
    assert selected() == ["false", "false", "true"]
    page.keyboard.press("Home")
    assert selected() == ["true", "false", "false"] and chart.locator(f"#{ident}-chart").is_visible()

    # the table's first row is the CSV's first row in the page's formats; the download is the result's file
    href = link.get_attribute("href")
    name = re.fullmatch(r"figures/(\w+?)_(series|event_study|cs_event_study)\.csv", href)
    assert name, href
    folder = site[1] / "evaluations" / name.group(1)
    downloaded = page.request.get(f"{server}/dev/en/{href}")
    assert downloaded.ok and downloaded.body() == (folder / f"{name.group(2)}.csv").read_bytes()
    first = next(iter(_rows(folder / f"{name.group(2)}.csv").values()))
    assert first_row[0] == formats.month(first["period"][:7] + "-01", "en")
    assert first_row[1] == formats.count(float(first["value"]), "en")
