"""`bicentennial ingest` on inputs that are not what they should be (issue #15, points 6 and 7): a path that is no
readable file, a build folder without a warehouse, the permission bits and the fate of the landing copy, what a
refused file's message may show, and one rule for municipality codes outside the geography in every suite."""
from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import duckdb
import pytest

from pipelines import landing
from pipelines.quality.suites import load_suites
from pipelines.settings import EXPECTATIONS_DIR
from tests.conftest import DATA_DIR

LVS_SOURCE = "sesnsp_lethal_violence_state_month"  # checks on its own table only, a published header
LVS = DATA_DIR / "sesnsp/sesnsp_idm_violencia_homicida_municipal_2024_2025/violencia_homicida_estatal_mensual_2024_2025_corregido.csv"
GTO_SOURCE = "sesnsp_idm_guanajuato_homicide"  # codes looked up in raw.municipalities
GTO = DATA_DIR / "sesnsp/sesnsp_idm_guanajuato_homicidio_2020_2025/homicidios_gto_2020_2025_raw.csv"
SECRET = "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI"


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    build = tmp_path / "build"
    for variable in ("BICENTENNIAL_BUILD_DIR", "BICENTENNIAL_WAREHOUSE", "BICENTENNIAL_DATA_DIR", "BICENTENNIAL_LANDING_DIR"):
        monkeypatch.delenv(variable, raising=False)
    from pipelines.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        code = main([*args, "--build-dir", str(build)])
        out = capsys.readouterr()
        return code, out.out, out.err

    run.build = build
    return run


def stored_folders(build: Path) -> list[str]:
    landing_root = build / "landing"
    return sorted(p.name for p in landing_root.iterdir() if len(p.name) == 64) if landing_root.is_dir() else []


# ---------------------------------------------------------------- 1. a path that is not a readable file
def test_a_directory_a_device_a_pipe_and_a_missing_path_are_named_as_such(cli, tmp_path):
    folder = tmp_path / "incoming"
    folder.mkdir()
    pipe = tmp_path / "pipe.csv"
    os.mkfifo(pipe)  # never opened: reading it would wait for ever
    cases = [
        (folder, "is a directory; give one file of it (the file as published)"),
        (Path("/dev/zero"), "is not a regular file (a character device); give a regular file (copy the data to a file first)"),
        (pipe, "is not a regular file (a named pipe); give a regular file (copy the data to a file first)"),
        (tmp_path / "missing.csv", "no such file; check the path"),
    ]
    for path, reason in cases:
        code, out, err = cli("ingest", LVS_SOURCE, str(path))
        assert (code, out, err) == (2, "", f"bicentennial ingest: {path}: {reason}\n")
    assert stored_folders(cli.build) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_is_permission_denied(cli, tmp_path):
    path = tmp_path / LVS.name
    path.write_bytes(LVS.read_bytes())
    path.chmod(0)
    code, out, err = cli("ingest", LVS_SOURCE, str(path))
    assert (code, err) == (2, f"bicentennial ingest: {path}: permission denied; make it readable by this user "
                              "(chmod u+r) or copy it\n")


# ---------------------------------------------------------------- 2. a build folder without a warehouse
def test_a_fresh_build_folder_says_what_to_run_first(cli):
    code, out, err = cli("ingest", GTO_SOURCE, str(GTO))
    warehouse = cli.build / "warehouse.duckdb"
    assert code == 2 and out == ""
    assert err == (f"bicentennial ingest: raw.{GTO_SOURCE} is checked against raw.municipalities (cvegeo_in_geography), "
                   f"and there is no warehouse at {warehouse} yet; run `bicentennial run` with the same --build-dir "
                   "first, then ingest again (nothing was stored)\n")
    assert stored_folders(cli.build) == [] and not warehouse.exists()
    # A warehouse that lacks the table is named as such.
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    duckdb.connect(str(warehouse)).close()
    code, out, err = cli("ingest", GTO_SOURCE, str(GTO))
    assert code == 2 and f"the warehouse {warehouse} has no raw.municipalities; run `bicentennial run`" in err


# ---------------------------------------------------------------- 3. the landing copy
@pytest.mark.parametrize("given, kept", [(0o600, 0o400), (0o640, 0o440), (0o644, 0o444), (0o755, 0o444), (0o200, 0o400)])
def test_a_stored_copy_is_read_only_and_never_wider_than_the_original(tmp_path, given, kept):
    path = tmp_path / "f.csv"
    path.write_text(f"a,b\n1,{given}\n")
    path.chmod(given)
    stored = landing.store(path, tmp_path / "landing")
    assert stored.created and stat.S_IMODE(os.stat(stored.path).st_mode) == kept
    again = landing.store(path, tmp_path / "landing")
    assert again.path == stored.path and not again.created


def truncated_lvs(tmp_path: Path) -> Path:
    lines = LVS.read_text(encoding="utf-8").splitlines(keepends=True)
    path = tmp_path / "bad" / LVS.name
    path.parent.mkdir()
    path.write_text("".join(lines[:300]), encoding="utf-8")  # fails row_count_as_published
    path.chmod(0o600)
    return path


def test_a_refused_file_is_removed_from_the_landing_store_unless_kept(cli, tmp_path):
    import hashlib

    bad = truncated_lvs(tmp_path)
    sha = hashlib.sha256(bad.read_bytes()).hexdigest()
    code, out, err = cli("ingest", LVS_SOURCE, str(bad))
    assert code == 1 and "row_count_as_published" in err
    assert err.strip().splitlines()[-1].startswith(f"bicentennial ingest: {LVS.name} REFUSED for raw.{LVS_SOURCE}; the "
                                                   "warehouse and the landing catalog are untouched; its landing copy was "
                                                   "removed (--keep-refused keeps it)")
    assert sha not in stored_folders(cli.build)

    code, out, err = cli("ingest", LVS_SOURCE, str(bad), "--keep-refused")
    assert code == 1 and "its landing copy is kept (--keep-refused)" in err
    kept = cli.build / "landing" / sha / LVS.name
    assert kept.read_bytes() == bad.read_bytes() and stat.S_IMODE(kept.stat().st_mode) == 0o400
    # Bytes stored before (here: kept) are not this ingest's to remove.
    code, out, err = cli("ingest", LVS_SOURCE, str(bad))
    assert code == 1 and kept.is_file() and "landing copy" not in err


# ---------------------------------------------------------------- 3. what a refused file's message shows
@pytest.mark.parametrize("content", [f"{SECRET}\nsecond line\n", f"{SECRET},x,y\n1,2,3\n", f"x,{SECRET}\n"])
def test_a_refused_file_is_not_echoed(cli, tmp_path, content):
    path = tmp_path / "credentials"
    path.write_text(content)
    path.chmod(0o600)
    code, out, err = cli("ingest", LVS_SOURCE, str(path))
    assert code == 1 and "credentials, line 1" in err and ("column 1 named" in err or "another delimiter" in err)
    assert "wJalrXUtnFEMI" not in out + err and "x" not in re.findall(r"'([^']*)'", err)
    outcomes = list((cli.build / "ingest").rglob("*.json"))
    assert outcomes and all("wJalrXUtnFEMI" not in p.read_text() for p in outcomes)
    assert not list((cli.build / "landing").glob("*/credentials"))  # and its copy is gone


HEADER = {"columns": ["Año", "Mes", "Total"], "delimiter": ","}


@pytest.mark.parametrize("content, message", [
    (f"{SECRET}\n", "columns separated by ','; the header line (of 35 characters) has none (another delimiter?)"),
    (f"{SECRET},b,c\n", "column 1 named 'Año' (missing or renamed); its first field is not a published column name "
                        "(the header has 3 fields, the published one 3: 'Año', 'Mes', 'Total')"),
    ("Mes,Año,Total\n", "column 1 named 'Año' (out of place: it is column 2 of 3), found 'Mes'"),
    ("Año,Mes,Totales\n", "column 3 named 'Total' (missing or renamed), found 'Totales'"),  # the published kind: shown
])
def test_the_header_check_names_published_columns_only_until_the_header_proves_published(tmp_path, content, message):
    path = tmp_path / "f.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(landing.SourceFormatError) as error:
        landing.check_header(path, HEADER)
    assert str(error.value) == f"f.csv, line 1{', column ' + repr(error.value.column) if error.value.column else ''}: {message}"
    assert "wJalrXUtnFEMI" not in str(error.value)


# ---------------------------------------------------------------- 4. one rule for unknown municipality codes
# The municipalities created after the 2020 geography, named in the suites' allowance (INEGI codes as CONAPO
# publishes them; see evaluations/spatial/geometry.py).
POST_2020 = {"02007", "04013", "12082", "12083", "12084", "12085", "24059", "25019", "25020"}


def municipal_suites():
    return [s for s in load_suites(EXPECTATIONS_DIR)
            if s.is_raw and any(e.value_set_from for e in s.expectations) or "unknown_cvegeo" in s.derived]


def test_every_municipal_suite_blocks_and_quarantines_an_unknown_code():
    suites = municipal_suites()
    assert {s.name for s in suites} >= {"raw_conapo_population", "raw_gargiulo_homicides",
                                        "raw_census_population_municipal", "raw_inegi_homicides_mun_month_registration",
                                        "raw_sesnsp_idm_guanajuato_homicide", "raw_sspc_daily_homicides_municipal"}
    for suite in suites:
        blocking = [e for e in suite.expectations if e.severity == "error" and e.quarantine and (
            e.name == "cvegeo_known" or (e.value_set_from or {}).get("table") == "raw.municipalities")]
        assert blocking, f"{suite.name}: an unknown code is neither quarantined nor blocking"
        if "unknown_cvegeo" in suite.derived:  # a named allowance, reported (warn) but never blocking
            allowed = set(re.findall(r"'(\d{5})'", suite.derived["unknown_cvegeo"])) - {"07998"}
            assert allowed == POST_2020, suite.name


def test_the_allowance_is_the_list_the_spatial_evaluations_fold():
    from evaluations.spatial.geometry import POST_2020_MUNICIPALITIES

    assert set(POST_2020_MUNICIPALITIES) == POST_2020


def unknown(suite_name: str, rows: list[tuple]) -> list:
    """The suite's unknown_cvegeo over `rows` (cvegeo, census_year, area_type), against a geography of two codes."""
    suite = next(s for s in load_suites(EXPECTATIONS_DIR) if s.name == suite_name)
    con = duckdb.connect()
    con.execute("create schema raw; create table raw.municipalities as select * from (values ('01001'), ('11020')) t(cvegeo)")
    con.execute("create table t (cvegeo varchar, census_year integer, area_type varchar)")
    con.executemany("insert into t values (?, ?, ?)", rows)
    return [r[0] for r in con.execute(f"select {suite.derived['unknown_cvegeo']} from t order by rowid").fetchall()]


def test_the_allowance_is_named_and_anything_else_is_unknown():
    rows = [("01001", 2020, "municipality"), ("02007", 2020, "municipality"), ("25020", 2020, "municipality"),
            ("99999", 2020, "municipality"), ("07998", 1995, "municipality"), ("07998", 2000, "municipality"),
            ("12999", 2020, "municipality_unspecified"), ("33001", 2020, "abroad")]
    census = unknown("raw_census_population_municipal", rows)
    assert census == [None, None, None, "99999", None, "07998", "12999", "33001"]
    for name in ("raw_conapo_population", "raw_gargiulo_homicides"):
        assert unknown(name, rows) == [None, None, None, "99999", "07998", "07998", "12999", "33001"], name
    # INEGI classifies its own residual codes (EE999 unspecified, 33-35 abroad) apart from municipalities.
    assert unknown("raw_inegi_homicides_mun_month_registration", rows) == [None, None, None, "99999", "07998", "07998",
                                                                           None, None]
