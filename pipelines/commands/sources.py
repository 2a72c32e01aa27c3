"""`bicentennial sources [SOURCE]`: the files each source uses now, from the landing catalog.

One line per file: its name, the first 12 hex digits of its SHA-256, its size, its origin (embedded: from
data/; ingested: `bicentennial ingest`) and the date of its receipt. A file of data/ that no load has
receipted yet is shown as it will be seeded (date `not loaded yet`). Reads only: nothing is stored or
recorded.
"""
from __future__ import annotations

import argparse
import sys

EXIT_USAGE = 2


def source_lines(spec, files) -> list[str]:
    lines = [f"{spec.name} ({len(files)} file{'s' if len(files) != 1 else ''})"]
    for f in files:
        name = f.file if f.file == f.name else f"{f.file} (replaces {f.name})"
        date = "not loaded yet" if f.pending else f.received_at[:10]
        versions = f"  {f.versions} versions" if f.versions > 1 else ""
        lines.append(f"  {name:<52} {(f.sha256 or '')[:12]:<12} {f.size_bytes:>14,} bytes  {f.origin:<8}  {date}{versions}")
    return lines


def cmd_sources(args: argparse.Namespace) -> int:
    from .run import _apply_paths

    _apply_paths(args)
    from ..landing import landing_dir
    from ..landing_catalog import plan_load
    from ..settings import settings_from_env
    from ..sources import SOURCES, SourceFormatError

    settings = settings_from_env()
    names = {s.name for s in SOURCES}
    if args.source and args.source not in names:
        print(f"bicentennial sources: unknown source {args.source!r}; known: {', '.join(s.name for s in SOURCES)}",
              file=sys.stderr)
        return EXIT_USAGE
    root = landing_dir(settings.build_dir)
    status = 0
    for spec in SOURCES:
        if args.source and spec.name != args.source:
            continue
        try:
            plan = plan_load(spec, settings.data_dir, root)
        except SourceFormatError as error:
            print(f"bicentennial sources: {error}", file=sys.stderr)
            status = 1
            continue
        for note in plan.notes:
            print(f"bicentennial sources: landing catalog: {note}", file=sys.stderr)
        for line in source_lines(spec, plan.files):
            print(line)
        for path in plan.missing.values():
            print(f"  {path.name}: not in the landing store and not in {settings.data_dir} (a load will fail)")
    return status


def add_parser(subparsers) -> None:
    sources = subparsers.add_parser("sources", help="list the files each source uses now (landing catalog)")
    sources.add_argument("source", nargs="?", help="only this source (raw table name)")
    sources.add_argument("--build-dir", help="build folder whose landing store to read (default: build/)")
    sources.add_argument("--data-dir", help="data folder holding the embedded files (default: the repository's data/)")
    sources.set_defaults(func=cmd_sources)
