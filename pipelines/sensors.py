"""A sensor on the landing folder and the landing catalog: when a source's file appears or changes (or is
ingested or reverted), load it and rebuild everything downstream of that raw table (models, checks,
evaluations, site).

Each landing file declared by a source (pipelines/sources/, `SourceSpec.files`) is fingerprinted by
size and modification time, and each source's landing catalog (pipelines/landing_catalog.py) by its
`bicentennial ingest` receipts (an ingest or a revert changes what the source loads; seeds, which a run
writes itself, do not count); the cursor keeps the fingerprints of the last tick. The first tick only
records them (nothing is launched). Files in a source's folder that no source declares are reported
in the tick's skip reason, because no parser would read them.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import dagster as dg

from .resources import ProjectResource
from .sources import SOURCES, SourceSpec

IGNORED_NAMES = {"SOURCE.md", "README.md", ".gitkeep", ".DS_Store"}


def fingerprints(data_dir: Path, sources: tuple[SourceSpec, ...] = SOURCES) -> dict[str, str]:
    """`size:mtime_ns` of every declared landing file that exists, keyed by its path under data_dir."""
    out: dict[str, str] = {}
    for spec in sources:
        for relative in spec.files:
            path = Path(data_dir) / relative
            if path.is_file():
                stat = path.stat()
                out[relative] = f"{stat.st_size}:{stat.st_mtime_ns}"
    return out


CATALOG_KEY = "catalog:"


def catalog_fingerprints(landing_root: Path, sources: tuple[SourceSpec, ...] = SOURCES) -> dict[str, str]:
    """`catalog:<source>` → digest of the ingest and revert receipts of the source's landing catalog (for the
    sources that have any)."""
    from .landing_catalog import SEED, catalog_path

    out: dict[str, str] = {}
    for spec in sources:
        path = catalog_path(landing_root, spec.name)
        if not path.is_file():
            continue
        changes = [line for line in path.read_bytes().split(b"\n")
                   if line.strip() and b'"command":"%s"' % SEED.encode() not in line]
        if changes:
            out[f"{CATALOG_KEY}{spec.name}"] = hashlib.sha256(b"\n".join(changes)).hexdigest()[:16]
    return out


def changed_sources(previous: dict[str, str], current: dict[str, str],
                    sources: tuple[SourceSpec, ...] = SOURCES) -> list[str]:
    """Names of the sources with a declared file, or landing-catalog changes, that are new, changed or removed
    since `previous`."""
    changed = {path for path in previous.keys() | current.keys() if previous.get(path) != current.get(path)}
    return [spec.name for spec in sources if changed & {*spec.files, f"{CATALOG_KEY}{spec.name}"}]


def undeclared_files(data_dir: Path, sources: tuple[SourceSpec, ...] = SOURCES) -> list[str]:
    """Files lying in a source's folder that no source declares (a parser must be told about them)."""
    declared = {relative for spec in sources for relative in spec.files}
    folders = {str(Path(relative).parent) for relative in declared}
    extra = []
    for folder in sorted(folders):
        base = Path(data_dir) / folder
        if not base.is_dir():
            continue
        for path in sorted(base.iterdir()):
            relative = str(Path(folder) / path.name)
            if path.is_file() and path.name not in IGNORED_NAMES and relative not in declared:
                extra.append(relative)
    return extra


@dg.sensor(
    name="landing_files",
    job_name="refresh_all",
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Watches the landing folder (data/ or BICENTENNIAL_DATA_DIR) and the landing catalog: a new or "
                "changed file of a source, or a `bicentennial ingest` (or --revert) of one, triggers a run of its raw "
                "table and everything downstream.",
)
def landing_files(context: dg.SensorEvaluationContext, project: ProjectResource):
    from .landing import landing_dir

    data_dir = project.settings.data_dir
    current = {**fingerprints(data_dir), **catalog_fingerprints(landing_dir(project.settings.build_dir))}
    previous = json.loads(context.cursor) if context.cursor else None
    context.update_cursor(json.dumps(current, sort_keys=True))
    extra = undeclared_files(data_dir)
    note = f" Not declared by any source (ignored): {', '.join(extra[:5])}{' …' if len(extra) > 5 else ''}." if extra else ""
    if previous is None:
        return dg.SkipReason(f"First tick: recorded {len(current)} landing files under {data_dir}.{note}")
    names = changed_sources(previous, current)
    if not names:
        return dg.SkipReason(f"No landing file changed ({len(current)} watched).{note}")
    roots = [dg.AssetKey(["raw", name]) for name in names]
    selection = dg.AssetSelection.assets(*roots).downstream().resolve(context.repository_def.asset_graph)
    run_key = hashlib.sha256(json.dumps({n: {p: current.get(p) for p in _files_of(n)} for n in names},
                                        sort_keys=True).encode()).hexdigest()[:16]
    context.log.info(f"landing files changed for {', '.join(names)}: {len(selection)} assets to rebuild")
    return dg.RunRequest(
        run_key=run_key,
        asset_selection=sorted(selection),
        tags={"bicentennial/trigger": "landing_files", "bicentennial/sources": ",".join(names)},
    )


def _files_of(name: str) -> tuple[str, ...]:
    return (*next(spec.files for spec in SOURCES if spec.name == name), f"{CATALOG_KEY}{name}")
