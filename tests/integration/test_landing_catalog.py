"""The landing store is the source of truth (issue #15): an ingested update survives `bicentennial run`, reaches
the mart and the site, and a revert puts the embedded file back; one file of a multi-file source can be
ingested on its own.

A copy of the real SESNSP federal-jurisdiction file (IDEFF) with one count changed — Aguascalientes, January 2012,
"other crimes of the Organized Crime Law": 3 → 40 — is ingested into a build folder, then `bicentennial run`; the
national series "Federal organized-crime investigations (LFCDO)" of marts.indicators and the CSV that the Goal III
page links (and its table) show the new January 2012 value. That run is the session's `ingested_build`
(tests/integration/ingested_build.py), shared with test_run_promotion.py. In the session's `second_build` the same
file was ingested, then `bicentennial ingest --revert` and a run show the old one (and test_manifest_determinism.py
shows that its results are byte-identical to the shared build's)."""
from __future__ import annotations

import hashlib
import json

import pytest

from tests.integration.ingested_build import (
    CBP,
    IDEFF,
    NEW,
    OLD,
    SOURCE,
    changed_ideff,
    cli,
    observe,
)

# One worker runs this module and test_run_promotion.py, which share the session's `ingested_build` (SAME_WORKER,
# tests/conftest.py).
pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def rounds(ingested_build, second_build) -> dict:
    """The ingested build (`first`: what its run published), and the build that ingested the same file, reverted it
    and ran (`second`: the session's `second_build`, tests/conftest.py)."""
    out: dict = {**ingested_build, "revert_build": second_build,
                 "embedded_sha": hashlib.sha256(IDEFF.read_bytes()).hexdigest()}
    out["revert"] = (second_build.parent / "revert.out").read_text()
    incoming = second_build.parent.parent / "incoming" / IDEFF.name  # what second_build ingested before reverting
    assert hashlib.sha256(incoming.read_bytes()).hexdigest() == out["sha"]
    out["second"] = observe(second_build)
    out["sources_after_revert"] = cli("sources", SOURCE, "--build-dir", str(second_build)).stdout
    return out


def test_an_ingested_update_survives_the_run_and_reaches_the_mart_and_the_site(rounds):
    first, second = rounds["first"], rounds["second"]
    delta = int(NEW) - int(OLD)
    assert first["mart"] == second["mart"] + delta
    assert first["csv"] == first["page"] == first["mart"]
    assert rounds["ingest"].stdout.strip().splitlines()[-1].startswith(
        f"bicentennial ingest: {IDEFF.name} loaded into raw.{SOURCE} (155,826 rows")
    build = rounds["build"]
    assert first["landing"] == [(IDEFF.name, rounds["sha"], "ingested", str(build / "landing" / rounds["sha"] / IDEFF.name))]
    assert first["manifest_sha"] == rounds["sha"]
    line = rounds["sources_after_ingest"].splitlines()[1].split()
    assert line[:5] == [IDEFF.name, rounds["sha"][:12], f"{len(changed_ideff()):,}", "bytes", "ingested"]


def test_a_revert_puts_the_embedded_file_back(rounds):
    second = rounds["second"]
    assert second["csv"] == second["page"] == second["mart"]
    assert f"{IDEFF.name} reverted to its version {rounds['embedded_sha'][:12]}" in rounds["revert"]
    assert [(f, s, o) for f, s, o, _ in second["landing"]] == [(IDEFF.name, rounds["embedded_sha"], "embedded")]
    assert second["manifest_sha"] == rounds["embedded_sha"]
    assert rounds["sources_after_revert"].splitlines()[1].split()[4] == "embedded"
    receipts = [json.loads(line) for line in
                (rounds["revert_build"] / "landing" / "catalog" / f"{SOURCE}.jsonl").read_text().splitlines()]
    assert [(r["command"], r["origin"], r["sha256"]) for r in receipts] == [
        ("seed", "embedded", rounds["embedded_sha"]), ("ingest", "ingested", rounds["sha"]),
        ("revert", "embedded", rounds["embedded_sha"])]


def test_one_file_of_a_multi_file_source_is_ingested_with_the_rest_of_the_source(rounds):
    """The real, unchanged fy23–fy26 CBP file: accepted (row_count_as_published sees both files), rows unchanged."""
    rows, files = rounds["cbp_before"]
    assert rounds["cbp_after"] == rounds["cbp_before"]
    assert len(files) == 2 and sum(f[2] for f in files) == rows
    assert f"{CBP.name} is already the file in use" in rounds["cbp_ingest"].stdout
