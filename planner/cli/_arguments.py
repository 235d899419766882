"""Arguments shared by the commands' parsers, built from light modules only (see the package docstring)."""

from __future__ import annotations

import argparse
from pathlib import Path

from geodata.datums import MapDatum
from planner.scenario.paths import library_names


def add_scenario_argument(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    """Add ``--scenario NAME`` (a stored scenario, else one of the shipped library or a folder)."""
    parser.add_argument("--scenario", required=required, metavar="NAME",
                        help="stored scenario name, or a shipped one (%(choices)s) or a folder path"
                        .replace("%(choices)s", ", ".join(library_names())))


def add_road_options(parser: argparse.ArgumentParser, *, times: bool = True, at: bool = True) -> None:
    """Add ``--closures NAME``, ``--close-area AREA.geojson`` and (with ``times``) ``--band ID`` and ``--at ISO-TIME``.

    A command with its own ``--at`` passes ``at=False``: posture (when the posture holds), coverage and
    dispatch (who is on duty then; :func:`planner.cli._common.roads_for` reads the same moment for the band).
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
def add_crs_argument(parser: argparse.ArgumentParser, points: str) -> None:
    """Add ``--crs wgs84|gcj02|bd09``: the coordinate system of the command's ``points`` (WGS-84 by default)."""
    parser.add_argument("--crs", choices=[d.value for d in MapDatum], default=MapDatum.WGS84.value,
                        help=f"coordinate system of {points}: wgs84 (GPS, OpenStreetMap; default), gcj02 "
                             "(copied from Amap/Tencent) or bd09 (copied from Baidu)")
