"""The `bicentennial` command. Subcommands live in pipelines/commands/ (one module each) and in
evaluations/did/cli.py (`bicentennial did`)."""
from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys

# One BLAS/OpenMP thread, set before numpy is imported (an explicit setting in the environment wins).
# Results then do not depend on the machine's core count (a threaded BLAS splits sums differently), and on
# the 2-core machines we target, where Dagster runs the steps one after another, the fits are faster:
# the event study of the joint operations took 2.0 s with one thread against 3.6 s with two (busy 2-core machine).
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

from . import commands  # noqa: E402 — after the thread settings above


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
