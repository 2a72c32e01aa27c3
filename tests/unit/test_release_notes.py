"""`bicentennial release`: RELEASE.md (what is in it, the measured rerun time that --list reads, the
expected output of `reproduce`), the check of the release's site version, the manifest's release block."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

from pipelines.commands.release import publish_manifest
from pipelines.manifest import load_manifest, write_manifest
from pipelines.release_notes import check_site, release_notes
from pipelines.releases import rerun_time_stated
from tests.unit.test_reproduce_release import _manifest

COMMIT = "0123456789abcdef0123456789abcdef01234567"
RELEASE = {"tag": "v0.1.0", "date": "2026-12-07",
           "machine": {"cpu": "Test CPU @ 2.0GHz", "cores": 2, "os": "Debian", "architecture": "x86_64", "python": "3.11.9",
                       "threads": {"OMP_NUM_THREADS": "1"}},
           "durations": {"install_s": 25.0, "run_s": 215.4, "stages": {"install": 25.0, "ingest": 40.0, "evaluations": 150.0}}}


def test_release_notes_state_contents_rerun_time_and_expected_output(tmp_path):
    (tmp_path / "CHANGELOG.md").write_text("# Changelog\n\n## [Unreleased]\n\n## [0.1.0] - 2026-12-07\n\n"
                                           "- First release: DiD of the joint operations.\n\n## [0.0.1]\n\n- old\n")
    manifest = _manifest(COMMIT, "f" * 40, **RELEASE)
    notes = release_notes(tmp_path, manifest)
    path = tmp_path / "RELEASE.md"
    path.write_text(notes)
    # 25 s + 215.4 s = 240.4 s = 4 min 00 s.
    assert rerun_time_stated(path) == ("about 4 min 00 s on 2 cores (fresh install of the locked environment 25 s + "
                                       "pipeline run 3 min 35 s; measured by `bicentennial release`)")
    assert notes.startswith("# Release v0.1.0\n")
    assert f"**Commit:** `{COMMIT}` (tree `{'f' * 40}`)" in notes
    assert "- 1 input files (each with its SHA-256) feeding 1 marts" in notes
    assert "- 1 evaluations: e." in notes
    assert "- First release: DiD of the joint operations." in notes and "- old" not in notes
    assert "make env && .venv/bin/bicentennial reproduce v0.1.0" in notes
    # Expected output: code 1 + environment 1 + inputs 1 + tables 1 + estimates 1 + values 1 + quality 1 = 7 items.
    assert "Reproduction MATCHES: 7 items matched, 0 differ." in notes
    assert "Test CPU @ 2.0GHz, 2 cores" in notes
    assert "; stages: install 25 s, ingest 40 s, evaluations 2 min 30 s." in notes  # in the order they run


def test_release_notes_without_a_measured_run_say_so(tmp_path):
    manifest = _manifest(COMMIT, "f" * 40, **{**RELEASE, "durations": {}})
    path = tmp_path / "RELEASE.md"
    path.write_text(release_notes(tmp_path, manifest))
    assert rerun_time_stated(path) == "not measured (the manifest was published with --skip-run)"


def _site(root: Path, tag: str, commit: str, latest: str, footer: str) -> None:
    (root / tag / "en").mkdir(parents=True)
    (root / tag / "version.json").write_text(json.dumps({"version": tag, "commit": commit}))
    (root / tag / "en" / "index.html").write_text(f"<html><footer class=\"site\">{footer}</footer></html>")
    (root / "latest").mkdir()
    (root / "latest" / "version.txt").write_text(latest + "\n")


def test_site_check_wants_the_version_folder_latest_and_a_footer_with_version_and_commit(tmp_path):
    good = tmp_path / "good"
    _site(good / "site", "v0.1.0", COMMIT[:7], "v0.1.0", f"Version v0.1.0 · commit {COMMIT[:7]}")
    assert check_site(good, "v0.1.0", COMMIT) == []
    stale = tmp_path / "stale"
    _site(stale / "site", "v0.1.0", "deadbee", "v0.0.9", "Version v0.1.0")
    problems = check_site(stale, "v0.1.0", COMMIT)
    assert [p.split(":")[0] for p in problems] == ["ERROR", "ERROR", "note"]
    assert "names version v0.1.0, commit deadbee; expected v0.1.0, 0123456789ab" in problems[0]
    assert "points at v0.0.9, not v0.1.0" in problems[1]
    assert check_site(tmp_path / "none", "v0.1.0", COMMIT)[0].startswith("ERROR: no site version")


def test_published_manifest_gets_the_release_block_and_nothing_else_changes(tmp_path):
    repo, build = tmp_path / "repo", tmp_path / "build"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    run = _manifest(COMMIT, "f" * 40)
    write_manifest(build / "results" / "manifest.json", run)
    (build / "site" / "v0.1.0").mkdir(parents=True)
    written = publish_manifest(repo, "v0.1.0", COMMIT, build, RELEASE)
    assert written == [repo / "releases/v0.1.0/manifest.json", build / "site/v0.1.0/manifest.json"]
    for path in written:
        published = load_manifest(path)
        assert published.pop("release") == RELEASE
        assert published == run
