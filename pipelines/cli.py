"""The `bicentennial` command. Subcommands live in pipelines/commands/ (one module each) and in
evaluations/did/cli.py (`bicentennial did`)."""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from . import commands


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bicentennial", description="Evaluate the Mexico–U.S. Bicentennial Framework.")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in sorted(m.name for m in pkgutil.iter_modules(commands.__path__)):
        importlib.import_module(f"{commands.__name__}.{module}").add_parser(sub)
    from evaluations.did import cli as did_cli

    did_cli.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
