"""`bicentennial reproduce TAG` end to end, on a temporary git repository made from this working tree.

The release run is the session's `pipeline_build` (this very tree, run once per session); its manifest
becomes the tag's published manifest once its `code` block names the temporary tag's commit (the
only thing that differs: the files committed there are the ones that run used). `reproduce` then
does everything an auditor's rerun does — a clean worktree of the tag, the locked environment
installed with the tag's own `make env` into its own .venv (uv's wheel cache is reused; the
install is real), the full pipeline, the comparison — and must find every number identical.
Then single items of the published manifest are tampered with, and the report must name exactly
that item, with a non-zero exit status.
"""
from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines.manifest import load_manifest, write_manifest
from tests.conftest import REPO_ROOT

pytestmark = [pytest.mark.integration, pytest.mark.slow]

TAG = "v0.0.0-reproduce-test"
GIT_ID = ["-c", "user.name=Reproduce Test", "-c", "user.email=reproduce@example.org"]


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *GIT_ID, *args], check=True, capture_output=True, text=True).stdout.strip()


def _snapshot_repository(target: Path) -> None:
    """Tracked and untracked-but-not-ignored files of the working tree, committed into a new repo."""
    listed = subprocess.run(["git", "-C", str(REPO_ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            check=True, capture_output=True).stdout.decode().split("\0")
    target.mkdir(parents=True)
    for relative in filter(None, listed):
        source = REPO_ROOT / relative
        if source.is_file() and not source.is_symlink():
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / relative)
    _git(target, "init", "-q", "-b", "main")
    _git(target, "add", "-A")
    _git(target, "commit", "-q", "-m", "snapshot of the working tree")
    _git(target, "tag", "-a", TAG, "-m", "reproduce test release")


def _reproduce(repo: Path, published: Path, workdir: Path, *extra: str, timeout: int = 1500) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BICENTENNIAL_")}
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "reproduce", TAG, "--repo", str(repo), "--published", str(published),
         "--workdir", str(workdir), *extra],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout,
    )


def _tagless_clone(repo: Path, published: dict, target: Path) -> Path:
    """A clone of the release's repository without its tags, with the published manifest committed on main
    as releases/TAG/manifest.json, as `bicentennial release` leaves it: what an auditor whose mirror dropped
    the tags has."""
    subprocess.run(["git", "clone", "-q", "--no-tags", str(repo), str(target)], check=True, capture_output=True)
    write_manifest(target / "releases" / TAG / "manifest.json", published)
    _git(target, "add", "releases")
    _git(target, "commit", "-q", "-m", f"Release {TAG}: result manifest")
    return target


def _reproduce_release(repo: Path, workdir: Path, timeout: int = 1500) -> subprocess.CompletedProcess:
    """`reproduce TAG` as an auditor types it: the manifest and the commit come from repo/releases/TAG/."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BICENTENNIAL_")}
    return subprocess.run([sys.executable, "-m", "pipelines.cli", "reproduce", TAG, "--repo", str(repo), "--workdir",
                           str(workdir)], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def reproduction(pipeline_build, tmp_path_factory):
    base = tmp_path_factory.mktemp("reproduce")
    repo = base / "repo"
    _snapshot_repository(repo)
    commit = _git(repo, "rev-parse", "HEAD")
    published = load_manifest(pipeline_build / "results" / "manifest.json")
    published["code"] = {"commit": commit, "tag": TAG, "tree": _git(repo, "rev-parse", "HEAD^{tree}"), "dirty": False}
    published_path = base / "published.json"
    published_path.write_text(json.dumps(published, indent=1, sort_keys=True))
    workdir = base / "work"
    # The one full rerun of this module runs where the tag is missing (the harder case; the tagged repository
    # is compared against below with --compare-only).
    clone = _tagless_clone(repo, published, base / "clone")
    done = _reproduce_release(clone, workdir)
    return {"done": done, "published": published, "repo": clone, "tagged_repo": repo, "workdir": workdir, "base": base,
            "commit": commit}


def test_reproduce_of_a_tag_matches_its_published_manifest(reproduction, pipeline_build):
    done = reproduction["done"]
    assert done.returncode == 0, f"stdout:\n{done.stdout[-4000:]}\nstderr:\n{done.stderr[-3000:]}"
    report = json.loads((reproduction["workdir"] / "report.json").read_text())
    published = reproduction["published"]
    assert report["status"] == "match" and report["differences"] == []
    assert report["commit"] == reproduction["commit"]
    # Everything was compared, not just some of it: counts from the release run's own files.
    with duckdb.connect(str(pipeline_build / "warehouse.duckdb"), read_only=True) as con:
        landing_files = con.execute("select count(*) from raw._landing_files").fetchone()[0]
        marts = con.execute("select count(*) from information_schema.tables where table_schema = 'marts'").fetchone()[0]
    result = json.loads((pipeline_build / "results/evaluations/joint_operations_homicides/result.json").read_text())
    assert report["matched"]["inputs"] == landing_files == len(published["inputs"])
    assert report["matched"]["tables"] == marts == len(published["tables"])
    assert report["matched"]["estimates"] == len(published["estimates"])
    twfe = published["estimates"]["evaluations/joint_operations_homicides/result.json#results.twfe.att"]
    assert twfe["estimate"] == result["results"]["twfe"]["att"]["estimate"]
    assert twfe["std_error"] == result["results"]["twfe"]["att"]["std_error"]
    assert "Reproduction MATCHES" in done.stdout
    assert (reproduction["workdir"] / "report.txt").read_text().startswith("Reproduction MATCHES")
    # The worktree (and its environment) is removed afterwards; the tag's repository knows no worktree.
    assert not (reproduction["workdir"] / "src").exists()
    assert _git(reproduction["repo"], "worktree", "list").count("\n") == 0
    # The environment really was installed from the tag's lock, into the worktree's own .venv.
    install_log = (reproduction["workdir"] / "install.log").read_text()
    assert "requirements.lock" in install_log and ".venv" in install_log


def _tampered(reproduction, name: str, change) -> tuple[subprocess.CompletedProcess, dict]:
    manifest = copy.deepcopy(reproduction["published"])
    change(manifest)
    path = reproduction["base"] / f"{name}.json"
    path.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    report_path = reproduction["base"] / f"report-{name}.json"
    done = _reproduce(reproduction["repo"], path, reproduction["workdir"], "--compare-only", "--report", str(report_path),
                      timeout=300)
    return done, json.loads(report_path.read_text())


def test_one_changed_input_hash_is_named_exactly(reproduction):
    assert reproduction["done"].returncode == 0
    name = "homicides/gargiulo/mexico-muni-month-homicide-rates-2000-2021.csv.gz"

    def flip_one_byte(manifest):
        digest = manifest["inputs"][name]["sha256"]
        manifest["inputs"][name]["sha256"] = ("0" if digest[0] != "0" else "1") + digest[1:]

    done, report = _tampered(reproduction, "input", flip_one_byte)
    assert done.returncode == 1
    assert [(d["section"], d["item"], d["field"]) for d in report["differences"]] == [("inputs", name, "sha256")]
    assert f"DIFFERS  inputs: {name} [sha256]" in done.stdout


def test_one_changed_estimate_is_named_exactly(reproduction):
    assert reproduction["done"].returncode == 0
    key = "evaluations/joint_operations_homicides/result.json#results.twfe.att"

    def nudge(manifest):
        manifest["estimates"][key]["estimate"] *= 1 + 1e-8  # far beyond the 1e-10 relative tolerance

    done, report = _tampered(reproduction, "estimate", nudge)
    assert done.returncode == 1
    assert [(d["section"], d["item"], d["field"]) for d in report["differences"]] == [("estimates", key, "estimate")]
    assert f"DIFFERS  estimates: {key} [estimate]" in done.stdout


def test_unknown_tag_and_missing_manifest_are_one_line_errors(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "a.txt").write_text("a")
    _git(repo, "add", "a.txt")
    _git(repo, "commit", "-q", "-m", "a")
    done = _reproduce(repo, tmp_path / "none.json", tmp_path / "work", timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip() == f"reproduce: ERROR: {tmp_path / 'none.json'}: manifest not found"
    assert "Traceback" not in done.stderr


def test_reproduce_without_tags_takes_and_checks_the_manifest_commit(reproduction):
    """The full rerun above ran in a clone with no tags: the commit came from releases/TAG/manifest.json, was
    checked (present, same tree), said so, and the report names the release, commit, machine and time."""
    done, clone, commit = reproduction["done"], reproduction["repo"], reproduction["commit"]
    assert done.returncode == 0, f"stdout:\n{done.stdout[-4000:]}\nstderr:\n{done.stderr[-3000:]}"
    assert _git(clone, "tag", "--list") == "" and _git(clone, "rev-parse", "HEAD~1") == commit
    tree = _git(reproduction["tagged_repo"], "cat-file", "-p", commit).splitlines()[0].split()[1]
    assert f"reproduce: checked: commit {commit} (from the manifest's code.commit) is in this clone" in done.stdout
    assert f"reproduce: checked: its tree {tree[:12]} (git rev-parse {commit[:12]}^{{tree}}) equals the manifest's code.tree" in done.stdout
    assert f"reproduce: checked: this clone has no tag {TAG}; the manifest's commit was used" in done.stdout
    # Progress by stage with the time left: install, every stage of the run, compare.
    stages = [line.split("]")[0].split()[-1] for line in done.stdout.splitlines() if line.startswith("reproduce: [stage ")]
    assert {"worktree", "install", "start", "ingest", "models", "evaluations", "manifest", "site", "compare"} <= set(stages)
    assert all(" left (estimated from " in line for line in done.stdout.splitlines() if line.startswith("reproduce: [stage "))
    report = json.loads((reproduction["workdir"] / "report.json").read_text())
    assert report["release"] == TAG and report["commit"] == commit and report["status"] == "match"
    assert report["machine"]["cores"] == os.cpu_count() and report["machine"]["threads"]["OPENBLAS_NUM_THREADS"] == "1"
    stage_times = report["timings"]["stages"]
    assert set(stage_times) == {"worktree", "install", "start", "ingest", "models", "evaluations", "manifest", "site",
                                "compare"}
    assert abs(sum(stage_times.values()) - report["time_taken_s"]) < 5
    text = (reproduction["workdir"] / "report.txt").read_text()
    assert text.startswith("Reproduction MATCHES") and text.splitlines()[1] == f"Release {TAG}, commit {commit}"
    # The same published manifest, from the repository that has the tag: the tag is checked too.
    tagged = _reproduce(reproduction["tagged_repo"], reproduction["base"] / "published.json", reproduction["workdir"],
                        "--compare-only", "--report", str(reproduction["base"] / "report-tagged.json"), timeout=300)
    assert tagged.returncode == 0, tagged.stderr
    assert f"reproduce: checked: tag {TAG} points to the same commit" in tagged.stdout
