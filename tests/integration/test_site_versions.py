"""Versioned site (like mike): a release renders once into site/<version>/ and is never rebuilt or changed;
versions.json and latest/ follow the newest release. Rendered from the session pipeline's results."""
from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.settings import SITE_SOURCE_DIR
from pipelines.site.build import build_site, publish, published_site
from pipelines.site.results import SiteInputs
from pipelines.site.versions import swap_into_place

pytestmark = pytest.mark.integration


def site_inputs(pipeline_build: Path, results: Path, version: str, commit: str) -> SiteInputs:
    con = duckdb.connect(str(pipeline_build / "warehouse.duckdb"), read_only=True)
    try:
        landing = con.execute("select * from raw._landing_files order by table_name, file").df().to_dict("records")
    finally:
        con.close()
    return SiteInputs(results, landing, {"commit": commit, "version": version, "lock_sha256": "0" * 64})


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file under `folder`: SHA-256 and inode (a rebuilt file gets a new inode even with equal bytes)."""
    return {p.relative_to(folder).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_ino)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def redirect_target(page: Path) -> str:
    return re.search(r'http-equiv="refresh" content="0; url=([^"]+)"', page.read_text()).group(1)


@pytest.fixture(scope="module")
def results(pipeline_build, tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("site-results") / "results"
    shutil.copytree(pipeline_build / "results", copy)
    return copy


def test_second_release_leaves_the_first_byte_identical(pipeline_build, results, tmp_path):
    root = tmp_path / "site"
    first = publish(SITE_SOURCE_DIR, root, site_inputs(pipeline_build, results, "v1.0.0", "aaaaaaa"), "v1.0.0")
    assert first.renderer == "pandoc"
    before = snapshot(root / "v1.0.0")
    assert {"en/index.html", "es/index.html", "en/goal-1.html", "es/goal-3.html", "version.json"} <= set(before)
    assert json.loads((root / "versions.json").read_text()) == [{"version": "v1.0.0", "title": "v1.0.0", "aliases": ["latest"]}]

    # The next release comes from other code and other results: the first must not change at all.
    result_file = results / "evaluations" / "joint_operations_homicides" / "result.json"  # a Goal I evaluation
    changed = json.loads(result_file.read_text())
    changed["title"] = {"en": "Changed title for v1.1.0", "es": "Título cambiado para v1.1.0"}
    result_file.write_text(json.dumps(changed))
    second = publish(SITE_SOURCE_DIR, root, site_inputs(pipeline_build, results, "v1.1.0", "bbbbbbb"), "v1.1.0")
    assert second.renderer == "pandoc"
    assert snapshot(root / "v1.0.0") == before
    assert "Changed title for v1.1.0" in (root / "v1.1.0/en/goal-1.html").read_text()
    assert "Changed title for v1.1.0" not in (root / "v1.0.0/en/goal-1.html").read_text()

    versions = json.loads((root / "versions.json").read_text())
    assert [(v["version"], v["aliases"]) for v in versions] == [("v1.1.0", ["latest"]), ("v1.0.0", [])]
    assert redirect_target(root / "latest/es/goal-2.html") == "../../v1.1.0/es/goal-2.html"
    assert redirect_target(root / "latest/index.html") == "../v1.1.0/en/index.html"
    assert redirect_target(root / "index.html") == "v1.1.0/en/index.html"
    assert (root / "latest/es/goal-2.html").resolve().parent.parent == (root / "latest").resolve()  # plain files, no symlink

    # Publishing an existing release again is refused (skipped) and changes nothing.
    again = publish(SITE_SOURCE_DIR, root, site_inputs(pipeline_build, results, "v1.0.0", "ccccccc"), "v1.0.0")
    assert again.renderer == "skipped" and "never rebuilt" in again.message
    assert snapshot(root / "v1.0.0") == before

    # Untagged builds are "dev": listed after the releases, rebuilt each time, never "latest".
    publish(SITE_SOURCE_DIR, root, site_inputs(pipeline_build, results, "dev", "ddddddd"), "dev")
    publish(SITE_SOURCE_DIR, root, site_inputs(pipeline_build, results, "dev", "eeeeeee"), "dev")
    assert json.loads((root / "dev/version.json").read_text())["commit"] == "eeeeeee"
    assert [v["version"] for v in json.loads((root / "versions.json").read_text())] == ["v1.1.0", "v1.0.0", "dev"]
    assert redirect_target(root / "latest/en/index.html") == "../../v1.1.0/en/index.html"
    assert snapshot(root / "v1.0.0") == before
    assert not [p for p in root.iterdir() if p.name.startswith(".")]  # no temporary folders left behind


def test_a_staged_run_carries_the_releases_over_byte_for_byte(pipeline_build, results, tmp_path):
    """`bicentennial run` builds in BUILD/.run-<pid>/ and renames its site over BUILD/site/."""
    build = tmp_path / "build"
    publish(SITE_SOURCE_DIR, build / "site", site_inputs(pipeline_build, results, "v0.9.0", "aaaaaaa"), "v0.9.0")
    before = {k: v[0] for k, v in snapshot(build / "site/v0.9.0").items()}
    staging = build / ".run-4242"
    assert published_site(staging) == build / "site" and published_site(build) == build / "site"
    published = build_site(SITE_SOURCE_DIR, staging, site_inputs(pipeline_build, results, "dev", "bbbbbbb"), "dev",
                           previous_site=published_site(staging))
    assert published.path == staging / "site/dev"
    swap_into_place(staging / "site", build / "site")
    assert {k: v[0] for k, v in snapshot(build / "site/v0.9.0").items()} == before
    assert [v["version"] for v in json.loads((build / "site/versions.json").read_text())] == ["v0.9.0", "dev"]
