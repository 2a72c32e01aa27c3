"""Trust and reuse (issue #18): the Data page's sections, the reproducibility summary and its hashes file, the
"Cite this" box, the version in the footer, and the zip of every result. Expected values are written by hand here."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import pytest

from pipelines.settings import REPO_ROOT, SITE_SOURCE_DIR
from pipelines.site.build import publish
from pipelines.site.results import SiteInputs
from tests.fixtures.results import result_dict, write_result

CITATION = {  # a test CITATION.cff, as yaml.safe_load reads it
    "cff-version": "1.2.0", "title": "A test platform", "license": "MIT", "doi": "10.1234/abc.5",
    "authors": [{"family-names": "Doe", "given-names": "Jane Quinn"}, {"name": "Example Lab"}],
}
SOURCES = [
    {"name": "gargiulo_homicides", "title": "Municipal homicides", "publisher": "Gargiulo, Aburto & Floridi",
     "url": "https://doi.org/10.17605/OSF.IO/U8DC3", "retrieved": "2023-02-21", "licence": "CC BY 4.0",
     "tags": {"unit": "victims", "geography": "municipality", "period": "month"}},
    {"name": "cbp_drug_seizures_amo", "title": "CBP AMO drug seizures", "publisher": "U.S. Customs and Border Protection",
     "url": "https://www.cbp.gov/newsroom/stats/drug-seizure-statistics", "retrieved": "2026-03-05",
     "licence": "U.S. public domain", "tags": {}},
]
LANDING = [
    {"table_name": "gargiulo_homicides", "file": "rates.csv.gz", "size_bytes": 3415252, "rows": 651288, "sha256": "a1" * 32},
    {"table_name": "cbp_drug_seizures_amo", "file": "amo-fy19.csv", "size_bytes": 184400, "rows": 1772, "sha256": "b2" * 32},
    {"table_name": "cbp_drug_seizures_amo", "file": "amo-fy23.csv", "size_bytes": 134218, "rows": 1292, "sha256": "c3" * 32},
]
MANIFEST = {
    "code": {"commit": "0123456789abcdef0123456789abcdef01234567", "dirty": False, "tag": "v1.2.3"},
    "environment": {"lock_file": "requirements.lock", "lock_sha256": "d4" * 32, "platform": "Linux-x86_64", "python": "3.11"},
    "inputs": {"homicides/rates.csv.gz": {"bytes": 3415252, "rows": 651288, "sha256": "a1" * 32, "table": "raw.gargiulo_homicides"}},
    "table_hash_method": "md5-sum-v1",
    "tables": {"marts.indicators": {"columns": ["x INTEGER"], "hash": "e5" * 16, "rows": 126},
               "marts.state_month_panel": {"columns": ["y INTEGER"], "hash": "f6" * 16, "rows": 4000}},
    "artifacts": {"data_gaps.json": "07" * 32, "evaluations/example_trend/result.json": "18" * 32},
    "estimates": {"evaluations/example_trend/result.json#headline": {"estimate": 1.0}},
    "quality": {"indicators.not_null": {"passed": True, "severity": "error", "unexpected_count": 0}},
}


@pytest.fixture
def results_dir(tmp_path) -> Path:
    results = tmp_path / "results"
    folder = write_result(results, result_dict("example_trend"))
    (folder / "series.csv").write_bytes(b"month,value\r\n2021-09-01,1.5\r\n2021-10-01,-2\r\n")
    (folder / "trend.png").write_bytes(b"\x89PNG not really")
    (results / "maps" / "example_trend").mkdir(parents=True)
    (results / "maps" / "example_trend" / "change.csv").write_text("cvegeo,change\n08037,1.25\n")
    (results / "maps" / "example_trend" / "change_map.html").write_text("<html></html>")
    (results / "data_gaps.json").write_text("[]")
    (results / "publication_audit.json").write_text('{"evaluations": []}')
    (results / "manifest.json").write_text(json.dumps(MANIFEST, indent=1))
    return results


def build(root: Path, results: Path, version: str = "v1.2.3", citation: dict | None = CITATION):
    run_info = {"commit": "0123456", "version": version, "date": "2025-03-04", "lock_sha256": "d4" * 32,
                "citation": citation}
    return publish(SITE_SOURCE_DIR, root, SiteInputs(results, LANDING, run_info, SOURCES), version)


def section(html: str, anchor: str) -> str:
    """The HTML from the heading with id `anchor` up to the next h2."""
    start = html.index(f'id="{anchor}"')
    end = html.find("<h2", start)
    return html[start:end if end > 0 else None]


def test_data_page_has_contents_and_one_section_per_source_with_link_and_date(tmp_path, results_dir):
    published = build(tmp_path / "site", results_dir)
    expected = {
        "en": {"gargiulo_homicides": ("February 21, 2023", "651,288"), "cbp_drug_seizures_amo": ("March 5, 2026", "1,772")},
        "es": {"gargiulo_homicides": ("21 de febrero de 2023", "651,288"), "cbp_drug_seizures_amo": ("5 de marzo de 2026", "1,772")},
    }
    for lang, by_source in expected.items():
        html = (published.path / lang / "data.html").read_text()
        assert html.count('<h2 id="source-') == 2
        for source in SOURCES:
            name = source["name"]
            assert f'href="#source-{name}"' in html  # table of contents
            part = section(html, f"source-{name}")
            assert f'<a href="{source["url"]}">{source["publisher"].replace("&", "&amp;")}</a>' in part
            date, rows = by_source[name]
            assert date in part and f'<td class="num">{rows}</td>' in part
        assert '<a href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>' in section(html, "source-gargiulo_homicides")
        assert "amo-fy23.csv" in section(html, "source-cbp_drug_seizures_amo")
        assert "amo-fy23.csv" not in section(html, "source-gargiulo_homicides")
    es = (published.path / "es" / "data.html").read_text()
    assert "geografía: municipio; periodo: mes; unidad: víctimas" in es


def test_reproducibility_page_is_a_summary_and_its_hashes_file_equals_the_manifest(tmp_path, results_dir):
    published = build(tmp_path / "site", results_dir)
    for lang in ("en", "es"):
        html = (published.path / lang / "reproducibility.html").read_text()
        assert len(re.findall(r"<tr", html)) <= 10  # a summary, not a table of hashes
        assert "e5" * 16 not in html and "07" * 32 not in html
        assert 'href="hashes.csv"' in html and 'href="../manifest.json"' in html and 'href="../downloads/results.zip"' in html
        assert MANIFEST["code"]["commit"] in html and "d4" * 32 in html
        assert "make env &amp;&amp; .venv/bin/bicentennial reproduce v1.2.3" in html
        with open(published.path / lang / "hashes.csv", newline="", encoding="utf-8") as handle:
            rows = [(r["kind"], r["name"], r["rows"], r["hash"]) for r in csv.DictReader(handle)]
        assert rows == [("input_file", "homicides/rates.csv.gz", "651288", "a1" * 32),
                        ("table", "marts.indicators", "126", "e5" * 16),
                        ("table", "marts.state_month_panel", "4000", "f6" * 16),
                        ("result_file", "data_gaps.json", "", "07" * 32),
                        ("result_file", "evaluations/example_trend/result.json", "", "18" * 32)]


def test_cite_box_gives_apa_and_bibtex_from_the_citation_file(tmp_path, results_dir):
    published = build(tmp_path / "site", results_dir)
    en = (published.path / "en" / "reproducibility.html").read_text()
    es = (published.path / "es" / "reproducibility.html").read_text()
    box = en[en.index('id="cite"'):]
    assert ("Doe, J. Q., &amp; Example Lab. (2025). A test platform (Version v1.2.3) [Computer software]. "
            "https://doi.org/10.1234/abc.5") in box
    assert '<a href="https://doi.org/10.1234/abc.5">10.1234/abc.5</a>' in box
    assert '<a href="data.html">Data</a>' in box  # the data sources are cited too
    for line in ("@software{bicentennial_v1_2_3,", "author = {Doe, Jane Quinn and {Example Lab}}", "title = {{A test platform}}",
                 "year = {2025}", "version = {v1.2.3}", "doi = {10.1234/abc.5}"):
        assert line in box
    # on the Spanish page the work's English title and its entity author are quoted as English; a person is not
    assert ('Doe, J. Q., &amp; <span lang="en">Example Lab</span>. (2025). <span lang="en">A test platform</span> '
            "(Versión v1.2.3) [Software].") in es[es.index('id="cite"'):]
    assert '<span lang="en">' not in box
    assert 'href="reproducibility.html#cite"' in (published.path / "es" / "goal-1.html").read_text()  # footer link


def test_footer_names_the_version_and_commit_and_a_dev_citation_names_the_commit(tmp_path, results_dir):
    release = build(tmp_path / "a", results_dir, version="v1.2.3")
    dev = build(tmp_path / "b", results_dir, version="dev")
    for lang in ("en", "es"):
        for page in ("index.html", "data.html"):
            footer = (release.path / lang / page).read_text().split('<footer class="site">')[1]
            assert re.search(r"Versi[oó]n v1\.2\.3 \(commit <code>0123456</code>\)", footer)
            assert '<a href="../downloads/results.zip" download>' in footer
    assert "(Version dev, commit 0123456) [Computer software]" in (dev.path / "en" / "reproducibility.html").read_text()
    assert "git checkout 0123456789abcdef0123456789abcdef01234567\nmake run" in (dev.path / "en" / "reproducibility.html").read_text()


def test_site_version_comes_from_the_environment_variable_or_the_tag(monkeypatch):
    from pipelines.assets.site import code_version

    monkeypatch.setenv("BICENTENNIAL_SITE_VERSION", "v7.8.9")
    info = code_version()
    assert info["version"] == "v7.8.9"
    assert info["citation"]["cff-version"] == "1.2.0"  # the repository's CITATION.cff
    assert dt.date.fromisoformat(info["date"])


def test_a_build_at_a_tag_is_named_after_the_tag_in_footer_and_citation(tmp_path, monkeypatch, results_dir):
    import subprocess

    import pipelines.assets.site as site_asset

    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "CITATION.cff").write_text("cff-version: 1.2.0\ntitle: Tagged platform\nauthors:\n  - name: Team T\n")
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_AUTHOR_DATE": "2024-05-06T12:00:00Z",
           "GIT_COMMITTER_DATE": "2024-05-06T12:00:00Z", "PATH": "/usr/bin:/bin"}
    for command in (["init", "-q"], ["add", "CITATION.cff"], ["commit", "-qm", "release"], ["tag", "-a", "v3.0.0", "-m", "v3.0.0"]):
        subprocess.run(["git", *command], cwd=repo, env=env, check=True)
    monkeypatch.delenv("BICENTENNIAL_SITE_VERSION", raising=False)
    monkeypatch.setattr(site_asset, "REPO_ROOT", repo)
    info = site_asset.code_version()
    assert (info["version"], info["date"], info["citation"]["title"]) == ("v3.0.0", "2024-05-06", "Tagged platform")
    published = publish(SITE_SOURCE_DIR, tmp_path / "site", SiteInputs(results_dir, LANDING, info, SOURCES), info["version"])
    assert published.path.name == "v3.0.0"
    html = (published.path / "en" / "reproducibility.html").read_text()
    assert f"Version v3.0.0 (commit <code>{info['commit']}</code>)" in html.split('<footer class="site">')[1]
    assert "Team T. (2024). Tagged platform (Version v3.0.0) [Computer software]." in html


def test_results_zip_holds_every_csv_and_json_byte_for_byte_and_is_deterministic(tmp_path, results_dir):
    first = build(tmp_path / "a", results_dir)
    second = build(tmp_path / "b", results_dir)
    data = (first.path / "downloads" / "results.zip").read_bytes()
    assert data == (second.path / "downloads" / "results.zip").read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        root = "bicentennial-results-v1.2.3/"
        assert names == [root + n for n in ("README.txt", "data_gaps.json", "evaluations/example_trend/result.json",
                                            "evaluations/example_trend/series.csv", "manifest.json",
                                            "maps/example_trend/change.csv", "publication_audit.json")]
        for name in names[1:]:
            assert archive.read(name) == (results_dir / name[len(root):]).read_bytes()
        assert {info.date_time for info in archive.infolist()} == {(2025, 3, 4, 0, 0, 0)}
        readme = archive.read(root + "README.txt").decode("utf-8")
    for text in ("Version / Versión: v1.2.3", "Commit: 0123456", "== English ==", "== Español ==", "MIT",
                 "Doe, J. Q., & Example Lab. (2025). A test platform (Version v1.2.3) [Computer software].",
                 "- maps/: ", "- evaluations/: una carpeta por evaluación"):
        assert text in readme
    assert "spatial/" not in readme  # no spatial results in this build: not described


def test_every_source_spec_has_a_publisher_page_and_the_date_of_its_version():
    from pipelines.sources import SOURCES

    # dates read from the git history of diegovalle/mxmaps (SOURCE.md names the commits, not their dates)
    mxmaps = {"4553ab0f": "2016-02-15", "e3217640": "2021-01-31", "90cc010d": "2021-02-02"}
    for spec in SOURCES:
        assert spec.url.startswith("https://"), spec.name
        dt.date.fromisoformat(spec.retrieved)
        source_md = "\n".join(sorted({_source_md(REPO_ROOT / "data" / f) for f in spec.files}))
        in_history = any(commit in source_md and date == spec.retrieved for commit, date in mxmaps.items())
        assert spec.retrieved in source_md or in_history, spec.name


def _source_md(file: Path) -> str:
    """The SOURCE.md of the folder holding `file` or of the nearest folder above it (data/programs: of its
    sub-folders, which the derived contract file comes from)."""
    for folder in file.parents:
        if (folder / "SOURCE.md").exists():
            return (folder / "SOURCE.md").read_text(encoding="utf-8")
        if folder.name == "data":
            break
    return "\n".join(p.read_text(encoding="utf-8") for p in file.parent.glob("*/SOURCE.md"))


def test_a_source_with_many_files_shows_them_folded_with_their_count():
    from pipelines.site.data_page import data_sources_section

    files = [{"table_name": "sspc", "file": f"{month:02d}.csv", "size_bytes": 100, "rows": month, "sha256": "ab" * 32}
             for month in range(1, 7)]
    text = data_sources_section(files, [{"name": "sspc", "title": "SSPC daily"}], "es")
    assert "<details>\n<summary>Archivos: 6</summary>" in text and text.count("<tr>") == 7  # header + 6 files
    few = data_sources_section(files[:5], [{"name": "sspc", "title": "SSPC daily"}], "es")
    assert "<details>" not in few and few.count("<tr>") == 6
