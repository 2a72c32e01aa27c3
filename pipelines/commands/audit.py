"""`bicentennial audit`: every published number of a build with its evidence grade, direction and the
publication rules it passed (evaluations/publication/). Exit 0 when no result breaks a rule, 1 when any
does (each violation named), 2 when there is nothing to audit."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def cmd_audit(args: argparse.Namespace) -> int:
    from evaluations.publication import audit, load_results, report_lines

    from ..settings import settings_from_env

    results_dir = Path(args.results_dir) if args.results_dir else (
        Path(args.build_dir) / "results" if args.build_dir else settings_from_env().results_dir)
    try:
        results = load_results(results_dir)
    except ValueError as error:
        print(f"bicentennial audit: {error}", file=sys.stderr)
        return 2
    if not results:
        print(f"bicentennial audit: no result.json under {results_dir / 'evaluations'}; run `bicentennial run` first",
              file=sys.stderr)
        return 2
    report = audit(results)
    if args.json:
        print(json.dumps(report, indent=1, sort_keys=True, ensure_ascii=False))
    else:
        print("\n".join(report_lines(report)))
    return 0 if report["passed"] else 1


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("audit", help="check every published number against the publication rules")
    p.add_argument("--build-dir", help="the build folder whose results/ to audit (default: build/)")
    p.add_argument("--results-dir", help="a results folder to audit directly (e.g. a copy from another run)")
    p.add_argument("--json", action="store_true", help="print the full audit (as publication_audit.json) instead of the table")
    p.set_defaults(func=cmd_audit)
