"""Every figure of a pipeline build exists in both languages, and the Spanish pages show the Spanish drawings
(issue #18, "Spanish all the way down"). Reads the session's build (BICENTENNIAL_TEST_BUILD or the fixture's run)."""
from __future__ import annotations

import json
import re
from pathlib import Path

IMG = re.compile(r'<img[^>]*\bsrc="([^"]+\.png)"')


def results(build: Path) -> list[tuple[Path, dict]]:
    folders = sorted((build / "results" / "evaluations").glob("*/result.json"))
    return [(p.parent, json.loads(p.read_text(encoding="utf-8"))) for p in folders]


def test_every_result_figure_has_its_spanish_twin_and_alt_text_in_both_languages(pipeline_build):
    found = results(pipeline_build)
    assert found, "no results in the build"
    missing, figures = [], 0
    for folder, result in found:
        for figure in result["figures"]:
            figures += 1
            english = folder / figure["file"]
            spanish = english.with_name(f"{english.stem}.es{english.suffix}")
            missing += [str(p.relative_to(pipeline_build)) for p in (english, spanish) if not p.is_file()]
            alt = figure["alt"]
            assert alt["en"] and alt["es"] and alt["en"] != alt["es"], (result["name"], figure["file"])
    assert figures >= 20 and not missing, missing


def test_every_map_the_site_shows_has_its_spanish_twin(pipeline_build):
    summaries = sorted((pipeline_build / "results" / "maps").glob("*/summary.json"))
    hotspots = sorted((pipeline_build / "results" / "spatial").glob("*/hotspots.json"))
    assert summaries and hotspots
    for path in summaries:
        summary = json.loads(path.read_text())
        assert (path.parent / summary["png_es"]).is_file() and summary["png_es"].endswith(".es.png")
        assert summary["legend_es"][-1] == "Sin datos" or "No data" not in summary["legend_es"]
    for path in hotspots:
        maps = json.loads(path.read_text())["maps"]
        assert (path.parent / maps["transition_es"]).is_file()


def test_spanish_pages_show_only_spanish_drawings_and_english_pages_only_english_ones(pipeline_build):
    site = pipeline_build / "site"
    version = site / json.loads((site / "versions.json").read_text())[0]["version"]   # the newest version first
    shown = {"en": [], "es": []}
    for lang in shown:
        for page in sorted((version / lang).glob("*.html")):
            shown[lang] += [src for src in IMG.findall(page.read_text(encoding="utf-8")) if "figures/" in src]
    assert shown["es"] and shown["en"]
    assert all(src.endswith(".es.png") for src in shown["es"]), [s for s in shown["es"] if not s.endswith(".es.png")]
    assert not any(src.endswith(".es.png") for src in shown["en"])
