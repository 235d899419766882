"""Arguments shared by the commands' parsers, built from light modules only (see the package docstring)."""

from __future__ import annotations

import argparse

from geodata.datums import MapDatum
from planner.scenario.paths import library_names


def add_scenario_argument(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    """Add ``--scenario NAME`` (a stored scenario, else one of the shipped library or a folder)."""
    parser.add_argument("--scenario", required=required, metavar="NAME",
                        help="stored scenario name, or a shipped one (%(choices)s) or a folder path"
                        .replace("%(choices)s", ", ".join(library_names())))


def add_crs_argument(parser: argparse.ArgumentParser, points: str) -> None:
    """Add ``--crs wgs84|gcj02|bd09``: the coordinate system of the command's ``points`` (WGS-84 by default)."""
    parser.add_argument("--crs", choices=[d.value for d in MapDatum], default=MapDatum.WGS84.value,
                        help=f"coordinate system of {points}: wgs84 (GPS, OpenStreetMap; default), gcj02 "
                             "(copied from Amap/Tencent) or bd09 (copied from Baidu)")
