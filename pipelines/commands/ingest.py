"""`bicentennial ingest SOURCE FILE`: load one file (e.g. a newer SESNSP release) for a named source.

The file takes the same path as in a pipeline run: content-addressed landing store, size and
decompression screening, the source's parser, its expectation suite with quarantine. The load
happens on a copy of the last good warehouse, which replaces it (atomic rename) only when every
`error` expectation holds; otherwise the warehouse is left byte-identical and the command prints
one line per failure (file, line, column, what was expected) and exits 1. Nothing else is
touched: downstream models and the site are rebuilt by `bicentennial run`.

Outcomes go to BUILD/ingest/<sha256[:12]>/<suite>.json (+ .quarantine.csv).
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

EXIT_REFUSED, EXIT_USAGE = 1, 2


@dataclass
class IngestResult:
    source: str
    file: str
    loaded: bool
    lines: list[str] = field(default_factory=list)
    suite_run: object = None
    load_error: dict | None = None
    results: Path | None = None

    @property
    def failed_checks(self) -> list[str]:
        if self.suite_run is None:
            return []
        return [o.name for o in self.suite_run.outcomes if not o.success and o.evaluated]

    @property
    def blocking_checks(self) -> list[str]:
        if self.suite_run is None:
            return []
        return [o.name for o in self.suite_run.outcomes if o.blocking_failure and o.evaluated]


def suite_for(table: str):
    from ..quality.suites import Suite, load_suites
    from ..settings import EXPECTATIONS_DIR

    for suite in load_suites(EXPECTATIONS_DIR):
        if suite.table == table:
            return suite
    name = table.split(".", 1)[1]
    return Suite(f"raw_{name}_parses", ("raw", name), table, "Parse check only.", (), Path(f"raw_{name}.yml"))


def _mirror(spec, file: Path, data_dir: Path, folder: Path) -> str:
    """Place the user's file where the source's files live, in a scratch data folder, with the
    reference files some parsers look up next to it (the census catalogue for name matching)."""
    from ..sources.census import CATALOGUE_FILE

    relative = Path(spec.files[0]).parent / file.name
    (folder / relative).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(file, folder / relative)
    catalogue = Path(data_dir).resolve() / CATALOGUE_FILE
    if catalogue.is_file() and not (folder / CATALOGUE_FILE).exists():
        (folder / CATALOGUE_FILE).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(catalogue, folder / CATALOGUE_FILE)
    return str(relative)


def ingest_file(source: str, file: Path, warehouse: Path, build_dir: Path, data_dir: Path) -> IngestResult:
    """Ingest `file` for `source` into `warehouse` (see the module docstring). Never raises for a bad file."""
    import duckdb

    from ..landing import store
    from ..quality.gate import write_results
    from ..quality.gate import run_suite
    from ..sources import SourceFormatError, source_by_name
    from ..warehouse import fresh_candidate, load_source, promote

    spec = source_by_name(source)
    file, warehouse, build_dir = Path(file).resolve(), Path(warehouse), Path(build_dir)
    result = IngestResult(spec.name, file.name, False)
    landing_root = build_dir / "landing"
    try:
        stored = store(file, landing_root)  # kept as received, whatever happens next
    except SourceFormatError as error:
        result.load_error = {"message": str(error)}
        result.lines.append(f"{error}")
        return result
    candidate = fresh_candidate(warehouse)
    if warehouse.exists():
        shutil.copyfile(warehouse, candidate)
    suite = suite_for(f"raw.{spec.name}")
    try:
        with tempfile.TemporaryDirectory(prefix="ingest-") as scratch:
            relative = _mirror(spec, file, Path(data_dir), Path(scratch))
            con = duckdb.connect(str(candidate))
            try:
                load_source(con, spec, Path(scratch), files=(relative,), landing_root=landing_root)
                run = run_suite(con, suite)
            finally:
                con.close()
        result.suite_run, result.load_error = run, run.load_error
        result.results = write_results(run, build_dir / "ingest" / stored.sha256[:12])
        if run.load_error:
            result.lines.append(run.load_error["message"])
        else:
            result.lines += [f"{spec.name}: {line}" for line in run.messages()]
        if run.blocked:
            return result
        promote(candidate, warehouse)
        result.loaded = True
        return result
    finally:
        candidate.unlink(missing_ok=True)
        candidate.with_name(candidate.name + ".wal").unlink(missing_ok=True)


def cmd_ingest(args: argparse.Namespace) -> int:
    from .run import _apply_paths

    _apply_paths(args)
    from ..settings import settings_from_env
    from ..sources import SOURCES
    from ..warehouse import run_lock

    settings = settings_from_env()
    if args.source not in {s.name for s in SOURCES}:
        print(f"bicentennial ingest: unknown source {args.source!r}; known: {', '.join(s.name for s in SOURCES)}", file=sys.stderr)
        return EXIT_USAGE
    file = Path(args.file)
    if not file.is_file():
        print(f"bicentennial ingest: {file}: no such file", file=sys.stderr)
        return EXIT_USAGE
    try:
        with run_lock(settings.warehouse, on_wait=lambda: print(
                f"bicentennial ingest: a run holds {settings.warehouse}; waiting…", flush=True)):
            result = ingest_file(args.source, file, settings.warehouse, settings.build_dir, settings.data_dir)
    except KeyboardInterrupt:
        print("bicentennial ingest: interrupted; the warehouse is untouched.", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 — one line, never a traceback
        print(f"bicentennial ingest: FAILED: {type(error).__name__}: {' '.join(str(error).split())[:500]}", file=sys.stderr)
        return EXIT_REFUSED
    for line in result.lines:
        print(line, file=sys.stderr if "[ERROR]" in line or not result.loaded else sys.stdout)
    rows = result.suite_run.rows if result.suite_run is not None else 0
    if not result.loaded:
        print(f"bicentennial ingest: {result.file} REFUSED for raw.{result.source}; the warehouse is untouched"
              + (f" (outcomes: {result.results})" if result.results else ""), file=sys.stderr)
        return EXIT_REFUSED
    removed = result.suite_run.removed
    print(f"bicentennial ingest: {result.file} loaded into raw.{result.source} ({rows - removed:,} rows"
          + (f"; {removed:,} quarantined in quarantine.rows" if removed else "") + f"). Outcomes: {result.results}")
    return 0


def add_parser(subparsers) -> None:
    ingest = subparsers.add_parser("ingest", help="load one file for a named source through the parse/check/quarantine path")
    ingest.add_argument("source", help="source name (raw table), e.g. sesnsp_victims_state")
    ingest.add_argument("file", help="the file as published")
    ingest.add_argument("--build-dir", help="build folder (default: build/)")
    ingest.add_argument("--warehouse", help="DuckDB file (default: BUILD_DIR/warehouse.duckdb)")
    ingest.add_argument("--data-dir", help="data folder holding reference files (default: the repository's data/)")
    ingest.set_defaults(func=cmd_ingest)
