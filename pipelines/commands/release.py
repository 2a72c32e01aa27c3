"""`bicentennial release TAG`: the maintainer's release step (docs/RELEASING.md).

With the tag checked out in a clean tree: run the whole pipeline, check that its manifest names the
tag and a clean commit, put the manifest into the site version (BUILD/site/TAG/manifest.json) and
into releases/TAG/manifest.json (to be committed on the main branch: it is what
`bicentennial reproduce TAG` compares against), and print the remaining steps.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

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


def publish_manifest(repo: Path, tag: str, commit: str, build_dir: Path) -> list[Path]:
    """Check the finished run's manifest and copy it into the site version and releases/TAG/."""
    from ..manifest import load_manifest, write_manifest

    source = build_dir / "results" / "manifest.json"
    manifest = load_manifest(source)
    code = manifest.get("code", {})
    if code.get("commit") != commit or code.get("tag") != tag or code.get("dirty"):
        raise ReleaseError(f"{source} records commit {code.get('commit')}, tag {code.get('tag')}, dirty "
                           f"{code.get('dirty')}; expected {commit}, {tag}, clean")
    targets = [repo / "releases" / tag / "manifest.json"]
    site_version = build_dir / "site" / tag
    if site_version.is_dir():
        targets.append(site_version / "manifest.json")
    else:
        print(f"release: note: no site version folder {site_version}; the manifest is only in releases/{tag}/",
              file=sys.stderr)
    for target in targets:
        write_manifest(target, manifest)
    return targets


def cmd_release(args: argparse.Namespace) -> int:
    from ..manifest import ManifestError

    repo = REPO_ROOT
    build_dir = Path(args.build_dir).resolve() if args.build_dir else repo / "build"
    try:
        commit = check_checkout(repo, args.tag)
        if not args.skip_run:
            print(f"release: {args.tag} ({commit[:12]}): running the whole pipeline into {build_dir}…", flush=True)
            done = subprocess.run([sys.executable, "-m", "pipelines.cli", "run", "--build-dir", str(build_dir)], cwd=repo)
            if done.returncode != 0:
                raise ReleaseError(f"the pipeline run failed (exit {done.returncode}); nothing was published")
        written = publish_manifest(repo, args.tag, commit, build_dir)
    except (ReleaseError, ManifestError, OSError) as error:
        print(f"release: ERROR: {error}", file=sys.stderr)
        return 2
    print("release: manifest written to " + ", ".join(str(p) for p in written))
    print(f"""release: remaining steps (docs/RELEASING.md):
  git switch main && git add releases/{args.tag}/manifest.json && git commit -m "Release {args.tag}: result manifest"
  publish {build_dir / 'site'} (versions.json, latest/ and {args.tag}/)
  bicentennial reproduce {args.tag}    # an independent rerun must report MATCHES""")
    return 0


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("release", help="run the pipeline at a tag and publish its result manifest (docs/RELEASING.md)",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("tag", help="the tag checked out now, e.g. v0.2.0")
    p.add_argument("--build-dir", help="build folder (default: build/)")
    p.add_argument("--skip-run", action="store_true",
                   help="publish the manifest of the run already in BUILD_DIR (made from this same clean checkout)")
    p.set_defaults(func=cmd_release)
