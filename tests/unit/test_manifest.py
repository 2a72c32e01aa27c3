"""The result manifest: order-independent table hashes (checked against a hashlib computation of the
documented definition), estimate collection from result JSONs, and the comparison rules."""
from __future__ import annotations

import copy
import hashlib
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from pipelines.manifest import (
    ManifestError,
    build_manifest,
    compare_manifests,
    dumps,
    git_code_version,
    input_files,
    load_manifest,
    numbers_agree,
    result_numbers,
    table_fingerprint,
)

ROWS = [(1, "01001", "Aguascalientes"), (2, "02007", "San Felipe"), (3, "09015", "Cuauhtémoc"), (2, "02007", "San Felipe")]


def _hashlib_table_hash(rows: list[tuple]) -> str:
    """The documented definition, computed without DuckDB: MD5 of each row's JSON text, the two
    little-endian 64-bit halves summed separately modulo 2^64."""
    first = second = 0
    for n, code, name in rows:
        text = json.dumps({"n": n, "code": code, "name": name}, separators=(",", ":"), ensure_ascii=False)
        digest = hashlib.md5(text.encode("utf-8")).digest()
        first += int.from_bytes(digest[:8], "little")
        second += int.from_bytes(digest[8:], "little")
    return f"{first % 2**64:016x}{second % 2**64:016x}"


@pytest.fixture
def con():
    connection = duckdb.connect()
    connection.execute("create schema marts")
    connection.execute("create table marts.t (n integer, code varchar, name varchar)")
    connection.executemany("insert into marts.t values (?, ?, ?)", ROWS)
    yield connection
    connection.close()


def test_table_hash_matches_an_independent_hashlib_computation(con):
    fp = table_fingerprint(con, "marts.t")
    assert fp == {"rows": 4, "columns": ["n INTEGER", "code VARCHAR", "name VARCHAR"], "hash": _hashlib_table_hash(ROWS)}


def test_table_hash_ignores_row_order_but_not_content(con):
    reference = table_fingerprint(con, "marts.t")["hash"]
    con.execute("create table marts.shuffled as select * from marts.t order by name desc, n desc")
    assert table_fingerprint(con, "marts.shuffled")["hash"] == reference
    # A duplicated row cancels out under XOR; under a sum it must change the hash.
    con.execute("create table marts.one_less as select distinct * from marts.t")
    assert table_fingerprint(con, "marts.one_less")["rows"] == 3
    assert table_fingerprint(con, "marts.one_less")["hash"] == _hashlib_table_hash(ROWS[:3])
    assert table_fingerprint(con, "marts.one_less")["hash"] != reference
    con.execute("update marts.shuffled set name = 'Cuauhtemoc' where n = 3")
    assert table_fingerprint(con, "marts.shuffled")["hash"] != reference
    con.execute("create table marts.renamed as select n, code, name as nombre from marts.t")
    assert table_fingerprint(con, "marts.renamed")["hash"] != reference


def test_unknown_table_is_a_clear_error(con):
    with pytest.raises(ManifestError, match="marts.nope not found"):
        table_fingerprint(con, "marts.nope")


@dataclass
class _Spec:
    name: str
    files: tuple


def test_inputs_are_keyed_by_their_path_under_the_data_folder(con):
    con.execute("create schema raw")
    con.execute("create table raw._landing_files (table_name varchar, file varchar, size_bytes bigint, sha256 varchar, "
                "rows bigint, landed_path varchar)")
    con.execute("insert into raw._landing_files values ('homicides', 'a.csv.gz', 10, 'ab', 3, 'x'), "
                "('other', 'b.csv', 5, 'cd', 1, 'y')")
    got = input_files(con, [_Spec("homicides", ("homicides/gargiulo/a.csv.gz",))])
    assert got == {"homicides/gargiulo/a.csv.gz": {"sha256": "ab", "bytes": 10, "rows": 3, "table": "raw.homicides"},
                   "other/b.csv": {"sha256": "cd", "bytes": 5, "rows": 1, "table": "raw.other"}}


RESULT = {
    "name": "x",
    "seed": 20211008,  # recorded at the top, but the TWFE results below are analytic: not made exact by it
    "sample": {"units": 2467, "rows_in_window": 177624},
    "results": {
        "twfe": {"att": {"estimate": 0.654, "std_error": 0.3066, "ci_low": 0.053, "ci_high": 1.255, "t_stat": 2.13},
                 "n_obs": 177624},
        "cs": {"bootstrap": {"draws": 999, "seed": 20211008},
               "att": {"estimate": 0.5, "std_error": 0.2, "ci_low": 0.1, "ci_high": 0.9},
               "att_gt": [{"group": 24, "time": 25, "estimate": 1.5, "std_error": 0.5},
                          {"group": 24, "time": 26, "estimate": float("nan"), "std_error": float("nan")}]},
    },
}


HOTSPOTS = {"method": "gi", "permutations": 9999, "seed": 5, "moran_post": {"I": 0.31, "p_sim": 0.0001}}


def _results_dir(tmp_path: Path, payload: dict = RESULT) -> Path:
    folder = tmp_path / "results"
    (folder / "evaluations" / "x").mkdir(parents=True)
    (folder / "evaluations" / "x" / "result.json").write_text(json.dumps(payload))
    (folder / "spatial" / "x").mkdir(parents=True)
    (folder / "spatial" / "x" / "hotspots.json").write_text(json.dumps(HOTSPOTS))
    (folder / "quality").mkdir()
    (folder / "quality" / "s.json").write_text(json.dumps({"suite": "s", "expectations": [
        {"name": "unique", "success": True, "severity": "error", "unexpected_count": 0}]}))
    return folder


def test_estimates_values_and_seeds_are_collected_with_stable_ids(tmp_path):
    estimates, values, seeds = result_numbers(_results_dir(tmp_path))
    prefix = "evaluations/x/result.json#"
    assert set(estimates) == {prefix + "results.twfe.att", prefix + "results.cs.att",
                              prefix + "results.cs.att_gt[group=24,time=25]", prefix + "results.cs.att_gt[group=24,time=26]"}
    # Only the estimate fields are kept in an estimate entry; t_stat is not one of them.
    assert estimates[prefix + "results.twfe.att"] == {"estimate": 0.654, "std_error": 0.3066, "ci_low": 0.053, "ci_high": 1.255}
    # Bootstrap results carry the seed of their draws; analytic ones do not.
    assert estimates[prefix + "results.cs.att"]["seed"] == 20211008
    assert "seed" not in estimates[prefix + "results.twfe.att"]
    assert estimates[prefix + "results.cs.att_gt[group=24,time=26]"] == {"estimate": "nan", "std_error": "nan", "seed": 20211008}
    assert {k: v for k, v in seeds.items() if k.startswith(prefix)} == {
        prefix + "results.cs.bootstrap.seed": 20211008, prefix + "seed": 20211008}
    assert values[prefix + "sample.units"] == {"value": 2467}
    assert values[prefix + "results.cs.bootstrap.draws"] == {"value": 999, "seed": 20211008}
    assert values[prefix + "results.twfe.att.t_stat"] == {"value": 2.13}
    # Permutation inference: a seed beside the number of permutations makes the whole result seeded.
    assert values["spatial/x/hotspots.json#moran_post.p_sim"] == {"value": 0.0001, "seed": 5}
    assert seeds["spatial/x/hotspots.json#seed"] == 5


def _manifest(tmp_path: Path) -> dict:
    con = duckdb.connect()
    con.execute("create schema marts; create schema raw")
    con.execute("create table marts.t as select 1 as a")
    con.execute("create table raw._landing_files as select 't' as table_name, 'f.csv' as file, 3::bigint as size_bytes, "
                "'abc' as sha256, 1::bigint as rows")
    manifest = build_manifest(con, _results_dir(tmp_path), tmp_path)
    con.close()
    return manifest


def test_manifest_has_no_machine_paths_and_is_canonical(tmp_path):
    manifest = _manifest(tmp_path)
    text = dumps(manifest)
    assert str(tmp_path) not in text
    assert json.loads(text) == manifest
    assert text == dumps(json.loads(text))  # canonical: sorted keys, same bytes after a round trip
    assert manifest["quality"] == {"s.unique": {"passed": True, "severity": "error", "unexpected_count": 0}}
    assert manifest["code"] == {"commit": None, "tag": None, "tree": None, "dirty": None}  # not a git repository


def test_identical_manifests_match(tmp_path):
    manifest = _manifest(tmp_path)
    report = compare_manifests(manifest, copy.deepcopy(manifest))
    assert report.ok
    assert report.matched == {"code": 1, "environment": 1, "inputs": 1, "tables": 1, "estimates": 4,
                              "values": len(manifest["values"]), "quality": 1}


def test_estimates_within_1e_10_relative_match_and_beyond_differ(tmp_path):
    published = _manifest(tmp_path)
    key = "evaluations/x/result.json#results.twfe.att"
    close, far = copy.deepcopy(published), copy.deepcopy(published)
    close["estimates"][key]["estimate"] = 0.654 * (1 + 5e-11)
    far["estimates"][key]["estimate"] = 0.654 * (1 + 5e-10)
    assert compare_manifests(published, close).ok
    report = compare_manifests(published, far)
    assert [(d.section, d.item, d.field) for d in report.differences] == [("estimates", key, "estimate")]
    assert key in report.to_text() and "DIFFERS" in report.to_text()


def test_seeded_bootstrap_results_need_the_same_seed_and_keep_the_tolerance(tmp_path):
    published = _manifest(tmp_path)
    key = "evaluations/x/result.json#results.cs.att"
    tiny = copy.deepcopy(published)
    # Same draws summed in another order (two BLAS threads against one): 5.3e-14 relative was measured.
    tiny["estimates"][key]["std_error"] = 0.2 * (1 + 5.3e-14)
    tiny["estimates"][key]["estimate"] = 0.5 * (1 + 1e-15)
    assert compare_manifests(published, tiny).ok
    other_draws = copy.deepcopy(published)
    other_draws["estimates"][key]["std_error"] = 0.2 * (1 + 1e-3)  # another seed moves a bootstrap SE by ~1/sqrt(draws)
    other_draws["estimates"][key]["seed"] = 1
    report = compare_manifests(published, other_draws)
    assert [(d.item, d.field) for d in report.differences] == [(key, "seed"), (key, "std_error")]
    assert report.differences[1].rule == "seeded (seed 20211008): within 1e-10 relative"


def test_inputs_tables_and_missing_estimates_are_named(tmp_path):
    published = _manifest(tmp_path)
    other = copy.deepcopy(published)
    other["inputs"]["t/f.csv"]["sha256"] = "abd"
    other["tables"]["marts.t"]["hash"] = "0" * 32
    del other["estimates"]["evaluations/x/result.json#results.twfe.att"]
    other["values"]["evaluations/x/result.json#sample.units"]["value"] = 2468
    other["artifacts"]["evaluations/x/result.json"] = "changed"
    report = compare_manifests(published, other)
    assert sorted((d.section, d.item, d.field) for d in report.differences) == [
        ("estimates", "evaluations/x/result.json#results.twfe.att", ""),
        ("inputs", "t/f.csv", "sha256"),
        ("tables", "marts.t", "hash"),
        ("values", "evaluations/x/result.json#sample.units", "value"),
    ]
    # Artifact hashes are information (the numbers are compared), never a failure on their own.
    assert [(n.section, n.item) for n in report.notes] == [("artifacts", "evaluations/x/result.json")]


def test_different_commit_or_lock_differs(tmp_path):
    published = _manifest(tmp_path)
    other = copy.deepcopy(published)
    other["code"]["commit"] = "f" * 40
    other["environment"]["lock_sha256"] = "e" * 64
    other["environment"]["python"] = "3.12"
    report = compare_manifests(published, other)
    assert sorted(d.section for d in report.differences) == ["code", "environment"]
    assert [n.item for n in report.notes] == ["python"]


def test_numbers_agree_rules():
    assert numbers_agree(1.0, 1.0 + 1e-11)
    assert not numbers_agree(1.0, 1.0 + 1e-9)
    assert not numbers_agree(1.0, 1.0 + 1e-15, exact=True)
    assert numbers_agree("nan", float("nan")) and not numbers_agree("nan", 0.0)
    assert not numbers_agree(3, 4) and numbers_agree(3, 3)
    assert not numbers_agree(True, 1) and numbers_agree(None, None)
    assert numbers_agree(0.0, 0.0) and not numbers_agree(0.0, 1e-300)


def test_load_manifest_errors_name_the_file(tmp_path):
    bad = tmp_path / "manifest.json"
    bad.write_text('{"manifest_version": 1,\n "code": }')
    with pytest.raises(ManifestError, match=r"manifest.json: not valid JSON \(line 2, column 10"):
        load_manifest(bad)
    bad.write_text('{"x": 1}')
    with pytest.raises(ManifestError, match="not a result manifest"):
        load_manifest(bad)
    with pytest.raises(ManifestError, match="manifest not found"):
        load_manifest(tmp_path / "missing.json")


def test_code_version_reads_tag_commit_and_dirty(tmp_path):
    def git(*args):
        return subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True, text=True).stdout.strip()

    git("init", "-q")
    (tmp_path / "a.txt").write_text("a")
    git("add", "a.txt")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "a")
    git("tag", "v9.9.9")
    tree = next(line.split()[1] for line in git("cat-file", "-p", "HEAD").splitlines() if line.startswith("tree "))
    assert git_code_version(tmp_path) == {"commit": git("rev-parse", "HEAD"), "tag": "v9.9.9", "tree": tree, "dirty": False}
    (tmp_path / "a.txt").write_text("b")
    assert git_code_version(tmp_path)["dirty"] is True


def test_permutation_results_keep_the_tolerance_like_analytic_ses(tmp_path):
    published = _manifest(tmp_path)
    other = copy.deepcopy(published)
    other["values"]["spatial/x/hotspots.json#moran_post.p_sim"]["value"] = 0.0001 * (1 + 1e-9)
    # The TWFE SE sits in a result that records a seed at its top, but its inference is analytic.
    other["estimates"]["evaluations/x/result.json#results.twfe.att"]["std_error"] = 0.3066 * (1 + 1e-11)
    report = compare_manifests(published, other)
    assert [(d.section, d.item) for d in report.differences] == [("values", "spatial/x/hotspots.json#moran_post.p_sim")]


def test_release_step_checks_the_checkout_and_publishes_the_manifest(tmp_path):
    from pipelines.commands.release import ReleaseError, check_checkout, publish_manifest
    from pipelines.manifest import write_manifest

    repo = tmp_path / "repo"
    repo.mkdir()

    def git(*args):
        return subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                              check=True, capture_output=True, text=True).stdout.strip()

    git("init", "-q")
    (repo / "a.txt").write_text("a")
    git("add", "a.txt")
    git("commit", "-q", "-m", "a")
    with pytest.raises(ReleaseError, match="v1.0.0: no such tag"):
        check_checkout(repo, "v1.0.0")
    git("tag", "-a", "v1.0.0", "-m", "v1.0.0")
    commit = check_checkout(repo, "v1.0.0")
    assert commit == git("rev-parse", "HEAD")
    (repo / "b.txt").write_text("untracked")
    with pytest.raises(ReleaseError, match="not clean"):
        check_checkout(repo, "v1.0.0")
    (repo / "b.txt").unlink()

    build = tmp_path / "build"
    (build / "site" / "v1.0.0").mkdir(parents=True)
    manifest = _manifest(tmp_path / "run")
    manifest["code"] = {"commit": commit, "tag": "v1.0.0", "dirty": True}
    write_manifest(build / "results" / "manifest.json", manifest)
    with pytest.raises(ReleaseError, match="expected .* v1.0.0, clean"):
        publish_manifest(repo, "v1.0.0", commit, build)
    manifest["code"]["dirty"] = False
    write_manifest(build / "results" / "manifest.json", manifest)
    written = publish_manifest(repo, "v1.0.0", commit, build)
    assert written == [repo / "releases/v1.0.0/manifest.json", build / "site/v1.0.0/manifest.json"]
    assert all(p.read_bytes() == (build / "results" / "manifest.json").read_bytes() for p in written)
