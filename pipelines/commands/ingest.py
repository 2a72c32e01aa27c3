"""`bicentennial ingest SOURCE FILE [--replaces NAME]`: add or replace one file of a named source (e.g. a
newer SESNSP release); `bicentennial ingest --revert SOURCE FILE`: go back to that file's previous version.

The landing store is the source of truth (pipelines/landing_catalog.py): the file is kept as received in
the content-addressed store, then the source's FULL current set of files with that change (a file of the
same published name is replaced; `--replaces NAME` replaces a file of another name; a new name is added)
takes the same path as in a pipeline run: size and decompression screening, the source's parser, its
expectation suite with quarantine, so checks over the whole source (row_count_as_published, complete
months) see all of it. The load happens on a copy of the last good warehouse; only when every `error`
expectation holds is the receipt appended to the source's catalog and the copy renamed over the warehouse.
Otherwise the catalog and the warehouse are left as they were and the command prints one line per failure
(file, line, column, what was expected) and exits 1. `bicentennial run` then rebuilds everything downstream
from the catalog, so the update stays.

Outcomes go to BUILD/ingest/<sha256[:12]>/<suite>.json (+ .quarantine.csv); only the 5 latest such folders
are kept. A refused file's copy is removed from the landing store (unless `--keep-refused`, or the same
bytes are a version some receipt names); an accepted copy is kept read-only, readable by no one the
original did not allow.

Exit codes: 0 loaded (or reverted); 1 refused (a check failed, or the load failed: one line per problem);
2 a usage error, nothing stored or changed (unknown source, a path that is a directory, a device, missing
or unreadable, an unknown --replaces/--revert name, or a warehouse without the tables the source's checks
look codes up in: run `bicentennial run` first); 130 interrupted.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

EXIT_REFUSED, EXIT_USAGE = 1, 2


class NotReady(Exception):
    """The warehouse lacks a table the source's checks need (one line saying what to run first)."""


@dataclass
class IngestResult:
    source: str
    file: str
    loaded: bool
    lines: list[str] = field(default_factory=list)
    suite_run: object = None
    load_error: dict | None = None
    results: Path | None = None
    reverted: bool = False
    restored: str | None = None  # a revert: SHA-256 of the version put back (None: the added file was removed)
    unchanged: bool = False  # the bytes already in use: loaded and checked, nothing recorded
    notes: list[str] = field(default_factory=list)  # from the landing catalog (e.g. a torn last line repaired)
    refused_copy: str | None = None  # "removed" or "kept": the landing copy of a refused file

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


KEEP_INGEST_FOLDERS = 5


def _landing_root(build_dir: Path) -> Path:
    from ..landing import landing_dir

    return landing_dir(Path(build_dir))


def ingest_file(source: str, file: Path, warehouse: Path, build_dir: Path, data_dir: Path,
                replaces: str | None = None, keep_refused: bool = False) -> IngestResult:
    """Ingest `file` for `source` into `warehouse` (see the module docstring). Never raises for a bad file;
    raises CatalogError for a `replaces` name the source does not have and NotReady for a warehouse without
    the tables the source's checks look codes up in (nothing is stored then)."""
    from ..landing import discard, store
    from ..landing_catalog import plan_ingest, referenced
    from ..sources import SourceFormatError, source_by_name

    spec = source_by_name(source)
    file, build_dir = Path(file).resolve(), Path(build_dir)
    require_lookup_tables(spec.name, Path(warehouse))
    result = IngestResult(spec.name, file.name, False)
    landing_root = _landing_root(build_dir)
    stored = None
    try:
        stored = store(file, landing_root)
        plan = plan_ingest(spec, Path(data_dir), landing_root, stored, replaces)
        return _load_checked(spec, plan, result, Path(warehouse), build_dir, Path(data_dir), stored.sha256)
    except SourceFormatError as error:
        result.load_error = {"message": str(error)}
        result.lines.append(f"{error}")
        return result
    finally:
        if stored is not None and stored.created and not result.loaded:
            if keep_refused:
                result.refused_copy = "kept"
            elif not referenced(landing_root, stored.sha256):
                discard(stored)
                result.refused_copy = "removed"


def lookup_tables(source: str) -> dict[str, str]:
    """Tables the checks of raw.`source` read besides the table itself (codes looked up in the geography,
    e.g. raw.municipalities) → the first check that reads it."""
    import re

    suite = suite_for(f"raw.{source}")
    found: dict[str, str] = {}
    for expectation in suite.expectations:
        if expectation.value_set_from:
            found.setdefault(expectation.value_set_from["table"], expectation.name)
    for name, sql in suite.derived.items():
        for table in re.findall(r"\b((?:raw|staging|marts|intermediate)\.[a-z_][a-z0-9_]*)", sql):
            found.setdefault(table, name)
    found.pop(suite.table, None)
    return found


def require_lookup_tables(source: str, warehouse: Path) -> None:
    """Raise NotReady unless `warehouse` has every table the checks of `source` look values up in: without
    them the checks cannot run and a valid file would be refused (e.g. into a fresh build folder)."""
    import duckdb

    needed = lookup_tables(source)
    if not needed:
        return
    present: set[str] = set()
    if warehouse.exists():
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            present = {f"{s}.{t}" for s, t in con.execute(
                "select table_schema, table_name from information_schema.tables").fetchall()}
        finally:
            con.close()
    missing = [t for t in needed if t not in present]
    if missing:
        where = f"the warehouse {warehouse} has no {', '.join(missing)}" if warehouse.exists() else \
            f"there is no warehouse at {warehouse} yet"
        checks = ", ".join(sorted({needed[t] for t in missing}))
        raise NotReady(f"raw.{source} is checked against {', '.join(missing)} ({checks}), and {where}; run "
                       f"`bicentennial run` with the same --build-dir first, then ingest again (nothing was stored)")


def revert_file(source: str, name: str, warehouse: Path, build_dir: Path, data_dir: Path) -> IngestResult:
    """Put the previous version of file `name` of `source` back (a file an ingest added is removed), through
    the same load and checks. Raises CatalogError for an unknown name or when there is nothing to revert."""
    from ..landing_catalog import plan_revert
    from ..sources import SourceFormatError, source_by_name

    spec = source_by_name(source)
    build_dir = Path(build_dir)
    require_lookup_tables(spec.name, Path(warehouse))
    result = IngestResult(spec.name, name, False, reverted=True)
    try:
        plan = plan_revert(spec, Path(data_dir), _landing_root(build_dir), name)
    except SourceFormatError as error:
        result.load_error = {"message": str(error)}
        result.lines.append(f"{error}")
        return result
    change = plan.change
    result.file = change.file
    result.restored = change.sha256
    return _load_checked(spec, plan, result, Path(warehouse), build_dir, Path(data_dir),
                         change.sha256 or change.previous_sha256)


def _load_checked(spec, plan, result: IngestResult, warehouse: Path, build_dir: Path, data_dir: Path,
                  sha: str) -> IngestResult:
    """Load the plan's files into a copy of the warehouse, check them, and only if accepted commit the
    plan's receipts and swap the copy in."""
    import duckdb

    from ..landing_catalog import commit
    from ..quality.gate import run_suite, write_results
    from ..warehouse import fresh_candidate, load_source, promote

    result.unchanged = plan.unchanged
    result.notes += plan.notes
    candidate = fresh_candidate(warehouse)
    if warehouse.exists():
        shutil.copyfile(warehouse, candidate)
    suite = suite_for(f"raw.{spec.name}")
    folder = build_dir / "ingest" / sha[:12]
    try:
        con = duckdb.connect(str(candidate))
        try:
            load_source(con, spec, data_dir, plan=plan, landing_root=plan.root, commit=False)
            run = run_suite(con, suite)
        finally:
            con.close()
        result.suite_run, result.load_error = run, run.load_error
        result.results = write_results(run, folder)
        if run.load_error:
            result.lines.append(run.load_error["message"])
        else:
            result.lines += [f"{spec.name}: {line}" for line in run.messages()]
            # A blocking check that could not run says why (run.messages() lists the evaluated ones).
            result.lines += [f"{spec.name}: {suite.table}: {o.message} [ERROR]" for o in run.outcomes
                             if o.blocking_failure and not o.evaluated]
        if run.blocked:
            return result
        # The receipt first: once it is written the update is accepted, and a run rebuilds from it even if
        # the swap below were interrupted.
        result.notes += commit(plan)
        promote(candidate, warehouse)
        result.loaded = True
        return result
    finally:
        candidate.unlink(missing_ok=True)
        candidate.with_name(candidate.name + ".wal").unlink(missing_ok=True)
        _prune_ingest_folders(build_dir / "ingest", keep=folder)


def _prune_ingest_folders(base: Path, keep: Path, latest: int = KEEP_INGEST_FOLDERS) -> None:
    """Remove ingest work folders older than the `latest` newest (the one just written always stays)."""
    if not base.is_dir():
        return
    if keep.is_dir():
        os.utime(keep)  # rewritten outcomes do not touch the folder's own time
    folders = sorted((p for p in base.iterdir() if p.is_dir()), key=lambda p: (p.stat().st_mtime_ns, p.name), reverse=True)
    for old in folders[latest:]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)


def cmd_ingest(args: argparse.Namespace) -> int:
    from .run import _apply_paths

    _apply_paths(args)
    from ..landing_catalog import CatalogError
    from ..settings import settings_from_env
    from ..sources import SOURCES
    from ..warehouse import run_lock

    settings = settings_from_env()
    if args.source not in {s.name for s in SOURCES}:
        print(f"bicentennial ingest: unknown source {args.source!r}; known: {', '.join(s.name for s in SOURCES)}", file=sys.stderr)
        return EXIT_USAGE
    if args.revert and args.replaces:
        print("bicentennial ingest: --revert takes a file name and no --replaces", file=sys.stderr)
        return EXIT_USAGE
    file = Path(args.file)
    if not args.revert:
        from ..landing import unusable_reason

        reason = unusable_reason(file)
        if reason is not None:
            print(f"bicentennial ingest: {file}: {reason}; {WHAT_TO_DO.get(reason.split(' (')[0], 'check the path')}",
                  file=sys.stderr)
            return EXIT_USAGE
    try:
        with run_lock(settings.warehouse, on_wait=lambda: print(
                f"bicentennial ingest: a run holds {settings.warehouse}; waiting…", flush=True)):
            if args.revert:
                result = revert_file(args.source, file.name, settings.warehouse, settings.build_dir, settings.data_dir)
            else:
                result = ingest_file(args.source, file, settings.warehouse, settings.build_dir, settings.data_dir,
                                     replaces=args.replaces, keep_refused=args.keep_refused)
    except (CatalogError, NotReady) as error:
        print(f"bicentennial ingest: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("bicentennial ingest: interrupted; the warehouse and the landing catalog are untouched.", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 — one line, never a traceback
        print(f"bicentennial ingest: FAILED: {type(error).__name__}: {' '.join(str(error).split())[:500]}", file=sys.stderr)
        return EXIT_REFUSED
    for note in result.notes:
        print(f"bicentennial ingest: landing catalog: {note}", file=sys.stderr)
    for line in result.lines:
        print(line, file=sys.stderr if "[ERROR]" in line or not result.loaded else sys.stdout)
    rows = result.suite_run.rows if result.suite_run is not None else 0
    what = f"the revert of {result.file}" if result.reverted else result.file
    if not result.loaded:
        copy = {"removed": "; its landing copy was removed (--keep-refused keeps it)",
                "kept": "; its landing copy is kept (--keep-refused)"}.get(result.refused_copy, "")
        print(f"bicentennial ingest: {what} REFUSED for raw.{result.source}; the warehouse and the landing catalog are "
              "untouched" + copy + (f" (outcomes: {result.results})" if result.results else ""), file=sys.stderr)
        return EXIT_REFUSED
    removed = result.suite_run.removed
    quarantined = f"; {removed:,} quarantined in quarantine.rows" if removed else ""
    table = f"raw.{result.source} ({rows - removed:,} rows from its current files{quarantined})"
    if result.reverted:
        done = (f"{result.file} reverted to its version {result.restored[:12]}" if result.restored
                else f"{result.file} removed (an ingest had added it)") + f"; reloaded {table}"
    elif result.unchanged:
        done = f"{result.file} is already the file in use; reloaded and checked {table}, nothing recorded"
    else:
        done = f"{result.file} loaded into {table}"
    print(f"bicentennial ingest: {done}. Outcomes: {result.results}. `bicentennial sources {result.source}` lists its "
          "files; `bicentennial run` rebuilds what depends on it.")
    return 0


WHAT_TO_DO = {
    "is a directory": "give one file of it (the file as published)",
    "is not a regular file": "give a regular file (copy the data to a file first)",
    "no such file": "check the path",
    "permission denied": "make it readable by this user (chmod u+r) or copy it",
}


def add_parser(subparsers) -> None:
    ingest = subparsers.add_parser(
        "ingest", help="add or replace one file of a named source (or --revert it) through the parse/check/quarantine path",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Add or replace one file of a source in the landing store (the source of truth), load the\n"
                    "source's full current set of files with that change on a copy of the warehouse, and keep it\n"
                    "only if its blocking checks hold. The warehouse must exist (`bicentennial run` first).",
        epilog="exit codes:\n"
               "  0    loaded (or reverted); `bicentennial run` rebuilds what depends on it\n"
               "  1    refused: a check or the load failed (one line per problem); the warehouse and the\n"
               "       landing catalog are untouched, the refused copy removed unless --keep-refused\n"
               "  2    usage: unknown source; FILE is a directory, a device or pipe, missing or unreadable;\n"
               "       an unknown --replaces/--revert name; no warehouse with the tables the checks need\n"
               "       (run `bicentennial run` first). Nothing is stored or changed.\n"
               "  130  interrupted; nothing changed")
    ingest.add_argument("source", help="source name (raw table), e.g. sesnsp_victims_state")
    ingest.add_argument("file", help="the file as published (with --revert: the name of a file of the source)")
    ingest.add_argument("--replaces", metavar="NAME", help="replace the source's file NAME with FILE (by default the file of "
                                                          "the same name is replaced, or a new name is added)")
    ingest.add_argument("--revert", action="store_true", help="go back to the previous version of the source's file "
                                                              "named FILE (a file an ingest added is removed)")
    ingest.add_argument("--keep-refused", action="store_true", help="keep a refused file's copy in the landing store "
                                                                    "(by default it is removed)")
    ingest.add_argument("--build-dir", help="build folder (default: build/)")
    ingest.add_argument("--warehouse", help="DuckDB file (default: BUILD_DIR/warehouse.duckdb)")
    ingest.add_argument("--data-dir", help="data folder holding the embedded files (default: the repository's data/)")
    ingest.set_defaults(func=cmd_ingest)
