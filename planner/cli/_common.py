"""Helpers shared by CLI commands: finding a scenario in the store or the shipped library."""

from __future__ import annotations

import argparse

from planner.errors import InputError
from planner.scenario.files import library_names, read_scenario
from planner.scenario.model import Scenario
from planner.store.database import Store


def add_scenario_argument(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    """Add ``--scenario NAME`` (a stored scenario, else one of the shipped library or a folder)."""
    parser.add_argument("--scenario", required=required, metavar="NAME",
                        help="stored scenario name, or a shipped one (%(choices)s) or a folder path"
                        .replace("%(choices)s", ", ".join(library_names())))


def load_scenario(name: str, store: Store | None = None) -> Scenario:
    """Return the stored scenario of that name if there is one, else the shipped library's or a folder's."""
    store = store or Store()
    try:
        return store.load_scenario(name)
    except InputError:
        return read_scenario(name)
