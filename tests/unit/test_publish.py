"""Site rendering: escaping of data strings, language blocks, generic rendering of result files, versions."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from pipelines.settings import SITE_SOURCE_DIR
from pipelines.site.build import publish
from pipelines.site.data_page import data_sources_section
from pipelines.site.generate import fill_missing_partials
from pipelines.site.markdown import md_text
from pipelines.site.render import render_with_pandoc, select_language
from pipelines.site.results import SiteError, SiteInputs, load_result, load_results
from pipelines.site.versions import check_version, swap_into_place, version_key
from tests.fixtures.results import estimate, evidence, headline, result_dict, texts, write_result

PNG_1x1 = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                        "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a7dd1a8b0000000049454e44ae426082")


def its_result() -> dict:
    """An interrupted time series of a line of action of Goal II whose level change covers zero."""
    pounds = texts("pounds per month", "libras al mes")
    level = {"estimator": "its_level", "label": texts("Level change", "Cambio de nivel"), "estimate": 1234.5678,
             "std_error": 400.0, "ci_low": -50.25, "ci_high": 2519.3856, "p_value": 0.06, "units": pounds}
    return result_dict(
        "cbp_fentanyl_its", title=texts("Fentanyl seized at ports of entry", "Fentanilo asegurado en puertos de entrada"),
        goal="goal_2_transborder_crime", line_of_action="secure_travel_commerce", design="its",
        data={"sources": [texts("CBP <b>Drug</b> Seizures", "Decomisos de <b>drogas</b> de la CBP")],
              "tables": ["marts.cbp_seizures_month"], "unit": texts("field offices", "oficinas de campo"),
              "period": {"start": "2018-10-01", "end": "2025-06-30"}, "n_units": 20, "n_obs": 1620},
        headline=headline(**level),
        estimates=[estimate("its_level", **level),
                   estimate("its_slope", label=texts("Slope change", "Cambio de pendiente"), estimate=-12.5,
                            std_error=5.0, ci_low=-22.3, ci_high=-2.7, p_value=0.012)],
        diagnostics={"pretrend": {"statistic": 12.1, "df": 11, "p_value": 0.35,
                                  "label": {"en": "Pre-trend test", "es": "Prueba de tendencias previas"}}},
        baseline_comparison={"baseline": {"start": "2018-10-01", "end": "2021-09-30", "mean": 2.3},
                             "post": {"start": "2021-10-01", "end": "2025-06-30", "mean": 2.0},
                             "change": -0.3, "percent_change": -13.0, "trend_per_year": -0.1,
                             "caveat": {"en": "Descriptive: no causal claim.", "es": "Descriptivo: sin afirmación causal."}},
        reading=texts("Seizures fell <i>a little</i>.", "Los aseguramientos bajaron un poco."),
        figures=[{"file": "trend.png", "kind": "trend", "alt": texts("Line chart of monthly pounds", "Gráfica de líneas de libras al mes"),
                  "caption": texts("Monthly pounds, baseline shaded", "Libras al mes, línea base sombreada")}],
        evidence=evidence(grade="single_series_model", estimate_id="its_level"))


@pytest.fixture
def results_dir(tmp_path) -> Path:
    results = tmp_path / "results"
    folder = write_result(results, its_result())
    (folder / "trend.png").write_bytes(PNG_1x1)
    (results / "data_gaps.json").write_text(json.dumps([
        {"goal": "goal_2_transborder_crime", "line_of_action": "arms_trafficking",
         "reason": {"en": "No machine-readable ATF trace data.", "es": "No hay datos de rastreo de la ATF legibles por máquina."}}]))
    return results


def build(tmp_path: Path, results: Path, version: str = "dev", **kwargs):
    inputs = SiteInputs(results, [{"table_name": "t", "file": "f.csv", "size_bytes": 1234567, "rows": 10, "sha256": "ab" * 32}],
                        {"commit": "abc1234", "version": version, "lock_sha256": "cd" * 32}, **kwargs)
    return publish(SITE_SOURCE_DIR, tmp_path / "site", inputs, version)


def test_markup_in_data_is_shown_as_text(tmp_path):
    stage = tmp_path / "stage"
    shutil.copytree(SITE_SOURCE_DIR, stage)
    evil = "<script>alert('x')</script> *Ciudad* [link](http://e.x)"
    for lang in ("en", "es"):
        (stage / "_generated" / lang).mkdir(parents=True)
        (stage / "_generated" / lang / "data-sources.md").write_text(
            data_sources_section([{"table_name": "t", "file": evil, "size_bytes": 1, "sha256": "ab"}], lang=lang))
    assert len(fill_missing_partials(stage)) >= 12  # every other page part: a notice that it is missing
    out = tmp_path / "out"
    render_with_pandoc(stage, out)
    for lang in ("en", "es"):
        html = (out / lang / "data.html").read_text()
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; *Ciudad* [link](http://e.x)" in html.replace("'", "&#39;")
        assert 'href="http://e.x"' not in html
        assert 'href="goal-1.html"' in (out / lang / "index.html").read_text()
    assert "This section is not available in this build" in (out / "en" / "goal-1.html").read_text()
    assert "Esta sección no está disponible en esta versión" in (out / "es" / "goal-1.html").read_text()


def test_md_text_escapes_markdown_and_html():
    assert md_text("a<b>*c*") == "a&lt;b&gt;\\*c\\*"


def test_swap_replaces_the_folder_whole(tmp_path):
    target, new = tmp_path / "site", tmp_path / "new"
    target.mkdir()
    (target / "old.html").write_text("old")
    new.mkdir()
    (new / "index.html").write_text("new")
    swap_into_place(new, target)
    assert sorted(p.name for p in target.iterdir()) == ["index.html"]
    assert not new.exists() and not (tmp_path / "site.previous").exists()


def test_language_blocks_keep_one_language_and_nested_fences():
    text = ("intro\n::: {.content-visible when-profile=\"en\"}\n# Title\n::: {.note}\nEN note\n:::\n:::\n"
            "::: {.content-visible when-profile=\"es\"}\n# Título\n::: {.note}\nnota\n:::\n:::\nend\n")
    assert select_language(text, "en") == "intro\n# Title\n::: {.note}\nEN note\n:::\nend\n"
    assert select_language(text, "es") == "intro\n# Título\n::: {.note}\nnota\n:::\nend\n"


def test_the_site_grades_nothing_and_unaudited_results_get_no_arrow(tmp_path, results_dir):
    """Directions, grades and q-values come from the evaluations (evidence, publication_audit.json); the site
    computes none. Without publication_audit.json the scorecard says "not audited"; the goal page shows the
    evaluation's own evidence line, with no q-value."""
    import pipelines.site.estimates
    import pipelines.site.findings
    import pipelines.site.home
    import pipelines.site.scorecard

    for module in (pipelines.site.estimates, pipelines.site.scorecard, pipelines.site.findings, pipelines.site.home):
        for gone in ("direction_of", "evidence_of", "failed_diagnostic"):
            assert not hasattr(module, gone)
    published = build(tmp_path, results_dir)
    for lang, words, grade in (("en", "not audited", "Single-series model"), ("es", "sin auditar", "Modelo de una sola serie")):
        index = (published.path / lang / "index.html").read_text()
        assert words in index, lang
        goal = (published.path / lang / "goal-2.html").read_text()
        line = re.search(r'<p class="evidence">(.*?)</p>', goal, re.S).group(1)
        assert grade.lower() in line.lower() and "q = " not in line and "q &lt; " not in line, (lang, line)
        for html in (index, goal):
            shown = html.split('id="legend"')[0]  # the legend explains the symbols; nothing above it uses them
            assert "▲" not in shown and "▼" not in shown, lang  # the baseline fell 2.3 → 2.0: still no arrow
    assert "publication_audit.json is missing" in (published.path / "en" / "index.html").read_text()


def test_result_files_render_generically_in_both_languages(tmp_path, results_dir):
    published = build(tmp_path, results_dir)
    assert published.renderer == "pandoc"
    en = (published.path / "en" / "goal-2.html").read_text()
    es = (published.path / "es" / "goal-2.html").read_text()
    # The headline, its CI and the comparison, formatted for each locale (es-MX groups like en-US), to 3 significant
    # digits: 1234.5678 → 1,230; 400 → 400; -50.25 → -50.2 (half to even); 2519.3856 → 2,520; -0.3 → -0.300.
    assert "<strong>1,230</strong> pounds per month" in en and "<strong>1,230</strong> libras al mes" in es
    assert "standard error 400; 95% CI -50.2 to 2,520; p = 0.060" in en
    assert "error estándar 400; IC 95% -50.2 a 2,520; p = 0.060" in es
    assert "October 2018 – September 2021" in en and "octubre de 2018 – septiembre de 2021" in es
    assert "Change in the mean: -0.300 (-13.0%)" in en and "Cambio en el promedio: -0.300 (-13.0%)" in es
    assert "Slope change" in en and "Cambio de pendiente" in es  # the other estimates
    # the headline: in the bottom line and the technical details, not again in the table of the other estimates
    assert en.count("Level change") == 2 and es.count("Cambio de nivel") == 2
    assert "Level change" not in en.split("<table")[-1] and "Slope change" in en.split("<table")[-1]
    assert "Pre-trend test: statistic 12.1 (11 df), p = 0.350" in en
    # Strings from data are text, not markup.
    assert "CBP &lt;b&gt;Drug&lt;/b&gt; Seizures" in en and "<b>Drug</b>" not in en
    # The sources and the units in the page's language (issue #18).
    assert "Decomisos de &lt;b&gt;drogas&lt;/b&gt; de la CBP" in es and "Drug" not in es
    assert "20 field offices" in en and "20 oficinas de campo" in es and "field offices" not in es
    assert "Seizures fell &lt;i&gt;a little&lt;/i&gt;." in en
    # The data gap of another line of action, in each language.
    assert "No machine-readable ATF trace data." in en and "No hay datos de rastreo de la ATF" in es
    # The figure, with the result's own alt text per language.
    assert re.search(r'<img src="figures/cbp_fentanyl_its_trend.png" alt="Line chart of monthly pounds"', en)
    assert 'alt="Gráfica de líneas de libras al mes"' in es
    assert (published.path / "en" / "figures" / "cbp_fentanyl_its_trend.png").read_bytes() == PNG_1x1
    index = (published.path / "es" / "index.html").read_text()
    assert 'lang="es-MX"' in index and 'href="goal-2.html#cbp_fentanyl_its">Fentanilo asegurado en puertos de entrada</a>' in index
    assert "sin auditar" in index and "▼" not in index.split('id="legend"')[0]  # no publication audit: no direction claimed


def test_every_image_has_alt_text_and_headings_are_in_order(tmp_path, results_dir):
    published = build(tmp_path, results_dir)
    pages = sorted(published.path.glob("*/*.html"))
    listed = yaml.safe_load((SITE_SOURCE_DIR / "_quarto.yml").read_text())["project"]["render"]
    assert {"index.qmd", "goal-1.qmd", "goal-2.qmd", "goal-3.qmd", "methods.qmd", "data.qmd", "reproducibility.qmd"} <= set(listed)
    assert len(pages) == 2 * len(listed)  # every page in both languages
    for page in pages:
        html = page.read_text()
        for img in re.findall(r"<img\b[^>]*>", html):
            assert re.search(r'\salt="[^"]+"', img), f"{page}: {img}"
        levels = [int(level) for level in re.findall(r"<h([1-6])\b", html)]
        assert levels[0] == 1 and levels.count(1) == 1, page
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), f"{page}: {levels}"


def test_version_names_and_order():
    assert sorted(["v1.9.0", "v1.10.0", "v1.2.0"], key=version_key, reverse=True) == ["v1.10.0", "v1.9.0", "v1.2.0"]
    assert check_version("v2.0.0-rc.1") == "v2.0.0-rc.1"
    for bad in ("latest", "../x", "", "a b"):
        with pytest.raises(SiteError, match="cannot name a site folder"):
            check_version(bad)


def test_a_result_file_that_does_not_fit_the_model_is_one_clear_error(tmp_path):
    broken = tmp_path / "broken" / "result.json"
    broken.parent.mkdir()
    broken.write_text('{"name": "broken",')
    with pytest.raises(SiteError, match=r"broken/result.json: line 1, column 19: Expecting property name"):
        load_result(broken)
    for remove, field in (("goal", "goal"), ("schema", "schema")):
        broken.write_text(json.dumps({k: v for k, v in result_dict("broken").items() if k != remove}))
        with pytest.raises(SiteError, match=rf"broken/result.json: field '{field}': Field required \(see docs/RESULT_SCHEMA.md\)$"):
            load_result(broken)
    wrong = result_dict("broken", estimates=[estimate("a"), estimate("b")])
    wrong["estimates"][1]["kind"] = "guess"
    wrong["estimates"][1]["ci_low"] = "low"
    broken.write_text(json.dumps(wrong))
    with pytest.raises(SiteError, match=r"field 'estimates\[1\]\.ci_low': Input should be a valid number, .* \(and 1 more\) \(see"):
        load_result(broken)
    broken.write_text(json.dumps({**result_dict("broken"), "colour": "red"}))
    with pytest.raises(SiteError, match=r"field 'colour': Extra inputs are not permitted"):
        load_result(broken)


def test_a_result_named_unlike_its_folder_is_refused(tmp_path):
    write_result(tmp_path, result_dict("one"))
    (tmp_path / "evaluations" / "one").rename(tmp_path / "evaluations" / "two")
    with pytest.raises(SiteError, match=r"two/result.json: field 'name': 'one' differs from its folder 'two'"):
        load_results(tmp_path)


def test_a_bad_result_stops_the_build_and_keeps_the_last_good_site(tmp_path, results_dir):
    site = build(tmp_path, results_dir).path
    before = {p: p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}
    assert len(before) > 10
    broken = result_dict("broken_trend")
    broken["headline"] = {**headline(), "ci_high": None, "kind": "effect"}
    write_result(results_dir, broken)
    with pytest.raises(SiteError, match=r"broken_trend/result.json: field 'headline.kind': Extra inputs are not permitted"):
        build(tmp_path, results_dir)
    assert {p: p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()} == before
    assert not list((tmp_path / "site").glob(".site-build-*"))


def test_data_page_lists_publisher_coverage_licence_and_files(tmp_path, results_dir):
    sources = [{"name": "t", "title": "CBP drug seizures", "publisher": "U.S. Customs and Border Protection",
                "licence": "U.S. public domain", "coverage": "geography: field office; period: month"}]
    published = build(tmp_path, results_dir, sources=sources)
    en = (published.path / "en" / "data.html").read_text()
    es = (published.path / "es" / "data.html").read_text()
    for text in ("U.S. Customs and Border Protection", "U.S. public domain", "geography: field office; period: month",
                 f'title="{"ab" * 32}"'):
        assert text in en and text in es
    assert '<td class="num">1,234,567</td>' in en and '<td class="num">1,234,567</td>' in es


def test_reproducibility_page_summarises_the_manifest_when_present(tmp_path, results_dir):
    page = build(tmp_path / "a", results_dir).path / "en" / "reproducibility.html"
    html = page.read_text()
    assert "abc1234" in html and "cd" * 32 in html  # commit, lock hash
    assert "make run" in html and "manifest.json" not in html and 'href="hashes.csv"' in html  # no manifest in this build
    (results_dir / "manifest.json").write_text(json.dumps(
        {"code": {"commit": "f" * 40, "dirty": False, "tag": "v9.9.9"}, "environment": {"lock_sha256": "ef" * 32},
         "tables": {"marts.indicators": {"hash": "12" * 16, "rows": 3}},
         "estimates": {"x.json#headline": {"estimate": 1234.5678}}}))
    published = build(tmp_path / "b", results_dir, version="v9.9.9")
    html = (published.path / "es" / "reproducibility.html").read_text()
    assert "Qué se ejecutó" in html and "bicentennial reproduce v9.9.9" in html and "f" * 40 in html and "ef" * 32 in html
    assert 'href="../manifest.json"' in html and 'href="hashes.csv"' in html
    assert (published.path / "manifest.json").read_bytes() == (results_dir / "manifest.json").read_bytes()
    assert "12" * 16 not in html and "12" * 16 in (published.path / "es" / "hashes.csv").read_text()


def test_p_values_never_print_as_zero():
    from evaluations.formats import p_value

    assert p_value(4.08e-05, "es", "p") == "p < 0.001" and p_value(0.0123, "en", "p") == "p = 0.012"
    assert p_value(0.001, "en", "p") == "p = 0.001" and p_value(0.0009, "en") == "< 0.001" and p_value(None, "en") == "—"


def test_csv_tables_use_the_locale_and_link_the_file(tmp_path, results_dir, monkeypatch):
    import pipelines.site.evaluation as evaluation_module

    result = its_result()
    result["tables"] = [{"file": "series.csv", "caption": {"en": "Monthly series", "es": "Serie mensual"}}]
    folder = results_dir / "evaluations" / "cbp_fentanyl_its"
    (folder / "result.json").write_text(json.dumps(result))
    (folder / "series.csv").write_text("month,pounds,events,note\n2021-09-01,1234.5,24083.0,<b>x</b>\n2021-10-01,-0.25,7.0,\n"
                                       "2021-11-01,3,8.0,z\n")
    monkeypatch.setattr(evaluation_module, "MAX_TABLE_ROWS", 2)
    published = build(tmp_path, results_dir)
    es = (published.path / "es" / "goal-2.html").read_text()
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", es.split("Serie mensual")[1])
    # months as months (CLDR es_MX "sep 2021"); a column with a fraction to 3 significant digits (1234.5 → 1,230); a whole column as counts
    assert cells[:8] == ["sep 2021", "1,230", "24,083", "&lt;b&gt;x&lt;/b&gt;", "oct 2021", "-0.250", "7", ""]
    assert "<th" in es and "Mes" in es.split("Serie mensual")[1] and ">month<" not in es
    assert "Primeras 2 de 3 filas." in es and 'href="figures/cbp_fentanyl_its_series.csv" download' in es
    assert (published.path / "es" / "figures" / "cbp_fentanyl_its_series.csv").read_text().startswith("month,pounds")


def test_alt_text_from_data_is_escaped_exactly_once(tmp_path, results_dir):
    result = its_result()
    result["figures"][0]["alt"] = {"en": 'Gargiulo, Aburto & Floridi: "<script>alert(1)</script>" {x} \\ end',
                                   "es": "Gráfica"}
    (results_dir / "evaluations" / "cbp_fentanyl_its" / "result.json").write_text(json.dumps(result))
    html = (build(tmp_path, results_dir).path / "en" / "goal-2.html").read_text()
    assert ('alt="Gargiulo, Aburto &amp; Floridi: &quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot; {x} \\ end"' in html)
