"""`bicentennial reproduce TAG`: rerun a tagged release from scratch and compare its numbers.

1. a clean git worktree of the tag (WORKDIR/src);
2. the tag's locked environment installed into WORKDIR/src/.venv with the tag's own `make env`
   (uv from the hashed lock, pip --require-hashes as fallback; only the package registry is used);
3. the full pipeline of the tag, run by that environment into WORKDIR/build;
4. its manifest (WORKDIR/build/results/manifest.json) compared with the one published for the tag
   (releases/TAG/manifest.json in this checkout, else build/site/TAG/manifest.json, or --published);
5. the report printed and saved (WORKDIR/report.txt and report.json).

Exit status: 0 when everything matches, 1 when something differs, 2 when the reproduction could not
be carried out (unknown tag, no published manifest, install or pipeline failure).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from ..settings import REPO_ROOT, TELEMETRY_OFF

EXIT_MATCH, EXIT_DIFFER, EXIT_ERROR = 0, 1, 2


class ReproduceError(Exception):
    """The reproduction could not be carried out; the message says what and where."""


def _say(message: str) -> None:
    print(f"reproduce: {message}", flush=True)


def git(repo: Path, *args: str, check: bool = True) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    if check and done.returncode != 0:
        raise ReproduceError(f"git {' '.join(args)} failed in {repo}: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}")
    return done.stdout.strip()


def resolve_tag(repo: Path, tag: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), "rev-parse", "--verify", "--quiet", f"refs/tags/{tag}^{{commit}}"],
                          capture_output=True, text=True)
    if done.returncode != 0 or not done.stdout.strip():
        raise ReproduceError(f"{tag}: no such tag in {repo} (git tag --list shows the tags; fetch them with git fetch --tags)")
    return done.stdout.strip()


def published_manifest_path(repo: Path, tag: str, given: str | None) -> Path:
    if given:
        return Path(given).resolve()
    candidates = [repo / "releases" / tag / "manifest.json", repo / "build" / "site" / tag / "manifest.json"]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise ReproduceError(f"{tag}: no published manifest found (looked for {', '.join(str(c) for c in candidates)}); "
                         "download it from the site's /<tag>/manifest.json and pass --published FILE")


def clean_env(venv_bin: Path | None = None) -> dict:
    """The caller's environment without anything pointing at its own virtualenv or build folders."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("BICENTENNIAL_") and k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "DAGSTER_HOME")}
    own_bin = str(Path(sys.prefix) / "bin")
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p and p != own_bin]
    if venv_bin is not None:
        path.insert(0, str(venv_bin))
    env["PATH"] = os.pathsep.join(path)
    env.update(TELEMETRY_OFF)
    return env


def make_worktree(repo: Path, commit: str, target: Path) -> None:
    if target.exists():
        subprocess.run(["git", "-C", str(repo), "worktree", "remove", "--force", str(target)], capture_output=True)
        shutil.rmtree(target, ignore_errors=True)
    git(repo, "worktree", "prune")
    target.parent.mkdir(parents=True, exist_ok=True)
    git(repo, "worktree", "add", "--detach", str(target), commit)
    if git(target, "status", "--porcelain"):
        raise ReproduceError(f"the worktree {target} is not clean after checkout")


def remove_worktree(repo: Path, target: Path) -> None:
    subprocess.run(["git", "-C", str(repo), "worktree", "remove", "--force", str(target)], capture_output=True)
    shutil.rmtree(target, ignore_errors=True)
    subprocess.run(["git", "-C", str(repo), "worktree", "prune"], capture_output=True)


def run_logged(cmd: list[str], cwd: Path, env: dict, log: Path, what: str) -> float:
    started = time.monotonic()
    with open(log, "w", encoding="utf-8") as handle:
        done = subprocess.run(cmd, cwd=cwd, env=env, stdout=handle, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-3:]
        raise ReproduceError(f"{what} failed (exit {done.returncode}); see {log}: {' | '.join(tail)}")
    return time.monotonic() - started


def install_environment(src: Path, log: Path) -> float:
    """The tag's own `make env`: a venv in src/.venv with exactly the hashed lock installed."""
    make = shutil.which("make")
    if not make:
        raise ReproduceError("`make` is not installed (it installs the locked environment; README, 'The two commands')")
    return run_logged([make, "-C", str(src), "env"], src, clean_env(), log, "installing the locked environment")


def run_pipeline(src: Path, build: Path, log: Path) -> float:
    venv_bin = src / ".venv" / "bin"
    if build.exists():
        shutil.rmtree(build)
    return run_logged([str(venv_bin / "bicentennial"), "run", "--build-dir", str(build)], src, clean_env(venv_bin),
                      log, "the pipeline run")


def cmd_reproduce(args: argparse.Namespace) -> int:
    from ..manifest import ManifestError, compare_manifests, load_manifest

    repo = Path(args.repo).resolve() if args.repo else REPO_ROOT
    workdir = Path(args.workdir).resolve() if args.workdir else repo / "build" / "reproduce" / args.tag
    src, build = workdir / "src", workdir / "build"
    timings: dict[str, float] = {}
    try:
        commit = resolve_tag(repo, args.tag)
        published_path = published_manifest_path(repo, args.tag, args.published)
        published = load_manifest(published_path)
        _say(f"{args.tag} is commit {commit[:12]}; published manifest {published_path}")
        workdir.mkdir(parents=True, exist_ok=True)
        if args.compare_only:
            _say(f"--compare-only: comparing the finished run in {build} (no install, no run)")
        else:
            _say(f"clean worktree of {args.tag} → {src}")
            make_worktree(repo, commit, src)
            try:
                _say("installing the locked environment (make env: uv from requirements.lock, pip fallback)…")
                timings["install_s"] = round(install_environment(src, workdir / "install.log"), 1)
                _say(f"installed in {timings['install_s']:.0f} s; running the full pipeline…")
                timings["run_s"] = round(run_pipeline(src, build, workdir / "run.log"), 1)
                _say(f"pipeline finished in {timings['run_s']:.0f} s")
            finally:
                if not args.keep:
                    remove_worktree(repo, src)
        reproduced = load_manifest(build / "results" / "manifest.json")
        if reproduced.get("code", {}).get("commit") != commit:
            raise ReproduceError(f"{build / 'results' / 'manifest.json'} is from commit "
                                 f"{reproduced.get('code', {}).get('commit')}, not {args.tag} ({commit})")
    except (ReproduceError, ManifestError) as error:
        print(f"reproduce: ERROR: {error}", file=sys.stderr)
        return EXIT_ERROR

    report = compare_manifests(published, reproduced)
    payload = {"tag": args.tag, "commit": commit, "published_manifest": str(published_path),
               "reproduced_manifest": str(build / "results" / "manifest.json"), "timings": timings,
               **report.to_dict()}
    text = report.to_text()
    report_json = Path(args.report).resolve() if args.report else workdir / "report.json"
    report_json.parent.mkdir(parents=True, exist_ok=True)
    report_json.write_text(json.dumps(payload, indent=1, sort_keys=True, default=str) + "\n", encoding="utf-8")
    report_json.with_suffix(".txt").write_text(text, encoding="utf-8")
    print(text, end="")
    _say(f"report: {report_json} and {report_json.with_suffix('.txt')}")
    return EXIT_MATCH if report.ok else EXIT_DIFFER


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "reproduce", help="rerun a tagged release in a clean worktree with its locked environment and compare its numbers",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("tag", help="the release tag, e.g. v0.2.0")
    p.add_argument("--published", help="the published manifest.json of the tag (default: releases/TAG/manifest.json, "
                                       "else build/site/TAG/manifest.json)")
    p.add_argument("--repo", help="the git repository holding the tag (default: this checkout)")
    p.add_argument("--workdir", help="where the worktree, its environment, the run and the report go "
                                     "(default: build/reproduce/TAG)")
    p.add_argument("--report", help="report file (JSON; the text version is written beside it with .txt); "
                                    "default WORKDIR/report.json")
    p.add_argument("--keep", action="store_true", help="keep the worktree and its environment afterwards")
    p.add_argument("--compare-only", action="store_true",
                   help="skip the worktree, install and run: compare the run already in WORKDIR/build "
                        "(e.g. against another published manifest)")
    p.set_defaults(func=cmd_reproduce)
