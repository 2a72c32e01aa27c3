"""The result manifest asset: after every evaluation, map and check, record what this run used and
produced (code version, lock hash, input hashes, mart hashes, every estimate) in
BUILD/results/manifest.json. The site publishes that file; `bicentennial reproduce` compares it."""
import importlib
import pkgutil

import dagster as dg

from .. import assets as _assets_package
from ..manifest import build_manifest, write_manifest
from ..resources import ProjectResource
from ..settings import REPO_ROOT
from ..sources import SOURCES

KEY = dg.AssetKey(["manifest", "result_manifest"])
# Modules whose assets come after the manifest (or are the manifest).
_DOWNSTREAM_MODULES = {"site", "manifest"}


def upstream_keys() -> list[dg.AssetKey]:
    """Every asset of the other asset modules (ingestion, models, quality, evaluations, maps,
    spatial, …), so the manifest runs last but for the site, whatever assets are added later."""
    keys: set[dg.AssetKey] = set()
    for info in pkgutil.iter_modules(_assets_package.__path__):
        if info.name in _DOWNSTREAM_MODULES:
            continue
        module = importlib.import_module(f"{_assets_package.__name__}.{info.name}")
        for value in vars(module).values():
            candidates = value if type(value) in (list, tuple) else [value]
            for candidate in candidates:
                if isinstance(candidate, dg.AssetsDefinition):
                    keys.update(candidate.keys)
    return sorted(keys, key=lambda k: k.to_user_string())


@dg.asset(
    key=KEY,
    deps=upstream_keys(),
    group_name="site",
    description=("Result manifest of the run (build/results/manifest.json): code version, lock-file hash, "
                 "SHA-256 of every input file, row count and order-independent hash of every mart, every "
                 "published estimate with its standard error and seed. Published on the site; compared by "
                 "`bicentennial reproduce TAG`."),
    kinds={"json"},
)
def result_manifest(context: dg.AssetExecutionContext, project: ProjectResource) -> dg.MaterializeResult:
    results_dir = project.settings.results_dir
    with project.connect(read_only=True) as con:
        manifest = build_manifest(con, results_dir, REPO_ROOT, SOURCES)
    path = write_manifest(results_dir / "manifest.json", manifest)
    code = manifest["code"]
    context.log.info(f"manifest: {len(manifest['inputs'])} inputs, {len(manifest['tables'])} marts, "
                     f"{len(manifest['estimates'])} estimates → {path}")
    return dg.MaterializeResult(metadata={
        "commit": code["commit"] or "unknown", "tag": code["tag"] or "none", "dirty": bool(code["dirty"]),
        "lock_sha256": manifest["environment"]["lock_sha256"] or "missing",
        "inputs": len(manifest["inputs"]), "marts": len(manifest["tables"]),
        "estimates": len(manifest["estimates"]), "seeds": dg.MetadataValue.json(manifest["seeds"]),
        "path": dg.MetadataValue.path(str(path)),
    })


def after_manifest(spec: dg.AssetSpec) -> dg.AssetSpec:
    """The website publishes the manifest (reproducibility page), so it waits for it."""
    return spec.merge_attributes(deps=[KEY]) if spec.key == dg.AssetKey(["site", "website"]) else spec
