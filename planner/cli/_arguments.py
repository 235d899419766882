"""Arguments shared by the commands' parsers, built from light modules only (see the package docstring)."""

from __future__ import annotations

import argparse
from pathlib import Path

from planner.scenario.paths import library_names


def add_scenario_argument(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    """Add ``--scenario NAME`` (a stored scenario, else one of the shipped library or a folder)."""
    parser.add_argument("--scenario", required=required, metavar="NAME",
                        help="stored scenario name, or a shipped one (%(choices)s) or a folder path"
                        .replace("%(choices)s", ", ".join(library_names())))


def add_road_options(parser: argparse.ArgumentParser, *, times: bool = True, at: bool = True) -> None:
    """Add ``--closures NAME``, ``--close-area AREA.geojson`` and (with ``times``) ``--band ID`` and ``--at ISO-TIME``.

    A command with its own ``--at`` (posture: when the posture holds) passes ``at=False``.
    """
    group = parser.add_argument_group("roads on the day")
    group.add_argument("--closures", metavar="NAME", help="apply a stored closure set (closures.yaml)")
    group.add_argument("--close-area", type=Path, metavar="AREA.geojson",
                       help="close every road inside or across this (Multi)Polygon Feature or FeatureCollection")
    if times and at:
        group.add_argument("--at", metavar="ISO-TIME",
                           help="drive at this moment's time band, e.g. 2026-07-01T08:00 (the scenario's zone)")
    if times:
        group.add_argument("--band", metavar="ID", help="drive in this time band (speed_profiles.yaml)")
