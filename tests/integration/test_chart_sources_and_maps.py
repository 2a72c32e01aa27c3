"""The published goal pages of a real build (issue #18): every chart's source line gives the retrieval date of each
raw table its evaluation spec names, and each language links its own interactive change map.

Expected values are read here, not from the site code: the spec's YAML (`data.sources[].raw`), the `retrieved`
of those raw tables' source specs (pipelines/sources/), dates written by Babel's CLDR long format directly."""
from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path

import pytest
import yaml
from babel.dates import format_date

from pipelines.sources import SOURCES
from tests.browser.english_words import english_words

pytestmark = pytest.mark.integration

LANGS = ("en", "es")
LOCALES = {"en": "en_US", "es": "es_MX"}
SPECS = Path(__file__).resolve().parents[2] / "evaluations" / "specs"
CHART = re.compile(r'<figure class="chart" id="chart-([a-z0-9-]+)">(.*?)</figure>', re.S)
CAPTION = re.compile(r"<figcaption>(.*?)</figcaption>", re.S)
MAP_LINK = re.compile(r'<a class="interactive-map" href="([^"]+)"')


def site_version(build: Path) -> Path:
    versions = json.loads((build / "site" / "versions.json").read_text(encoding="utf-8"))
    return build / "site" / next(v["version"] for v in versions if "latest" in v.get("aliases", []))


def expected_dates() -> dict[str, list[str]]:
    """{spec name with hyphens: the ISO retrieval dates of the raw tables its sources name}, from the YAML."""
    retrieved = {s.name: s.retrieved for s in SOURCES}
    out = {}
    for path in SPECS.glob("*.yaml"):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        out[spec["name"].replace("_", "-")] = sorted({retrieved[r] for s in spec["data"]["sources"] for r in s["raw"]})
    return out


@pytest.mark.parametrize("lang", LANGS)
def test_every_chart_source_line_gives_the_retrieval_dates_of_its_sources(pipeline_build, lang):
    dates = expected_dates()
    pages = sorted((site_version(pipeline_build) / lang).glob("goal-*.html"))
    assert len(pages) == 3
    charts, missing = 0, {}
    for page in pages:
        for ident, body in CHART.findall(page.read_text(encoding="utf-8")):
            name = max((n for n in dates if ident.startswith(n + "-")), key=len)
            caption = html.unescape(CAPTION.search(body).group(1))
            assert caption.startswith(("Source: ", "Sources: ") if lang == "en" else ("Fuente: ", "Fuentes: ")), caption
            shown = [format_date(dt.date.fromisoformat(d), "long", locale=LOCALES[lang])
                     for d in dates[name]]
            word = "retrieved " if lang == "en" else "consultado el "
            lost = [d for d in shown if word + d not in caption]
            if lost or not dates[name]:
                missing[f"{page.name} {ident}"] = (caption, lost)
            charts += 1
    assert charts >= 15, charts
    assert missing == {}, f"charts whose source line lacks a retrieval date: {missing}"


def test_each_language_links_its_own_interactive_map(pipeline_build):
    root = site_version(pipeline_build)
    links = {lang: MAP_LINK.findall((root / lang / "goal-1.html").read_text(encoding="utf-8")) for lang in LANGS}
    assert [Path(h).name for h in links["en"]] == ["joint_operations_homicides_change_map.html"]
    assert [Path(h).name for h in links["es"]] == ["joint_operations_homicides_change_map.es.html"]
    pages = {lang: (root / lang / links[lang][0]) for lang in LANGS}
    text = {lang: pages[lang].read_text(encoding="utf-8") for lang in LANGS}
    assert '<html lang="en">' in text["en"] and '<html lang="es">' in text["es"]
    spec = {lang: html.unescape(re.search(r"data-spec='([^']*)'", text[lang]).group(1)) for lang in LANGS}
    assert "Change per 100,000 per year" in text["en"] and "· class: " in spec["en"] and '"No data"' in spec["en"]
    assert "Cambio por 100 000 al año" in text["es"] and "· clase: " in spec["es"] and '"Sin datos"' in spec["es"]
    assert "consultado el " in text["es"] and "retrieved " in text["en"]      # the map footer names the dates too
    assert "· class: " not in spec["es"] and "Change per" not in spec["es"]
    # the Spanish page's prose, tooltips and legend (script and style aside) have no English word
    prose = re.sub(r"<script.*?</script>|<style.*?</style>|<[^>]+>", " ", text["es"], flags=re.S)
    tips = " ".join(row["tip"] + " " + row["class"] for row in json.loads(spec["es"])["transform"][0]["from"]["data"]["values"])
    assert english_words(html.unescape(prose) + " " + tips) == []
    # one geometry file beside both pages, the same one
    geometry = {lang: re.search(r'src="(geometry-[0-9a-f]+\.js)"', text[lang]).group(1) for lang in LANGS}
    assert geometry["en"] == geometry["es"] and all((pages[lang].parent / geometry[lang]).is_file() for lang in LANGS)
