"""Ingestion assets: one per raw table, generated from the source registry. Each loads its source's current
files from the landing catalog (pipelines/landing_catalog.py): data/ seeds it, `bicentennial ingest` updates it."""
import dagster as dg

from ..resources import ProjectResource
from ..sources import SOURCES, SourceSpec
from ..warehouse import load_source

GROUP = "ingestion"


def raw_asset_key(spec: SourceSpec) -> dg.AssetKey:
    return dg.AssetKey(["raw", spec.name])


def build_raw_asset(spec: SourceSpec) -> dg.AssetsDefinition:
    @dg.asset(
        key=raw_asset_key(spec),
        group_name=GROUP,
        description=f"{spec.title}. {spec.description} Publisher: {spec.publisher}. Licence: {spec.licence}.",
        kinds={"duckdb", "python"},
        tags={"source_family": spec.family},
        code_version="1",
        pool="warehouse",
    )
    def _raw(context: dg.AssetExecutionContext, project: ProjectResource) -> dg.MaterializeResult:
        with project.connect() as con:
            report = load_source(con, spec, project.settings.data_dir)
        for note in report.notes:
            context.log.warning(f"raw.{spec.name}: landing catalog: {note}")
        ingested = sum(f.origin == "ingested" for f in report.files)
        context.log.info(f"raw.{spec.name}: {report.rows:,} rows from {len(report.files)} file(s)"
                         + (f", {ingested} of them ingested" if ingested else ""))
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": report.rows,
                "landing_files": dg.MetadataValue.md(
                    "| file | bytes | SHA-256 | rows | origin |\n|---|---|---|---|---|\n"
                    + "\n".join(f"| {f.file} | {f.size_bytes:,} | `{f.sha256}` | {f.rows:,} | {f.origin} |"
                                 for f in report.files)
                ),
                "sha256": ", ".join(f.sha256 for f in report.files),
            }
        )

    return _raw


RAW_ASSETS = [build_raw_asset(spec) for spec in SOURCES]
