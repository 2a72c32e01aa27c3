"""Ingestion assets: one per raw table, generated from the source registry."""
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
        context.log.info(f"raw.{spec.name}: {report.rows:,} rows from {len(report.files)} file(s)")
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": report.rows,
                "landing_files": dg.MetadataValue.md(
                    "| file | bytes | SHA-256 | rows |\n|---|---|---|---|\n"
                    + "\n".join(f"| {f.file} | {f.size_bytes:,} | `{f.sha256}` | {f.rows:,} |" for f in report.files)
                ),
                "sha256": ", ".join(f.sha256 for f in report.files),
            }
        )

    return _raw


RAW_ASSETS = [build_raw_asset(spec) for spec in SOURCES]
