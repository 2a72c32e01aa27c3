"""`bicentennial release TAG`: the maintainer's release step (docs/RELEASING.md).

With the tag checked out in a clean tree:

1. time a fresh install of the locked environment (`make env` in a temporary worktree of the tag, removed
   afterwards; --no-install-timing skips it), as an auditor's rerun does;
2. run the whole pipeline into BUILD (one BLAS/OpenMP thread, as `reproduce` runs it), timing its stages;
3. check that the run's manifest names the tag and a clean commit, and that the site version
   BUILD/site/TAG/ names the tag and the commit and is what latest/ points at;
4. write the manifest, with a ``release`` block (date, machine, measured durations), into the site version
   (BUILD/site/TAG/manifest.json) and into releases/TAG/manifest.json, and the release notes
   releases/TAG/RELEASE.md (what is in it, how long a rerun takes, the expected output of `reproduce`);
   both files are then committed on the main branch: they are what `bicentennial reproduce TAG` reads,
   even in a clone without tags.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from ..release_notes import check_site, release_notes
from ..releases import (
    NOTES_FILE,
    ROUGH_PLAN,
    RUN_STAGE_NAMES,
    Progress,
    format_duration,
    machine_info,
    release_manifest_path,
    run_staged,
    single_thread_env,
)
from ..settings import REPO_ROOT


class ReleaseError(Exception):
    pass


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise ReleaseError(f"git {' '.join(args)}: {done.stderr.strip() or done.returncode}")
    return done.stdout.strip()


def check_checkout(repo: Path, tag: str) -> str:
    """The tag's commit, if HEAD is at the tag and nothing is modified or untracked."""
    try:
        commit = _git(repo, "rev-parse", "--verify", f"refs/tags/{tag}^{{commit}}")
    except ReleaseError:
        raise ReleaseError(f"{tag}: no such tag (create it first: git tag -a {tag} -m '...')") from None
    head = _git(repo, "rev-parse", "HEAD")
    if head != commit:
        raise ReleaseError(f"HEAD is {head[:12]}, not {tag} ({commit[:12]}): git checkout {tag}")
    status = _git(repo, "status", "--porcelain", "--untracked-files=normal")
    if status:
        raise ReleaseError(f"the working tree is not clean ({len(status.splitlines())} changed or untracked path(s), "
                           f"e.g. {status.splitlines()[0][3:]}); a release must be built from the tag alone")
    return commit


def publish_manifest(repo: Path, tag: str, commit: str, build_dir: Path, release: dict | None = None) -> list[Path]:
    """Check the finished run's manifest and copy it (with the `release` block, when given) into the site
    version and releases/TAG/."""
    from ..manifest import load_manifest, write_manifest

    source = build_dir / "results" / "manifest.json"
    manifest = load_manifest(source)
    code = manifest.get("code", {})
    if code.get("commit") != commit or code.get("tag") != tag or code.get("dirty"):
        raise ReleaseError(f"{source} records commit {code.get('commit')}, tag {code.get('tag')}, dirty "
                           f"{code.get('dirty')}; expected {commit}, {tag}, clean")
    if release is not None:
        manifest["release"] = release
    targets = [release_manifest_path(repo, tag)]
    site_version = build_dir / "site" / tag
    if site_version.is_dir():
        targets.append(site_version / "manifest.json")
    else:
        print(f"release: note: no site version folder {site_version}; the manifest is only in releases/{tag}/",
              file=sys.stderr)
    for target in targets:
        write_manifest(target, manifest)
    return targets


def time_install(repo: Path, tag: str, commit: str, build_dir: Path) -> float:
    """Seconds a fresh `make env` of the tag takes (in a temporary worktree under BUILD, removed afterwards)."""
    from .reproduce import ReproduceError, install_environment, make_worktree, remove_worktree

    work = build_dir / "release-install" / tag
    src = work / "src"
    progress = Progress({"install": ROUGH_PLAN["install"]}, "rough defaults", prefix="release")
    try:
        make_worktree(repo, commit, src)
        progress.enter("install")
        install_environment(src, work / "install.log", progress)
    except ReproduceError as error:
        raise ReleaseError(str(error)) from None
    finally:
        remove_worktree(repo, src)
    progress.finish()
    return progress.timings()["stages"]["install"]


def run_release(repo: Path, build_dir: Path) -> dict:
    """Run the pipeline into build_dir as `reproduce` runs it (one BLAS thread); its stage durations."""
    env = single_thread_env({k: v for k, v in os.environ.items() if not k.startswith("BICENTENNIAL_")})
    progress = Progress({k: ROUGH_PLAN[k] for k in RUN_STAGE_NAMES}, "rough defaults", prefix="release")
    progress.enter("start")
    log = build_dir / "release-run.log"
    build_dir.mkdir(parents=True, exist_ok=True)
    status = run_staged([sys.executable, "-m", "pipelines.cli", "run", "--build-dir", str(build_dir)], repo, env, log,
                        progress, echo=True)
    progress.finish()
    if status != 0:
        raise ReleaseError(f"the pipeline run failed (exit {status}); nothing was published (log: {log})")
    return progress.timings()


def cmd_release(args: argparse.Namespace) -> int:
    from ..manifest import ManifestError, load_manifest

    repo = REPO_ROOT
    build_dir = Path(args.build_dir).resolve() if args.build_dir else repo / "build"
    try:
        commit = check_checkout(repo, args.tag)
        durations: dict = {}
        if not args.skip_run:
            if not args.no_install_timing:
                print(f"release: {args.tag} ({commit[:12]}): timing a fresh install of the locked environment…", flush=True)
                durations["install_s"] = time_install(repo, args.tag, commit, build_dir)
            print(f"release: {args.tag} ({commit[:12]}): running the whole pipeline into {build_dir}…", flush=True)
            timings = run_release(repo, build_dir)
            durations.update(run_s=timings["total_s"], stages=timings["stages"])
            if "install_s" in durations:
                durations["stages"]["install"] = durations["install_s"]
        problems = check_site(build_dir, args.tag, commit)
        if any(p.startswith("ERROR") for p in problems):
            raise ReleaseError("; ".join(problems))
        for problem in problems:
            print(f"release: {problem}", file=sys.stderr)
        release = {"tag": args.tag, "date": dt.datetime.now(dt.timezone.utc).date().isoformat(),
                   "machine": machine_info(single_thread_env(dict(os.environ))), "durations": durations}
        written = publish_manifest(repo, args.tag, commit, build_dir, release)
        notes = written[0].with_name(NOTES_FILE)
        notes.write_text(release_notes(repo, load_manifest(written[0])), encoding="utf-8")
        written.append(notes)
    except (ReleaseError, ManifestError, OSError) as error:
        print(f"release: ERROR: {error}", file=sys.stderr)
        return 2
    rerun = durations.get("run_s", 0) + durations.get("install_s", 0)
    if rerun:
        print(f"release: a rerun takes about {format_duration(rerun)} here (stated in {notes})")
    print("release: written " + ", ".join(str(p) for p in written))
    print(f"""release: remaining steps (docs/RELEASING.md):
  git switch main && git add releases/{args.tag}/ && git commit -m "Release {args.tag}: result manifest and notes"
  publish {build_dir / 'site'} (versions.json, latest/ and {args.tag}/)
  bicentennial reproduce {args.tag}    # an independent rerun must report MATCHES (no tag needed)""")
    return 0


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("release", help="run the pipeline at a tag and publish its result manifest and notes "
                                              "(docs/RELEASING.md)",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("tag", help="the tag checked out now, e.g. v0.1.0")
    p.add_argument("--build-dir", help="build folder (default: build/)")
    p.add_argument("--skip-run", action="store_true",
                   help="publish the manifest of the run already in BUILD_DIR (made from this same clean checkout); "
                        "RELEASE.md then states no measured rerun time")
    p.add_argument("--no-install-timing", action="store_true",
                   help="do not time a fresh install of the locked environment (RELEASE.md then counts the run only)")
    p.set_defaults(func=cmd_release)
