"""``python -m planner <command>``: one module per command in this package, found automatically.

Each command module defines ``register(subparsers)``, which adds its parser and sets ``handler`` to a
function ``(args) -> int``. ``main`` turns every planner or geodata error, and a file that cannot be read
or written, into one stderr line and an exit code: 0 ok, 2 bad input, 3 infeasible, 4 solver limit without
a solution, 1 a bug.

Heavy modules load when the command that needs them runs. Every command module is imported to build
the parser, so at its top a command module imports only the standard library and the light modules
its parser needs (``planner.errors``, ``planner.clock``, ``planner.cli._arguments``,
``planner.cli.output``, ``planner.scenario.paths``, ``planner.model.codes``, ``planner.store.roles``);
each handler imports what it runs (``planner.cli._common``, the store, the optimisers, numpy, pandas,
SQLAlchemy, the network stack) in its own body. This is the one place in the project where imports
stand inside functions, for a measured reason: with them at the top, ``python -m planner --help`` took
1.05-1.6 s (1.7 s of CPU); with them in the handlers, 0.1 s of CPU for every command's ``--help``
(``bench/cli_startup.py``). ``tests/test_cli_startup.py`` checks that no ``--help`` loads the heavy
libraries.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import pkgutil
import sys
from collections.abc import Sequence

from geodata.errors import GeodataError
from planner.cli import language
from planner.cli.language import tr
from planner.errors import PlannerError, exit_code_for
from planner.model.codes import LANGUAGES, shown


def build_parser() -> argparse.ArgumentParser:
    """Parser with a sub-command for every module in this package that defines ``register``.

    Its descriptions and help texts are in the language in use (:mod:`planner.cli.language`).
    """
    parser = argparse.ArgumentParser(
        prog="python -m planner",
        description="Emergency rescue resource coordination and drill planner.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    parser.add_argument("--lang", choices=LANGUAGES,
                        help="language of the messages (default: PLANNER_LANG, else the terminal's locale: "
                             "zh_CN for zh_*, else en)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(subparsers)
    language.translate_help(parser)
    return parser


def command_paths(parser: argparse.ArgumentParser | None = None) -> list[tuple[str, ...]]:
    """Every command and sub-command, the top level first: ``()``, ``("backup",)``, ``("drills", "plan")``, ...

    Read from the parser itself, so a new command is listed without being named anywhere else (the start-up
    test and ``bench/cli_startup.py`` ask each one for its ``--help``).
    """
    found: list[tuple[str, ...]] = [()]

    def walk(node: argparse.ArgumentParser, prefix: tuple[str, ...]) -> None:
        for action in node._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    found.append((*prefix, name))
                    walk(child, (*prefix, name))

    walk(parser or build_parser(), ())
    return found


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code, speaking the language asked for (``--lang``, the locale)."""
    words = list(sys.argv[1:] if argv is None else argv)
    asked = language.asked_for(words, os.environ)
    speaks = asked if asked in LANGUAGES else "en"  # a --lang not offered: the parser refuses it
    language.use(speaks)
    parser = build_parser()
    args = parser.parse_args(words)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    try:
        return int(args.handler(args))
    except (PlannerError, GeodataError) as error:  # the coded values it names by their display names
        print(f"{tr('error')}: {shown(error.marked, speaks) if isinstance(error, PlannerError) else error}",
              file=sys.stderr)
        return exit_code_for(error)
    except OSError as error:  # a file or folder named on the command line that cannot be read or written
        where = f"{error.filename}: " if error.filename else ""
        print(f"{tr('error')}: {where}{error.strerror or error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(tr("interrupted"), file=sys.stderr)
        return 130
