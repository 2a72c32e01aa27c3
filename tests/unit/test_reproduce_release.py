"""`bicentennial reproduce` without tags: the commit comes from releases/<tag>/manifest.json and is checked
against the clone (commit present, tree equal, tag — if any — on the same commit); --list; the machine
block of the report; progress and the estimate of the time left. Expected trees come from `git cat-file`,
CPU models from /proc/cpuinfo read here, durations from hand arithmetic."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.manifest import MANIFEST_VERSION, write_manifest
from pipelines.releases import (
    PLAN_ORDER,
    Progress,
    ReleaseLookupError,
    StageClock,
    format_duration,
    list_releases,
    machine_info,
    plan_from,
    remaining_seconds,
    rerun_time_stated,
    resolve_release,
    run_stage_of,
    run_staged,
)
from tests.conftest import REPO_ROOT

TAG = "v0.1.0"


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                          check=True, capture_output=True, text=True).stdout.strip()


def _tree(repo: Path, commit: str) -> str:
    """The tree of a commit, read from the commit object itself."""
    return next(line.split()[1] for line in _git(repo, "cat-file", "-p", commit).splitlines() if line.startswith("tree "))


def _manifest(commit: str | None, tree: str | None, **release) -> dict:
    return {"manifest_version": MANIFEST_VERSION,
            "code": {"commit": commit, "tag": TAG, "tree": tree, "dirty": False},
            "environment": {"lock_sha256": "ab" * 32, "python": "3.11", "platform": "Linux-x86_64"},
            "inputs": {"a/x.csv": {"sha256": "cd" * 32, "bytes": 3, "rows": 1, "table": "raw.x"}},
            "table_hash_method": "md5-sum-v1",
            "tables": {"marts.t": {"rows": 1, "columns": ["n INTEGER"], "hash": "0" * 32}},
            "estimates": {"evaluations/e/result.json#results.att": {"estimate": 1.5, "std_error": 0.25}},
            "values": {"evaluations/e/result.json#n": {"value": 10}},
            "seeds": {}, "quality": {"s.unique": {"passed": True, "severity": "error", "unexpected_count": 0}},
            "artifacts": {}, **({"release": release} if release else {})}


@pytest.fixture
def repo(tmp_path):
    """Two commits, no tags: the first is the release, the second adds its manifest (as on main)."""
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    (repo / "code.py").write_text("x = 1\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "release")
    released = _git(repo, "rev-parse", "HEAD")
    write_manifest(repo / "releases" / TAG / "manifest.json", _manifest(released, _tree(repo, released), date="2026-12-07"))
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "Release v0.1.0: result manifest")
    return repo


def test_a_clone_without_tags_resolves_the_release_from_its_manifest(repo):
    assert _git(repo, "tag", "--list") == ""
    manifest = json.loads((repo / "releases" / TAG / "manifest.json").read_text())
    released = _git(repo, "rev-parse", "HEAD~1")
    resolved = resolve_release(repo, TAG, manifest)
    assert resolved.commit == released
    assert resolved.checks == [
        f"commit {released} (from the manifest's code.commit) is in this clone",
        f"its tree {_tree(repo, released)[:12]} (git rev-parse {released[:12]}^{{tree}}) equals the manifest's code.tree",
        f"this clone has no tag {TAG}; the manifest's commit was used",
    ]


def test_a_missing_commit_is_refused_with_how_to_fetch_it(repo):
    absent = "1234567890abcdef" * 2 + "12345678"
    with pytest.raises(ReleaseLookupError) as caught:
        resolve_release(repo, TAG, _manifest(absent, "f" * 40))
    assert str(caught.value) == (f"commit {absent} of release {TAG} is not in this clone; fetch it with "
                                 f"`git fetch origin {absent}` (or `git fetch --tags`), then run again")


def test_a_tree_mismatch_is_refused_naming_both_trees(repo):
    released, later = _git(repo, "rev-parse", "HEAD~1"), _git(repo, "rev-parse", "HEAD")
    with pytest.raises(ReleaseLookupError) as caught:
        resolve_release(repo, TAG, _manifest(released, _tree(repo, later)))
    message = str(caught.value)
    assert _tree(repo, released) in message and _tree(repo, later) in message
    assert "is not the released code" in message


def test_a_tag_must_point_at_the_manifest_commit(repo):
    released = _git(repo, "rev-parse", "HEAD~1")
    manifest = _manifest(released, _tree(repo, released))
    _git(repo, "tag", TAG, "HEAD")  # the later commit: a moved tag
    with pytest.raises(ReleaseLookupError, match=f"tag {TAG} points to {_git(repo, 'rev-parse', 'HEAD')}"):
        resolve_release(repo, TAG, manifest)
    _git(repo, "tag", "-f", TAG, released)
    assert resolve_release(repo, TAG, manifest).checks[-1] == f"tag {TAG} points to the same commit"


def test_a_dirty_or_commitless_manifest_is_refused(repo):
    released = _git(repo, "rev-parse", "HEAD~1")
    dirty = _manifest(released, _tree(repo, released))
    dirty["code"]["dirty"] = True
    with pytest.raises(ReleaseLookupError, match="modified tree"):
        resolve_release(repo, TAG, dirty)
    with pytest.raises(ReleaseLookupError, match="records no commit"):
        resolve_release(repo, TAG, _manifest(None, None))


def test_a_manifest_without_a_tree_says_only_the_commit_was_checked(repo):
    released = _git(repo, "rev-parse", "HEAD~1")
    checks = resolve_release(repo, TAG, _manifest(released, None)).checks
    assert checks[1] == "the manifest records no tree hash (code.tree, written since 0.1.0): only the commit was checked"


def _cli(repo: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BICENTENNIAL_")}
    env["PYTHONPATH"] = str(REPO_ROOT)
    return subprocess.run([sys.executable, "-m", "pipelines.cli", "reproduce", *args, "--repo", str(repo)],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)


def _cpu_model() -> str | None:
    for line in Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []:
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return None


def test_compare_only_in_a_clone_without_tags_reports_release_checks_machine_and_time(repo, tmp_path):
    released = _git(repo, "rev-parse", "HEAD~1")
    work = tmp_path / "work"
    reproduced = _manifest(released, _tree(repo, released))
    reproduced["code"]["tag"] = None  # a clone without the tag runs as "no tag"
    reproduced["estimates"]["evaluations/e/result.json#results.att"]["std_error"] = 0.26
    write_manifest(work / "build" / "results" / "manifest.json", reproduced)
    done = _cli(repo, TAG, "--workdir", str(work), "--compare-only")
    assert done.returncode == 1, done.stderr
    assert f"reproduce: checked: commit {released} (from the manifest's code.commit) is in this clone" in done.stdout
    assert f"reproduce: checked: this clone has no tag {TAG}; the manifest's commit was used" in done.stdout
    report = json.loads((work / "report.json").read_text())
    assert report["release"] == TAG and report["commit"] == released
    assert report["machine"]["cores"] == os.cpu_count()
    if _cpu_model():
        assert report["machine"]["cpu"] == _cpu_model()
    assert report["machine"]["threads"] == {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    assert report["time_taken_s"] >= 0 and set(report["timings"]["stages"]) == {"compare"}
    # The one difference, with both values.
    assert [(d["section"], d["item"], d["field"], d["published"], d["reproduced"]) for d in report["differences"]] == [
        ("estimates", "evaluations/e/result.json#results.att", "std_error", 0.25, 0.26)]
    text = (work / "report.txt").read_text()
    assert text.splitlines()[:2] == ["Reproduction DIFFERS: 6 items matched, 1 differ.", f"Release {TAG}, commit {released}"]
    assert f"Machine: {report['machine']['cpu']}, {os.cpu_count()} cores" in text
    assert "Time taken: " in text
    assert ("DIFFERS  estimates: evaluations/e/result.json#results.att [std_error]: published 0.25, reproduced 0.26"
            in text)


def test_cli_refuses_a_commit_missing_from_the_clone_in_one_line(repo, tmp_path):
    absent = "ab" * 20
    write_manifest(repo / "releases" / "v9.9.9" / "manifest.json", _manifest(absent, "c" * 40))
    done = _cli(repo, "v9.9.9", "--workdir", str(tmp_path / "w"))
    assert done.returncode == 2
    assert done.stderr.strip() == (f"reproduce: ERROR: commit {absent} of release v9.9.9 is not in this clone; fetch it "
                                   f"with `git fetch origin {absent}` (or `git fetch --tags`), then run again")


def test_list_shows_tag_commit_date_and_stated_rerun_time(repo):
    released = _git(repo, "rev-parse", "HEAD~1")
    (repo / "releases" / TAG / "RELEASE.md").write_text("# Release v0.1.0\n\n**Rerun time:** about 4 min 10 s on 2 cores\n")
    write_manifest(repo / "releases" / "v0.10.0" / "manifest.json", _manifest(released, None))
    assert rerun_time_stated(repo / "releases" / TAG / "RELEASE.md") == "about 4 min 10 s on 2 cores"
    assert list_releases(repo) == [
        {"tag": "v0.10.0", "commit": released, "date": None, "rerun": None},
        {"tag": TAG, "commit": released, "date": "2026-12-07", "rerun": "about 4 min 10 s on 2 cores"}]
    done = _cli(repo, "--list")
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["tag", "commit", "date", "rerun", "time", "(RELEASE.md)"]
    assert lines[1].split() == ["v0.10.0", released[:12], "?", "not", "stated"]
    assert lines[2].split() == [TAG, released[:12], "2026-12-07", "about", "4", "min", "10", "s", "on", "2", "cores"]


def test_machine_block_names_cpu_cores_os_and_threads():
    machine = machine_info({"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "OPENBLAS_CORETYPE": "Haswell"})
    assert machine["cores"] == os.cpu_count()
    if _cpu_model():
        assert machine["cpu"] == _cpu_model()
    assert machine["threads"] == {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "unset"}
    assert machine["openblas_coretype"] == "Haswell"
    assert isinstance(machine["load_average"], float) and machine["load_average"] >= 0
    assert machine["os"] and machine["python"].startswith(f"{sys.version_info.major}.{sys.version_info.minor}")


@pytest.mark.parametrize("seconds, text", [(0, "0 s"), (8.4, "8 s"), (59.6, "1 min 00 s"), (65, "1 min 05 s"),
                                           (605, "10 min 05 s"), (3725, "1 h 02 min"), (-3, "0 s")])
def test_duration_format(seconds, text):
    assert format_duration(seconds) == text


def test_time_left_from_the_plan_scaled_by_the_speed_so_far():
    plan = {"install": 20.0, "ingest": 40.0, "models": 30.0, "compare": 10.0}
    # Nothing done yet: the whole plan.
    assert remaining_seconds(plan, {}, None, 0) == 100.0
    # Install took 40 s against 20 planned: twice as slow, so models 2*30 and compare 2*10, and the
    # current ingest 2*40 - 15 s already spent.
    assert remaining_seconds(plan, {"install": 40.0}, "ingest", 15.0) == 60 + 20 + 65
    # The speed factor is clamped to 3 (a stage 10 times slower than planned does not explode the estimate).
    assert remaining_seconds(plan, {"install": 200.0}, None, 0) == 3 * 80
    # A stage past its planned time counts as nearly done, not negative.
    assert remaining_seconds(plan, {"install": 20.0, "ingest": 40.0}, "models", 100.0) == 10.0


def test_progress_lines_name_the_stage_and_the_time_left():
    now = [100.0]
    progress = Progress({"install": 20.0, "start": 10.0, "compare": 5.0}, "the release's recorded run",
                        clock=lambda: now[0])
    progress.enter("install")
    now[0] = 110.0
    assert progress.line() == ("[stage 1/3 install] 10 s so far; about 25 s left "
                               "(estimated from the release's recorded run)")
    now[0] = 130.0
    progress.enter("start")  # install took 30 s against 20: 1.5 times slower
    now[0] = 133.0
    assert progress.line() == "[stage 2/3 start] 33 s so far; about 20 s left (estimated from the release's recorded run)"
    now[0] = 145.0  # 15 s into a stage planned at 10 s
    assert progress.line().endswith("(estimated from the release's recorded run; this stage is taking longer than that)")
    progress.finish()
    assert progress.timings() == {"total_s": 45.0, "stages": {"install": 30.0, "start": 15.0}}


def test_plan_prefers_the_release_durations_then_an_earlier_reproduction(tmp_path):
    published = _manifest("a" * 40, None, durations={"run_s": 200, "stages": {"evaluations": 150.0, "ingest": 30.0}})
    earlier = tmp_path / "report.json"
    earlier.write_text(json.dumps({"timings": {"stages": {"install": 42.0, "evaluations": 999.0}}}))
    plan, source = plan_from(published, earlier)
    assert (plan["evaluations"], plan["ingest"], plan["install"]) == (150.0, 30.0, 42.0)
    assert source == "the release's recorded run and the previous reproduction of this release"
    assert set(plan) == set(PLAN_ORDER)
    assert plan_from(_manifest("a" * 40, None), None)[1] == "rough defaults (nothing recorded yet)"


LOG = """\
bicentennial: loading pipeline definitions (dbt manifest, specs, suites)…
2026-12-07 14:21:53 +0000 - dagster - INFO - refresh_all - 97ed - raw__states - raw.states: 32 rows from 1 file(s)
2026-12-07 14:22:09 +0000 - dagster - WARNING - refresh_all - 97ed - ge_raw_gargiulo_homicides - raw.gargiulo: 1 unexpected
2026-12-07 14:22:22 +0000 - dagster - INFO - refresh_all - 97ed - dbt_models - Running dbt command: `dbt build`
2026-12-07 14:22:36 +0000 - dagster - INFO - refresh_all - 97ed - evaluations__cbp_fentanyl_comparative_its - its_level 767.3660
2026-12-07 14:22:41 +0000 - dagster - WARNING - refresh_all - 97ed - ge_homicide_panel_mun_month - marts.homicide_panel: 264
2026-12-07 14:23:37 +0000 - dagster - INFO - refresh_all - 97ed - site__publication_audit - audit PASSED
2026-12-07 14:23:38 +0000 - dagster - INFO - refresh_all - 97ed - manifest__result_manifest - manifest: 83 inputs
2026-12-07 14:23:40 +0000 - dagster - INFO - refresh_all - 97ed - site__website - site version dev rendered with pandoc
"""


def test_run_stages_are_read_from_the_run_log_lines():
    assert [run_stage_of(line) for line in LOG.splitlines()] == [
        None, "ingest", "ingest", "models", "evaluations", None, "manifest", "manifest", "site"]


def test_run_staged_logs_the_output_and_times_each_stage_once(tmp_path):
    script = tmp_path / "fake_run.py"
    script.write_text(f"import sys\nsys.stdout.write({LOG!r})\nsys.exit(3)\n")
    now = [0.0]

    def clock():
        now[0] += 1.0  # one second per reading
        return now[0]

    progress = Progress({"start": 1.0, "ingest": 1.0, "models": 1.0, "evaluations": 1.0, "manifest": 1.0, "site": 1.0},
                        "test", clock=clock)
    status = run_staged([sys.executable, str(script)], tmp_path, dict(os.environ), tmp_path / "run.log", progress)
    progress.finish()
    assert status == 3
    assert (tmp_path / "run.log").read_text() == LOG
    assert list(progress.timings()["stages"]) == ["ingest", "models", "evaluations", "manifest", "site"]


def test_stage_clock_ignores_a_stage_seen_again():
    clock = StageClock()
    assert clock.enter("ingest", 0.0) and clock.enter("models", 10.0)
    assert not clock.enter("ingest", 12.0) and not clock.enter("models", 13.0)
    clock.finish(25.0)
    assert clock.durations == {"ingest": 10.0, "models": 15.0}
