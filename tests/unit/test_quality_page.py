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


def test_spanish_page_says_each_failure_in_spanish_and_names_identifiers_as_code(tmp_path):
    _write(tmp_path, "marts_y", "marts.y", [
        {"name": "rate_month_over_month_jump", "severity": "warn", "success": False, "unexpected_count": 1963,
         "examples": [181.2], "message": "rate_month_over_month_jump: 1,963 unexpected value(s) in rate_change; e.g. [181.2]"},
        {"name": "rows_in_range", "severity": "error", "success": False, "unexpected_count": 3, "examples": [], "message": "3 unexpected"},
        {"name": "row_count", "severity": "error", "success": False, "observed": 5, "message": "row_count: failed (observed 5)"},
    ])
    # Markdown escapes of the page ("valor\\(es\\)") removed: what pandoc renders
    es, en = (quality_page(tmp_path, lang).replace("\\", "") for lang in ("es", "en"))
    assert "## `marts.y`" in es  # a second-level heading under the page's h1, the table name as code
    assert "| `rate_month_over_month_jump` | advertencia | no cumplida | 1,963 | [181.2] | 1,963 valor(es) fuera de lo esperado en `rate_change` |" in es
    assert "| `rows_in_range` | bloqueante | no cumplida | 3 |  | 3 valor(es) fuera de lo esperado |" in es
    assert "observado: 5" in es and "unexpected" not in es
    assert "| `rate_month_over_month_jump` | warning | not passed | 1,963 | [181.2] | 1,963 unexpected value(s) in `rate_change` |" in en
    assert "| `rows_in_range` | blocking | not passed | 3 |  | 3 unexpected value(s) |" in en
