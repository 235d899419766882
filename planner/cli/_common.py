"""Helpers shared by CLI commands: finding a scenario, with its settings, in the store or the shipped library."""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.errors import InputError, NotFoundError
from planner.scenario.files import library_names, read_scenario, scenario_path
from planner.scenario.model import Scenario
from planner.store.database import Store
from planner.store.settings import StoredDocuments, read_folder_settings

if TYPE_CHECKING:
    from planner.roads.conditions import RoadConditions


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


def load_with_settings(name: str, store: Store) -> tuple[Scenario, Mapping[str, Any], bool]:
    """Return a scenario, its settings documents by name, and whether it is stored.

    A stored scenario's settings are its stored documents, the ones the web app and background jobs
    read. A scenario that is not stored (a shipped name or a folder path) is read from its folder with
    its settings files, read and checked exactly as ``scenario load`` reads them.
    """
    register_settings_documents()
    try:
        return store.load_scenario(name), StoredDocuments(store, name), True
    except NotFoundError:
        return (*read_folder(name), False)


def read_folder(name: str) -> tuple[Scenario, dict[str, Any]]:
    """Read and check a scenario folder (a shipped name or a path): its records and its settings files."""
    register_settings_documents()
    scenario = read_scenario(name)
    return scenario, read_folder_settings(scenario_path(name), scenario)


def register_settings_documents() -> None:
    """Import the packages that register the settings documents, so the folder and the store know them all.

    Imported here rather than at the top: posture's optimiser comes with them, and importing it at every
    command's start made ``python -m planner --help`` about 0.6 s slower (``python -X importtime``).
    """
    import planner.drills.settings
    import planner.posture.settings
    import planner.roads.bands
    import planner.roads.closures  # noqa: F401  (with the lines above: registers every settings document)


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


def road_conditions(args: argparse.Namespace, scenario_name: str, *,
                    use_at: bool = True) -> tuple[Scenario, RoadConditions | None]:
    """Return the scenario and its travel network under the command's road options (None when none is given).

    Reads the scenario with its settings (stored, else its folder) only when an option needs them;
    ``--closures`` and ``--close-area`` together are refused, as are ``--at`` and ``--band``. A command
    whose ``--at`` means something else (posture: when the posture holds) passes ``use_at=False``.
    """
    from planner.clock import local_moment
    from planner.roads.conditions import travel_network

    closures: Any = getattr(args, "closures", None)
    area: Path | None = getattr(args, "close_area", None)
    at_text = getattr(args, "at", None) if use_at else None
    band = getattr(args, "band", None)
    if closures is None and area is None and at_text is None and band is None:
        return load_scenario(scenario_name), None
    if closures is not None and area is not None:
        raise InputError("give --closures NAME or --close-area FILE, not both", field="closures")
    scenario, documents, _ = load_with_settings(scenario_name, Store())
    if area is not None:
        closures = read_area(area)
    at = None if at_text is None else local_moment(at_text, scenario.zone, "at")
    return scenario, travel_network(scenario, documents, closures=closures, band=band, at=at)


def read_area(path: Path) -> Any:
    """Read a GeoJSON file of areas to close; ``InputError`` names ``close-area`` when it cannot be read."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"--close-area {path}: cannot read GeoJSON ({error})", field="close-area") from None
