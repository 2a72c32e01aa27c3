"""The landing store is the source of truth (issue #15): an ingested update survives `bicentennial run`, reaches
the mart and the site, and a revert puts the embedded file back; one file of a multi-file source can be
ingested on its own.

Two full runs side by side (module fixture): a copy of the real SESNSP federal-jurisdiction file (IDEFF) with one
count changed — Aguascalientes, January 2012, "other crimes of the Organized Crime Law": 3 → 40 — is ingested
into a fresh build folder, then `bicentennial run`; the national series "Federal organized-crime
investigations (LFCDO)" of marts.indicators and the CSV that the Goal III page links (and its table) show
the new January 2012 value. In a second build folder the same file is ingested, then `bicentennial ingest
--revert` and a run show the old one."""
from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest

from tests.conftest import DATA_DIR, REPO_ROOT

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SOURCE = "sesnsp_ideff_federal_state"
IDEFF = DATA_DIR / "sesnsp/sesnsp_ideff_fuero_federal_estatal_2012_2025/IDEFF_jul25.csv"
LINE, JANUARY, OLD, NEW = 539, 6, b"3", b"40"  # 1-based line; 0-based field ENERO
INDICATOR = "Federal organized-crime investigations (LFCDO)"
EVALUATION = "organized_crime_trend"
CBP_SOURCE = "cbp_drug_seizures_nationwide"
CBP = DATA_DIR / "cbp/cbp_drug_seizures_fy19_fy26/nationwide-drugs-fy23-fy26-dec.csv"


def changed_ideff() -> bytes:
    lines = IDEFF.read_bytes().split(b"\n")
    fields = lines[LINE - 1].split(b",")
    assert fields[:3] == [b"2012", b"1", b"AGUASCALIENTES"] and b"L.F.C.D.O." in fields[4] and fields[JANUARY] == OLD
    fields[JANUARY] = NEW
    lines[LINE - 1] = b",".join(fields)
    return b"\n".join(lines)


STEPS: list[tuple[str, float]] = []  # (command, seconds), printed with the fixture's total


def cli(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BICENTENNIAL_")}
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "pipelines.cli", *args], cwd=REPO_ROOT, env=env, capture_output=True,
                          text=True, timeout=900)
    STEPS.append((" ".join(a for a in args[:3] if not a.startswith("/")), time.monotonic() - started))
    assert done.returncode == 0, f"bicentennial {' '.join(args)}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def observe(build: Path) -> dict:
    """What the run published for January 2012: the mart, the CSV the Goal III page links, the page's table."""
    with duckdb.connect(str(build / "warehouse.duckdb"), read_only=True) as con:
        mart = con.execute("select value from marts.indicators where indicator = ? and period = date '2012-01-01' "
                           "and period_grain = 'month'", [INDICATOR]).fetchone()[0]
        landing = con.execute("select file, sha256, origin, landed_path from raw._landing_files where table_name = ?",
                              [SOURCE]).fetchall()
    pages = sorted(build.glob("site/*/en/goal-3.html"))
    assert pages, "no Goal III page"
    page = pages[0].read_text(encoding="utf-8")
    link = f"figures/{EVALUATION}_series.csv"
    assert f'href="{link}"' in page
    with open(pages[0].parent / link, newline="", encoding="utf-8") as handle:
        site_csv = {row["period"]: float(row["value"]) for row in csv.DictReader(handle)}
    section = page[page.index(f'id="{EVALUATION}"'):]
    section = section[:section.index(link)]
    cell = re.search(r"<td>Jan 2012</td>\s*<td[^>]*>([\d,.]+)</td>", section).group(1)   # months as months, counts whole
    manifest = json.loads((build / "results" / "manifest.json").read_text())
    return {"mart": mart, "csv": site_csv["2012-01-01"], "page": float(cell.replace(",", "")), "landing": landing,
            "manifest_sha": manifest["inputs"][IDEFF.relative_to(DATA_DIR).as_posix()]["sha256"]}


@pytest.fixture(scope="module")
def rounds(tmp_path_factory) -> dict:
    """Two independent builds, run side by side (a run is mostly single-threaded; two take little more than one on
    2 cores): A ingests the changed file and runs; B ingests it, reverts it, and runs."""
    base = tmp_path_factory.mktemp("catalog")
    build, revert_build = base / "build", base / "revert-build"
    incoming = base / "incoming" / IDEFF.name
    incoming.parent.mkdir()
    incoming.write_bytes(changed_ideff())
    out: dict = {"build": build, "revert_build": revert_build, "sha": hashlib.sha256(incoming.read_bytes()).hexdigest(),
                 "embedded_sha": hashlib.sha256(IDEFF.read_bytes()).hexdigest()}
    started = time.monotonic()

    def ingested_then_run():
        out["ingest"] = cli("ingest", SOURCE, str(incoming), "--build-dir", str(build))
        cli("run", "--build-dir", str(build))
        out["first"] = observe(build)
        out["sources_after_ingest"] = cli("sources", SOURCE, "--build-dir", str(build)).stdout

        # One file of a multi-file source, as published: the whole source is loaded and checked, rows unchanged.
        def cbp_state():
            with duckdb.connect(str(build / "warehouse.duckdb"), read_only=True) as con:
                return (con.execute(f"select count(*) from raw.{CBP_SOURCE}").fetchone()[0],
                        con.execute("select file, sha256, rows, origin from raw._landing_files where table_name = ? "
                                    "order by file", [CBP_SOURCE]).fetchall())
        out["cbp_before"] = cbp_state()
        out["cbp_ingest"] = cli("ingest", CBP_SOURCE, str(CBP), "--build-dir", str(build))
        out["cbp_after"] = cbp_state()

    def ingested_reverted_then_run():
        cli("ingest", SOURCE, str(incoming), "--build-dir", str(revert_build))
        out["revert"] = cli("ingest", "--revert", SOURCE, IDEFF.name, "--build-dir", str(revert_build))
        cli("run", "--build-dir", str(revert_build))
        out["second"] = observe(revert_build)
        out["sources_after_revert"] = cli("sources", SOURCE, "--build-dir", str(revert_build)).stdout

    with ThreadPoolExecutor(max_workers=2) as pool:
        for done in [pool.submit(ingested_then_run), pool.submit(ingested_reverted_then_run)]:
            done.result()  # re-raises a failed command's assertion here
    out["seconds"] = time.monotonic() - started
    print(f"\nlanding catalog round trip: {out['seconds']:.0f} s ("
          + ", ".join(f"{command}: {seconds:.0f} s" for command, seconds in STEPS) + ")")
    return out


def test_an_ingested_update_survives_the_run_and_reaches_the_mart_and_the_site(rounds):
    first, second = rounds["first"], rounds["second"]
    delta = int(NEW) - int(OLD)
    assert first["mart"] == second["mart"] + delta
    assert first["csv"] == first["page"] == first["mart"]
    assert rounds["ingest"].stdout.strip().splitlines()[-1].startswith(
        f"bicentennial ingest: {IDEFF.name} loaded into raw.{SOURCE} (155,826 rows")
    build = rounds["build"]
    assert first["landing"] == [(IDEFF.name, rounds["sha"], "ingested", str(build / "landing" / rounds["sha"] / IDEFF.name))]
    assert first["manifest_sha"] == rounds["sha"]
    line = rounds["sources_after_ingest"].splitlines()[1].split()
    assert line[:5] == [IDEFF.name, rounds["sha"][:12], f"{len(changed_ideff()):,}", "bytes", "ingested"]


def test_a_revert_puts_the_embedded_file_back(rounds):
    second = rounds["second"]
    assert second["csv"] == second["page"] == second["mart"]
    assert f"{IDEFF.name} reverted to its version {rounds['embedded_sha'][:12]}" in rounds["revert"].stdout
    assert [(f, s, o) for f, s, o, _ in second["landing"]] == [(IDEFF.name, rounds["embedded_sha"], "embedded")]
    assert second["manifest_sha"] == rounds["embedded_sha"]
    assert rounds["sources_after_revert"].splitlines()[1].split()[4] == "embedded"
    receipts = [json.loads(line) for line in
                (rounds["revert_build"] / "landing" / "catalog" / f"{SOURCE}.jsonl").read_text().splitlines()]
    assert [(r["command"], r["origin"], r["sha256"]) for r in receipts] == [
        ("seed", "embedded", rounds["embedded_sha"]), ("ingest", "ingested", rounds["sha"]),
        ("revert", "embedded", rounds["embedded_sha"])]


def test_one_file_of_a_multi_file_source_is_ingested_with_the_rest_of_the_source(rounds):
    """The real, unchanged fy23–fy26 CBP file: accepted (row_count_as_published sees both files), rows unchanged."""
    rows, files = rounds["cbp_before"]
    assert rounds["cbp_after"] == rounds["cbp_before"]
    assert len(files) == 2 and sum(f[2] for f in files) == rows
    assert f"{CBP.name} is already the file in use" in rounds["cbp_ingest"].stdout
