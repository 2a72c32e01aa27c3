"""What `bicentennial release` writes besides the manifest: releases/<tag>/RELEASE.md, and the check of
the release's site version. Plain functions (no Dagster)."""
from __future__ import annotations

import json
import re
from pathlib import Path

from .releases import PLAN_ORDER, format_duration, machine_text


def check_site(build_dir: Path, tag: str, commit: str) -> list[str]:
    """Problems with the site version of the release: 'ERROR: …' when BUILD/site/TAG/ is missing or names
    another version or commit, or latest/ does not point at it; 'note: …' when its footer does not name the
    version and the commit."""
    site = build_dir / "site"
    folder = site / tag
    try:
        stamp = json.loads((folder / "version.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return [f"ERROR: no site version {folder} (version.json missing): the run did not build the site of {tag}"]
    problems = []
    recorded = str(stamp.get("commit", ""))
    if stamp.get("version") != tag or len(recorded) < 7 or not commit.startswith(recorded):
        problems.append(f"ERROR: {folder / 'version.json'} names version {stamp.get('version')}, commit {recorded}; "
                        f"expected {tag}, {commit[:12]}")
    try:
        latest = (site / "latest" / "version.txt").read_text(encoding="utf-8").strip()
    except OSError:
        latest = None
    if latest != tag:
        problems.append(f"ERROR: {site / 'latest'} points at {latest}, not {tag} (is there a newer release folder in {site}?)")
    for page in sorted(folder.glob("*/index.html")):
        footer = re.search(r"<footer[^>]*>(.*?)</footer>", page.read_text(encoding="utf-8"), re.S)
        text = footer.group(1) if footer else ""
        if tag not in text or commit[:7] not in text:
            problems.append(f"note: the footer of {page} does not name both the version {tag} and the commit {commit[:7]}")
    return problems


def _changelog_section(repo: Path, tag: str) -> str | None:
    """The CHANGELOG.md section of this version (heading '## [0.1.0]' or '## 0.1.0 …'), without its heading."""
    try:
        text = (repo / "CHANGELOG.md").read_text(encoding="utf-8")
    except OSError:
        return None
    version = re.escape(tag.lstrip("v"))
    match = re.search(rf"^## \[?v?{version}\]?[^\n]*\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    return match.group(1).strip() if match and match.group(1).strip() else None


def release_notes(repo: Path, manifest: dict) -> str:
    """RELEASE.md of the release whose manifest (with its `release` block) is `manifest`."""
    from .manifest import compare_manifests

    release = manifest.get("release") or {}
    tag, code = release.get("tag", "?"), manifest.get("code") or {}
    durations, machine = release.get("durations") or {}, release.get("machine") or {}
    evaluations = sorted({key.split("/")[1] for key in manifest.get("estimates", {}) if key.startswith("evaluations/")})
    result_files = {key.split("#")[0] for key in manifest.get("estimates", {})}
    expected = compare_manifests(manifest, manifest).to_text().splitlines()[:2]
    if durations.get("run_s"):
        parts = [f"pipeline run {format_duration(durations['run_s'])}"]
        if durations.get("install_s"):
            parts.insert(0, f"fresh install of the locked environment {format_duration(durations['install_s'])}")
        total = durations["run_s"] + durations.get("install_s", 0)
        rerun = (f"about {format_duration(total)} on {machine.get('cores', '?')} cores ({' + '.join(parts)}; measured "
                 f"by `bicentennial release`{'' if durations.get('install_s') else ', install not timed'})")
    else:
        rerun = "not measured (the manifest was published with --skip-run)"
    recorded = durations.get("stages") or {}
    stages = ", ".join(f"{k} {format_duration(recorded[k])}" for k in PLAN_ORDER if k in recorded)
    changelog = _changelog_section(repo, tag)
    lines = [
        f"# Release {tag}",
        "",
        f"**Commit:** `{code.get('commit')}` (tree `{code.get('tree')}`)  ",
        f"**Date:** {release.get('date', '?')}  ",
        f"**Locked environment:** `requirements.lock`, SHA-256 `{(manifest.get('environment') or {}).get('lock_sha256')}`  ",
        f"**Rerun time:** {rerun}",
        "",
        "## What is in it",
        "",
        f"- {len(manifest.get('inputs', {}))} input files (each with its SHA-256) feeding {len(manifest.get('tables', {}))} "
        f"marts (row count, columns and content hash each);",
        f"- {len(manifest.get('estimates', {}))} estimates in {len(result_files)} result files, "
        f"{len(manifest.get('values', {}))} other numbers, {len(manifest.get('quality', {}))} expectation outcomes;",
        f"- {len(evaluations)} evaluations: {', '.join(evaluations)}.",
        "",
        *([changelog, ""] if changelog else []),
        "## How to rerun it",
        "",
        "From a clone of the repository (tags are not needed: the commit comes from this folder's manifest.json):",
        "",
        "```sh",
        f"make env && .venv/bin/bicentennial reproduce {tag}",
        "```",
        "",
        "It checks that the commit is in the clone and that its tree equals the manifest's, installs the locked",
        "environment into a clean worktree of the commit, runs the whole pipeline with one BLAS thread, and",
        "compares every input, mart, expectation and estimate with this manifest (docs/RELEASING.md).",
        "",
        f"Release run: {machine_text(machine) if machine else 'machine not recorded'}"
        + (f"; stages: {stages}." if stages else "."),
        "",
        "## Expected output",
        "",
        "The report's first line, and its `Matched` line after the lines naming the release, the checks, the machine",
        "and the time taken, are:",
        "",
        "```",
        *expected,
        "```",
        "",
        "and the exit status is 0. Anything else names the input, table, expectation or estimate that differs,",
        "with both values (build/reproduce/<tag>/report.txt).",
        "",
    ]
    return "\n".join(lines)
