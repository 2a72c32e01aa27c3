"""`bicentennial reproduce TAG`: rerun a release from scratch and compare its numbers.

0. the release's published manifest (releases/TAG/manifest.json in this checkout, else
   build/site/TAG/manifest.json, or --published) names the commit; that commit must be in this clone, its
   tree must equal the manifest's ``code.tree``, and the tag, if this clone has it, must point at it (a clone
   without tags works: the commit comes from the manifest). Each check is printed and kept in the report;
1. a clean git worktree of that commit (WORKDIR/src);
2. the release's locked environment installed into WORKDIR/src/.venv with its own `make env`
   (uv from the hashed lock, pip --require-hashes as fallback; only the package registry is used);
3. the full pipeline of the release, run by that environment into WORKDIR/build, with one BLAS/OpenMP
   thread (OMP_NUM_THREADS, OPENBLAS_NUM_THREADS, MKL_NUM_THREADS = 1);
4. its manifest (WORKDIR/build/results/manifest.json) compared with the published one;
5. the report printed and saved (WORKDIR/report.txt and report.json): the release, the commit and what
   was checked, the machine (CPU model, cores, OS), the time taken by stage, and every difference with
   both values.

Progress is printed by stage (worktree, install, the run's stages, compare) with the time left, estimated
from the durations the release recorded (its manifest's ``release`` block), else from an earlier
reproduction of the same release (WORKDIR/report.json), else from rough defaults.
`bicentennial reproduce --list` lists the releases recorded in releases/.

Exit status: 0 when everything matches, 1 when something differs, 2 when the reproduction could not
be carried out (no published manifest, commit not in the clone, install or pipeline failure).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from ..releases import (
    Progress,
    ReleaseLookupError,
    Resolved,
    format_duration,
    list_releases,
    machine_info,
    machine_text,
    plan_from,
    releases_text,
    remaining_seconds,
    resolve_release,
    run_staged,
    single_thread_env,
)
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


def _checked(status: int, log: Path, what: str) -> None:
    if status != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-3:]
        raise ReproduceError(f"{what} failed (exit {status}); see {log}: {' | '.join(tail)}")


def install_environment(src: Path, log: Path, progress: Progress | None = None) -> None:
    """The release's own `make env`: a venv in src/.venv with exactly the hashed lock installed."""
    make = shutil.which("make")
    if not make:
        raise ReproduceError("`make` is not installed (it installs the locked environment; README, 'The two commands')")
    _checked(run_staged([make, "-C", str(src), "env"], src, clean_env(), log, progress), log,
             "installing the locked environment")


def run_pipeline(src: Path, build: Path, log: Path, progress: Progress | None = None) -> None:
    """The release's full pipeline with one BLAS/OpenMP thread, its stages shown by `progress`."""
    venv_bin = src / ".venv" / "bin"
    if build.exists():
        shutil.rmtree(build)
    if progress is not None:
        progress.enter("start")
    _checked(run_staged([str(venv_bin / "bicentennial"), "run", "--build-dir", str(build)], src,
                        single_thread_env(clean_env(venv_bin)), log, progress), log, "the pipeline run")


def report_header(tag: str, commit: str, checks: list[str], machine: dict, timings: dict) -> str:
    stages = ", ".join(f"{name} {format_duration(seconds)}" for name, seconds in timings.get("stages", {}).items())
    return "\n".join([
        f"Release {tag}, commit {commit}",
        *[f"Checked: {check}" for check in checks],
        f"Machine: {machine_text(machine)}",
        f"Time taken: {format_duration(timings.get('total_s', 0))}" + (f" ({stages})" if stages else ""),
    ]) + "\n"


def _locate(args: argparse.Namespace, repo: Path) -> tuple[Path, dict, Resolved]:
    from ..manifest import load_manifest

    published_path = published_manifest_path(repo, args.tag, args.published)
    published = load_manifest(published_path)
    try:
        resolved = resolve_release(repo, args.tag, published)
    except ReleaseLookupError as error:
        raise ReproduceError(str(error)) from None
    _say(f"{args.tag}: published manifest {published_path}")
    for check in resolved.checks:
        _say(f"checked: {check}")
    return published_path, published, resolved


def cmd_reproduce(args: argparse.Namespace) -> int:
    from ..manifest import ManifestError, compare_manifests, load_manifest

    repo = Path(args.repo).resolve() if args.repo else REPO_ROOT
    if args.list:
        print(releases_text(list_releases(repo), repo), end="")
        return EXIT_MATCH
    if not args.tag:
        print("reproduce: ERROR: name the release to rerun (e.g. bicentennial reproduce v0.1.0), "
              "or list them with --list", file=sys.stderr)
        return EXIT_ERROR
    workdir = Path(args.workdir).resolve() if args.workdir else repo / "build" / "reproduce" / args.tag
    src, build = workdir / "src", workdir / "build"
    report_json = Path(args.report).resolve() if args.report else workdir / "report.json"
    machine = machine_info(single_thread_env(clean_env()))
    try:
        published_path, published, resolved = _locate(args, repo)
        commit = resolved.commit
        plan, source = plan_from(published, workdir / "report.json")
        if args.compare_only:
            plan = {"compare": plan["compare"]}
        progress = Progress(plan, source)
        _say(f"machine: {machine_text(machine)}")
        workdir.mkdir(parents=True, exist_ok=True)
        if args.compare_only:
            _say(f"--compare-only: comparing the finished run in {build} (no install, no run)")
        else:
            _say(f"about {format_duration(remaining_seconds(plan, {}, None, 0))} in all (estimated from {source})")
            progress.enter("worktree")
            _say(f"clean worktree of commit {commit[:12]} → {src}")
            make_worktree(repo, commit, src)
            try:
                progress.enter("install")
                _say("installing the locked environment (make env: uv from requirements.lock, pip fallback)…")
                install_environment(src, workdir / "install.log", progress)
                _say(f"running the full pipeline (one BLAS thread; log {workdir / 'run.log'})…")
                run_pipeline(src, build, workdir / "run.log", progress)
            finally:
                if not args.keep:
                    remove_worktree(repo, src)
        progress.enter("compare")
        reproduced = load_manifest(build / "results" / "manifest.json")
        if reproduced.get("code", {}).get("commit") != commit:
            raise ReproduceError(f"{build / 'results' / 'manifest.json'} is from commit "
                                 f"{reproduced.get('code', {}).get('commit')}, not {args.tag} ({commit})")
    except (ReproduceError, ManifestError) as error:
        print(f"reproduce: ERROR: {error}", file=sys.stderr)
        return EXIT_ERROR

    report = compare_manifests(published, reproduced)
    progress.finish()
    timings = progress.timings()
    payload = {"tag": args.tag, "release": args.tag, "commit": commit, "checks": resolved.checks, "machine": machine,
               "published_manifest": str(published_path), "reproduced_manifest": str(build / "results" / "manifest.json"),
               "timings": timings, "time_taken_s": timings["total_s"], **report.to_dict()}
    verdict, _, rest = report.to_text().partition("\n")  # the verdict first, then who, where and how long
    text = verdict + "\n" + report_header(args.tag, commit, resolved.checks, machine, timings) + rest
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
    p.add_argument("tag", nargs="?", help="the release, e.g. v0.1.0 (its commit comes from releases/TAG/manifest.json; "
                                          "the git tag itself is not needed)")
    p.add_argument("--list", action="store_true", help="list the releases this checkout can rerun (releases/*/manifest.json)")
    p.add_argument("--published", help="the published manifest.json of the tag (default: releases/TAG/manifest.json, "
                                       "else build/site/TAG/manifest.json)")
    p.add_argument("--repo", help="the git repository holding the release's commit (default: this checkout)")
    p.add_argument("--workdir", help="where the worktree, its environment, the run and the report go "
                                     "(default: build/reproduce/TAG)")
    p.add_argument("--report", help="report file (JSON; the text version is written beside it with .txt); "
                                    "default WORKDIR/report.json")
    p.add_argument("--keep", action="store_true", help="keep the worktree and its environment afterwards")
    p.add_argument("--compare-only", action="store_true",
                   help="skip the worktree, install and run: compare the run already in WORKDIR/build "
                        "(e.g. against another published manifest)")
    p.set_defaults(func=cmd_reproduce)
