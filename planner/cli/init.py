"""``init``: create the database and load the shipped scenarios when it is empty (used by ``make run``)."""

from __future__ import annotations

import argparse

from planner.scenario_files import library_names, read_scenario
from planner.store import Store

DEFAULT_SCENARIO = "jinan"


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``init`` command."""
    parser = subparsers.add_parser("init", help="create the database and load the shipped scenarios",
                                   description="Create the database schema and store the shipped scenarios.")
    parser.add_argument("--if-empty", action="store_true", help="only when no scenario is stored yet")
    parser.set_defaults(handler=init)


def init(args: argparse.Namespace) -> int:
    """Store every shipped scenario (the default first) unless ``--if-empty`` and something is stored."""
    store = Store()
    if args.if_empty and not store.is_empty():
        print(f"database {store.url} already holds scenarios; nothing loaded")
        return 0
    names = sorted(library_names(), key=lambda n: n != DEFAULT_SCENARIO)
    for name in names:
        store.save_scenario(read_scenario(name), replace=True)
        print(f"loaded scenario {name!r} into {store.url}")
    return 0
