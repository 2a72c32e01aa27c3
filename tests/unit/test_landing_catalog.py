"""The landing catalog (pipelines/landing_catalog.py): data/ seeds it, ingests and reverts change it, a load
reads the current files from it; an append-only log that survives a torn last line. Hand-built sources and
files, plus the `bicentennial ingest` / `bicentennial sources` commands on one real small source."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines import landing
from pipelines import landing_catalog as catalog
from pipelines.sources import SourceFormatError, SourceSpec
from tests.conftest import DATA_DIR

T1, T2, T3 = "2025-01-01T00:00:00Z", "2025-02-01T00:00:00Z", "2025-03-01T00:00:00Z"


def parse_counts(path: Path) -> pd.DataFrame:
    """A parser that, like the census-based ones, needs a reference file found through the file's folder."""
    if not (path.parent / "REFERENCE.txt").is_file():
        raise SourceFormatError(path, "REFERENCE.txt next to the file")
    frame = pd.read_csv(path, dtype={"key": str})
    frame["reference"] = (path.parent / "REFERENCE.txt").read_text().strip()
    return frame


SPEC = SourceSpec(name="toy", family="test", title="Toy", parse=parse_counts,
                  files=("toy/part/a.csv", "toy/part/b.csv"))


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture(autouse=True)
def toy_reference(monkeypatch):
    """The toy parser's reference file plays the part of the census catalogue (linked next to the files)."""
    real = catalog.reference_files()
    monkeypatch.setattr(catalog, "reference_files", lambda: (*real, "toy/part/REFERENCE.txt"))


@pytest.fixture
def data(tmp_path) -> Path:
    folder = tmp_path / "data"
    write(folder / "toy/part/a.csv", "key,count\na,1\n")
    write(folder / "toy/part/b.csv", "key,count\nb,2\n")
    write(folder / "toy/part/REFERENCE.txt", "ref-1\n")
    return folder


@pytest.fixture
def root(tmp_path) -> Path:
    return tmp_path / "landing"


def seeded(data: Path, root: Path) -> catalog.Plan:
    plan = catalog.plan_load(SPEC, data, root, now=T1)
    catalog.commit(plan)
    return catalog.plan_load(SPEC, data, root, now=T2)


def incoming(tmp_path: Path, name: str, text: str, root: Path) -> landing.StoredFile:
    return landing.store(write(tmp_path / "incoming" / name, text), root)


def current(plan: catalog.Plan) -> list[tuple]:
    return [(f.name, f.file, f.origin, f.sha256[:8]) for f in plan.files]


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_seed_records_each_embedded_file_once(data, root):
    plan = catalog.plan_load(SPEC, data, root, now=T1)
    assert [(r.command, r.origin, r.name, r.relative) for r in plan.pending] == [
        ("seed", "embedded", "a.csv", "toy/part/a.csv"), ("seed", "embedded", "b.csv", "toy/part/b.csv")]
    assert not catalog.catalog_path(root, "toy").exists()  # planning writes nothing
    catalog.commit(plan)
    lines = catalog.catalog_path(root, "toy").read_text().splitlines()
    receipt = json.loads(lines[0])
    assert receipt == {"name": "a.csv", "file": "a.csv", "sha256": sha("key,count\na,1\n"), "size_bytes": 14,
                       "received_at": T1, "command": "seed", "origin": "embedded",
                       "stored": f"{sha('key,count' + chr(10) + 'a,1' + chr(10))}/a.csv", "relative": "toy/part/a.csv",
                       "previous_sha256": None}
    again = catalog.plan_load(SPEC, data, root, now=T2)
    assert again.pending == [] and [f.received_at for f in again.files] == [T1, T1]


def test_a_load_reads_the_stored_copies_in_the_source_layout_and_commits_its_seeds(data, root, tmp_path):
    from pipelines.warehouse import load_source

    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    report = load_source(con, SPEC, data, landing_root=root)
    assert report.rows == 2 and [f.origin for f in report.files] == ["embedded", "embedded"]
    rows = con.execute("select file, origin, landed_path from raw._landing_files order by file").fetchall()
    assert rows == [("a.csv", "embedded", str(root / sha("key,count\na,1\n") / "a.csv")),
                    ("b.csv", "embedded", str(root / sha("key,count\nb,2\n") / "b.csv"))]
    assert con.execute("select list(reference) from raw.toy").fetchone()[0] == ["ref-1", "ref-1"]
    assert len(catalog.read_receipts(root, "toy")[0]) == 2
    assert not any((root / catalog.VIEWS_FOLDER).iterdir())  # the scratch layout is removed
    # The data folder is only a seed: with a.csv gone from it, the stored copy still loads.
    (data / "toy/part/a.csv").unlink()
    assert load_source(con, SPEC, data, landing_root=root).rows == 2


def test_ingest_replaces_adds_and_survives_the_next_load(data, root, tmp_path):
    from pipelines.warehouse import load_source

    seeded(data, root)
    new_a = incoming(tmp_path, "a.csv", "key,count\na,10\n", root)
    plan = catalog.plan_ingest(SPEC, data, root, new_a, now=T2)
    assert plan.change.command == "ingest" and plan.change.previous_sha256 == sha("key,count\na,1\n")
    assert current(plan) == [("a.csv", "a.csv", "ingested", new_a.sha256[:8]),
                             ("b.csv", "b.csv", "embedded", sha("key,count\nb,2\n")[:8])]
    catalog.commit(plan)
    # A new name is added after the declared files; --replaces puts another name in place of b.csv.
    c = incoming(tmp_path, "c.csv", "key,count\nc,3\n", root)
    catalog.commit(catalog.plan_ingest(SPEC, data, root, c, now=T3))
    b2 = incoming(tmp_path, "b_2025.csv", "key,count\nb,20\n", root)
    plan = catalog.plan_ingest(SPEC, data, root, b2, replaces="b.csv", now=T3)
    assert plan.change.relative == "toy/part/b_2025.csv"
    catalog.commit(plan)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    report = load_source(con, SPEC, data, landing_root=root)  # what every `bicentennial run` does
    assert [(f.file, f.origin) for f in report.files] == [("a.csv", "ingested"), ("b_2025.csv", "ingested"),
                                                          ("c.csv", "ingested")]
    assert con.execute("select list(count order by key) from raw.toy").fetchone()[0] == [10, 20, 3]


def test_a_changed_embedded_file_does_not_override_an_ingested_version(data, root, tmp_path):
    seeded(data, root)
    catalog.commit(catalog.plan_ingest(SPEC, data, root, incoming(tmp_path, "a.csv", "key,count\na,10\n", root), now=T2))
    write(data / "toy/part/a.csv", "key,count\na,5\n")  # a new checkout brings another a.csv …
    write(data / "toy/part/b.csv", "key,count\nb,7\n")  # … and another b.csv
    plan = catalog.plan_load(SPEC, data, root, now=T3)
    # b.csv's current version is embedded: the changed file replaces it. a.csv's is ingested: it stays.
    assert [(r.name, r.command, r.sha256) for r in plan.pending] == [("b.csv", "seed", sha("key,count\nb,7\n"))]
    assert current(plan) == [("a.csv", "a.csv", "ingested", sha("key,count\na,10\n")[:8]),
                             ("b.csv", "b.csv", "embedded", sha("key,count\nb,7\n")[:8])]


def test_revert_restores_the_previous_version_and_removes_an_added_file(data, root, tmp_path):
    seeded(data, root)
    catalog.commit(catalog.plan_ingest(SPEC, data, root, incoming(tmp_path, "a.csv", "key,count\na,10\n", root), now=T2))
    catalog.commit(catalog.plan_ingest(SPEC, data, root, incoming(tmp_path, "a.csv", "key,count\na,11\n", root), now=T2))
    catalog.commit(catalog.plan_ingest(SPEC, data, root, incoming(tmp_path, "c.csv", "key,count\nc,3\n", root), now=T2))

    plan = catalog.plan_revert(SPEC, data, root, "a.csv", now=T3)
    assert (plan.change.command, plan.change.sha256, plan.change.origin) == ("revert", sha("key,count\na,10\n"), "ingested")
    catalog.commit(plan)
    plan = catalog.plan_revert(SPEC, data, root, "a.csv", now=T3)
    assert (plan.change.sha256, plan.change.origin) == (sha("key,count\na,1\n"), "embedded")
    catalog.commit(plan)
    after = catalog.plan_load(SPEC, data, root, now=T3)
    assert after.pending == []  # back at the embedded version: data/ does not re-seed it
    assert [(f.name, f.origin, f.received_at, f.versions) for f in after.files][0] == ("a.csv", "embedded", T3, 1)
    with pytest.raises(catalog.CatalogError, match=r"^nothing to revert: toy's a.csv has no earlier version"):
        catalog.plan_revert(SPEC, data, root, "a.csv")
    # A file an ingest added: reverting it removes it from the source.
    catalog.commit(catalog.plan_revert(SPEC, data, root, "c.csv", now=T3))
    assert [f.name for f in catalog.plan_load(SPEC, data, root).files] == ["a.csv", "b.csv"]
    with pytest.raises(catalog.CatalogError, match=r"toy has no file named 'c.csv' to revert; its files: a.csv, b.csv"):
        catalog.plan_revert(SPEC, data, root, "c.csv")
    with pytest.raises(catalog.CatalogError, match=r"toy has no file named 'z.csv' to replace"):
        catalog.plan_ingest(SPEC, data, root, incoming(tmp_path, "y.csv", "key,count\ny,1\n", root), replaces="z.csv")


def test_the_same_bytes_again_are_not_a_new_version(data, root, tmp_path):
    seeded(data, root)
    plan = catalog.plan_ingest(SPEC, data, root, incoming(tmp_path, "a.csv", "key,count\na,1\n", root))
    assert plan.unchanged and plan.change is None and plan.pending == []


def test_torn_last_line_is_skipped_said_and_repaired(data, root, tmp_path):
    seeded(data, root)
    log = catalog.catalog_path(root, "toy")
    whole = log.read_bytes()
    half = catalog.plan_ingest(SPEC, data, root, incoming(tmp_path, "a.csv", "key,count\na,10\n", root), now=T2).change.line()
    log.write_bytes(whole + half[: len(half) // 2])  # a crash in the middle of an append

    plan = catalog.plan_load(SPEC, data, root)
    assert [f.origin for f in plan.files] == ["embedded", "embedded"]
    assert len(plan.notes) == 1 and "skipped a torn last line" in plan.notes[0] and str(log) in plan.notes[0]
    notes = catalog.commit(catalog.plan_ingest(SPEC, data, root, incoming(tmp_path, "a.csv", "key,count\na,10\n", root), now=T2))
    assert len(notes) == 1 and f"removed a torn last line ({len(half) // 2} bytes" in notes[0]
    assert log.read_bytes() == whole + half
    assert catalog.plan_load(SPEC, data, root).notes == []


def test_a_damaged_complete_line_is_named(data, root):
    seeded(data, root)
    log = catalog.catalog_path(root, "toy")
    lines = log.read_bytes().split(b"\n")
    log.write_bytes(lines[0] + b"\n{not json\n" + lines[1] + b"\n")
    with pytest.raises(SourceFormatError, match=r"^toy.jsonl, line 2: a JSON receipt per line"):
        catalog.plan_load(SPEC, data, root)


def test_the_current_set_is_deterministic(data, root, tmp_path):
    """The same receipts give the same files in the same order whatever their dates; declared files first,
    added ones by name; receipts are canonical JSON."""
    seeded(data, root)
    for name in ("z.csv", "m.csv"):
        catalog.commit(catalog.plan_ingest(SPEC, data, root, incoming(tmp_path, name, f"key,count\n{name[0]},1\n", root)))
    receipts, _ = catalog.read_receipts(root, "toy")
    names = [f.file for f in catalog.current_files(SPEC, receipts)]
    assert names == ["a.csv", "b.csv", "m.csv", "z.csv"]
    redated = [catalog.Receipt(**{**r.__dict__, "received_at": T3}) for r in receipts]
    assert [(f.file, f.sha256) for f in catalog.current_files(SPEC, redated)] == \
        [(f.file, f.sha256) for f in catalog.current_files(SPEC, receipts)]
    for line in catalog.catalog_path(root, "toy").read_bytes().splitlines():
        assert line == json.dumps(json.loads(line), sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    # An embedded file the source no longer declares drops out; an ingested addition stays.
    fewer = SourceSpec(name="toy", family="test", title="Toy", parse=parse_counts, files=("toy/part/a.csv",))
    assert [f.file for f in catalog.current_files(fewer, receipts)] == ["a.csv", "m.csv", "z.csv"]


def test_a_tampered_stored_copy_is_refused(data, root, tmp_path):
    from pipelines.warehouse import load_errors, load_source

    seeded(data, root)
    stored = root / sha("key,count\na,1\n") / "a.csv"
    os.chmod(stored, 0o644)
    stored.write_text("key,count\na,999\n")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    assert load_source(con, SPEC, data, landing_root=root).rows == 0
    assert "the landing store was modified" in load_errors(con, "toy")[0]["message"]


# ----------------------------------------------------------------------------------------------
# The commands, on the real state-month lethal-violence file (608 rows, checks on its own table only)

LVS_SOURCE = "sesnsp_lethal_violence_state_month"
LVS = DATA_DIR / "sesnsp/sesnsp_idm_violencia_homicida_municipal_2024_2025/violencia_homicida_estatal_mensual_2024_2025_corregido.csv"


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    build = tmp_path / "build"
    for variable in ("BICENTENNIAL_BUILD_DIR", "BICENTENNIAL_WAREHOUSE", "BICENTENNIAL_DATA_DIR", "BICENTENNIAL_LANDING_DIR"):
        monkeypatch.delenv(variable, raising=False)  # restored after the test (the commands set them)
    from pipelines.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        code = main([*args, "--build-dir", str(build)])
        out = capsys.readouterr()
        return code, out.out, out.err

    run.build = build
    return run


def test_ingest_revert_and_sources_commands(cli, tmp_path):
    build = cli.build
    code, out, err = cli("ingest", "no_such_source", str(LVS))
    assert code == 2 and err.startswith("bicentennial ingest: unknown source 'no_such_source'; known: ")
    code, out, err = cli("ingest", "--revert", LVS_SOURCE, LVS.name)
    assert (code, err.strip()) == (2, f"bicentennial ingest: nothing to revert: {LVS_SOURCE}'s {LVS.name} has no earlier "
                                      f"version (embedded, sha256 {hashlib.sha256(LVS.read_bytes()).hexdigest()[:12]})")

    # A refused file: nothing recorded.
    lines = LVS.read_text(encoding="utf-8").splitlines(keepends=True)
    bad = write(tmp_path / "bad" / LVS.name, "".join(lines[:300]))
    code, out, err = cli("ingest", LVS_SOURCE, str(bad))
    assert code == 1 and "row_count_as_published" in err and err.strip().splitlines()[-1].startswith(
        f"bicentennial ingest: {LVS.name} REFUSED")
    assert not catalog.catalog_path(build / "landing", LVS_SOURCE).exists()

    # An update (one count changed) is recorded and loaded; `sources` shows it.
    fields = lines[10].rstrip("\n").split(",")
    fields[8] = str(int(fields[8]) + 1)
    good = write(tmp_path / "good" / LVS.name, "".join(lines[:10] + [",".join(fields) + "\n"] + lines[11:]))
    code, out, err = cli("ingest", LVS_SOURCE, str(good))
    assert code == 0, err
    assert out.strip().splitlines()[-1].startswith(f"bicentennial ingest: {LVS.name} loaded into raw.{LVS_SOURCE} (608 rows")
    code, out, err = cli("sources", LVS_SOURCE)
    new_sha = hashlib.sha256(good.read_bytes()).hexdigest()
    assert code == 0 and out.splitlines()[0] == f"{LVS_SOURCE} (1 file)"
    assert out.splitlines()[1].split() == [LVS.name, new_sha[:12], f"{good.stat().st_size:,}", "bytes", "ingested",
                                           out.splitlines()[1].split()[5], "2", "versions"]
    with duckdb.connect(str(build / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute(f"select sha256, origin from raw._landing_files where table_name = '{LVS_SOURCE}'").fetchall() == \
            [(new_sha, "ingested")]

    code, out, err = cli("ingest", LVS_SOURCE, str(good), "--replaces", "nope.csv")
    assert code == 2 and f"{LVS_SOURCE} has no file named 'nope.csv' to replace; its files: {LVS.name}" in err
    code, out, err = cli("ingest", "--revert", LVS_SOURCE, LVS.name)
    assert code == 0 and f"{LVS.name} reverted to its version {hashlib.sha256(LVS.read_bytes()).hexdigest()[:12]}" in out
    with duckdb.connect(str(build / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute(f"select origin from raw._landing_files where table_name = '{LVS_SOURCE}'").fetchall() == [("embedded",)]
    commands = [json.loads(line)["command"] for line in catalog.catalog_path(build / "landing", LVS_SOURCE).read_text().splitlines()]
    assert commands == ["seed", "ingest", "revert"]


def test_only_the_latest_ingest_folders_are_kept(tmp_path):
    from pipelines.commands.ingest import KEEP_INGEST_FOLDERS, _prune_ingest_folders

    base = tmp_path / "ingest"
    for i in range(8):
        (base / f"{i:012x}").mkdir(parents=True)
        os.utime(base / f"{i:012x}", ns=(10**18 + i * 10**9, 10**18 + i * 10**9))
    keep = base / f"{0:012x}"  # just written (its outcomes rewritten): stays
    _prune_ingest_folders(base, keep)
    assert sorted(p.name for p in base.iterdir()) == sorted([f"{i:012x}" for i in (0, 4, 5, 6, 7)])
    assert KEEP_INGEST_FOLDERS == 5


def test_the_landing_sensor_sees_ingests_and_reverts_but_not_seeds(data, root, tmp_path):
    from pipelines.sensors import catalog_fingerprints, changed_sources

    seeded(data, root)
    assert catalog_fingerprints(root, (SPEC,)) == {}  # a run's own seeds trigger nothing
    catalog.commit(catalog.plan_ingest(SPEC, data, root, incoming(tmp_path, "a.csv", "key,count\na,10\n", root)))
    after_ingest = catalog_fingerprints(root, (SPEC,))
    assert list(after_ingest) == ["catalog:toy"]
    assert changed_sources({}, after_ingest, (SPEC,)) == ["toy"]
    catalog.commit(catalog.plan_revert(SPEC, data, root, "a.csv"))
    assert changed_sources(after_ingest, catalog_fingerprints(root, (SPEC,)), (SPEC,)) == ["toy"]


def test_a_declared_file_missing_from_data_can_be_ingested(data, root, tmp_path):
    (data / "toy/part/b.csv").unlink()
    plan = catalog.plan_load(SPEC, data, root)
    assert list(plan.missing) == ["b.csv"]
    plan = catalog.plan_ingest(SPEC, data, root, incoming(tmp_path, "b.csv", "key,count\nb,9\n", root))
    assert plan.missing == {} and plan.change.relative == "toy/part/b.csv"
    assert [f.name for f in plan.files] == ["a.csv", "b.csv"]


def test_replacing_a_file_with_the_name_of_another_is_refused(data, root, tmp_path):
    with pytest.raises(catalog.CatalogError, match=r"^toy already has another file named 'a.csv'; rename the file to "
                                                   r"replace b.csv with it, or leave out --replaces to replace a.csv$"):
        catalog.plan_ingest(SPEC, data, root, incoming(tmp_path, "a.csv", "key,count\na,7\n", root), replaces="b.csv")
