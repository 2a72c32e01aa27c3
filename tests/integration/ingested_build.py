"""One full pipeline run shared by the tests of `bicentennial run` over a build folder with ingests (issue #15):
tests/integration/test_run_promotion.py and test_landing_catalog.py read it (fixture `ingested_build`,
tests/integration/conftest.py), so what used to take two runs takes one.

The build folder is made as the version before the output links left it (real results/ and site/ folders, a
released site version) with the staging folders of killed runs; then

1. `bicentennial ingest` of a copy of the real SESNSP federal-jurisdiction file (IDEFF) with one count changed —
   Aguascalientes, January 2012, "other crimes of the Organized Crime Law": 3 → 40 — into that folder;
2. `bicentennial run`, and once it holds the lock, `bicentennial ingest` of a corrected state lethal-violence file
   (LVS: Aguascalientes, January 2024, one more intentional homicide), which waits for the run;
3. what the run published for January 2012 of the IDEFF (mart, the CSV the Goal III page links, the page's table,
   the manifest), `bicentennial sources`, and `bicentennial ingest` of one unchanged file of the two-file CBP source.
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from pipelines import promotion as pr
from tests.bad_inputs.corpus import LVS, LVS_SOURCE, edit_many
from tests.conftest import DATA_DIR, REPO_ROOT

RELEASE = {"en/index.html": "<html>v0.9.0</html>\n", "es/index.html": "<html>v0.9.0 es</html>\n",
           "version.json": '{"version": "v0.9.0", "commit": "0000000"}\n'}
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


def env() -> dict:
    """The environment of a `bicentennial` subprocess: no BICENTENNIAL_* setting of the test session."""
    return {k: v for k, v in os.environ.items() if not k.startswith("BICENTENNIAL_")}


STEPS: list[tuple[str, float]] = []  # (command, seconds) of `cli`, printed with the fixtures' totals


def cli(*args: str) -> subprocess.CompletedProcess:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "pipelines.cli", *args], cwd=REPO_ROOT, env=env(), capture_output=True,
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
    cell = re.search(r"<td>Jan(?:uary)? 2012</td>\s*<td[^>]*>([\d,.]+)</td>", section).group(1)   # the chart's Table tab: months as months, counts whole
    manifest = json.loads((build / "results" / "manifest.json").read_text())
    return {"mart": mart, "csv": site_csv["2012-01-01"], "page": float(cell.replace(",", "")), "landing": landing,
            "manifest_sha": manifest["inputs"][IDEFF.relative_to(DATA_DIR).as_posix()]["sha256"]}


def run_with_an_ingest_waiting(build: Path, incoming: Path, source: str, logs: Path) -> dict[str, tuple]:
    """`bicentennial run` on `build`, and once it holds the lock (its staging folder exists), `bicentennial ingest
    source incoming` on the same folder; returns {name: (returncode, stdout, stderr)} when both have finished.
    Output goes to files, not pipes: a process blocked on a full pipe while holding the lock would deadlock the
    other, which waits for that lock before anyone reads its pipe."""
    commands = {"run": ["run", "--build-dir", str(build)],
                "ingest": ["ingest", source, str(incoming), "--build-dir", str(build)]}
    processes = {}
    for name, args in commands.items():
        with open(logs / f"{name}.out", "w") as out, open(logs / f"{name}.err", "w") as err:
            processes[name] = subprocess.Popen([sys.executable, "-m", "pipelines.cli", *args], cwd=REPO_ROOT, env=env(),
                                               stdout=out, stderr=err, text=True)
        if name == "run":
            deadline = time.monotonic() + 300
            while not (build / f".run-{processes['run'].pid}").exists():
                assert processes["run"].poll() is None and time.monotonic() < deadline, (logs / "run.err").read_text()
                time.sleep(0.2)
    for process in processes.values():
        process.wait(timeout=1800)
    return {name: (process.returncode, (logs / f"{name}.out").read_text(), (logs / f"{name}.err").read_text())
            for name, process in processes.items()}


def old_build(build: Path) -> None:
    """A build folder as the version before the output links left it, with what killed runs left behind."""
    (build / "results/evaluations/retired_spec").mkdir(parents=True)
    (build / "results/evaluations/retired_spec/result.json").write_text("{}")
    for relative, text in RELEASE.items():
        (build / "site/v0.9.0" / relative).parent.mkdir(parents=True, exist_ok=True)
        (build / "site/v0.9.0" / relative).write_text(text)
    for leftover in (".run-999999", ".site.previous-999999"):
        (build / leftover / "x").mkdir(parents=True)
    assert not pr.pid_alive(999999)


def make_ingested_build(base: Path) -> dict:
    """The steps of the module docstring in `base`; returns what the tests read (the folder is `out["build"]`)."""
    started = time.monotonic()
    build = base / "build"
    old_build(build)
    ideff = base / "incoming-ideff" / IDEFF.name
    ideff.parent.mkdir()
    ideff.write_bytes(changed_ideff())
    out: dict = {"build": build, "ideff": ideff, "sha": hashlib.sha256(ideff.read_bytes()).hexdigest()}
    out["ingest"] = cli("ingest", SOURCE, str(ideff), "--build-dir", str(build))
    # Aguascalientes, January 2024: one more intentional homicide, and the total with it (1 + 14 + 7 + 2 = 24).
    incoming = base / "incoming" / LVS.name
    incoming.parent.mkdir()
    incoming.write_bytes(edit_many(LVS, (2, 6, "7"), (2, 8, "24")))
    out.update(incoming=incoming, concurrent=run_with_an_ingest_waiting(build, incoming, LVS_SOURCE, base))
    code, stdout, stderr = out["concurrent"]["run"]
    assert code == 0, (stdout[-3000:], stderr[-3000:])
    out["run"] = subprocess.CompletedProcess([], code, stdout, stderr)
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
    print(f"\ningested build: {time.monotonic() - started:.0f} s ("
          + ", ".join(f"{command}: {seconds:.0f} s" for command, seconds in STEPS) + ")")
    return out
