"""Publishing one site version: stage the Quarto project, write its generated parts, render, put it in place.

A release folder that exists is never rebuilt; "dev" is rebuilt each run. Every folder is built under a
temporary name and renamed into place when complete.
"""
from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path

from .downloads import write_results_zip, zip_path
from .generate import fill_missing_partials, write_generated
from .i18n import LANGS
from .render import render
from .reproducibility import write_hashes
from .results import SiteInputs
from .versions import Published, carry_versions, check_version, swap_into_place, update_index


def publish(site_source: Path, root: Path, inputs: SiteInputs, version: str = "dev", work_dir: Path | None = None) -> Published:
    """Render one version into root/<version>/ unless it is a release that already exists (never rebuilt);
    then refresh versions.json, latest/ and the root index. `work_dir` holds the temporary build (default: root)."""
    check_version(version)
    root.mkdir(parents=True, exist_ok=True)
    target = root / version
    if version != "dev" and (target / "version.json").exists():
        update_index(root)
        return Published(root, version, target, "skipped",
                         f"site version {version} already published at {target}; released versions are never rebuilt")
    work = Path(tempfile.mkdtemp(prefix=".site-build-", dir=work_dir or root))
    try:
        stage = work / "project"
        shutil.copytree(site_source, stage, ignore=shutil.ignore_patterns("_site", "_generated", ".quarto", "figures"))
        write_generated(stage, inputs)
        fill_missing_partials(stage)
        rendered = work / "site"
        renderer = render(stage, rendered, version, commit=str(inputs.run_info.get("commit", "unknown")))
        if (inputs.results_dir / "manifest.json").exists():  # published as /<version>/manifest.json (bicentennial reproduce)
            shutil.copy2(inputs.results_dir / "manifest.json", rendered / "manifest.json")
        for lang in LANGS:  # every hash as a CSV file beside the reproducibility page
            write_hashes(inputs.results_dir, inputs.landing_files, rendered / lang)
        write_results_zip(inputs.results_dir, zip_path(rendered), inputs.run_info)
        (rendered / "version.json").write_text(json.dumps(
            {"version": version, "commit": inputs.run_info.get("commit", "unknown"),
             "lock_sha256": inputs.run_info.get("lock_sha256", ""), "renderer": renderer}, indent=2, sort_keys=True) + "\n")
        if version == "dev":
            swap_into_place(rendered, target)
        else:
            rendered.rename(target)  # fails, leaving the existing folder alone, if another build won the race
        update_index(root)
        return Published(root, version, target, renderer)
    finally:
        shutil.rmtree(work, ignore_errors=True)


STAGING = re.compile(r"^\.run-\d+$")  # pipelines/commands/run.py builds into BUILD/.run-<pid>/


def published_site(build_dir: Path) -> Path:
    """The site that readers see. A `bicentennial run` builds into BUILD/.run-<pid>/ and renames its site over
    BUILD/site/ when everything succeeded, so the released versions must be carried over from there."""
    return build_dir.parent / "site" if STAGING.match(build_dir.name) else build_dir / "site"


def build_site(site_source: Path, build_dir: Path, inputs: SiteInputs, version: str = "dev",
               previous_site: Path | None = None) -> Published:
    """The site of one build: BUILD/site/<version>/…, keeping the releases of `previous_site` (the last published
    site, when this build runs in a staging folder that will be renamed over it)."""
    root = build_dir / "site"
    root.mkdir(parents=True, exist_ok=True)
    if previous_site is not None and previous_site.resolve() != root.resolve():
        carry_versions(previous_site, root)
    return publish(site_source, root, inputs, version, work_dir=build_dir)
