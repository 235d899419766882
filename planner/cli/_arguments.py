"""Arguments shared by the commands' parsers, built from light modules only (see the package docstring)."""

from __future__ import annotations

import argparse

from planner.scenario.paths import library_names


def add_scenario_argument(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    """Add ``--scenario NAME`` (a stored scenario, else one of the shipped library or a folder)."""
    parser.add_argument("--scenario", required=required, metavar="NAME",
                        help="stored scenario name, or a shipped one (%(choices)s) or a folder path"
                        .replace("%(choices)s", ", ".join(library_names())))
