"""``python -m planner <command>``: one module per command in this package, found automatically.

Each command module defines ``register(subparsers)``, which adds its parser and sets ``handler`` to a
function ``(args) -> int``. ``main`` turns every planner or geodata error, and a file that cannot be read
or written, into one stderr line and an exit code: 0 ok, 2 bad input, 3 infeasible, 4 solver limit without
a solution, 1 a bug.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
from collections.abc import Sequence

from geodata.errors import GeodataError
from planner.errors import PlannerError, exit_code_for


def build_parser() -> argparse.ArgumentParser:
    """Parser with a sub-command for every module in this package that defines ``register``."""
    parser = argparse.ArgumentParser(
        prog="python -m planner",
        description="Emergency rescue resource coordination and drill planner.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    try:
        return int(args.handler(args))
    except (PlannerError, GeodataError) as error:
        print(f"error: {error}", file=sys.stderr)
        return exit_code_for(error)
    except OSError as error:  # a file or folder named on the command line that cannot be read or written
        where = f"{error.filename}: " if error.filename else ""
        print(f"error: {where}{error.strerror or error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
