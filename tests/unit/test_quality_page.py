"""The Data quality page is built from the suite outcome files and escapes everything from data."""
from __future__ import annotations

import json

from pipelines.site.quality import quality_page


def _write(results, name, table, expectations, **extra):
    folder = results / "quality"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps({"suite": name, "table": table, "rows": 6, "expectations": expectations, **extra}))


def test_counts_and_escaping(tmp_path):
    _write(tmp_path, "raw_x", "raw.x", [
        {"name": "key_is_unique", "severity": "error", "success": True, "unexpected_count": 0, "examples": [], "message": "passed"},
        {"name": "name_is_plain_text", "severity": "error", "success": False, "unexpected_count": 1,
         "examples": ["<script>alert(1)</script>"], "message": "1 unexpected value(s); e.g. ['<script>alert(1)</script>']"},
        {"name": "jump", "severity": "warn", "success": False, "unexpected_count": 2, "examples": [90, -90], "message": "2 unexpected"},
    ], blocked=True, quarantined_rows=1)
    (tmp_path / "quality" / "raw_x.quarantine.csv").write_text(
        "table_name,suite,expectation,severity,column_name,value,reason,source_file,source_line,source_row\n"
        "raw.x,raw_x,name_is_plain_text,error,name,\"name='=HYPERLINK(1)'\",r,f.csv,7,6\n")
    (tmp_path / "quality" / "report.json").write_text("{}")
    page = quality_page(tmp_path, "en")
    assert "1 suites, 3 expectations: 1 passed, 1 blocking failures, 1 warnings." in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "| f.csv | 7 | name\\_is\\_plain\\_text |" in page
    assert "Blocking failure" in page
    assert "conjuntos" in quality_page(tmp_path, "es")


def test_no_results(tmp_path):
    assert quality_page(tmp_path, "en") == "No check results in this build.\n"
