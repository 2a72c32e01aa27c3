"""dbt marts stay portable across adapters: no DuckDB-only SQL outside macros (dbt_project/macros/
dispatches per adapter, e.g. month_start). The deny-list below is reviewed by hand: DuckDB functions
and syntax that PostgreSQL (the reference second adapter) does not have or reads differently.

KNOWN_OFFENDERS records the debt found when the rule was introduced; fixing a model means removing its
entry (the test fails while an entry no longer matches, so the list only shrinks)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

MODELS = Path(__file__).resolve().parents[2] / "dbt_project" / "models"

DENY = {
    "make_date": r"\bmake_date\s*\(",  # PostgreSQL has it, Snowflake/BigQuery do not: use month_start()
    "strftime/strptime": r"\bstr[fp]time\s*\(",
    "epoch()": r"\bepoch(_ms|_us|_ns)?\s*\(",
    "date_diff/datediff": r"\bdate_?diff\s*\(",
    "date_add/date_sub": r"\bdate_(add|sub)\s*\(",
    "year()/month()/day() functions": r"(?<![\w.])(year|month|day|quarter|dayofweek|dayofyear|week)\s*\(",
    "ifnull": r"\bifnull\s*\(",
    "if()/iff()": r"(?<![\w.])iff?\s*\(",
    "arg_max/arg_min/max_by/min_by": r"\b(arg_max|arg_min|max_by|min_by)\s*\(",
    "count_if": r"\bcount_?if\s*\(",
    "median/quantile": r"\b(median|quantile(_cont|_disc)?)\s*\(",
    "list functions": r"(?<![\w.])(list_\w+|list)\s*\(",
    "struct_pack": r"\bstruct_pack\s*\(",
    "string_split": r"\b(string|str)_split\w*\s*\(",
    "regexp_matches/regexp_full_match/regexp_extract": r"\bregexp_(matches|full_match|extract)\s*\(",
    "try_cast": r"\btry_cast\s*\(",
    "read_csv/read_parquet/read_json": r"\bread_(csv|parquet|json)\w*\s*\(",
    "spatial st_*": r"\bst_\w+\s*\(",
    "select * exclude/replace": r"\*\s*(exclude|replace)\s*\(",
    "qualify": r"\bqualify\b",
    "group by all / order by all": r"\b(group|order)\s+by\s+all\b",
    "pivot/unpivot": r"\b(un)?pivot\b",
    "columns()": r"\bcolumns\s*\(",
    "first()/last() aggregates": r"(?<![\w.])(first|last)\s*\(",
    "hash()/len()/printf()/today()": r"(?<![\w.])(hash|len|printf|today)\s*\(",
    "prefix()/suffix()/contains()": r"(?<![\w.])(prefix|suffix|contains)\s*\(",
    "range()": r"(?<![\w.])range\s*\(",
    "DuckDB-only types": r"\bas\s+(hugeint|uhugeint|ubigint|uinteger|usmallint|utinyint|string|struct|map|union)\b",
    "type double (PostgreSQL: double precision)": r"\bas\s+double\b(?!\s+precision)",
}

# (file under models/, rule) → why it is tolerated for now; reported to the lead.
# (file under models/, rule) → why it is tolerated for now. Empty: every mart is portable.
KNOWN_OFFENDERS: dict[tuple[str, str], str] = {}


def strip(sql: str) -> str:
    """SQL without Jinja comments, SQL comments and string literals (newlines kept for line numbers)."""
    def blank(match: re.Match) -> str:
        return re.sub(r"[^\n]", " ", match.group(0))

    for pattern in (r"\{#.*?#\}", r"/\*.*?\*/", r"--[^\n]*", r"'(?:[^']|'')*'"):
        sql = re.sub(pattern, blank, sql, flags=re.S)
    return sql


def offences(layer: str) -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = {}
    for path in sorted((MODELS / layer).rglob("*.sql")):
        for number, line in enumerate(strip(path.read_text(encoding="utf-8")).splitlines(), 1):
            for rule, pattern in DENY.items():
                if re.search(pattern, line, re.I):
                    found.setdefault((str(path.relative_to(MODELS)), rule), []).append(f"line {number}: {line.strip()[:90]}")
    return found


@pytest.mark.parametrize(("sql", "rule"), [
    ("select make_date(y, m, 1)", "make_date"),
    ("select strftime(d, '%Y')", "strftime/strptime"),
    ("select * exclude (geometry) from t", "select * exclude/replace"),
    ("select year(d) from t", "year()/month()/day() functions"),
    ("select cast(x as double) from t", "type double (PostgreSQL: double precision)"),
    ("select a from t qualify row_number() over () = 1", "qualify"),
    ("select arg_max(a, b) from t group by all", "arg_max/arg_min/max_by/min_by"),
])
def test_the_deny_list_catches_duckdb_only_sql(sql, rule):
    assert re.search(DENY[rule], strip(sql), re.I)


@pytest.mark.parametrize("sql", [
    "select cast(x as double precision), extract(year from d), {{ month_start('y', 'm') }} from t",
    "select 'make_date(1, 2, 3) in a string', coalesce(a, 0) from t -- year(d) in a comment",
    "select lpad(cast(m as varchar), 2, '0'), sum(x) filter (where y > 0), date_trunc('month', d) from t",
])
def test_portable_sql_passes(sql):
    assert not [rule for rule, pattern in DENY.items() if re.search(pattern, strip(sql), re.I)]


def test_marts_and_intermediate_models_have_no_duckdb_only_sql_outside_macros():
    found = {**offences("marts"), **offences("intermediate")}
    new = {k: v for k, v in found.items() if k not in KNOWN_OFFENDERS}
    assert not new, "DuckDB-only SQL in models (use or add a dispatching macro in dbt_project/macros/):\n" + \
        "\n".join(f"  {file} [{rule}] {', '.join(lines[:3])}" for (file, rule), lines in new.items())
    fixed = sorted(k for k in KNOWN_OFFENDERS if k not in found)
    assert not fixed, f"fixed, remove from KNOWN_OFFENDERS: {fixed}"
